"""DEF-VECTORS: generate the test-vector files of spec/vectors/ (one per component), deterministically.

Expected values come from the independent methods of
:mod:`diramp.vectors.independent` (REQ-VECTOR-INDEPENDENT); large extractor
inputs are named DEF-VECTOR-GEN generators (SHAKE-256 of a stated seed) with
the SHA-256 of the output.  ``generate(out_dir)`` writes every file
atomically; running it twice gives byte-identical files.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from diramp.atomic import atomic_write_text
from diramp.errors import InputError
from diramp.exact import decimal_up
from diramp.vectors import independent as ind
from diramp.vectors.common import (
    DIGITS,
    GENERATOR_VERSION,
    SCHEMA_FILE,
    bits_to_hex,
    canonical_json,
    exact,
    interval,
    sha256_bits,
    shake_bits,
)
from diramp.vectors.schema import SCHEMA

F = Fraction
PAPER: dict[str, Any] = {"n": 1342177280, "mu": "0.0075", "sMu": "0.00296", "eps": "1e-12", "epsS": "1e-20",
                         "epsEA": "1e-12"}
SEED_PREFIX = "diramp/vectors/v1/"

COMMON_NOTES = {
    "Kulikov2024": "Parameters of the paper's run (preset kulikov2024, CONV-PRESET-KULIKOV2024): n = 20 * 2^26, "
    "mu = 0.0075, S_mu,obs = 0.00296, eps = 1e-12; eps_s = 1e-20 and eps_EA = 1e-12 are assumed (unpublished).",
    "InvalidParameter": "An input lies outside its valid range; a conforming implementation must reject it "
    "(respond with an error).",
    "ReconstructedEta": "The value depends on eta (THM-1), which the paper defines only by reference to Kessler & "
    "Arnon-Friedman (2020); diramp's eta is a RECONSTRUCTION (spec THM-1-BETA .. THM-1-OPT). An implementation of a "
    "different eta must treat tests with this flag as acceptable (diramp vectors verify --acceptable-flag "
    "ReconstructedEta).",
}


def _file(algorithm: str, header: list[str], notes: dict[str, str], groups: list[dict[str, Any]]) -> dict[str, Any]:
    """Assemble a file: number tests 1.. across groups, check flags are explained."""
    tc = 0
    used: set[str] = set()
    for g in groups:
        for t in g["tests"]:
            tc += 1
            t["tcId"] = tc
            used.update(t["flags"])
    missing = used - set(notes)
    if missing:
        raise AssertionError(f"flags without a note: {sorted(missing)}")
    ordered = []
    for g in groups:
        tests = [{"tcId": t["tcId"], **{k: v for k, v in t.items() if k != "tcId"}} for t in g["tests"]]
        ordered.append({**{k: v for k, v in g.items() if k != "tests"}, "tests": tests})
    return {
        "algorithm": algorithm,
        "schema": SCHEMA_FILE,
        "generatorVersion": GENERATOR_VERSION,
        "numberOfTests": tc,
        "header": header,
        "notes": {k: notes[k] for k in sorted(used)},
        "testGroups": ordered,
    }


def _test(comment: str, flags: list[str], inp: dict[str, Any], expected: dict[str, Any], result: str,
          **extra: Any) -> dict[str, Any]:
    return {"tcId": 0, "comment": comment, "flags": flags, "input": inp, **extra, "expected": expected,
            "result": result}


def _invalid(comment: str, flags: list[str], inp: dict[str, Any], param: str) -> dict[str, Any]:
    return _test(comment, ["InvalidParameter", *flags], inp, {"error": param}, "invalid")


# ---------------------------------------------------------------- sv_bounds


def sv_bounds() -> dict[str, Any]:
    """DEF-SV-PAIR and THM-SV-SEED vectors, exact Fractions and an independently rounded interval."""
    notes = dict(COMMON_NOTES)
    notes.update({
        "Zero": "mu = 0: a perfect source; mu_min = mu_max = 1/4 and H_min = d exactly.",
        "NearHalf": "mu just below 1/2: valid, tiny mu_min.",
        "NonDecimal": "mu is not a terminating decimal; only the rational form is exact.",
        "LargeD": "d = 2n at paper scale.",
        "MuHalf": "mu = 1/2 is excluded (a deterministic source): DEF-SV requires mu < 1/2.",
        "MuNegative": "mu < 0 is meaningless (mu is a distance from 1/2).",
        "DNegative": "d must be a non-negative bit count.",
    })
    cases: list[tuple[str, int, list[str], str]] = [
        ("0", 10, ["Zero"], "mu = 0"),
        ("0.0075", 2 * PAPER["n"], ["Kulikov2024", "LargeD"], "paper: mu = 0.75 %, d = 2n"),
        ("0.0075", 1, ["Kulikov2024"], "paper mu, one bit"),
        ("0.01", 1000, [], "mu = 1 %"),
        ("1/1000000", 64, [], "tiny bias"),
        ("1/3", 7, ["NonDecimal"], "mu = 1/3"),
        ("0.25", 100, [], "mu = 1/4: p in [1/16, 9/16]"),
        ("0.4999", 3, ["NearHalf"], "mu = 0.4999"),
        ("499999/1000000", 2, ["NearHalf"], "mu = 1/2 - 10^-6"),
        ("0.1", 0, [], "d = 0: no entropy"),
    ]
    tests = []
    for mu_s, d, flags, comment in cases:
        mu = F(mu_s)
        lo, hi = ind.sv_pair_bounds(mu)
        h_lo, h_hi = ind.seed_entropy_bounds(d, mu)
        tests.append(_test(comment, flags, {"mu": mu_s, "d": d}, {
            "muMin": exact(lo), "muMax": exact(hi), "seedMinEntropy": interval(h_lo, h_hi)}, "valid"))
    tests += [
        _invalid("mu = 1/2", ["MuHalf"], {"mu": "0.5", "d": 10}, "mu"),
        _invalid("mu = 3/4", ["MuHalf"], {"mu": "3/4", "d": 10}, "mu"),
        _invalid("mu = -0.001", ["MuNegative"], {"mu": "-0.001", "d": 10}, "mu"),
        _invalid("mu = -1/3", ["MuNegative"], {"mu": "-1/3", "d": 10}, "mu"),
        _invalid("d = -1", ["DNegative"], {"mu": "0.01", "d": -1}, "d"),
    ]
    header = [
        "DEF-SV-PAIR: mu_min = (1/2 - mu)^2, mu_max = (1/2 + mu)^2, exact (rational p/q and exact decimal).",
        "THM-SV-SEED: H_min(Z) >= d log2(1/(1/2 + mu)) for d mu-SV bits, as an enclosure {lo, hi}: lo rounded "
        f"down, hi rounded up, {DIGITS} significant digits.",
    ]
    group = {"type": "SvBounds", "parameters": {}, "rounding": {"seedMinEntropy.lo": "down", "seedMinEntropy.hi": "up"},
             "tests": tests}
    return _file("SV-BOUNDS", header, notes, [group])


# ---------------------------------------------------------------- mdl_statistics


def _counts(**kw: int) -> dict[str, int]:
    out = dict.fromkeys(ind.KEYS, 0)
    for k, v in kw.items():
        out[k.lstrip("c")] = v
    return out


def _depolarised_counts(n: int, chsh: Fraction, mu: Fraction) -> dict[str, int]:
    """Expected counts of CONV-DEPOL with uniform inputs, rounded to integers (a realistic table)."""
    e = chsh / 4
    out = {}
    for k in ind.KEYS:
        a, b, x, y = (int(c) for c in k)
        sign = -1 if (x, y) == (1, 1) else 1
        p = (1 + (1 if a == b else -1) * sign * e) / 16
        out[k] = round(n * p)
    return out


def mdl_statistics() -> dict[str, Any]:
    """DEF-MDL / DEF-SOBS / DEF-CHSH vectors: S_mu,obs and CHSH by exact Fractions straight from eq. (4)."""
    notes = dict(COMMON_NOTES)
    notes.update({
        "LocalStrategy": "Counts of a deterministic local strategy (a = x, b = 1 - y): S_mu,obs = 0, CHSH = 2.",
        "NegativeS": "Counts with S_mu,obs < 0 (the protocol would abort, Box I step 2).",
        "MissingSetting": "No trial has one of the four input pairs (x, y): S_mu,obs is defined, CHSH is not.",
        "NegativeCount": "A count is negative.",
        "ZeroTrials": "All counts are zero: no statistic is defined.",
        "DigitOrder": "Reading the keys as xyab instead of abxy gives a different value (DEF-MDL digit order).",
        "PaperScale": "Counts of the depolarised model (CONV-DEPOL) at n = 20 * 2^26, CHSH 2.271, rounded.",
        "MuInvalid": "mu outside [0, 1/2).",
    })
    cases: list[tuple[str, list[str], dict[str, int], str]] = [
        ("positive events only", [], _counts(c0000=3, c0101=1), "0"),
        ("uniform counts", [], dict.fromkeys(ind.KEYS, 5), "0.0075"),
        ("local strategy a = x, b = 1 - y", ["LocalStrategy"], _counts(c0100=7, c0001=5, c1110=6, c1011=4), "0.01"),
        ("negative S", ["NegativeS"], _counts(c0101=4, c1010=3, c0011=2, c0000=1, c1111=2), "0.0075"),
        ("digit order matters", ["DigitOrder"], _counts(c0001=9, c0100=2, c0000=3, c1010=1, c0111=5, c1100=4), "0.02"),
        ("paper scale, depolarised CHSH 2.271", ["PaperScale", "Kulikov2024"],
         _depolarised_counts(1342177280, F("2.271"), F("0.0075")), "0.0075"),
        ("missing setting x = y = 1", ["MissingSetting"], _counts(c0000=10, c0101=2, c1001=3, c0010=4, c1110=1),
         "1/3"),
    ]
    s_tests, c_tests = [], []
    for comment, flags, counts, mu_s in cases:
        s = ind.s_mu_formula(counts, F(mu_s))
        s_tests.append(_test(comment, flags, {"counts": counts, "mu": mu_s}, {"sMuObs": exact(s)}, "valid"))
        e = ind.correlators_formula(counts)
        if e is None:
            c_tests.append(_invalid(comment, flags, {"counts": counts}, "counts"))
        else:
            ch = ind.chsh_formula(counts)
            assert ch is not None
            c_tests.append(_test(comment, flags, {"counts": counts}, {
                "chsh": exact(ch), "correlators": {k: exact(v) for k, v in e.items()}}, "valid"))
    neg = _counts(c0000=5, c0101=-1, c1010=2, c0011=1)
    zero = _counts()
    s_tests += [
        _invalid("negative count", ["NegativeCount"], {"counts": neg, "mu": "0.01"}, "counts"),
        _invalid("zero trials", ["ZeroTrials"], {"counts": zero, "mu": "0.01"}, "counts"),
        _invalid("mu = 1/2", ["MuInvalid"], {"counts": dict.fromkeys(ind.KEYS, 1), "mu": "0.5"}, "mu"),
    ]
    c_tests += [
        _invalid("negative count", ["NegativeCount"], {"counts": neg}, "counts"),
        _invalid("zero trials", ["ZeroTrials"], {"counts": zero}, "counts"),
    ]
    header = [
        "DEF-MDL, DEF-SOBS: S_mu,obs = (mu_min N(0000) - mu_max (N(0101) + N(1010) + N(0011))) / n, exact.",
        "DEF-CHSH: CHSH = E00 + E01 + E10 - E11, E_xy = (N(a=b|xy) - N(a!=b|xy)) / N(xy), exact.",
        "Count keys are 4-digit strings in the digit order a, b, x, y (flat index 8a + 4b + 2x + y).",
    ]
    groups = [
        {"type": "MdlStatistic", "parameters": {"operation": "s_mu", "keyOrder": "abxy"}, "tests": s_tests},
        {"type": "ChshStatistic", "parameters": {"operation": "chsh", "keyOrder": "abxy"}, "tests": c_tests},
    ]
    return _file("MDL-STATISTICS", header, notes, groups)


# ---------------------------------------------------------------- eta


def _eta_expected(eps_s: Fraction, eps_ea: Fraction, s: Fraction, n: int, mu: Fraction) -> tuple[dict[str, Any], str]:
    from diramp.entropy import eta

    r = eta(n, mu, s, eps_s, eps_ea)
    p = ind.to_frac(ind.eta_point(eps_s, eps_ea, s, n, mu))
    if not r.lo - abs(p) * F(1, 10**28) <= p <= r.hi + abs(p) * F(1, 10**28):
        raise AssertionError(f"eta enclosure [{float(r.lo)}, {float(r.hi)}] misses the mpmath value {float(p)}")
    where = "LastPiece" if r.t == s else "InteriorPiece"
    return {"eta": interval(r.lo, r.hi), "t": interval(r.t, r.t), "k": r.k}, where


def eta_file() -> dict[str, Any]:
    """THM-1 (reconstructed) vectors: the interval code is the reference, cross-checked in plain mpmath."""
    notes = dict(COMMON_NOTES)
    notes.update({
        "NegativeEta": "n too small: the second-order term dominates and eta < 0 (valid; m will be 0).",
        "LastPiece": "The maximum sits at t = S (the last piece of constant k).",
        "InteriorPiece": "The maximum sits at t = t_k < S, the end of an earlier piece (THM-1-OPT).",
        "MuZero": "mu = 0: g is the closed CHSH curve.",
        "SNonPositive": "S_mu <= 0 certifies no entropy; eta is undefined.",
        "NZero": "n must be >= 1.",
    })
    P = PAPER
    cases: list[tuple[str, list[str], tuple[Any, ...]]] = [
        ("paper parameters", ["Kulikov2024"], (P["epsS"], P["epsEA"], P["sMu"], P["n"], P["mu"])),
        ("paper, eps_s = 1e-13", ["Kulikov2024"], ("1e-13", P["epsEA"], P["sMu"], P["n"], P["mu"])),
        ("paper, S = 0.002955", ["Kulikov2024"], (P["epsS"], P["epsEA"], "0.002955", P["n"], P["mu"])),
        ("mu = 0, CHSH 2.8", ["MuZero"], ("1/100", "1/2", "1/80", 2**16, "0")),
        ("mu = 0, near Tsirelson", ["MuZero"], ("1e-10", "1e-6", "0.0129", 10**9, "0")),
        ("mu = 1 %, small n", ["NegativeEta"], ("1e-6", "1e-6", "0.005", 1000, "0.01")),
        ("tiny S", [], ("1e-9", "1e-9", "1e-7", 10**12, "0.001")),
        ("mu = 0.1", [], ("1e-8", "1e-8", "0.001", 10**10, "0.1")),
    ]
    tests = []
    for comment, flags, (es, ea, s, n, mu) in cases:
        exp, where = _eta_expected(F(es), F(ea), F(s), n, F(mu))
        tests.append(_test(comment, ["ReconstructedEta", where, *flags],
                           {"epsS": es, "epsEA": ea, "sMu": s, "n": n, "mu": mu}, exp, "valid"))
    tests += [
        _invalid("S = 0", ["SNonPositive"], {"epsS": "1e-6", "epsEA": "1e-6", "sMu": "0", "n": 1000, "mu": "0"},
                 "S_mu"),
        _invalid("S < 0", ["SNonPositive"], {"epsS": "1e-6", "epsEA": "1e-6", "sMu": "-0.001", "n": 1000,
                                            "mu": "0"}, "S_mu"),
        _invalid("n = 0", ["NZero"], {"epsS": "1e-6", "epsEA": "1e-6", "sMu": "0.001", "n": 0, "mu": "0"}, "n"),
    ]
    header = [
        "THM-1: eta(eps_s, eps_EA, S_mu, n, mu) as a rigorous enclosure {lo (rounded down), hi (rounded up)}, "
        f"{DIGITS} significant digits; t = tangent point of the lower bound (THM-1-TANGENT), k = ceil(mu_max g'(t)).",
        "eta is diramp's RECONSTRUCTION (THM-1-BETA .. THM-1-OPT): the interval code of diramp.entropy is the "
        "reference; the generator re-derives the maximum in plain mpmath and checks it lies in the enclosure.",
    ]
    group = {"type": "Eta", "parameters": {},
             "tolerance": {"eta": "1e-25", "t": "1e-25"},
             "rounding": {"eta.lo": "down", "eta.hi": "up", "t": "t.lo = t.hi = the tangent point, exact to "
                          f"{DIGITS} digits (lo down, hi up)"},
             "tests": tests}
    return _file("ETA-RECONSTRUCTED", header, notes, [group])


# ---------------------------------------------------------------- output_length


def _length_expected(res: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    """Render a LengthResult; cross-check m against plain mpmath (REQ-VECTOR-INDEPENDENT)."""
    exp: dict[str, Any] = {"m": res.m}
    if res.eta is not None:
        exp["mPrime"] = interval(res.m_prime_lo, res.m_prime_hi)
        point = ind.m_prime_point(inputs["n"], F(inputs["mu"]), res.eta.lo, F(inputs["eps"]), F(inputs["epsS"]),
                                  res.variant)
        f = ind.floor_unless_close(point)
        if f is not None and max(f, 0) != res.m:
            raise AssertionError(f"m cross-check failed: interval chain {res.m}, mpmath {f}")
    else:
        exp["mPrime"] = None
    exp["epsAchieved"] = None if res.eps_achieved is None else decimal_up(res.eps_achieved, 15)
    return exp


def output_length() -> dict[str, Any]:
    """THM-5 / THM-5-DERIVED / THM-6 vectors, both variants (CONV-VARIANT); the interval chain is the reference."""
    from diramp.length import VARIANTS, Grid, theorem5, theorem6

    notes = dict(COMMON_NOTES)
    notes.update({
        "AsPrintedMissesEps": "as_printed m for which Theorems 2-4 certify only a larger eps than claimed "
        "(THM-5): an implementation may output this m or refuse it; both are acceptable.",
        "SNonPositive": "S_mu <= 0: no entropy is certified, m = 0 (the protocol aborts).",
        "BelowFirstGridPoint": "S_mu,obs < Delta S: bin 0, m = 0 (THM-6-GRID).",
        "AboveSmax": "S_mu,obs >= S_max: the grid value is capped at S_max (THM-6-GRID).",
        "OnGridPoint": "S_mu,obs exactly on a grid point.",
        "EpsBudget": "eps <= 6 eps_s: Theorem 5 needs 6 eps_s < eps.",
        "NZero": "n must be >= 1.",
        "AboveQuantumMax": "S_mu exceeds the quantum maximum mu_min mu_max (sqrt 2 - 1)/2 (CONV-SMAX).",
        "SmallN": "n so small that m = 0 although S_mu > 0.",
    })
    P = PAPER
    t5_cases: list[tuple[str, list[str], dict[str, Any]]] = [
        ("paper parameters", ["Kulikov2024"], dict(P)),
        ("paper, eps_s = 1e-13", ["Kulikov2024"], {**P, "epsS": "1e-13"}),
        ("paper, eps_EA = 1e-6", ["Kulikov2024"], {**P, "epsEA": "1e-6"}),
        ("mu = 0, n = 2^16, loose eps", [], {"n": 2**16, "mu": "0", "sMu": "1/80", "eps": "1/2", "epsS": "1/100",
                                             "epsEA": "1/2"}),
        ("mu = 1 %, n = 10^9", [], {"n": 10**9, "mu": "0.01", "sMu": "0.004", "eps": "1e-10", "epsS": "1e-12",
                                     "epsEA": "1e-10"}),
        ("small n", ["SmallN"], {"n": 1000, "mu": "0.0075", "sMu": "0.00296", "eps": "1e-6", "epsS": "1e-8",
                                  "epsEA": "1e-6"}),
        ("S = 0", ["SNonPositive"], {**P, "sMu": "0"}),
        ("S < 0", ["SNonPositive"], {**P, "sMu": "-0.001"}),
    ]
    t5_invalid: list[tuple[str, list[str], dict[str, Any], str]] = [
        ("eps = 6 eps_s", ["EpsBudget"], {**P, "eps": "6e-13", "epsS": "1e-13"}, "eps_s"),
        ("eps < 6 eps_s", ["EpsBudget"], {**P, "eps": "1e-12", "epsS": "1e-12"}, "eps_s"),
        ("n = 0", ["NZero"], {**P, "n": 0}, "n"),
        ("S above the quantum maximum", ["AboveQuantumMax"], {**P, "sMu": "0.013"}, "S_mu"),
    ]
    # Theorem 6: paper grid Delta S = 0.0000125, M = 1000 (assumed), so S_max = 0.0125.
    grid = {"sMax": "0.0125", "bins": 1000}
    t6_cases: list[tuple[str, list[str], dict[str, Any]]] = [
        ("paper parameters, assumed grid", ["Kulikov2024"],
         {"n": P["n"], "mu": P["mu"], "sObs": P["sMu"], "eps": P["eps"], "epsS": P["epsS"], "epsEA": None, **grid}),
        ("paper, S_obs on a grid point", ["Kulikov2024", "OnGridPoint"],
         {"n": P["n"], "mu": P["mu"], "sObs": "0.0029625", "eps": P["eps"], "epsS": P["epsS"], "epsEA": None,
          **grid}),
        ("paper, eps_EA given separately", ["Kulikov2024"],
         {"n": P["n"], "mu": P["mu"], "sObs": P["sMu"], "eps": P["eps"], "epsS": P["epsS"], "epsEA": "1e-6",
          **grid}),
        ("S_obs below the first grid point", ["BelowFirstGridPoint"],
         {"n": P["n"], "mu": P["mu"], "sObs": "0.00001", "eps": P["eps"], "epsS": P["epsS"], "epsEA": None, **grid}),
        ("S_obs < 0", ["SNonPositive"],
         {"n": P["n"], "mu": P["mu"], "sObs": "-0.0001", "eps": P["eps"], "epsS": P["epsS"], "epsEA": None, **grid}),
        ("S_obs above S_max (capped)", ["AboveSmax"],
         {"n": 2**16, "mu": "0", "sObs": "0.0128", "eps": "1/2", "epsS": "1/100", "epsEA": None,
          "sMax": "1/80", "bins": 100}),
    ]
    t6_invalid: list[tuple[str, list[str], dict[str, Any], str]] = [
        ("eps = 6 eps_s", ["EpsBudget"],
         {"n": P["n"], "mu": P["mu"], "sObs": P["sMu"], "eps": "6e-13", "epsS": "1e-13", "epsEA": None, **grid},
         "eps_s"),
        ("n = 0", ["NZero"],
         {"n": 0, "mu": P["mu"], "sObs": P["sMu"], "eps": P["eps"], "epsS": P["epsS"], "epsEA": None, **grid}, "n"),
        ("S_max above the quantum maximum", ["AboveQuantumMax"],
         {"n": P["n"], "mu": P["mu"], "sObs": "0.02", "eps": P["eps"], "epsS": P["epsS"], "epsEA": None,
          "sMax": "0.02", "bins": 100}, "S_mu"),
    ]
    groups = []
    for variant in VARIANTS:
        tests = []
        for comment, flags, inp in t5_cases:
            r = theorem5(inp["n"], F(inp["mu"]), F(inp["sMu"]), F(inp["eps"]), F(inp["epsS"]), F(inp["epsEA"]),
                         variant=variant)
            exp = _length_expected(r, inp)
            fl = list(flags) + (["ReconstructedEta"] if r.eta is not None else [])
            result = "valid"
            if not r.meets_claim:
                fl.append("AsPrintedMissesEps")
                result = "acceptable"
            tests.append(_test(comment, fl, inp, exp, result))
        tests += [_invalid(c, f, i, p) for c, f, i, p in t5_invalid]
        groups.append({"type": "Theorem5", "parameters": {"theorem": 5, "variant": variant},
                       "tolerance": {"mPrime": "1e-20"}, "tests": tests})
    for variant in VARIANTS:
        tests = []
        for comment, flags, inp in t6_cases:
            ea = None if inp["epsEA"] is None else F(inp["epsEA"])
            a = theorem6(inp["n"], F(inp["mu"]), F(inp["sObs"]), F(inp["eps"]), F(inp["epsS"]), ea,
                         grid=Grid(F(inp["sMax"]), inp["bins"]), variant=variant)
            exp = _length_expected(a.length, inp)
            exp["sGrid"] = exact(a.s_grid)
            exp["bin"] = a.bin_index
            want = ind.eps_protocol_point(variant, F(inp["eps"]), F(inp["epsS"]), ea, inp["bins"])
            if not abs(a.eps_protocol - ind.to_frac(want)) <= a.eps_protocol * F(1, 10**13):
                raise AssertionError(f"epsTotal cross-check failed: {float(a.eps_protocol)} vs {float(want)}")
            exp["epsTotal"] = decimal_up(a.eps_protocol, 15)
            fl = list(flags) + (["ReconstructedEta"] if a.length.eta is not None else [])
            result = "valid"
            if not a.length.meets_claim:
                fl.append("AsPrintedMissesEps")
                result = "acceptable"
            tests.append(_test(comment, fl, inp, exp, result))
        tests += [_invalid(c, f, i, p) for c, f, i, p in t6_invalid]
        groups.append({"type": "Theorem6", "parameters": {"theorem": 6, "variant": variant},
                       "tolerance": {"mPrime": "1e-20"}, "tests": tests})
    header = [
        "THM-5 (as_printed: eq. 18 verbatim) and THM-5-DERIVED (derived: what Theorems 2-4 give, optimal "
        "CONV-EPS-ALLOC split); THM-6 with the grid (S_max, M), Delta S = S_max / M (THM-6-GRID).",
        "m = max(floor(lower end of m'), 0) (CONV-ROUNDING); mPrime is an enclosure (lo down, hi up); epsAchieved "
        "and epsTotal are upper bounds rounded up to 15 significant digits (epsAchieved null when m = 0); "
        "epsTotal is the protocol-level eps of Theorem 6, M * max(worst-bin eps achieved, eps_EA) (THM-6-EPS).",
        "Reference: diramp's interval chain (diramp.length); each m is cross-checked against a plain mpmath "
        "evaluation of m' from eta's lower end. epsEA = null in Theorem 6 means eps_EA = eps (eq. 21).",
    ]
    return _file("OUTPUT-LENGTH", header, notes, groups)


# ---------------------------------------------------------------- extractor


def _bits_obj(bits: Any) -> dict[str, Any]:
    return {"hex": bits_to_hex(bits), "bitLength": len(bits)}


def _gen_obj(seed: str, nbits: int) -> dict[str, Any]:
    return {"generator": "SHAKE-256", "seed": seed, "bitLength": nbits}


def extractor() -> dict[str, Any]:
    """DEF-EXT vectors: outputs from the galois GF(2) reference or the integer loop (never the FFT path)."""
    notes = dict(COMMON_NOTES)
    notes.update({
        "WorkedExample": "The worked example of spec/extractor.md (N = 8, m = 3).",
        "SingleBit": "N = 1 (the smallest input).",
        "FullLength": "m = N (every lag).",
        "SingleLag": "m = 1.",
        "PowerOfTwoBoundary": "N = 2^k - 1, 2^k or 2^k + 1.",
        "AllZeros": "x and y all zeros: the output is all zeros.",
        "AllOnes": "x and y all ones: Ext[s] = (N - s) mod 2.",
        "SingleOne": "x and/or y has a single 1 bit: the output exposes the shift direction and bit order.",
        "Random": "x and y from DEF-VECTOR-GEN (SHAKE-256 of the seed named in the comment), given in full.",
        "Generated": "Large x and y are DEF-VECTOR-GEN generators; the output is given by its SHA-256 (of the "
        "packed output, MSB-first, zero padding) and computed by the integer loop.",
        "MTooLarge": "m > N.",
        "MZero": "m = 0.",
        "UnequalLengths": "len(x) != len(y).",
        "EmptyInput": "N = 0.",
    })

    def full(comment: str, flags: list[str], x: Any, y: Any, m: int) -> dict[str, Any]:
        xb, yb = np.asarray(x, np.uint8), np.asarray(y, np.uint8)
        out, how = ind.extract_reference(xb, yb, m)
        return _test(comment, flags, {"x": _bits_obj(xb), "y": _bits_obj(yb), "m": m},
                     {"out": _bits_obj(out)}, "valid", reference=how)

    def rnd(label: str, n: int) -> tuple[Any, Any, str]:
        sx, sy = f"{SEED_PREFIX}extractor/{label}/x", f"{SEED_PREFIX}extractor/{label}/y"
        return shake_bits(sx, n), shake_bits(sy, n), f"x = SHAKE-256({sx!r}), y = SHAKE-256({sy!r})"

    small = [
        full("spec/extractor.md worked example", ["WorkedExample"], [1, 0, 1, 1, 0, 1, 0, 0],
             [1, 1, 0, 1, 0, 0, 1, 0], 3),
        full("N = 1, x = y = 1", ["SingleBit", "FullLength"], [1], [1], 1),
        full("N = 1, x = 1, y = 0", ["SingleBit", "FullLength"], [1], [0], 1),
        full("N = 1, x = 0, y = 1", ["SingleBit", "FullLength"], [0], [1], 1),
    ]
    for n in (8, 13, 64):
        small.append(full(f"all zeros, N = {n}", ["AllZeros", "FullLength"], [0] * n, [0] * n, n))
        small.append(full(f"all ones, N = {n}", ["AllOnes", "FullLength"], [1] * n, [1] * n, n))
    for n, i, j in ((8, 0, 0), (8, 7, 0), (8, 0, 7), (16, 5, 2), (16, 2, 5), (17, 16, 0), (33, 20, 3)):
        x, y = [0] * n, [0] * n
        x[i], y[j] = 1, 1
        small.append(full(f"single ones: N = {n}, x[{i}] = 1, y[{j}] = 1", ["SingleOne", "FullLength"], x, y, n))
    n = 12
    small.append(full("single one in x only (y all ones), N = 12", ["SingleOne", "FullLength"],
                      [0] * 5 + [1] + [0] * 6, [1] * n, n))
    for k in (3, 4, 5, 6, 7, 8, 9, 10):
        for n in (2**k - 1, 2**k, 2**k + 1):
            x, y, how = rnd(f"N{n}", n)
            m = n if n <= 513 else 64
            fl = ["PowerOfTwoBoundary", "Random"] + (["FullLength"] if m == n else [])
            small.append(full(f"N = {n}, m = {m}; {how}", fl, x, y, m))
    x, y, how = rnd("N100m1", 100)
    small.append(full(f"m = 1, N = 100; {how}", ["Random", "SingleLag"], x, y, 1))
    invalid = [
        _invalid("m = N + 1", ["MTooLarge"], {"x": _bits_obj([1, 0, 1]), "y": _bits_obj([0, 1, 1]), "m": 4}, "m"),
        _invalid("m = 0", ["MZero"], {"x": _bits_obj([1, 0, 1]), "y": _bits_obj([0, 1, 1]), "m": 0}, "m"),
        _invalid("len(x) = 8, len(y) = 9", ["UnequalLengths"],
                 {"x": _bits_obj([1] * 8), "y": _bits_obj([1] * 9), "m": 1}, "x, y"),
        _invalid("N = 0", ["EmptyInput"], {"x": {"hex": "", "bitLength": 0}, "y": {"hex": "", "bitLength": 0},
                                           "m": 1}, "x, y"),
    ]
    large = []
    from diramp.extractor.reference import extract_loop

    for n, m in ((2**16 - 1, 2**12), (2**16 + 1, 777), (2**14 + 1, 2**14 + 1), (3 * 2**18 + 7, 1000), (2**20, 2048)):
        label = f"N{n}m{m}"
        sx, sy = f"{SEED_PREFIX}extractor/{label}/x", f"{SEED_PREFIX}extractor/{label}/y"
        out = extract_loop(shake_bits(sx, n), shake_bits(sy, n), m)
        large.append(_test(f"N = {n}, m = {m}", ["Generated"] + (["FullLength"] if m == n else []),
                           {"x": _gen_obj(sx, n), "y": _gen_obj(sy, n), "m": m},
                           {"outSha256": sha256_bits(out), "outBitLength": m}, "valid", reference="loop"))
    header = [
        "DEF-EXT: Ext(x, y)[s] = XOR_{j=0}^{N-1-s} x[j+s] AND y[j], s = 0 .. m-1 (non-cyclic right shifts).",
        "Bit strings: hex of the packed bytes, MSB-first within each byte (CONV-BITORDER), unused low bits of "
        "the last byte zero, with bitLength. In the protocol x = AB and y = Z (CONV-EXT-ARGS).",
        "DEF-VECTOR-GEN: a generator {generator: SHAKE-256, seed, bitLength} denotes the first bitLength bits, "
        "MSB-first, of SHAKE-256(UTF-8 bytes of seed).",
        "Expected outputs: the galois GF(2) matrix reference (cross-checked by the integer loop) or the integer "
        "loop over lags; never the FFT path (REQ-VECTOR-INDEPENDENT). 'reference' names the method.",
    ]
    groups = [
        {"type": "ExtractorFull", "parameters": {"bitOrder": "msb-first"}, "tests": small + invalid},
        {"type": "ExtractorGenerated", "parameters": {"bitOrder": "msb-first"}, "tests": large},
    ]
    return _file("EXTRACTOR-THM2", header, notes, groups)


# ---------------------------------------------------------------- circulant


def circulant() -> dict[str, Any]:
    """DEF-CIRC vectors (Foreman et al. 2025): outputs from the galois GF(2) circulant matrix or the integer loop."""
    from diramp.extractor.circulant import circulant_loop, circulant_prime

    notes = dict(COMMON_NOTES)
    notes.update({
        "WorkedExample": "The worked example of spec/circulant.md (p = 5, N = 4, m = 4).",
        "PeerCase": "A test case of cryptomite's own test suite (test/test_circulant.py, prime seed length): an "
        "external implementation's answer.",
        "FullLength": "m = p - 1 (every output bit).",
        "SingleBit": "m = 1.",
        "Padded": "x shorter than p - 1 bits (zero-padded to p - 1, CONV-CIRC-ARGS).",
        "SingleOne": "x has a single 1 bit: the output is y rotated, exposing the wrap and the direction.",
        "AllOnes": "y all ones: every output bit is the parity of x.",
        "NonPrimitive": "2 is not a primitive root mod p: DEF-CIRC is defined, but not the protocol's p "
        "(CONV-CIRC-PRIME).",
        "ProtocolPrime": "p = the protocol's prime for N = len(x) (CONV-CIRC-PRIME).",
        "Random": "x and y from DEF-VECTOR-GEN (SHAKE-256 of the seed named in the comment), given in full.",
        "Generated": "Large x and y are DEF-VECTOR-GEN generators; the output is given by its SHA-256 (of the packed "
        "output, MSB-first, zero padding) and computed by the integer loop.",
        "NotPrime": "len(y) is not a prime.",
        "XTooLong": "len(x) >= p.",
        "MOutOfRange": "m = 0 or m >= p.",
    })

    def full(comment: str, flags: list[str], x: Any, y: Any, m: int) -> dict[str, Any]:
        xb, yb = np.asarray(x, np.uint8), np.asarray(y, np.uint8)
        out, how = ind.circulant_reference(xb, yb, m)
        return _test(comment, flags, {"x": _bits_obj(xb), "y": _bits_obj(yb), "m": m},
                     {"out": _bits_obj(out)}, "valid", reference=how)

    def rnd(label: str, nx: int, p: int) -> tuple[Any, Any, str]:
        sx, sy = f"{SEED_PREFIX}circulant/{label}/x", f"{SEED_PREFIX}circulant/{label}/y"
        return shake_bits(sx, nx), shake_bits(sy, p), f"x = SHAKE-256({sx!r}), y = SHAKE-256({sy!r})"

    small = [
        full("spec/circulant.md worked example", ["WorkedExample", "FullLength"], [1, 0, 1, 1], [1, 1, 0, 1, 0], 4),
        full("cryptomite test case 1 (n_1 = 2, m = 1)", ["PeerCase", "SingleBit"], [0, 1], [1, 1, 1], 1),
        full("cryptomite test case 2 (n_1 = 2, m = 2)", ["PeerCase", "FullLength"], [1, 0], [1, 1, 0], 2),
        full("cryptomite test case 3 (n_1 = 2, m = 2)", ["PeerCase", "FullLength"], [0, 1], [0, 0, 0], 2),
    ]
    for p, k, j in ((5, 3, 0), (11, 7, 1), (13, 0, 12), (13, 11, 5)):
        x, y = [0] * (p - 1), [0] * p
        x[k], y[j] = 1, 1
        small.append(full(f"single ones: p = {p}, x[{k}] = 1, y[{j}] = 1", ["SingleOne", "FullLength"], x, y, p - 1))
    for p in (5, 11, 29):
        x, _, how = rnd(f"ones{p}", p - 1, p)
        small.append(full(f"y all ones, p = {p}; x from {how.split(',')[0]}", ["AllOnes", "FullLength"], x,
                          [1] * p, p - 1))
    for p in (3, 5, 7, 11, 13, 17, 19, 23, 29, 101, 127, 257, 509, 1019, 1031):
        flags = ["Random", "FullLength"] + ([] if circulant_prime(p - 1) == p else ["NonPrimitive"])
        x, y, how = rnd(f"p{p}", p - 1, p)
        m = p - 1 if p <= 257 else 200
        if m != p - 1:
            flags.remove("FullLength")
        small.append(full(f"p = {p}, m = {m}; {how}", flags, x, y, m))
    for nx in (1, 10, 60):
        p = circulant_prime(nx)
        x, y, how = rnd(f"pad{nx}", nx, p)
        small.append(full(f"N = {nx} padded to p - 1 = {p - 1} (protocol prime), m = {p - 1}; {how}",
                          ["Padded", "ProtocolPrime", "FullLength", "Random"], x, y, p - 1))
    invalid = [
        _invalid("len(y) = 4 (not prime)", ["NotPrime"], {"x": _bits_obj([1, 0, 1]), "y": _bits_obj([1, 1, 0, 1]),
                                                          "m": 1}, "len(y) = p"),
        _invalid("len(y) = 9 (not prime)", ["NotPrime"], {"x": _bits_obj([1] * 8), "y": _bits_obj([1] * 9), "m": 1},
                 "len(y) = p"),
        _invalid("len(x) = p = 5", ["XTooLong"], {"x": _bits_obj([1] * 5), "y": _bits_obj([1] * 5), "m": 1}, "x"),
        _invalid("m = 0", ["MOutOfRange"], {"x": _bits_obj([1] * 4), "y": _bits_obj([1] * 5), "m": 0}, "m"),
        _invalid("m = p = 5", ["MOutOfRange"], {"x": _bits_obj([1] * 4), "y": _bits_obj([1] * 5), "m": 5}, "m"),
    ]
    large = []
    for nx, p, m in ((2**16, 65537, 4096), (2**20, circulant_prime(2**20), 2048)):
        label = f"N{nx}p{p}m{m}"
        sx, sy = f"{SEED_PREFIX}circulant/{label}/x", f"{SEED_PREFIX}circulant/{label}/y"
        out = circulant_loop(shake_bits(sx, nx), shake_bits(sy, p), m)
        flags = ["Generated"] + ([] if circulant_prime(p - 1) == p else ["NonPrimitive"])
        large.append(_test(f"N = {nx}, p = {p}, m = {m}", flags,
                           {"x": _gen_obj(sx, nx), "y": _gen_obj(sy, p), "m": m},
                           {"outSha256": sha256_bits(out), "outBitLength": m}, "valid", reference="loop"))
    header = [
        "DEF-CIRC (Foreman et al., Quantum 9, 1584 (2025)): with p = len(y) prime, x of at most p - 1 bits "
        "zero-padded to p bits (x'), Circ(x, y)[i] = XOR_{k=0}^{p-1} x'[k] AND y[(k + i) mod p], i = 0 .. m-1, "
        "1 <= m <= p - 1: cryptomite's Circulant(p - 1, m).extract(x padded to p - 1 bits, y).",
        "Bit strings: hex of the packed bytes, MSB-first within each byte (CONV-BITORDER). In the protocol x = AB "
        "and y = Z[0:p], p the smallest prime > 2n with 2 a primitive root (CONV-CIRC-ARGS, CONV-CIRC-PRIME).",
        "Expected outputs: the galois GF(2) circulant matrix (cross-checked by the integer loop) or the integer "
        "loop; never the FFT path on the wrapped inputs (REQ-VECTOR-INDEPENDENT). 'reference' names the method.",
    ]
    groups = [
        {"type": "CirculantFull", "parameters": {"bitOrder": "msb-first"}, "tests": small + invalid},
        {"type": "CirculantGenerated", "parameters": {"bitOrder": "msb-first"}, "tests": large},
    ]
    return _file("EXTRACTOR-CIRCULANT", header, notes, groups)


# ---------------------------------------------------------------- end_to_end


E2E_CASES: list[dict[str, Any]] = [
    {"comment": "honest source mu = 0, quantum device CHSH 2.8, n = 2^16", "flags": [],
     "sim": {"seed": 20240601, "source": "honest", "device": "quantum", "chsh": "2.8"},
     "params": {"n": 2**16, "mu": "0", "eps": "1/2", "epsS": "1/100", "epsEA": "1/2", "sMax": "0.0129",
                "bins": 129, "variant": "derived"}},
    {"comment": "adversarial source mu = 1/400, quantum device CHSH 2.82, n = 2^16", "flags": ["AdversarialSource"],
     "sim": {"seed": 7, "source": "adversarial", "device": "quantum", "chsh": "2.82"},
     "params": {"n": 2**16, "mu": "1/400", "eps": "1/2", "epsS": "1/100", "epsEA": "1/2", "sMax": "0.0128",
                "bins": 128, "variant": "derived"}},
    {"comment": "local device (S_mu,obs = 0): abort, m = 0", "flags": ["LocalDevice", "Abort"],
     "sim": {"seed": 11, "source": "honest", "device": "local", "chsh": "2.271"},
     "params": {"n": 4096, "mu": "0.0075", "eps": "1e-6", "epsS": "1e-8", "epsEA": None, "sMax": "0.0125",
                "bins": 1000, "variant": "derived"}},
    {"comment": "quantum device below the local bound (CHSH 1.9): S_mu,obs < 0, abort",
     "flags": ["NegativeS", "Abort"],
     "sim": {"seed": 12, "source": "honest", "device": "quantum", "chsh": "1.9"},
     "params": {"n": 4096, "mu": "0.0075", "eps": "1e-6", "epsS": "1e-8", "epsEA": None, "sMax": "0.0125",
                "bins": 1000, "variant": "derived"}},
    {"comment": "quantum device, n too small: S_mu,obs > 0 but m = 0, abort", "flags": ["SmallN", "Abort"],
     "sim": {"seed": 13, "source": "honest", "device": "quantum", "chsh": "2.8"},
     "params": {"n": 4096, "mu": "0", "eps": "1/2", "epsS": "1/100", "epsEA": "1/2", "sMax": "0.0129",
                "bins": 129, "variant": "derived"}},
]


def simulate_planes(n: int, mu: Fraction, sim: dict[str, Any]) -> tuple[Any, Any, Any, Any, Any]:
    """DEF-SIM-SOURCE / DEF-SIM-DEVICE: the trials and Z (2n bits) that ``diramp simulate`` would write."""
    from diramp.simulate import draw_z, make_device, make_source, simulate_trials

    src = make_source(sim["source"], mu, sim["seed"])
    dev = make_device(sim["device"], mu=mu, seed=sim["seed"], chsh_target=sim["chsh"], p_xy=src.pair_probs())
    parts = list(simulate_trials(n, src, dev))
    x, y, a, b = (np.concatenate([p[i] for p in parts]) for i in range(4))
    z = np.unpackbits(np.concatenate(list(draw_z(src, 2 * n))), count=2 * n)
    return x, y, a, b, z


def end_to_end() -> dict[str, Any]:
    """Box I end to end: trials -> counts -> S_mu,obs -> m (THM-6) -> K = Ext(AB, Z); REQ-ABORT cases."""
    from diramp.length import Grid, theorem6
    from diramp.simulate import GENERATOR

    notes = dict(COMMON_NOTES)
    notes.update({
        "AdversarialSource": "The source biases each bit at the SV edge towards alternating (DEF-SIM-SOURCE).",
        "LocalDevice": "A deterministic local device (DEF-SIM-DEVICE): S_mu,obs = 0, CHSH = 2, m = 0.",
        "NegativeS": "S_mu,obs < 0: Box I step 2 aborts.",
        "SmallN": "S_mu,obs > 0 but the certified m is 0.",
        "Abort": "The protocol aborts (REQ-ABORT) and produces no K: result invalid; an implementation responds "
        "with an error or with abort = true (counts, sMuObs and m = 0 are then compared too).",
    })
    tests = []
    for case in E2E_CASES:
        p, sim = case["params"], case["sim"]
        n, mu = p["n"], F(p["mu"])
        x, y, a, b, z = simulate_planes(n, mu, sim)
        counts = ind.count_trials(x.tolist(), y.tolist(), a.tolist(), b.tolist())
        s = ind.s_mu_formula(counts, mu)
        ch = ind.chsh_formula(counts)
        ea = None if p["epsEA"] is None else F(p["epsEA"])
        adapt = theorem6(n, mu, s, F(p["eps"]), F(p["epsS"]), ea, grid=Grid(F(p["sMax"]), p["bins"]))
        m = adapt.m
        exp: dict[str, Any] = {"counts": counts, "sMuObs": exact(s), "chsh": None if ch is None else exact(ch),
                               "m": m}
        flags = list(case["flags"]) + (["ReconstructedEta"] if adapt.length.eta is not None else [])
        if s < 0 or m == 0:
            exp["abort"] = True
            exp["abortReason"] = "S_mu,obs < 0" if s < 0 else "m = 0"
            result = "invalid"
            if "Abort" not in flags:
                raise AssertionError(f"unexpected abort in {case['comment']}")
        else:
            ab = np.asarray(ind.interleave(a.tolist(), b.tolist()), np.uint8)
            k = ind.extract_reference(ab, z, m)[0]
            exp.update({"abort": False, "kBitLength": m, "kSha256": sha256_bits(k)})
            result = "valid"
        inp = {**p, "x": _bits_obj(x), "y": _bits_obj(y), "a": _bits_obj(a), "b": _bits_obj(b), "z": _bits_obj(z)}
        prov = {"generator": GENERATOR, **sim, "note": "diramp.simulate (DEF-SIM-SOURCE, DEF-SIM-DEVICE); Z = the "
                "next 2n bits of the source stream"}
        tests.append(_test(case["comment"], flags, inp, exp, result, simulation=prov))
    header = [
        "Box I end to end with the derived variant (CONV-VARIANT): planes x, y, a, b (bit i = trial i) and Z "
        "(2n bits), hex MSB-first; counts N(a,b,x,y) (DEF-MDL) -> S_mu,obs (DEF-SOBS) -> m (THM-6 on the grid "
        "sMax, bins) -> K = Ext(AB, Z)[0:m] with AB = a_0 b_0 a_1 b_1 ... (CONV-AB-INTERLEAVE, CONV-EXT-ARGS).",
        "The protocol aborts (REQ-ABORT) when S_mu,obs < 0 or m = 0. K is given by its SHA-256 (packed, "
        "MSB-first). Expected values: counts by a loop over trials, S_mu,obs and CHSH by exact Fractions, m by "
        "the interval chain, K by the integer-loop extractor. 'simulation' records how the trials were made.",
    ]
    group = {"type": "EndToEnd", "parameters": {"bitOrder": "msb-first", "keyOrder": "abxy"}, "tests": tests}
    return _file("END-TO-END", header, notes, [group])


#: Component name -> builder, in file order.
COMPONENTS: dict[str, Callable[[], dict[str, Any]]] = {
    "sv_bounds": sv_bounds,
    "mdl_statistics": mdl_statistics,
    "eta": eta_file,
    "output_length": output_length,
    "extractor": extractor,
    "end_to_end": end_to_end,
    "circulant": circulant,
}


def build(component: str) -> str:
    """The canonical text of one component's file."""
    if component not in COMPONENTS:
        raise InputError("component", f"must be one of {sorted(COMPONENTS)}", f"got {component!r}")
    return canonical_json(COMPONENTS[component]())


def generate(out_dir: str | os.PathLike[str], components: list[str] | None = None) -> dict[str, Path]:
    """DEF-VECTORS: write ``<component>.json`` files and the schema into ``out_dir`` atomically; return the paths."""
    from diramp.outputs import declare, output_directory

    names = components or list(COMPONENTS)
    for name in names:
        if name not in COMPONENTS:
            raise InputError("component", f"must be one of {sorted(COMPONENTS)}", f"got {name!r}")
    out = output_directory(out_dir, "vector directory")
    schema_dir = output_directory(out / Path(SCHEMA_FILE).parent, "schema directory")
    schema_path = schema_dir / Path(SCHEMA_FILE).name
    for name in names:  # every output declared before the work (REQ-OUTPUT); test vectors are public
        declare(out / f"{name}.json", "public", f"{name}.json")
    declare(schema_path, "public", "schema")
    written = {}
    for name in names:
        text = build(name)
        path = out / f"{name}.json"
        atomic_write_text(path, text)
        written[name] = path
    atomic_write_text(schema_path, canonical_json(SCHEMA))
    written["schema"] = schema_path
    return written
