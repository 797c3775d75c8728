"""(f) THM-1: monotonicity of the reconstructed eta, by interval evaluation on grids."""

from __future__ import annotations

from fractions import Fraction

from diramp import bell, entropy
from diramp.exact import hi, ivprec, lo
from proofs_check import check

EPS = Fraction(1, 10**12)
S_GRID = [Fraction(k, 20000) for k in range(2, 81, 6)]  # 1e-4 .. 4e-3
N_GRID = [10**e for e in range(6, 13)]
MU_GRID = [Fraction(k, 1000) for k in range(0, 15, 2)]  # 0 .. 1.4%


@check("THM-1", "THM-1-G", "THM-1-OPT")
def eta_monotonicity() -> str:
    """THM-1: eta increases in S_mu and n, decreases in mu for a fixed device; g is convex (grids)."""
    mu = Fraction(3, 400)
    # g' increasing on a fine grid (convexity of g, which THM-1-OPT relies on)
    ts = [Fraction(k, 10**5) for k in range(1, 1200, 7)]
    with ivprec():
        gp = [entropy.g_prime(t, mu) for t in ts]
    for (t0, a), (t1, b) in zip(zip(ts, gp, strict=True), zip(ts[1:], gp[1:], strict=True), strict=False):
        assert lo(b) > hi(a), f"g' not increasing between S = {t0} and {t1}"
    # eta strictly increasing in S (certified: lo(next) > hi(previous))
    prev = None
    for s in S_GRID:
        r = entropy.eta(10**9, mu, s, EPS, EPS)
        if prev is not None:
            assert r.lo > prev.hi, f"eta not increasing in S at S = {s}"
        prev = r
    # eta strictly increasing in n
    prev = None
    for n in N_GRID:
        r = entropy.eta(n, mu, Fraction(3, 1000), EPS, EPS)
        if prev is not None:
            assert r.lo > prev.hi, f"eta not increasing in n at n = {n}"
        prev = r
    # for a fixed depolarised device (CHSH 2.7), eta decreases as the bias grows
    prev = None
    for m in MU_GRID:
        s = bell.s_mu_depolarised(Fraction(27, 10), m)
        r = entropy.eta(10**9, m, s, EPS, EPS)
        if prev is not None:
            assert r.hi < prev.lo, f"eta not decreasing in mu at mu = {m}"
        prev = r
    # at FIXED S_mu the dependence on mu is the other way round (beta grows as mu_min mu_max shrinks)
    a = entropy.eta(10**9, Fraction(0), Fraction(3, 1000), EPS, EPS)
    b = entropy.eta(10**9, Fraction(1, 100), Fraction(3, 1000), EPS, EPS)
    assert b.lo > a.hi
    with ivprec():
        g_ok = all(hi(entropy.g(t, mu)) < 1 for t in ts)
    assert g_ok
    return (
        f"g' increasing on {len(ts)} points of (0, 0.012) (g convex); eta strictly increasing in S_mu on "
        f"{len(S_GRID)} points and in n on {len(N_GRID)} points, strictly decreasing in mu on "
        f"{len(MU_GRID)} points for a fixed device (CHSH 2.7); at fixed S_mu eta grows with mu "
        "(a grid check, not a proof over the continuum)"
    )
