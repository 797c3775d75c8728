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
import signal
import sys
from collections.abc import Sequence
from typing import Any

from diramp import __version__
from diramp.errors import DirampError

#: Subcommand modules, in the order ``--help`` lists them.
SUBCOMMANDS: tuple[str, ...] = (
    # the protocol and its audit first, then the tools for each part of it
    "run", "audit", "commit", "verify", "simulate", "importer", "extract", "vectors", "reproduce", "figures",
    "stats",
)
#: Longest error message printed (one line; the rest is cut).
MAX_MESSAGE = 600


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that every output transaction is rolled back."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


def one_line(text: str) -> str:
    """An error message as one line of bounded length (REQ-BAD-INPUT)."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= MAX_MESSAGE else flat[: MAX_MESSAGE - 3] + "..."

EPILOG = """\
exit codes: 0 ok, 1 a check failed, 2 bad input, 3 protocol aborted (no K).
Spec IDs such as THM-5 refer to spec/ in the source tree; `diramp audit --preset
kulikov2024` is a reviewer's first look at the paper's numbers.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """One line on stderr, exit 2 (REQ-BAD-INPUT); the usage is in --help."""
        self.exit(2, f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)\n")


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
    """Run one command; every failure is one line on stderr with its exit code (REQ-BAD-INPUT)."""
    old = None
    try:
        old = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not in the main thread (e.g. called from a test runner's worker thread)
        pass
    try:
        return _main(argv)
    finally:
        if old is not None:
            signal.signal(signal.SIGTERM, old)


def _main(argv: Sequence[str] | None) -> int:
    command = "diramp"
    from diramp.outputs import PUBLISHED

    PUBLISHED.clear()  # one command per call (the tests call main() many times in one process)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help(sys.stderr)
            return 2
        command = f"diramp {args.command}"
        return int(args.func(args))
    except DirampError as exc:
        _err(f"{command}: error: {one_line(str(exc))}")
        return exc.exit_code
    except KeyboardInterrupt:
        from diramp.outputs import PUBLISHED

        if PUBLISHED:
            _err(f"{command}: interrupted; nothing more was written (already complete before the interruption: "
                 f"{', '.join(str(p) for p in PUBLISHED[:6])})")
        else:
            _err(f"{command}: interrupted; no output was written or changed")
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return 1
    except OSError as exc:
        from diramp.inputs import input_error

        _err(f"{command}: error: {one_line(str(input_error(exc.filename, exc)))}")
        return 2
    except RecursionError:
        _err(f"{command}: error: an input is nested too deeply to be a diramp file")
        return 2
    except MemoryError:
        _err(f"{command}: error: out of memory: an input or a requested size is too large for this machine")
        return 2


def _err(line: str) -> None:
    try:
        print(line, file=sys.stderr)
    except (BrokenPipeError, OSError):
        pass


def _quiet_stdout() -> None:
    """After a closed pipe on stdout: point stdout at /dev/null so the interpreter's final flush is silent."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
