"""Theorem 2 (Kulikov et al. 2024), DEF-EXT, LEM-EXT-BLOCKED, REQ-FLOAT-MARGIN: extractor cross-checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import diramp.extractor.margin as margin_mod
import diramp.extractor.tasks as tasks_mod
from diramp.errors import CheckFailed, InputError
from diramp.extractor import (
    ArrayBits,
    extract,
    extract_galois,
    extract_loop,
    extract_sources,
    make_plan,
    partial_correlation,
)

SEED = 20240611


def bits(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2, n, dtype=np.uint8)


def small_fft(N: int, m: int, tasks: int = 60) -> int:
    """An FFT cap giving many blocks and lag chunks but about ``tasks`` tasks at most."""
    need = max(8.0, 2.0 * (N * m / tasks) ** 0.5)
    return 1 << int(np.ceil(np.log2(need)))


def cross_check(x: np.ndarray, y: np.ndarray, m: int, **kw: object) -> np.ndarray:
    """Fast path against the integer reference; raise CheckFailed on any difference."""
    fast = extract(x, y, m, **kw)  # type: ignore[arg-type]
    ref = extract_loop(x, y, m)
    if not np.array_equal(fast, ref):
        raise CheckFailed(f"fast path differs from reference at {np.flatnonzero(fast != ref)[:5]}")
    return fast


@st.composite
def cases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int, int | None]:
    N = draw(st.integers(1, 4096))
    m = draw(st.integers(1, N))
    seed = draw(st.integers(0, 2**32 - 1))
    # None: one whole task; small caps force many blocks and lag chunks.
    max_fft = draw(st.sampled_from([None, small_fft(N, m), 4 * small_fft(N, m)]))
    rng = np.random.default_rng(seed)
    density = draw(st.sampled_from([0.5, 0.02, 0.98]))
    x = (rng.random(N) < density).astype(np.uint8)
    y = (rng.random(N) < density).astype(np.uint8)
    return x, y, m, max_fft


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
# N = 1 with the smallest FFT cap: one task of one bit.
@example((np.array([1], np.uint8), np.array([1], np.uint8), 1, 8))
def test_fast_matches_loop_reference(case: tuple[np.ndarray, np.ndarray, int, int | None]) -> None:
    x, y, m, max_fft = case
    ref = extract_loop(x, y, m)
    for method in ("auto", "fft", "exact"):
        got = extract(x, y, m, method=method, max_fft=max_fft)
        assert np.array_equal(got, ref), (method, max_fft)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 4096), st.integers(0, 2**32 - 1), st.data())
def test_fast_matches_galois_reference(N: int, seed: int, data: st.DataObject) -> None:
    # galois builds N x N matrices: check all lags for small N, a prefix of lags for large N.
    m = data.draw(st.integers(1, min(N, max(1, 2**13 // N))))
    rng = np.random.default_rng(seed)
    x, y = bits(rng, N), bits(rng, N)
    got = extract(x, y, m, max_fft=small_fft(N, m))
    assert np.array_equal(got, extract_galois(x, y, m))


EDGE_N = [1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 255, 256, 257, 1023, 1024, 1025]


@pytest.mark.parametrize("N", EDGE_N)
def test_edge_lengths_and_patterns(N: int) -> None:
    rng = np.random.default_rng(SEED + N)
    patterns = {
        "random": bits(rng, N),
        "zeros": np.zeros(N, np.uint8),
        "ones": np.ones(N, np.uint8),
        "single_first": np.eye(1, N, 0, dtype=np.uint8)[0],
        "single_last": np.eye(1, N, N - 1, dtype=np.uint8)[0],
    }
    for m in sorted({1, max(1, N // 2), N}):
        for px in patterns.values():
            for py in (patterns["random"], patterns["ones"], patterns["single_last"]):
                ref = extract_loop(px, py, m)
                assert np.array_equal(extract(px, py, m), ref)
                got = extract(px, py, m, max_fft=small_fft(N, m, 20), method="fft")
                assert np.array_equal(got, ref)
        if N <= 64:
            assert np.array_equal(extract_galois(patterns["random"], patterns["ones"], m),
                                  extract_loop(patterns["random"], patterns["ones"], m))


def test_closed_forms() -> None:
    # All ones: Ext[s] = (N - s) mod 2.  A single 1 at x[k], y[0]: Ext[s] = [s == k].
    N = 1025
    ones = np.ones(N, np.uint8)
    assert extract(ones, ones, N).tolist() == [(N - s) % 2 for s in range(N)]
    x = np.zeros(N, np.uint8)
    x[300] = 1
    y = np.zeros(N, np.uint8)
    y[0] = 1
    assert np.flatnonzero(extract(x, y, N)).tolist() == [300]
    assert not extract(np.zeros(N, np.uint8), ones, N).any()


def test_worked_example_known_answer() -> None:
    # spec/extractor.md DEF-EXT worked example, derived by hand there.
    x = [1, 0, 1, 1, 0, 1, 0, 0]
    y = [1, 1, 0, 1, 0, 0, 1, 0]
    for method in ("auto", "fft", "exact", "loop", "galois"):
        assert extract(x, y, 3, method=method).tolist() == [0, 1, 1]
    # Swapping the arguments is a different function (CONV-EXT-ARGS matters).
    assert extract(y, x, 3).tolist() != [0, 1, 1]


def test_shift_direction_is_non_cyclic_right() -> None:
    # x^T A_2 y = sum_j x_j y_{j-1}: only x[1] y[0] for these one-hot vectors.
    x = np.array([0, 1, 0, 0], np.uint8)
    y = np.array([1, 0, 0, 0], np.uint8)
    assert extract(x, y, 4).tolist() == [0, 1, 0, 0]
    assert extract(y, x, 4).tolist() == [0, 0, 0, 0]  # no wrap-around


def test_planted_one_bit_error_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(SEED)
    x, y = bits(rng, 2000), bits(rng, 2000)
    cross_check(x, y, 500, max_fft=512, kernel="v1")  # clean run passes
    real = tasks_mod.fft_partial
    calls = {"n": 0}

    def planted(*args: object, **kw: object) -> tuple[np.ndarray, float]:
        parity, mg = real(*args, **kw)  # type: ignore[arg-type]
        calls["n"] += 1
        if calls["n"] == 3:
            parity = parity.copy()
            parity[7] ^= 1  # one wrong bit in one task
        return parity, mg

    monkeypatch.setattr(tasks_mod, "fft_partial", planted)
    with pytest.raises(CheckFailed, match="differs from reference"):
        cross_check(x, y, 500, max_fft=512, kernel="v1")
    assert calls["n"] >= 3


def test_margin_check_falls_back_or_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(SEED + 1)
    x, y = bits(rng, 3000), bits(rng, 3000)
    ref = extract_loop(x, y, 700)
    monkeypatch.setattr(margin_mod, "SAFE_MARGIN", -1.0)  # every block now looks unsafe
    got, rep = extract_sources(ArrayBits(x), ArrayBits(y), 700, max_fft=1024, kernel="v1")
    assert np.array_equal(got, ref)
    assert rep.exact_fallbacks == rep.tasks > 1
    with pytest.raises(CheckFailed, match="REQ-FLOAT-MARGIN"):
        extract(x, y, 700, method="fft", kernel="v1")
    # The grouped kernel's planner refuses outright: no group size is safe below 0.
    with pytest.raises(InputError, match="a priori rounding bound"):
        extract(x, y, 700)


def test_margin_check_catches_planted_rounding_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # A float result off by 0.4 (wrong rounding possible) must not pass silently.
    rng = np.random.default_rng(SEED + 2)
    x, y = bits(rng, 500), bits(rng, 500)
    real = tasks_mod.fft_partial

    def noisy(*args: object, **kw: object) -> tuple[np.ndarray, float]:
        parity, _ = real(*args, **kw)  # type: ignore[arg-type]
        return parity ^ 1, 0.4  # garbage parities, margin reveals it

    monkeypatch.setattr(tasks_mod, "fft_partial", noisy)
    assert np.array_equal(extract(x, y, 100, kernel="v1"), extract_loop(x, y, 100))
    with pytest.raises(CheckFailed):
        extract(x, y, 100, method="fft", kernel="v1")


def test_reported_margin_is_small_and_bounded() -> None:
    rng = np.random.default_rng(SEED + 3)
    x, y = bits(rng, 1 << 16), bits(rng, 1 << 16)
    _, rep = extract_sources(ArrayBits(x), ArrayBits(y), 1 << 9)
    assert 0 <= rep.worst_margin < margin_mod.fft_error_bound(rep.P) < margin_mod.SAFE_MARGIN


def test_planner_covers_every_pair_once() -> None:
    # LEM-EXT-BLOCKED: each (lag, y index) pair with j + s < N lies in exactly one task.
    N, m = 37, 29
    plan = make_plan(N, m, max_fft=16)
    seen = np.zeros((m, N), int)
    for t in plan.tasks():
        assert t.x0 == t.j0 + t.s0 and t.x1 <= N
        assert t.x1 - t.x0 <= plan.P and (t.j1 - t.j0) + (t.s1 - t.s0) - 1 <= plan.P
        assert t.x_bytes == (t.x0 // 8, (t.x1 + 7) // 8)
        for s in range(t.s0, t.s1):
            for j in range(t.j0, min(t.j1, N - s)):
                seen[s, j] += 1
    want = np.array([[1 if j + s < N else 0 for j in range(N)] for s in range(m)])
    assert np.array_equal(seen, want)


def test_partial_correlation_tasks_reduce_to_ext() -> None:
    # The distributable API: run each task by hand and XOR-reduce per chunk.
    rng = np.random.default_rng(SEED + 4)
    N, m = 1500, 600
    x, y = bits(rng, N), bits(rng, N)
    plan = make_plan(N, m, max_fft=256)
    out = np.zeros(m, np.uint8)
    for t in plan.tasks():
        r = partial_correlation(x[t.x0 : t.x1], y[t.j0 : t.j1], t.s1 - t.s0, P=plan.P)
        out[t.s0 : t.s1] ^= r.parity
    assert np.array_equal(out, extract_loop(x, y, m))


@pytest.mark.parametrize(
    ("x", "y", "m", "match"),
    [
        ([1, 0], [1], 1, "equal lengths"),
        ([1, 0], [1, 0], 0, "1 <= m <= N"),
        ([1, 0], [1, 0], 3, "1 <= m <= N"),
        ([], [], 1, "non-empty"),
        ([1, 2], [1, 0], 1, "values other than 0/1"),
        ([1, 0], [1, -1], 1, "values other than 0/1"),
        ([0.5, 1], [1, 0], 1, "integer or bool"),
    ],
)
def test_bad_inputs(x: list, y: list, m: int, match: str) -> None:  # type: ignore[type-arg]
    for method in ("auto", "loop", "galois"):
        with pytest.raises(InputError, match=match):
            extract(x, y, m, method=method)


def test_unknown_method() -> None:
    with pytest.raises(InputError, match="method"):
        extract([1], [1], 1, method="magic")


def test_inputs_not_mutated() -> None:
    rng = np.random.default_rng(SEED + 5)
    x, y = bits(rng, 300), bits(rng, 300)
    x0, y0 = x.copy(), y.copy()
    extract(x, y, 100, max_fft=64)
    assert np.array_equal(x, x0) and np.array_equal(y, y0)


def test_lean_mode_multi_chunk_matches_reference() -> None:
    # Lean mode recomputes each block's y spectrum per task (no sharing across chunks).
    rng = np.random.default_rng(SEED + 6)
    x, y = bits(rng, 2500), bits(rng, 2500)
    plan = make_plan(2500, 2000, max_fft=256)
    assert plan.n_chunks > 1 and plan.n_blocks > 1
    for lean in (False, True):
        got = extract(x, y, 2000, lean=lean, max_fft=256)
        assert np.array_equal(got, extract_loop(x, y, 2000))
