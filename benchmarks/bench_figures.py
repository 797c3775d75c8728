"""Benchmark of the figures and the classroom notebook (issue 13): search cost per Fig. 2 point, whole figures.

Measures, in one run and side by side:

* the search for one Fig. 2 point (the certified minimum n for 10^6 bits): the
  length evaluations and seconds of :func:`diramp.inverse.min_n` (the reference
  bisection), of :func:`diramp.reproduce.fig2.min_n_fast` alone and of
  ``min_n_fast`` with the neighbouring point's n as a guess (as the figure calls
  it), on every 3rd point of the default grid of the mu = 0.75 % curve; all three
  must give the same n.  The eta cache is cleared before each search;
* the whole of ``diramp figures fig2`` (default: 7 curves on their own grids),
  cold (a new directory) and warm (the cache of the cold run, every value proved
  again), in fresh processes, median of ``--repeats``, with peak RSS;
* ``diramp figures fig10`` on a paper-sized K (20,431,465 random bits, seed 7);
* ``jupyter execute docs/classroom.ipynb`` (kernel start included).

Each record carries the 1-minute load average before and after (the machine is
shared).  Not part of the test run.  Usage: ``python benchmarks/bench_figures.py
[--repeats 3]`` (writes benchmarks/results/figures.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"

TIMED = """
import json, resource, sys, time
from diramp.cli import main
t0 = time.perf_counter()
rc = main(sys.argv[1:])
print(json.dumps({"rc": rc, "wall_s": time.perf_counter() - t0,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), file=sys.stderr)
"""


def load() -> float:
    return os.getloadavg()[0]


def child(args: list[str]) -> dict[str, float]:
    before = load()
    proc = subprocess.run([sys.executable, "-c", TIMED, *args], capture_output=True, text=True, check=True)
    rec = json.loads(proc.stderr.strip().splitlines()[-1])
    assert rec["rc"] == 0, proc.stderr
    return {"wall_s": round(rec["wall_s"], 2), "peak_rss_mib": round(rec["peak_rss_mib"], 1),
            "loadavg_1min_before": before, "loadavg_1min_after": load()}


def summary(runs: list[dict[str, float]]) -> dict[str, object]:
    return {"runs": runs, "wall_s_median": statistics.median(r["wall_s"] for r in runs),
            "peak_rss_mib_median": statistics.median(r["peak_rss_mib"] for r in runs)}


def searches() -> dict[str, object]:
    """Evaluations and seconds per point: min_n (reference) against min_n_fast without and with a guess."""
    import diramp.entropy as E
    import diramp.inverse as I
    import diramp.reproduce.fig2 as M
    from diramp.bell import s_mu_depolarised

    st = M.Fig2Settings()
    mu = Fraction(3, 400)
    pts = [p for p in M.series_points(M.Fig2Series("derived", mu), st) if p.n is not None]
    calls = {"n": 0}
    real_t5, real_len = I.theorem5, M._length

    def t5(*a: object, **k: object) -> object:
        calls["n"] += 1
        return real_t5(*a, **k)  # type: ignore[arg-type]

    def length(*a: object) -> object:
        calls["n"] += 1
        return real_len(*a)  # type: ignore[arg-type]

    I.theorem5, M._length = t5, length  # type: ignore[assignment]
    rows = []
    try:
        sample = list(range(1, len(pts), 3))
        for i in sample:
            p, nb = pts[i], pts[i + 1] if i + 1 < len(pts) else pts[i - 1]
            s = s_mu_depolarised(p.chsh, mu)
            row: dict[str, object] = {"chsh": str(p.chsh), "n": p.n, "loadavg_1min_before": load()}
            guess = nb.n
            methods = (("min_n", lambda s=s: I.min_n(st.target_m, mu=mu, s_mu=s, eps=st.eps, eps_s=st.eps_s,
                                                     eps_ea=st.eps_ea)),
                       ("min_n_fast", lambda s=s: M.min_n_fast(st.target_m, mu, s, st)),
                       ("min_n_fast_guess", lambda s=s, g=guess: M.min_n_fast(st.target_m, mu, s, st, guess=g)))
            for name, fn in methods:
                E._eta.cache_clear()
                calls["n"] = 0
                t = time.perf_counter()
                got = fn()
                row[name] = {"evaluations": calls["n"], "seconds": round(time.perf_counter() - t, 3)}
                assert got == p.n, (name, got, p.n)
            rows.append(row)
    finally:
        I.theorem5, M._length = real_t5, real_len  # type: ignore[assignment]

    def med(name: str, key: str) -> float:
        return statistics.median(r[name][key] for r in rows)  # type: ignore[index]

    return {"curve": "derived, mu = 0.75 %, default grid; every 3rd point", "points": rows,
            "median": {name: {"evaluations": med(name, "evaluations"), "seconds": med(name, "seconds")}
                       for name in ("min_n", "min_n_fast", "min_n_fast_guess")},
            "ratio_seconds_min_n_over_fast_guess": round(med("min_n", "seconds") / med("min_n_fast_guess", "seconds"),
                                                         2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    out: dict[str, object] = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
                              "repeats": args.repeats}
    out["fig2_search_per_point"] = searches()
    cold, warm, f10, nb = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-figures-") as tmp:
        import numpy as np

        from diramp.extractor.packed import write_bits

        k = Path(tmp) / "k.dbits"
        write_bits(k, np.random.default_rng(7).integers(0, 2, 20431465, dtype=np.uint8))
        for r in range(args.repeats):
            d = Path(tmp) / f"fig2-{r}"
            cold.append(child(["figures", "fig2", "--out", str(d)]))
            warm.append(child(["figures", "fig2", "--out", str(d), "--force"]))
            f10.append(child(["figures", "fig10", "--k", str(k), "--out", str(Path(tmp) / f"fig10-{r}")]))
            before = load()
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "jupyter", "execute", str(ROOT / "docs" / "classroom.ipynb")],
                           cwd=tmp, check=True, capture_output=True)
            nb.append({"wall_s": round(time.perf_counter() - t, 2), "peak_rss_mib": 0.0,
                       "loadavg_1min_before": before, "loadavg_1min_after": load()})
        data = json.loads((Path(tmp) / "fig2-0" / "fig2.json").read_text())
        points = sum(len(s["points"]) for s in data["series"])
    out["fig2_cold"] = {**summary(cold), "curves": len(data["series"]), "points": points}
    out["fig2_warm"] = summary(warm)
    out["fig10_paper_size"] = {**summary(f10), "bits": 20431465}
    out["classroom_notebook"] = {"runs": nb, "wall_s_median": statistics.median(r["wall_s"] for r in nb),
                                 "note": "jupyter execute, kernel start included; peak RSS not measured"}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "figures.json").write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
    print(json.dumps({k: v for k, v in out.items() if k != "fig2_search_per_point"} | {
        "search_median": out["fig2_search_per_point"]["median"]}, indent=1))  # type: ignore[index]
    return 0


if __name__ == "__main__":
    sys.exit(main())
