"""Benchmark of Box I end to end (DEF-BOX-I): the embedded default run ``diramp run``.

Measures, as the median of 3 fresh processes, the wall time and peak RSS of
``diramp run --workdir DIR`` (simulate 2^26 trials and Z, hash, count, Theorem 6,
extract, write K and the certificate), and the parameter-estimation step
(S_mu,obs -> Theorem 6 in both variants, cold eta cache) at paper scale
(n = 1,342,177,280) from counts.  Simulation and counting at paper scale are
measured by ``benchmarks/bench_simulate.py`` (results/simulate.json); this
script copies those numbers, it does not re-run them.

Not part of the test run.  Usage: ``python benchmarks/bench_protocol.py``
(writes benchmarks/results/protocol.json).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

CHILD = """
import json, resource, sys, time
from diramp.cli import main
t0 = time.perf_counter()
rc = main(["run", "--workdir", sys.argv[1], "--json"])
wall = time.perf_counter() - t0
print(json.dumps({"rc": rc, "wall_s": wall,
                  "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}), file=sys.stderr)
"""

ESTIMATE = """
import json, sys, time
from fractions import Fraction
from diramp.bell import s_mu_depolarised
from diramp.protocol import preset_params
from diramp.length import theorem6
p = preset_params(n=1342177280)
s = s_mu_depolarised(Fraction("2.271"), p.mu)
t0 = time.perf_counter()
out = {v: theorem6(p.n, p.mu, s, p.eps, p.eps_s, p.eps_ea, grid=p.grid, variant=v).m for v in ("derived", "as_printed")}
print(json.dumps({"seconds": time.perf_counter() - t0, "m": out, "s_mu": str(s)}))
"""


def one_run() -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-protocol-") as d:
        proc = subprocess.run([sys.executable, "-c", CHILD, d], capture_output=True, text=True, check=True)
        stats = json.loads(proc.stderr.strip().splitlines()[-1])
        report = json.loads(proc.stdout)
    return {**stats, "m": report["m"], "variants": report["variants"], "stage_s": report["seconds"],
            "k_file_sha256": report["k_file_sha256"], "certificate_sha256": report["certificate_sha256"]}


def main() -> None:
    runs = []
    for i in range(3):
        r = one_run()
        print(f"run {i}: {r['wall_s']:.1f} s, {int(r['peak_rss_bytes']) / 2**20:.0f} MiB, m = {r['m']}",  # type: ignore[call-overload]
              file=sys.stderr)
        runs.append(r)
    assert len({r["certificate_sha256"] for r in runs}) == 1, "the default run must be deterministic"
    est = json.loads(subprocess.run([sys.executable, "-c", ESTIMATE], capture_output=True, text=True,
                                    check=True).stdout)
    sim_path = RESULTS / "simulate.json"
    sim = json.loads(sim_path.read_text()) if sim_path.exists() else None
    out = {
        "benchmark": "bench_protocol",
        "what": "diramp run with no arguments (the embedded default, DEF-BOX-I): n = 2^26, mu = 0.0075, "
                "CHSH 2.271, seed 20240101",
        "wall_s": {"median": round(statistics.median(float(r["wall_s"]) for r in runs), 2),  # type: ignore[arg-type]
                   "runs": [round(float(r["wall_s"]), 2) for r in runs]},  # type: ignore[arg-type]
        "peak_rss_bytes": {"median": int(statistics.median(int(r["peak_rss_bytes"]) for r in runs)),  # type: ignore[call-overload]
                           "runs": [int(r["peak_rss_bytes"]) for r in runs]},  # type: ignore[call-overload]
        "stage_s": runs[0]["stage_s"],
        "m": runs[0]["m"],
        "variants": runs[0]["variants"],
        "k_file_sha256": runs[0]["k_file_sha256"],
        "certificate_sha256": runs[0]["certificate_sha256"],
        "paper_scale": {
            "n": 1342177280,
            "theorem6_both_variants_cold_s": round(est["seconds"], 3),
            "m_at_expected_s_mu": est["m"],
            "expected_s_mu": est["s_mu"],
            "simulate_and_count": None if sim is None else {
                "source": "benchmarks/results/simulate.json (bench_simulate.py; honest source leaning by mu)",
                "wall_s": sim["wall_s"], "peak_rss_bytes": sim["peak_rss_bytes"]},
        },
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "note": "2-core machine shared with other engineers; measured at " + time.strftime("%Y-%m-%d")},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "protocol.json").write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
    print(json.dumps(out, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
