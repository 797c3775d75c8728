"""``diramp figures``: Fig. 2, 4, 10, 11 of Kulikov et al. (2024), each as PNG plus its data."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from diramp.errors import InputError
from diramp.exact import to_fraction

DESCRIPTION = """\
Draw one figure of the paper into --out, always with its data (CSV or JSON):

  fig2   rounds n for >= 1 Mbit vs CHSH S, per bias mu (depolarising noise,
         Theorem 5 derived variant); fig2.png + fig2.json.  No input needed.
  fig4   CHSH and S_mu per block of 2^22 trials, from a trial file (--trials)
         or a run certificate (--certificate); fig4.png + fig4.csv.
  fig10  output bits K, one pixel each, row by row, white = 1 (--k); fig10.png + fig10.json.
  fig11  a synthetic sheep, and the sheep one-time padded with K bits (--k);
         fig11.png + fig11.json.

Needs matplotlib: python -m pip install 'diramp[plots]'.
"""

EXAMPLES = """\
examples:
  diramp figures fig2 --out figs
  diramp figures fig2 --out figs --mu 0 0.0075 --chsh 2.2 2.3 2.5 2.8
  diramp figures fig4 --trials run/trials.dtf --mu 0.0075 --out figs
  diramp figures fig4 --certificate run/certificate.json --out figs
  diramp figures fig10 --k run/K.dbits --out figs
  diramp figures fig11 --k run/K.dbits --out figs
"""


def register(sub: Any) -> None:
    p = sub.add_parser("figures", help="draw Fig. 2, 4, 10 or 11 of the paper (PNG + data)",
                       description=DESCRIPTION, epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    fs = p.add_subparsers(dest="figure", metavar="FIGURE", required=True)

    f2 = fs.add_parser("fig2", help="rounds n for >= 1 Mbit vs CHSH, per mu")
    f2.add_argument("--mu", nargs="+", help="bias values (default 0 0.005 0.0075 0.01 0.02 0.04)")
    f2.add_argument("--chsh", nargs="+", help="CHSH grid (default 2.1 .. 2.828, 12 points)")
    f2.add_argument("--target-m", type=int, default=10**6, help="output bits to reach (default 10^6)")
    f2.add_argument("--eps", default="1e-12", help="security parameter (default 1e-12)")
    f2.add_argument("--eps-s", default="1e-20", help="smoothing parameter (default 1e-20, the preset's)")
    f2.add_argument("--eps-ea", default="1e-12", help="entropy-accumulation parameter (default 1e-12)")
    f2.add_argument("--variant", choices=("derived", "as_printed"), default="derived")
    f2.add_argument("--no-cache", action="store_true", help="do not read or write OUT/.fig2-cache.json")

    f4 = fs.add_parser("fig4", help="CHSH and S_mu per block of trials")
    src = f4.add_mutually_exclusive_group(required=True)
    src.add_argument("--trials", type=Path, help="trial file (DEF-TRIAL-FILE)")
    src.add_argument("--certificate", type=Path, help="run certificate (JSON) with a per-block series")
    f4.add_argument("--mu", help="SV bias (default: the certificate's; 0.0075 for a trial file)")
    f4.add_argument("--block", type=int, default=2**22, help="trials per block (trial file; default 2^22)")

    f10 = fs.add_parser("fig10", help="output bits as a picture")
    f10.add_argument("--k", type=Path, required=True, help="K: packed bit file (DEF-PACKED-FILE or raw .bin)")
    f10.add_argument("--width", type=int, help="pixels per row (default: near-square, multiple of 8)")
    f10.add_argument("--max-bits", type=int, help="show only the first N bits")

    f11 = fs.add_parser("fig11", help="one-time pad of a synthetic sheep")
    f11.add_argument("--k", type=Path, required=True, help="K: packed bit file (DEF-PACKED-FILE or raw .bin)")
    f11.add_argument("--width", type=int, default=128, help="picture width (default 128)")
    f11.add_argument("--height", type=int, default=96, help="picture height (default 96)")
    f11.add_argument("--offset", type=int, default=0, help="first K bit used as pad (default 0)")

    for q in (f2, f4, f10, f11):
        q.add_argument("--out", type=Path, required=True, help="output directory (created if missing)")
        q.set_defaults(func=run)


def _fracs(name: str, vals: list[str]) -> list[Any]:
    try:
        return [to_fraction(v) for v in vals]
    except (ValueError, ZeroDivisionError) as exc:
        raise InputError(name, "must be numbers", f"got {vals}") from exc


def run(args: argparse.Namespace) -> int:
    from diramp.reproduce import figures as F

    F.require_matplotlib()
    if args.figure == "fig2":
        from diramp.length import check_eps
        from diramp.reproduce.fig2 import MUS, Fig2Settings
        from diramp.sv import check_mu

        mus = [check_mu(m) for m in _fracs("--mu", args.mu)] if args.mu else list(MUS)
        grid = _fracs("--chsh", args.chsh) if args.chsh else None
        if grid is not None and any(not 2 <= c <= to_fraction("2.8284271247461903") for c in grid):
            raise InputError("--chsh", "values must lie in [2, 2 sqrt 2]", f"got {args.chsh}")
        if args.target_m < 1:
            raise InputError("--target-m", "must be >= 1", f"got {args.target_m}")
        st = Fig2Settings(check_eps("eps", args.eps), check_eps("eps_s", args.eps_s),
                          check_eps("eps_EA", args.eps_ea), args.variant, args.target_m)
        if st.eps <= 6 * st.eps_s:
            raise InputError("--eps-s", "must satisfy 6*eps_s < eps", f"eps = {args.eps}, eps_s = {args.eps_s}")
        written = F.fig2(args.out, mus, grid, st, use_cache=not args.no_cache)
    elif args.figure == "fig4":
        from diramp.sv import check_mu

        mu = check_mu(args.mu) if args.mu is not None else None
        if args.trials is not None:
            if args.block < 8 or args.block % 8:
                raise InputError("--block", "must be a positive multiple of 8", f"got {args.block}")
            series = F.fig4_from_trials(args.trials, mu if mu is not None else to_fraction("0.0075"), args.block)
        else:
            series = F.fig4_from_certificate(args.certificate, mu)
        written = F.fig4(series, args.out)
    elif args.figure == "fig10":
        written = F.fig10(args.k, args.out, args.width, args.max_bits)
    else:
        written = F.fig11(args.k, args.out, args.width, args.height, args.offset)
    print("wrote: " + ", ".join(str(p) for p in written))
    return 0
