"""Exact and interval arithmetic helpers (CONV-ROUNDING).

Security quantities are exact :class:`fractions.Fraction` values or rigorous
mpmath intervals.  Conversions out of an interval are *directed*: a lower bound
is rounded down, an upper bound up, and the caller names which it wants.

All interval work runs at :data:`PREC` bits inside :func:`ivprec`, which
restores mpmath's interval precision on exit.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from mpmath import iv
from mpmath.libmp import to_rational

#: Working precision (bits) of the interval computations.
PREC = 160

Interval = Any  # mpmath ivmpf


@contextlib.contextmanager
def ivprec(bits: int = 0) -> Iterator[None]:
    """Run the enclosed interval arithmetic at ``bits`` (default :data:`PREC`) bits.

    >>> with ivprec():
    ...     iv.prec == PREC
    True
    """
    saved = iv.prec
    iv.prec = bits or PREC
    try:
        yield
    finally:
        iv.prec = saved


#: CONV-NUMBER: the longest number text accepted (characters), before any arithmetic.
MAX_NUMBER_CHARS = 1000
#: CONV-NUMBER: the largest decimal exponent accepted, |e| <= MAX_EXPONENT, checked before any arithmetic.
MAX_EXPONENT = 9999

_DIGITS = r"[0-9](?:_?[0-9])*"
_DECIMAL = re.compile(rf"([+-]?)({_DIGITS})?(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?", re.ASCII)
_RATIO = re.compile(rf"([+-]?)({_DIGITS})/({_DIGITS})", re.ASCII)


def parse_exact(text: str, name: str = "value") -> Fraction:
    """CONV-NUMBER: the one parser of exact numbers from untrusted text (CLI, JSON records, vectors).

    Accepts an integer (``20431465``, ``1_000``), a decimal with optional exponent
    (``0.0075``, ``1e-12``, ``.5``) or a ratio ``p/q``; surrounding spaces are ignored.
    Length and exponent are bounded *before* any arithmetic, so ``1e-99999999``
    fails at once.  ``nan``, ``inf``, ``1/0``, ``0x10`` and the empty string are
    rejected.  Every failure is an :class:`InputError` naming ``name``.

    >>> parse_exact("0.0075"), parse_exact("1e-12"), parse_exact("-3/6")
    (Fraction(3, 400), Fraction(1, 1000000000000), Fraction(-1, 2))
    >>> parse_exact("1e-99999999", "eps")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    diramp.errors.InputError: eps: exponent out of range ...
    >>> parse_exact("nan", "mu")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    diramp.errors.InputError: mu: is not an exact number (got 'nan'); ...
    """
    from diramp.errors import InputError

    if not isinstance(text, str):
        raise InputError(name, "must be a number written as text", f"got {type(text).__name__}")
    t = text.strip()
    if len(t) > MAX_NUMBER_CHARS:
        raise InputError(name, f"is longer than {MAX_NUMBER_CHARS} characters", f"{len(t)} characters",
                         "write it shorter, e.g. as a decimal with an exponent")
    fix = "write an integer, a decimal such as 0.0075 or 1e-12, or a ratio p/q"
    m = _RATIO.fullmatch(t)
    if m:
        sign, p, q_ = m.groups()
        den = int(q_.replace("_", ""))
        if den == 0:
            raise InputError(name, "has a zero denominator", f"got {t!r}", fix)
        value = Fraction(int(p.replace("_", "")), den)
        return -value if sign == "-" else value
    m = _DECIMAL.fullmatch(t)
    if not m or (m.group(2) is None and not m.group(3)):
        raise InputError(name, "is not an exact number", f"got {_clip(t)!r}", fix)
    sign, whole, frac, exp = m.groups()
    e = int(exp) if exp else 0
    if abs(e) > MAX_EXPONENT:
        raise InputError(name, f"exponent out of range (|exponent| <= {MAX_EXPONENT})", f"got {_clip(t)!r}",
                         "no diramp quantity needs more")
    digits = (whole or "0").replace("_", "") + (frac or "")
    e -= len(frac or "")
    value = Fraction(int(digits) * 10**e) if e >= 0 else Fraction(int(digits), 10**-e)
    return -value if sign == "-" else value


def _clip(t: str) -> str:
    return t if len(t) <= 40 else t[:37] + "..."


def exact_value(value: object, name: str = "value") -> Fraction:
    """CONV-NUMBER: an exact parameter from the Python API: int, str, Fraction or Decimal alike.

    Strings go through :func:`parse_exact`.  A float is refused with the reason (it
    is not the number the user wrote: 0.0075 is stored as 0.00749999999999999972...).

    >>> exact_value(3), exact_value("0.0075"), exact_value(Fraction(1, 3))
    (Fraction(3, 1), Fraction(3, 400), Fraction(1, 3))
    >>> from decimal import Decimal
    >>> exact_value(Decimal("1e-12"))
    Fraction(1, 1000000000000)
    >>> exact_value(0.0075, "mu")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    diramp.errors.InputError: mu: must be exact (int, str, Fraction or Decimal), not a float ...
    """
    import decimal
    import numbers

    from diramp.errors import InputError

    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise InputError(name, "must be a number, not a bool", f"got {value!r}")
    if isinstance(value, numbers.Integral):
        return Fraction(int(value))
    if isinstance(value, str):
        return parse_exact(value, name)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise InputError(name, "must be finite", f"got Decimal({str(value)!r})")
        if abs(value.as_tuple().exponent) > MAX_EXPONENT + MAX_NUMBER_CHARS:  # type: ignore[arg-type]
            raise InputError(name, "exponent out of range", f"got Decimal({_clip(str(value))!r})")
        return parse_exact(format(value, "e"), name)
    if isinstance(value, float):
        raise InputError(name, "must be exact (int, str, Fraction or Decimal), not a float",
                         f"got {value!r}, which is stored as {Fraction(value)}" if math.isfinite(value)
                         else f"got {value!r}",
                         f"pass the number as text, e.g. {str(value)!r}, or as a Fraction")
    raise InputError(name, "must be an exact number (int, str, Fraction or Decimal)", f"got {type(value).__name__}")


def exact_int(value: object, name: str = "value") -> int:
    """CONV-NUMBER: an integer parameter: an int, or any exact number equal to one (``"1e9"``, ``"2_000"``).

    >>> exact_int("1e9"), exact_int(7), exact_int(Fraction(8, 2))
    (1000000000, 7, 4)
    """
    from diramp.errors import InputError

    if isinstance(value, int) and not isinstance(value, bool):
        return value
    v = exact_value(value, name)
    if v.denominator != 1:
        raise InputError(name, "must be an integer", f"got {_clip(str(value))!r}")
    return int(v)


def to_fraction(value: object) -> Fraction:
    """CONV-NUMBER: exact value of a user number (alias of :func:`exact_value`): ``"0.0075"`` is 3/400.

    >>> to_fraction("0.0075")
    Fraction(3, 400)
    >>> to_fraction("1e-12")
    Fraction(1, 1000000000000)
    """
    return exact_value(value)


def q(x: Fraction | int) -> Interval:
    """The tightest interval containing the rational ``x`` (exactly, not via a float).

    >>> with ivprec():
    ...     i = q(Fraction(1, 3))
    >>> lo(i) <= Fraction(1, 3) <= hi(i)
    True
    """
    x = Fraction(x)
    return iv.mpf(x.numerator) / iv.mpf(x.denominator)


def _endpoint(raw: Any) -> Fraction:
    if raw[0] == 0 and raw[1] == 0 and raw[2] != 0:  # mpmath's encoding of inf / nan
        raise ValueError("interval endpoint is not finite")
    p, r = to_rational(raw)
    return Fraction(p, r)


def lo(x: Interval) -> Fraction:
    """Exact rational value of the lower endpoint of interval ``x``."""
    return _endpoint(x._mpi_[0])


def hi(x: Interval) -> Fraction:
    """Exact rational value of the upper endpoint of interval ``x``."""
    return _endpoint(x._mpi_[1])


def log2(x: Interval) -> Interval:
    """Rigorous enclosure of log2 of an interval."""
    return iv.log(x) / iv.log(iv.mpf(2))


def floor_lo(x: Interval) -> int:
    """floor of the lower endpoint: the largest integer certainly <= every point of ``x``."""
    return math.floor(lo(x))


def ceil_hi(x: Interval) -> int:
    """ceil of the upper endpoint: the smallest integer certainly >= every point of ``x``."""
    return math.ceil(hi(x))


def decimal_down(x: Fraction, digits: int = 12) -> str:
    """``x`` as a decimal string with ``digits`` significant digits, rounded toward -inf.

    >>> decimal_down(Fraction(2, 3), 4), decimal_up(Fraction(2, 3), 4)
    ('0.6666', '0.6667')
    >>> decimal_down(Fraction(-2, 3), 4)
    '-0.6667'
    >>> decimal_up(Fraction(877105295319, 10**24), 3), decimal_down(Fraction(999, 1000), 2)
    ('8.78e-13', '0.99')
    >>> decimal_up(Fraction(999, 1000), 2), decimal_down(Fraction(20431465), 12)
    ('1', '20431465')
    """
    return _decimal(x, digits, up=False)


def decimal_up(x: Fraction, digits: int = 12) -> str:
    """``x`` as a decimal string with ``digits`` significant digits, rounded toward +inf."""
    return _decimal(x, digits, up=True)


def _decimal(x: Fraction, digits: int, up: bool) -> str:
    if x == 0:
        return "0"
    e = _exponent(abs(x))
    shift = digits - 1 - e  # scale so that the integer part has `digits` digits
    scaled = x * Fraction(10) ** shift
    n = math.ceil(scaled) if up else math.floor(scaled)
    if len(str(abs(n))) > digits:  # rounding carried into a new digit (e.g. 9.99 -> 10.0)
        e += 1
        shift -= 1
        n = math.ceil(x * Fraction(10) ** shift) if up else math.floor(x * Fraction(10) ** shift)
    return _render(n, -shift)


def _exponent(x: Fraction) -> int:
    """floor(log10(x)) for x > 0, exactly."""
    e = len(str(x.numerator)) - len(str(x.denominator))
    while Fraction(10) ** e > x:
        e -= 1
    while Fraction(10) ** (e + 1) <= x:
        e += 1
    return e


def _render(n: int, exp10: int) -> str:
    """Render the exact value n * 10^exp10; scientific notation when very small or large."""
    sign = "-" if n < 0 else ""
    digits = str(abs(n)).rstrip("0") or "0"
    exp10 += len(str(abs(n))) - len(digits)
    lead = exp10 + len(digits) - 1  # exponent of the leading digit
    if lead < -4 or lead >= 16:
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mant}e{lead}"
    if exp10 >= 0:
        return sign + digits + "0" * exp10
    k = -exp10
    padded = digits.rjust(k + 1, "0")
    return sign + padded[:-k] + "." + padded[-k:]


def decimal_exact(x: Fraction) -> str | None:
    """The exact decimal expansion of ``x`` if it terminates (else None).

    >>> decimal_exact(Fraction(3, 400)), decimal_exact(Fraction(1, 10**12))
    ('0.0075', '1e-12')
    >>> decimal_exact(Fraction(1, 3)) is None
    True
    """
    d = x.denominator
    k = 0
    while d % 10 == 0:
        d //= 10
        k += 1
    while d % 2 == 0 or d % 5 == 0:
        d //= 2 if d % 2 == 0 else 5
        k += 1
    if d != 1:
        return None
    n = x * 10**k
    assert n.denominator == 1
    return _render(n.numerator, -k)


def exact_text(x: Fraction | int, max_len: int = 60) -> str:
    """CONV-ROUNDING: an exact rendering: a terminating decimal (at most ``max_len`` chars) or ``p/q``.

    >>> exact_text(Fraction(3, 400)), exact_text(Fraction(1, 3)), exact_text(Fraction(1, 10**12))
    ('0.0075', '1/3', '1e-12')
    """
    x = Fraction(x)
    d = decimal_exact(x)
    if d is not None and len(d) <= max_len:
        return d
    return f"{x.numerator}/{x.denominator}"
