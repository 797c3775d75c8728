"""(e) DEF-SV-PAIR and THM-SV-SEED: exact extremes of SV probabilities."""

from __future__ import annotations

import itertools
from fractions import Fraction

from mpmath import iv

from diramp import exact, sv
from proofs_check import check
from proofs_check._common import HALF, MUS, sv_pair_vertices

#: String lengths of the seed check; all history-dependent strategies are enumerated
#: literally up to FULL_D, and per string (the d choices on its path) up to MAX_D.
FULL_D = 4
MAX_D = 6


def _ends(mu: Fraction) -> tuple[int, int, int]:
    """Integer numerators of 1/2 - mu, 1/2 + mu over the common denominator 2q (mu = p/q)."""
    p, qd = mu.numerator, mu.denominator
    return qd - 2 * p, qd + 2 * p, 2 * qd


def max_string_probability_full(d: int, mu: Fraction) -> Fraction:
    """max over every adversarial vertex strategy and every d-bit string of P(string).

    A strategy fixes, for each of the 2^d - 1 histories (prefixes), whether
    P(next bit = 1 | history) is 1/2 - mu or 1/2 + mu: 2^(2^d - 1) strategies,
    all enumerated (integer numerators over (2q)^d, so exact and fast).
    """
    lo, hi, den = _ends(mu)
    n_prefix = 2**d - 1  # heap order: prefix node k has children 2k+1 (bit 0), 2k+2 (bit 1)
    best = 0
    for choice in itertools.product((lo, hi), repeat=n_prefix):
        # choice[k] = numerator of P(bit = 1 | prefix k)
        probs = [1]
        for level in range(d):
            base = 2**level - 1
            nxt = []
            for j, pr in enumerate(probs):
                c1 = choice[base + j]
                nxt.append(pr * (den - c1))
                nxt.append(pr * c1)
            probs = nxt
        best = max(best, max(probs))
    return Fraction(best, den**d)


def max_string_probability_paths(d: int, mu: Fraction) -> Fraction:
    """The same maximum, enumerating per string only the d choices on its path.

    P_strategy(z) depends only on the strategy's choices at the d prefixes of z,
    so max over strategies of P(z) is a max over 2^d choice tuples: 4^d cases.
    """
    lo, hi, den = _ends(mu)
    best = 0
    for z in itertools.product((0, 1), repeat=d):
        for path in itertools.product((lo, hi), repeat=d):
            pr = 1
            for bit, c1 in zip(z, path, strict=True):
                pr *= c1 if bit else den - c1
            best = max(best, pr)
    return Fraction(best, den**d)


def _pair_extremes() -> list[str]:
    notes = []
    for mu in MUS:
        vals = [p[xy] for p in sv_pair_vertices(mu) for xy in p]
        for p in sv_pair_vertices(mu):
            assert sum(p.values()) == 1, f"mu = {mu}: vertex {p} is not normalised"
        lo, hi = min(vals), max(vals)
        assert lo == sv.mu_min(mu), (
            f"mu = {mu}: min p(x, y) over SV vertices is {lo}, diramp.sv.mu_min gives "
            f"{sv.mu_min(mu)}"
        )
        assert hi == sv.mu_max(mu), (
            f"mu = {mu}: max p(x, y) over SV vertices is {hi}, diramp.sv.mu_max gives "
            f"{sv.mu_max(mu)}"
        )
        assert (lo, hi) == ((HALF - mu) ** 2, (HALF + mu) ** 2), f"mu = {mu}: pair extremes"
        notes.append(f"{mu}: [{lo}, {hi}]")
    return notes


def _seed_interval_consistent(d: int, mu: Fraction, pmax: Fraction) -> None:
    """diramp.sv.seed_min_entropy(d, mu) encloses -log2(pmax): 2^lo <= 1/pmax <= 2^hi.

    The implementation works at :data:`diramp.exact.PREC` bits; this check
    evaluates 2^endpoint at 4 PREC bits (exactly when the endpoint is an
    integer), so its own rounding cannot hide a wrong endpoint.
    """
    with exact.ivprec():
        h = sv.seed_min_entropy(d, mu)
        h_lo, h_hi = exact.lo(h), exact.hi(h)
    inv = 1 / pmax
    with exact.ivprec(4 * exact.PREC):
        ln2 = iv.log(iv.mpf(2))
        up = _pow2_hi(h_lo, ln2)
        down = _pow2_lo(h_hi, ln2)
    assert up <= inv, (
        f"d = {d}, mu = {mu}: seed_min_entropy lower endpoint {float(h_lo)} exceeds "
        f"-log2(max P) = -log2({pmax}): not a valid lower bound"
    )
    assert down >= inv, (
        f"d = {d}, mu = {mu}: seed_min_entropy upper endpoint {float(h_hi)} is below "
        f"-log2(max P) = -log2({pmax}): the interval misses the true value"
    )


def _pow2_hi(t: Fraction, ln2: exact.Interval) -> Fraction:
    """An upper bound on 2^t (exact if t is an integer)."""
    if t.denominator == 1:
        return Fraction(2) ** int(t)
    return exact.hi(iv.exp(exact.q(t) * ln2))


def _pow2_lo(t: Fraction, ln2: exact.Interval) -> Fraction:
    """A lower bound on 2^t (exact if t is an integer)."""
    if t.denominator == 1:
        return Fraction(2) ** int(t)
    return exact.lo(iv.exp(exact.q(t) * ln2))


@check("DEF-SV-PAIR", "THM-SV-SEED")
def sv_bounds() -> str:
    """DEF-SV-PAIR and THM-SV-SEED (Kulikov et al. 2024, Methods): exact SV extremes.

    (i) One round of two mu-SV bits: over the 8 vertex distributions, min
    p(x, y) = mu_min and max p(x, y) = mu_max of ``diramp.sv``, both attained
    (p(x, y) is multilinear in the SV conditionals, so vertices suffice).
    (ii) A d-bit mu-SV string, adversary choosing each bit's P(1 | history) in
    {1/2 - mu, 1/2 + mu}: max over strategies and strings of P(string) is
    exactly (1/2 + mu)^d (all 2^(2^d-1) strategies for d <= 4; per-path for
    d <= 6), so H_min >= d log2(1/(1/2 + mu)); ``diramp.sv.seed_min_entropy``'s
    interval contains that value.  Interior (non-vertex) strategies multiply
    factors <= 1/2 + mu, so they cannot exceed the vertex maximum.
    """
    pair = _pair_extremes()
    for mu in MUS:
        for d in range(MAX_D + 1):
            pmax = max_string_probability_paths(d, mu)
            assert pmax == (HALF + mu) ** d, (
                f"d = {d}, mu = {mu}: max string probability {pmax} != (1/2 + mu)^d"
            )
            if d <= FULL_D:
                full = max_string_probability_full(d, mu)
                assert full == pmax, f"d = {d}, mu = {mu}: full enumeration {full} != {pmax}"
            if d == 2:
                assert pmax == sv.mu_max(mu), f"mu = {mu}: 2-bit maximum {pmax} != mu_max"
            if d >= 1:
                _seed_interval_consistent(d, mu, pmax)
    return (
        f"pair [min, max] p(x,y) = [mu_min, mu_max] attained, per mu: {'; '.join(pair)}; "
        f"max P(d-bit SV string) = (1/2+mu)^d exactly for d <= {MAX_D} and all mu above "
        f"(every history-dependent vertex strategy enumerated for d <= {FULL_D}), so "
        f"H_min >= d log2(1/(1/2+mu)); diramp.sv.seed_min_entropy "
        f"encloses it"
    )
