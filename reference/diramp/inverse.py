"""Inverse helpers: what it takes to reach a target output length (THM-5, THM-6, THM-5-DERIVED).

Each helper answers for the same theorem as the headline it sits beside: Theorem 6 on
``grid`` when a grid is given (what ``diramp run`` certifies), Theorem 5 otherwise
(REQ-INVERSE-HEADLINE).  Each answer is certified on the safe side: the minimum n and minimum
S_mu are values at which the certified m reaches the target, the maximum mu one at
which it still does (each checked by evaluating the theorem there).

Arguments after the target are keyword-only; their names and the rules for exact
numbers are those of :func:`diramp.length.theorem5` (CONV-API-ORDER, CONV-NUMBER).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from diramp.bell import s_mu_depolarised, s_mu_quantum_max_bound
from diramp.errors import InputError
from diramp.exact import exact_int, exact_value
from diramp.length import Grid, Variant, check_eps, theorem5, theorem6
from diramp.sv import check_mu

#: Relative resolution of the bisections over S_mu and mu.
RESOLUTION = Fraction(1, 10**9)
N_CAP = 2**62


def _length(grid: Grid | None, eps: Fraction, eps_s: Fraction, eps_ea: Fraction | None,
            variant: Variant) -> Callable[[int, Fraction, Fraction], int]:
    """m(n, mu, S) under the headline's theorem (REQ-INVERSE-HEADLINE)."""

    def m(n: int, mu: Fraction, s: Fraction) -> int:
        if grid is not None:
            return theorem6(n, mu, s, eps, eps_s, eps_ea, grid=grid, variant=variant).m
        if s <= 0:
            return 0
        return theorem5(n, mu, s, eps, eps_s, eps_ea, variant=variant).m

    return m


def _common(eps: object, eps_s: object, eps_ea: object) -> tuple[Fraction, Fraction, Fraction | None]:
    e, es = check_eps("eps", eps), check_eps("eps_s", eps_s)
    return e, es, (None if eps_ea is None else check_eps("eps_EA", eps_ea))


def theorem_name(grid: Grid | None) -> str:
    """The theorem an inverse answer refers to, for labels (REQ-INVERSE-HEADLINE)."""
    if grid is None:
        return "Theorem 5"
    return f"Theorem 6 (M = {grid.bins}, S_max = {grid.s_max})"


def min_n(m_target: int, *, mu: object, s_mu: object, eps: object, eps_s: object, eps_ea: object = None,
          grid: Grid | None = None, variant: Variant = "derived") -> int:
    """REQ-INVERSE-HEADLINE: smallest n whose certified m reaches ``m_target`` (m is non-decreasing in n).

    >>> n = min_n(1000, mu=0, s_mu="0.01", eps="1e-6", eps_s="1e-8")
    >>> from diramp.length import theorem5
    >>> theorem5(n, 0, "0.01", "1e-6", "1e-8").m >= 1000 > theorem5(n - 1, 0, "0.01", "1e-6", "1e-8").m
    True
    """
    _check_target(m_target)
    m_of = _length(grid, *_common(eps, eps_s, eps_ea), variant)
    mu_, s = check_mu(mu), exact_value(s_mu, "S_mu")
    hi_n = 1024
    while m_of(hi_n, mu_, s) < m_target:
        hi_n *= 2
        if hi_n > N_CAP:
            raise InputError("m", f"is not reachable at this S_mu and mu for any n ({theorem_name(grid)})",
                             f"target {m_target}", "the asymptotic rate is not positive; raise S_mu or lower mu")
    lo_n = hi_n // 2 if hi_n > 1024 else 0
    while hi_n - lo_n > 1:
        mid = (lo_n + hi_n) // 2
        if m_of(mid, mu_, s) >= m_target:
            hi_n = mid
        else:
            lo_n = mid
    return hi_n


def min_s_mu(m_target: int, *, n: object, mu: object, eps: object, eps_s: object, eps_ea: object = None,
             grid: Grid | None = None, variant: Variant = "derived") -> Fraction:
    """REQ-INVERSE-HEADLINE: smallest S_mu (S_mu,obs under Theorem 6) whose certified m reaches the target.

    Under Theorem 6 m is constant between grid points, so the answer is the
    smallest grid point i Delta S that reaches it, exactly.  Under Theorem 5 it is
    bisected to relative resolution 1e-9 and returned rounded up (a value that
    reaches the target).
    """
    _check_target(m_target)
    nn, mu_ = exact_int(n, "n"), check_mu(mu)
    m_of = _length(grid, *_common(eps, eps_s, eps_ea), variant)
    if grid is not None:
        if m_of(nn, mu_, grid.s_max) < m_target:
            raise InputError("m", f"is not reachable at this n and mu in any bin ({theorem_name(grid)})",
                             f"target {m_target}", "raise n or lower the target")
        lo_i, hi_i = 0, grid.bins  # m(bin lo_i) < target <= m(bin hi_i)
        while hi_i - lo_i > 1:
            mid = (lo_i + hi_i) // 2
            if m_of(nn, mu_, mid * grid.delta) >= m_target:
                hi_i = mid
            else:
                lo_i = mid
        return hi_i * grid.delta
    top = s_mu_quantum_max_bound(mu_) * Fraction(999999, 10**6)
    if m_of(nn, mu_, top) < m_target:
        raise InputError("m", "is not reachable at this n and mu for any quantum S_mu (Theorem 5)",
                         f"target {m_target}", "raise n or lower the target")
    _, ok = _bisect(lambda s: m_of(nn, mu_, s) >= m_target, Fraction(0), top)
    return ok


def max_mu(m_target: int, *, n: object, s_of_mu: Callable[[Fraction], Fraction], eps: object, eps_s: object,
           eps_ea: object = None, grid: Grid | None = None, variant: Variant = "derived") -> Fraction:
    """REQ-INVERSE-HEADLINE: largest mu (resolution 1e-9, rounded down) at which m still reaches the target.

    ``s_of_mu`` maps mu to the S_mu the device shows at that bias, e.g.
    :func:`depolarised` for a CHSH value.
    """
    _check_target(m_target)
    nn = exact_int(n, "n")
    m_of = _length(grid, *_common(eps, eps_s, eps_ea), variant)
    if m_of(nn, Fraction(0), s_of_mu(Fraction(0))) < m_target:
        raise InputError("m", f"is not reachable even with mu = 0 ({theorem_name(grid)})", f"target {m_target}",
                         "raise n or the Bell violation")
    ok, _ = _bisect(lambda mu: not (m_of(nn, mu, s_of_mu(mu)) >= m_target), Fraction(0), Fraction(1, 4))
    return ok


def depolarised(chsh: object) -> Callable[[Fraction], Fraction]:
    """S_mu as a function of mu for a depolarised device with this CHSH value (CONV-DEPOL)."""
    c = exact_value(chsh, "CHSH")
    return lambda mu: s_mu_depolarised(c, mu)


def _bisect(pred: Callable[[Fraction], bool], a: Fraction, b: Fraction) -> tuple[Fraction, Fraction]:
    """(a, b) with pred(a) false (or a the start) and pred(b) true, b - a <= RESOLUTION * b; pred monotone."""
    while b - a > RESOLUTION * b:
        mid = (a + b) / 2
        if pred(mid):
            b = mid
        else:
            a = mid
    return a, b


def _check_target(m_target: int) -> None:
    if isinstance(m_target, bool) or not isinstance(m_target, int) or m_target < 1:
        raise InputError("m", "target must be an integer >= 1", f"got {m_target!r}")


__all__ = ["RESOLUTION", "depolarised", "max_mu", "min_n", "min_s_mu", "theorem_name"]
