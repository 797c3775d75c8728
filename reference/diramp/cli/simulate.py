"""``diramp simulate``: Box I steps 1 and 3(a), simulated (DEF-SIM-SOURCE, DEF-SIM-DEVICE).

Parsing and formatting only; the work is :func:`diramp.simulate.simulate`.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from diramp.errors import InputError
from diramp.exact import to_fraction

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
Sources:
  honest       i.i.d. bits, P(1) = 1/2 + mu
  adversarial  each bit leans away from the previous one by mu (history-dependent)
  correlated   x with P(1) = 1/2 + mu, y leaning towards x by mu
"""

EPILOG = """\
examples:
  diramp simulate --n 1000000 --mu 0.0075 --chsh 2.271 --seed 1 \\
      --out-trials run.trials --out-z run.z
  diramp simulate --n 4194304 --mu 0.0075 --device local --seed 7 \\
      --out-trials attack.trials --out-z attack.z      # must abort downstream

The summary (JSON on stdout) gives the exact counts, S_mu,obs and CHSH, and the
model's expected S_mu with its standard deviation, for comparison.
"""


def _nonneg_int(text: str) -> int:
    try:
        v = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}")
    return v


def register(subparsers: Any) -> None:
    """Add the ``simulate`` subcommand."""
    p = subparsers.add_parser(
        "simulate",
        help="simulate SV sources and a device: write a trial file and the seed Z",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--n", type=_nonneg_int, required=True, help="number of trials (paper: 1342177280)"
    )
    p.add_argument(
        "--mu", required=True, help="SV bias in [0, 1/2), exact decimal or fraction (paper: 0.0075)"
    )
    p.add_argument(
        "--chsh",
        default="2.271",
        help="target CHSH of the quantum device, in [0, 2 sqrt 2] (default 2.271)",
    )
    p.add_argument(
        "--device", choices=("quantum", "local"), default="quantum", help="default: quantum"
    )
    p.add_argument(
        "--readout-error",
        default="0",
        metavar="R[,RB]",
        help="probability each output is flipped: one value for both sides or r_A,r_B (default 0)",
    )
    p.add_argument(
        "--source",
        choices=("honest", "adversarial", "correlated"),
        default="honest",
        help="default: honest",
    )
    p.add_argument(
        "--seed", type=_nonneg_int, required=True, help="seed of all randomness (required)"
    )
    p.add_argument("--out-trials", required=True, metavar="FILE", help="trial file to write")
    p.add_argument("--out-z", required=True, metavar="FILE", help="seed Z to write (packed bits)")
    p.add_argument(
        "--z-bits",
        type=_nonneg_int,
        default=None,
        metavar="D",
        help="length d of Z in bits (default 2n)",
    )
    p.set_defaults(func=run)


def _readout(text: str) -> tuple[Any, Any]:
    parts = [t.strip() for t in text.split(",")]
    if len(parts) not in (1, 2):
        raise InputError("--readout-error", "must be R or R_A,R_B", f"got {text!r}")
    try:
        vals = [to_fraction(t) for t in parts]
    except (ValueError, ZeroDivisionError):
        raise InputError(
            "--readout-error", "must be numbers in [0, 1/2]", f"got {text!r}"
        ) from None
    return (vals[0], vals[-1])


def run(args: argparse.Namespace) -> int:
    from diramp.progress import progress
    from diramp.simulate import simulate

    total = args.n + (args.z_bits if args.z_bits is not None else 2 * args.n) // 2
    with progress(total, "simulate", unit="trial") as bar:
        rep = simulate(
            args.n,
            args.mu,
            seed=args.seed,
            out_trials=args.out_trials,
            out_z=args.out_z,
            d=args.z_bits,
            source=args.source,
            device=args.device,
            chsh_target=args.chsh,
            readout_error=_readout(args.readout_error),
            on_progress=bar.update,
        )
    out = rep.to_dict()
    out["trials_file"] = str(args.out_trials)
    out["z_file"] = str(args.out_z)
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0
