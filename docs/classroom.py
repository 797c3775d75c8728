"""Classroom walk-through of device-independent randomness amplification (Kulikov et al. 2024).

Run:  python docs/classroom.py   (about 10 s; every random step is seeded)

Small numbers (n = 2^20 trials, a good simulated device with CHSH 2.8, mu = 0.5 %,
eps = 1e-6) so that each step runs in a moment and still produces output bits.
The paper's run (n = 1.342e9, CHSH 2.271, mu = 0.75 %, eps = 1e-12) goes
through exactly the same functions: see ``diramp audit --preset kulikov2024``.
"""

from __future__ import annotations

import sys
import time
from fractions import Fraction

import numpy as np

from diramp import extract
from diramp.bell import Counts, block_series, chsh, s_mu, s_mu_depolarised
from diramp.extractor import interleave_ab
from diramp.length import VARIANTS, Grid, theorem6
from diramp.simulate import LocalDevice, QuantumDevice, make_source, simulate_trials
from diramp.sv import check_mu, mu_max, mu_min

N = 2**20  # trials
MU = check_mu("0.005")  # SV bias: every bit is 1 with probability in [1/2 - mu, 1/2 + mu]
CHSH_DEVICE = Fraction("2.8")  # a depolarised |Psi+> with CHSH 2.8
EPS, EPS_S, EPS_EA = Fraction(1, 10**6), Fraction(1, 10**8), Fraction(1, 10**6)
GRID = Grid(Fraction("0.0125"), 1000)  # Theorem 6: S_max = 0.0125, M = 1000 bins (Delta S = 1.25e-5)
SEED = 2024


def step(title: str) -> None:
    print()
    print(f"== {title}")


def run_device(device: QuantumDevice | LocalDevice, seed: int) -> tuple[Counts, list[Counts], np.ndarray,
                                                                          np.ndarray]:
    src = make_source("honest", MU, seed=seed)
    blocks, a_all, b_all = [], [], []
    for x, y, a, b in simulate_trials(N, src, device, chunk=2**17):
        blocks.append(Counts.from_arrays(a, b, x, y))
        a_all.append(a)
        b_all.append(b)
    return sum(blocks, Counts.zero()), blocks, np.concatenate(a_all), np.concatenate(b_all)


def main() -> int:
    t0 = time.perf_counter()
    print(__doc__.splitlines()[0])

    step("1. Two Santha-Vazirani sources (DEF-SV, DEF-SV-PAIR)")
    src = make_source("honest", MU, seed=SEED)
    bits = src.draw(100_000).bits
    print(f"mu = {MU} ({float(MU):.2%}); first 32 bits: {''.join(map(str, bits[:32]))}")
    print(f"fraction of ones in 100,000 bits: {bits.mean():.4f} (allowed per bit: {0.5 - float(MU)} .. "
          f"{0.5 + float(MU)})")
    print(f"each input pair (x, y) has probability in [mu_min, mu_max] = [{float(mu_min(MU)):.6f}, "
          f"{float(mu_max(MU)):.6f}]")

    step("2. The Bell test: n trials of an untrusted device (DEF-MDL, DEF-SOBS, DEF-CHSH)")
    total, blocks, a, b = run_device(QuantumDevice(CHSH_DEVICE, seed=SEED), SEED)
    s_obs = s_mu(total, MU)
    print(f"n = {total.n:,} trials; counts N(a,b,x,y) for the MDL events: N(0000) = {total[0, 0, 0, 0]:,}, "
          f"N(0101) + N(1010) + N(0011) = {total[0, 1, 0, 1] + total[1, 0, 1, 0] + total[0, 0, 1, 1]:,}")
    print(f"S_mu,obs = {float(s_obs):.6f} (exact: {s_obs.numerator}/{s_obs.denominator}), "
          f"CHSH = {float(chsh(total)):.4f}")
    print(f"the depolarised model predicts S_mu = {float(s_mu_depolarised(CHSH_DEVICE, MU)):.6f} (CONV-DEPOL) for "
          "uniform inputs; this honest source has P(1) = 1/2 + mu, so the measured value is lower")
    series = list(block_series(blocks, MU))
    print("S_mu per block of 2^17 trials (Fig. 4 style): "
          + ", ".join(f"{float(s.s_mu):.4f}" for s in series))

    step("3. A classical device cannot violate the MDL inequality (LEM-MDL-LOCAL)")
    ltotal, _, _, _ = run_device(LocalDevice(MU, seed=SEED), SEED + 1)
    print(f"best local strategy: S_mu,obs = {float(s_mu(ltotal, MU)):.6f} <= 0 -> the protocol aborts (REQ-ABORT)")

    step("4. Entropy and output length: Theorem 1 (eta, reconstructed) and Theorem 6 (THM-1, THM-6)")
    res = {v: theorem6(N, MU, s_obs, EPS, EPS_S, EPS_EA, grid=GRID, variant=v) for v in VARIANTS}
    d = res["derived"]
    assert d.length.eta is not None
    print(f"S_mu,obs rounded down to the grid (Delta S = {GRID.delta}): S = {d.s_grid} (bin {d.bin_index})")
    print(f"eta = {float(d.length.eta.lo):.6f} bits per trial (certified lower bound)")
    for v, r in res.items():
        ach = r.length.eps_achieved
        print(f"  {v:10s}: m = {r.m:,} bits, eps achieved <= {float(ach) if ach else 0:.3g} "
              f"({'meets' if r.length.meets_claim else 'MISSES'} eps = {float(EPS):g})")
    m = d.m
    if m == 0:
        print("m = 0: the protocol aborts")
        return 1

    step("5. The two-source extractor K = Ext(AB, Z) (THM-2, DEF-EXT)")
    ab = interleave_ab(a, b)  # AB = a_0 b_0 a_1 b_1 ... (2n bits)
    z = make_source("honest", MU, seed=SEED + 2).draw(2 * N).bits  # the seed Z: 2n more SV bits
    k = extract(ab, z, m)
    print(f"|AB| = |Z| = {ab.size:,} bits -> K: {k.size:,} bits")
    print(f"first 64 bits of K: {''.join(map(str, k[:64]))}  (a classroom toy: a real K is never shown)")
    print(f"fraction of ones in K: {k.mean():.4f}")
    check = extract(ab[:4096], z[:4096], 16, method="loop")
    assert (check == extract(ab[:4096], z[:4096], 16)).all()
    print("cross-check: the FFT extractor and the O(N m) reference loop agree on a 4096-bit sample")

    step("6. What the bits are worth (THM-6-EPS)")
    print(f"each Theorem 5 instance (one grid bin) is eps = {float(EPS):g} secure, but Theorem 6 chose the bin from")
    print(f"the data, so the protocol is M x the worst bin's eps secure: M = {GRID.bins} bins give")
    print(f"K eps-close to uniform with eps = {float(d.eps_protocol):g} (not {float(EPS):g}) even given X, Y, Z, "
          "unless the run was")
    print("unlikely to pass; statistical tests (diramp stats) cannot show this, the proof does.")
    print(f"\ndone in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
