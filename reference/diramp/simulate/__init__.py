"""DEF-SIM-SOURCE, DEF-SIM-DEVICE (spec/data-formats.md): seeded simulation of Box I.

Public API::

    make_source(name, mu, seed) -> SVSource        # honest | adversarial | correlated
    HonestSource / AdversarialSource / CorrelatedSource
    QuantumDevice(chsh, seed, readout_error=(rA, rB)); LocalDevice(mu, seed, p_xy)
    simulate_trials(n, source, device, chunk)      # yields (x, y, a, b) chunks
    simulate(n, mu, seed=..., out_trials=..., out_z=..., ...) -> SimulationReport
"""

from __future__ import annotations

from diramp.simulate.devices import (
    LocalDevice,
    QuantumDevice,
    best_local_strategies,
    expected_chsh,
    expected_s_mu,
    s_mu_std,
)
from diramp.simulate.run import SimulationReport, draw_z, make_device, simulate, simulate_trials
from diramp.simulate.sources import (
    GENERATOR,
    AdversarialSource,
    CorrelatedSource,
    HonestSource,
    SVSource,
    make_source,
)

__all__ = [
    "GENERATOR",
    "AdversarialSource",
    "CorrelatedSource",
    "HonestSource",
    "LocalDevice",
    "QuantumDevice",
    "SVSource",
    "SimulationReport",
    "best_local_strategies",
    "draw_z",
    "expected_chsh",
    "expected_s_mu",
    "make_device",
    "make_source",
    "s_mu_std",
    "simulate",
    "simulate_trials",
]
