"""Benchmark: Box I steps 1-2 at paper scale, simulated (DEF-SIM-SOURCE, DEF-SIM-DEVICE).

Simulates n = 20 * 2^26 = 1,342,177,280 trials (Kulikov et al. 2024) with
mu = 3/400 and CHSH 2.271, streaming them to a trial file (DEF-TRIAL-FILE),
then runs the parameter estimation (``count_blocks`` over the file, hashes
verified) and reports wall time per phase and peak RSS.  Not part of the test
run.  Z (2n bits) is written only with ``--with-z``.

    python benchmarks/bench_simulate.py [--n N] [--tmp DIR] [--with-z]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from diramp.bell import Counts, chsh, s_mu
from diramp.simulate import simulate
from diramp.trials import count_blocks

PAPER_N = 20 * 2**26


class PeakRSS:
    """Sample this process's RSS (psutil) every 0.2 s; also read ru_maxrss at the end."""

    def __init__(self) -> None:
        import psutil

        self.proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.2)

    def __enter__(self) -> PeakRSS:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=PAPER_N)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument(
        "--tmp", default=None, help="directory for the trial file (default: a temp dir)"
    )
    ap.add_argument("--with-z", action="store_true", help="also write Z (2n bits)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "simulate.json"))
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(dir=args.tmp))
    trials = tmp / "bench.trials"
    z = tmp / "bench.z" if args.with_z else None
    done = [0]
    t0 = time.perf_counter()
    last = [t0]

    def tick(k: int) -> None:
        done[0] += k
        now = time.perf_counter()
        if now - last[0] > 30:
            last[0] = now
            print(f"  {done[0]:>13,} trials  {now - t0:7.1f} s", file=sys.stderr, flush=True)

    with PeakRSS() as rss:
        t0 = time.perf_counter()
        rep = simulate(
            args.n,
            "3/400",
            seed=args.seed,
            out_trials=trials,
            out_z=z,
            source="honest",
            device="quantum",
            chsh_target="2.271",
            on_progress=tick,
        )
        t1 = time.perf_counter()
        blocks = count_blocks(trials, block=2**22)
        t2 = time.perf_counter()
    total = sum(blocks, Counts.zero())
    assert total == rep.counts, "file counts differ from in-memory counts"
    mu = rep.mu
    ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result = {
        "benchmark": "bench_simulate",
        "n": args.n,
        "mu": str(mu),
        "chsh_target": "2.271",
        "seed": args.seed,
        "source": "honest (delta = mu)",
        "device": "quantum",
        "z_written": bool(args.with_z),
        "wall_s": {
            "simulate_and_write": round(t1 - t0, 2),
            "count_blocks": round(t2 - t1, 2),
            "total": round(t2 - t0, 2),
        },
        "peak_rss_bytes": max(rss.peak, ru),
        "peak_rss_gib": round(max(rss.peak, ru) / 2**30, 3),
        "blocks": len(blocks),
        "s_mu_obs": float(s_mu(total, mu)),
        "chsh_obs": float(chsh(total)),
        "expected_s_mu": float(rep.expected_s_mu),
        "s_mu_std": rep.s_mu_std,
        "trial_file_bytes": trials.stat().st_size,
        "trials_payload_sha256": rep.trials.payload_sha256,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "note": "2-core machine shared with other engineers",
        },
    }
    trials.unlink()
    if z is not None:
        z.unlink()
    tmp.rmdir()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
