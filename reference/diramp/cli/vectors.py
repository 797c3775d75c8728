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
    g = sub.add_parser("generate", help="write the vector files (byte-for-byte reproducible)")
    g.add_argument("--out", default="spec/vectors", metavar="DIR", help="output directory (default spec/vectors)")
    g.add_argument("--component", action="append", choices=COMPONENTS, default=None,
                   help="only this component (repeatable)")
    g.set_defaults(func=_generate)
    v = sub.add_parser("verify", help="check an implementation against the vector files")
    v.add_argument("--dir", default="spec/vectors", metavar="DIR", help="vector directory (default spec/vectors)")
    v.add_argument("--impl", default=None, metavar="CMD",
                   help="external implementation: a command reading JSON requests on stdin (docs/vectors.md)")
    v.add_argument("--component", action="append", choices=COMPONENTS, default=None,
                   help="only this component (repeatable)")
    v.add_argument("--acceptable-flag", action="append", default=[], metavar="FLAG",
                   help="count mismatches of tests with this flag as acceptable (e.g. ReconstructedEta)")
    v.add_argument("--json", action="store_true", help="print the report as JSON")
    v.set_defaults(func=_verify)
    s = sub.add_parser("serve", help="answer protocol requests on stdin with diramp (an example implementation)")
    s.set_defaults(func=_serve)
    p.set_defaults(func=lambda args: _usage(p))


def _usage(p: argparse.ArgumentParser) -> int:
    p.print_help(sys.stderr)
    return 2


def _generate(args: argparse.Namespace) -> int:
    from diramp.vectors.generate import generate

    t = time.perf_counter()
    written = generate(args.out, args.component)
    for name, path in written.items():
        print(f"{name:16s} {path}")
    print(f"generated in {time.perf_counter() - t:.1f} s")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from diramp.vectors.verify import verify_dir

    t = time.perf_counter()
    reports = verify_dir(args.dir, args.impl, args.component, args.acceptable_flag)
    seconds = time.perf_counter() - t
    failed = sum(r.failed for r in reports)
    if args.json:
        print(json.dumps({"implementation": args.impl or "diramp", "seconds": round(seconds, 3),
                          "ok": failed == 0, "components": [r.to_dict() for r in reports]}, indent=2))
    else:
        print(f"implementation: {args.impl or 'diramp (in process)'}")
        print(f"{'component':16s} {'passed':>6s} {'failed':>6s} {'skipped':>7s} {'acceptable':>10s}")
        for r in reports:
            print(f"{r.component:16s} {r.passed:6d} {r.failed:6d} {r.skipped:7d} {r.acceptable:10d}")
        for r in reports:
            for f in r.failures:
                print(f"FAIL {r.component} tcId {f.tcId} ({f.comment}; {f.result}): {f.reason}")
                print(f"  expected: {_short(f.expected)}")
                print(f"  got:      {_short(f.got)}")
        print(f"{'OK' if failed == 0 else 'FAILED'} in {seconds:.1f} s")
    return 0 if failed == 0 else 1


def _short(v: Any) -> str:
    s = json.dumps(v)
    return s if len(s) <= 300 else s[:300] + "..."


def _serve(args: argparse.Namespace) -> int:
    from diramp.vectors.adapter import serve

    try:
        return serve(sys.stdin, sys.stdout)
    except json.JSONDecodeError as exc:
        raise InputError("stdin", "each line must be one JSON request", str(exc)) from exc
