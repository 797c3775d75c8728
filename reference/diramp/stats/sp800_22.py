"""The 15 tests of NIST SP 800-22 rev1a (April 2010), section 2, written from the standard.

Every function takes ``eps``, the bit sequence epsilon as a 1-D numpy array of
0/1 (``uint8``), and returns a :class:`~diramp.stats.result.TestResult`.  Names
follow the standard (n, M, N, K, V_n(obs), chi^2(obs), ...).  Each test checks the
minimum input size of its section ``2.x.7`` and returns SKIPPED when ``eps`` is
shorter; ``strict=False`` lifts that check so the small worked examples of
sections ``2.x.4`` can be reproduced (tests/test_stats_kat.py).

Pinned variant: SP 800-22 rev1a; default parameters are those of the NIST STS
reference code 2.1.2 (the values its Appendix B sample results were run with):
block frequency M = 128, non-overlapping templates m = 9 (all 148 aperiodic
templates, N = 8 blocks), overlapping template m = 9 with M = 1032 and K = 5,
linear complexity M = 500, serial m = 16, approximate entropy m = 10, Maurer L
from the table of section 2.9.7.  Where the standard's probabilities are
rounded tables we compute them exactly from the formulas of section 3 (longest
run, matrix rank, random excursions) and say so; the overlapping-template
probabilities are the corrected values of section 3.8 (the asymptotic formula of
section 2.8 is inaccurate), used for the pinned (m, M, K) only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import erfc, gammaincc, ndtr

from diramp.stats.gf2 import linear_complexity_batch, rank_batch
from diramp.stats.result import ALPHA, TestResult
from diramp.stats.templates import aperiodic_templates, is_aperiodic

Bits = NDArray[np.uint8]


def igamc(a: float, x: float) -> float:
    """Upper regularised incomplete gamma function Q(a, x) (SP 800-22 section 5.5.3).

    >>> round(igamc(3 / 2, 1 / 2), 6)  # section 2.2.4
    0.801252
    """
    return float(gammaincc(a, x))


def as_bits(bits: str | Sequence[int] | NDArray[Any]) -> Bits:
    """Epsilon from a string of '0'/'1' (as printed in SP 800-22) or a 0/1 sequence.

    >>> as_bits("1011").tolist()
    [1, 0, 1, 1]
    """
    if isinstance(bits, str):
        arr = np.frombuffer(bits.encode("ascii"), dtype=np.uint8) - ord("0")
    else:
        arr = np.asarray(bits, dtype=np.uint8)
    if arr.ndim != 1 or (arr.size and arr.max() > 1):
        raise ValueError("epsilon must be a 1-D sequence of 0/1")
    return arr


def _too_short(name: str, section: str, n: int, minimum: int, params: dict[str, Any],
               why: str = "") -> TestResult:
    reason = f"n = {n} < {minimum} bits (section {section}.7{': ' + why if why else ''})"
    return TestResult.skipped(name, section, reason, params)


def windows(eps: Bits, m: int, wrap: bool) -> NDArray[np.int64]:
    """Values of the overlapping m-bit windows of eps, first bit most significant.

    With ``wrap`` the first m-1 bits are appended (sections 2.11.4 and 2.12.4 step 1),
    giving n windows; otherwise n - m + 1.

    >>> windows(as_bits("0011"), 2, wrap=True).tolist()
    [0, 1, 3, 2]
    """
    n = eps.size
    ext = np.concatenate([eps, eps[: m - 1]]) if wrap else eps
    count = n if wrap else n - m + 1
    v = np.zeros(max(count, 0), dtype=np.int64)
    for j in range(m):
        v = (v << 1) | ext[j : j + count]
    return v


# --------------------------------------------------------------------------- 2.1
def frequency(eps: Bits, *, strict: bool = True, alpha: float = ALPHA) -> TestResult:
    """Frequency (monobit) test, SP 800-22 rev1a section 2.1.

    S_n = sum(2 eps_i - 1), s_obs = |S_n| / sqrt(n), P-value = erfc(s_obs / sqrt(2)).
    Minimum n = 100 (section 2.1.7).

    >>> r = frequency(as_bits("1011010101"), strict=False)  # section 2.1.4
    >>> r.statistics["S_n"], round(r.p_value, 6)
    (2, 0.527089)
    """
    name, sec = "frequency", "2.1"
    n = eps.size
    if strict and n < 100:
        return _too_short(name, sec, n, 100, {})
    s_n = 2 * int(eps.sum(dtype=np.int64)) - n
    s_obs = abs(s_n) / math.sqrt(n)
    p = float(erfc(s_obs / math.sqrt(2)))
    return TestResult.from_p_values(name, sec, {"": p}, {"S_n": s_n, "s_obs": s_obs}, {"n": n},
                                    alpha)


# --------------------------------------------------------------------------- 2.2
def block_frequency(eps: Bits, M: int = 128, *, strict: bool = True,
                    alpha: float = ALPHA) -> TestResult:
    """Frequency test within a block, SP 800-22 rev1a section 2.2.

    N = floor(n / M) blocks; pi_i = ones in block i / M;
    chi^2(obs) = 4 M sum (pi_i - 1/2)^2; P-value = igamc(N/2, chi^2(obs)/2).
    Minimum n = 100 and M >= 20 (section 2.2.7).  Section 2.2.7 also recommends
    M > 0.01 n and N < 100; the STS default M = 128 (pinned here, as in its
    Appendix B) does not follow that for long inputs, and we report M.

    >>> round(block_frequency(as_bits("0110011010"), M=3, strict=False).p_value, 6)
    0.801252
    """
    name, sec = "block_frequency", "2.2"
    n = eps.size
    params = {"M": M}
    if strict and (n < 100 or M < 20):
        return _too_short(name, sec, n, 100, params, "and M >= 20")
    N = n // M
    if N == 0:
        return _too_short(name, sec, n, M, params, "fewer bits than one block")
    pi = eps[: N * M].reshape(N, M).sum(axis=1, dtype=np.int64) / M
    chi2 = 4.0 * M * float(((pi - 0.5) ** 2).sum())
    p = igamc(N / 2, chi2 / 2)
    return TestResult.from_p_values(name, sec, {"": p}, {"chi2": chi2}, {**params, "N": N},
                                    alpha)


# --------------------------------------------------------------------------- 2.3
def runs(eps: Bits, *, strict: bool = True, alpha: float = ALPHA) -> TestResult:
    """Runs test, SP 800-22 rev1a section 2.3.

    pi = ones / n.  Frequency pre-test (step 2): if |pi - 1/2| >= tau = 2/sqrt(n) the
    runs test is not performed and the P-value is 0.0000.  Otherwise
    V_n(obs) = 1 + #{k : eps_k != eps_k+1} and
    P-value = erfc(|V_n(obs) - 2 n pi (1-pi)| / (2 sqrt(2n) pi (1-pi))).
    Minimum n = 100 (section 2.3.7).

    >>> round(runs(as_bits("1001101011"), strict=False).p_value, 6)  # section 2.3.4
    0.147232
    """
    name, sec = "runs", "2.3"
    n = eps.size
    if strict and n < 100:
        return _too_short(name, sec, n, 100, {})
    pi = float(eps.sum(dtype=np.int64)) / n
    tau = 2 / math.sqrt(n)
    if abs(pi - 0.5) >= tau:
        return TestResult.from_p_values(name, sec, {"": 0.0},
                                        {"pi": pi, "tau": tau, "prerequisite": "failed"},
                                        {}, alpha)
    v_obs = 1 + int(np.count_nonzero(eps[1:] != eps[:-1]))
    p = float(erfc(abs(v_obs - 2 * n * pi * (1 - pi)) / (2 * math.sqrt(2 * n) * pi * (1 - pi))))
    return TestResult.from_p_values(name, sec, {"": p}, {"pi": pi, "V_obs": v_obs}, {}, alpha)


# --------------------------------------------------------------------------- 2.4
@cache
def _runs_at_most(M: int, k: int) -> int:
    """Number of M-bit words whose longest run of ones is at most k (exact)."""
    f = [0] * (M + 1)
    for j in range(M + 1):
        f[j] = 2**j if j <= k else sum(f[j - k - 1 : j])
    return f[M]


@cache
def longest_run_probabilities(M: int, v_min: int, v_max: int) -> tuple[float, ...]:
    """Class probabilities pi_i of section 2.4.4 step 3, computed exactly.

    Classes: longest run <= v_min, = v_min + 1, ..., >= v_max.  Section 3.4 tabulates
    them rounded to 4 digits; we count words exactly (a run-length recursion) and
    round once to double.

    >>> longest_run_probabilities(8, 1, 4)  # 110/512, 188/512, 118/512, 96/512
    (0.21484375, 0.3671875, 0.23046875, 0.1875)
    >>> [round(p, 4) for p in longest_run_probabilities(128, 4, 9)]  # 3.4: ..., 0.2493, ...
    [0.1174, 0.243, 0.2494, 0.1752, 0.1027, 0.1124]
    """
    total = 2**M
    cdf = [Fraction(_runs_at_most(M, k), total) for k in range(v_min, v_max)]
    probs = [cdf[0]] + [cdf[i] - cdf[i - 1] for i in range(1, len(cdf))] + [1 - cdf[-1]]
    return tuple(float(p) for p in probs)


#: The 4-digit tables of section 3.4 (by M), kept only to reproduce published values:
#: the M = 10^4 row differs from the exact probabilities by up to 0.0016.
LONGEST_RUN_PI_TABLE = {
    8: (0.2148, 0.3672, 0.2305, 0.1875),
    128: (0.1174, 0.2430, 0.2493, 0.1752, 0.1027, 0.1124),
    10_000: (0.0882, 0.2092, 0.2483, 0.1933, 0.1208, 0.0675, 0.0727),
}

#: Section 2.4.2 / 2.4.7: (minimum n, M, v_min, v_max) -- K + 1 = v_max - v_min + 1 classes.
LONGEST_RUN_TABLE = ((750_000, 10_000, 10, 16), (6_272, 128, 4, 9), (128, 8, 1, 4))


def longest_run(eps: Bits, *, strict: bool = True, alpha: float = ALPHA,
                probabilities: Sequence[float] | None = None) -> TestResult:
    """Test for the longest run of ones in a block, SP 800-22 rev1a section 2.4.

    M by n (section 2.4.2): M = 8 for n >= 128, 128 for n >= 6272, 10^4 for
    n >= 750,000; N = floor(n / M) blocks (as the STS code).  chi^2(obs) =
    sum (nu_i - N pi_i)^2 / (N pi_i); P-value = igamc(K/2, chi^2(obs)/2).
    ``probabilities`` overrides the exact pi_i (the 2.4.4 example prints a 4-digit table).

    >>> eps = as_bits("11001100000101010110110001001100111000000000001001"
    ...               "00110101010001000100111101011010000000110101111100"
    ...               "1100111001101101100010110010")
    >>> longest_run(eps).statistics["nu"]  # section 2.4.4
    [4, 9, 3, 0]
    """
    name, sec = "longest_run", "2.4"
    n = eps.size
    row = next((r for r in LONGEST_RUN_TABLE if n >= r[0]), None)
    if row is None:
        return _too_short(name, sec, n, 128, {})
    _, M, v_min, v_max = row
    N = n // M
    K = v_max - v_min
    blocks = eps[: N * M].reshape(N, M)
    padded = np.zeros((N, M + 2), dtype=np.int8)
    padded[:, 1:-1] = blocks
    d = np.diff(padded.ravel())
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    longest = np.zeros(N, dtype=np.int64)
    np.maximum.at(longest, starts // (M + 2), ends - starts)
    classes = np.clip(longest, v_min, v_max) - v_min
    nu = np.bincount(classes, minlength=K + 1)
    pi = np.asarray(probabilities if probabilities is not None
                    else longest_run_probabilities(M, v_min, v_max))
    chi2 = float((((nu - N * pi) ** 2) / (N * pi)).sum())
    p = igamc(K / 2, chi2 / 2)
    return TestResult.from_p_values(name, sec, {"": p}, {"nu": nu.tolist(), "chi2": chi2},
                                    {"M": M, "K": K, "N": N}, alpha)


# --------------------------------------------------------------------------- 2.5
def rank_probabilities(M: int, Q: int) -> tuple[float, float, float]:
    """P(rank = M), P(rank = M - 1), P(rank <= M - 2) for a random M x Q binary matrix.

    Section 3.5: p_r = 2^(r(Q+M-r) - MQ) prod_{i<r} (1-2^(i-Q))(1-2^(i-M)) / (1-2^(i-r)),
    computed exactly with rationals.  For M = Q = 32 these are the 0.2888, 0.5776,
    0.1336 of section 2.5.4 step 4.

    >>> [round(p, 4) for p in rank_probabilities(32, 32)]
    [0.2888, 0.5776, 0.1336]
    """
    def p_r(r: int) -> Fraction:
        out = Fraction(2) ** (r * (Q + M - r) - M * Q)
        for i in range(r):
            out *= (1 - Fraction(2) ** (i - Q)) * (1 - Fraction(2) ** (i - M)) / (
                1 - Fraction(2) ** (i - r))
        return out

    full, minus1 = p_r(M), p_r(M - 1)
    return float(full), float(minus1), float(1 - full - minus1)


def rank_chi2(F_M: int, F_M1: int, N: int,
              probabilities: Sequence[float]) -> float:
    """chi^2(obs) of section 2.5.4 step 4 from the rank class counts."""
    observed = (F_M, F_M1, N - F_M - F_M1)
    return sum((o - p * N) ** 2 / (p * N) for o, p in zip(observed, probabilities, strict=True))


def binary_matrix_rank(eps: Bits, M: int = 32, Q: int = 32, *, strict: bool = True,
                       alpha: float = ALPHA,
                       probabilities: Sequence[float] | None = None) -> TestResult:
    """Binary matrix rank test, SP 800-22 rev1a section 2.5.

    N = floor(n / (M Q)) matrices filled row by row; F_M, F_(M-1) count full rank and
    rank M - 1; chi^2(obs) against the probabilities of section 3.5;
    P-value = e^(-chi^2(obs)/2).  Minimum n = 38 M Q (section 2.5.7).
    ``probabilities`` overrides the exact class probabilities (the 2.5.4 example
    applies the 32 x 32 values to 3 x 3 matrices).
    """
    name, sec = "binary_matrix_rank", "2.5"
    n = eps.size
    params = {"M": M, "Q": Q}
    if strict and n < 38 * M * Q:
        return _too_short(name, sec, n, 38 * M * Q, params)
    N = n // (M * Q)
    if N == 0:
        return _too_short(name, sec, n, M * Q, params, "fewer bits than one matrix")
    weights = (np.uint64(1) << np.arange(Q - 1, -1, -1, dtype=np.uint64))
    rows = (eps[: N * M * Q].reshape(N, M, Q).astype(np.uint64) * weights).sum(
        axis=2, dtype=np.uint64)
    ranks = rank_batch(rows, Q)
    f_m = int(np.count_nonzero(ranks == M))
    f_m1 = int(np.count_nonzero(ranks == M - 1))
    probs = probabilities if probabilities is not None else rank_probabilities(M, Q)
    chi2 = rank_chi2(f_m, f_m1, N, probs)
    p = math.exp(-chi2 / 2)
    return TestResult.from_p_values(name, sec, {"": p},
                                    {"F_M": f_m, "F_M-1": f_m1, "chi2": chi2},
                                    {**params, "N": N}, alpha)


# --------------------------------------------------------------------------- 2.6
def dft_statistic(N1: float, n: int) -> tuple[float, float]:
    """d and the P-value of section 2.6.4 steps 6-7 from N_1 and n.

    N_0 = 0.95 n / 2, d = (N_1 - N_0) / sqrt(n (0.95)(0.05) / 4), P = erfc(|d| / sqrt 2).
    """
    n0 = 0.95 * n / 2
    d = (N1 - n0) / math.sqrt(n * 0.95 * 0.05 / 4)
    return d, float(erfc(abs(d) / math.sqrt(2)))


def dft(eps: Bits, *, strict: bool = True, alpha: float = ALPHA) -> TestResult:
    """Discrete Fourier transform (spectral) test, SP 800-22 rev1a section 2.6.

    X = 2 eps - 1; S = DFT(X); M = |S'| over the first n/2 coefficients;
    T = sqrt(ln(1/0.05) n) (the rev1a threshold); N_1 = #{M_j < T}; then
    :func:`dft_statistic`.  Minimum n = 1000 (section 2.6.7).  numpy's FFT handles
    every length (no trimming to a smooth length is needed).
    """
    name, sec = "dft", "2.6"
    n = eps.size
    if strict and n < 1000:
        return _too_short(name, sec, n, 1000, {})
    x = 2.0 * eps.astype(np.float64) - 1.0
    mod = np.abs(np.fft.rfft(x))[: n // 2]
    t = math.sqrt(math.log(1 / 0.05) * n)
    n1 = int(np.count_nonzero(mod < t))
    d, p = dft_statistic(n1, n)
    return TestResult.from_p_values(name, sec, {"": p},
                                    {"N_0": 0.95 * n / 2, "N_1": n1, "d": d, "T": t}, {}, alpha)


# --------------------------------------------------------------------------- 2.7
def non_overlapping_template(eps: Bits, m: int = 9, N: int = 8,
                             templates: Sequence[str] | None = None, *, strict: bool = True,
                             alpha: float = ALPHA) -> TestResult:
    """Non-overlapping template matching test, SP 800-22 rev1a section 2.7.

    N blocks of M = floor(n / N) bits; W_j = matches of the aperiodic template B in
    block j (an aperiodic template never overlaps itself, so the scan-and-skip count
    of step 2 equals the plain match count); mu = (M - m + 1) / 2^m,
    sigma^2 = M (1/2^m - (2m - 1)/2^(2m)); chi^2(obs) = sum (W_j - mu)^2 / sigma^2;
    P-value = igamc(N/2, chi^2(obs)/2).  One P-value per template (default: all
    aperiodic m-bit templates, 148 for m = 9, as the STS).  Section 2.7.7 asks for
    N <= 100 and M > 0.01 n; diramp's own minimum is mu >= 5 per block (a chi-square
    rule of thumb; the section gives no explicit n).
    """
    name, sec = "non_overlapping_template", "2.7"
    n = eps.size
    tpls = tuple(templates) if templates is not None else aperiodic_templates(m)
    for b in tpls:
        if len(b) != m or not is_aperiodic(b):
            raise ValueError(f"template {b!r} is not an aperiodic {m}-bit word (section 2.7.2)")
    M = n // N
    params = {"m": m, "N": N, "M": M, "templates": len(tpls)}
    mu = (M - m + 1) / 2**m
    if strict and mu < 5:
        need = N * (5 * 2**m + m - 1)
        return _too_short(name, sec, n, need, params, "diramp requires mu >= 5")
    if M < m:
        return _too_short(name, sec, n, N * m, params, "blocks shorter than m")
    sigma2 = M * (1 / 2**m - (2 * m - 1) / 2 ** (2 * m))
    win = windows(eps[: N * M], m, wrap=False)
    per_block = np.stack([win[j * M : j * M + M - m + 1] for j in range(N)])
    counts = np.zeros((N, 2**m), dtype=np.int64)
    for j in range(N):
        counts[j] = np.bincount(per_block[j], minlength=2**m)
    p_values: dict[str, float] = {}
    chi2s: dict[str, float] = {}
    for b in tpls:
        w = counts[:, int(b, 2)]
        chi2 = float(((w - mu) ** 2).sum() / sigma2)
        chi2s[b] = chi2
        p_values[b] = igamc(N / 2, chi2 / 2)
    stats: dict[str, Any] = {"mu": mu, "sigma2": sigma2, "chi2": chi2s}
    if len(tpls) == 1:
        stats["W"] = counts[:, int(tpls[0], 2)].tolist()
    return TestResult.from_p_values(name, sec, p_values, stats, params, alpha)


# --------------------------------------------------------------------------- 2.8
#: Section 3.8 (rev1a): corrected class probabilities for m = 9, M = 1032, K = 5
#: (Hamano and Kaneko).  The 2.8.8 example and Appendix B (0.110434 for e) were run
#: with the asymptotic formula instead (``corrected=False`` reproduces them).
OVERLAPPING_PI_M9_M1032 = (0.364091, 0.185659, 0.139381, 0.100571, 0.070432, 0.139865)


def overlapping_probabilities(M: int, m: int, K: int = 5,
                              corrected: bool = True) -> tuple[float, ...]:
    """pi_0 .. pi_K for the overlapping template test.

    For (m, M, K) = (9, 1032, 5) and ``corrected`` the corrected table of section 3.8;
    otherwise the asymptotic formula of section 2.8.4 step 4 / 3.8 with lambda = (M - m + 1)/2^m,
    eta = lambda / 2: pi_0 = e^-eta, pi_u = e^-eta 2^-u sum_{l=1..u} C(u-1, l-1)
    eta^l / l! (section 3.8 warns it is inaccurate; used only for other parameters).

    >>> [round(p, 6) for p in overlapping_probabilities(10, 2)][:2]  # section 2.8.4
    [0.324652, 0.182617]
    """
    if corrected and (m, M, K) == (9, 1032, 5):
        return OVERLAPPING_PI_M9_M1032
    eta = (M - m + 1) / 2**m / 2
    pis = [math.exp(-eta)]
    for u in range(1, K):
        pis.append(math.exp(-eta) * 2.0**-u * sum(
            math.comb(u - 1, l - 1) * eta**l / math.factorial(l) for l in range(1, u + 1)))
    pis.append(1.0 - sum(pis))
    return tuple(pis)


def overlapping_chi2(nu: Sequence[int], N: int, pi: Sequence[float]) -> float:
    """chi^2(obs) = sum (nu_i - N pi_i)^2 / (N pi_i) (section 2.8.4 step 5)."""
    return sum((v - N * p) ** 2 / (N * p) for v, p in zip(nu, pi, strict=True))


def overlapping_template(eps: Bits, m: int = 9, M: int = 1032, K: int = 5,
                         template: str | None = None, *, strict: bool = True,
                         alpha: float = ALPHA, corrected: bool = True) -> TestResult:
    """Overlapping template matching test, SP 800-22 rev1a section 2.8.

    N = floor(n / M) blocks; nu_i = blocks with i overlapping matches of B = 1^m
    (i = 0..K-1; nu_K: K or more); chi^2(obs) = sum (nu_i - N pi_i)^2 / (N pi_i);
    P-value = igamc(K/2, chi^2(obs)/2).  Minimum n = 10^6 (section 2.8.7).
    ``corrected`` selects the pi_i (see :func:`overlapping_probabilities`).
    """
    name, sec = "overlapping_template", "2.8"
    n = eps.size
    b = template if template is not None else "1" * m
    params = {"m": m, "M": M, "K": K, "B": b,
              "pi": "section 3.8 corrected" if corrected else "asymptotic (2.8.4)"}
    if strict and n < 1_000_000:
        return _too_short(name, sec, n, 1_000_000, params)
    N = n // M
    if N == 0:
        return _too_short(name, sec, n, M, params, "fewer bits than one block")
    target = int(b, 2)
    hits = (windows(eps[: N * M], m, wrap=False) == target)
    hits = np.concatenate([hits, np.zeros(m - 1, dtype=bool)]).reshape(N, M)[:, : M - m + 1]
    per_block = hits.sum(axis=1)
    nu = np.bincount(np.minimum(per_block, K), minlength=K + 1)
    pi = overlapping_probabilities(M, m, K, corrected)
    chi2 = overlapping_chi2(nu.tolist(), N, pi)
    p = igamc(K / 2, chi2 / 2)
    return TestResult.from_p_values(name, sec, {"": p}, {"nu": nu.tolist(), "chi2": chi2},
                                    {**params, "N": N}, alpha)


# --------------------------------------------------------------------------- 2.9
#: Section 2.9.4 step 5 table: expectedValue(L) and variance(L) for L = 1..16.
MAURER_EXPECTED = (0.7326495, 1.5374383, 2.4016068, 3.3112247, 4.2534266, 5.2177052,
                   6.1962507, 7.1836656, 8.1764248, 9.1723243, 10.170032, 11.168765,
                   12.168070, 13.167693, 14.167488, 15.167379)
MAURER_VARIANCE = (0.690, 1.338, 1.901, 2.358, 2.705, 2.954, 3.125, 3.238, 3.311, 3.356,
                   3.384, 3.401, 3.410, 3.416, 3.419, 3.421)


def maurer_L(n: int) -> int:
    """L of the section 2.9.7 table: the largest L in 6..16 with n >= 1010 L 2^L.

    The table's thresholds (387,840 for L = 6, 904,960 for L = 7, ...) are
    (Q + K) L with Q = 10 2^L and K = 1000 2^L.  Returns 0 when n < 387,840.

    >>> maurer_L(387_840), maurer_L(904_959), maurer_L(1_048_576), maurer_L(20_431_465)
    (6, 6, 7, 10)
    """
    best = 0
    for L in range(6, 17):
        if n >= 1010 * L * 2**L:
            best = L
    return best


def universal(eps: Bits, L: int | None = None, Q: int | None = None, *,
              strict: bool = True, alpha: float = ALPHA) -> TestResult:
    """Maurer's "universal statistical" test, SP 800-22 rev1a section 2.9.

    L-bit blocks; the first Q initialise the table of last positions, the next
    K = floor(n/L) - Q are tested: f_n = (1/K) sum log2(i - T_j) (i is the 1-based
    block index, T_j = 0 when the pattern has not occurred);
    c = 0.7 - 0.8/L + (4 + 32/L) K^(-3/L) / 15, sigma = c sqrt(variance(L)/K),
    P-value = erfc(|f_n - expectedValue(L)| / (sqrt 2 sigma)).
    Minimum n = 387,840 (section 2.9.7: L = 6); by default L by :func:`maurer_L`
    and Q = 10 2^L.
    """
    name, sec = "universal", "2.9"
    n = eps.size
    if L is None:
        L = maurer_L(n)
        if L == 0:
            return _too_short(name, sec, n, 387_840, {})
    if Q is None:
        Q = 10 * 2**L
    K = n // L - Q
    params = {"L": L, "Q": Q, "K": K}
    if strict and n < 387_840:
        return _too_short(name, sec, n, 387_840, params)
    if K <= 0:
        return _too_short(name, sec, n, (Q + 1) * L, params, "no test blocks")
    weights = 1 << np.arange(L - 1, -1, -1, dtype=np.int64)
    v = (eps[: (Q + K) * L].reshape(Q + K, L).astype(np.int64) * weights).sum(axis=1)
    idx = np.arange(1, Q + K + 1, dtype=np.int64)
    order = np.lexsort((idx, v))
    vs, is_ = v[order], idx[order]
    prev_sorted = np.zeros_like(is_)
    same = vs[1:] == vs[:-1]
    prev_sorted[1:] = np.where(same, is_[:-1], 0)
    prev = np.empty_like(prev_sorted)
    prev[order] = prev_sorted
    dist = idx[Q:] - prev[Q:]
    fn = float(np.log2(dist).sum() / K)
    expected, variance = MAURER_EXPECTED[L - 1], MAURER_VARIANCE[L - 1]
    c = 0.7 - 0.8 / L + (4 + 32 / L) * K ** (-3 / L) / 15
    sigma = c * math.sqrt(variance / K)
    p = float(erfc(abs(fn - expected) / (math.sqrt(2) * sigma)))
    return TestResult.from_p_values(name, sec, {"": p},
                                    {"f_n": fn, "expectedValue": expected, "sigma": sigma},
                                    params, alpha)


# --------------------------------------------------------------------------- 2.10
#: Section 3.10: class probabilities pi_0 .. pi_6 (K = 6), exactly 1/96, 1/32, 1/8, 1/2,
#: 1/4, 1/16, 1/48 (printed as 0.010417, 0.03125, ..., 0.020833).
LINEAR_COMPLEXITY_PI = (1 / 96, 1 / 32, 1 / 8, 1 / 2, 1 / 4, 1 / 16, 1 / 48)
#: The STS 2.1.2 code's table, with pi_0 = 0.01047 (a typo for 0.010417).  The 2.10.8
#: example (chi^2 = 2.700348) and Appendix B were computed with it; kept only to
#: reproduce them.
LINEAR_COMPLEXITY_PI_STS = (0.01047, 0.03125, 0.125, 0.5, 0.25, 0.0625, 0.020833)


def linear_complexity(eps: Bits, M: int = 500, *, strict: bool = True,
                      alpha: float = ALPHA,
                      probabilities: Sequence[float] | None = None) -> TestResult:
    """Linear complexity test, SP 800-22 rev1a section 2.10.

    N = floor(n / M) blocks; L_i by Berlekamp-Massey; mu = M/2 + (9 + (-1)^(M+1))/36
    - (M/3 + 2/9)/2^M; T_i = (-1)^M (L_i - mu) + 2/9; nu_0..nu_6 count T_i in
    (-inf, -2.5], (-2.5, -1.5], ..., (1.5, 2.5], (2.5, inf);
    chi^2(obs) = sum (nu_i - N pi_i)^2 / (N pi_i); P-value = igamc(K/2, chi^2(obs)/2),
    K = 6.  Minimum n = 10^6, 500 <= M <= 5000, N >= 200 (section 2.10.7).
    ``probabilities`` overrides :data:`LINEAR_COMPLEXITY_PI` (e.g. with the STS table).
    """
    name, sec = "linear_complexity", "2.10"
    n = eps.size
    N = n // M
    params = {"M": M, "N": N, "K": 6}
    if strict and (n < 1_000_000 or not 500 <= M <= 5000 or N < 200):
        return _too_short(name, sec, n, 1_000_000, params, "with 500 <= M <= 5000, N >= 200")
    if N == 0:
        return _too_short(name, sec, n, M, params, "fewer bits than one block")
    lc = linear_complexity_batch(eps[: N * M].reshape(N, M))
    mu = M / 2 + (9 + (-1) ** (M + 1)) / 36 - (M / 3 + 2 / 9) / 2**M
    t = (-1) ** M * (lc - mu) + 2 / 9
    edges = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])
    nu = np.bincount(np.searchsorted(edges, t, side="left"), minlength=7)
    pi = np.asarray(probabilities if probabilities is not None else LINEAR_COMPLEXITY_PI)
    chi2 = float((((nu - N * pi) ** 2) / (N * pi)).sum())
    p = igamc(6 / 2, chi2 / 2)
    return TestResult.from_p_values(name, sec, {"": p}, {"nu": nu.tolist(), "chi2": chi2},
                                    params, alpha)


# --------------------------------------------------------------------------- 2.11
def _psi2(eps: Bits, m: int) -> float:
    """psi^2_m = (2^m / n) sum nu_i^2 - n over the wrapped m-bit patterns (section 2.11.4)."""
    if m <= 0:
        return 0.0
    n = eps.size
    nu = np.bincount(windows(eps, m, wrap=True), minlength=2**m).astype(np.float64)
    return float(2**m / n * (nu * nu).sum() - n)


def serial(eps: Bits, m: int = 16, *, strict: bool = True, alpha: float = ALPHA) -> TestResult:
    """Serial test, SP 800-22 rev1a section 2.11.

    del psi^2_m = psi^2_m - psi^2_(m-1); del^2 psi^2_m = psi^2_m - 2 psi^2_(m-1) +
    psi^2_(m-2); P-value1 = igamc(2^(m-2), del psi^2_m / 2), P-value2 =
    igamc(2^(m-3), del^2 psi^2_m / 2).  Section 2.11.7: m < floor(log2 n) - 2.

    >>> r = serial(as_bits("0011011101"), m=3, strict=False)  # section 2.11.4
    >>> r.statistics["del_psi2"], r.statistics["del2_psi2"]
    (1.6, 0.8)
    """
    name, sec = "serial", "2.11"
    n = eps.size
    params = {"m": m}
    if strict and (n < 2 or m >= math.floor(math.log2(n)) - 2):
        return _too_short(name, sec, n, 2 ** (m + 3), params, f"m = {m} needs m < log2(n) - 2")
    psi = [_psi2(eps, m - k) for k in range(3)]
    d1 = round(psi[0] - psi[1], 9)
    d2 = round(psi[0] - 2 * psi[1] + psi[2], 9)
    p1 = igamc(2 ** (m - 2), d1 / 2)
    p2 = igamc(2 ** (m - 3), d2 / 2)
    return TestResult.from_p_values(
        name, sec, {"P-value1": p1, "P-value2": p2},
        {"psi2_m": psi[0], "psi2_m-1": psi[1], "psi2_m-2": psi[2], "del_psi2": d1,
         "del2_psi2": d2}, params, alpha)


# --------------------------------------------------------------------------- 2.12
def _phi(eps: Bits, m: int) -> float:
    n = eps.size
    c = np.bincount(windows(eps, m, wrap=True), minlength=2**m) / n
    c = c[c > 0]
    return float((c * np.log(c)).sum())


def approximate_entropy(eps: Bits, m: int = 10, *, strict: bool = True,
                        alpha: float = ALPHA) -> TestResult:
    """Approximate entropy test, SP 800-22 rev1a section 2.12.

    phi^(m) = sum_i C_i^m ln C_i^m over wrapped m-bit patterns; ApEn(m) = phi^(m) -
    phi^(m+1); chi^2 = 2n (ln 2 - ApEn(m)); P-value = igamc(2^(m-1), chi^2/2).
    Section 2.12.7: m < floor(log2 n) - 5.

    >>> round(approximate_entropy(as_bits("0100110101"), m=3, strict=False).p_value, 6)
    0.261961
    """
    name, sec = "approximate_entropy", "2.12"
    n = eps.size
    params = {"m": m}
    if strict and (n < 2 or m >= math.floor(math.log2(n)) - 5):
        return _too_short(name, sec, n, 2 ** (m + 6), params, f"m = {m} needs m < log2(n) - 5")
    apen = _phi(eps, m) - _phi(eps, m + 1)
    chi2 = 2 * n * (math.log(2) - apen)
    p = igamc(2 ** (m - 1), chi2 / 2)
    return TestResult.from_p_values(name, sec, {"": p}, {"ApEn": apen, "chi2": chi2}, params,
                                    alpha)


# --------------------------------------------------------------------------- 2.13
def cusum_p_value(z: int, n: int) -> float:
    """P-value of section 2.13.4 step 4 for the maximal excursion z of an n-step walk.

    P = 1 - sum_{k=(-n/z+1)/4}^{(n/z-1)/4} [Phi((4k+1)z/sqrt n) - Phi((4k-1)z/sqrt n)]
          + sum_{k=(-n/z-3)/4}^{(n/z-1)/4} [Phi((4k+3)z/sqrt n) - Phi((4k+1)z/sqrt n)],
    summation limits rounded toward zero (the integer division of the STS code).

    >>> round(cusum_p_value(16, 100), 6), round(cusum_p_value(19, 100), 6)  # 2.13.8
    (0.219194, 0.114866)
    """
    if z == 0:
        return 1.0
    sq = math.sqrt(n)

    def lim(num: float) -> int:
        return int(num / 4)  # truncation toward zero

    k1 = np.arange(lim(-n / z + 1), lim(n / z - 1) + 1)
    k2 = np.arange(lim(-n / z - 3), lim(n / z - 1) + 1)
    s1 = (ndtr((4 * k1 + 1) * z / sq) - ndtr((4 * k1 - 1) * z / sq)).sum()
    s2 = (ndtr((4 * k2 + 3) * z / sq) - ndtr((4 * k2 + 1) * z / sq)).sum()
    return float(min(max(1.0 - s1 + s2, 0.0), 1.0))


def cumulative_sums(eps: Bits, *, strict: bool = True, alpha: float = ALPHA) -> TestResult:
    """Cumulative sums (cusum) test, forward and backward, SP 800-22 rev1a section 2.13.

    z = max_k |S_k| of the walk S_k = sum_{i<=k} (2 eps_i - 1), forward (mode 0) and
    on the reversed sequence (mode 1); P-value by :func:`cusum_p_value`.
    Minimum n = 100 (section 2.13.7).
    """
    name, sec = "cumulative_sums", "2.13"
    n = eps.size
    if strict and n < 100:
        return _too_short(name, sec, n, 100, {})
    x = 2 * eps.astype(np.int64) - 1
    zf = int(np.abs(np.cumsum(x)).max())
    zb = int(np.abs(np.cumsum(x[::-1])).max())
    return TestResult.from_p_values(
        name, sec, {"forward": cusum_p_value(zf, n), "backward": cusum_p_value(zb, n)},
        {"z_forward": zf, "z_backward": zb}, {}, alpha)


# --------------------------------------------------------------------------- 2.14
def excursion_probabilities(x: int) -> tuple[float, ...]:
    """pi_k(x), k = 0..5, of section 3.14: the number of visits to state x in a cycle.

    pi_0 = 1 - 1/(2|x|); pi_k = (1/(4x^2)) (1 - 1/(2|x|))^(k-1) for k = 1..4;
    pi_5 = (1/(2|x|)) (1 - 1/(2|x|))^4.

    >>> [round(p, 4) for p in excursion_probabilities(2)]  # section 3.14 table
    [0.75, 0.0625, 0.0469, 0.0352, 0.0264, 0.0791]
    """
    a = abs(x)
    q = 1 - 1 / (2 * a)
    return (q, *((1 / (4 * a * a)) * q ** (k - 1) for k in range(1, 5)), (1 / (2 * a)) * q**4)


def _walk(eps: Bits) -> tuple[NDArray[np.int64], int]:
    s = np.cumsum(2 * eps.astype(np.int64) - 1)
    j = int(np.count_nonzero(s == 0)) + (1 if s.size and s[-1] != 0 else 0)
    return s, j


def _cycles_too_few(name: str, sec: str, n: int, j: int, params: dict[str, Any]) -> TestResult:
    need = max(0.005 * math.sqrt(n), 500)
    reason = (f"J = {j} cycles < {need:g} (section {sec}.7 / the STS constraint "
              "max(0.005 sqrt n, 500)): test not applicable to this stream")
    return TestResult.skipped(name, sec, reason, {**params, "J": j})


def random_excursions(eps: Bits, *, strict: bool = True, alpha: float = ALPHA) -> TestResult:
    """Random excursions test, SP 800-22 rev1a section 2.14.

    Walk S_k; J cycles (zero crossings, with a final one when S_n != 0); for each
    state x in {-4..-1, 1..4}, nu_k(x) = cycles with exactly k visits (k = 0..4) or
    >= 5 (k = 5); chi^2(obs) = sum (nu_k - J pi_k(x))^2 / (J pi_k(x));
    P-value = igamc(5/2, chi^2(obs)/2).  Minimum n = 10^6 (section 2.14.7) and
    J >= max(0.005 sqrt n, 500), otherwise not applicable (SKIPPED).
    """
    name, sec = "random_excursions", "2.14"
    n = eps.size
    if strict and n < 1_000_000:
        return _too_short(name, sec, n, 1_000_000, {})
    s, j = _walk(eps)
    if strict and j < max(0.005 * math.sqrt(n), 500):
        return _cycles_too_few(name, sec, n, j, {})
    if j == 0:
        return _cycles_too_few(name, sec, n, j, {})
    zero = s == 0
    cycle = np.cumsum(zero) - zero
    p_values: dict[str, float] = {}
    chi2s: dict[str, float] = {}
    nus: dict[str, list[int]] = {}
    for x in (-4, -3, -2, -1, 1, 2, 3, 4):
        visits = np.bincount(cycle[s == x], minlength=j)
        nu = np.bincount(np.minimum(visits, 5), minlength=6)
        pi = np.asarray(excursion_probabilities(x))
        chi2 = float((((nu - j * pi) ** 2) / (j * pi)).sum())
        label = f"x={x:+d}"
        nus[label], chi2s[label] = nu.tolist(), chi2
        p_values[label] = igamc(5 / 2, chi2 / 2)
    return TestResult.from_p_values(name, sec, p_values, {"J": j, "nu": nus, "chi2": chi2s},
                                    {}, alpha)


# --------------------------------------------------------------------------- 2.15
def random_excursions_variant(eps: Bits, *, strict: bool = True,
                              alpha: float = ALPHA) -> TestResult:
    """Random excursions variant test, SP 800-22 rev1a section 2.15.

    xi(x) = total visits of the walk to x in {-9..-1, 1..9};
    P-value = erfc(|xi(x) - J| / sqrt(2 J (4|x| - 2))).  Same minimum and cycle
    condition as section 2.14.

    >>> r = random_excursions_variant(as_bits("0110110101"), strict=False)  # 2.15.4
    >>> r.statistics["xi"]["x=+1"], round(r.p_values["x=+1"], 6)
    (4, 0.683091)
    """
    name, sec = "random_excursions_variant", "2.15"
    n = eps.size
    if strict and n < 1_000_000:
        return _too_short(name, sec, n, 1_000_000, {})
    s, j = _walk(eps)
    if (strict and j < max(0.005 * math.sqrt(n), 500)) or j == 0:
        return _cycles_too_few(name, sec, n, j, {})
    counts = np.bincount(s[(s >= -9) & (s <= 9)] + 9, minlength=19)
    p_values: dict[str, float] = {}
    xis: dict[str, int] = {}
    for x in (*range(-9, 0), *range(1, 10)):
        xi = int(counts[x + 9])
        label = f"x={x:+d}"
        xis[label] = xi
        p_values[label] = float(erfc(abs(xi - j) / math.sqrt(2 * j * (4 * abs(x) - 2))))
    return TestResult.from_p_values(name, sec, p_values, {"J": j, "xi": xis}, {}, alpha)


#: The battery in SP 800-22 order: (name, function).
TESTS: tuple[tuple[str, Callable[..., TestResult]], ...] = (
    ("frequency", frequency),
    ("block_frequency", block_frequency),
    ("runs", runs),
    ("longest_run", longest_run),
    ("binary_matrix_rank", binary_matrix_rank),
    ("dft", dft),
    ("non_overlapping_template", non_overlapping_template),
    ("overlapping_template", overlapping_template),
    ("universal", universal),
    ("linear_complexity", linear_complexity),
    ("serial", serial),
    ("approximate_entropy", approximate_entropy),
    ("cumulative_sums", cumulative_sums),
    ("random_excursions", random_excursions),
    ("random_excursions_variant", random_excursions_variant),
)

TEST_NAMES: tuple[str, ...] = tuple(name for name, _ in TESTS)
