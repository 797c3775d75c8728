"""``diramp commit``: write the pre-commitment record (DEF-PRECOMMIT), Box I of Kulikov et al. (2024).

Parsing and formatting only; the record is :class:`diramp.certificate.Precommit`,
the parameters come from :func:`diramp.params.resolve_parameters` (the rule
``diramp audit`` uses too, CONV-PRESET-OVERRIDE).
"""

from __future__ import annotations

import argparse
from fractions import Fraction
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
    p.add_argument("--variant", choices=("derived", "as_printed", "refined", "circulant"),
                   help="output length variant (CONV-VARIANTS, spec/bounds.md; default derived, with --extractor "
                   "circulant: circulant)")
    p.add_argument("--block-trials", dest="block_trials", type=integer("--block-trials", 8),
                   help="trials per block of the series (a multiple of 8; default 4194304)")
    p.add_argument("--method", choices=("auto", "fft", "exact"), help="extractor method (default auto)")
    p.add_argument("--extractor", choices=("dodis", "circulant"),
                   help="the two-source extractor: dodis (default; the paper's Theorem 2) or circulant (Foreman et "
                   "al. 2025, DEF-CIRC: Z must then hold p > 2n bits, CONV-CIRC-PRIME)")


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
    o = p.add_argument_group("optimal pre-commitment (CONV-OPT, spec/bounds.md)")
    o.add_argument("--optimize", action="store_true",
                   help="choose eps, eps_s, eps_EA and the grid (M, S_max) that maximise the m expected at the "
                   "anticipated S_mu, subject to M x max(eps, eps_EA) <= --eps-protocol (THM-6-EPS)")
    ex = o.add_mutually_exclusive_group()
    ex.add_argument("--expect-s-mu", dest="expect_s_mu", type=exact("--expect-s-mu"),
                    help="the S_mu the device is expected to show (with --optimize)")
    ex.add_argument("--expect-chsh", dest="expect_chsh", type=exact("--expect-chsh"),
                    help="the CHSH value expected; S_mu by the depolarised model (CONV-DEPOL; with --optimize)")
    o.add_argument("--s-sigma", dest="s_sigma", type=exact("--s-sigma"),
                   help="sd of S_mu,obs for --optimize (default: the depolarised model's; 0: the m at S_mu exactly)")
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
    extractor, variant = extractor_and_variant(args)
    params = ProtocolParams(
        n=vals["n"], mu=vals["mu"], eps=vals["eps"], eps_s=vals["eps_s"], eps_ea=vals["eps_EA"],
        grid=Grid(vals["s_max"], vals["bins"]), variant=variant, block=block,  # type: ignore[arg-type]
        method=args.method or "auto", eps_claim=vals["eps_protocol"], extractor=extractor,
    )
    return params, origins


def extractor_and_variant(args: argparse.Namespace) -> tuple[str, str]:
    """CONV-VARIANTS: the committed (extractor, variant); each defaults from the other (circulant pairs with
    circulant, dodis with derived); a mismatched pair is refused by ProtocolParams."""
    variant = getattr(args, "variant", None)
    extractor = getattr(args, "extractor", None) or ("circulant" if variant == "circulant" else "dodis")
    return extractor, variant or ("circulant" if extractor == "circulant" else "derived")


def run(args: argparse.Namespace) -> int:
    from diramp.certificate import Precommit
    from diramp.exact import exact_text
    from diramp.length import worst_bin_eps
    from diramp.outputs import Transaction, describe

    opt = None
    with Transaction(force=args.force) as tx:
        out = tx.output(args.out, "public", "pre-commitment")
        if args.optimize:
            params, origins, opt = optimized_params(args)
        else:
            for name in ("expect_s_mu", "expect_chsh", "s_sigma"):
                if getattr(args, name) is not None:
                    raise InputError(f"--{name.replace('_', '-')}", "applies only with --optimize", "",
                                     "add --optimize, or drop it")
            params, origins = params_from_args(args, args.preset)
        pc = Precommit(params, created_at=args.created_at)
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
    if opt is not None:
        print(render_optimization(opt))
    print(f"  SHA-256 {pc.sha256}  (= sha256sum {args.out})")
    print("publish this digest before the run; then: diramp run --trials T --seed-z Z --commit " + str(args.out))
    return 0


def optimized_params(args: argparse.Namespace) -> tuple[Any, dict[str, str], Any]:
    """CONV-OPT: the pre-commitment ``diramp commit --optimize`` writes, the origins and the optimiser's result."""
    import dataclasses

    from diramp.bell import s_mu_depolarised
    from diramp.optimize import Choice, optimize
    from diramp.sv import check_mu

    if args.expect_s_mu is None and args.expect_chsh is None:
        raise InputError("--optimize", "needs the anticipated Bell violation", "",
                         "give --expect-s-mu S or --expect-chsh C")
    chosen = [f"--{k.replace('_', '-')}" for k in ("eps", "eps_s", "eps_ea", "bins", "s_max")
              if getattr(args, k) is not None]
    if chosen:
        raise InputError(", ".join(chosen), "are chosen by --optimize (CONV-OPT)", "",
                         "drop them, or drop --optimize to commit your own values")
    base_args = argparse.Namespace(**{**vars(args), "optimize": False})
    if args.preset is None:
        if args.n is None or args.mu is None or args.eps_protocol is None:
            raise InputError("--optimize", "needs --n, --mu and --eps-protocol (or a --preset)", "",
                             "e.g. --n 1342177280 --mu 0.0075 --eps-protocol 1e-12")
        # placeholders for the values the optimiser replaces
        base_args = argparse.Namespace(**{**vars(base_args), "eps": args.eps_protocol,
                                          "eps_s": args.eps_protocol / 12, "bins": 1, "s_max": Fraction(1, 1000)})
    base, origins = params_from_args(base_args, args.preset)
    mu = check_mu(base.mu)
    s = args.expect_s_mu if args.expect_s_mu is not None else s_mu_depolarised(args.expect_chsh, mu)
    target = base.eps_claim
    baseline = Choice(base.eps, base.eps_s, base.eps_ea, base.grid) if args.preset is not None else None
    res = optimize(base.n, mu, s, target, variant=base.variant, baseline=baseline,
                   sigma=None if args.s_sigma is None else float(args.s_sigma))
    c = res.choice
    params = dataclasses.replace(base, eps=c.eps, eps_s=c.eps_s, eps_ea=c.eps_ea, grid=c.grid, eps_claim=target)
    for k in ("eps", "eps_s", "eps_EA", "bins", "s_max"):
        origins[k] = "chosen by --optimize (CONV-OPT)"
    return params, origins, res


def render_optimization(res: Any) -> str:
    """CONV-OPT: what each choice gains against the preset's assumed values (text)."""
    from diramp.exact import exact_text

    src = "--s-sigma" if res.sigma == 0 else "depolarised model (CONV-DEPOL) or --s-sigma"
    lines = [f"  optimised (CONV-OPT) for S_mu = {exact_text(res.s_expected, 40)} expected (sd of S_mu,obs "
             f"{res.sigma:.3g}, {src}), variant {res.variant}, protocol-level eps <= "
             f"{float(res.target):.3g}:",
             f"    m at S_mu,obs = S_mu: {res.m_at_s:,} (certified, THM-6); expected m {res.expected_m:,.0f}; "
             f"eps_protocol = {float(res.eps_protocol):.3g}; {res.evaluations} evaluations, {res.seconds:.1f} s"]
    if res.steps:
        base = res.steps[0]
        lines.append(f"    {'choice':<48} {'m at S':>12} {'gain':>9} {'expected m':>12} {'eps_protocol':>12}")
        for st in res.steps:
            gain = (st.m_at_s - base.m_at_s) / base.m_at_s if base.m_at_s else 0.0
            lines.append(f"    {st.label:<48} {st.m_at_s:>12,} {100 * gain:>+8.2f}% {st.expected_m:>12,.0f} "
                         f"{float(st.eps_protocol):>12.3g}")
        if base.eps_protocol > res.target:
            lines.append(f"    (the baseline's protocol-level eps {float(base.eps_protocol):.3g} exceeds the target "
                         f"{float(res.target):.3g}: it is not a valid choice at this target)")
    lines.append("    the certified m of the run is computed exactly from the data (THM-6); these are expectations")
    return "\n".join(lines)
