"""Benchmark: the circulant extractor (DEF-CIRC, LEM-CIRC-WRAP) beside the paper's Dodis extractor, same N and m.

Each measurement runs in a child process under ``/usr/bin/time -v`` (peak RSS) with
random input files in ``--data`` (never committed). Kinds:

* ``circulant``: K = Circ(x, Z[0:p]) via the wrapped inputs on the blocked kernel (file to file);
* ``dodis``: the paper's extractor on the same N and m (the ratio to it is the number to quote);
* ``cryptomite``: cryptomite's Circulant (optional, non-commercial peer; small N only).

Usage::

    python benchmarks/bench_circulant.py --log2n 26 --m-div 20 --data /work/bench-data
    python benchmarks/bench_circulant.py --paper   # N = 2n = 2684354560, m = 123,066,385 (optional, long)

Results are merged into ``benchmarks/results/circulant.json`` with the load average.
Speed is not asserted anywhere (no timed tests).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "circulant.json"


def child(kind: str, x: str, z: str, m: int, out: str, lean: bool) -> None:
    """Run one extraction (inside the timed child process) and print its report as JSON."""
    import numpy as np

    from diramp.extractor import circulant as circ
    from diramp.extractor.stream import extract_sources, open_bits

    t0 = time.perf_counter()
    with open_bits(x) as xr, open_bits(z) as zr:
        if kind == "circulant":
            p = circ.circulant_prime(xr.nbits)
            X, Y = circ.circulant_sources(xr, zr, m, p)
            bits, rep = extract_sources(X, Y, m, lean=lean, show_progress=False)
            extra = {"p": p, "N_prime": X.nbits}
        elif kind == "dodis":
            from diramp.protocol import _Prefix

            bits, rep = extract_sources(xr, _Prefix(zr, xr.nbits), m, lean=lean, show_progress=False)
            extra = {}
        else:
            from cryptomite import Circulant

            p = circ.circulant_prime(xr.nbits)
            xa = [int(b) for b in xr.read_bits(0, xr.nbits)] + [0] * (p - 1 - xr.nbits)
            ya = [int(b) for b in zr.read_bits(0, p)]
            bits = np.array(Circulant(p - 1, m).extract(xa, ya), np.uint8)
            rep = None
            extra = {"p": p}
    seconds = time.perf_counter() - t0
    import hashlib

    digest = hashlib.sha256(np.packbits(bits).tobytes()).hexdigest()  # benchmark data: public random inputs
    print(json.dumps({"kind": kind, "m": m, "seconds": seconds, "k_sha256": digest,
                      "P": getattr(rep, "P", None), "tasks": getattr(rep, "tasks", None),
                      "worst_margin": getattr(rep, "worst_margin", None),
                      "exact_fallbacks": getattr(rep, "exact_fallbacks", None), **extra}))


def make_inputs(data: Path, n_bits: int, seed: int) -> tuple[Path, Path]:
    """Random x of N bits and Z of p bits (packed bit files), created once."""
    import numpy as np

    from diramp.extractor import circulant as circ
    from diramp.extractor.packed import PackedBitWriter

    p = circ.circulant_prime(n_bits)
    x, z = data / f"circ-x-{n_bits}-{seed}.dbits", data / f"circ-z-{p}-{seed}.dbits"
    rng = np.random.default_rng(seed)
    for path, nb in ((x, n_bits), (z, p)):
        if path.exists():
            continue
        with PackedBitWriter(path, mode=0o600) as w:
            left = nb
            while left:
                k = min(left, 1 << 27)
                w.write_bits(rng.integers(0, 2, k, dtype=np.uint8))
                left -= k
    return x, z


def measure(kind: str, x: Path, z: Path, m: int, lean: bool) -> dict[str, object]:
    cmd = ["/usr/bin/time", "-v", sys.executable, __file__, "--child", kind, str(x), str(z), str(m),
           "--out", "/dev/null"] + (["--lean"] if lean else [])
    load = os.getloadavg()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"kind": kind, "error": proc.stderr[-2000:]}
    rep = json.loads(proc.stdout.strip().splitlines()[-1])
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    user = re.search(r"User time \(seconds\): ([\d.]+)", proc.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", proc.stderr)
    rep.update({"peak_rss_mib": int(rss.group(1)) / 1024 if rss else None,
                "user_seconds": float(user.group(1)) if user else None,
                "wall": wall.group(1) if wall else None, "lean": lean,
                "loadavg_before": [round(v, 2) for v in load], "loadavg_after": [round(v, 2) for v in os.getloadavg()]})
    return rep


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", nargs=4, metavar=("KIND", "X", "Z", "M"))
    ap.add_argument("--out")
    ap.add_argument("--log2n", type=int, default=26)
    ap.add_argument("--m-div", type=int, default=20, help="m = N / M_DIV")
    ap.add_argument("--paper", action="store_true", help="N = 2n of the paper, m = the circulant m at the preset")
    ap.add_argument("--kinds", default="circulant,dodis")
    ap.add_argument("--lean", action="store_true")
    ap.add_argument("--data", type=Path, default=Path("/work/bench-data"))
    ap.add_argument("--seed", type=int, default=20251202)
    args = ap.parse_args()
    if args.child:
        kind, x, z, m = args.child
        child(kind, x, z, int(m), args.out, args.lean)
        return 0
    args.data.mkdir(parents=True, exist_ok=True)
    if args.paper:
        n_bits, m = 2 * 1342177280, 123066385
        label = "paper"
    else:
        n_bits = 1 << args.log2n
        m = n_bits // args.m_div
        label = f"2^{args.log2n}"
    x, z = make_inputs(args.data, n_bits, args.seed)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for kind in args.kinds.split(","):
        r = measure(kind, x, z, m, args.lean)
        r.update({"N": n_bits, "m_div": args.m_div})
        key = f"{label}/m={m}/{kind}" + ("" if kind == "cryptomite" else "-v2") + ("-lean" if args.lean else "")
        results[key] = r
        print(key, json.dumps(r), flush=True)
        RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
