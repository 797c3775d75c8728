"""Fig. 2 of Kulikov et al. (2024): rounds n needed for >= 1 Mbit against CHSH S, per bias mu.

The noise model is the paper's (depolarising noise, CONV-DEPOL): S_mu is the
exact rational :func:`diramp.bell.s_mu_depolarised` of the CHSH value.  For
each point the answer is the certified minimum n of :func:`diramp.inverse.min_n`
(THM-5-DERIVED by default): the smallest n whose certified m reaches the
target.  :func:`min_n_fast` finds the same integer with fewer length
evaluations (secant steps on the smooth lower bound m' rather than on its
floor, started from a guess) and proves its answer the same way
(m(n) >= target > m(n - 1)); the tests check it against
:func:`diramp.inverse.min_n`.

A curve is a *series*: one named length bound (:data:`BOUNDS`: a name, a
function giving the certified length m(n) at (mu, S_mu), and an upper bound on
its rate m/n) at one bias mu.  The paper's curves are the default bound at the
six values of :data:`MUS`; every other registered bound is drawn at the paper's
mu = 0.75 % beside them (:func:`default_series`).  A new bound is one
:func:`register` call.

By default each curve has its own CHSH grid (:func:`grid_value`): geometric in
the distance to the CHSH value below which no n suffices, so the points crowd
where the curve bends up towards its asymptote, and the curve stops one point
past :data:`N_TOP`.  A curve stops where no n suffices: where S_mu <= 0, or
where the bound's asymptotic rate is not positive (for Theorem 5,
(n/6)(g(S_mu) + 2 log2(1/(1/2 + mu)) - 2) with eta < g, so no finite-size
correction can help), or where the required n exceeds
:data:`diramp.inverse.N_CAP`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from diramp.bell import s_mu_depolarised, s_mu_quantum_max_bound
from diramp.entropy import g
from diramp.exact import hi, ivprec, log2, q
from diramp.inverse import N_CAP
from diramp.length import LengthResult, theorem5
from diramp.sv import HALF

#: Target output length of Fig. 2: "at least a million bits" (10^6, not 2^20).
TARGET_M = 10**6
#: Bias values of the paper's curves, as fractions (0, 0.5, 0.75, 1, 2, 4 %).
MUS: tuple[Fraction, ...] = tuple(Fraction(p, 10000) for p in (0, 50, 75, 100, 200, 400))
#: The bias of the paper's run (0.75 %): every other registered bound is drawn at it.
PAPER_MU = Fraction(3, 400)
#: A coarse fixed CHSH grid (2.1 .. 2.828; 2 sqrt 2 = 2.8284271...), for quick looks (``--chsh``).
CHSH_GRID: tuple[Fraction, ...] = tuple(Fraction(s) for s in (
    "2.1", "2.125", "2.15", "2.175", "2.2", "2.225", "2.25", "2.3", "2.35", "2.4", "2.45", "2.5", "2.55", "2.6",
    "2.65", "2.7", "2.75", "2.8", "2.828"))
#: The paper's working point: CHSH 2.271, n = 20 * 2^26, mu = 0.75 %.
WORKING_POINT = {"chsh": Fraction("2.271"), "n": 20 * 2**26, "mu": Fraction(3, 400)}
#: The default grid: the top CHSH value, the ratio of successive distances to the threshold, the
#: resolution of the grid values, the n past which a curve stops and the most points of a curve.
CHSH_TOP = Fraction("2.828")
GRID_RATIO = Fraction(13, 20)
GRID_RESOLUTION = Fraction(1, 10**6)
N_TOP = 10**13
MAX_CURVE_POINTS = 40
#: Secant steps of one search before it falls back to bisection.
MAX_SECANT_STEPS = 16


@dataclass(frozen=True)
class Fig2Settings:
    """What every point of Fig. 2 is computed with (recorded in the data file).

    ``variant`` names the bound of the paper's curves (a key of :data:`BOUNDS`).
    """

    eps: Fraction = Fraction(1, 10**12)
    eps_s: Fraction = Fraction(1, 10**20)
    eps_ea: Fraction = Fraction(1, 10**12)
    variant: str = "derived"
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


def asymptotic_rate_upper(mu: Fraction, s: Fraction) -> Fraction:
    """An upper bound on lim m/n: (g(S) + 2 log2(1/(1/2 + mu)) - 2)/6 (eta < g(S) for every n)."""
    with ivprec():
        r = (g(s, mu) + 2 * -log2(q(HALF + mu)) - 2) / 6
        return hi(r)


#: A certified length: (n, mu, S_mu, settings) -> the length result (its ``m`` is what is certified).
LengthFunction = Callable[[int, Fraction, Fraction, Fig2Settings], LengthResult]


@dataclass(frozen=True)
class LengthBound:
    """A named output-length bound for Fig. 2 (CONV-VARIANT).

    ``length`` gives the certified m(n) at (mu, S_mu) (its ``m_prime_lo``, the
    unrounded lower bound, guides the search; ``m`` decides); ``rate`` is an
    upper bound on m/n for every n (the search starts below target/rate, and a
    rate <= 0 means no n suffices).
    """

    name: str
    label: str  #: legend text
    spec: str  #: the spec ID of the bound
    length: LengthFunction
    rate: Callable[[Fraction, Fraction], Fraction] = asymptotic_rate_upper


def theorem5_length(variant: str) -> LengthFunction:
    """The certified length of :func:`diramp.length.theorem5` in one variant, as a :data:`LengthFunction`."""

    def length(n: int, mu: Fraction, s: Fraction, st: Fig2Settings) -> LengthResult:
        return theorem5(n, mu, s, st.eps, st.eps_s, st.eps_ea, variant=variant)  # type: ignore[arg-type]

    return length


#: The registered bounds, in drawing order (CONV-VARIANT).  A new variant is one ``register(...)`` line.
BOUNDS: dict[str, LengthBound] = {}


def register(bound: LengthBound) -> LengthBound:
    """Add a bound to :data:`BOUNDS` (the curves of Fig. 2, the CLI's ``--variant`` and ``--compare``)."""
    BOUNDS[bound.name] = bound
    return bound


register(LengthBound("derived", "Theorem 5, derived", "THM-5-DERIVED", theorem5_length("derived")))
register(LengthBound("as_printed", "eq. (18) as printed", "THM-5", theorem5_length("as_printed")))
# CONV-VARIANTS (spec/bounds.md): the named variants of issue 11.  Their rates are upper bounds on
# m/n: refined divides the margin by 5 instead of 6 (THM-REFINED-LENGTH), circulant by 1
# (THM-CIRC-LENGTH: k2 - p <= 2n (log2(1/(1/2 + mu)) - 1), as p > 2n and the factor is <= 0).
register(LengthBound("refined", "Theorem 5, refined Dodis bound (our derivation)", "THM-REFINED-LENGTH",
                     theorem5_length("refined"), rate=lambda mu, s: asymptotic_rate_upper(mu, s) * 6 / 5))
register(LengthBound("circulant", "circulant extractor (Foreman et al. 2025)", "THM-CIRC-LENGTH",
                     theorem5_length("circulant"), rate=lambda mu, s: asymptotic_rate_upper(mu, s) * 6))


@dataclass(frozen=True)
class Fig2Series:
    """One curve of Fig. 2: a bound (a key of :data:`BOUNDS`) at one bias mu."""

    variant: str
    mu: Fraction


def default_series(mus: Sequence[Fraction] = MUS, settings: Fig2Settings | None = None,
                   compare: Sequence[str] | None = None) -> list[Fig2Series]:
    """The paper's curves (settings.variant at every mu), then each bound of ``compare`` at mu = 0.75 %.

    ``compare`` defaults to every other registered bound; they are drawn only
    when 0.75 % is one of ``mus``.
    """
    st = settings if settings is not None else Fig2Settings()
    out = [Fig2Series(st.variant, mu) for mu in mus]
    others = [v for v in BOUNDS if v != st.variant] if compare is None else [v for v in compare if v != st.variant]
    if PAPER_MU in mus:
        out += [Fig2Series(v, PAPER_MU) for v in others]
    return out


def _length(n: int, mu: Fraction, s: Fraction, st: Fig2Settings) -> LengthResult:
    if st.variant not in BOUNDS:
        raise KeyError(f"unknown length bound {st.variant!r} (registered: {', '.join(BOUNDS)})")
    return BOUNDS[st.variant].length(n, mu, s, st)


def _m(n: int, mu: Fraction, s: Fraction, st: Fig2Settings) -> int:
    return _length(n, mu, s, st).m


def min_n_fast(target: int, mu: Fraction, s: Fraction, st: Fig2Settings,
               m_of_n: Callable[[int], int] | None = None, guess: int | None = None) -> int | None:
    """The smallest n with certified m(n) >= target (same answer as :func:`diramp.inverse.min_n`).

    Returns None when no n <= N_CAP suffices.  m is non-decreasing in n (the
    assumption :func:`diramp.inverse.min_n` makes too); the answer is proved by
    evaluating m at n and n - 1.  ``guess`` (say, the neighbouring point's n)
    only changes how fast the answer is found.  With ``m_of_n`` the search
    interpolates m itself; otherwise it interpolates the bound's unrounded m'.

    >>> from fractions import Fraction as F
    >>> st = Fig2Settings(eps=F(1, 10**6), eps_s=F(1, 10**8), eps_ea=F(1, 10**6), target_m=1)
    >>> from diramp.inverse import min_n
    >>> min_n_fast(1, F(0), F(1, 1000), st) == min_n(1, mu=0, s_mu="0.001", eps="1e-6", eps_s="1e-8", eps_ea="1e-6")
    True
    """
    if s <= 0:
        return None
    rate = BOUNDS[st.variant].rate(mu, s) if st.variant in BOUNDS else asymptotic_rate_upper(mu, s)
    if rate <= 0:
        return None

    def ev(n: int) -> tuple[int, Fraction]:
        if m_of_n is not None:
            v = m_of_n(n)
            return v, Fraction(v)
        r = _length(n, mu, s, st)
        return r.m, r.m_prime_lo

    # n0 = target / rate is a lower bound on the answer (m(n) < n * rate for every n)
    floor_n = max(0, math.floor(target / rate) - 1)
    if floor_n >= N_CAP:
        return None
    first = guess if guess is not None and floor_n < guess <= N_CAP else max(2 * floor_n, 1024)
    return _search(target, floor_n, min(first, N_CAP), ev)


Point = tuple[int, int, Fraction]  # (n, m(n), m'(n))


def _search(target: int, floor_n: int, first: int, ev: Callable[[int], tuple[int, Fraction]]) -> int | None:
    """The smallest n in (floor_n, N_CAP] with m(n) >= target, given m(floor_n) < target.

    Secant steps through the last two points (on m', which is smooth), kept
    inside the bracket lo < answer <= hi; when a step lands within about one
    trial of the target, its neighbour is evaluated too (the answer is most
    often there).  A step that lands outside the bracket or on a known point
    is replaced by a bisection (or a doubling while there is no upper end);
    past MAX_SECANT_STEPS steps only those are taken, so the search always
    terminates.
    """
    lo_n, hi_n = floor_n, None  # m(lo_n) < target (rate bound); m(hi_n) >= target once found
    pts: list[Point] = []
    seen: dict[int, Point] = {}
    steps = 0

    def visit(n: int) -> Point:
        nonlocal lo_n, hi_n
        p = seen.get(n) or _at(n, ev)
        seen[n] = p
        pts.append(p)
        if p[1] >= target:
            hi_n = n if hi_n is None else min(hi_n, n)
        else:
            lo_n = max(lo_n, n)
        return p

    visit(first)
    while hi_n is None or hi_n - lo_n > 1:
        c = _next_guess(target, pts)
        steps += 1
        if hi_n is None:
            if lo_n >= N_CAP:
                return None
            if c is None or c <= lo_n or c in seen or steps > MAX_SECANT_STEPS:
                c = 2 * max(lo_n, 512)
            c = min(c, N_CAP)
        else:
            if c is None or not lo_n < c <= hi_n or steps > MAX_SECANT_STEPS:
                c = (lo_n + hi_n) // 2
            if c in seen:  # the estimate is a known point: the answer is beside it
                c = c - 1 if seen[c][1] >= target else c + 1
                if not lo_n < c < hi_n or c in seen:
                    c = (lo_n + hi_n) // 2
        p = visit(c)
        slope = _slope(pts)
        if slope is not None and slope > 0 and abs(p[2] - target) < 2 * slope:  # within ~one trial: probe
            nb = c - 1 if p[1] >= target else c + 1
            if lo_n < nb and (hi_n is None or nb < hi_n) and nb not in seen:
                visit(nb)
    return hi_n


def _at(n: int, ev: Callable[[int], tuple[int, Fraction]]) -> Point:
    if n < 1:
        return (0, 0, Fraction(-1))
    m, p = ev(n)
    return (n, m, p)


def _slope(pts: Sequence[Point]) -> Fraction | None:
    a, b = pts[-2:] if len(pts) >= 2 else (None, None)
    if a is None or b is None or a[0] == b[0]:
        return None
    return (b[2] - a[2]) / (b[0] - a[0])


def _next_guess(target: int, pts: Sequence[Point]) -> int | None:
    """The secant estimate of the crossing through the last two points (or a proportional step from one)."""
    b = pts[-1]
    slope = _slope(pts)
    if slope is None or slope <= 0:
        return math.ceil(b[0] * target / b[2]) if b[2] > 0 else None
    return math.ceil(b[0] + (target - b[2]) / slope)


def curve_threshold(mu: Fraction, bound: LengthBound) -> Fraction:
    """A CHSH value at or below which the bound certifies nothing at bias mu, on GRID_RESOLUTION, rounded up.

    Bisection on the sign of the bound's rate (positive above the threshold).
    """
    def works(ch: Fraction) -> bool:
        s = s_mu_depolarised(ch, mu)
        return s > 0 and bound.rate(mu, s) > 0

    lo_c, hi_c = Fraction(2), CHSH_TOP
    if not works(hi_c):
        return hi_c
    while hi_c - lo_c > GRID_RESOLUTION:
        mid = (lo_c + hi_c) / 2
        if works(mid):
            hi_c = mid
        else:
            lo_c = mid
    return math.ceil(lo_c / GRID_RESOLUTION) * GRID_RESOLUTION


def grid_fraction(j: int) -> Fraction:
    """The j-th distance of the default grid, as a fraction of CHSH_TOP - c0: 1, (1 + r)/2, r, (r + r^2)/2, r^2, r^3...

    Geometric (ratio r = GRID_RATIO) towards the threshold, where the curve bends
    up; the two midpoints fill the flat top, where the steps are widest.

    >>> [str(grid_fraction(j)) for j in range(6)]
    ['1', '33/40', '13/20', '429/800', '169/400', '2197/8000']
    """
    r = GRID_RATIO
    head = [Fraction(1), (1 + r) / 2, r, (r + r * r) / 2]
    return head[j] if j < len(head) else r ** (j - 2)


def grid_value(c0: Fraction, j: int) -> Fraction:
    """The j-th default grid value of a curve with threshold c0: c0 + (CHSH_TOP - c0) grid_fraction(j), rounded down."""
    x = c0 + (CHSH_TOP - c0) * grid_fraction(j)
    return math.floor(x / GRID_RESOLUTION) * GRID_RESOLUTION


def series_points(series: Fig2Series, settings: Fig2Settings | None = None,
                  chsh_grid: Sequence[Fraction] | None = None,
                  cache: dict[str, int | None] | None = None) -> list[Fig2Point]:
    """The points of one curve, in increasing CHSH.

    With ``chsh_grid`` None, the default grid of :func:`grid_value` (computed
    downwards from CHSH_TOP, one point past N_TOP or until no n suffices, at
    most MAX_CURVE_POINTS).  ``cache`` maps ``cache_key(...)`` to n and is
    filled in place; cached values are proved again before use.
    """
    st = dataclasses.replace(settings if settings is not None else Fig2Settings(), variant=series.variant)
    if st.variant not in BOUNDS:
        raise KeyError(f"unknown length bound {st.variant!r} (registered: {', '.join(BOUNDS)})")
    mu = series.mu
    out: list[Fig2Point] = []
    known: list[int] = []
    if chsh_grid is not None:
        for ch in sorted(chsh_grid, reverse=True):
            out.append(_point(mu, ch, st, cache, _extrapolate(known)))
            if out[-1].n is not None:
                known.append(out[-1].n)
        return out[::-1]
    c0 = curve_threshold(mu, BOUNDS[st.variant])
    seen: set[Fraction] = set()
    for i in range(MAX_CURVE_POINTS):
        ch = grid_value(c0, i)
        if ch <= c0 or ch in seen:
            break
        seen.add(ch)
        p = _point(mu, ch, st, cache, _extrapolate(known))
        out.append(p)
        if p.n is None or p.n > N_TOP:
            break
        known.append(p.n)
    return out[::-1]


def _extrapolate(known: Sequence[int]) -> int | None:
    """A guess for the next n of a curve: geometric extrapolation of the last two (the grid is geometric)."""
    if not known:
        return None
    if len(known) == 1:
        return known[-1] + known[-1] // 4
    a, b = known[-2], known[-1]
    return min(N_CAP, max(b + 1, b * b // max(a, 1)))


def _point(mu: Fraction, ch: Fraction, st: Fig2Settings, cache: dict[str, int | None] | None,
           guess: int | None) -> Fig2Point:
    s = s_mu_depolarised(ch, mu)
    if s <= 0:
        return Fig2Point(mu, ch, s, None, "S_mu <= 0: the MDL inequality is not violated")
    if s > s_mu_quantum_max_bound(mu):
        return Fig2Point(mu, ch, s, None, "above the quantum maximum (CONV-SMAX)")
    key = cache_key(mu, ch, st)
    if cache is not None and key in cache and _cached_ok(cache[key], mu, s, st):
        n = cache[key]
    else:
        n = min_n_fast(st.target_m, mu, s, st, guess=guess)
        if cache is not None:
            cache[key] = n
    reason = "" if n is not None else "no n suffices (asymptotic rate not positive, or n > 2^62)"
    return Fig2Point(mu, ch, s, n, reason)


def fig2_points(mus: Sequence[Fraction] = MUS, chsh_grid: Sequence[Fraction] = CHSH_GRID,
                settings: Fig2Settings | None = None,
                cache: dict[str, int | None] | None = None) -> list[Fig2Point]:
    """Every (mu, CHSH) point of the paper's curves on one fixed grid, in order (mu outer, CHSH inner)."""
    st = settings if settings is not None else Fig2Settings()
    return [p for mu in mus for p in series_points(Fig2Series(st.variant, mu), st, chsh_grid, cache)]


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
