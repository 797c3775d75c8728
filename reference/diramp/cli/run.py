"""``diramp run``: Box I (Kulikov et al. 2024) end to end, DEF-BOX-I; the embedded default without arguments.

Parsing and formatting only; the work is :mod:`diramp.protocol` and
:mod:`diramp.certificate`.  K's bits are never printed (REQ-K-SECRET).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

from diramp.certificate import exact_string
from diramp.cli._args import exact, integer
from diramp.cli.commit import add_param_args, params_from_args
from diramp.errors import InputError

DESCRIPTION = """\
Run the randomness amplification protocol of Box I (Kulikov et al. 2024,
spec/protocol.md DEF-BOX-I):

  1. trials (x, y, a, b) from a trial file; its n must equal the committed n
  2. counts N(a,b,x,y) per block of 2^22 trials -> S_mu,obs (eq. 4, exact) and
     CHSH; ABORT if S_mu,obs < 0
  3. m by Theorem 6 on the pre-committed grid and variant (both variants are
     computed and reported); ABORT if m = 0
  4. K = Ext(AB, Z), Theorem 2: AB = a_0 b_0 a_1 b_1 ..., Z = first 2n bits of the seed

On abort (exit 3) no K and no certificate are written.  K is written as a packed
bit file with mode 0600 and never printed, and no function of K (not even its
SHA-256) is printed or put into the public certificate (REQ-K-SECRET); the
certificate (JSON, sorted keys, no clock time, mode 0644) holds the
pre-commitment and its hash, the SHA-256 of the trial file and of Z, the counts,
the per-block series, eta, m and eps per variant.  `diramp verify` re-derives all
of it and, given K, re-extracts K and compares it with the K file.  Outputs are
written only when the whole run succeeded, and never over an input.

WITHOUT ARGUMENTS, the embedded default runs: the paper's configuration
(mu = 0.75% assumed, a depolarised device with CHSH 2.271, an honest i.i.d.
uniform source (true bias 0), eps = 1e-12, and the kulikov2024 preset's ASSUMED eps_s = 1e-20,
eps_EA = 1e-12, grid M = 1000, S_max = 0.0125) simulated with seed 20240101 at
n = 2^26 = 67,108,864 trials (one of the paper's 20 acquisition blocks; the
certified m first exceeds 0 near n = 2.3e7 at these parameters).  Files go to
--workdir or a fresh temporary directory, which is kept and printed.  The same
data from the CLI: diramp simulate --n 67108864 --mu 0.0075 --source-bias 0
--chsh 2.271 --seed 20240101 --out-trials run.trials --out-z run.z.dbits.
"""

EPILOG = """\
examples:
  diramp run                                      # the embedded default (about a minute)
  diramp run --workdir demo --n 33554432 --seed 7  # a smaller simulated run
  diramp run --device local --n 4194304           # a local (classical) device: must abort, exit 3
  diramp commit --n 67108864 --preset kulikov2024 --out commit.json
  diramp run --trials run.trials --seed-z run.z.dbits --commit commit.json \\
      --out-k k.dbits --out-cert cert.json
  diramp verify cert.json --trials run.trials --seed-z run.z.dbits --k k.dbits

With --commit, parameter options (--n, --mu, --eps, ...) are optional checks: a
value that differs from the pre-commitment stops the run (exit 2, nothing
written).  Without --commit they configure the simulated default run.
exit codes: 0 ok, 2 bad input, 3 protocol aborted (no K).
"""


def register(subparsers: Any) -> None:
    """Add the ``run`` subcommand."""
    p = subparsers.add_parser(
        "run",
        help="the protocol end to end (no arguments: the embedded simulated default)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    g = p.add_argument_group("real data (all three together)")
    g.add_argument("--trials", type=Path, help="trial file (DEF-TRIAL-FILE; diramp import makes one)")
    g.add_argument("--seed-z", dest="seed_z", type=Path, help="seed Z, a packed bit file of >= 2n bits")
    g.add_argument("--commit", type=Path, help="pre-commitment record (diramp commit)")
    o = p.add_argument_group("outputs")
    o.add_argument("--out-k", dest="out_k", type=Path,
                   help="K, mode 0600 (default: beside the trials, <stem>.k.dbits)")
    o.add_argument("--out-cert", dest="out_cert", type=Path,
                   help="certificate, public, mode 0644 (default: beside the trials, <stem>.cert.json)")
    o.add_argument("--receipt", type=Path,
                   help="also write an owner-only receipt (mode 0600) with the SHA-256 of K, to check K later "
                   "without re-extracting it; never publish it")
    o.add_argument("--publish-k-digest", dest="publish_k_digest", action="store_true",
                   help="put the SHA-256 of K into the public certificate: ONLY for a K that will be published "
                   "anyway (a digest of K lets an unbounded adversary test guesses of K)")
    o.add_argument("--force", action="store_true",
                   help="replace existing outputs (only if the whole run succeeds: K and certificate, or neither)")
    o.add_argument("--timings", action="store_true",
                   help="add stage timings to the certificate (a non-hashed field; the file then varies)")
    o.add_argument("--json", action="store_true", help="print the report as one JSON object")
    o.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bars (default: only on a terminal)")
    pa = p.add_argument_group("parameters (with --commit: checks; without: the simulated run)")
    add_param_args(pa)
    d = p.add_argument_group("simulated default run")
    d.add_argument("--workdir", type=Path,
                   help="directory for the simulated run's files (created if missing; default: a new temp dir)")
    d.add_argument("--seed", type=integer("--seed", 0, 2**128), help="seed of the simulation (default 20240101)")
    d.add_argument("--chsh", type=exact("--chsh"), help="CHSH of the simulated depolarised device (default 2.271)")
    d.add_argument("--source-bias", dest="source_bias", type=exact("--source-bias"),
                   help="the simulated source's true bias P(1) - 1/2, |bias| <= mu (default 0: uniform inputs; "
                   "mu is the bias the protocol assumes)")
    d.add_argument("--device", choices=("quantum", "local"), default="quantum", help="simulated device")
    p.set_defaults(func=run)


def _given(args: argparse.Namespace) -> dict[str, Any]:
    return {"n": args.n, "mu": args.mu, "eps": args.eps, "eps_s": args.eps_s, "eps_EA": args.eps_ea,
            "eps_protocol": args.eps_protocol,
            "bins": args.bins, "s_max": args.s_max, "variant": args.variant, "block_trials": args.block_trials,
            "method": args.method, "extractor": args.extractor}


def run(args: argparse.Namespace) -> int:
    from diramp.certificate import Precommit, build_certificate, pretty_json, receipt
    from diramp.outputs import Transaction, describe
    from diramp.protocol import run_files, write_key

    real = [args.trials, args.seed_z, args.commit]
    timings: dict[str, float] = {}
    published: list[Any] = []
    if any(v is not None for v in real):
        if not all(v is not None for v in real):
            raise InputError("--trials/--seed-z/--commit", "must be given together", "",
                             "or give none of them to run the simulated default")
        for opt in ("workdir", "seed", "chsh", "source_bias"):
            if getattr(args, opt) is not None:
                raise InputError(f"--{opt.replace('_', '-')}", "applies only to the simulated default run", "",
                                 "drop it")
        trials, z, commit = args.trials, args.seed_z, args.commit
        stem = trials.name.split(".")[0] or "run"
        out_k = args.out_k or trials.with_name(stem + ".k.dbits")
        out_cert = args.out_cert or trials.with_name(stem + ".cert.json")
        label = f"{trials}"
        tx = Transaction(force=args.force, inputs=real)
        _declare(tx, out_k, out_cert, args.receipt)
        pc = Precommit.load(commit)
        pc.check_matches(_given(args))
    else:
        pc, trials, z, commit, out_k, out_cert, published = _default_inputs(args, timings)
        label = "the embedded default (simulated)"
        tx = Transaction(force=args.force, inputs=[trials, z, commit])
        _declare(tx, out_k, out_cert, args.receipt)
    with tx:
        t0 = time.perf_counter()
        result = run_files(pc.params, trials, z, show_progress=args.progress)
        timings["protocol"] = time.perf_counter() - t0
        cert = build_certificate(pc, result, timings if args.timings else None,
                                 publish_k_digest=args.publish_k_digest)
        write_key(out_k, result.k)
        with tx.open(out_cert) as f:
            f.write(pretty_json(cert).encode("utf-8"))
        if args.receipt is not None:
            with tx.open(args.receipt) as f:
                f.write(pretty_json(receipt(result, cert, out_k)).encode("utf-8"))
    if args.publish_k_digest:
        print("diramp run: WARNING: the certificate carries the SHA-256 of K (--publish-k-digest): publish it only "
              "with K itself; a digest of a secret K lets an unbounded adversary test guesses of K", file=sys.stderr)
    files = {"trials": trials, "z": z, "commit": commit, "k": out_k, "cert": out_cert}
    if args.receipt is not None:
        files["receipt"] = args.receipt
    _report(args, label, cert, result, files, timings, describe([*published, *tx.published]))
    return 0


def _declare(tx: Any, out_k: Path, out_cert: Path, receipt: Path | None) -> None:
    tx.output(out_k, "secret", "K")
    tx.output(out_cert, "public", "certificate")
    if receipt is not None:
        tx.output(receipt, "secret", "receipt")


def _default_inputs(args: argparse.Namespace, timings: dict[str, float]) -> tuple[Any, ...]:
    from diramp.certificate import Precommit
    from diramp.outputs import Transaction
    from diramp.progress import progress
    from diramp.protocol import DEFAULT_CHSH, DEFAULT_N, DEFAULT_SEED, SimulationConfig, default_paths, simulate_files

    if args.n is None:
        args.n = DEFAULT_N
    params, _origins = params_from_args(args, "kulikov2024")
    cfg = SimulationConfig(seed=DEFAULT_SEED if args.seed is None else args.seed,
                           chsh=DEFAULT_CHSH if args.chsh is None else args.chsh, device=args.device,
                           delta=Fraction(0) if args.source_bias is None else args.source_bias)
    cfg.check(params.mu)
    pc = Precommit(params)
    with Transaction(force=args.force) as sim:
        if args.workdir is None:
            wd = Path(tempfile.mkdtemp(prefix="diramp-run-"))
        else:
            wd = sim.directory(args.workdir, "work directory")
        paths = default_paths(wd)
        for key in ("k", "cert"):  # checked now, written by the protocol run
            if paths[key].exists() and not args.force:
                raise InputError(str(paths[key]), "exists already", "", "use another --workdir or pass --force")
        sim.output(paths["commit"], "public", "pre-commitment")
        sim.output(paths["trials"], "secret", "trial file")
        sim.output(paths["z"], "secret", "seed Z")
        with sim.open(paths["commit"]) as f:  # committed before the data exists
            f.write(pc.to_json().encode("utf-8"))
        t0 = time.perf_counter()
        with progress(2 * params.n, "simulate", unit="trial", enabled=args.progress) as bar:
            simulate_files(params, cfg, paths["trials"], paths["z"], bar.update)
        timings["simulate"] = time.perf_counter() - t0
    device = (f"quantum device, CHSH {exact_string(cfg.chsh)}" if cfg.device == "quantum"
              else "local (classical) device")
    print(f"diramp run: simulated {params.n} trials (seed {cfg.seed}, {device}, source bias "
          f"{exact_string(cfg.delta)}, assumed mu = {params.mu}) in {wd}", file=sys.stderr)
    return pc, paths["trials"], paths["z"], paths["commit"], paths["k"], paths["cert"], sim.published


def _dec(s: str, digits: int = 10, up: bool = False) -> str:
    from diramp.exact import decimal_down, decimal_up, parse_exact

    x = parse_exact(s)
    return decimal_up(x, digits) if up else decimal_down(x, digits)


def _report(args: argparse.Namespace, label: str, cert: dict[str, Any], result: Any, paths: dict[str, Path],
            timings: dict[str, float], written: list[str]) -> None:
    st, t6 = cert["statistics"], cert["theorem6"]
    p = result.analysis.params
    used = result.analysis.used
    if args.json:
        out = {
            "source": label, "n": st["n"], "s_mu_obs": st["s_mu_obs"], "chsh": st["chsh"], "eta": cert["eta"],
            "m": cert["m"], "variant": t6["variant_used"], "bin": t6["bin"], "s_grid": t6["s_grid"],
            "variants": {v: {k: r[k] for k in ("m", "eps_achieved", "eps_protocol", "meets_claim")}
                         for v, r in t6["variants"].items()},
            "eps_protocol": cert["eps_protocol"], "meets_claim": cert["meets_claim"],
            "warnings": [w for w in ([used.warning] if used is not None else []) if w],
            "certificate_sha256": cert["certificate_sha256"], "precommit_sha256": cert["precommit_sha256"],
            "files": {k: str(v) for k, v in paths.items()}, "written": written,
            "seconds": {k: round(v, 2) for k, v in timings.items()},
        }
        print(json.dumps(out, indent=2, sort_keys=True))
        return
    nb = len(st["blocks"]["n"])
    lines = [
        f"diramp run: Box I (Kulikov et al. 2024) on {label}",
        f"  n                {st['n']:,} trials ({nb} blocks of up to {p.block:,})",
        f"  S_mu,obs         {_dec(st['s_mu_obs'])}  (eq. 4, mu = {p.mu}; exact value in the certificate)",
        f"  CHSH             {_dec(st['chsh']) if st['chsh'] else 'n/a'}",
        f"  eta (Theorem 1)  {_dec(cert['eta']['lo'])}  (lower bound, rounded down)",
        f"  Theorem 6        bin {t6['bin']} of {p.grid.bins}: S used = {_dec(t6['s_grid'])}",
    ]
    for v, r in sorted(t6["variants"].items()):
        mark = "  <- used" if v == t6["variant_used"] else ""
        ach = "n/a" if r["eps_achieved"] is None else _dec(r["eps_achieved"], 3, up=True)
        lines.append(f"  {'m (' + v + ')':<17}{r['m']:,} bits, eps per bin <= {ach}, protocol eps <= "
                     f"{_dec(r['eps_protocol'], 3, up=True)}{'' if r['meets_claim'] else '  (MISSES the claim)'}{mark}")
    lines += [
        f"  eps (protocol)   {_dec(cert['eps_protocol'], 3, up=True)}  (M x max(worst-bin eps, eps_EA), THM-6-EPS; "
        f"claimed eps = {exact_string(p.eps)})",
    ]
    if used is not None and used.warning:
        lines.append("  " + used.warning)
    lines += [f"  wrote            {w}" for w in written]
    lines += [
        f"  K                {paths['k']}: {result.m:,} bits; its bits and digests are never shown",
        f"  certificate      SHA-256 {cert['certificate_sha256'][:16]}...",
        f"  pre-commitment   SHA-256 {cert['precommit_sha256']} (= sha256sum {paths['commit']})",
        "  time             " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()),
        f"verify: diramp verify {paths['cert']} --trials {paths['trials']} --seed-z {paths['z']} --k {paths['k']} "
        f"--precommit-sha256 {cert['precommit_sha256']}",
    ]
    print("\n".join(lines))
