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

from diramp.bell import exceeds_quantum_max, s_mu_quantum_max_bound
from diramp.composition import (
    OPTIMAL_SPLIT,
    Allocation,
    achieved_eps,
    derived_penalty,
    printed_penalty,
)
from diramp.entropy import EtaResult, eta
from diramp.errors import InputError
from diramp.exact import Interval, exact_int, exact_text, exact_value, hi, ivprec, lo, log2, q
from diramp.sv import HALF, check_mu

Variant = Literal["derived", "as_printed", "refined", "circulant"]
#: CONV-VARIANT: the paper's extractor's two variants, computed beside each other everywhere.
VARIANTS: tuple[Variant, ...] = ("derived", "as_printed")
#: CONV-VARIANTS (spec/bounds.md): every named bound; ``refined`` and ``circulant`` live in diramp.bounds.
ALL_VARIANTS: tuple[Variant, ...] = ("derived", "as_printed", "refined", "circulant")


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


def check_eps(name: str, value: object) -> Fraction:
    """Validate a probability parameter (CONV-NUMBER): an exact number in (0, 1)."""
    v = exact_value(value, name)
    if not 0 < v < 1:
        raise InputError(name, "must lie in (0, 1)", f"got {exact_text(v, 40)}")
    return v


@dataclass(frozen=True)
class ChainParams:
    """The validated, exact inputs of Theorems 5 and 6 (CONV-NUMBER, CONV-API-ORDER)."""

    n: int
    mu: Fraction
    s: Fraction
    eps: Fraction
    eps_s: Fraction
    eps_ea: Fraction


def check_params(
    n: object, mu: object, s: object, eps: object, eps_s: object, eps_ea: object = None, *,
    s_name: str = "S_mu", cap_quantum_max: bool = False,
) -> ChainParams:
    """Validate the Theorem 5 inputs in diramp's one order (n, mu, S_mu, eps, eps_s, eps_EA).

    Each may be an int, str, Fraction or Decimal (CONV-NUMBER); eps_EA defaults to
    eps (eq. 21).  Raises :class:`InputError` naming the parameter.  With
    ``cap_quantum_max`` an S above the quantum maximum is allowed (Theorem 6 caps
    it to the grid's top, F3); otherwise it is refused (CONV-SMAX).
    """
    nn = exact_int(n, "n")
    if nn < 1:
        raise InputError("n", "must be an integer >= 1 (the number of trials)", f"got {nn}")
    m = check_mu(mu)
    sv = exact_value(s, s_name)
    e = check_eps("eps", eps)
    es = check_eps("eps_s", eps_s)
    ea = e if eps_ea is None else check_eps("eps_EA", eps_ea)
    if e <= 6 * es:
        raise InputError(
            "eps_s", "must satisfy 6*eps_s < eps (Theorem 5)", f"eps = {exact_text(e, 40)}, "
            f"eps_s = {exact_text(es, 40)}", "choose eps_s below eps/6",
        )
    if not cap_quantum_max and exceeds_quantum_max(sv, m):
        raise InputError(
            s_name, f"exceeds the quantum maximum {float(s_mu_quantum_max_bound(m)):.6g} for mu = "
            f"{exact_text(m, 40)} (CONV-SMAX)", f"got {exact_text(sv, 40)}", "check the counts and mu",
        )
    return ChainParams(nn, m, sv, e, es, ea)


def theorem5(
    n: object,
    mu: object,
    s_mu: object,
    eps: object,
    eps_s: object,
    eps_ea: object = None,
    *,
    variant: Variant = "derived",
    split: tuple[Fraction, Fraction, Fraction] = OPTIMAL_SPLIT,
) -> LengthResult:
    """THM-5 / THM-5-DERIVED: certified output length for a fixed threshold S_mu.

    Arguments in diramp's one order (CONV-API-ORDER): n, mu, S_mu, eps, eps_s,
    eps_EA (default eps, as eq. 21); int, str, Fraction or Decimal alike.

    >>> r = theorem5(10**9, 0, "0.005", "1e-6", "1e-8")
    >>> r.m > 0 and r.eps_achieved <= r.eps_claimed
    True
    """
    c = check_params(n, mu, s_mu, eps, eps_s, eps_ea)
    _check_variant(variant)
    return _theorem5(c.n, c.mu, c.s, c.eps, c.eps_s, c.eps_ea, variant, split)


def _check_variant(variant: object) -> None:
    if variant not in ALL_VARIANTS:
        raise InputError("variant", f"must be one of {ALL_VARIANTS} (CONV-VARIANTS)", f"got {variant!r}")


def _theorem5(n: int, mu: Fraction, s: Fraction, eps: Fraction, eps_s: Fraction, eps_ea: Fraction,
              variant: Variant, split: tuple[Fraction, Fraction, Fraction]) -> LengthResult:
    if variant in ("refined", "circulant"):  # CONV-VARIANTS: the named bounds of spec/bounds.md
        from diramp import bounds

        return bounds._refined(n, mu, s, eps, eps_s, eps_ea) if variant == "refined" else \
            bounds._circulant(n, mu, s, eps, eps_s, eps_ea)
    if s <= 0:
        return LengthResult(variant, 0, Fraction(0), Fraction(0), eps, None, None, s,
                            note="S_mu <= 0: no entropy is certified; the protocol aborts (Box I step 2, REQ-ABORT)")
    e = eta(n, mu, s, eps_s, eps_ea)
    with ivprec():
        n_in = 2 * n  # N: length of AB and of Z
        k1 = q(n) * q(e.lo)  # n * eta, lower bound
        k1_hi = q(n) * q(e.hi)  # n * eta's upper end: the upper end of the m' enclosure
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
        pen = _penalty(variant, eps, eps_s, split)
        if variant == "as_printed":
            terms.append(Term.of("log2(6/(eps - 6 eps_s)) (as printed)", pen,
                                 "upper bound (rounded up)", "THM-5"))
        else:
            alloc = Allocation.split(eps, eps_s, split)
            terms += [
                Term.of("eps1 (slack on AB)", alloc.eps1, "exact", "CONV-EPS-ALLOC"),
                Term.of("eps2 (slack on Z)", alloc.eps2, "exact", "CONV-EPS-ALLOC"),
                Term.of("eps_q (quantum-proof extractor error)", alloc.eps_q, "exact",
                        "CONV-EPS-ALLOC"),
                Term.of("(L1 + L2 + 8 Lq + 4 log2 3 - 8)/6", pen, "upper bound (rounded up)",
                        "THM-5-DERIVED"),
            ]
        m_prime = first - pen
        m_prime_hi = hi((k1_hi + k2 - n_in) / 6 - pen)
        m = max(math.floor(lo(m_prime)), 0)
        terms.append(Term("m'", lo(m_prime), m_prime_hi, "enclosure", "THM-5"))
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
    return LengthResult(variant, m, lo(m_prime), m_prime_hi, eps, eps_ach, e, s, tuple(terms), note)


def _penalty(variant: Variant, eps: Fraction, eps_s: Fraction, split: tuple[Fraction, Fraction, Fraction]) -> Interval:
    if variant == "as_printed":
        return printed_penalty(eps, eps_s)
    return derived_penalty(Allocation.split(eps, eps_s, split))


def worst_bin_eps(variant: Variant, eps: object, eps_s: object,
                  split: tuple[Fraction, Fraction, Fraction] = OPTIMAL_SPLIT) -> Fraction:
    """THM-6-EPS: an upper bound on the per-instance eps achieved in *every* bin of the grid (F9).

    For any certified m = floor(m') the spare bits of THM-5-DERIVED satisfy
    G = k1 + k2 - N - 4 log2 3 + 8 - 6m >= 6 pen - 4 log2 3 + 8, whatever the bin,
    so eps achieved <= 6 eps_s + (5/2) 2^-((6 pen - 4 log2 3 + 2)/10).  For the
    derived variant this is eps itself (the allocation spends exactly eps).

    >>> worst_bin_eps("derived", "1e-12", "1e-20")
    Fraction(1, 1000000000000)
    >>> 4.9e-8 < float(worst_bin_eps("as_printed", "1e-12", "1e-20")) < 7.3e-8
    True
    """
    e, es = check_eps("eps", eps), check_eps("eps_s", eps_s)
    if variant in ("derived", "refined", "circulant"):  # their optimal splits spend exactly eps (CONV-VARIANTS)
        return e
    with ivprec():
        pen = _penalty(variant, e, es, split)
        g_min = 6 * pen - 4 * log2(q(3)) + 8
        return hi(achieved_eps(g_min, es))


@dataclass(frozen=True)
class Grid:
    """THM-6-GRID: S_mu,max and the number of bins M; Delta S = S_max / M."""

    s_max: Fraction
    bins: int

    def __post_init__(self) -> None:
        if isinstance(self.bins, bool) or not isinstance(self.bins, int) or self.bins < 1:
            raise InputError("M", "must be an integer >= 1 (number of grid bins)", f"got {self.bins!r}")
        object.__setattr__(self, "s_max", exact_value(self.s_max, "S_max"))
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
    #: THM-6-EPS: the protocol's security, M * max(worst-bin eps achieved, eps_EA), an upper bound.
    eps_protocol: Fraction
    #: the protocol-level eps claimed (THM-6-EPS; default the committed eps, as the paper reads it)
    eps_claimed: Fraction

    @property
    def m(self) -> int:
        return self.length.m

    @property
    def meets_claim(self) -> bool:
        """THM-6-EPS: the protocol-level eps (not the per-bin eps) against the claimed eps (F8)."""
        return self.eps_protocol <= self.eps_claimed

    @property
    def warning(self) -> str:
        """A WARNING line when the protocol-level eps exceeds the claim, else ''."""
        if self.meets_claim:
            return ""
        return (f"WARNING: Theorem 6 secures the protocol only to eps <= {float(self.eps_protocol):.3g} "
                f"(M = {self.grid.bins} bins x the worst bin's eps, variant {self.length.variant}), "
                f"not the claimed eps = {float(self.eps_claimed):.3g} (THM-6-EPS)")


def theorem6(
    n: object,
    mu: object,
    s_obs: object,
    eps: object,
    eps_s: object,
    eps_ea: object = None,
    *,
    grid: Grid,
    variant: Variant = "derived",
    eps_claim: object = None,
) -> AdaptiveResult:
    """THM-6: m(S_obs) = max(floor(m'(min{S_max, floor(S_obs/dS) dS})), 0); M*eps secure.

    Arguments in diramp's one order (CONV-API-ORDER); ``grid`` and ``variant`` by
    keyword.  Eq. (21) puts eps in eta's eps_EA slot; that is the default
    (``eps_ea=None``).  An S_obs above the quantum maximum (a fluctuation at small
    n) falls in bin M, as Omega_M = {S_obs >= S_max} prescribes (F3).  The
    protocol-level eps is :func:`worst_bin_eps` times M (THM-6-EPS); ``eps_claim`` is
    the protocol-level security claimed (default eps, the paper's reading of its
    eps = 1e-12), which ``meets_claim`` compares it with.
    """
    if not isinstance(grid, Grid):
        raise InputError("grid", "must be a diramp.length.Grid", f"got {grid!r}")
    _check_variant(variant)
    c = check_params(n, mu, s_obs, eps, eps_s, eps_ea, s_name="S_mu,obs", cap_quantum_max=True)
    if exceeds_quantum_max(grid.s_max, c.mu):
        raise InputError("S_max", f"exceeds the quantum maximum {float(s_mu_quantum_max_bound(c.mu)):.6g} at "
                         f"mu = {exact_text(c.mu, 40)} (CONV-SMAX)", f"got {exact_text(grid.s_max, 40)}",
                         "choose S_max below it")
    s_grid = grid.round_down(c.s)
    idx = min(grid.bins, math.floor(c.s / grid.delta)) if c.s > 0 else 0
    eps_protocol = grid.bins * max(worst_bin_eps(variant, c.eps, c.eps_s), c.eps_ea)
    claim = c.eps if eps_claim is None else check_eps("eps_protocol", eps_claim)
    if s_grid <= 0:
        res = LengthResult(variant, 0, Fraction(0), Fraction(0), c.eps, None, None, s_grid,
                           note="S_mu,obs below the first grid point: m = 0 (bin 0)")
        return AdaptiveResult(grid, c.s, s_grid, max(idx, 0), res, eps_protocol, claim)
    res = _theorem5(c.n, c.mu, s_grid, c.eps, c.eps_s, c.eps_ea, variant, OPTIMAL_SPLIT)
    return AdaptiveResult(grid, c.s, s_grid, idx, res, eps_protocol, claim)
