"""Where the extractor's time goes (issue 12 profile; not part of the tests).

Runs one extraction in this process with the phases timed per thread
(``time.thread_time`` for CPU, ``getrusage(RUSAGE_THREAD)`` for system time and
minor faults): reading and unpacking, staging into the FFT buffer, the
forward and inverse FFT calls, the spectra products, rounding with the
margin, and the rest (allocation, Python overhead); thread idle time is
``threads x wall - busy``.  Prints one JSON line.

Usage::

    python benchmarks/profile_extractor.py --log2n 28 --kernel v1
    python benchmarks/profile_extractor.py --log2n 28 --kernel v2
    python benchmarks/profile_extractor.py --paper-prefix 268435456 --kernel v2 --workdir /work/bench-data
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RT = getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)

acc: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])


def timed(name: str, fn: Any) -> Any:
    """Wrap ``fn``: add its thread CPU, wall, sys time and faults to ``acc[name]``."""

    def w(*a: Any, **k: Any) -> Any:
        r0, c0, t0 = resource.getrusage(RT), time.thread_time(), time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            r1 = resource.getrusage(RT)
            e = acc[name]
            e[0] += time.thread_time() - c0
            e[1] += time.perf_counter() - t0
            e[2] += r1.ru_stime - r0.ru_stime
            e[3] += r1.ru_minflt - r0.ru_minflt

    return w


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log2n", type=int, default=28)
    ap.add_argument("--paper-prefix", type=int, help="first K bits of the paper-scale files, paper m")
    ap.add_argument("--workdir", default="/work/bench-data")
    ap.add_argument("--kernel", default="v2")
    ap.add_argument("--lean", action="store_true")
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT / "reference"))
    import numpy as np

    import diramp.extractor.fft as F
    import diramp.extractor.stream as S
    from diramp.extractor import PackedBitReader, extract_sources
    from diramp.extractor.stream import ArrayBits

    np.fft.rfft = timed("fft_forward", np.fft.rfft)
    np.fft.irfft = timed("fft_inverse", np.fft.irfft)
    F.round_parities = timed("round_margin", F.round_parities)
    F.Workspace._stage = timed("staging", F.Workspace._stage)  # type: ignore[method-assign]
    S.multiply_accumulate = timed("spectra_products", S.multiply_accumulate)
    S.partial_correlation = timed("v1_task_total", S.partial_correlation)
    ArrayBits.read_bits = timed("read_unpack", ArrayBits.read_bits)  # type: ignore[method-assign]
    PackedBitReader.read_bits = timed("read_unpack", PackedBitReader.read_bits)  # type: ignore[method-assign]
    if a.paper_prefix:
        N, m = a.paper_prefix, 20_431_465
        xs = PackedBitReader.open_raw(Path(a.workdir) / f"x_{N}.bin", N)
        ys = PackedBitReader.open_raw(Path(a.workdir) / f"y_{N}.bin", N)
    else:
        N = 1 << a.log2n
        m = N // 128
        rng = np.random.Generator(np.random.PCG64(20240611))
        xs = ArrayBits(np.unpackbits(np.frombuffer(rng.bytes(N // 8), dtype=np.uint8)))
        ys = ArrayBits(np.unpackbits(np.frombuffer(rng.bytes(N // 8), dtype=np.uint8)))
    load0 = os.getloadavg()
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    bits, rep = extract_sources(xs, ys, m, kernel=a.kernel, lean=a.lean)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    user, sys_ = r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime
    phases = {k: {"cpu_s": round(v[0], 2), "wall_s": round(v[1], 2), "sys_s": round(v[2], 2),
                  "minor_faults": int(v[3])} for k, v in acc.items()}
    if "v1_task_total" in phases:  # v1: allocation, staging and rounding are inline in the task
        t = acc["v1_task_total"]
        inner = acc["fft_forward"][0] + acc["fft_inverse"][0]
        phases["v1_task_total"]["non_fft_cpu_s"] = round(t[0] - inner, 2)
    busy = sum(v[0] for k, v in acc.items() if k != "v1_task_total")
    if "v1_task_total" in acc:
        busy = acc["v1_task_total"][0] + acc["read_unpack"][0]
    out = {
        "N": N, "m": m, "kernel": a.kernel, "lean": a.lean, "P": rep.P, "L": rep.L, "B": rep.B,
        "tasks": rep.tasks, "workers": rep.workers, "extra": rep.extra, "wall_s": round(wall, 2),
        "user_s": round(user, 2), "sys_s": round(sys_, 2), "minor_faults": r1.ru_minflt - r0.ru_minflt,
        "phases": phases, "other_cpu_s": round(user + sys_ - busy, 2),
        "thread_idle_s": round(rep.workers * wall - (user + sys_), 2),
        "loadavg_before": [round(v, 2) for v in load0],
        "loadavg_after": [round(v, 2) for v in os.getloadavg()],
        "ext_sha256_prefix": __import__("hashlib").sha256(bits.tobytes()).hexdigest()[:16],
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
