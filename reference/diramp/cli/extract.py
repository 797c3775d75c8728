"""``diramp extract``: K = Ext(AB, Z), Theorem 2 (Kulikov et al. 2024), DEF-EXT, file to file."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from diramp.cli._args import integer, seconds
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
a digest of the payload and header (checked before any work).  A raw packed
.bin without a header is accepted with its bit length given by --x-bits /
--y-bits (no checksum then).  --x-trials reads AB straight from a trial file.
K is written in the same format, mode 0600, only when the extraction has
succeeded, never over an input.  K is a secret: neither its bits nor any
digest of it are printed (--receipt writes the digests to an owner-only file).

--extractor circulant applies instead the circulant extractor of Foreman et al.
(Quantum 9, 1584 (2025); spec/circulant.md DEF-CIRC): with p the smallest prime
> N with 2 a primitive root (CONV-CIRC-PRIME; or --prime P), x zero-padded to p - 1
bits, x' = x followed by a zero and y = the first p bits of Z (Z must hold p bits):
  K[i] = XOR_{k=0}^{p-1} x'[k] AND y[(k+i) mod p],   i = 0 .. m-1, m <= p - 1
the same function as cryptomite's Circulant(p - 1, m).extract(x, y).

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
  diramp extract --x-trials run.trials --y z.dbits --m 457108 --out k.dbits   # AB from a trial file
  diramp extract --extractor circulant --x ab.dbits --y z.dbits --m 122336855 --out k.dbits   # Z of p bits
  diramp extract ... --lean            peak memory under 1 GiB at paper scale (slower)
  diramp extract ... --scheduler tcp://sched:8786    on a Dask cluster (inputs on shared storage)
  diramp extract ... --scheduler local --workers 2   on a local Dask cluster of 2 processes

methods: auto (default: float FFT + exact fallback), fft (refuse on unsafe rounding),
exact (big-integer products, slow), reference (O(N m) integer loop, small N only).
"""


#: REQ-BAD-INPUT: accepted forms of a Dask scheduler address.
_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ws|wss|ucx|inproc)://)?[A-Za-z0-9_.\-\[\]:]{1,253}:(\d{1,5})$")


def _scheduler(text: str) -> str:
    if text == "local":
        return text
    m = _ADDRESS.match(text.strip())
    if not m or not 0 < int(m.group(1)) < 65536:
        raise argparse.ArgumentTypeError(
            f"not a Dask scheduler address (got {text[:60]!r}); write tcp://HOST:PORT "
            "(e.g. tcp://10.0.0.5:8786) or 'local'")
    return text.strip()


def register(sub: Any) -> None:
    """Add the ``extract`` subcommand."""
    p = sub.add_parser(
        "extract",
        help="K = Ext(AB, Z): the Theorem 2 two-source extractor on packed bit files",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    xs = p.add_mutually_exclusive_group(required=True)
    xs.add_argument("--x", type=Path, help="first input: AB (device outputs), a packed bit file")
    xs.add_argument("--x-trials", dest="x_trials", type=Path,
                    help="first input: AB read directly from a trial file (CONV-AB-INTERLEAVE), no copy made")
    p.add_argument("--y", required=True, type=Path, help="second input: Z (SV seed)")
    p.add_argument("--m", required=True, type=integer("--m", 1), help="output bits, 1 <= m <= N")
    p.add_argument("--out", required=True, type=Path, help="output K (packed bit file, mode 0600)")
    p.add_argument("--x-bits", type=integer("--x-bits", 0), help="bit length of a raw headerless --x file")
    p.add_argument("--y-bits", type=integer("--y-bits", 0),
                   help="bit length of a raw headerless --y file (with --x-trials: use the first 2n bits of Z "
                   "if it is longer)")
    p.add_argument(
        "--method",
        choices=("auto", "fft", "exact", "reference"),
        default="auto",
        help="computation method (default auto)",
    )
    p.add_argument("--extractor", choices=("dodis", "circulant"), default="dodis",
                   help="dodis (default; the paper's Theorem 2, DEF-EXT) or circulant (Foreman et al. 2025, DEF-CIRC)")
    p.add_argument("--prime", type=integer("--prime", 3),
                   help="circulant only: the seed length p (prime, > N; default CONV-CIRC-PRIME's)")
    p.add_argument("--lean", action="store_true", help="memory-lean mode (<= 1 GiB, slower)")
    p.add_argument("--kernel", choices=("v3", "v2", "v1"), default=None,
                   help="FFT kernel: v3 (default; grouped spectra on four-step transforms), v2 (grouped spectra, "
                   "whole-length transforms) or v1 (one inverse per block, the 0.1 kernel)")
    p.add_argument("--group", type=integer("--group", 1, 10**6), metavar="G",
                   help="blocks per inverse FFT (v3, v2; default: the largest G whose a priori rounding bound is "
                   "<= 1/4; "
                   "a larger one is refused with the bound printed, REQ-FLOAT-MARGIN)")
    p.add_argument("--fft-length", dest="fft_length", type=integer("--fft-length", 8, 1 << 30), metavar="P",
                   help="force the FFT length P (refused when its a priori bound exceeds 1/4)")
    p.add_argument("--workers", type=integer("--workers", 1, 256),
                   help="threads (default 2, 1 with --lean); with --scheduler local: Dask worker processes "
                   "(default 2)")
    p.add_argument("--scheduler", metavar="ADDRESS", type=_scheduler,
                   help="run on Dask (spec/distributed.md): a scheduler address (tcp://host:8786; inputs on "
                   "storage all workers see at the same path), or 'local' for a local cluster of --workers "
                   "processes; needs pip install 'diramp[dask]'")
    p.add_argument("--scheduler-timeout", type=seconds("--scheduler-timeout", 0.1, 3600), default=30.0,
                   metavar="SECONDS",
                   help="seconds to wait for the Dask scheduler and its first worker (default 30)")
    p.add_argument("--receipt", type=Path,
                   help="also write an owner-only receipt (mode 0600) with the SHA-256 of the inputs and of K")
    p.add_argument("--force", action="store_true", help="replace an existing --out (only if the extraction succeeds)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar (default: only on a terminal)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the extractor and print the report (never K's bits, nor any digest of K)."""
    from diramp.certificate import pretty_json
    from diramp.errors import InputError
    from diramp.extractor import extract_files, extract_loop
    from diramp.outputs import Transaction, describe

    x_in = args.x if args.x is not None else args.x_trials
    if args.x_trials is not None and (args.x_bits is not None or args.scheduler is not None):
        raise InputError("--x-trials", "cannot be combined with --x-bits or --scheduler", "",
                         "write AB with `diramp import`-style tools first, or drop the option")
    if args.scheduler is not None and args.method == "reference":
        raise InputError("--method", "reference is not distributed", "", "use auto, fft or exact with --scheduler")
    if args.prime is not None and args.extractor != "circulant":
        raise InputError("--prime", "applies only with --extractor circulant", "", "drop it")
    if args.prime is not None and args.x_trials is not None:
        raise InputError("--prime", "cannot be combined with --x-trials (the protocol's p is used)", "", "drop it")
    kernel_opts = (args.kernel, args.group, args.fft_length)
    if args.scheduler is not None and any(v is not None for v in kernel_opts):
        raise InputError("--kernel/--group/--fft-length", "do not apply to --scheduler", "",
                         "the Dask path plans its own per-task kernel; drop them")
    with Transaction(force=args.force, inputs=[x_in, args.y]) as tx:
        tx.output(args.out, "secret", "K")
        if args.receipt is not None:
            tx.output(args.receipt, "secret", "receipt")
        if args.x_trials is not None:
            from diramp.extractor.circulant import circulant_loop
            from diramp.protocol import extract_trials

            ref = (circulant_loop if args.extractor == "circulant" else extract_loop) \
                if args.method == "reference" else None
            rep = extract_trials(args.x_trials, args.y, args.m, args.out, method="auto" if args.method == "reference"
                                 else args.method, lean=args.lean, y_nbits=args.y_bits, workers=args.workers,
                                 show_progress=args.progress, reference=ref, extractor=args.extractor)
        elif args.extractor == "circulant" and args.scheduler is None:
            from diramp.extractor.circulant import extract_files_circulant

            rep = extract_files_circulant(
                args.x, args.y, args.m, args.out, p=args.prime,
                method="auto" if args.method == "reference" else args.method, lean=args.lean,
                x_nbits=args.x_bits, y_nbits=args.y_bits, workers=args.workers, show_progress=args.progress,
                reference=args.method == "reference", kernel=args.kernel or "v3", group=args.group,
                fft_size=args.fft_length)
        elif args.scheduler is not None and args.extractor == "circulant":
            from diramp.distributed.circulant import extract_distributed_circulant

            rep = extract_distributed_circulant(
                args.x, args.y, args.m, args.out, p=args.prime,
                scheduler=None if args.scheduler == "local" else args.scheduler, workers=args.workers,
                method=args.method, lean=args.lean, x_nbits=args.x_bits, z_nbits=args.y_bits,
                show_progress=args.progress, timeout=args.scheduler_timeout)
        elif args.scheduler is not None:
            from diramp.distributed import extract_distributed

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
                kernel=args.kernel or "v3", group=args.group, fft_size=args.fft_length,
            )
        if args.receipt is not None:
            rec = {"kind": "diramp-extract-receipt", "warning": "SECRET: holds a digest of K; keep it owner-only",
                   **{k: rep.extra[k] for k in ("x_sha256", "y_sha256", "out_sha256") if k in rep.extra}}
            with tx.open(args.receipt) as f:
                f.write(pretty_json(rec).encode("utf-8"))
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
        "x": str(x_in),
        "y": str(args.y),
        "out": str(args.out),
        "written": describe(tx.published),
    }
    if args.extractor == "circulant":  # DEF-CIRC: the input length, the prime and the wrapped length
        out = {"extractor": "circulant", "p": rep.extra.get("p"), **out,
               "N": rep.extra.get("N_input", rep.N), "N_wrapped": rep.N}
    if "engine" in rep.extra:  # --scheduler (spec/distributed.md)
        out["engine"] = rep.extra["engine"]
    for key in ("kernel", "G", "batch", "transforms", "zero_y_blocks"):
        if key in rep.extra:
            out[key] = rep.extra[key]
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
