"""``diramp import``: your own data into diramp's formats (DEF-TRIAL-IMPORT, DEF-BITS-IMPORT).

Parsing and formatting only; the work is :mod:`diramp.trials.importers`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from diramp.cli._args import integer

DESCRIPTION = """\
Import recorded data (spec/data-formats.md):

  trials  --npy FILE or --csv FILE  ->  a trial file (DEF-TRIAL-FILE), mode 0600
          .npy: a 1-D structured array with integer fields x, y, a, b (loaded
          memory-mapped, no pickle); CSV (small files): header x,y,a,b, then one
          trial per line, each cell 0 or 1.
  bits    --bits FILE  ->  a packed bit file (DEF-PACKED-FILE), mode 0600, e.g. the
          seed Z: raw packed bytes, MSB-first (8 bits per byte, or --nbits N), or
          --bits-format ascii for a text of 0 and 1 characters.

Every value other than 0/1 is an error naming the trial, line or byte; nothing is
written unless the whole import succeeds.  Outputs are owner-only: trial files
hold the device outputs A and B, which must stay private (Supplementary V).
"""

EPILOG = """\
examples:
  diramp import --npy run.npy --out run.trials
  diramp import --csv small.csv --out small.trials
  diramp import --bits z.bin --out z.dbits                      # 8 bits per byte
  diramp import --bits z.bin --nbits 2684354560 --out z.dbits
  diramp import --bits z.txt --bits-format ascii --out z.dbits
then: diramp commit ... ; diramp run --trials run.trials --seed-z z.dbits --commit commit.json
"""


def register(subparsers: Any) -> None:
    """Add the ``import`` subcommand."""
    p = subparsers.add_parser("import", help="import your own trials (npy, CSV) or raw bits (a seed Z)",
                              description=DESCRIPTION, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--npy", type=Path, help="a .npy structured array with fields x, y, a, b")
    src.add_argument("--csv", type=Path, help="a small CSV with header x,y,a,b")
    src.add_argument("--bits", type=Path, help="a raw bit string (packed bytes MSB-first, or ASCII 0/1)")
    p.add_argument("--nbits", type=integer("--nbits", 0), help="bit length of a packed --bits file (default 8 x size)")
    p.add_argument("--bits-format", choices=("packed", "ascii"), default="packed", help="format of --bits")
    p.add_argument("--out", type=Path, required=True, help="file to write (mode 0600)")
    p.add_argument("--force", action="store_true", help="replace an existing output (only if the import succeeds)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run, command="import")


def run(args: argparse.Namespace) -> int:
    from diramp.errors import InputError
    from diramp.outputs import Transaction, describe
    from diramp.trials import import_bits, import_csv, import_npy

    src = args.npy or args.csv or args.bits
    if args.bits is None and (args.nbits is not None or args.bits_format != "packed"):
        raise InputError("--nbits/--bits-format", "apply only to --bits", "", "drop them")
    with Transaction(force=args.force, inputs=[src]) as tx:
        kind = "packed bit file" if args.bits is not None else "trial file"
        tx.output(args.out, "secret", kind)
        if args.npy is not None:
            summary: dict[str, Any] = {"n": import_npy(args.npy, args.out).n}
        elif args.csv is not None:
            summary = {"n": import_csv(args.csv, args.out).n}
        else:
            summary = {"nbits": import_bits(args.bits, args.out, args.nbits, args.bits_format)}
    summary.update({"source": str(src), "out": str(args.out), "kind": kind, "written": describe(tx.published)})
    if args.json:
        print(json.dumps(summary, indent=2, sort_keys=True))
    else:
        what = f"{summary['n']:,} trials" if "n" in summary else f"{summary['nbits']:,} bits"
        print(f"imported {what} from {src}: wrote {describe(tx.published)[0]}")
    return 0
