"""``diramp stats FILE``: NIST SP 800-22 rev1a (own implementation), dieharder and ent.

Exit 0 when the overall verdict is pass, 1 when it is fail or inconclusive (a
battery that could not tell does not report OK), 2 on bad input (missing, empty
or truncated file, bad option).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from diramp.cli._args import integer


def register(subparsers: Any) -> None:
    """Add the ``stats`` subcommand."""
    from diramp.stats.sp800_22 import TEST_NAMES

    p = subparsers.add_parser(
        "stats",
        help="statistical tests of a bit file (NIST SP 800-22 rev1a, dieharder, ent)",
        description=(
            "Run diramp's own NIST SP 800-22 rev1a battery on a packed bit file (MSB-first; "
            "diramp's headered packed format or a raw .bin), split into streams, and report "
            "P-values, pass proportions and verdicts; also dieharder and ent when installed. "
            "A statistical battery cannot prove randomness; see docs/stats.md.  The overall verdict "
            "(pass / fail / inconclusive) follows the rule REQ-STATS-VERDICT printed with it; exit code 0 for "
            "pass, 1 for fail or inconclusive.  --out files are owner-only (mode 0600): the report is a "
            "function of the input, which may be K."
        ),
    )
    p.add_argument("file", metavar="FILE", help="packed bit file (diramp format or raw .bin)")
    p.add_argument("--bits", type=integer("--bits", 1), default=None, metavar="N",
                   help="use only the first N bits (drop trailing pad bits of a raw file)")
    p.add_argument("--stream-bits", type=integer("--stream-bits", 1000, 1 << 30), default=1 << 20, metavar="B",
                   help="bits per stream, >= 1000 (default 1048576 = 2^20)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--out", metavar="REPORT.md", type=Path, default=None,
                   help="also write the Markdown report (or JSON with --json) to this file (mode 0600)")
    p.add_argument("--force", action="store_true", help="replace an existing --out (only if the run succeeds)")
    p.add_argument("--no-dieharder", action="store_true", help="do not run dieharder")
    p.add_argument("--no-ent", action="store_true", help="do not run ent")
    p.add_argument("--tests", nargs="+", metavar="TEST", choices=TEST_NAMES, default=None,
                   help="SP 800-22 tests to run (default: all 15): " + ", ".join(TEST_NAMES))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from diramp.outputs import Transaction
    from diramp.progress import progress
    from diramp.stats.battery import run_battery, select_tests, split_streams
    from diramp.stats.bitfile import open_bits
    from diramp.stats.external import DIEHARDER_DEFAULT_TESTS, run_dieharder, run_ent
    from diramp.stats.report import StatsReport, render_markdown

    with Transaction(force=args.force, inputs=[args.file]) as tx:
        if args.out is not None:
            tx.output(args.out, "secret", "report")
        source = open_bits(args.file, args.bits)
        chosen = select_tests(args.tests)
        streams, _ = split_streams(source.nbits, args.stream_bits)
        total = streams * len(chosen) + (0 if args.no_dieharder else len(DIEHARDER_DEFAULT_TESTS))
        with progress(total, "diramp stats", unit="test") as bar:
            battery = run_battery(source, args.stream_bits, args.tests, on_test=lambda: bar.update(1))
            dh = None if args.no_dieharder else run_dieharder(source, on_test=lambda: bar.update(1))
        ent = None if args.no_ent else run_ent(source)
        rep = StatsReport(str(args.file), source.layout, source.sha256, battery, dh, ent)
        text = (json.dumps(rep.to_json(), indent=2) + "\n") if args.json else render_markdown(rep)
        if args.out is not None:
            with tx.open(args.out) as f:
                f.write(text.encode("utf-8"))
    sys.stdout.write(text)
    if args.out is not None:
        from diramp.outputs import describe

        print(f"diramp stats: wrote {describe(tx.published)[0]}", file=sys.stderr)
    return 0 if battery.verdict().verdict == "pass" else 1
