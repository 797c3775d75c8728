"""Named bound variants beyond the paper's (spec/bounds.md, CONV-VARIANTS): ``refined`` and ``circulant``.

* ``refined`` (THM-REFINED-RANK, THM-REFINED-XOR, THM-REFINED-LENGTH): the paper's
  extractor (DEF-EXT) with the XOR lemma summed over the exact rank profile of the
  shift-matrix sums, then the paper's Theorems 3 and 4:
  ``4m + log2(m 2^(m-1)) <= k1 + k2 - N - L1 - L2 - 8 Lq - 4 log2 3 + 10``.
* ``circulant`` (THM-CIRC-UNIVERSAL, THM-CIRC-MARKOV, THM-CIRC-LENGTH): the circulant
  extractor of Foreman et al. (2025) (DEF-CIRC) with its seed-strong Markov-model bound
  and the paper's Theorem 4: ``m <= k1 + k2 - p - L1 - L2 - 2 Lc``, p the protocol's
  prime (CONV-CIRC-PRIME), k2 = p log2(1/(1/2 + mu)).

Both return :class:`diramp.length.LengthResult` records (the shape of Theorem 5), and
:func:`diramp.length.theorem5` / :func:`diramp.length.theorem6` dispatch to them by
``variant=``.  Every m is the floor of a rigorous lower bound (CONV-ROUNDING).

>>> r = circulant_length(10**9, 0, "0.005", "1e-6", "1e-8")
>>> d = refined_length(10**9, 0, "0.005", "1e-6", "1e-8")
>>> r.m > d.m > 0 and r.eps_achieved <= r.eps_claimed and d.eps_achieved <= d.eps_claimed
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING

from mpmath import iv

from diramp.composition import OPTIMAL_SPLIT, Allocation, achieved_eps, derived_penalty
from diramp.entropy import EtaResult, eta
from diramp.errors import InputError
from diramp.exact import Interval, hi, ivprec, lo, log2, q
from diramp.sv import HALF

if TYPE_CHECKING:
    from diramp.length import LengthResult


@dataclass(frozen=True)
class VariantInfo:
    """CONV-VARIANTS: one named bound: its extractor, the bound's spec ID and where its proof comes from."""

    name: str
    extractor: str
    bound: str  #: the spec ID of the length formula
    source: str  #: "paper", "peer-reviewed ..." or "our derivation ..."


#: CONV-VARIANTS: every variant diramp can certify, in the order the audit shows them.
VARIANT_INFO: dict[str, VariantInfo] = {
    "as_printed": VariantInfo(
        "as_printed", "dodis", "THM-5",
        "paper: Kulikov et al. (2024), Theorem 5, eq. (18) verbatim (does not follow from its Theorems 2-4)"),
    "derived": VariantInfo(
        "derived", "dodis", "THM-5-DERIVED",
        "our derivation from the paper's Theorems 2-4 (proofs_check thm5_correction); the default"),
    "refined": VariantInfo(
        "refined", "dodis", "THM-REFINED-LENGTH",
        "our derivation: XOR lemma over the exact rank profile (proofs_check dodis_rank_profile) "
        "+ the paper's Theorems 3-4"),
    "circulant": VariantInfo(
        "circulant", "circulant", "THM-CIRC-LENGTH",
        "peer-reviewed construction and length table: Foreman et al., Quantum 9, 1584 (2025) (table as "
        "stated by its library; theorem text not accessible here); the seed-strong Markov-model bound is our "
        "derivation (THM-CIRC-MARKOV, proofs_check circulant_composition) + the paper's Theorem 4"),
}

#: CONV-VARIANTS: the variants of each extractor (a pre-commitment pairs them so).
EXTRACTOR_VARIANTS: dict[str, tuple[str, ...]] = {"dodis": ("derived", "as_printed", "refined"),
                                                  "circulant": ("circulant",)}

#: THM-CIRC-LENGTH: the optimal split of B into (2 eps1, 2 eps2, 2 eps_c): eps1 = eps2 = B/8, eps_c = B/4.
CIRCULANT_SPLIT = (Fraction(1, 4), Fraction(1, 4), Fraction(1, 2))


def check_pairing(extractor: str, variant: str) -> None:
    """CONV-VARIANTS: the variant must belong to the extractor (dodis: derived/as_printed/refined; circulant)."""
    if extractor not in EXTRACTOR_VARIANTS:
        raise InputError("extractor", f"must be one of {tuple(EXTRACTOR_VARIANTS)}", f"got {extractor!r}")
    if variant not in EXTRACTOR_VARIANTS[extractor]:
        raise InputError("variant", f"does not belong to the {extractor} extractor (CONV-VARIANTS)",
                         f"got {variant!r}; the {extractor} extractor has {EXTRACTOR_VARIANTS[extractor]}",
                         "commit the matching pair: --extractor dodis with derived, as_printed or refined, "
                         "or --extractor circulant with circulant")


# --------------------------------------------------------------------------- circulant

@lru_cache(maxsize=64)
def protocol_prime(n: int) -> int:
    """CONV-CIRC-PRIME: the seed length p of the protocol at n trials (N = 2n input bits)."""
    from diramp.extractor.circulant import circulant_prime

    return circulant_prime(2 * n)


@lru_cache(maxsize=64)
def order_bound(p: int) -> int:
    """THM-CIRC-UNIVERSAL: the largest m for which the circulant family is two-universal, ord_p(2)."""
    from diramp.extractor.circulant import check_prime, order_of_two

    return order_of_two(check_prime(p))


def circulant_penalty(alloc: Allocation) -> Interval:
    """THM-CIRC-LENGTH: bits lost to the error budget, L1 + L2 + 2 L_c (4 log2(1/B) + 10 at the optimal split)."""
    return -log2(q(alloc.eps1)) - log2(q(alloc.eps2)) - 2 * log2(q(alloc.eps_q))


def circulant_achieved_eps(slack_bits: Interval, eps_s: Fraction) -> Interval:
    """THM-CIRC-LENGTH: the smallest eps when G = k1 + k2 - p - m bits are spare: 6 eps_s + 4 * 2^-((G - 2)/4).

    Minimising 2 eps1 + 2 eps2 + 2 eps_c subject to L1 + L2 + 2 L_c <= G gives
    L1 = L2 = L_c + 1, L_c = (G - 2)/4 (Lagrange; proofs_check circulant_composition).
    """
    return 6 * q(eps_s) + 4 * iv.mpf(2) ** (-(slack_bits - 2) / 4)


def circulant_length(n: object, mu: object, s_mu: object, eps: object, eps_s: object, eps_ea: object = None,
                     *, p: int | None = None) -> LengthResult:
    """THM-CIRC-LENGTH: the certified circulant output length at threshold S_mu (Theorem 5's shape).

    Arguments in diramp's one order (CONV-API-ORDER).  ``p`` defaults to the
    protocol's prime (CONV-CIRC-PRIME); a given p must be prime and m is capped at
    ord_p(2) (THM-CIRC-UNIVERSAL) and p - 1.
    """
    from diramp.length import check_params

    c = check_params(n, mu, s_mu, eps, eps_s, eps_ea)
    return _circulant(c.n, c.mu, c.s, c.eps, c.eps_s, c.eps_ea, p)


def _circulant(n: int, mu: Fraction, s: Fraction, eps: Fraction, eps_s: Fraction, eps_ea: Fraction,
               p: int | None = None) -> LengthResult:
    from diramp.length import LengthResult, Term

    pp = protocol_prime(n) if p is None else p
    cap = min(pp - 1, order_bound(pp))
    if pp - 1 < 2 * n:
        raise InputError("p", f"must exceed the input length N = 2n = {2 * n} (CONV-CIRC-ARGS)", f"got {pp}")
    if s <= 0:
        return LengthResult("circulant", 0, Fraction(0), Fraction(0), eps, None, None, s,
                            note="S_mu <= 0: no entropy is certified; the protocol aborts (Box I step 2, REQ-ABORT)")
    e = eta(n, mu, s, eps_s, eps_ea)
    with ivprec():
        k1 = q(n) * q(e.lo)
        k1_hi = q(n) * q(e.hi)
        k2 = q(pp) * -log2(q(HALF + mu))  # THM-SV-SEED with d = p
        alloc = Allocation.split(eps, eps_s, CIRCULANT_SPLIT)
        pen = circulant_penalty(alloc)
        m_prime = k1 + k2 - pp - pen
        m_prime_hi = hi(k1_hi + k2 - pp - pen)
        m = max(0, min(cap, math.floor(lo(m_prime))))
        terms = [
            Term.of("S_mu (threshold fed to eta)", s, "exact", "DEF-SOBS"),
            Term.of("eta (lower end used)", q(e.lo), "lower bound (rounded down)", "THM-1"),
            Term.of("k1 = n*eta: H_min^eps_s(AB|XYE)", k1, "lower bound (rounded down)", "THM-1"),
            Term.of("p (seed length: Z[0:p], prime, 2 a primitive root)", pp, "exact", "CONV-CIRC-PRIME"),
            Term.of("k2 = p log2(1/(1/2+mu)): H_min(Z[0:p])", k2, "lower bound (rounded down)", "THM-SV-SEED"),
            Term.of("k1 + k2 - p", k1 + k2 - pp, "lower bound (rounded down)", "THM-CIRC-MARKOV"),
            Term.of("eps1 (slack on AB)", alloc.eps1, "exact", "THM-CIRC-LENGTH"),
            Term.of("eps2 (slack on Z)", alloc.eps2, "exact", "THM-CIRC-LENGTH"),
            Term.of("eps_c (quantum-proof circulant error)", alloc.eps_q, "exact", "THM-CIRC-LENGTH"),
            Term.of("L1 + L2 + 2 L_c = 4 log2(1/B) + 10", pen, "upper bound (rounded up)", "THM-CIRC-LENGTH"),
            Term("m'", lo(m_prime), m_prime_hi, "enclosure", "THM-CIRC-LENGTH"),
            Term.of("m cap: min(p - 1, ord_p(2))", cap, "exact", "THM-CIRC-UNIVERSAL"),
        ]
        eps_ach: Fraction | None = None
        if m > 0:
            ach = circulant_achieved_eps(k1 + k2 - pp - m, eps_s)
            eps_ach = hi(ach)
            terms.append(Term.of("eps achieved by m (optimal split)", ach, "upper bound (rounded up)",
                                 "THM-CIRC-LENGTH"))
    return LengthResult("circulant", m, lo(m_prime), m_prime_hi, eps, eps_ach, e, s, tuple(terms))


# --------------------------------------------------------------------------- refined Dodis

def refined_rank_sum(m: int) -> int:
    """THM-REFINED-RANK: sum over nonzero c in {0,1}^m of 2^(N - rank(sum c_i A_{i+1})) = m 2^(m-1)."""
    return m << (m - 1)


def refined_lhs(m: int) -> Interval:
    """THM-REFINED-LENGTH: the left side 4m + log2(rank sum) (= 5m + log2 m - 1) as an interval."""
    return 4 * q(m) + log2(q(refined_rank_sum(m)))


#: THM-REFINED-LENGTH: the constant of the elimination, 4m + log2(rank sum) <= K - N - L1 - L2 - 8Lq - 4 log2 3 + 10.
REFINED_CONSTANT = 10


def refined_length(n: object, mu: object, s_mu: object, eps: object, eps_s: object,
                   eps_ea: object = None) -> LengthResult:
    """THM-REFINED-LENGTH: the certified refined output length of the paper's extractor (Theorem 5's shape)."""
    from diramp.length import check_params

    c = check_params(n, mu, s_mu, eps, eps_s, eps_ea)
    return _refined(c.n, c.mu, c.s, c.eps, c.eps_s, c.eps_ea)


def _root(rhs: Fraction) -> Fraction:
    """The root x of 5x + log2 x - 1 = rhs (the continuous form of refined_lhs) for rhs > 4, from below.

    Located with mpmath at 60 digits, then certified: 5a + log2 a - 1 <= rhs holds in interval
    arithmetic for the returned a (a is within 2^-40 relative of the root, else bisected).
    """
    import mpmath

    with mpmath.workdps(60):
        r = mpmath.mpf(rhs.numerator) / rhs.denominator
        x = mpmath.findroot(lambda v: 5 * v + mpmath.log(v, 2) - 1 - r, (r + 1) / 5)
        a = Fraction(mpmath.nstr(x * (1 - mpmath.mpf(2) ** -40), 50, strip_zeros=False))
        b = Fraction(mpmath.nstr(x * (1 + mpmath.mpf(2) ** -40), 50, strip_zeros=False))
    with ivprec():
        def g(v: Fraction) -> Interval:
            return 5 * q(v) + log2(q(v)) - 1 - q(rhs)

        if a < 1 or hi(g(a)) > 0 or lo(g(b)) <= 0:  # not certified: bisect the safe bracket
            a, b = Fraction(1), rhs + 1
            while b - a > Fraction(1, 2**40) * b:
                mid = (a + b) / 2
                if hi(g(mid)) <= 0:
                    a = mid
                else:
                    b = mid
    return a


def _refined(n: int, mu: Fraction, s: Fraction, eps: Fraction, eps_s: Fraction, eps_ea: Fraction) -> LengthResult:
    from diramp.length import LengthResult, Term

    if s <= 0:
        return LengthResult("refined", 0, Fraction(0), Fraction(0), eps, None, None, s,
                            note="S_mu <= 0: no entropy is certified; the protocol aborts (Box I step 2, REQ-ABORT)")
    e: EtaResult = eta(n, mu, s, eps_s, eps_ea)
    n_in = 2 * n
    with ivprec():
        k1 = q(n) * q(e.lo)
        k1_hi = q(n) * q(e.hi)
        k2 = q(n_in) * -log2(q(HALF + mu))
        alloc = Allocation.split(eps, eps_s, OPTIMAL_SPLIT)
        # L1 + L2 + 8 Lq of the split: 6 * derived_penalty - 4 log2 3 + 8
        spent = 6 * derived_penalty(alloc) - 4 * log2(q(3)) + 8
        rhs = k1 + k2 - n_in - spent - 4 * log2(q(3)) + REFINED_CONSTANT
        rhs_lo, rhs_hi = lo(rhs), hi(k1_hi + k2 - n_in - spent - 4 * log2(q(3)) + REFINED_CONSTANT)
        m = 0
        if rhs_lo > 0:
            m = max(1, math.floor(_root(rhs_lo)) - 1)
            while m <= n_in and hi(refined_lhs(m + 1)) <= rhs_lo:
                m += 1
            while m >= 1 and hi(refined_lhs(m)) > rhs_lo:
                m -= 1
        m = min(m, n_in)
        mp_lo = _root(rhs_lo) if rhs_lo > 4 else Fraction(0)
        mp_hi = _root(rhs_hi) + Fraction(1, 2**39) if rhs_hi > 4 else Fraction(1)
        terms = [
            Term.of("S_mu (threshold fed to eta)", s, "exact", "DEF-SOBS"),
            Term.of("eta (lower end used)", q(e.lo), "lower bound (rounded down)", "THM-1"),
            Term.of("k1 = n*eta: H_min^eps_s(AB|XYE)", k1, "lower bound (rounded down)", "THM-1"),
            Term.of("k2 = 2n log2(1/(1/2+mu)): H_min(Z)", k2, "lower bound (rounded down)", "THM-SV-SEED"),
            Term.of("N = 2n (input length)", n_in, "exact", "DEF-EXT"),
            Term.of("eps1 (slack on AB)", alloc.eps1, "exact", "CONV-EPS-ALLOC"),
            Term.of("eps2 (slack on Z)", alloc.eps2, "exact", "CONV-EPS-ALLOC"),
            Term.of("eps_q (quantum-proof extractor error)", alloc.eps_q, "exact", "CONV-EPS-ALLOC"),
            Term.of("L1 + L2 + 8 Lq", spent, "upper bound (rounded up)", "THM-REFINED-LENGTH"),
            Term.of("right side: k1 + k2 - N - (L1 + L2 + 8 Lq) - 4 log2 3 + 10", rhs, "lower bound (rounded down)",
                    "THM-REFINED-LENGTH"),
            Term("m' (root of 5x + log2 x - 1 = right side)", mp_lo, mp_hi, "enclosure", "THM-REFINED-LENGTH"),
        ]
        eps_ach: Fraction | None = None
        if m > 0:
            slack = k1 + k2 - n_in - 4 * log2(q(3)) + REFINED_CONSTANT - refined_lhs(m)
            ach = achieved_eps(slack, eps_s)
            eps_ach = hi(ach)
            terms.append(Term.of("eps achieved by m (optimal split)", ach, "upper bound (rounded up)",
                                 "THM-REFINED-LENGTH"))
    return LengthResult("refined", m, mp_lo, mp_hi, eps, eps_ach, e, s, tuple(terms))


