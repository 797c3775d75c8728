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


def to_fraction(value: str | int | float | Fraction) -> Fraction:
    """Parse a user value exactly: ``"0.0075"`` is 3/400, not the nearest double.

    >>> to_fraction("0.0075")
    Fraction(3, 400)
    >>> to_fraction("1e-12")
    Fraction(1, 1000000000000)
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        # Exact decimal reading of the repr, which is what a user typed.
        return Fraction(repr(value))
    return Fraction(str(value).strip())


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
    """
    return _decimal(x, digits, up=False)


def decimal_up(x: Fraction, digits: int = 12) -> str:
    """``x`` as a decimal string with ``digits`` significant digits, rounded toward +inf."""
    return _decimal(x, digits, up=True)


def _decimal(x: Fraction, digits: int, up: bool) -> str:
    if x == 0:
        return "0"
    e = math.floor(math.log10(abs(x.numerator)) - math.log10(x.denominator))
    # scale so that the integer part has `digits` digits
    shift = digits - 1 - e
    scaled = x * Fraction(10) ** shift
    n = math.ceil(scaled) if up else math.floor(scaled)
    s = str(abs(n))
    sign = "-" if n < 0 else ""
    if shift <= 0:
        return sign + s + "0" * (-shift)
    if len(s) <= shift:
        s = "0" * (shift - len(s) + 1) + s
    out = s[:-shift] + "." + s[-shift:]
    out = out.rstrip("0").rstrip(".")
    return sign + out


def decimal_exact(x: Fraction) -> str | None:
    """The exact decimal expansion of ``x`` if it terminates (else None).

    >>> decimal_exact(Fraction(3, 400))
    '0.0075'
    >>> decimal_exact(Fraction(1, 3)) is None
    True
    """
    d = x.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return None
    k = max(twos, fives)
    n = x * 10**k
    assert n.denominator == 1
    s = str(abs(n.numerator)).rjust(k + 1, "0")
    out = s if k == 0 else s[:-k] + "." + s[-k:]
    if k:
        out = out.rstrip("0").rstrip(".")
    return ("-" if x < 0 else "") + out
