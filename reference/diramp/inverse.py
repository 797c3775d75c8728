"""Inverse helpers: what it takes to reach a target output length (THM-5, THM-5-DERIVED).

Each answer is certified on the safe side: the minimum n and minimum S_mu are
values at which the certified m reaches the target (rounded up), the maximum
mu is a value at which it still does (rounded down).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from diramp.bell import s_mu_depolarised, s_mu_quantum_max_bound
from diramp.errors import InputError
from diramp.length import Variant, theorem5

#: Relative resolution of the bisections over S_mu and mu.
RESOLUTION = Fraction(1, 10**9)
N_CAP = 2**62


def _m(n: int, mu: Fraction, s: Fraction, eps: Fraction, eps_s: Fraction, eps_ea: Fraction,
       variant: Variant) -> int:
    if s <= 0:
        return 0
    return theorem5(n, mu, s, eps, eps_s, eps_ea, variant).m


def min_n(m_target: int, mu: Fraction, s: Fraction, eps: Fraction, eps_s: Fraction,
          eps_ea: Fraction, variant: Variant = "derived") -> int:
    """Smallest n whose certified m reaches ``m_target`` (m is non-decreasing in n).

    >>> from fractions import Fraction as F
    >>> n = min_n(1000, F(0), F(1, 100), F(1, 10**6), F(1, 10**8), F(1, 10**6))
    >>> from diramp.length import theorem5
    >>> theorem5(n, F(0), F(1, 100), F(1, 10**6), F(1, 10**8), F(1, 10**6)).m >= 1000
    True
    >>> theorem5(n - 1, F(0), F(1, 100), F(1, 10**6), F(1, 10**8), F(1, 10**6)).m < 1000
    True
    """
    _check_target(m_target)
    hi_n = 1024
    while _m(hi_n, mu, s, eps, eps_s, eps_ea, variant) < m_target:
        hi_n *= 2
        if hi_n > N_CAP:
            raise InputError("m", "is not reachable at this S_mu and mu for any n",
                             f"target {m_target}", "the asymptotic rate is not positive; raise S_mu or lower mu")
    lo_n = hi_n // 2 if hi_n > 1024 else 0
    while hi_n - lo_n > 1:
        mid = (lo_n + hi_n) // 2
        if _m(mid, mu, s, eps, eps_s, eps_ea, variant) >= m_target:
            hi_n = mid
        else:
            lo_n = mid
    return hi_n


def min_s_mu(m_target: int, n: int, mu: Fraction, eps: Fraction, eps_s: Fraction,
             eps_ea: Fraction, variant: Variant = "derived") -> Fraction:
    """Smallest S_mu (to relative resolution 1e-9, rounded up) whose certified m reaches the target."""
    _check_target(m_target)
    top = s_mu_quantum_max_bound(mu) * Fraction(999999, 10**6)
    if _m(n, mu, top, eps, eps_s, eps_ea, variant) < m_target:
        raise InputError("m", "is not reachable at this n and mu for any quantum S_mu",
                         f"target {m_target}", "raise n or lower the target")
    return _bisect(lambda s: _m(n, mu, s, eps, eps_s, eps_ea, variant) >= m_target, Fraction(0), top)


def max_mu(m_target: int, n: int, s_of_mu: Callable[[Fraction], Fraction], eps: Fraction,
           eps_s: Fraction, eps_ea: Fraction, variant: Variant = "derived") -> Fraction:
    """Largest mu (resolution 1e-9, rounded down) at which the certified m still reaches the target.

    ``s_of_mu`` maps mu to the S_mu the device shows at that bias, e.g.
    :func:`depolarised` for a CHSH value.
    """
    _check_target(m_target)
    if _m(n, Fraction(0), s_of_mu(Fraction(0)), eps, eps_s, eps_ea, variant) < m_target:
        raise InputError("m", "is not reachable even with mu = 0", f"target {m_target}",
                         "raise n or the Bell violation")
    ok = _bisect(lambda mu: not (_m(n, mu, s_of_mu(mu), eps, eps_s, eps_ea, variant) >= m_target),
                 Fraction(0), Fraction(1, 4))
    # _bisect returns the smallest failing mu (rounded up); step back one resolution unit
    return max(Fraction(0), ok - RESOLUTION * ok)


def depolarised(chsh: Fraction) -> Callable[[Fraction], Fraction]:
    """S_mu as a function of mu for a depolarised device with this CHSH value (CONV-DEPOL)."""
    return lambda mu: s_mu_depolarised(chsh, mu)


def _bisect(pred: Callable[[Fraction], bool], a: Fraction, b: Fraction) -> Fraction:
    """Smallest x in (a, b] with pred(x), to relative resolution RESOLUTION; pred monotone."""
    while b - a > RESOLUTION * b:
        mid = (a + b) / 2
        if pred(mid):
            b = mid
        else:
            a = mid
    return b


def _check_target(m_target: int) -> None:
    if isinstance(m_target, bool) or not isinstance(m_target, int) or m_target < 1:
        raise InputError("m", "target must be an integer >= 1", f"got {m_target!r}")
