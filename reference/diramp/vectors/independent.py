"""REQ-VECTOR-INDEPENDENT: the methods that produce expected values, kept apart from the fast paths.

Nothing here calls the code the vectors test (``diramp.bell``, ``diramp.trials``
counting, the FFT extractor).  Each function computes from the paper's formula
directly:

* SV bounds (DEF-SV-PAIR, THM-SV-SEED): exact Fractions; the seed min-entropy
  by plain mpmath at 120 digits, widened by 10^-90 before directed rounding.
* Counts, S_mu,obs and CHSH (DEF-MDL, DEF-SOBS, DEF-CHSH): a Python loop over
  unpacked trials and Fraction arithmetic written out from eq. (4).
* Extractor outputs (DEF-EXT): the galois GF(2) matrix reference for small N,
  the integer loop over lags for larger N (never the FFT path).
* eta (THM-1-OPT): the interval code (``diramp.entropy``) is the reference;
  :func:`eta_point` re-derives the maximum with plain mpmath and the generator
  asserts that it lies inside the enclosure.
* m (THM-5, THM-5-DERIVED, THM-6): the interval chain of ``diramp.length`` is
  the reference; :func:`m_prime_point` re-evaluates m' in plain mpmath from
  eta's lower end and the generator asserts the same floor.

>>> from fractions import Fraction as F
>>> s_mu_formula({"0000": 3, "0101": 1}, F(0))
Fraction(1, 8)
>>> interleave([1, 0, 1], [0, 0, 1])
[1, 0, 0, 0, 1, 1]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

import numpy as np
import numpy.typing as npt
from mpmath import mp, mpf
from mpmath.libmp import to_rational

#: DEF-MDL digit order a, b, x, y; flat index 8a + 4b + 2x + y.
KEYS = tuple(f"{i >> 3 & 1}{i >> 2 & 1}{i >> 1 & 1}{i & 1}" for i in range(16))


def sv_pair_bounds(mu: Fraction) -> tuple[Fraction, Fraction]:
    """DEF-SV-PAIR: ((1/2 - mu)^2, (1/2 + mu)^2), exact."""
    half = Fraction(1, 2)
    return (half - mu) * (half - mu), (half + mu) * (half + mu)


def seed_entropy_bounds(d: int, mu: Fraction) -> tuple[Fraction, Fraction]:
    """THM-SV-SEED: an enclosure of d log2(1/(1/2 + mu)) = d log2(2 / (1 + 2 mu)).

    Exact when 1 + 2 mu is a power of two (mu = 0 on [0, 1/2)) or d = 0; else
    the 120-digit mpmath value widened by 10^-90 relative on each side.
    """
    r = Fraction(2) / (1 + 2 * mu)
    if d == 0 or r == 2:
        v = Fraction(d) * (1 if r == 2 else 0)
        return v, v
    with mp.workdps(120):
        val = mpf(d) * mp.log(mpf(r.numerator) / r.denominator, 2)
        v = to_frac(val)
    margin = abs(v) * Fraction(1, 10**90) + Fraction(1, 10**100)
    return v - margin, v + margin


def to_frac(x: mpf) -> Fraction:
    """The exact value of an mpf (no re-rounding to the current precision)."""
    num, den = to_rational(x._mpf_)
    return Fraction(int(num), int(den))


def count_trials(x: Sequence[int], y: Sequence[int], a: Sequence[int], b: Sequence[int]) -> dict[str, int]:
    """DEF-MDL: N(a, b, x, y) by a plain loop over trials, keys "abxy"."""
    out = dict.fromkeys(KEYS, 0)
    for xi, yi, ai, bi in zip(x, y, a, b, strict=True):
        out[f"{int(ai)}{int(bi)}{int(xi)}{int(yi)}"] += 1
    return out


def s_mu_formula(counts: Mapping[str, int], mu: Fraction) -> Fraction:
    """DEF-SOBS from eq. (4): (mu_min N(0000) - mu_max (N(0101) + N(1010) + N(0011))) / n."""
    n = sum(counts.get(k, 0) for k in KEYS)
    lo, hi = sv_pair_bounds(mu)
    neg = counts.get("0101", 0) + counts.get("1010", 0) + counts.get("0011", 0)
    return (lo * counts.get("0000", 0) - hi * neg) / n


def correlators_formula(counts: Mapping[str, int]) -> dict[str, Fraction] | None:
    """DEF-CHSH: E_xy = (N(a = b | xy) - N(a != b | xy)) / N(xy), keys "xy"; None if a setting is missing."""
    out = {}
    for x in (0, 1):
        for y in (0, 1):
            same = counts.get(f"00{x}{y}", 0) + counts.get(f"11{x}{y}", 0)
            diff = counts.get(f"01{x}{y}", 0) + counts.get(f"10{x}{y}", 0)
            if same + diff == 0:
                return None
            out[f"{x}{y}"] = Fraction(same - diff, same + diff)
    return out


def chsh_formula(counts: Mapping[str, int]) -> Fraction | None:
    """DEF-CHSH: E00 + E01 + E10 - E11, or None when a setting is missing."""
    e = correlators_formula(counts)
    return None if e is None else e["00"] + e["01"] + e["10"] - e["11"]


def interleave(a: Sequence[int], b: Sequence[int]) -> list[int]:
    """CONV-AB-INTERLEAVE: a_0 b_0 a_1 b_1 ..."""
    out: list[int] = []
    for ai, bi in zip(a, b, strict=True):
        out += [int(ai), int(bi)]
    return out


def extract_reference(x: npt.NDArray[np.uint8], y: npt.NDArray[np.uint8], m: int) -> tuple[npt.NDArray[np.uint8], str]:
    """DEF-EXT by an independent method: galois GF(2) matrices for N <= 1025 and m*N <= 2^20, else the loop.

    Where galois is used, the integer loop is run too and must agree.
    """
    from diramp.extractor.reference import extract_galois, extract_loop

    loop = extract_loop(x, y, m)
    if x.size <= 1025 and m * x.size <= 2**20:
        gal = extract_galois(x, y, m)
        if not np.array_equal(gal, loop):
            raise AssertionError("galois and loop references disagree")
        return gal, "galois"
    return loop, "loop"


# --- eta and m' re-derived in plain mpmath (cross-checks of the interval reference) ---


def circulant_reference(x: npt.NDArray[np.uint8], y: npt.NDArray[np.uint8],
                        m: int) -> tuple[npt.NDArray[np.uint8], str]:
    """DEF-CIRC by an independent method: the galois GF(2) circulant matrix for p <= 1031 and m p <= 2^20 (the
    integer loop must agree), else the integer loop; never the FFT path on the wrapped inputs (LEM-CIRC-WRAP)."""
    from diramp.extractor.circulant import circulant_galois, circulant_loop

    loop = circulant_loop(x, y, m)
    if y.size <= 1031 and m * y.size <= 2**20:
        gal = circulant_galois(x, y, m)
        if not np.array_equal(gal, loop):
            raise AssertionError("galois and loop circulant references disagree")
        return gal, "galois"
    return loop, "loop"


def _mpq(x: Fraction) -> mpf:
    return mpf(x.numerator) / x.denominator


def _grad(t: mpf, mu: Fraction) -> mpf:
    """mu_max g'(t) (THM-1-G, THM-1-EAT), plain mpmath."""
    lo, hi = sv_pair_bounds(mu)
    c = 4 / (_mpq(lo) * _mpq(hi))
    b = 2 + c * t
    u = mp.sqrt(b * b / 4 - 1)
    return _mpq(hi) * c / 2 * (b / (4 * u)) * mp.log((1 + u) / (1 - u), 2)


def _g(t: mpf, mu: Fraction) -> mpf:
    lo, hi = sv_pair_bounds(mu)
    b = 2 + 4 * t / (_mpq(lo) * _mpq(hi))
    u = mp.sqrt(b * b / 4 - 1)
    p, r = (1 + u) / 2, (1 - u) / 2
    return 1 + p * mp.log(p, 2) + r * mp.log(r, 2)


def eta_point(eps_s: Fraction, eps_ea: Fraction, s: Fraction, n: int, mu: Fraction) -> mpf:
    """THM-1-OPT re-derived: max over the candidates t = S and t = t_k of f_t(S) - v(t)/sqrt(n).

    t_k (where mu_max g'(t) = k) by bisection, then the Illinois method, in plain mpmath at 60 digits.
    """
    with mp.workdps(60):
        lo, hi = sv_pair_bounds(mu)
        c = 4 / (_mpq(lo) * _mpq(hi))
        k0 = int(mp.ceil(_mpq(hi) * c / (2 * mp.log(2))))
        s_mp = _mpq(s)
        root = mp.sqrt(1 - 2 * mp.log(_mpq(eps_s * eps_ea), 2))

        def obj(t: mpf, k: int) -> mpf:
            gp = _grad(t, mu) / _mpq(hi)
            v = 2 * (mp.log(9, 2) + k) * root
            return _g(t, mu) + gp * (s_mp - t) - v / mp.sqrt(n)

        k_last = int(mp.ceil(_grad(s_mp, mu)))
        best = obj(s_mp, k_last)
        for k in range(k0, k_last):
            a, b = mpf(0), s_mp
            if _grad(b, mu) <= k:
                continue
            for _ in range(40):
                mid = (a + b) / 2
                if _grad(mid, mu) < k:
                    a = mid
                else:
                    b = mid
            t_k = mp.findroot(lambda t, k=k: _grad(t, mu) - k, (a, b), solver="illinois", tol=mpf(2) ** -400)
            best = max(best, obj(t_k, k))
        return best


def m_prime_point(n: int, mu: Fraction, eta_lo: Fraction, eps: Fraction, eps_s: Fraction, variant: str) -> mpf:
    """THM-5 / THM-5-DERIVED re-evaluated in plain mpmath from eta's lower end (optimal split)."""
    with mp.workdps(60):
        first = (n * _mpq(eta_lo) + 2 * n * mp.log(2 / (1 + 2 * _mpq(mu)), 2) - 2 * n) / 6
        budget = _mpq(eps - 6 * eps_s)
        if variant == "as_printed":
            return first - mp.log(6 / budget, 2)
        e1 = budget / 20
        eq = 2 * budget / 5
        pen = (2 * -mp.log(e1, 2) + 8 * -mp.log(eq, 2) + 4 * mp.log(3, 2) - 8) / 6
        return first - pen


def eps_protocol_point(variant: str, eps: Fraction, eps_s: Fraction, eps_ea: Fraction | None, bins: int) -> mpf:
    """THM-6-EPS re-derived in plain mpmath: M * max(worst-bin eps achieved, eps_EA).

    derived: the allocation spends exactly eps in every bin, so the worst bin is eps.
    as_printed: m <= m' leaves G >= 6 log2(6/B) - 4 log2 3 + 8 spare bits, so
    eps <= 6 eps_s + (5/2) 2^-((G - 6)/10) at that G.
    """
    with mp.workdps(60):
        ea = _mpq(eps if eps_ea is None else eps_ea)
        if variant == "derived":
            worst = _mpq(eps)
        else:
            budget = _mpq(eps - 6 * eps_s)
            g_min = 6 * mp.log(6 / budget, 2) - 4 * mp.log(3, 2) + 8
            worst = 6 * _mpq(eps_s) + mpf(5) / 2 * mp.power(2, -(g_min - 6) / 10)
        return bins * max(worst, ea)


def floor_unless_close(x: mpf, tol: float = 1e-20) -> int | None:
    """floor(x), or None when x is within ``tol`` of an integer (the cross-check is then inconclusive)."""
    f = int(mp.floor(x))
    if min(x - f, f + 1 - x) < tol:
        return None
    return f

