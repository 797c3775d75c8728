"""``diramp commit``: write the pre-commitment record (DEF-PRECOMMIT), Box I of Kulikov et al. (2024).

Parsing and formatting only; the record is :class:`diramp.certificate.Precommit`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from diramp.errors import InputError

DESCRIPTION = """\
Fix every parameter of Box I (Kulikov et al. 2024) BEFORE the data is read, and
write them as a pre-commitment record (DEF-PRECOMMIT, spec/protocol.md): JSON with
n, mu, eps, eps_s, eps_EA, the Theorem 6 grid (M bins up to S_max, Delta S =
S_max / M), the length variant, the block size of the per-block series, the
extractor method, the software and spec versions, and the SHA-256 of the
record's canonical JSON.  Publish (or timestamp) that hash before the run:
`diramp run --commit` refuses parameters that differ from the record, and the
run certificate embeds it.

Numbers are read exactly ("0.0075" is 3/400, "1e-12" is 10^-12).  The record is
deterministic: the same parameters give the same bytes and hash; --created-at
adds a time stamp of your choice (not the clock).
"""

EPILOG = """\
examples:
  diramp commit --n 67108864 --preset kulikov2024 --out commit.json
  diramp commit --n 1342177280 --mu 0.0075 --eps 1e-12 --eps-s 1e-20 \\
      --bins 1000 --s-max 0.0125 --variant derived --out commit.json

--preset kulikov2024 fills the values you leave out from the paper (mu, eps) and
from its labelled ASSUMPTIONS (eps_s, eps_EA and the grid are not published).
eps_EA defaults to eps, as eq. (21) of Theorem 6 prints it.
"""


def add_param_args(p: argparse.ArgumentParser, required: bool = False) -> None:
    """The committed parameters as options (shared with ``diramp run``)."""
    p.add_argument("--n", help="number of trials n (the paper: 1342177280)")
    p.add_argument("--mu", help="SV bias mu in [0, 1/2), exact (the paper: 0.0075)")
    p.add_argument("--eps", help="security parameter eps of Theorem 5 (the paper: 1e-12)")
    p.add_argument("--eps-s", dest="eps_s", help="smoothing eps_s of Theorem 1, with 6 eps_s < eps")
    p.add_argument("--eps-ea", dest="eps_ea", help="eps_EA of Theorem 1 (default: eps, as eq. 21)")
    p.add_argument("--bins", help="Theorem 6 grid size M")
    p.add_argument("--s-max", dest="s_max", help="Theorem 6 grid top S_max (Delta S = S_max / M)")
    p.add_argument("--variant", choices=("derived", "as_printed"),
                   help="output length variant (CONV-VARIANT; default derived)")
    p.add_argument("--block-trials", dest="block_trials", help="trials per block of the series (default 4194304)")
    p.add_argument("--method", choices=("auto", "fft", "exact"), help="extractor method (default auto)")


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
    p.add_argument("--out", required=True, type=Path, help="pre-commitment JSON to write")
    p.add_argument("--force", action="store_true", help="overwrite an existing record")
    p.set_defaults(func=run)


def _int(name: str, v: str) -> int:
    try:
        return int(str(v).replace("_", ""))
    except ValueError:
        raise InputError(name, "must be an integer", f"got {v!r}") from None


def params_from_args(args: argparse.Namespace, preset: str | None) -> Any:
    """Build :class:`diramp.protocol.ProtocolParams` from options, a preset filling the gaps."""
    from diramp.exact import to_fraction
    from diramp.length import Grid
    from diramp.protocol import BLOCK, ProtocolParams, preset_params

    if args.n is None:
        raise InputError("--n", "is required (the number of trials)", "", "e.g. --n 67108864")
    n = _int("--n", args.n)
    base = preset_params(n) if preset else None

    def frac(name: str, v: str | None, fallback: Any) -> Any:
        if v is None:
            if fallback is None:
                raise InputError(f"--{name.replace('_', '-')}", "is required", "",
                                 "give it or use --preset kulikov2024")
            return fallback
        try:
            return to_fraction(v)
        except (ValueError, ZeroDivisionError):
            raise InputError(f"--{name.replace('_', '-')}", "must be an exact number", f"got {v!r}") from None

    mu = frac("mu", args.mu, base and base.mu)
    eps = frac("eps", args.eps, base and base.eps)
    eps_s = frac("eps_s", args.eps_s, base and base.eps_s)
    eps_ea = frac("eps_ea", args.eps_ea, base.eps_ea if base and args.eps is None else eps)
    bins = _int("--bins", args.bins) if args.bins is not None else (base.grid.bins if base else None)
    s_max = frac("s_max", args.s_max, base and base.grid.s_max)
    if bins is None:
        raise InputError("--bins", "is required", "", "give it or use --preset kulikov2024")
    return ProtocolParams(
        n=n, mu=mu, eps=eps, eps_s=eps_s, eps_ea=eps_ea, grid=Grid(s_max, bins),
        variant=args.variant or "derived",
        block=_int("--block-trials", args.block_trials) if args.block_trials else BLOCK,
        method=args.method or "auto",
    )


def run(args: argparse.Namespace) -> int:
    from diramp.atomic import atomic_write_text
    from diramp.certificate import Precommit

    if args.out.exists() and not args.force:
        raise InputError(str(args.out), "exists already", "a pre-commitment must not be replaced silently",
                         "choose another path, or --force")
    pc = Precommit(params_from_args(args, args.preset), created_at=args.created_at)
    atomic_write_text(args.out, pc.to_json())
    p = pc.params
    print(f"pre-commitment written: {args.out}")
    print(f"  n = {p.n}, mu = {p.mu}, eps = {float(p.eps):.3g}, eps_s = {float(p.eps_s):.3g}, "
          f"eps_EA = {float(p.eps_ea):.3g}")
    print(f"  grid: M = {p.grid.bins}, S_max = {float(p.grid.s_max):.6g}, Delta S = {float(p.grid.delta):.6g}; "
          f"variant {p.variant}; blocks of {p.block} trials; extractor {p.method}")
    print(f"  SHA-256 {pc.sha256}")
    print("publish this hash before the run; then: diramp run --trials T --seed-z Z --commit " + str(args.out))
    return 0
