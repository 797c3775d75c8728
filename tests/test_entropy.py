"""THM-1 and its reconstructed ingredients THM-1-BETA .. THM-1-OPT, checked against
independent float/mpmath re-implementations written from the formulas in the spec."""

from __future__ import annotations

from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diramp.entropy import beta, eta, g, g_prime, grad_norm, piece_end, second_order
from diramp.exact import hi, ivprec, lo
from diramp.sv import mu_max, mu_min


def _mp(x: F) -> mpmath.mpf:
    return mpmath.mpf(x.numerator) / x.denominator


def g_ref_chsh(chsh_value: mpmath.mpf) -> mpmath.mpf:
    """The closed CHSH curve 1 - h2(1/2 + sqrt(S^2/4 - 1)/2) (ecosystem notes; Pironio et al.)."""
    p = mpmath.mpf(1) / 2 + mpmath.sqrt(chsh_value**2 / 4 - 1) / 2
    return 1 + p * mpmath.log(p, 2) + (1 - p) * mpmath.log(1 - p, 2)


def _encloses(iv_lo: F, iv_hi: F, ref: mpmath.mpf, slack: float = 1e-40) -> bool:
    r = F(mpmath.nstr(ref, 60))
    return iv_lo - F(slack) <= r <= iv_hi + F(slack)


@given(st.fractions(min_value=F(1, 10**6), max_value=F(129, 10**4)))
def test_g_at_mu0_is_closed_chsh_curve(s: F) -> None:
    """THM-1-G at mu = 0 equals the closed CHSH formula at CHSH = 2 + 64 S (LEM-S0-CHSH)."""
    with mpmath.workdps(80):
        ref = g_ref_chsh(2 + 64 * _mp(s))
        with ivprec():
            v = g(s, F(0))
        assert _encloses(lo(v), hi(v), ref)


@given(st.fractions(min_value=F(1, 10**5), max_value=F(15, 10**3)), st.sampled_from([F(0), F(3, 400), F(1, 50)]))
def test_g_prime_matches_numerical_derivative(s: F, mu: F) -> None:
    """THM-1-G: the closed derivative agrees with numerical differentiation of g."""
    with mpmath.workdps(60):
        c = 4 / (_mp(mu_min(mu)) * _mp(mu_max(mu)))
        if 2 + c * _mp(s) >= 2 * mpmath.sqrt(2) - mpmath.mpf("1e-6"):
            return
        num = mpmath.diff(lambda t: g_ref_chsh(2 + c * t), _mp(s))
        with ivprec():
            d = g_prime(s, mu)
        assert abs(F(mpmath.nstr(num, 40)) - lo(d)) < F(1, 10**20) * (1 + abs(lo(d)))


def test_beta_is_exact() -> None:
    """THM-1-BETA: 2 + 4 S/(mu_min mu_max), exact (hand: mu = 0 -> 2 + 64 S)."""
    with ivprec():
        b = beta(F(1, 128), F(0))
    assert lo(b) == hi(b) == F(5, 2)


def test_second_order_term_by_hand() -> None:
    """THM-1-EAT: eps_s = eps_EA = 2^-10 gives sqrt(1 + 40) and v = 2 (log2 9 + k) sqrt 41."""
    with ivprec():
        v = second_order(14, F(1, 1024), F(1, 1024))
    with mpmath.workdps(50):
        ref = 2 * (mpmath.log(9, 2) + 14) * mpmath.sqrt(41)
    assert _encloses(lo(v), hi(v), ref)


def eta_bruteforce(eps_s: F, eps_ea: F, s: F, n: int, mu: F, grid: int = 600) -> mpmath.mpf:
    """Independent float search over t on a grid (no piece logic, no intervals)."""
    with mpmath.workdps(20):
        mmin, mmax = _mp(mu_min(mu)), _mp(mu_max(mu))
        c = 4 / (mmin * mmax)
        sv = _mp(s)

        def gg(t: mpmath.mpf) -> mpmath.mpf:
            return g_ref_chsh(2 + c * t)

        root = mpmath.sqrt(1 - 2 * mpmath.log(_mp(eps_s) * _mp(eps_ea), 2))
        best = mpmath.mpf("-inf")
        for i in range(1, grid + 1):
            t = sv * i / grid
            d = mpmath.diff(gg, t)
            v = 2 * (mpmath.log(9, 2) + mpmath.ceil(mmax * d)) * root
            best = max(best, gg(t) + d * (sv - t) - v / mpmath.sqrt(n))
        return best


@pytest.mark.parametrize(
    ("s", "n", "mu"),
    [(F("0.00296"), 1342177280, F(3, 400)), (F("0.004"), 10**8, F(0)), (F("0.002"), 10**10, F(1, 100))],
)
def test_eta_against_bruteforce(s: F, n: int, mu: F) -> None:
    """THM-1-OPT: the certified max (over THM-1-TANGENT lines) is >= every grid point of an
    independent search, and close to it."""
    r = eta(n, mu, s, F(1, 10**14), F(1, 10**12))
    ref = F(mpmath.nstr(eta_bruteforce(F(1, 10**14), F(1, 10**12), s, n, mu), 25))
    assert ref <= r.hi + F(1, 10**15)  # no grid point beats the upper bound
    assert r.lo - ref < F(1, 10**4)  # the grid gets close to the certified value
    assert r.hi - r.lo < F(1, 10**25)


def test_eta_paper_tangent_point_just_past_jump() -> None:
    """THM-1-OPT: at S = 0.00296, mu_max g'(S) is just above 14, so the optimum is t_14 < S."""
    s, mu = F("0.00296"), F(3, 400)
    with ivprec():
        assert 14 < lo(grad_norm(s, mu)) < F(1401, 100)
    r = eta(1342177280, mu, s, F(1, 10**13), F(1, 10**12))
    t_lo, t_hi = piece_end(mu, 14)
    assert r.k == 14 and r.t == t_lo < s
    with ivprec():
        assert hi(grad_norm(t_lo, mu)) <= 14 <= lo(grad_norm(t_hi, mu))


def test_eta_paper_value_near_note() -> None:
    """The notes report eta ~ 0.13623 at eps_s = 1e-13, eps_EA = 1e-12, S = 0.00296 (prototype
    computed independently in floats); the reconstruction must agree to ~1e-6."""
    r = eta(1342177280, F(3, 400), F("0.00296"), F(1, 10**13), F(1, 10**12))
    assert abs(float(r.lo) - 0.1362339) < 1e-6


small_s = st.fractions(min_value=F(1, 10**4), max_value=F(1, 100))


@settings(max_examples=25, deadline=None)
@given(small_s, small_s, st.integers(10**6, 10**11))
def test_eta_monotone_in_s(s1: F, s2: F, n: int) -> None:
    """THM-1: eta is non-decreasing in S_mu (certified: lo(S2) >= lo(S1) - width)."""
    a, b = sorted((s1, s2))
    ra = eta(n, F(1, 200), a, F(1, 10**12), F(1, 10**12))
    rb = eta(n, F(1, 200), b, F(1, 10**12), F(1, 10**12))
    assert rb.hi >= ra.lo


@settings(max_examples=25, deadline=None)
@given(st.integers(10**5, 10**12), st.integers(10**5, 10**12))
def test_eta_monotone_in_n(n1: int, n2: int) -> None:
    a, b = sorted((n1, n2))
    ra = eta(a, F(1, 200), F("0.003"), F(1, 10**12), F(1, 10**12))
    rb = eta(b, F(1, 200), F("0.003"), F(1, 10**12), F(1, 10**12))
    assert rb.hi >= ra.lo


@settings(max_examples=25, deadline=None)
@given(st.fractions(min_value=0, max_value=F(4, 100)), st.fractions(min_value=0, max_value=F(4, 100)))
def test_eta_antimonotone_in_mu_for_fixed_device(mu1: F, mu2: F) -> None:
    """At a fixed depolarised device (CHSH 2.8), more bias means less entropy."""
    from diramp.bell import s_mu_depolarised

    a, b = sorted((mu1, mu2))
    sa, sb = s_mu_depolarised(F("2.8"), a), s_mu_depolarised(F("2.8"), b)
    if sb <= 0:
        return
    ra = eta(10**9, a, sa, F(1, 10**12), F(1, 10**12))
    rb = eta(10**9, b, sb, F(1, 10**12), F(1, 10**12))
    assert rb.lo <= ra.hi


def test_eta_rejects_nonpositive_s() -> None:
    from diramp.errors import InputError

    with pytest.raises(InputError, match="S_mu"):
        eta(10**6, F(0), F(0), F(1, 10**12), F(1, 10**12))
