"""Benchmark of distributed extraction on Dask (issue 7; spec/distributed.md), not part of the tests.

For N = 2^26 and 2^28 (m = N / 128), on inputs generated deterministically
(numpy PCG64, ``--seed``), one run measures side by side:

* the single-machine path ``extract_files`` with 1 and 2 threads;
* ``extract_distributed`` on a LocalCluster of 1 and 2 worker processes (one
  thread each; cluster start-up timed separately), its output compared byte
  for byte with the single-machine K, and the workers' peak RSS;
* one leaf task timed in-process (the per-task time of the cost model).

Then the cost model (:func:`diramp.distributed.cost.cost_model`) is fitted,
``t(P) = a P log2 P`` from the leaf timings, checked against the measured
distributed runs, and evaluated for n = 1e10 and 1e11 trials (N = 2n, m from
Theorem 5 at the paper's parameters, and m = 1e9).  Results go to
benchmarks/results/distributed.json.

Usage::

    python benchmarks/bench_distributed.py              # 2^26 and 2^28
    python benchmarks/bench_distributed.py --log2n 22   # a quick run
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "distributed.json"


def _write_input(path: Path, N: int, rng: Any) -> None:
    from diramp.extractor import PackedBitWriter

    with PackedBitWriter(path) as w:
        left = N // 8
        while left:
            k = min(left, 1 << 24)
            w.write_packed(rng.bytes(k))
            left -= k
        if N % 8:
            import numpy as np

            w.write_bits(rng.integers(0, 2, N % 8, dtype=np.uint8))


def _worker_stats() -> tuple[float, float]:
    """(peak RSS in MiB, CPU seconds) of this worker process.

    VmHWM, not ru_maxrss: ru_maxrss survives execve, so a spawned worker would
    report the benchmark parent's peak.
    """
    hwm = 0.0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024.0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return hwm, ru.ru_utime + ru.ru_stime


def _time_leaf(x: Path, y: Path, m: int, repeats: int) -> tuple[int, float, float]:
    """One full leaf (block 0, chunk 0) run in this process: (P, median wall s, median CPU s)."""
    from diramp.distributed import InputRef, compute_table, leaf_spec, run_leaf
    from diramp.extractor import make_plan

    xt, yt = compute_table(x), compute_table(y)
    plan = make_plan(xt.nbits, m)
    xr, yr = InputRef.of(xt), InputRef.of(yt)
    spec = leaf_spec(next(iter(plan.tasks())), plan, "auto", xr, yr)
    ts, cs = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        run_leaf(spec, xr.light(), yr.light())
        ts.append(time.perf_counter() - t0)
        cs.append(time.process_time() - c0)
    return plan.P, statistics.median(ts), statistics.median(cs)


def run_size(log2n: int, seed: int, repeats: int, workdir: Path) -> dict[str, Any]:
    import numpy as np
    from distributed import Client, LocalCluster

    from diramp.distributed import extract_distributed
    from diramp.distributed.cost import cost_model
    from diramp.extractor import extract_files

    N = 1 << log2n
    m = N // 128
    rng = np.random.Generator(np.random.PCG64(seed))
    x, y = workdir / f"x{log2n}.dbits", workdir / f"y{log2n}.dbits"
    _write_input(x, N, rng)
    _write_input(y, N, rng)
    row: dict[str, Any] = {"log2N": log2n, "N": N, "m": m, "loadavg_1min_before": round(os.getloadavg()[0], 2),
                           "runs": []}
    ref_bytes = None
    for threads in (1, 2):
        out = workdir / f"k_single{threads}.dbits"
        t0 = time.perf_counter()
        rep = extract_files(x, y, m, out, workers=threads, show_progress=False)
        sec = time.perf_counter() - t0
        kb = out.read_bytes()
        ref_bytes = ref_bytes or kb
        row["plan"] = {"P": rep.P, "L": rep.L, "B": rep.B, "tasks": rep.tasks}
        row["runs"].append({"engine": "single-machine", "workers": threads, "seconds": round(sec, 2),
                            "Mbit_per_s": round(N / sec / 1e6, 2), "identical": kb == ref_bytes,
                            "loadavg_1min_after": round(os.getloadavg()[0], 2)})
        print(row["runs"][-1], flush=True)
    for k in (1, 2):
        t0 = time.perf_counter()
        with LocalCluster(n_workers=k, threads_per_worker=1, processes=True, dashboard_address=":0") as cl, \
                Client(cl, set_as_default=False) as c:
            start = time.perf_counter() - t0
            base = c.run(_worker_stats)
            out = workdir / f"k_dask{k}.dbits"
            t1 = time.perf_counter()
            rep = extract_distributed(x, y, m, out, scheduler=cl.scheduler_address, show_progress=False)
            sec = time.perf_counter() - t1
            peak = c.run(_worker_stats)
        run = {"engine": "dask", "workers": k, "seconds": round(sec, 2), "Mbit_per_s": round(N / sec / 1e6, 2),
               "cluster_start_seconds": round(start, 2), "checksum_seconds": rep.extra["checksum_seconds"],
               "identical": out.read_bytes() == ref_bytes, "tasks": rep.tasks,
               "worker_peak_rss_mib": round(max(v[0] for v in peak.values()), 1),
               "worker_idle_rss_mib": round(max(v[0] for v in base.values()), 1),
               "worker_cpu_seconds": round(sum(peak[a][1] - base[a][1] for a in peak), 2),
               "loadavg_1min_after": round(os.getloadavg()[0], 2)}
        row["runs"].append(run)
        print(run, flush=True)
    P, t_leaf, c_leaf = _time_leaf(x, y, m, repeats)
    row["leaf"] = {"P": P, "seconds": round(t_leaf, 3), "cpu_seconds": round(c_leaf, 3)}
    c = cost_model(N, m)
    row["model"] = {"tasks": c.tasks, "bytes_read": c.bytes_read, "task_memory_mib": round(c.task_memory / 2**20, 1)}
    for f in (workdir / f"x{log2n}.dbits", workdir / f"y{log2n}.dbits"):
        f.unlink()
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--log2n", type=int, nargs="+", default=[26, 28])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeats", type=int, default=2, help="leaf timing repeats (median)")
    ap.add_argument("--model-only", action="store_true",
                    help="no runs: refit the model to the recorded sizes and recompute the scale table")
    args = ap.parse_args(argv)

    from diramp.distributed.cost import cost_model
    from diramp.length import theorem5

    if args.model_only:  # refit and re-evaluate the model on the measured sizes already recorded
        old = json.loads(RESULTS.read_text())
        rows, machine = old["sizes"], old["machine"]
    else:
        rows, machine = [], {"python": platform.python_version(), "cpus": os.cpu_count(),
                             "platform": platform.platform()}
        with tempfile.TemporaryDirectory(dir=os.environ.get("DIRAMP_BENCH_DIR")) as d:
            for lg in args.log2n:
                rows.append(run_size(lg, args.seed, args.repeats, Path(d)))
    # t(P) = a P log2 P fitted by least squares through the origin over the leaves' CPU seconds
    # (CPU time, not wall time: robust to other load on a shared machine)
    pts = [(r["leaf"]["P"] * math.log2(r["leaf"]["P"]), r["leaf"]["cpu_seconds"]) for r in rows]
    a = sum(u * t for u, t in pts) / sum(u * u for u, _ in pts)
    for r in rows:  # validation: modelled vs measured wall time of the Dask runs
        c = cost_model(r["N"], r["m"], sec_per_plogp=a)
        r["model"] = {"tasks": c.tasks, "bytes_read": c.bytes_read, "task_memory_mib": round(c.task_memory / 2**20, 1)}
        for run in r["runs"]:
            if run["engine"] == "dask":
                k = run["workers"]
                waves = math.ceil(c.tasks / k)  # equal tasks: ceil(tasks / workers) rounds
                run["model_seconds"] = round(waves * c.core_hours * 3600 / c.tasks + run["checksum_seconds"], 2)
                run["model_cpu_seconds"] = round(c.core_hours * 3600, 2)
                run["model_task_memory_mib"] = round(c.task_memory / 2**20, 1)
    paper = {"mu": "0.0075", "s_mu": "0.00296", "eps": "1e-12", "eps_s": "1e-20", "eps_EA": "1e-12"}
    scale = []
    for n in (10**10, 10**11):
        m5 = theorem5(n, Fraction(paper["mu"]), Fraction(paper["s_mu"]), Fraction(paper["eps"]),
                      Fraction(paper["eps_s"]), Fraction(paper["eps_EA"])).m
        for label, m in (("theorem5", m5), ("1e9", 10**9)):
            c = cost_model(2 * n, m, sec_per_plogp=a)
            scale.append({"n": n, "N": 2 * n, "m_source": label, **c.as_dict(),
                          "core_hours": round(c.core_hours, 1),
                          "hours_on_100_cores": round(c.core_hours / 100, 2)})
            print(scale[-1], flush=True)
    result = {
        "machine": machine,
        "note": "m = N/128; Dask runs exclude LocalCluster start-up (cluster_start_seconds); seconds include the "
                "up-front checksum table pass; worker RSS is the worker process peak (VmHWM); worker_cpu_seconds "
                "sums the workers' CPU time during the run; loadavg shows other load on the shared 2-core machine",
        "sizes": rows,
        "fit": {"t_leaf": "a * P * log2(P), CPU seconds of one leaf", "a_seconds": a},
        "paper_parameters": paper,
        "scale": scale,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
