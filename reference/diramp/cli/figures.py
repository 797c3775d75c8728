"""``diramp figures``: Fig. 2, 4, 10, 11 of Kulikov et al. (2024), each as PNG plus its data."""

from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path
from typing import Any

from diramp.cli._args import exact, integer
from diramp.errors import InputError

DESCRIPTION = """\
Draw one figure of the paper into --out, always with its data (CSV or JSON):

  fig2   rounds n for >= 1 Mbit vs CHSH S, per bias mu (depolarising noise,
         Theorem 5 derived variant; every other registered bound at mu = 0.75 %);
         fig2.png (300 dpi) + fig2.pdf (vector) + fig2.json.  No input needed.
  fig4   CHSH and S_mu per block of 2^22 trials, from a trial file (--trials)
         or a run certificate (--certificate); fig4.png + fig4.csv.
  fig10  output bits K, one pixel each, row by row, white = 1, black = 0, red = padding
         after the last bit (--k); fig10.png (exact pixels), fig10-captioned.png
         (with the caption) + fig10.json, owner-only (mode 0600): they show K.
  fig11  a synthetic sheep, and the sheep one-time padded with K bits (--k);
         fig11.png + fig11.json, owner-only (mode 0600): the pad is K.

Needs matplotlib: python -m pip install 'diramp[plots]'.
"""

EXAMPLES = """\
examples:
  diramp figures fig2 --out figs
  diramp figures fig2 --out figs --mu 0 0.0075 --chsh 2.2 2.3 2.5 2.8
  diramp figures fig4 --trials run/run.trials --mu 0.0075 --out figs
  diramp figures fig4 --certificate run/certificate.json --out figs
  diramp figures fig10 --k run/k.dbits --out figs      # owner-only output: it shows K
  diramp figures fig11 --k run/k.dbits --out figs      # owner-only output: the pad is K
"""


def register(sub: Any) -> None:
    from diramp.reproduce.fig2 import BOUNDS

    p = sub.add_parser("figures", help="draw Fig. 2, 4, 10 or 11 of the paper (PNG + data)",
                       description=DESCRIPTION, epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    fs = p.add_subparsers(dest="figure", metavar="FIGURE", required=True)

    f2 = fs.add_parser("fig2", help="rounds n for >= 1 Mbit vs CHSH, per mu",
                       description="Fig. 2: the rounds n needed for at least --target-m certified bits against the "
                       "CHSH value, per bias mu, under depolarising noise (CONV-DEPOL), Theorem 5 in the chosen "
                       "variant, and each bound of --compare at mu = 0.75 %.  By default every curve has its own "
                       "CHSH grid, dense where it bends.  Writes fig2.png (300 dpi), fig2.pdf (vector) and their "
                       "data fig2.json (public, mode 0644); about a minute the first time, then the cache "
                       "OUT/.fig2-cache.json speeds it up.",
                       epilog="example: diramp figures fig2 --out figs --mu 0 0.0075 --chsh 2.2 2.3 2.5 2.8")
    f2.add_argument("--mu", nargs="+", type=exact("--mu"), help="bias values (default 0 0.005 0.0075 0.01 0.02 0.04)")
    f2.add_argument("--chsh", nargs="+", type=exact("--chsh"),
                    help="one CHSH grid for every curve (default: a grid per curve, dense where it bends)")
    f2.add_argument("--target-m", type=integer("--target-m", 1), default=10**6,
                    help="output bits to reach (default 10^6)")
    f2.add_argument("--eps", type=exact("--eps"), default=Fraction(1, 10**12),
                    help="security parameter (default 1e-12)")
    f2.add_argument("--eps-s", type=exact("--eps-s"), default=Fraction(1, 10**20),
                    help="smoothing parameter (default 1e-20, the preset's)")
    f2.add_argument("--eps-ea", type=exact("--eps-ea"), default=Fraction(1, 10**12),
                    help="entropy-accumulation parameter (default 1e-12)")
    f2.add_argument("--variant", choices=tuple(BOUNDS), default="derived",
                    help="length bound of the paper's curves (CONV-VARIANT; default derived)")
    f2.add_argument("--compare", nargs="*", choices=tuple(BOUNDS), metavar="VARIANT",
                    help="bounds drawn beside at mu = 0.75 %% (default: every other registered bound: "
                    f"{', '.join(BOUNDS)}; none with an empty list)")
    f2.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                    help="progress bar (default: only on a terminal)")
    f2.add_argument("--no-cache", action="store_true",
                    help="do not read or write OUT/.fig2-cache.json (cached values are re-proved before use)")

    f4 = fs.add_parser("fig4", help="CHSH and S_mu per block of trials",
                       description="Fig. 4: CHSH and S_mu per block of trials, from a trial file or a run "
                       "certificate; fig4.png and fig4.csv (public statistics, mode 0644).",
                       epilog="example: diramp figures fig4 --certificate run/certificate.json --out figs")
    src = f4.add_mutually_exclusive_group(required=True)
    src.add_argument("--trials", type=Path, help="trial file (DEF-TRIAL-FILE)")
    src.add_argument("--certificate", type=Path, help="run certificate (JSON) with a per-block series")
    f4.add_argument("--mu", type=exact("--mu"), help="SV bias (default: the certificate's; 0.0075 for a trial file)")
    f4.add_argument("--block", type=integer("--block", 8), default=2**22,
                    help="trials per block (trial file; a multiple of 8; default 2^22)")

    f10 = fs.add_parser("fig10", help="output bits as a picture (owner-only: it shows K)",
                        description="Fig. 10: the output bits K, one pixel each, row by row (white = 1, black = 0); "
                        "fig10.png and fig10.json.  They show K itself, so both are written owner-only (mode "
                        "0600), like K.",
                        epilog="example: diramp figures fig10 --k run/k.dbits --out figs")
    f10.add_argument("--k", type=Path, required=True, help="K: packed bit file (DEF-PACKED-FILE or raw .bin)")
    f10.add_argument("--width", type=integer("--width", 1, 1 << 16),
                     help="pixels per row (default: near-square, multiple of 8)")
    f10.add_argument("--max-bits", type=integer("--max-bits", 1), help="show only the first N bits")

    f11 = fs.add_parser("fig11", help="one-time pad of a synthetic sheep (owner-only: it holds K bits)",
                        description="Fig. 11: a synthetic sheep and the sheep one-time padded with K bits; "
                        "fig11.png and fig11.json, owner-only (mode 0600): the pad is K.",
                        epilog="example: diramp figures fig11 --k run/k.dbits --out figs")
    f11.add_argument("--k", type=Path, required=True, help="K: packed bit file (DEF-PACKED-FILE or raw .bin)")
    f11.add_argument("--width", type=integer("--width", 8, 4096), default=128, help="picture width (default 128)")
    f11.add_argument("--height", type=integer("--height", 8, 4096), default=96, help="picture height (default 96)")
    f11.add_argument("--offset", type=integer("--offset", 0), default=0, help="first K bit used as pad (default 0)")

    for q in (f2, f4, f10, f11):
        q.add_argument("--out", type=Path, required=True,
                       help="output directory (created if missing; its parent must exist)")
        q.add_argument("--force", action="store_true",
                       help="replace existing figure files (only if the figure is drawn)")
        q.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from diramp.outputs import Transaction, describe
    from diramp.reproduce import figures as F

    F.require_matplotlib()
    inputs = [getattr(args, k, None) for k in ("trials", "certificate", "k")]
    with Transaction(force=args.force, inputs=inputs) as tx:
        if args.figure == "fig2":
            from diramp.length import check_eps
            from diramp.reproduce.fig2 import MUS, Fig2Settings
            from diramp.sv import check_mu

            mus = [check_mu(m) for m in args.mu] if args.mu else list(MUS)
            grid = args.chsh
            if grid is not None and any(not 2 <= c <= Fraction("2.8284271247461903") for c in grid):
                raise InputError("--chsh", "values must lie in [2, 2 sqrt 2]", f"got {[str(c) for c in grid]}")
            if len(mus) * len(grid or range(40)) > 2000:
                raise InputError("--mu/--chsh", "ask for more than 2000 points", "", "use fewer values")
            st = Fig2Settings(check_eps("eps", args.eps), check_eps("eps_s", args.eps_s),
                              check_eps("eps_EA", args.eps_ea), args.variant, args.target_m)
            if st.eps <= 6 * st.eps_s:
                raise InputError("--eps-s", "must satisfy 6*eps_s < eps", f"eps = {args.eps}, eps_s = {args.eps_s}")
            F.fig2(args.out, mus, grid, st, use_cache=not args.no_cache, compare=args.compare,
                   show_progress=args.progress)
        elif args.figure == "fig4":
            from diramp.sv import check_mu

            mu = check_mu(args.mu) if args.mu is not None else None
            if args.trials is not None:
                if args.block % 8:
                    raise InputError("--block", "must be a positive multiple of 8", f"got {args.block}")
                series = F.fig4_from_trials(args.trials, mu if mu is not None else Fraction("0.0075"), args.block)
            else:
                series = F.fig4_from_certificate(args.certificate, mu)
            F.fig4(series, args.out)
        elif args.figure == "fig10":
            F.fig10(args.k, args.out, args.width, args.max_bits)
        else:
            F.fig11(args.k, args.out, args.width, args.height, args.offset)
    print("wrote: " + "; ".join(describe(tx.published)))
    return 0
