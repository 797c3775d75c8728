"""Box I step 1 and 3(a) of Kulikov et al. (2024), simulated: trial file and seed Z.

DEF-SIM-SOURCE and DEF-SIM-DEVICE (spec/data-formats.md).  Streams in chunks,
so memory is independent of n; all randomness comes from one explicit seed
(PCG64, SeedSequence(seed) spawned: stream 0 the source, stream 1 the device).
Computes only: no printing, no argument parsing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from diramp.bell import Counts, chsh, s_mu
from diramp.errors import InputError
from diramp.exact import exact_value
from diramp.simulate.devices import (
    LocalDevice,
    QuantumDevice,
    expected_chsh,
    expected_s_mu,
    s_mu_std,
)
from diramp.simulate.sources import GENERATOR, SVSource, make_source
from diramp.sv import check_mu
from diramp.trials.bits import write_packed_bits
from diramp.trials.format import TrialHeader
from diramp.trials.io import CHUNK, TrialWriter

Device = QuantumDevice | LocalDevice


def make_device(
    kind: str,
    *,
    mu: Fraction,
    seed: int,
    chsh_target: Fraction | str = "2.271",
    readout_error: tuple[Fraction | str, Fraction | str] = (Fraction(0), Fraction(0)),
    p_xy: dict[tuple[int, int], Fraction] | None = None,
) -> Device:
    """DEF-SIM-DEVICE: a device by name ("quantum" or "local"), on stream 1 of ``seed``."""
    if kind == "quantum":
        return QuantumDevice(chsh_target, seed, readout_error)
    if kind == "local":
        if p_xy is None:
            return LocalDevice(mu, seed)
        return LocalDevice(mu, seed, p_xy)
    raise InputError("device", "must be 'quantum' or 'local'", f"got {kind!r}")


@dataclass(frozen=True)
class SimulationReport:
    """What a simulation produced: parameters, exact counts, and the model's expectations."""

    n: int
    d: int
    mu: Fraction
    seed: int
    source: dict[str, str]
    device: dict[str, str]
    counts: Counts
    trials: TrialHeader
    z_sha256: str | None  # DEF-PACKED-FILE payload SHA-256 of Z
    expected_s_mu: Fraction
    s_mu_std: float
    expected_chsh: Fraction
    generator: str = GENERATOR
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def s_mu_obs(self) -> Fraction | None:
        return s_mu(self.counts, self.mu) if self.counts.n else None

    @property
    def chsh_obs(self) -> Fraction | None:
        try:
            return chsh(self.counts)
        except InputError:
            return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (exact values as strings, floats for reading)."""
        s, c = self.s_mu_obs, self.chsh_obs
        return {
            "n": self.n,
            "d": self.d,
            "mu": str(self.mu),
            "seed": self.seed,
            "generator": self.generator,
            "source": self.source,
            "device": self.device,
            "counts": self.counts.to_mapping(),
            "s_mu_obs": None if s is None else float(s),
            "s_mu_obs_exact": None if s is None else str(s),
            "chsh_obs": None if c is None else float(c),
            "expected_s_mu": float(self.expected_s_mu),
            "s_mu_std": self.s_mu_std,
            "expected_chsh": float(self.expected_chsh),
            "trials_payload_sha256": self.trials.payload_sha256,
            "z_sha256": self.z_sha256,
        }


def simulate_trials(
    n: int,
    source: SVSource,
    device: Device,
    chunk: int = CHUNK,
) -> Iterator[tuple[Any, Any, Any, Any]]:
    """Box I step 1, simulated: yield (x, y, a, b) uint8 arrays of up to ``chunk`` trials."""
    if not isinstance(n, int) or n < 0:
        raise InputError("n", "must be a non-negative integer", f"got {n!r}")
    for start in range(0, n, chunk):
        k = min(chunk, n - start)
        x, y, _, _ = source.pairs(k)
        a, b = device.sample(x, y)
        yield x, y, a, b


def _count(x: Any, y: Any, a: Any, b: Any) -> Counts:
    idx = (a << 3) | (b << 2) | (x << 1) | y
    return Counts(tuple(int(v) for v in np.bincount(idx, minlength=16)))


def draw_z(source: SVSource, d: int, chunk_bits: int = 2**25) -> Iterator[Any]:
    """Box I step 3(a), simulated: the next d bits of the source, packed MSB-first, in chunks."""
    for start in range(0, d, chunk_bits):
        yield np.packbits(source.draw(min(chunk_bits, d - start)).bits)


def simulate(
    n: int,
    mu: Fraction | str,
    *,
    seed: int,
    out_trials: str | os.PathLike[str],
    out_z: str | os.PathLike[str] | None = None,
    d: int | None = None,
    source: str = "honest",
    delta: Fraction | str | None = None,
    device: str = "quantum",
    chsh_target: Fraction | str = "2.271",
    readout_error: tuple[Fraction | str, Fraction | str] = (Fraction(0), Fraction(0)),
    chunk: int = CHUNK,
    on_progress: Callable[[int], None] | None = None,
) -> SimulationReport:
    """Box I steps 1 and 3(a), simulated end to end: write the trial file and Z.

    ``d`` defaults to 2n (Theorem 5 uses |Z| = |AB| = 2n).  ``mu`` is the bias
    the protocol assumes; ``delta`` the honest or correlated source's true bias
    P(1) - 1/2 (default mu, |delta| <= mu).  Both files are written atomically,
    owner-only (they hold the device outputs and the seed; REQ-SECRET-FILES).
    ``on_progress(k)`` is called after every k trials
    (and every k bits of Z, counted as k / 2 trials).
    """
    m = check_mu(mu)
    from diramp.trials.format import MAX_TRIALS

    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_TRIALS:
        raise InputError("n", f"must be an integer in [0, {MAX_TRIALS}] (DEF-TRIAL-FILE)", f"got {n!r}")
    if chunk <= 0 or chunk % 8:
        raise InputError("chunk", "must be a positive multiple of 8", f"got {chunk}")
    src = make_source(source, m, seed, delta=None if delta is None else exact_value(delta, "delta"))
    dev = make_device(
        device,
        mu=m,
        seed=seed,
        chsh_target=chsh_target,
        readout_error=readout_error,
        p_xy=src.pair_probs(),
    )
    dd = 2 * n if d is None else d
    if dd < 0:
        raise InputError("d", "must be a non-negative bit count", f"got {dd}")
    counts = Counts.zero()
    with TrialWriter(out_trials, n) as w:
        for x, y, a, b in simulate_trials(n, src, dev, chunk):
            w.write(x, y, a, b)
            counts = counts + _count(x, y, a, b)
            if on_progress:
                on_progress(x.size)
    assert w.header is not None
    z_hash = None
    if out_z is not None:

        def counted(chunks: Iterator[Any]) -> Iterator[Any]:
            for c in chunks:
                if on_progress:
                    on_progress(8 * c.size // 2)
                yield c

        z_hash = write_packed_bits(out_z, counted(draw_z(src, dd)), dd, mode=0o600).hex()
    p_xy = src.pair_probs()
    model = dev.conditional()
    return SimulationReport(
        n=n,
        d=dd,
        mu=m,
        seed=seed,
        source=src.describe(),
        device=dev.describe(),
        counts=counts,
        trials=w.header,
        z_sha256=z_hash,
        expected_s_mu=expected_s_mu(model, m, p_xy),
        s_mu_std=s_mu_std(model, m, max(n, 1), p_xy),
        expected_chsh=expected_chsh(model),
    )


__all__ = ["SimulationReport", "draw_z", "make_device", "simulate", "simulate_trials"]
