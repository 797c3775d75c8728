"""``diramp simulate``: Box I steps 1 and 3(a), simulated (DEF-SIM-SOURCE, DEF-SIM-DEVICE).

Parsing and formatting only; the work is :func:`diramp.simulate.simulate`.
"""

from __future__ import annotations

import argparse
import json
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

from diramp.cli._args import exact, integer
from diramp.errors import InputError

DESCRIPTION = """\
Simulate the measurement phase of Box I (Kulikov et al. 2024) and draw the seed Z.

Each of n trials takes two bits x, y from a simulated mu-SV source (DEF-SIM-SOURCE)
and feeds them to a simulated untrusted device that outputs a, b (DEF-SIM-DEVICE).
The trials go to a trial file (DEF-TRIAL-FILE, spec/data-formats.md); Z is the next
d bits of the same source, written as a packed MSB-first bit file.  All randomness
comes from --seed (numpy PCG64 via SeedSequence(seed): stream 0 source, stream 1
device); the same command gives byte-identical files.

Devices:
  quantum  depolarised |Psi+> at optimal CHSH settings: P(a,b|x,y) =
           (1 + (-1)^(a+b) s_xy CHSH/4) / 4, s_11 = -1, then readout flips
  local    the best local deterministic strategy a = f(x), b = g(y) for the
           source (S_mu <= 0: the protocol must not produce K)
Sources (--mu is the bias the protocol assumes; --source-bias the source's true
bias, |bias| <= mu):
  honest       i.i.d. bits, P(1) = 1/2 + bias (default bias = mu)
  adversarial  each bit leans away from the previous one by mu (history-dependent)
  correlated   x with P(1) = 1/2 + bias, y leaning towards x by mu
"""

EPILOG = """\
examples:
  diramp simulate --n 1000000 --mu 0.0075 --chsh 2.271 --seed 1 \\
      --out-trials run.trials --out-z run.z
  diramp simulate --n 67108864 --mu 0.0075 --source-bias 0 --chsh 2.271 --seed 20240101 \\
      --out-trials run.trials --out-z run.z.dbits      # the data of the embedded default run
  diramp simulate --n 4194304 --mu 0.0075 --device local --seed 7 \\
      --out-trials attack.trials --out-z attack.z      # must abort downstream

The summary (JSON on stdout) gives the exact counts, S_mu,obs and CHSH, and the
model's expected S_mu with its standard deviation, for comparison.
"""


def register(subparsers: Any) -> None:
    """Add the ``simulate`` subcommand."""
    from diramp.trials.format import MAX_TRIALS

    p = subparsers.add_parser(
        "simulate",
        help="simulate SV sources and a device: write a trial file and the seed Z",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--n", type=integer("--n", 0, MAX_TRIALS), required=True,
                   help="number of trials (paper: 1342177280)")
    p.add_argument("--mu", type=exact("--mu"), required=True,
                   help="the SV bias mu the protocol assumes, in [0, 1/2), exact (paper: 0.0075)")
    p.add_argument("--source-bias", dest="source_bias", type=exact("--source-bias"), default=None,
                   metavar="DELTA",
                   help="the honest or correlated source's TRUE bias P(1) - 1/2, |DELTA| <= mu (default: mu, "
                   "the edge of the SV model; the embedded default run uses 0)")
    p.add_argument("--chsh", type=exact("--chsh"), default=Fraction("2.271"),
                   help="target CHSH of the quantum device, in [0, 2 sqrt 2] (default 2.271)")
    p.add_argument("--device", choices=("quantum", "local"), default="quantum", help="default: quantum")
    p.add_argument("--readout-error", default="0", metavar="R[,RB]",
                   help="probability each output is flipped: one value for both sides or r_A,r_B (default 0)")
    p.add_argument("--source", choices=("honest", "adversarial", "correlated"), default="honest",
                   help="default: honest")
    p.add_argument("--seed", type=integer("--seed", 0, 2**128), required=True,
                   help="seed of all randomness (required)")
    p.add_argument("--out-trials", required=True, type=Path, metavar="FILE",
                   help="trial file to write (mode 0600: it holds the outputs A, B)")
    p.add_argument("--out-z", required=True, type=Path, metavar="FILE", help="seed Z to write (packed bits, mode 0600)")
    p.add_argument("--z-bits", type=integer("--z-bits", 0, MAX_TRIALS), default=None, metavar="D",
                   help="length d of Z in bits (default 2n; with --extractor circulant p, CONV-CIRC-PRIME)")
    p.add_argument("--extractor", choices=("dodis", "circulant"), default="dodis",
                   help="the extractor the data is for: sets the default length of Z (dodis: 2n; circulant: the "
                   "prime p > 2n of CONV-CIRC-PRIME)")
    p.add_argument("--force", action="store_true",
                   help="replace existing outputs (only if the whole simulation succeeds: both files or neither)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar (default: only on a terminal)")
    p.set_defaults(func=run)


def _readout(text: str) -> tuple[Any, Any]:
    from diramp.exact import parse_exact

    parts = [t.strip() for t in text.split(",")]
    if len(parts) not in (1, 2):
        raise InputError("--readout-error", "must be R or R_A,R_B", f"got {text[:40]!r}")
    vals = [parse_exact(t, "--readout-error") for t in parts]
    return (vals[0], vals[-1])


def run(args: argparse.Namespace) -> int:
    from diramp.outputs import Transaction, describe
    from diramp.progress import progress
    from diramp.simulate import simulate
    from diramp.sv import check_mu

    mu = check_mu(args.mu)
    if args.source_bias is not None and abs(args.source_bias) > mu:
        raise InputError("--source-bias", f"must satisfy |bias| <= mu = {mu} (a mu-SV source, DEF-SV)",
                         f"got {args.source_bias}", "the protocol's guarantee needs the true bias within mu")
    readout = _readout(args.readout_error)
    if args.z_bits is None and args.extractor == "circulant" and args.n > 0:
        from diramp.bounds import protocol_prime

        args.z_bits = protocol_prime(args.n)  # CONV-CIRC-ARGS: Z supplies the p-bit weak seed
    total = args.n + (args.z_bits if args.z_bits is not None else 2 * args.n) // 2
    with Transaction(force=args.force) as tx:
        tx.output(args.out_trials, "secret", "trial file")
        tx.output(args.out_z, "secret", "seed Z")
        with progress(total, "simulate", unit="trial", enabled=args.progress) as bar:
            rep = simulate(
                args.n, mu, seed=args.seed, out_trials=args.out_trials, out_z=args.out_z, d=args.z_bits,
                source=args.source, delta=args.source_bias, device=args.device, chsh_target=args.chsh,
                readout_error=readout, on_progress=bar.update,
            )
    out = rep.to_dict()
    out["assumed_mu"] = out.pop("mu")
    out["source_true_bias"] = rep.source.get("delta", "n/a (history-dependent)")
    out["trials_file"] = str(args.out_trials)
    out["z_file"] = str(args.out_z)
    out["written"] = describe(tx.published)
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0
