"""Output length m: Theorems 5 and 6 of Kulikov et al. (2024), in two variants.

Spec: THM-5, THM-5-DERIVED, THM-6, THM-6-GRID, CONV-VARIANT, CONV-ROUNDING.

* ``derived`` (default): m' = (K - N)/6 - (L1 + L2 + 8 Lq + 4 log2 3 - 8)/6 with
  K = n eta + 2n log2(1/(1/2 + mu)), N = 2n: provably follows from Theorems 2-4
  (see :mod:`diramp.composition`).
* ``as_printed``: m' = (n/6)(eta + 2 log2(1/(1/2 + mu)) - 2) - log2(6/(eps - 6 eps_s)),
  eq. (18) verbatim.  Its achieved eps (what Theorems 2-4 actually certify for
  that m) is reported beside it, and it is flagged when it exceeds the claim.

Every m is certified: the floor of a rigorous lower bound of m', clipped at 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from diramp.bell import s_mu_quantum_max_bound
from diramp.composition import (
    OPTIMAL_SPLIT,
    Allocation,
    achieved_eps,
    derived_penalty,
    printed_penalty,
)
from diramp.entropy import EtaResult, eta
from diramp.errors import InputError
from diramp.exact import Interval, hi, ivprec, lo, log2, q
from diramp.sv import HALF, check_mu

Variant = Literal["derived", "as_printed"]
VARIANTS: tuple[Variant, ...] = ("derived", "as_printed")


@dataclass(frozen=True)
class Term:
    """One auditable term of a bound: an enclosure, which end is used, and its source."""

    name: str
    lo: Fraction
    hi: Fraction
    rounding: str  #: "exact", "lower bound (rounded down)", "upper bound (rounded up)", "enclosure"
    spec: str

    @classmethod
    def of(cls, name: str, x: Interval | Fraction | int, rounding: str, spec: str) -> Term:
        if isinstance(x, (Fraction, int)):
            return cls(name, Fraction(x), Fraction(x), "exact", spec)
        return cls(name, lo(x), hi(x), rounding, spec)


@dataclass(frozen=True)
class LengthResult:
    """A certified output length and what it achieves."""

    variant: Variant
    m: int  #: certified output length (floor of a rigorous lower bound of m', >= 0)
    m_prime_lo: Fraction
    m_prime_hi: Fraction
    eps_claimed: Fraction  #: the eps the formula was asked to meet (per Theorem 5 instance)
    eps_achieved: Fraction | None  #: upper bound on the eps Theorems 2-4 certify for m (None if m = 0)
    eta: EtaResult | None
    s_used: Fraction  #: the S_mu put into eta (the grid value under Theorem 6)
    terms: tuple[Term, ...] = field(default=())
    note: str = ""

    @property
    def meets_claim(self) -> bool:
        return self.eps_achieved is None or self.eps_achieved <= self.eps_claimed


def check_eps(name: str, value: Fraction | str | float) -> Fraction:
    """Validate a probability parameter: must lie in (0, 1)."""
    from diramp.exact import to_fraction

    try:
        v = to_fraction(value)
    except (ValueError, ZeroDivisionError) as exc:
        raise InputError(name, "must be a number in (0, 1)", f"got {value!r}") from exc
    if not 0 < v < 1:
        raise InputError(name, "must lie in (0, 1)", f"got {value}")
    return v


def check_params(
    n: int, mu: Fraction, s: Fraction, eps: Fraction, eps_s: Fraction, eps_ea: Fraction
) -> None:
    """Validate the Theorem 5 inputs; raises :class:`InputError` naming the parameter."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError("n", "must be an integer >= 1 (the number of trials)", f"got {n!r}")
    check_mu(mu)
    for name, v in (("eps", eps), ("eps_s", eps_s), ("eps_EA", eps_ea)):
        check_eps(name, v)
    if eps <= 6 * eps_s:
        raise InputError(
            "eps_s", "must satisfy 6*eps_s < eps (Theorem 5)", f"eps = {eps}, eps_s = {eps_s}",
            "choose eps_s below eps/6",
        )
    smax = s_mu_quantum_max_bound(mu)
    if s > smax:
        raise InputError(
            "S_mu", f"exceeds the quantum maximum {float(smax):.6g} for mu = {mu} (CONV-SMAX)",
            f"got {s}", "check the counts and mu",
        )


def theorem5(
    n: int,
    mu: Fraction,
    s: Fraction,
    eps: Fraction,
    eps_s: Fraction,
    eps_ea: Fraction,
    variant: Variant = "derived",
    split: tuple[Fraction, Fraction, Fraction] = OPTIMAL_SPLIT,
) -> LengthResult:
    """THM-5 / THM-5-DERIVED: certified output length for a fixed threshold S_mu.

    >>> from fractions import Fraction as F
    >>> r = theorem5(10**9, F(0), F(1, 200), F(1, 10**6), F(1, 10**8), F(1, 10**6))
    >>> r.m > 0 and r.eps_achieved <= r.eps_claimed
    True
    """
    check_params(n, mu, s, eps, eps_s, eps_ea)
    if variant not in VARIANTS:
        raise InputError("variant", "must be 'derived' or 'as_printed'", f"got {variant!r}")
    if s <= 0:
        return LengthResult(variant, 0, Fraction(0), Fraction(0), eps, None, None, s,
                            note="S_mu <= 0: no entropy is certified; the protocol aborts (Box I step 2, REQ-ABORT)")
    e = eta(eps_s, eps_ea, s, n, mu)
    with ivprec():
        n_in = 2 * n  # N: length of AB and of Z
        k1 = q(n) * q(e.lo)  # n * eta, lower bound
        k2 = q(2 * n) * -log2(q(HALF + mu))  # THM-SV-SEED with d = 2n
        first = (k1 + k2 - n_in) / 6
        terms = [
            Term.of("S_mu (threshold fed to eta)", s, "exact", "DEF-SOBS"),
            Term.of("eta (lower end used)", q(e.lo), "lower bound (rounded down)", "THM-1"),
            Term.of("k1 = n*eta: H_min^eps_s(AB|XYE)", k1, "lower bound (rounded down)", "THM-1"),
            Term.of("k2 = 2n log2(1/(1/2+mu)): H_min(Z)", k2, "lower bound (rounded down)",
                    "THM-SV-SEED"),
            Term.of("N = 2n (input length)", n_in, "exact", "DEF-EXT"),
            Term.of("(k1 + k2 - N)/6", first, "lower bound (rounded down)", "THM-5"),
        ]
        if variant == "as_printed":
            pen = printed_penalty(eps, eps_s)
            terms.append(Term.of("log2(6/(eps - 6 eps_s)) (as printed)", pen,
                                 "upper bound (rounded up)", "THM-5"))
        else:
            alloc = Allocation.split(eps, eps_s, split)
            pen = derived_penalty(alloc)
            terms += [
                Term.of("eps1 (slack on AB)", alloc.eps1, "exact", "CONV-EPS-ALLOC"),
                Term.of("eps2 (slack on Z)", alloc.eps2, "exact", "CONV-EPS-ALLOC"),
                Term.of("eps_q (quantum-proof extractor error)", alloc.eps_q, "exact",
                        "CONV-EPS-ALLOC"),
                Term.of("(L1 + L2 + 8 Lq + 4 log2 3 - 8)/6", pen, "upper bound (rounded up)",
                        "THM-5-DERIVED"),
            ]
        m_prime = first - pen
        m = max(math.floor(lo(m_prime)), 0)
        terms.append(Term.of("m'", m_prime, "enclosure", "THM-5"))
        eps_ach: Fraction | None = None
        if m > 0:
            slack = k1 + k2 - n_in - 4 * log2(q(3)) + 8 - 6 * m
            eps_ach = hi(achieved_eps(slack, eps_s))
            terms.append(Term.of("eps achieved by m (Theorems 2-4, optimal split)",
                                 achieved_eps(slack, eps_s), "upper bound (rounded up)",
                                 "THM-5-DERIVED"))
    note = ""
    if eps_ach is not None and eps_ach > eps:
        note = (f"WARNING: the as-printed m does not meet eps = {float(eps):.3g}: Theorems 2-4 "
                f"certify only eps <= {float(eps_ach):.3g} for it (THM-5-DERIVED)")
    return LengthResult(variant, m, lo(m_prime), hi(m_prime), eps, eps_ach, e, s, tuple(terms), note)


@dataclass(frozen=True)
class Grid:
    """THM-6-GRID: S_mu,max and the number of bins M; Delta S = S_max / M."""

    s_max: Fraction
    bins: int

    def __post_init__(self) -> None:
        if isinstance(self.bins, bool) or not isinstance(self.bins, int) or self.bins < 1:
            raise InputError("M", "must be an integer >= 1 (number of grid bins)", f"got {self.bins!r}")
        if self.s_max <= 0:
            raise InputError("S_max", "must be > 0", f"got {self.s_max}")

    @property
    def delta(self) -> Fraction:
        return self.s_max / self.bins

    def round_down(self, s_obs: Fraction) -> Fraction:
        """min{S_max, floor(S_obs / Delta S) Delta S}, exact (eq. 21)."""
        return min(self.s_max, math.floor(s_obs / self.delta) * self.delta)


@dataclass(frozen=True)
class AdaptiveResult:
    """THM-6: output length chosen from the observed S_mu on a pre-committed grid."""

    grid: Grid
    s_obs: Fraction
    s_grid: Fraction
    bin_index: int
    length: LengthResult
    eps_total: Fraction | None  #: M * max(eps achieved, eps_EA): the protocol's security

    @property
    def m(self) -> int:
        return self.length.m


def theorem6(
    n: int,
    mu: Fraction,
    s_obs: Fraction,
    eps: Fraction,
    eps_s: Fraction,
    grid: Grid,
    variant: Variant = "derived",
    eps_ea: Fraction | None = None,
) -> AdaptiveResult:
    """THM-6: m(S_obs) = max(floor(m'(min{S_max, floor(S_obs/dS) dS})), 0); M*eps secure.

    Eq. (21) puts eps in eta's eps_EA slot; that is the default (``eps_ea=None``).
    """
    ea = eps if eps_ea is None else eps_ea
    check_params(n, mu, min(s_obs, grid.s_max), eps, eps_s, ea)
    s_grid = grid.round_down(s_obs)
    idx = min(grid.bins, math.floor(s_obs / grid.delta)) if s_obs > 0 else 0
    if s_grid <= 0:
        res = LengthResult(variant, 0, Fraction(0), Fraction(0), eps, None, None, s_grid,
                           note="S_mu,obs below the first grid point: m = 0 (bin 0)")
        return AdaptiveResult(grid, s_obs, s_grid, max(idx, 0), res, None)
    res = theorem5(n, mu, s_grid, eps, eps_s, ea, variant)
    total = None if res.eps_achieved is None else grid.bins * max(res.eps_achieved, ea)
    return AdaptiveResult(grid, s_obs, s_grid, idx, res, total)
