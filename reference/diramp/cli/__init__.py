"""The ``diramp`` command line.  Parsing and formatting only; no computation here.

Each subcommand lives in its own module ``diramp.cli.<name>`` exposing
``register(subparsers)``, which adds its parser and sets ``func(args) -> int``.

Exit codes: 0 success; 1 a check failed (verification mismatch, self-check);
2 bad input (the message names the parameter and its valid range);
3 the protocol aborted (no K written).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from diramp import __version__
from diramp.errors import DirampError

#: Subcommand modules, in the order ``--help`` lists them.
SUBCOMMANDS: tuple[str, ...] = (
    # the protocol and its audit first, then the tools for each part of it
    "run", "audit", "commit", "verify", "simulate", "extract", "vectors", "reproduce", "figures", "stats",
)

EPILOG = """\
exit codes: 0 ok, 1 a check failed, 2 bad input, 3 protocol aborted (no K).
Spec IDs such as THM-5 refer to spec/ in the source tree; `diramp audit --preset
kulikov2024` is a reviewer's first look at the paper's numbers.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="diramp",
        description=(
            "Device-independent randomness amplification (Kulikov et al. 2024): "
            "exact security bounds, the two-source extractor, and the protocol end to end."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"diramp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in SUBCOMMANDS:
        importlib.import_module(f"diramp.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except DirampError as exc:
        print(f"diramp {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("diramp: interrupted; no output was written", file=sys.stderr)
        return 130
