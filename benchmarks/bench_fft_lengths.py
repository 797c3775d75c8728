"""Per-element cost of one forward transform: numpy's whole-length rfft (kernels v1/v2) beside
kernel v3's four-step transform (diramp.extractor.fourstep), same process, same inputs.

For each length P: CPU seconds per real element of ``numpy.fft.rfft`` (into a reused output,
inside ``retained_heap`` as v2 runs it) and of ``FourStep.y_spectrum_conj`` on one and on two
threads, medians of ``--repeats`` interleaved repeats, with the load average before each.
Results go to benchmarks/results/extractor.json under ``fft_lengths/<P>``.

    python benchmarks/bench_fft_lengths.py                 # 2^16 .. 5*2^24
    python benchmarks/bench_fft_lengths.py --lengths 65536,41943040 --repeats 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

DEFAULT_LENGTHS = [1 << 16, 1 << 20, 1 << 22, 1 << 24, 5 << 23, 5 << 24]


def measure(P: int, repeats: int, seed: int) -> dict:  # type: ignore[type-arg]
    import numpy as np

    from diramp.extractor.fourstep import FourStep
    from diramp.extractor.heap import retained_heap

    rng = np.random.Generator(np.random.PCG64(seed))
    y = (rng.random(P // 2) < 0.5).astype(np.uint8)
    real = np.zeros(P)
    real[: y.size] = y
    out = np.empty(P // 2 + 1, dtype=np.complex128)
    runs: dict[str, list[float]] = {"numpy_rfft": [], "v3_1thread": [], "v3_2threads": []}
    loads: list[float] = []
    inner = max(1, (1 << 24) // P)  # enough calls per repeat at small P
    with retained_heap():
        fs1, fs2 = FourStep(P, 1), FourStep(P, 2)
        try:
            Y1, Y2 = fs1.new_spectrum(), fs2.new_spectrum()
            np.fft.rfft(real, out=out)
            fs1.y_spectrum_conj(y, Y1)
            fs2.y_spectrum_conj(y, Y2)  # warm up: plans, pages
            for _ in range(repeats):
                loads.append(os.getloadavg()[0])
                for name, fn in (("numpy_rfft", lambda: np.fft.rfft(real, out=out)),
                                 ("v3_1thread", lambda: fs1.y_spectrum_conj(y, Y1)),
                                 ("v3_2threads", lambda: fs2.y_spectrum_conj(y, Y2))):
                    c0 = time.process_time()
                    for _ in range(inner):
                        fn()
                    runs[name].append((time.process_time() - c0) / inner / P * 1e9)
        finally:
            fs1.close()
            fs2.close()
    res: dict = {"P": P, "split": [fs1.P1, fs1.P2], "repeats": repeats, "loadavg_1min_all": loads,
           "unit": "CPU ns per real element of one forward transform (median)"}  # type: ignore[type-arg]
    for name, v in runs.items():
        res[f"{name}_ns"] = round(statistics.median(v), 2)
    res["numpy_over_v3_cpu"] = round(res["numpy_rfft_ns"] / res["v3_1thread_ns"], 2)
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lengths", default=",".join(map(str, DEFAULT_LENGTHS)))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20261202)
    a = ap.parse_args()
    from bench_extractor import merge

    for P in (int(v) for v in a.lengths.split(",")):
        r = measure(P, a.repeats, a.seed)
        print(r, flush=True)
        merge(f"fft_lengths/{P}", r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
