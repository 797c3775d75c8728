"""``diramp reproduce``: the paper's published numbers beside ours (report.md, report.json, figures)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from diramp.cli._format import table

DESCRIPTION = """\
Reproduce a paper's published numbers and set ours beside them.  Writes into
--out: report.md (the comparison table: paper value, ours, status, reason, the
place in the paper), report.json (the same, plus the full audit), and unless
--no-figures, fig2.png (300 dpi) and fig2.pdf with their data fig2.json
(about a minute the first time; the per-point results are cached in
DIR/.fig2-cache.json and proved again on the next run).

Statuses: reproduced | within spread (inside the range the unpublished
parameters allow) | differs (with the reason) | not published.
Output is deterministic: the same inputs give byte-identical report.json and data files.
"""

EXAMPLES = """\
examples:
  diramp reproduce kulikov2024 --out repro
  diramp reproduce kulikov2024 --out repro --no-figures --json
"""


def register(sub: Any) -> None:
    from diramp.reproduce import PRESETS

    p = sub.add_parser("reproduce", help="the paper's published numbers beside ours (report + figures)",
                       description=DESCRIPTION, epilog=EXAMPLES + "known presets: " + ", ".join(PRESETS),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("preset", metavar="PRESET", help="published parameter set: " + ", ".join(PRESETS))
    p.add_argument("--out", type=Path, required=True,
                   help="output directory (created if missing; its parent must exist)")
    p.add_argument("--no-figures", action="store_true",
                   help="skip the figures (report only, a few seconds; without matplotlib they are skipped anyway)")
    p.add_argument("--force", action="store_true",
                   help="replace existing report and figure files (only if the whole reproduction succeeds)")
    p.add_argument("--json", action="store_true", help="print report.json to stdout instead of the summary")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from diramp.outputs import Transaction, describe
    from diramp.reproduce import check_preset, reproduce

    check_preset(args.preset)
    with Transaction(force=args.force) as tx:
        rep = reproduce(args.preset, args.out, figures=not args.no_figures)
    if args.json:
        sys.stdout.write((args.out / "report.json").read_text("utf-8"))
        return 0
    if rep.extra.get("figures_note"):
        print(f"diramp reproduce: {rep.extra['figures_note']}", file=sys.stderr)
    rows = [[r.key, r.status, r.paper if len(r.paper) <= 36 else r.paper[:35] + "…",
             r.ours if len(r.ours) <= 48 else r.ours[:47] + "…"] for r in rep.rows]
    print(f"diramp reproduce {rep.preset}: " + ", ".join(f"{v} {k}" for k, v in rep.summary().items()))
    print(table(rows, ["row", "status", "paper", "ours"]))
    print("wrote: " + "; ".join(describe(tx.published)))
    return 0
