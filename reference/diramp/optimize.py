"""CONV-OPT: an optimal pre-commitment (spec/bounds.md): eps, eps_s, eps_EA and the Theorem 6 grid.

Given n, mu, the anticipated S_mu and a protocol-level security E, choose the
committed parameters that maximise the certified length expected at S_mu, subject
to THM-6-EPS: ``M * max(eps_bin, eps_EA) <= E``.  This is only a *parameter
choice*: its own arithmetic is floating point; the committed values are exact
rationals, and the length of a run is certified exactly as always (THM-6).

Steps (each justified in CONV-OPT): eps = eps_EA = E/M; eps_s from the stationarity
condition of the length in eps_s, refined by a golden-section search; the grid by
the expected length under a normal law of S_obs (sd ``sigma``) over M in 1..20 and a
geometric sequence to 10^5, grid point placements S - z sigma, 0..2 bins above.

>>> from fractions import Fraction as F
>>> r = optimize(10**9, 0, F(1, 100), F(1, 10**6), sigma=0)
>>> r.choice.grid.bins, r.choice.grid.s_max, r.choice.eps == F(1, 10**6), r.eps_protocol <= F(1, 10**6)
(1, Fraction(1, 100), True, True)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from diramp.bell import exceeds_quantum_max
from diramp.errors import InputError
from diramp.exact import exact_value
from diramp.length import Grid, Variant, check_eps, theorem5, theorem6
from diramp.sv import check_mu, mu_max, mu_min

#: CONV-OPT: variants the optimiser handles, with (alpha, gamma) of m ~ alpha n eta - gamma log2(1/B).
SHAPES: dict[str, tuple[float, float]] = {"derived": (1 / 6, 10 / 6), "refined": (1 / 5, 2.0), "circulant": (1.0, 4.0)}
#: CONV-OPT: the grid sizes M tried.
M_CANDIDATES: tuple[int, ...] = tuple(sorted(set(list(range(1, 21)) + [round(20 * 1.25**k) for k in range(1, 38)])))
#: CONV-OPT: grid point placements S - z sigma.
Z_CANDIDATES: tuple[float, ...] = tuple(i / 4 for i in range(0, 25))
#: CONV-OPT: bins above the placed grid point.
J_CANDIDATES: tuple[int, ...] = (0, 1, 2)
#: Significant digits of the committed eps_s and Delta S (rounded down).
DIGITS = 6


@dataclass(frozen=True)
class Choice:
    """A committed parameter set of Box I: eps (per bin), eps_s, eps_EA and the Theorem 6 grid."""

    eps: Fraction
    eps_s: Fraction
    eps_ea: Fraction
    grid: Grid

    @property
    def eps_protocol(self) -> Fraction:
        """THM-6-EPS for the variants whose worst bin's eps is eps: M max(eps, eps_EA)."""
        return self.grid.bins * max(self.eps, self.eps_ea)


@dataclass(frozen=True)
class Step:
    """One line of the gains table: a choice, its certified m at S_obs = S and its expected m."""

    label: str
    choice: Choice
    m_at_s: int
    expected_m: float
    eps_protocol: Fraction


@dataclass(frozen=True)
class OptimizeResult:
    """CONV-OPT: the chosen pre-commitment, its exact m at S, expected m, protocol eps and the gains table."""

    n: int
    mu: Fraction
    s_expected: Fraction
    sigma: float
    target: Fraction  #: the protocol-level eps E the choice must meet
    variant: str
    choice: Choice
    m_at_s: int  #: THM-6 at S_obs = S, exact
    expected_m: float  #: E[m(S_obs)], S_obs ~ N(S, sigma^2) (a parameter-choice figure, not certified)
    eps_protocol: Fraction  #: THM-6-EPS of the choice, exact
    steps: tuple[Step, ...] = field(default=())
    evaluations: int = 0
    seconds: float = 0.0


def score_sigma(n: int, mu: Fraction, s: Fraction) -> float:
    """CONV-OPT: sd of S_obs = mean of the per-round MDL score W (DEF-SOBS) in the depolarised model.

    CONV-DEPOL at the correlator E that gives S: S = (mu_min (1+E) - 3 mu_max (1-E))/16, so
    Var W = mu_min^2 (1+E)/16 + 3 mu_max^2 (1-E)/16 - S^2 and sigma = sqrt(Var W / n).
    """
    a, b = float(mu_min(mu)), float(mu_max(mu))
    e = (16 * float(s) - a + 3 * b) / (a + 3 * b)
    e = min(max(e, 0.0), 1.0)
    var = a * a * (1 + e) / 16 + 3 * b * b * (1 - e) / 16 - float(s) ** 2
    return math.sqrt(max(var, 0.0) / n)


class _Model:
    """The length as a function of (S', eps, eps_s, eps_EA) with a counter of exact evaluations."""

    def __init__(self, n: int, mu: Fraction, variant: str) -> None:
        self.n, self.mu, self.variant = n, mu, variant
        self.evaluations = 0
        self.cache: dict[tuple[Fraction, Fraction, Fraction, Fraction], tuple[float, int]] = {}

    def mprime(self, s: Fraction, eps: Fraction, eps_s: Fraction, eps_ea: Fraction) -> tuple[float, int]:
        """(m' lower end as a float, the EAT ceil k at the optimum) of Theorem 5 at threshold s."""
        key = (s, eps, eps_s, eps_ea)
        if key not in self.cache:
            self.evaluations += 1
            if s <= 0:
                self.cache[key] = (0.0, 0)
            else:
                r = theorem5(self.n, self.mu, s, eps, eps_s, eps_ea, variant=self.variant)  # type: ignore[arg-type]
                k = r.eta.k if r.eta is not None else 0
                self.cache[key] = (max(0.0, float(r.m_prime_lo)), k)
        return self.cache[key]


def _round_down(x: Fraction, digits: int = DIGITS) -> Fraction:
    """x rounded down to ``digits`` significant decimal digits (an exact, short decimal)."""
    if x <= 0:
        return Fraction(0)
    e = math.floor(math.log10(float(x))) - digits + 1
    scale = Fraction(10) ** e
    v = math.floor(x / scale) * scale
    while v > x:  # float log10 may be off by one
        v -= scale
    return v


def _eps_s_from_ratio(eps: Fraction, b_ratio: float) -> Fraction:
    """eps_s = (eps - B)/6 with B = b_ratio * eps, rounded down to DIGITS digits (so 6 eps_s < eps)."""
    b_ratio = min(max(b_ratio, 1e-30), 0.999)
    return _round_down((eps - eps * Fraction(b_ratio)) / 6)


def _closed_form_ratio(model: _Model, eps: Fraction, eps_ea: Fraction, s: Fraction) -> float:
    """CONV-OPT step 2: B/eps = gamma sqrt(R) / (2 alpha sqrt(n) (log2 9 + k)), iterated for R and k."""
    alpha, gamma = SHAPES[model.variant]
    ratio = 1e-4
    for _ in range(2):  # k (the EAT ceil) and R barely move with eps_s: two rounds settle them
        es = _eps_s_from_ratio(eps, ratio)
        _, k = model.mprime(s, eps, es, eps_ea)
        r = 1 - 2 * math.log2(float(es) * float(eps_ea))
        ratio = gamma * math.sqrt(r) / (2 * alpha * math.sqrt(model.n) * (math.log2(9) + max(k, 1)))
        ratio = min(max(ratio, 1e-30), 0.5)
    return ratio


def _golden_ratio(model: _Model, eps: Fraction, eps_ea: Fraction, s: Fraction, start: float) -> float:
    """CONV-OPT step 2: golden-section search of m' over log(B/eps) in [start/30, min(0.9, 30 start)]."""
    lo_, hi_ = math.log(start / 30), math.log(min(0.9, start * 30))

    def f(x: float) -> float:
        return model.mprime(s, eps, _eps_s_from_ratio(eps, math.exp(x)), eps_ea)[0]

    g = (math.sqrt(5) - 1) / 2
    a, b = lo_, hi_
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(16):
        if fc >= fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)
    best = max(((fc, c), (fd, d), (f(math.log(start)), math.log(start))))
    return math.exp(best[1])


def _ndtr(x: np.ndarray) -> np.ndarray:
    from scipy.special import ndtr

    return np.asarray(ndtr(x), dtype=np.float64)


def expected_length(m_at: np.ndarray, grid_pts: np.ndarray, s: float, sigma: float) -> float:
    """CONV-OPT step 3: sum_b m_b Pr[bin b] for S_obs ~ N(s, sigma^2); bin b is [g_b, g_(b+1)), the last [g_last, inf).

    Mass below the first grid point given counts as m = 0 (callers start far enough below s).

    >>> round(expected_length(np.array([10.0, 20.0]), np.array([1.0, 2.0]), 2.5, 1e-9), 6)
    20.0
    """
    edges = np.append(grid_pts, np.inf)
    prob = _ndtr((edges[1:] - s) / sigma) - _ndtr((edges[:-1] - s) / sigma)
    return float(np.sum(prob * m_at))


def optimize(n: object, mu: object, s_expected: object, eps_protocol: object, *, variant: Variant = "derived",
             sigma: float | None = None, baseline: Choice | None = None) -> OptimizeResult:
    """CONV-OPT: the pre-commitment maximising the expected certified m at S_mu, with M max(eps, eps_EA) <= E.

    ``sigma`` is the sd of S_obs (default :func:`score_sigma`; 0: the m at S_obs = S,
    attained by one bin at S_max = S).  ``baseline`` (e.g. a preset's assumed choice)
    adds the gains table: eps_s alone, then the grid with eps = eps_EA = E/M, then the
    final choice.  Deterministic.
    """
    t0 = time.perf_counter()
    nn = int(exact_value(n, "n"))
    mu_ = check_mu(mu)
    s = exact_value(s_expected, "S_mu expected")
    target = check_eps("eps_protocol", eps_protocol)
    if variant not in SHAPES:
        raise InputError("variant", f"the optimiser handles {tuple(SHAPES)} (as_printed does not meet its eps)",
                         f"got {variant!r}")
    if s <= 0 or exceeds_quantum_max(s, mu_):
        raise InputError("S_mu expected", "must be positive and within the quantum maximum (CONV-SMAX)",
                         f"got {float(s):.6g}", "give the S_mu (or CHSH) the device is expected to show")
    sig = score_sigma(nn, mu_, s) if sigma is None else float(sigma)
    if not (sig >= 0 and math.isfinite(sig)):
        raise InputError("sigma", "must be a finite number >= 0", f"got {sigma!r}")
    model = _Model(nn, mu_, variant)
    if sig == 0:
        choice = _best_single_bin(model, s, target)
    else:
        choice = _search(model, s, target, sig)
    final = _evaluate(model, choice, s, sig, "optimal pre-commitment (CONV-OPT)")
    steps: list[Step] = []
    if baseline is not None:
        steps.append(_evaluate(model, baseline, s, sig, "baseline (the preset's assumed values)"))
        b_ratio = _golden_ratio(model, baseline.eps, baseline.eps_ea, min(s, baseline.grid.round_down(s) or s),
                                _closed_form_ratio(model, baseline.eps, baseline.eps_ea, s))
        c1 = Choice(baseline.eps, _eps_s_from_ratio(baseline.eps, b_ratio), baseline.eps_ea, baseline.grid)
        steps.append(_evaluate(model, c1, s, sig, "+ eps_s optimised (same eps, eps_EA, grid)"))
        c2 = Choice(choice.eps, _eps_s_from_ratio(choice.eps, _closed_form_ratio(model, choice.eps, choice.eps_ea,
                                                                                 s)), choice.eps_ea, choice.grid)
        steps.append(_evaluate(model, c2, s, sig, "+ grid (M, S_max) and eps = eps_EA = E/M"))
        steps.append(final)
    return OptimizeResult(nn, mu_, s, sig, target, variant, choice, final.m_at_s, final.expected_m,
                          final.eps_protocol, tuple(steps), model.evaluations, time.perf_counter() - t0)


def _best_single_bin(model: _Model, s: Fraction, target: Fraction) -> Choice:
    """sigma = 0: one bin at S_max = S (any other grid rounds S down or spends eps on more bins)."""
    eps = target
    ratio = _golden_ratio(model, eps, eps, s, _closed_form_ratio(model, eps, eps, s))
    return Choice(eps, _eps_s_from_ratio(eps, ratio), eps, Grid(s, 1))


def _search(model: _Model, s: Fraction, target: Fraction, sig: float) -> Choice:
    sf = float(s)
    # the shape of m'(S') at a reference eps (the middle of the M range), on anchors around S
    ref_m = 64
    eps_ref = target / ref_m
    es_ref = _eps_s_from_ratio(eps_ref, _closed_form_ratio(model, eps_ref, eps_ref, s))
    anchors = sorted({0.0, *(sf * f for f in (0.25, 0.5, 0.75, 0.9, 0.95, 0.98)),
                      *(sf + sig * u for u in range(-12, 9)), sf * 1.02})
    anchors = [a for a in anchors if a >= 0]
    shape = np.array([model.mprime(Fraction(a), eps_ref, es_ref, eps_ref)[0] for a in anchors])
    base_at_s = model.mprime(s, eps_ref, es_ref, eps_ref)[0]
    ax = np.array(anchors)
    best: tuple[float, int, float, int, Fraction] | None = None
    for m_bins in M_CANDIDATES:
        eps = target / m_bins
        es = _eps_s_from_ratio(eps, _closed_form_ratio(model, eps, eps, s))
        shift = model.mprime(s, eps, es, eps)[0] - base_at_s
        for z in Z_CANDIDATES:
            point = sf - z * sig
            if point <= 0:
                continue
            for j in J_CANDIDATES:
                i = m_bins - j
                if i < 1:
                    continue
                dsf = point / i
                b_lo = max(1, int((sf - 10 * sig) // dsf))
                b = np.arange(b_lo, m_bins + 1)
                pts = b * dsf
                m_at = np.maximum(0.0, np.interp(pts, ax, shape) + shift)
                m_at[pts < ax[0]] = 0.0
                val = expected_length(m_at, pts, sf, sig)
                if best is None or val > best[0] + 1e-6:  # ties keep the earlier (fewer bins, smaller z, j)
                    best = (val, m_bins, z, j, es)
    assert best is not None
    _, m_bins, z, j, _ = best
    eps = target / m_bins
    i = m_bins - j
    ds = _round_down((s - Fraction(z * sig)) / i)
    grid = Grid(ds * m_bins, m_bins)
    if exceeds_quantum_max(grid.s_max, model.mu):
        grid = Grid(ds * i, i)  # no bins beyond the quantum maximum (CONV-SMAX)
    ratio = _golden_ratio(model, eps, eps, ds * i, _closed_form_ratio(model, eps, eps, ds * i))
    return Choice(eps, _eps_s_from_ratio(eps, ratio), eps, grid)


def _evaluate(model: _Model, c: Choice, s: Fraction, sig: float, label: str) -> Step:
    """The exact certified m at S_obs = S (THM-6) and the expected m over the bins carrying probability."""
    a = theorem6(model.n, model.mu, s, c.eps, c.eps_s, c.eps_ea, grid=c.grid,
                 variant=model.variant)  # type: ignore[arg-type]
    model.evaluations += 1
    if sig == 0:
        expected = float(a.m)
    else:
        g = c.grid
        ds = float(g.delta)
        b_lo = max(1, int((float(s) - 8 * sig) // ds))
        b_hi = min(g.bins, int((float(s) + 8 * sig) // ds) + 1)
        bins = list(range(b_lo, b_hi + 1))
        m_at = []
        for b in bins:
            r = theorem6(model.n, model.mu, b * g.delta, c.eps, c.eps_s, c.eps_ea, grid=g,
                         variant=model.variant)  # type: ignore[arg-type]
            model.evaluations += 1
            m_at.append(float(r.m))
        pts = np.array([float(b * g.delta) for b in bins])
        if bins[-1] < g.bins:  # the tail above S + 8 sigma (probability < 1e-15) is counted at the last m
            pts = np.append(pts, float((bins[-1] + 1) * g.delta))
            m_at.append(m_at[-1])
        expected = expected_length(np.array(m_at), pts, float(s), sig)
    return Step(label, c, a.m, expected, a.eps_protocol)


__all__ = ["DIGITS", "M_CANDIDATES", "Choice", "OptimizeResult", "Step", "expected_length", "optimize",
           "score_sigma"]
