"""``diramp verify``: re-derive a run certificate (REQ-VERIFY, DEF-CERT), Box I of Kulikov et al. (2024).

Parsing and formatting only; the work is :func:`diramp.certificate.verify`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

DESCRIPTION = """\
Check a run certificate of `diramp run` against the data (REQ-VERIFY,
spec/protocol.md): its schema, the pre-commitment it embeds (with
--precommit-sha256, that it is the commitment published BEFORE the run), the
SHA-256 of the trial file and of Z, then re-count the trials and re-compute
S_mu,obs, CHSH, the per-block series, eta, m and eps in both variants (Theorems
1, 5, 6) with the committed parameters; with --k, re-extract K = Ext(AB, Z) and
compare it with the K file bit for bit.  Any difference fails, naming the field.
The certificate holds no digest of K: K is checked only by re-extraction.

exit codes: 0 verified, 1 mismatch (named), 2 bad input (unreadable file).
"""

EPILOG = """\
example:
  diramp verify cert.json --trials run.trials --seed-z run.z.dbits --k k.dbits \
      --precommit-sha256 "$(cut -d' ' -f1 commit.sha256)"

Without --k the extraction is skipped (faster; K itself is then not checked).
Without --precommit-sha256 the embedded commitment is only checked for internal
consistency: anyone can make a commitment after seeing the data, so pin the
digest you saw published before the run.  The certificate's optional "timings"
field is not verified (it is not hashed).
"""


def register(subparsers: Any) -> None:
    """Add the ``verify`` subcommand."""
    p = subparsers.add_parser(
        "verify",
        help="re-derive a run certificate from the data (and K)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("cert", type=Path, help="run certificate (JSON)")
    p.add_argument("--trials", required=True, type=Path, help="the trial file of the run")
    p.add_argument("--seed-z", dest="seed_z", required=True, type=Path, help="the seed Z of the run")
    p.add_argument("--k", type=Path, help="the K file to check (re-extracts K and compares it bit for bit)")
    p.add_argument("--precommit-sha256", dest="precommit_sha256", metavar="HEX",
                   help="the pre-commitment digest published before the run (sha256sum of commit.json); "
                   "a certificate made with any other commitment fails")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bars (default: only on a terminal)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from diramp.certificate import verify

    rep = verify(args.cert, args.trials, args.seed_z, args.k, show_progress=args.progress,
                 precommit_sha256=args.precommit_sha256)
    if args.json:
        print(json.dumps({"verified": True, "checked": list(rep.checked), "m": rep.m, "k_checked": rep.k_checked,
                          "certificate_sha256": rep.certificate_sha256, "precommit_sha256": rep.precommit_sha256,
                          "precommit_pinned": rep.precommit_pinned, "eps_protocol": rep.eps_protocol,
                          "meets_claim": rep.meets_claim}, indent=2, sort_keys=True))
    else:
        print(f"verified: {args.cert} (m = {rep.m:,}; checked {', '.join(rep.checked)})")
        print(f"  pre-commitment SHA-256 {rep.precommit_sha256}"
              + ("  (pinned: equals the digest given)" if rep.precommit_pinned
                 else "  (NOT pinned: compare it with the digest published before the run, or pass "
                      "--precommit-sha256)"))
        print(f"  protocol-level eps <= {rep.eps_protocol}" + ("" if rep.meets_claim else
              "  (WARNING: above the committed eps; THM-6-EPS)"))
        if not rep.k_checked:
            print("  K was not checked (pass --k to re-extract it)")
    return 0
