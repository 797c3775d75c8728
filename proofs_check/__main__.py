"""``python -m proofs_check [--list] [NAMES...]``: run the mechanical checks.

Prints ``PASS <name>: <what was established>`` (or ``FAIL ...``) per check and
exits 1 if any failed, 2 on an unknown name.
"""

from __future__ import annotations

import argparse
import sys

from proofs_check import load_all, run


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    ap = argparse.ArgumentParser(prog="python -m proofs_check", description=__doc__)
    ap.add_argument("names", nargs="*", help="checks to run (default: all)")
    ap.add_argument("--list", action="store_true", help="list the checks and exit")
    args = ap.parse_args(argv)
    if args.list:
        for c in load_all().values():
            ids = ", ".join(c.spec_ids)
            print(f"{c.name}  [{ids}]  {c.summary}")
        return 0
    try:
        outcomes = run(args.names)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    for o in outcomes:
        print(o.line(), flush=True)
    failed = [o.name for o in outcomes if not o.passed]
    if failed:
        names = ", ".join(failed)
        print(f"{len(failed)} of {len(outcomes)} checks FAILED: {names}", file=sys.stderr)
        return 1
    print(f"all {len(outcomes)} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
