"""``diramp extract``: K = Ext(AB, Z), Theorem 2 (Kulikov et al. 2024), DEF-EXT, file to file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from diramp.cli._format import dump_json

DESCRIPTION = """\
Apply the two-source extractor of Theorem 2 (Kulikov et al. 2024; spec/extractor.md
DEF-EXT) to two bit files and write the key K (m bits):

  K[s] = XOR_{j=0}^{N-1-s} x[j+s] AND y[j],   s = 0 .. m-1   (0-based)

i.e. K_s = x^T A_{s+1} y with A_{s+1} the non-cyclic right shift by s.

In the protocol (CONV-EXT-ARGS):
  --x  is AB, the device outputs interleaved per round: AB[2i] = a_i,
       AB[2i+1] = b_i, i = 0..n-1, so N = 2n bits      (CONV-AB-INTERLEAVE)
  --y  is Z, the Santha-Vazirani seed, also N = 2n bits
  --m  is the certified output length of `diramp audit`.
Swapping x and y gives a different function: keep the order.

Files (DEF-PACKED-FILE): bits packed MSB-first within each byte (numpy.packbits
default): bit k is bit 7 - k%8 of byte k//8 (CONV-BITORDER), behind a 64-byte
header holding the magic "DIRAMPBF", format version, bit order, bit length and
the payload's SHA-256 (checked before any work).  A raw packed .bin without a
header is accepted with its bit length given by --x-bits / --y-bits (no
checksum then).  K is written in the same format, mode 0600, atomically:
after any error no output file exists.  K is a secret: its bits are never printed.

Exactness (REQ-FLOAT-MARGIN): the fast path is a blocked float64 FFT; every
block's worst distance to an integer is checked against 0.25 (the a priori
error bound is below 0.03 at the largest block); --method auto recomputes an
unsafe block exactly, --method fft stops with exit 1.  The worst margin is reported.
"""

EXAMPLES = """\
examples:
  diramp extract --x ab.dbits --y z.dbits --m 20431465 --out k.dbits
  diramp extract --x ab.bin --x-bits 2684354560 --y z.bin --y-bits 2684354560 --m 20431465 --out k.dbits
  diramp extract --x ab.dbits --y z.dbits --m 1000 --out k.dbits --method reference --json
  diramp extract ... --lean            peak memory under 1 GiB at paper scale (slower)
  diramp extract ... --scheduler tcp://sched:8786    on a Dask cluster (inputs on shared storage)
  diramp extract ... --scheduler local --workers 2   on a local Dask cluster of 2 processes

methods: auto (default: float FFT + exact fallback), fft (refuse on unsafe rounding),
exact (big-integer products, slow), reference (O(N m) integer loop, small N only).
"""


def register(sub: Any) -> None:
    """Add the ``extract`` subcommand."""
    p = sub.add_parser(
        "extract",
        help="K = Ext(AB, Z): the Theorem 2 two-source extractor on packed bit files",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--x", required=True, type=Path, help="first input: AB (device outputs)")
    p.add_argument("--y", required=True, type=Path, help="second input: Z (SV seed)")
    p.add_argument("--m", required=True, type=int, help="output bits, 1 <= m <= N")
    p.add_argument("--out", required=True, type=Path, help="output K (packed bit file, mode 0600)")
    p.add_argument("--x-bits", type=int, help="bit length of a raw headerless --x file")
    p.add_argument("--y-bits", type=int, help="bit length of a raw headerless --y file")
    p.add_argument(
        "--method",
        choices=("auto", "fft", "exact", "reference"),
        default="auto",
        help="computation method (default auto)",
    )
    p.add_argument("--lean", action="store_true", help="memory-lean mode (<= 1 GiB, slower)")
    p.add_argument("--workers", type=int, help="threads (default 2, 1 with --lean); with --scheduler local: "
                   "Dask worker processes (default 2)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on Dask (spec/distributed.md): a scheduler address (tcp://host:8786; inputs on "
                   "storage all workers see at the same path), or 'local' for a local cluster of --workers "
                   "processes; needs pip install 'diramp[dask]'")
    p.add_argument("--scheduler-timeout", type=float, default=30.0, metavar="SECONDS",
                   help="seconds to wait for the Dask scheduler and its first worker (default 30)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar (default: only on a terminal)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the extractor and print the report (never K's bits)."""
    from diramp.errors import InputError
    from diramp.extractor import extract_files, extract_loop

    if args.workers is not None and args.workers < 1:
        raise InputError("--workers", "must be >= 1", f"got {args.workers}")
    if args.out.resolve() in (args.x.resolve(), args.y.resolve()):
        raise InputError("--out", "must differ from the inputs", str(args.out), "choose a new path")
    if args.scheduler is not None:
        from diramp.distributed import extract_distributed

        if args.method == "reference":
            raise InputError("--method", "reference is not distributed", "", "use auto, fft or exact with --scheduler")
        rep = extract_distributed(
            args.x, args.y, args.m, args.out, scheduler=None if args.scheduler == "local" else args.scheduler,
            workers=args.workers, method=args.method, lean=args.lean, x_nbits=args.x_bits,
            y_nbits=args.y_bits, show_progress=args.progress, timeout=args.scheduler_timeout,
        )
    else:
        rep = extract_files(
            args.x, args.y, args.m, args.out,
            method="auto" if args.method == "reference" else args.method,
            lean=args.lean, x_nbits=args.x_bits, y_nbits=args.y_bits, workers=args.workers,
            show_progress=args.progress,
            reference=extract_loop if args.method == "reference" else None,
        )
    out: dict[str, Any] = {
        "N": rep.N,
        "m": rep.m,
        "method": args.method,
        "lean": rep.lean,
        "seconds": round(rep.seconds, 3),
        "worst_margin": rep.worst_margin,
        "safe_margin": _safe_margin(),
        "exact_fallbacks": rep.exact_fallbacks,
        "fft_length": rep.P,
        "lag_chunk": rep.L,
        "block": rep.B,
        "tasks": rep.tasks,
        "workers": rep.workers,
        "x": str(args.x),
        "y": str(args.y),
        "out": str(args.out),
        "x_sha256": rep.extra["x_sha256"],
        "y_sha256": rep.extra["y_sha256"],
        "out_sha256": rep.extra["out_sha256"],
    }
    if "engine" in rep.extra:  # --scheduler (spec/distributed.md)
        out["engine"] = rep.extra["engine"]
    if args.json:
        print(dump_json(json.loads(json.dumps(out))))
    else:
        width = max(len(k) for k in out)
        for k, v in out.items():
            print(f"{k.ljust(width)}  {v}")
    return 0


def _safe_margin() -> float:
    from diramp.extractor import margin

    return margin.SAFE_MARGIN
