"""Box I end to end (DEF-BOX-I): the pure core, the file runner, aborts (REQ-ABORT, REQ-NO-K-ON-ABORT)."""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest

from diramp.bell import Counts, s_mu_depolarised
from diramp.errors import InputError, ProtocolAbort
from diramp.extractor import extract_loop
from diramp.inverse import min_n
from diramp.length import Grid, theorem6
from diramp.protocol import (
    DEFAULT_CHSH,
    DEFAULT_N,
    ProtocolParams,
    SimulationConfig,
    TrialAB,
    analyse,
    key_digests,
    preset_params,
    require_output,
    run_arrays,
    run_files,
    simulate_and_run,
    simulate_arrays,
    simulate_files,
)
from diramp.trials import count_blocks, iter_ab, write_trials

EPS, EPS_S = F(1, 10**6), F(1, 10**8)
GRID = Grid(F("0.0125"), 100)
# High-visibility device (CHSH 2.8, mu = 0): S_mu = 0.0125 - noise; diramp.inverse.min_n puts the first
# output bit near n = 2.4e5 at the grid point below, so n = 2^19 certifies ~2e4 bits.
N = 2**19


def params(n: int = N, **kw: object) -> ProtocolParams:
    base: dict[str, object] = dict(n=n, mu=F(0), eps=EPS, eps_s=EPS_S, eps_ea=EPS, grid=GRID, block=2**16)
    base.update(kw)
    return ProtocolParams(**base)  # type: ignore[arg-type]


HIGH = SimulationConfig(seed=11, chsh=F("2.8"))


def test_small_n_is_above_min_n() -> None:
    """The test size is justified by diramp.inverse.min_n (THM-5 inverse) at the grid point used."""
    s = GRID.round_down(F("0.0123"))
    assert min_n(1, mu=F(0), s_mu=s, eps=EPS, eps_s=EPS_S, eps_ea=EPS) < N


def test_box_i_in_memory_gives_certified_k() -> None:
    """DEF-BOX-I: counts -> S_mu,obs (DEF-SOBS) -> THM-6 m in both variants (CONV-VARIANT) -> K = Ext(AB, Z)."""
    r = simulate_and_run(params(), HIGH)
    a = r.analysis
    assert a.abort_reason is None and a.counts.n == N
    assert abs(float(a.s_obs) - 0.0125) < 5e-4 and abs(float(a.chsh) - 2.8) < 0.02
    assert set(a.lengths) == {"derived", "as_printed"}
    assert a.m == a.lengths["derived"].m == r.m == r.k.size > 1000
    assert a.used is a.lengths["derived"]
    # THM-6 recomputed directly agrees
    assert theorem6(N, F(0), a.s_obs, EPS, EPS_S, EPS, grid=GRID, variant="derived").m == a.m
    # 8 series blocks of 2^16 trials (Fig. 4 style)
    assert len(a.blocks) == 8 and sum(b.n for b in a.blocks) == N
    assert r.k_payload_sha256 == key_digests(r.k)[0]


def test_k_is_ext_of_interleaved_ab_and_z_prefix() -> None:
    """CONV-EXT-ARGS, CONV-AB-INTERLEAVE: K = Ext(a0 b0 a1 b1 ..., Z[:2n]); a longer Z uses its prefix only."""
    p = params(n=2**19)
    x, y, a, b, z = simulate_arrays(p, HIGH)
    longer = np.concatenate([z, np.ones(1000, np.uint8)])
    r1 = run_arrays(p, x, y, a, b, z)
    r2 = run_arrays(p, x, y, a, b, longer)
    assert np.array_equal(r1.k, r2.k)
    ab = np.empty(2 * p.n, np.uint8)
    ab[0::2], ab[1::2] = a, b
    head = 300  # the first lags by the O(N m) reference
    assert np.array_equal(extract_loop(ab, z, head), r1.k[:head])


def test_deterministic_and_seed_sensitive() -> None:
    """Every random step takes an explicit seed: same seed -> same K; another seed -> another K."""
    p = params()
    assert simulate_and_run(p, HIGH).k_payload_sha256 == simulate_and_run(p, HIGH).k_payload_sha256
    assert simulate_and_run(p, SimulationConfig(seed=12, chsh=F("2.8"))).k_payload_sha256 != \
        simulate_and_run(p, HIGH).k_payload_sha256


def test_files_equal_memory(tmp_path: Path) -> None:
    """DEF-BOX-I: the streaming file runner gives the in-memory K, series and m."""
    p = params()
    simulate_files(p, HIGH, tmp_path / "t", tmp_path / "z")
    rf = run_files(p, tmp_path / "t", tmp_path / "z", show_progress=False)
    rm = simulate_and_run(p, HIGH)
    assert np.array_equal(rf.k, rm.k) and rf.k_file_sha256 == rm.k_file_sha256
    assert rf.analysis.blocks == rm.analysis.blocks
    assert tuple(count_blocks(tmp_path / "t", 2**16)) == tuple(
        Counts.from_arrays(*(v[i:i + 2**16] for v in simulate_arrays(p, HIGH)[2:4] + simulate_arrays(p, HIGH)[0:2]))
        for i in range(0, N, 2**16))
    assert rf.inputs["trials"]["n"] == N and rf.inputs["z"]["used_bits"] == 2 * N
    assert list(rf.analysis.blocks) == list(rm.analysis.blocks)


def test_trial_ab_source_matches_iter_ab(tmp_path: Path) -> None:
    """CONV-AB-INTERLEAVE: random-access AB reads equal the streamed interleave, at odd offsets too."""
    rng = np.random.default_rng(5)
    n = 1003
    x, y, a, b = (rng.integers(0, 2, n, dtype=np.uint8) for _ in range(4))
    write_trials(tmp_path / "t", x, y, a, b)
    full = np.unpackbits(np.concatenate(list(iter_ab(tmp_path / "t", 64))), count=2 * n)
    with TrialAB(tmp_path / "t") as src:
        assert src.nbits == 2 * n
        for start, stop in [(0, 2 * n), (1, 17), (15, 16), (333, 1999), (2000, 5000), (7, 7)]:
            assert np.array_equal(src.read_bits(start, stop), full[start:min(stop, 2 * n)])


def test_local_device_aborts_with_m_zero() -> None:
    """REQ-ABORT: the best local device gives S_mu,obs = 0 exactly (mu > 0), so m = 0 stops Box I (exit 3).

    (At mu = 0 the local optimum is CHSH = 2 and S_mu,obs fluctuates around 0; m = 0 still stops it.)
    """
    with pytest.raises(ProtocolAbort) as info:
        simulate_and_run(params(n=2**16, block=2**16, mu=F(3, 400)), SimulationConfig(seed=3, device="local"))
    a = info.value.analysis  # type: ignore[attr-defined]
    assert a.s_obs == 0 and a.m == 0 and "m = 0" in str(info.value)
    assert info.value.exit_code == 3 and "no K" in str(info.value)


def test_negative_s_aborts_before_theorem6() -> None:
    """REQ-ABORT (Box I step 2): S_mu,obs < 0 aborts; no length is computed."""
    a = analyse(params(n=8, block=8), [Counts.from_mapping({"0101": 5, "0000": 3})])
    assert a.s_obs < 0 and a.lengths == {} and a.m == 0 and "< 0" in (a.abort_reason or "")
    with pytest.raises(ProtocolAbort):
        require_output(a)


def test_wrong_n_and_short_z_are_input_errors() -> None:
    """DEF-PRECOMMIT: data n must equal the committed n; Z shorter than 2n bits is an error."""
    p = params(n=64, block=64)
    x = np.zeros(64, np.uint8)
    with pytest.raises(InputError, match="pre-committed n"):
        run_arrays(params(n=72, block=72), x, x, x, x, np.zeros(144, np.uint8))
    with pytest.raises(InputError, match="shorter than 2n"):
        run_arrays(p, x, x, x, x, np.zeros(127, np.uint8))
    with pytest.raises(InputError, match="different number"):
        analyse(p, [Counts.from_mapping({"0000": 8})])


def test_params_validation() -> None:
    """DEF-PRECOMMIT parameters are validated: eps_s < eps/6, block multiple of 8, S_max <= CONV-SMAX."""
    with pytest.raises(InputError, match="eps_s"):
        params(eps_s=F(1, 10**6))
    with pytest.raises(InputError, match="block"):
        params(block=12)
    with pytest.raises(InputError, match="S_max"):
        params(grid=Grid(F(1, 10), 10))
    with pytest.raises(InputError, match="variant"):
        params(variant="nope")
    with pytest.raises(InputError, match="method"):
        params(method="galois")


def test_k_hidden_from_repr() -> None:
    """REQ-K-SECRET: the result's repr never shows K's bits."""
    r = simulate_and_run(params(), HIGH)
    text = repr(r)
    assert "array(" not in text and np.packbits(r.k).tobytes()[:8].hex() not in text


def test_default_run_configuration_certifies_output() -> None:
    """DEF-BOX-I default: n = 2^26 at the paper's mu, CHSH 2.271 (CONV-DEPOL) and preset assumptions gives m > 0.

    Checked on the expected S_mu (no simulation): m is a few hundred thousand
    bits, and the first output bit needs n of about 2.3e7.
    """
    p = preset_params()
    assert p.n == DEFAULT_N == 2**26 and p.block == 2**22
    s = s_mu_depolarised(DEFAULT_CHSH, p.mu)
    r = theorem6(p.n, p.mu, s, p.eps, p.eps_s, p.eps_ea, grid=p.grid, variant="derived")
    assert 300_000 < r.m < 600_000
    n1 = min_n(1, mu=p.mu, s_mu=p.grid.round_down(s), eps=p.eps, eps_s=p.eps_s, eps_ea=p.eps_ea)
    assert 2.0e7 < n1 < 2.6e7
