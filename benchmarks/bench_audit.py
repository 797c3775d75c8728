"""Benchmark: one certified evaluation of m (THM-5, THM-1) and `diramp audit --preset`.

Not part of the test run.  Reports medians over repeats, cold (caches cleared,
so the tangent-point root finding is included) and warm, beside an uncertified
float evaluation of the same formula (the "peer": what a float script costs).

    python benchmarks/bench_audit.py [--repeats 21]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

from diramp import entropy
from diramp.length import theorem5

N, MU, S, EPS, EPS_S = 1342177280, Fraction(3, 400), Fraction("0.00296"), Fraction(1, 10**12), Fraction(1, 10**20)


def certified(cold: bool) -> int:
    if cold:
        entropy.eta.cache_clear()
        entropy.piece_end.cache_clear()
    return theorem5(N, MU, S, EPS, EPS_S, EPS).m


def float_peer() -> int:
    """Uncertified float64 twin: grid search over t, no intervals, no directed rounding."""
    mmin, mmax, s = (0.5 - 0.0075) ** 2, (0.5 + 0.0075) ** 2, 0.00296
    c = 4 / (mmin * mmax)

    def g(t: float) -> float:
        b = 2 + c * t
        p = 0.5 + math.sqrt(b * b / 4 - 1) / 2
        return 1 + p * math.log2(p) + (1 - p) * math.log2(1 - p)

    root = math.sqrt(1 - 2 * math.log2(1e-20 * 1e-12))
    best = -1.0
    for i in range(1, 2001):
        t = s * i / 2000
        h = t * 1e-6
        d = (g(t + h) - g(t - h)) / (2 * h)
        v = 2 * (math.log2(9) + math.ceil(mmax * d)) * root
        best = max(best, g(t) + d * (s - t) - v / math.sqrt(N))
    b = 1e-12 - 6e-20
    m = N / 6 * (best + 2 * math.log2(1 / 0.5075) - 2) - (10 * math.log2(5 / (2 * b)) + 4 * math.log2(3) - 2) / 6
    return math.floor(m)


def timed(f, repeats: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    ts, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=21)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "audit.json")
    args = ap.parse_args()
    cold, m_cold = timed(lambda: certified(True), args.repeats)
    warm, m_warm = timed(lambda: certified(False), args.repeats)
    peer, m_peer = timed(float_peer, max(3, args.repeats // 4))
    cli = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "diramp", "audit", "--preset", "kulikov2024", "--json"],
                       check=True, capture_output=True)
        cli.append(time.perf_counter() - t0)
    res = {
        "machine": "2 cores, 24 GB (shared with other jobs during this run)",
        "certified_m_cold_median_s": cold,
        "certified_m_warm_median_s": warm,
        "float_peer_median_s": peer,
        "ratio_certified_cold_to_float_peer": cold / peer,
        "m_certified": m_cold,
        "m_float_peer": m_peer,
        "audit_preset_json_cli_median_s": statistics.median(cli),
        "repeats": args.repeats,
    }
    assert m_cold == m_warm
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2, sort_keys=True) + "\n")
    print(json.dumps(res, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
