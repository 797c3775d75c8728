"""DEF-SIM-DEVICE: the simulated devices against CONV-DEPOL and the MDL inequality (eq. 4)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diramp.bell import Counts, chsh, s_mu, s_mu_depolarised
from diramp.errors import InputError
from diramp.simulate.devices import (
    ALL_STRATEGIES,
    UNIFORM,
    LocalDevice,
    QuantumDevice,
    best_local_strategies,
    expected_chsh,
    expected_s_mu,
    s_mu_std,
    strategy_model,
)
from diramp.simulate.sources import make_source

MU = Fraction(3, 400)


def uniform_inputs(k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    s = make_source("honest", 0, seed)
    x, y, _, _ = s.pairs(k)
    return x, y


@settings(max_examples=30, deadline=None)
@given(
    num=st.integers(0, 2**20),
    mu=st.fractions(0, Fraction(49, 100), max_denominator=1000),
)
def test_expected_s_mu_is_conv_depol_exactly(num: int, mu: Fraction) -> None:
    """For a dyadic CHSH (2 + k / 2^21 in [2, 5/2]) the realised model is CONV-DEPOL exactly."""
    c = 2 + Fraction(num, 2**21)
    dev = QuantumDevice(c, seed=0)
    assert expected_s_mu(dev.conditional(), mu) == s_mu_depolarised(c, mu)
    assert expected_chsh(dev.conditional()) == c


def test_paper_chsh_close_to_conv_depol() -> None:
    dev = QuantumDevice("2.271", seed=0)
    gap = expected_s_mu(dev.conditional(), MU) - s_mu_depolarised(Fraction("2.271"), MU)
    assert abs(gap) < Fraction(1, 2**62)


def test_readout_error_scales_correlator() -> None:
    ra, rb = Fraction(1, 64), Fraction(1, 32)
    dev = QuantumDevice(Fraction(9, 4), seed=0, readout_error=(ra, rb))
    assert expected_chsh(dev.conditional()) == Fraction(9, 4) * (1 - 2 * ra) * (1 - 2 * rb)
    assert all(
        sum(dev.conditional()[a, b, x, y] for b in (0, 1)) == Fraction(1, 2)
        for a in (0, 1)
        for x in (0, 1)
        for y in (0, 1)
    )  # marginals stay uniform: no signalling


@pytest.mark.parametrize(("c", "r"), [("2.271", (0, 0)), ("2.7", ("0.02", "0.01"))])
def test_empirical_chsh_and_s_mu(c: str, r: tuple[str, str]) -> None:
    n = 2**20
    dev = QuantumDevice(c, seed=3, readout_error=r)  # type: ignore[arg-type]
    x, y = uniform_inputs(n, 4)
    a, b = dev.sample(x, y)
    counts = Counts.from_arrays(a, b, x, y)
    model = dev.conditional()
    z = float(s_mu(counts, MU) - expected_s_mu(model, MU)) / s_mu_std(model, MU, n)
    assert abs(z) < 5
    # CHSH: each E_xy has sd <= 1/sqrt(n/4); the sum of four, <= 4 * that
    assert abs(float(chsh(counts) - expected_chsh(model))) < 5 * 4 / math.sqrt(n / 4) / 2


def test_device_outputs_are_fair_bits() -> None:
    x, y = uniform_inputs(2**18, 1)
    a, b = QuantumDevice("2.271", seed=9).sample(x, y)
    for v in (a, b):
        assert abs(v.mean() - 0.5) < 5 * 0.5 / math.sqrt(v.size)
        assert set(np.unique(v).tolist()) <= {0, 1}


def test_quantum_device_determinism() -> None:
    x, y = uniform_inputs(10_000, 2)
    a1, b1 = QuantumDevice("2.271", seed=5).sample(x, y)
    a2, b2 = QuantumDevice("2.271", seed=5).sample(x, y)
    a3, _ = QuantumDevice("2.271", seed=6).sample(x, y)
    assert a1.tobytes() == a2.tobytes() and b1.tobytes() == b2.tobytes()
    assert a1.tobytes() != a3.tobytes()


def test_no_local_strategy_beats_mdl_bound() -> None:
    """Eq. (4): every deterministic strategy has expected S_mu <= 0 under any SV pair law."""
    for name in ("honest", "adversarial", "correlated"):
        p_xy = make_source(name, MU, 0).pair_probs()
        for s in ALL_STRATEGIES:
            assert expected_s_mu(strategy_model([s]), MU, p_xy) <= 0
        best = best_local_strategies(MU, p_xy)
        assert expected_s_mu(strategy_model(best[:1]), MU, p_xy) == 0
        assert expected_chsh(strategy_model(best[:1])) == 2


@pytest.mark.parametrize("name", ["honest", "adversarial", "correlated"])
def test_local_device_gives_aborting_data(name: str) -> None:
    """Local adversary: S_mu,obs = 0 exactly (no eq. 4 event), CHSH = 2: no K may follow."""
    src = make_source(name, MU, 8)
    dev = LocalDevice(MU, seed=8, p_xy=src.pair_probs())
    x, y, _, _ = src.pairs(100_000)
    a, b = dev.sample(x, y)
    counts = Counts.from_arrays(a, b, x, y)
    assert s_mu(counts, MU) == 0
    assert chsh(counts) == 2


def test_local_mixture_stays_below_zero() -> None:
    """A uniform mixture of four local strategies: S_mu,obs <= 0 up to 5 sigma; model exact."""
    strategies = [ALL_STRATEGIES[i] for i in (0, 5, 10, 15)]
    dev = LocalDevice(MU, seed=2, strategies=strategies)
    n = 2**18
    x, y = uniform_inputs(n, 3)
    a, b = dev.sample(x, y)
    counts = Counts.from_arrays(a, b, x, y)
    model = dev.conditional()
    e = expected_s_mu(model, MU, UNIFORM)
    assert e < 0
    sd = s_mu_std(model, MU, n)
    assert float(s_mu(counts, MU)) < 5 * sd
    assert abs(float(s_mu(counts, MU) - e)) < 5 * sd


def test_invalid_devices() -> None:
    with pytest.raises(InputError, match="Tsirelson"):
        QuantumDevice("2.9", seed=0)
    with pytest.raises(InputError, match="readout"):
        QuantumDevice("2.2", seed=0, readout_error=("0.6", "0"))
    with pytest.raises(InputError, match="power-of-two"):
        LocalDevice(MU, seed=0, strategies=ALL_STRATEGIES[:3])
    with pytest.raises(InputError, match="visibility"):
        QuantumDevice.from_visibility("1.1", seed=0)


def test_from_visibility() -> None:
    dev = QuantumDevice.from_visibility("0.8", seed=0)
    assert abs(float(dev.chsh) - 2 * math.sqrt(2) * 0.8) < 1e-12
