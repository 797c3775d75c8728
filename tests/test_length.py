"""THM-2..THM-6, THM-5-DERIVED, CONV-EPS-ALLOC, CONV-VARIANT, CONV-ROUNDING, REQ-ABORT."""

from __future__ import annotations

from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diramp.composition import OPTIMAL_SPLIT, Allocation
from diramp.errors import InputError
from diramp.length import Grid, theorem5, theorem6

PAPER = dict(n=1342177280, mu=F(3, 400), s=F("0.00296"), eps=F(1, 10**12))


def _mp(x: F) -> mpmath.mpf:
    return mpmath.mpf(x.numerator) / x.denominator


def forward_chain_error(n: int, mu: F, eta_lo: F, m: int, alloc: Allocation) -> mpmath.mpf:
    """Walk Theorems 2 -> 3 -> 4 forwards (no closed form) and return the final distance.

    Choose eps_c from THM-3 so that the quantum error is exactly eps_q, set the classical
    entropies c_i = k_i - L_i - log2(1/eps_c) required by THM-4 and THM-3, then THM-2 gives
    the classical error those entropies actually support; the chain is valid only if that
    error is <= eps_c (an extractor with error e is one for every e' >= e).
    """
    with mpmath.workdps(60):
        k1 = n * _mp(eta_lo)
        k2 = 2 * n * -mpmath.log(mpmath.mpf(1) / 2 + _mp(mu), 2)
        big_n = 2 * n
        eps_c = _mp(alloc.eps_q) ** 2 / (3 * mpmath.mpf(2) ** (m - 2))  # THM-3 inverted
        lc = -mpmath.log(eps_c, 2)
        c1 = k1 - (-mpmath.log(_mp(alloc.eps1), 2)) - lc
        c2 = k2 - (-mpmath.log(_mp(alloc.eps2), 2)) - lc
        eps_thm2 = mpmath.mpf(2) ** (-(c1 + c2 - big_n - 2 * m) / 2)  # THM-2
        if eps_thm2 > eps_c:
            return mpmath.inf
        return 6 * _mp(alloc.eps_s) + 2 * _mp(alloc.eps1) + 2 * _mp(alloc.eps2) + 2 * _mp(alloc.eps_q)


@pytest.mark.parametrize("eps_s", [F(1, 10**14), F(1, 10**20)])
def test_derived_m_passes_forward_chain_and_m_plus_1_fails(eps_s: F) -> None:
    """THM-5-DERIVED against an independent forward walk of THM-2 (a DEF-EXT-2SRC extractor),
    THM-3 (giving a DEF-QEXT extractor) and THM-4."""
    r = theorem5(PAPER["n"], PAPER["mu"], PAPER["s"], PAPER["eps"], eps_s, PAPER["eps"])
    assert r.eta is not None
    alloc = Allocation.split(PAPER["eps"], eps_s, OPTIMAL_SPLIT)
    total = forward_chain_error(PAPER["n"], PAPER["mu"], r.eta.lo, r.m, alloc)
    assert total != mpmath.inf and abs(total - _mp(PAPER["eps"])) < mpmath.mpf(10) ** -25
    # one more bit is too many for this allocation (the bound is tight to within a bit)
    assert forward_chain_error(PAPER["n"], PAPER["mu"], r.eta.lo, r.m + 1, alloc) == mpmath.inf


def test_as_printed_m_fails_forward_chain_at_claimed_eps() -> None:
    """THM-5: the printed correction term is not sufficient: the forward chain rejects its m
    for every allocation of eps (the optimal one included)."""
    eps_s = F(1, 10**20)
    r = theorem5(PAPER["n"], PAPER["mu"], PAPER["s"], PAPER["eps"], eps_s, PAPER["eps"], variant="as_printed")
    assert r.eta is not None
    for split in (OPTIMAL_SPLIT, (F(1, 3), F(1, 3), F(1, 3)), (F(1, 100), F(1, 100), F(98, 100))):
        alloc = Allocation.split(PAPER["eps"], eps_s, split)
        assert forward_chain_error(PAPER["n"], PAPER["mu"], r.eta.lo, r.m, alloc) == mpmath.inf
    assert not r.meets_claim and r.eps_achieved is not None and r.eps_achieved > PAPER["eps"]
    assert "WARNING" in r.note


def test_as_printed_closed_form_by_hand() -> None:
    """THM-5 verbatim, recomputed in mpmath from eq. (18) with the package's eta.lo."""
    eps_s = F(1, 10**16)
    r = theorem5(PAPER["n"], PAPER["mu"], PAPER["s"], PAPER["eps"], eps_s, PAPER["eps"], variant="as_printed")
    assert r.eta is not None
    with mpmath.workdps(50):
        n = PAPER["n"]
        ref = n / mpmath.mpf(6) * (_mp(r.eta.lo) + 2 * mpmath.log(1 / (mpmath.mpf(1) / 2 + _mp(PAPER["mu"])), 2) - 2) \
            - mpmath.log(6 / (_mp(PAPER["eps"]) - 6 * _mp(eps_s)), 2)
    assert r.m == int(mpmath.floor(ref))


def test_derived_closed_form_by_hand() -> None:
    """THM-5-DERIVED's optimal-split closed form (10 log2(5/(2B)) + 4 log2 3 - 2)/6, recomputed."""
    eps_s = F(1, 10**16)
    r = theorem5(PAPER["n"], PAPER["mu"], PAPER["s"], PAPER["eps"], eps_s, PAPER["eps"])
    assert r.eta is not None
    with mpmath.workdps(50):
        n = PAPER["n"]
        b = _mp(PAPER["eps"]) - 6 * _mp(eps_s)
        ref = n / mpmath.mpf(6) * (_mp(r.eta.lo) + 2 * mpmath.log(1 / (mpmath.mpf(1) / 2 + _mp(PAPER["mu"])), 2) - 2) \
            - (10 * mpmath.log(5 / (2 * b), 2) + 4 * mpmath.log(3, 2) - 2) / 6
    assert r.m == int(mpmath.floor(ref))


@settings(max_examples=30, deadline=None)
@given(
    st.integers(10**6, 10**11),
    st.fractions(min_value=0, max_value=F(2, 100)),
    st.fractions(min_value=F(1, 10**4), max_value=F(1, 100)),
    st.sampled_from([F(1, 10**6), F(1, 10**9), F(1, 10**12)]),
)
def test_derived_never_exceeds_as_printed(n: int, mu: F, s: F, eps: F) -> None:
    """CONV-VARIANT: the derived m never exceeds the as-printed m; derived meets its eps."""
    from diramp.bell import s_mu_quantum_max_bound

    if s > s_mu_quantum_max_bound(mu):
        return
    eps_s = eps / 1000
    d = theorem5(n, mu, s, eps, eps_s, eps)
    p = theorem5(n, mu, s, eps, eps_s, eps, variant="as_printed")
    assert d.m <= p.m
    assert d.m >= 0 and p.m >= 0
    if d.m > 0:
        assert d.eps_achieved is not None and d.eps_achieved <= eps


@settings(max_examples=20, deadline=None)
@given(st.integers(10**6, 10**10), st.integers(10**6, 10**10))
def test_m_monotone_in_n(n1: int, n2: int) -> None:
    a, b = sorted((n1, n2))
    args = (F(1, 200), F("0.003"), F(1, 10**9), F(1, 10**12), F(1, 10**9))
    assert theorem5(a, *args).m <= theorem5(b, *args).m


def test_m_prime_is_an_enclosure_and_m_its_floor() -> None:
    """CONV-ROUNDING: m = floor(lo(m')), and the enclosure is tight."""
    r = theorem5(PAPER["n"], PAPER["mu"], PAPER["s"], PAPER["eps"], F(1, 10**14), PAPER["eps"])
    assert r.m_prime_lo <= r.m_prime_hi and r.m_prime_hi - r.m_prime_lo < F(1, 10**10)
    assert r.m == int(r.m_prime_lo // 1)


def test_abort_when_s_nonpositive() -> None:
    """REQ-ABORT: S_mu <= 0 certifies nothing: m = 0."""
    r = theorem5(10**9, F(0), F(-1, 1000), F(1, 10**9), F(1, 10**12), F(1, 10**9))
    assert r.m == 0 and "abort" in r.note


def test_allocation_rules() -> None:
    """CONV-EPS-ALLOC: total is eps; a budget that is not positive is rejected."""
    a = Allocation.split(F(1, 10**9), F(1, 10**11), (F(1, 5), F(1, 5), F(3, 5)))
    assert a.total == F(1, 10**9)
    with pytest.raises(InputError, match="6\\*eps_s"):
        Allocation.split(F(6, 10**9), F(1, 10**9))
    with pytest.raises(InputError, match="sum to 1"):
        Allocation.split(F(1, 10**9), F(1, 10**11), (F(1, 2), F(1, 2), F(1, 2)))


@pytest.mark.parametrize(
    ("kw", "param"),
    [
        ({"n": 0}, "n"),
        ({"mu": F(1, 2)}, "mu"),
        ({"eps": F(0)}, "eps"),
        ({"eps": F(1)}, "eps"),
        ({"eps_s": F(1, 10**12)}, "eps_s"),
        ({"eps_ea": F(2)}, "eps_EA"),
        ({"s": F(1, 10)}, "S_mu"),
    ],
)
def test_parameter_validation(kw: dict, param: str) -> None:
    """Bad input names the parameter and its valid range."""
    args = dict(n=10**9, mu=F(3, 400), s=F("0.003"), eps=F(1, 10**12), eps_s=F(1, 10**14), eps_ea=F(1, 10**12))
    args.update(kw)
    with pytest.raises(InputError, match=f"^{param}: "):
        theorem5(args["n"], args["mu"], args["s"], args["eps"], args["eps_s"], args["eps_ea"])


def test_theorem6_grid_rounding() -> None:
    """THM-6-GRID: floor to the grid, capped at S_max; bin 0 gives m = 0."""
    g = Grid(F("0.0125"), 1000)
    assert g.delta == F("0.0000125")
    assert g.round_down(F("0.00296")) == F("0.00295")  # 236.8 -> 236 * 1.25e-5
    assert g.round_down(F("0.02")) == F("0.0125")
    r0 = theorem6(PAPER["n"], PAPER["mu"], F("0.00001"), PAPER["eps"], F(1, 10**14), grid=g)
    assert r0.m == 0 and r0.bin_index == 0
    r = theorem6(PAPER["n"], PAPER["mu"], F("0.00296"), PAPER["eps"], F(1, 10**14), grid=g)
    t5 = theorem5(PAPER["n"], PAPER["mu"], F("0.00295"), PAPER["eps"], F(1, 10**14), PAPER["eps"])
    assert r.m == t5.m and r.bin_index == 236
    # THM-6-EPS: the derived allocation spends exactly eps per bin, so M * eps by hand
    assert r.eps_protocol == 1000 * PAPER["eps"] and not r.meets_claim
    with pytest.raises(InputError, match=r"^M: "):
        Grid(F(1, 100), 0)


def test_paper_spread_contains_published_m() -> None:
    """The published m = 20,431,465 lies inside the spread over the unpublished parameters."""
    from diramp.audit import audit_preset

    rep = audit_preset("kulikov2024")
    for s in rep.spreads.values():
        assert s.m_min <= 20_431_465 <= s.m_max
        # and the spread is narrow: a few percent of m
        assert (s.m_max - s.m_min) / 20_431_465 < 0.1
