"""``diramp commit``: write the pre-commitment record (DEF-PRECOMMIT), Box I of Kulikov et al. (2024).

Parsing and formatting only; the record is :class:`diramp.certificate.Precommit`,
the parameters come from :func:`diramp.params.resolve_parameters` (the rule
``diramp audit`` uses too, CONV-PRESET-OVERRIDE).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from diramp.cli._args import exact, integer
from diramp.errors import InputError

DESCRIPTION = """\
Fix every parameter of Box I (Kulikov et al. 2024) BEFORE the data is read, and
write them as a pre-commitment record (DEF-PRECOMMIT, spec/protocol.md): JSON with
n, mu, eps, eps_s, eps_EA, the Theorem 6 grid (M bins up to S_max, Delta S =
S_max / M), the length variant, the block size of the per-block series, the
extractor, the software and spec versions.  Publish (or timestamp) the file's
SHA-256 before the run -- it is exactly what `sha256sum commit.json` prints --
and pin it when verifying (`diramp verify --precommit-sha256`): a commitment
made after seeing the data then cannot pass.  `diramp run --commit` refuses
parameters that differ from the record, and the run certificate embeds it.

Numbers are read exactly ("0.0075" is 3/400, "1e-12" is 10^-12).  The record is
deterministic: the same parameters give the same bytes and hash; --created-at
adds a time stamp of your choice (not the clock).  The record is public: it is
written with mode 0644.
"""

EPILOG = """\
examples:
  diramp commit --n 67108864 --preset kulikov2024 --out commit.json
  diramp commit --preset kulikov2024 --eps 1e-10 --out commit.json   # one value changed, marked OVERRIDDEN
  diramp commit --n 1342177280 --mu 0.0075 --eps 1e-12 --eps-s 1e-20 \\
      --bins 1000 --s-max 0.0125 --variant derived --out commit.json
  sha256sum commit.json                                              # the digest to publish

--preset kulikov2024 fills the values you leave out from the paper (n, mu, eps)
and from its labelled ASSUMPTIONS (eps_s, eps_EA and the grid are not
published); every value you give overrides the preset and is marked.  eps_EA
follows eps (eq. 21 of Theorem 6) unless you give --eps-ea.
Theorem 6 makes the protocol M eps secure (M bins): the record's eps is the
per-bin eps; `diramp audit` shows the protocol-level eps it gives.
"""


def add_param_args(p: argparse._ActionsContainer) -> None:
    """The committed parameters as options (shared with ``diramp run``)."""
    p.add_argument("--n", type=integer("--n", 1), help="number of trials n (the paper: 1342177280; 1e9 accepted)")
    p.add_argument("--mu", type=exact("--mu"), help="SV bias mu in [0, 1/2), exact (the paper: 0.0075)")
    p.add_argument("--eps", type=exact("--eps"), help="security parameter eps per Theorem 5 instance (paper: 1e-12)")
    p.add_argument("--eps-s", dest="eps_s", type=exact("--eps-s"),
                   help="smoothing eps_s of Theorem 1, with 6 eps_s < eps")
    p.add_argument("--eps-ea", dest="eps_ea", type=exact("--eps-ea"),
                   help="eps_EA of Theorem 1 (default: eps, as eq. 21)")
    p.add_argument("--eps-protocol", dest="eps_protocol", type=exact("--eps-protocol"),
                   help="the protocol-level eps claimed (THM-6-EPS: M times the worst bin's eps must not exceed it; "
                   "default eps; the kulikov2024 preset: the paper's 1e-12)")
    p.add_argument("--bins", type=integer("--bins", 1, 10**7), help="Theorem 6 grid size M")
    p.add_argument("--s-max", dest="s_max", type=exact("--s-max"),
                   help="Theorem 6 grid top S_max (Delta S = S_max / M)")
    p.add_argument("--variant", choices=("derived", "as_printed"),
                   help="output length variant (CONV-VARIANT; default derived)")
    p.add_argument("--block-trials", dest="block_trials", type=integer("--block-trials", 8),
                   help="trials per block of the series (a multiple of 8; default 4194304)")
    p.add_argument("--method", choices=("auto", "fft", "exact"), help="extractor method (default auto)")
    p.add_argument("--extractor", choices=("dodis",), help="the two-source extractor (default dodis, Theorem 2)")


def register(subparsers: Any) -> None:
    """Add the ``commit`` subcommand."""
    p = subparsers.add_parser(
        "commit",
        help="write the pre-commitment record (all parameters fixed before the data)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_param_args(p)
    p.add_argument("--preset", choices=("kulikov2024",), help="fill omitted values from a preset")
    p.add_argument("--created-at", dest="created_at", help="a time stamp to record (free text; default omitted)")
    p.add_argument("--out", required=True, type=Path, help="pre-commitment JSON to write (mode 0644)")
    p.add_argument("--force", action="store_true",
                   help="replace an existing record (only if the command succeeds)")
    p.set_defaults(func=run)


def given(args: argparse.Namespace) -> Any:
    """The explicit parameters of the command line (exact values or None)."""
    from diramp.params import Given

    return Given(n=args.n, mu=args.mu, eps=args.eps, eps_s=args.eps_s, eps_EA=args.eps_ea, bins=args.bins,
                 s_max=args.s_max, eps_protocol=args.eps_protocol)


def params_from_args(args: argparse.Namespace, preset: str | None) -> tuple[Any, dict[str, str]]:
    """:class:`diramp.protocol.ProtocolParams` and each value's origin, by CONV-PRESET-OVERRIDE."""
    from diramp.length import Grid
    from diramp.params import load_preset, resolve_parameters
    from diramp.protocol import BLOCK, ProtocolParams

    pr = load_preset(preset) if preset else None
    if pr is None and args.n is None:
        raise InputError("--n", "is required (the number of trials)", "", "e.g. --n 67108864, or use --preset")
    vals, origins, _ = resolve_parameters(pr, given(args))
    if vals.get("bins") is None:
        raise InputError("--bins/--s-max", "are required (the Theorem 6 grid the run uses)", "",
                         "give both, or use --preset kulikov2024")
    block = args.block_trials if args.block_trials is not None else (
        int(pr.published("block_trials")) if pr else BLOCK)
    params = ProtocolParams(
        n=vals["n"], mu=vals["mu"], eps=vals["eps"], eps_s=vals["eps_s"], eps_ea=vals["eps_EA"],
        grid=Grid(vals["s_max"], vals["bins"]), variant=args.variant or "derived", block=block,
        method=args.method or "auto", eps_claim=vals["eps_protocol"],
    )
    return params, origins


def run(args: argparse.Namespace) -> int:
    from diramp.certificate import Precommit
    from diramp.exact import exact_text
    from diramp.length import worst_bin_eps
    from diramp.outputs import Transaction, describe

    with Transaction(force=args.force) as tx:
        out = tx.output(args.out, "public", "pre-commitment")
        params, origins = params_from_args(args, args.preset)
        pc = Precommit(params, created_at=args.created_at, extractor=args.extractor or "dodis")
        with tx.open(out) as f:
            f.write(pc.to_json().encode("utf-8"))
    p = pc.params
    eps_protocol = p.grid.bins * max(worst_bin_eps(p.variant, p.eps, p.eps_s), p.eps_ea)
    rows = [("n", str(p.n), "n"), ("mu", exact_text(p.mu, 40), "mu"), ("eps (per bin)", exact_text(p.eps, 40), "eps"),
            ("eps_s", exact_text(p.eps_s, 40), "eps_s"), ("eps_EA", exact_text(p.eps_ea, 40), "eps_EA"),
            ("grid M", str(p.grid.bins), "bins"), ("grid S_max", exact_text(p.grid.s_max, 40), "s_max"),
            ("eps claimed", exact_text(p.eps_claim or p.eps, 40), "eps_protocol")]
    print(f"pre-commitment written: {describe(tx.published)[0]}")
    for label, value, key in rows:
        print(f"  {label:<14} {value:<24} {origins.get(key, 'given')}")
    print(f"  variant {p.variant}; blocks of {p.block} trials; extractor {pc.extractor} ({p.method}); "
          f"Delta S = {exact_text(p.grid.delta, 40)}")
    claim = p.eps_claim or p.eps
    verdict = "meets" if eps_protocol <= claim else "MISSES"
    print(f"  protocol-level eps (Theorem 6: M x the worst bin's eps) = {float(eps_protocol):.3g}: {verdict} the "
          f"claimed {float(claim):.3g} (THM-6-EPS)")
    print(f"  SHA-256 {pc.sha256}  (= sha256sum {args.out})")
    print("publish this digest before the run; then: diramp run --trials T --seed-z Z --commit " + str(args.out))
    return 0
