"""``diramp vectors generate|verify|serve``: the test vectors of spec/vectors/ (DEF-VECTORS).

Exit codes: 0 all tests pass (or files written), 1 a test failed, 2 bad input
(missing directory or file, invalid JSON or schema, unknown component, a
command that cannot start).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from diramp.cli._args import nonempty, seconds
from diramp.errors import InputError


def register(subparsers: Any) -> None:
    """Add the ``vectors`` subcommand."""
    from diramp.vectors.verify import COMPONENTS

    p = subparsers.add_parser(
        "vectors",
        help="generate or verify the test vectors (spec/vectors/)",
        description=(
            "Wycheproof-style test vectors other implementations can run (spec/vectors/README.md, "
            "docs/vectors.md). `generate` rebuilds the files deterministically from independent methods "
            "(REQ-VECTOR-INDEPENDENT); `verify` checks diramp, or an external command speaking the "
            "JSON-lines protocol, against them."
        ),
    )
    sub = p.add_subparsers(dest="vectors_command", metavar="ACTION")
    g = sub.add_parser("generate", help="write the vector files (byte-for-byte reproducible)",
                       description="Rebuild the vector files deterministically from independent methods "
                       "(REQ-VECTOR-INDEPENDENT) into --out (created if missing); existing files are replaced only "
                       "with --force, and only when every file was built.",
                       epilog="example: diramp vectors generate --out /tmp/vectors && "
                       "diff -r /tmp/vectors spec/vectors")
    g.add_argument("--out", default="spec/vectors", metavar="DIR", help="output directory (default spec/vectors)")
    g.add_argument("--component", action="append", choices=COMPONENTS, default=None,
                   help="only this component (repeatable)")
    g.add_argument("--force", action="store_true",
                   help="replace existing vector files (e.g. regenerating spec/vectors; only if all are built)")
    g.set_defaults(func=_generate)
    v = sub.add_parser("verify", help="check an implementation against the vector files",
                       description="Run every test of the vector files through diramp (default) or an external "
                       "implementation (--impl CMD, the JSON-lines protocol of docs/vectors.md) and compare the "
                       "answers.  Fails closed (REQ-VECTOR-FAIL-CLOSED): OK needs at least one valid test answered "
                       "correctly and no failure; an implementation that exits, hangs past --timeout or errors on "
                       "everything fails, and its process is ended when verification ends.  Exit 0 OK, 1 failed.",
                       epilog="examples:\n  diramp vectors verify\n  diramp vectors verify --impl ./my-impl "
                       "--component extractor\n  diramp vectors verify --impl 'python impl.py' --json",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("--dir", default=None, metavar="DIR",
                   help="vector directory (default: ./spec/vectors, else the source tree's spec/vectors)")
    v.add_argument("--impl", default=None, metavar="CMD", type=nonempty("--impl"),
                   help="external implementation: a command reading JSON requests on stdin (docs/vectors.md); "
                   "omit it to verify diramp itself")
    v.add_argument("--timeout", type=seconds("--timeout", 0.1, 3600), default=60.0, metavar="SECONDS",
                   help="seconds the implementation may take for one answer before it counts as dead (default 60)")
    v.add_argument("--component", action="append", choices=COMPONENTS, default=None,
                   help="only this component (repeatable)")
    v.add_argument("--acceptable-flag", action="append", default=[], metavar="FLAG",
                   help="count mismatches of tests with this flag as acceptable (e.g. ReconstructedEta)")
    v.add_argument("--json", action="store_true", help="print the report as JSON")
    v.set_defaults(func=_verify)
    s = sub.add_parser("serve", help="answer protocol requests on stdin with diramp (an example implementation)",
                       description="Answer DEF-VECTORS requests, one JSON object per line on stdin, with one JSON "
                       "response per line on stdout (docs/vectors.md); a malformed request gets an error response.")
    s.set_defaults(func=_serve)
    p.set_defaults(func=lambda args: _usage(p))


def _usage(p: argparse.ArgumentParser) -> int:
    p.print_help(sys.stderr)
    return 2


def _generate(args: argparse.Namespace) -> int:
    from diramp.outputs import Transaction
    from diramp.vectors.generate import generate

    t = time.perf_counter()
    with Transaction(force=args.force):
        written = generate(args.out, args.component)
    for name, path in written.items():
        print(f"{name:16s} {path} (mode 0644, public test data)")
    print(f"generated in {time.perf_counter() - t:.1f} s")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from diramp.vectors.verify import overall_ok, verify_dir

    t = time.perf_counter()
    reports = verify_dir(args.dir or _default_dir(), args.impl, args.component, args.acceptable_flag,
                         timeout=args.timeout)
    elapsed = time.perf_counter() - t
    ok, why = overall_ok(reports)
    if args.json:
        print(json.dumps({"implementation": args.impl or "diramp", "seconds": round(elapsed, 3),
                          "ok": ok, "verdict": why, "components": [r.to_dict() for r in reports]}, indent=2))
    else:
        print(f"implementation: {args.impl or 'diramp (in process)'}")
        print(f"{'component':16s} {'passed':>6s} {'failed':>6s} {'skipped':>7s} {'acceptable':>10s} {'valid ok':>8s}")
        for r in reports:
            print(f"{r.component:16s} {r.passed:6d} {r.failed:6d} {r.skipped:7d} {r.acceptable:10d} "
                  f"{r.valid_passed:8d}")
        for r in reports:
            for f in r.failures:
                print(f"FAIL {r.component} tcId {f.tcId} ({f.comment}; {f.result}): {f.reason}")
                print(f"  expected: {_short(f.expected)}")
                print(f"  got:      {_short(f.got)}")
        print(f"{'OK' if ok else 'FAILED'}: {why} ({elapsed:.1f} s)")
    return 0 if ok else 1


def _default_dir() -> str:
    """./spec/vectors when run from a checkout, else the spec/vectors beside the installed source tree."""
    from pathlib import Path

    import diramp

    here = Path("spec/vectors")
    if here.is_dir():
        return str(here)
    tree = Path(diramp.__file__).resolve().parents[2] / "spec" / "vectors"
    if tree.is_dir():
        return str(tree)
    raise InputError("--dir", "no vector directory found", "not ./spec/vectors nor beside the source tree",
                     "give --dir PATH/spec/vectors (the vectors ship with the source, not the wheel)")


def _short(v: Any) -> str:
    s = json.dumps(v)
    return s if len(s) <= 300 else s[:300] + "..."


def _serve(args: argparse.Namespace) -> int:
    from diramp.vectors.adapter import serve

    try:
        return serve(sys.stdin, sys.stdout)
    except json.JSONDecodeError as exc:
        raise InputError("stdin", "each line must be one JSON request", str(exc)) from exc
