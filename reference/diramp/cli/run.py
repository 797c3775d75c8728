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
bit file with mode 0600 and never printed; the run certificate (JSON, sorted keys,
no clock time) holds the pre-commitment and its hash, the SHA-256 of the trial
file, Z and K, the counts, the per-block series, eta, m and eps per variant.
`diramp verify` re-derives all of it.

WITHOUT ARGUMENTS, the embedded default runs: the paper's configuration
(mu = 0.75%, a depolarised device with CHSH 2.271, an honest i.i.d. uniform
source, eps = 1e-12, and the kulikov2024 preset's ASSUMED eps_s = 1e-20,
eps_EA = 1e-12, grid M = 1000, S_max = 0.0125) simulated with seed 20240101 at
n = 2^26 = 67,108,864 trials (one of the paper's 20 acquisition blocks; the
certified m first exceeds 0 near n = 2.3e7 at these parameters).  Files go to
--workdir or a fresh temporary directory, which is kept and printed.
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
    g.add_argument("--trials", type=Path, help="trial file (DEF-TRIAL-FILE)")
    g.add_argument("--seed-z", dest="seed_z", type=Path, help="seed Z, a packed bit file of >= 2n bits")
    g.add_argument("--commit", type=Path, help="pre-commitment record (diramp commit)")
    o = p.add_argument_group("outputs")
    o.add_argument("--out-k", dest="out_k", type=Path, help="K (default: beside the trials, <stem>.k.dbits)")
    o.add_argument("--out-cert", dest="out_cert", type=Path,
                   help="certificate (default: beside the trials, <stem>.cert.json)")
    o.add_argument("--force", action="store_true", help="overwrite existing output files")
    o.add_argument("--timings", action="store_true",
                   help="add stage timings to the certificate (a non-hashed field; the file then varies)")
    o.add_argument("--json", action="store_true", help="print the report as one JSON object")
    o.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bars (default: only on a terminal)")
    pa = p.add_argument_group("parameters (with --commit: checks; without: the simulated run)")
    add_param_args(pa)
    d = p.add_argument_group("simulated default run")
    d.add_argument("--workdir", type=Path, help="directory for the simulated run's files (default: a new temp dir)")
    d.add_argument("--seed", type=int, help="seed of the simulation (default 20240101)")
    d.add_argument("--chsh", help="CHSH of the simulated depolarised device (default 2.271)")
    d.add_argument("--device", choices=("quantum", "local"), default="quantum", help="simulated device")
    p.set_defaults(func=run)


def _given(args: argparse.Namespace) -> dict[str, Any]:
    return {"n": args.n, "mu": args.mu, "eps": args.eps, "eps_s": args.eps_s, "eps_EA": args.eps_ea,
            "bins": args.bins, "s_max": args.s_max, "variant": args.variant, "block_trials": args.block_trials,
            "method": args.method}


def run(args: argparse.Namespace) -> int:
    from diramp.certificate import Precommit, build_certificate, write_run
    from diramp.protocol import run_files

    real = [args.trials, args.seed_z, args.commit]
    timings: dict[str, float] = {}
    if any(v is not None for v in real):
        if not all(v is not None for v in real):
            raise InputError("--trials/--seed-z/--commit", "must be given together", "",
                             "or give none of them to run the simulated default")
        for opt in ("workdir", "seed", "chsh"):
            if getattr(args, opt) is not None:
                raise InputError(f"--{opt}", "applies only to the simulated default run", "", "drop it")
        pc = Precommit.load(args.commit)
        pc.check_matches(_given(args))
        trials, z, commit = args.trials, args.seed_z, args.commit
        stem = trials.name.split(".")[0] or "run"
        out_k = args.out_k or trials.with_name(stem + ".k.dbits")
        out_cert = args.out_cert or trials.with_name(stem + ".cert.json")
        label = f"{trials}"
    else:
        pc, trials, z, commit, out_k, out_cert = _default_inputs(args, timings)
        label = "the embedded default (simulated)"
    for p in (out_k, out_cert):
        if p.exists() and not args.force:
            raise InputError(str(p), "exists already", "", "choose another path or pass --force")
    t0 = time.perf_counter()
    result = run_files(pc.params, trials, z, show_progress=args.progress)
    timings["protocol"] = time.perf_counter() - t0
    cert = build_certificate(pc, result, timings if args.timings else None)
    write_run(result, cert, out_k, out_cert, overwrite=args.force)
    _report(args, label, cert, result, {"trials": trials, "z": z, "commit": commit, "k": out_k, "cert": out_cert},
            timings)
    return 0


def _default_inputs(args: argparse.Namespace, timings: dict[str, float]) -> tuple[Any, ...]:
    from diramp.atomic import atomic_write_text
    from diramp.certificate import Precommit, exact_string
    from diramp.exact import to_fraction
    from diramp.progress import progress
    from diramp.protocol import DEFAULT_CHSH, DEFAULT_N, DEFAULT_SEED, SimulationConfig, default_paths, simulate_files

    if args.n is None:
        args.n = str(DEFAULT_N)
    params = params_from_args(args, "kulikov2024")
    if args.workdir is None:
        wd = Path(tempfile.mkdtemp(prefix="diramp-run-"))
    else:
        wd = args.workdir
        wd.mkdir(parents=True, exist_ok=True)
    paths = default_paths(wd)
    if not args.force:
        for key in ("commit", "trials", "z", "k", "cert"):
            if paths[key].exists():
                raise InputError(str(paths[key]), "exists already", "", "use another --workdir or pass --force")
    try:
        chsh = DEFAULT_CHSH if args.chsh is None else to_fraction(args.chsh)
    except (ValueError, ZeroDivisionError):
        raise InputError("--chsh", "must be a number in [0, 2 sqrt 2]", f"got {args.chsh!r}") from None
    cfg = SimulationConfig(seed=DEFAULT_SEED if args.seed is None else args.seed, chsh=chsh, device=args.device)
    pc = Precommit(params)
    atomic_write_text(paths["commit"], pc.to_json())  # committed before the data exists
    t0 = time.perf_counter()
    with progress(2 * params.n, "simulate", unit="trial", enabled=args.progress) as bar:
        simulate_files(params, cfg, paths["trials"], paths["z"], bar.update)
    timings["simulate"] = time.perf_counter() - t0
    print(f"diramp run: simulated {params.n} trials (seed {cfg.seed}, {cfg.device} device, "
          f"CHSH {exact_string(cfg.chsh)}, honest uniform source, mu = {params.mu}) in {wd}", file=sys.stderr)
    return pc, paths["trials"], paths["z"], paths["commit"], paths["k"], paths["cert"]


def _dec(s: str, digits: int = 10, up: bool = False) -> str:
    from diramp.exact import decimal_down, decimal_up, to_fraction

    x = to_fraction(s)
    return decimal_up(x, digits) if up else decimal_down(x, digits)


def _report(args: argparse.Namespace, label: str, cert: dict[str, Any], result: Any, paths: dict[str, Path],
            timings: dict[str, float]) -> None:
    st, t6 = cert["statistics"], cert["theorem6"]
    if args.json:
        out = {
            "source": label, "n": st["n"], "s_mu_obs": st["s_mu_obs"], "chsh": st["chsh"], "eta": cert["eta"],
            "m": cert["m"], "variant": t6["variant_used"], "bin": t6["bin"], "s_grid": t6["s_grid"],
            "variants": {v: {k: r[k] for k in ("m", "eps_achieved", "eps_total", "meets_claim")}
                         for v, r in t6["variants"].items()},
            "eps_total": cert["eps_total"], "k_file_sha256": cert["output"]["k"]["file_sha256"],
            "k_payload_sha256": cert["output"]["k"]["payload_sha256"],
            "certificate_sha256": cert["certificate_sha256"], "precommit_sha256": cert["precommit_sha256"],
            "files": {k: str(v) for k, v in paths.items()}, "seconds": {k: round(v, 2) for k, v in timings.items()},
        }
        print(json.dumps(out, indent=2, sort_keys=True))
        return
    p = result.analysis.params
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
        warn = "" if r["meets_claim"] else f"  (MISSES eps = {float(Fraction(p.eps)):.3g})"
        lines.append(f"  {'m (' + v + ')':<17}{r['m']:,} bits, eps achieved <= {ach}{warn}{mark}")
    lines += [
        f"  eps (protocol)   {_dec(cert['eps_total'], 3, up=True)}  (M * max(eps achieved, eps_EA), THM-6)",
        f"  SHA-256(K file)  {cert['output']['k']['file_sha256']}",
        f"  K                {paths['k']}  (mode 0600; its bits are not shown)",
        f"  certificate      {paths['cert']}  (SHA-256 {cert['certificate_sha256'][:16]}...)",
        f"  pre-commitment   {paths['commit']}  (SHA-256 {cert['precommit_sha256'][:16]}...)",
        "  time             " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()),
        f"verify: diramp verify {paths['cert']} --trials {paths['trials']} --seed-z {paths['z']} --k {paths['k']}",
    ]
    print("\n".join(lines))
