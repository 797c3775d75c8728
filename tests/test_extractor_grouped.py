"""LEM-EXT-BLOCKED, REQ-FLOAT-MARGIN: the grouped kernel (v2), its a priori bound and its checks.

Expected values come from the integer loop reference (``extract_loop``), the
exact big-integer method, and an independent high-precision evaluation of the
bound's formula as printed in spec/extractor.md.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import diramp.extractor.fft as fft_mod
from diramp.errors import CheckFailed, InputError
from diramp.extractor import (
    ArrayBits,
    Plan,
    check_group,
    extract,
    extract_loop,
    extract_sources,
    fft_error_bound,
    group_error_bound,
    max_group,
    plan_grouped,
)
from diramp.extractor.stream import run_plan
from diramp.extractor.tasks import MAX_FFT, grouped_memory

SEED = 20241202


def bits(rng: np.random.Generator, n: int, density: float = 0.5) -> np.ndarray:
    return (rng.random(n) < density).astype(np.uint8)


def spec_bound(P: int, G: int) -> mpmath.mpf:
    """The REQ-FLOAT-MARGIN grouped bound evaluated from the spec's formula at 50 digits."""
    with mpmath.workdps(50):
        u = mpmath.mpf(2) ** -53
        gam = lambda k: k * u / (1 - k * u)  # noqa: E731
        lg = math.ceil(math.log2(P))
        eta = u + gam(4) * (mpmath.sqrt(2) + u)
        e = lg * eta / (1 - lg * eta)
        rho = mpmath.sqrt(2) * gam(2)
        beta = (2 * e + e**2) * (1 + rho) + rho
        beta_g = beta + gam(G - 1) * (1 + beta)
        u_fct = 0 if P & (P - 1) == 0 else u  # fl(1/P) is exact for a power of two
        e_inv = (1 + e) * (1 + u) * (1 + u_fct) - 1
        return G * mpmath.mpf(P) ** 1.5 * (e_inv * (1 + beta_g) + beta_g)


@pytest.mark.parametrize("P", [8, 1 << 20, 3 << 22, 1 << 24, 5 << 23, 1 << 25, 3 << 24, 1 << 26, 1 << 27])
@pytest.mark.parametrize("G", [1, 2, 7, 15, 60])
def test_group_bound_matches_spec_formula_and_errs_upward(P: int, G: int) -> None:
    got = group_error_bound(P, G)
    ref = spec_bound(P, G)
    assert got >= ref  # never below the formula (float evaluation inflated)
    assert got <= ref * (1 + 1e-9)


@pytest.mark.parametrize("P", [1 << 20, 1 << 24, 5 << 23, 1 << 27])
def test_group_bound_is_at_most_linear_in_g_and_covers_the_per_block_bound(P: int) -> None:
    one = group_error_bound(P, 1)
    assert one >= fft_error_bound(P)  # the rigorous variant is not smaller than the first-order one
    for G in (2, 3, 10, 100, 1000):
        g = group_error_bound(P, G)
        assert G * one <= g <= G * one * (1 + G * 2.0**-53 / 1e-14)  # linear up to gamma_{G-1}


@pytest.mark.parametrize("P", [1 << 16, 1 << 24, 5 << 23, 1 << 25, 3 << 24, 1 << 26, 1 << 27, 1 << 28])
def test_max_group_is_the_largest_safe_group(P: int) -> None:
    g = max_group(P)
    if g:
        assert group_error_bound(P, g) <= 0.25 < group_error_bound(P, g + 1)
    else:
        assert group_error_bound(P, 1) > 0.25
    assert (max_group(5 << 23), max_group(1 << 27), max_group(1 << 28)) == (15, 2, 0)


def test_unsafe_group_or_fft_length_is_refused_with_the_bound() -> None:
    with pytest.raises(InputError, match=r"a priori rounding bound 0\.26 exceeds") as e:
        check_group(5 << 23, 16)
    assert "group size <= 15" in str(e.value)
    with pytest.raises(InputError, match=r"bound 0\.27 exceeds"):
        check_group(1 << 28, 1)
    assert check_group(5 << 23, 15) < 0.25
    x = np.ones(64, np.uint8)
    with pytest.raises(InputError, match=r"a priori rounding bound 0\.26"):
        extract_sources(ArrayBits(x), ArrayBits(x), 8, fft_size=5 << 23, group=16, kernel="v2")
    with pytest.raises(InputError, match=r"a priori rounding bound 0\.27"):
        extract_sources(ArrayBits(x), ArrayBits(x), 8, fft_size=1 << 28, kernel="v2")
    with pytest.raises(InputError, match="max_fft"):
        plan_grouped(64, 8, max_fft=2 * MAX_FFT)
    with pytest.raises(InputError, match="group"):
        plan_grouped(64, 8, group=0)
    # run_plan refuses a hand-made plan whose group is unsafe, before any work.
    with pytest.raises(InputError, match="a priori rounding bound"):
        run_plan(ArrayBits(x), ArrayBits(x), Plan(64, 8, 1 << 27, 8, 57, G=3), kernel="v2")


@st.composite
def configs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, Plan, int]:
    N = draw(st.integers(1, 3000))
    m = draw(st.integers(1, N))
    L = draw(st.integers(1, m))
    B = draw(st.integers(1, N))
    P = draw(st.integers(B + L - 1, B + L + 40))
    P = max(P, 2)
    n_blocks = -(-N // B)
    G = draw(st.integers(1, max(1, n_blocks)))
    n_chunks = -(-m // L)
    batch = draw(st.integers(0, n_chunks))
    workers = draw(st.sampled_from([1, 2, 3]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    dx, dy = draw(st.sampled_from([0.5, 0.03, 0.97])), draw(st.sampled_from([0.5, 0.03, 0.0]))
    x, y = bits(rng, N, dx), bits(rng, N, dy)
    if draw(st.booleans()):  # circulant-style input: y zero beyond a prefix
        y[draw(st.integers(0, N)) :] = 0
    return x, y, Plan(N, m, P, L, B, G, batch), workers


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_every_grouped_configuration_matches_the_loop_reference(
    case: tuple[np.ndarray, np.ndarray, Plan, int],
) -> None:
    x, y, plan, workers = case
    ref = extract_loop(x, y, plan.m)
    for method in ("auto", "fft"):
        got = run_plan(ArrayBits(x), ArrayBits(y), plan, method=method, workers=workers, kernel="v2")
        assert np.array_equal(got, ref), (plan, workers, method)


def test_default_and_lean_plans_match_exact_and_v1_on_a_larger_input() -> None:
    rng = np.random.default_rng(SEED)
    N, m = 1 << 17, 3000
    x, y = bits(rng, N), bits(rng, N)
    exact = extract(x, y, m, method="exact", max_fft=1 << 12)
    for kw in ({"kernel": "v2"}, {"kernel": "v2", "lean": True}, {"kernel": "v2", "max_fft": 1 << 10},
               {"kernel": "v2", "max_fft": 1 << 12, "group": 3},
               {"kernel": "v1"}, {"kernel": "v1", "lean": True}):
        for workers in (1, 2):
            assert np.array_equal(extract(x, y, m, workers=workers, **kw), exact), (kw, workers)  # type: ignore[arg-type]


def test_zero_y_blocks_are_skipped_and_counted() -> None:
    rng = np.random.default_rng(SEED + 1)
    N, m = 4000, 300
    x, y = bits(rng, N), bits(rng, N)
    y[2500:] = 0  # as the circulant extractor's second input: zero beyond p
    got, rep = extract_sources(ArrayBits(x), ArrayBits(y), m, max_fft=512, kernel="v2")
    assert np.array_equal(got, extract_loop(x, y, m))
    assert isinstance(rep.extra["zero_y_blocks"], int) and rep.extra["zero_y_blocks"] > 0
    assert rep.extra["transforms"] < rep.extra["transforms_planned"]  # type: ignore[operator]
    got0, rep0 = extract_sources(ArrayBits(x), ArrayBits(np.zeros(N, np.uint8)), m, max_fft=512, kernel="v2")
    assert not got0.any() and rep0.extra["transforms"] == 0


def test_multi_chunk_batches_reuse_y_spectra() -> None:
    rng = np.random.default_rng(SEED + 2)
    N, m = 6000, 2500
    x, y = bits(rng, N), bits(rng, N)
    plan = plan_grouped(N, m, max_fft=1024)
    assert plan.n_chunks > 2 and plan.batch == 0  # all chunks in one batch: one y spectrum per block
    ref = extract_loop(x, y, m)
    for batch in (0, 1, 2):
        p = Plan(N, m, plan.P, plan.L, plan.B, plan.G, batch)
        rep_bits = run_plan(ArrayBits(x), ArrayBits(y), p, workers=2, kernel="v2")
        assert np.array_equal(rep_bits, ref), batch
    # A tight memory budget forces small batches, and the result is unchanged.
    tight = grouped_memory(1024, 2, 1, m)
    _, rep = extract_sources(ArrayBits(x), ArrayBits(y), m, max_fft=1024, memory=tight, kernel="v2")
    assert rep.extra["batch"] == 1


def cross_check_v2(x: np.ndarray, y: np.ndarray, m: int, **kw: object) -> np.ndarray:
    fast = extract(x, y, m, kernel="v2", **kw)  # type: ignore[arg-type]
    ref = extract_loop(x, y, m)
    if not np.array_equal(fast, ref):
        raise CheckFailed(f"grouped kernel differs from reference at {np.flatnonzero(fast != ref)[:5]}")
    return fast


def test_planted_bit_error_in_the_grouped_kernel_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(SEED + 3)
    x, y = bits(rng, 3000), bits(rng, 3000)
    cross_check_v2(x, y, 700, max_fft=512)  # clean run passes
    real = fft_mod.round_parities
    calls = {"n": 0}

    def planted(c: np.ndarray, L: int) -> tuple[np.ndarray, float]:
        parity, mg = real(c, L)
        calls["n"] += 1
        if calls["n"] == 2:
            parity = parity.copy()
            parity[5] ^= 1  # one wrong bit in one group
        return parity, mg

    monkeypatch.setattr(fft_mod, "round_parities", planted)
    with pytest.raises(CheckFailed, match="differs from reference"):
        cross_check_v2(x, y, 700, max_fft=512)
    assert calls["n"] >= 2


def test_unsafe_runtime_margin_falls_back_exactly_or_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(SEED + 4)
    x, y = bits(rng, 3000), bits(rng, 3000)
    ref = extract_loop(x, y, 700)
    real = fft_mod.round_parities

    def noisy(c: np.ndarray, L: int) -> tuple[np.ndarray, float]:
        parity, _ = real(c, L)
        return parity ^ 1, 0.3  # garbage parities; the margin reveals it

    monkeypatch.setattr(fft_mod, "round_parities", noisy)
    got, rep = extract_sources(ArrayBits(x), ArrayBits(y), 700, max_fft=512, kernel="v2")
    assert np.array_equal(got, ref)
    assert rep.exact_fallbacks == rep.tasks > 1 and rep.worst_margin == 0.3
    with pytest.raises(CheckFailed, match="REQ-FLOAT-MARGIN"):
        extract_sources(ArrayBits(x), ArrayBits(y), 700, max_fft=512, method="fft", kernel="v2")


def test_workspace_staging_clears_what_it_wrote() -> None:
    # Reused buffers must not leak bits between tasks: long input, then a short one.
    ws = fft_mod.Workspace(64)
    long_x, short_x = np.ones(60, np.uint8), np.array([1, 0, 1], np.uint8)
    ws.x_spectrum(long_x)
    got = ws.x_spectrum(short_x).copy()
    assert np.allclose(got, np.fft.rfft(np.r_[short_x, np.zeros(61)]))
    Yc = np.empty(33, np.complex128)
    ws.y_spectrum_conj(np.array([1, 1, 0, 1], np.uint8), Yc)
    assert np.allclose(Yc, np.conj(np.fft.rfft(np.r_[[1, 1, 0, 1], np.zeros(60)])))
