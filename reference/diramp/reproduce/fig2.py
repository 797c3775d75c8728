"""Fig. 2 of Kulikov et al. (2024): rounds n needed for >= 1 Mbit against CHSH S, per bias mu.

The noise model is the paper's (depolarising noise, CONV-DEPOL): S_mu is the
exact rational :func:`diramp.bell.s_mu_depolarised` of the CHSH value.  For
each (mu, CHSH) the answer is the certified minimum n of
:func:`diramp.inverse.min_n` (THM-5-DERIVED by default): the smallest n whose
certified m reaches the target.  :func:`min_n_fast` finds the same integer
with fewer Theorem 5 evaluations (a secant search seeded by the asymptotic
rate) and proves its answer the same way (m(n) >= target > m(n - 1)); the
tests check it against :func:`diramp.inverse.min_n`.

A curve stops where no n suffices: where S_mu <= 0, or where the asymptotic
rate (n/6)(g(S_mu) + 2 log2(1/(1/2 + mu)) - 2) is not positive (eta < g, so no
finite-size correction can help), or where the required n exceeds
:data:`diramp.inverse.N_CAP`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from diramp.bell import s_mu_depolarised, s_mu_quantum_max_bound
from diramp.entropy import g
from diramp.exact import hi, ivprec, log2, q
from diramp.inverse import N_CAP
from diramp.length import Variant, theorem5
from diramp.sv import HALF

#: Target output length of Fig. 2: "at least a million bits" (10^6, not 2^20).
TARGET_M = 10**6
#: Bias values of the paper's curves, as fractions (0, 0.5, 0.75, 1, 2, 4 %).
MUS: tuple[Fraction, ...] = tuple(Fraction(p, 10000) for p in (0, 50, 75, 100, 200, 400))
#: The coarse default CHSH grid (2.1 .. 2.828; 2 sqrt 2 = 2.8284271...), denser where curves turn steep.
CHSH_GRID: tuple[Fraction, ...] = tuple(Fraction(s) for s in (
    "2.1", "2.125", "2.15", "2.175", "2.2", "2.225", "2.25", "2.3", "2.35", "2.4", "2.45", "2.5", "2.55", "2.6",
    "2.65", "2.7", "2.75", "2.8", "2.828"))
#: The paper's working point: CHSH 2.271, n = 20 * 2^26, mu = 0.75 %.
WORKING_POINT = {"chsh": Fraction("2.271"), "n": 20 * 2**26, "mu": Fraction(3, 400)}
#: CONV-VARIANTS: the variants whose curves Fig. 2 adds at the paper's mu (a line per variant).
FIG2_VARIANTS: tuple[Variant, ...] = ("as_printed", "derived", "refined", "circulant")
#: CONV-VARIANTS: m/n <= (g(S) + 2 log2(1/(1/2 + mu)) - 2) / divisor for each variant (an upper rate).
RATE_DIVISOR = {"derived": 6, "as_printed": 6, "refined": 5, "circulant": 1}


@dataclass(frozen=True)
class Fig2Settings:
    """What every point of Fig. 2 is computed with (recorded in the data file)."""

    eps: Fraction = Fraction(1, 10**12)
    eps_s: Fraction = Fraction(1, 10**20)
    eps_ea: Fraction = Fraction(1, 10**12)
    variant: Variant = "derived"
    target_m: int = TARGET_M

    def key(self) -> str:
        return f"{self.eps}|{self.eps_s}|{self.eps_ea}|{self.variant}|{self.target_m}"


@dataclass(frozen=True)
class Fig2Point:
    """One point: n (None where no n suffices) and why."""

    mu: Fraction
    chsh: Fraction
    s_mu: Fraction
    n: int | None
    reason: str  #: "" when n is given; else why the curve stops here


def _m(n: int, mu: Fraction, s: Fraction, st: Fig2Settings) -> int:
    return theorem5(n, mu, s, st.eps, st.eps_s, st.eps_ea, variant=st.variant).m


def asymptotic_rate_upper(mu: Fraction, s: Fraction, variant: str = "derived") -> Fraction:
    """An upper bound on lim m/n: (g(S) + 2 log2(1/(1/2 + mu)) - 2)/6 (eta < g(S) for every n).

    CONV-VARIANTS: refined divides by 5 (THM-REFINED-LENGTH), circulant by 1 (THM-CIRC-LENGTH: k2 - p is
    at most 2n (log2(1/(1/2 + mu)) - 1) since p > 2n and the factor is <= 0).
    """
    with ivprec():
        r = (g(s, mu) + 2 * -log2(q(HALF + mu)) - 2) / RATE_DIVISOR[variant]
        return hi(r)


def min_n_fast(target: int, mu: Fraction, s: Fraction, st: Fig2Settings,
               m_of_n: Callable[[int], int] | None = None) -> int | None:
    """The smallest n with certified m(n) >= target (same answer as :func:`diramp.inverse.min_n`).

    Returns None when no n <= N_CAP suffices.  m is non-decreasing in n (the
    assumption :func:`diramp.inverse.min_n` makes too); the answer is proved by
    evaluating m at n and n - 1.

    >>> from fractions import Fraction as F
    >>> st = Fig2Settings(eps=F(1, 10**6), eps_s=F(1, 10**8), eps_ea=F(1, 10**6), target_m=1)
    >>> from diramp.inverse import min_n
    >>> min_n_fast(1, F(0), F(1, 1000), st) == min_n(1, mu=0, s_mu="0.001", eps="1e-6", eps_s="1e-8", eps_ea="1e-6")
    True
    """
    m = m_of_n or (lambda n: _m(n, mu, s, st))
    if s <= 0:
        return None
    rate = asymptotic_rate_upper(mu, s, st.variant)
    if rate <= 0:
        return None
    # n0 = target / rate is a lower bound on the answer (m(n) < n * rate for every n)
    lo_n = max(0, math.floor(target / rate) - 1)
    if lo_n >= N_CAP:
        return None
    m_lo = m(lo_n) if lo_n >= 1 else 0
    if m_lo >= target:  # cannot happen for a correct upper rate; fall back to a full search
        lo_n, m_lo = 0, 0
    hi_n = max(2 * lo_n, 1024)
    m_hi = m(hi_n)
    while m_hi < target:
        lo_n, m_lo = hi_n, m_hi
        hi_n *= 2
        if hi_n > N_CAP:
            return None
        m_hi = m(hi_n)
    # invariant: m(lo_n) < target <= m(hi_n).  Secant steps (m is nearly linear in n); after
    # two steps that move the same end, one bisection step, so the search always terminates.
    last, repeat = 0, 0
    while hi_n - lo_n > 1:
        if repeat >= 2 or m_hi <= m_lo:
            guess, repeat = (lo_n + hi_n) // 2, 0
        else:
            guess = lo_n + math.ceil(Fraction(target - m_lo, m_hi - m_lo) * (hi_n - lo_n))
            guess = min(max(guess, lo_n + 1), hi_n - 1)
        mg = m(guess)
        side = 1 if mg >= target else -1
        if side == 1:
            hi_n, m_hi = guess, mg
        else:
            lo_n, m_lo = guess, mg
        repeat = repeat + 1 if side == last else 0
        last = side
    return hi_n


def fig2_points(mus: Sequence[Fraction] = MUS, chsh_grid: Sequence[Fraction] = CHSH_GRID,
                settings: Fig2Settings | None = None,
                cache: dict[str, int | None] | None = None) -> list[Fig2Point]:
    """Every (mu, CHSH) point of Fig. 2, in order (mu outer, CHSH inner).

    ``cache`` maps ``cache_key(...)`` to n (or None) and is filled in place, so
    a caller can keep it between runs.
    """
    settings = settings if settings is not None else Fig2Settings()
    out = []
    for mu in mus:
        smax = s_mu_quantum_max_bound(mu)
        for ch in chsh_grid:
            s = s_mu_depolarised(ch, mu)
            key = cache_key(mu, ch, settings)
            if s <= 0:
                out.append(Fig2Point(mu, ch, s, None, "S_mu <= 0: the MDL inequality is not violated"))
                continue
            if s > smax:
                out.append(Fig2Point(mu, ch, s, None, "above the quantum maximum (CONV-SMAX)"))
                continue
            if cache is not None and key in cache and _cached_ok(cache[key], mu, s, settings):
                n = cache[key]
            else:
                n = min_n_fast(settings.target_m, mu, s, settings)
                if cache is not None:
                    cache[key] = n
            reason = "" if n is not None else "no n suffices (asymptotic rate not positive, or n > 2^62)"
            out.append(Fig2Point(mu, ch, s, n, reason))
    return out


def _cached_ok(n: object, mu: Fraction, s: Fraction, st: Fig2Settings) -> bool:
    """A cached n is used only when it is proved again: m(n) >= target > m(n - 1) (a poisoned cache is ignored)."""
    if n is None:
        return False  # "no n suffices" is recomputed (cheap: the rate bound decides most of them)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= N_CAP:
        return False
    return _m(n, mu, s, st) >= st.target_m and (n == 1 or _m(n - 1, mu, s, st) < st.target_m)


def cache_key(mu: Fraction, chsh: Fraction, settings: Fig2Settings) -> str:
    """The cache key of one point: software version, exact mu and CHSH, and every setting."""
    from diramp import __version__

    return f"diramp {__version__}|{mu}|{chsh}|{settings.key()}"


def variant_points(chsh_grid: Sequence[Fraction] = CHSH_GRID, settings: Fig2Settings | None = None,
                   mu: Fraction = Fraction(3, 400), variants: Sequence[Variant] = FIG2_VARIANTS,
                   cache: dict[str, int | None] | None = None) -> dict[str, list[Fig2Point]]:
    """CONV-VARIANTS: the Fig. 2 curve at one mu (default the paper's 0.75 %) for each named variant."""
    import dataclasses

    st = settings if settings is not None else Fig2Settings()
    return {v: fig2_points([mu], chsh_grid, dataclasses.replace(st, variant=v), cache) for v in variants}
