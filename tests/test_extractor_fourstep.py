"""LEM-EXT-BLOCKED, REQ-FLOAT-MARGIN ("Four-step spectra"): kernel v3, its a priori bound and its checks.

Expected values come from the integer loop reference (``extract_loop``), the
exact big-integer method, numpy's whole-length FFT and integer correlations
(for the spectral order), mpmath (for the twiddles), and an independent
50-digit evaluation of the bound's formulas as printed in spec/extractor.md.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import diramp.extractor.fourstep as fs_mod
from diramp.errors import CheckFailed, InputError
from diramp.extractor import (
    ArrayBits,
    Plan,
    check_group,
    extract,
    extract_loop,
    extract_sources,
    fourstep_error_bound,
    group_error_bound,
    max_group,
    plan_grouped,
)
from diramp.extractor.fourstep import FourStep, split, twiddles
from diramp.extractor.stream import run_plan
from diramp.extractor.tasks import fourstep_memory

SEED = 20261202


def bits(rng: np.random.Generator, n: int, density: float = 0.5) -> np.ndarray:
    return (rng.random(n) < density).astype(np.uint8)


def spec_fourstep_bound(P: int, G: int) -> mpmath.mpf:
    """REQ-FLOAT-MARGIN "Four-step spectra", evaluated from the spec's formulas at 50 digits."""
    P1, P2 = split(P)
    with mpmath.workdps(50):
        u = mpmath.mpf(2) ** -53
        gam = lambda k: k * u / (1 - k * u)  # noqa: E731
        eta = u + gam(4) * (mpmath.sqrt(2) + u)

        def e_of(n: int) -> mpmath.mpf:
            if n == 1:
                return mpmath.mpf(0)
            lg = math.ceil(math.log2(n))
            return lg * eta / (1 - lg * eta)

        rho = mpmath.sqrt(2) * gam(2)
        u_t = u + mpmath.mpf(2) ** -100
        mu_t = (1 + u_t) ** 2 * (1 + rho) - 1
        tau = mu_t + rho * (1 + mu_t)
        e_f = (1 + e_of(P1)) * (1 + tau) * (1 + e_of(P2)) - 1
        e_inv = (1 + e_f) * (1 + u) - 1
        beta = (2 * e_f + e_f**2) * (1 + rho) + rho
        beta_g = beta + gam(G - 1) * (1 + beta)
        return G * mpmath.mpf(P) ** 1.5 * (e_inv * (1 + beta_g) + beta_g)


@pytest.mark.parametrize("P", [8, 12, 1 << 20, 3 << 22, 1 << 24, 5 << 23, 1 << 25, 3 << 24, 1 << 26,
                               5 << 24, 3 << 25, 1 << 27])
@pytest.mark.parametrize("G", [1, 2, 7, 14, 60])
def test_fourstep_bound_matches_spec_formula_and_errs_upward(P: int, G: int) -> None:
    got = fourstep_error_bound(P, G)
    ref = spec_fourstep_bound(P, G)
    assert got >= ref
    assert got <= ref * (1 + 1e-9)
    # The extra twiddle step costs something: never below the whole-length v2 bound.
    assert got > group_error_bound(P, G)


def test_fourstep_gmax_table_of_the_spec() -> None:
    table = {1 << 20: 1251, 1 << 24: 58, 1 << 25: 21, 5 << 23: 14, 3 << 24: 11, 1 << 26: 7,
             5 << 24: 5, 3 << 25: 3, 1 << 27: 2, 1 << 28: 0}
    for P, g in table.items():
        assert max_group(P, kernel="v3") == g, P
        if g:
            assert fourstep_error_bound(P, g) <= 0.25 < fourstep_error_bound(P, g + 1)
        else:
            assert fourstep_error_bound(P, 1) > 0.25


def test_unsafe_v3_group_or_fft_length_is_refused_with_the_bound() -> None:
    with pytest.raises(InputError, match=r"a priori rounding bound 0\.25 exceeds .*kernel v3") as e:
        check_group(5 << 23, 15, "v3")
    assert "group size <= 14" in str(e.value)
    assert check_group(5 << 23, 15, "v2") < 0.25  # the same (P, G) is safe for v2: the bounds differ
    x = np.ones(64, np.uint8)
    with pytest.raises(InputError, match=r"a priori rounding bound 0\.25"):
        extract_sources(ArrayBits(x), ArrayBits(x), 8, fft_size=5 << 23, group=15, kernel="v3")
    with pytest.raises(InputError, match=r"a priori rounding bound 0\.29"):
        extract_sources(ArrayBits(x), ArrayBits(x), 8, fft_size=1 << 28)
    with pytest.raises(InputError, match="a priori rounding bound"):
        run_plan(ArrayBits(x), ArrayBits(x), Plan(64, 8, 1 << 27, 8, 57, G=3), kernel="v3")


def test_cli_refuses_an_unsafe_v3_group_with_the_bound(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    from diramp.cli import main
    from diramp.extractor import write_bits

    d = Path(str(tmp_path))
    rng = np.random.default_rng(SEED)
    write_bits(d / "x.dbits", bits(rng, 256))
    write_bits(d / "y.dbits", bits(rng, 256))
    rc = main(["extract", "--x", str(d / "x.dbits"), "--y", str(d / "y.dbits"), "--m", "8",
               "--out", str(d / "k.dbits"), "--kernel", "v3", "--fft-length", str(5 << 23), "--group", "15"])
    err = capsys.readouterr().err
    assert rc == 2 and "a priori rounding bound 0.25 exceeds" in err and "Traceback" not in err
    assert not (d / "k.dbits").exists()


@pytest.mark.parametrize("P", [2, 3, 8, 12, 40, 96, 160, 1000, 3 << 10, 5 << 11, 1 << 14])
def test_spectra_are_rfft_values_in_four_step_order(P: int) -> None:
    rng = np.random.default_rng(SEED + P)
    y = bits(rng, max(1, P // 2 + 1))
    fs = FourStep(P, workers=2)
    try:
        Yc = fs.new_spectrum()
        fs.y_spectrum_conj(y, Yc)
        full = np.conj(np.fft.fft(np.r_[y, np.zeros(P - y.size)]))  # numpy's whole-length transform
        k = np.arange(fs.H1)[:, None] + fs.P1 * np.arange(fs.P2)[None, :]
        assert np.allclose(Yc, full[k], atol=1e-9 * P)
    finally:
        fs.close()


def test_twiddles_against_mpmath() -> None:
    P1, P2 = 40, 16
    P = P1 * P2
    tw = twiddles(P1, P2)
    u = 2.0**-53
    mu_t = (1 + u + 2.0**-100) ** 2 * (1 + math.sqrt(2) * 2 * u / (1 - 2 * u)) - 1
    worst = 0.0
    with mpmath.workdps(40):
        for k1 in range(P1 // 2 + 1):
            for n2 in range(P2):
                exact = mpmath.expjpi(-mpmath.mpf(2 * k1 * n2) / P)
                d = abs(mpmath.mpc(complex(tw[k1, n2])) - exact)
                worst = max(worst, float(d))
    assert worst <= mu_t  # (A4) of the spec
    assert not tw.flags.writeable


@st.composite
def configs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, Plan, int]:
    N = draw(st.integers(1, 3000))
    m = draw(st.integers(1, N))
    L = draw(st.integers(1, m))
    B = draw(st.integers(1, N))
    P = max(2, draw(st.integers(B + L - 1, B + L + 40)))  # any length: odd, prime, 2 * prime ...
    n_blocks = -(-N // B)
    G = draw(st.integers(1, max(1, n_blocks)))
    batch = draw(st.integers(0, -(-m // L)))
    workers = draw(st.sampled_from([1, 2, 3]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    dx, dy = draw(st.sampled_from([0.5, 0.03, 0.97])), draw(st.sampled_from([0.5, 0.03, 0.0]))
    x, y = bits(rng, N, dx), bits(rng, N, dy)
    if draw(st.booleans()):
        y[draw(st.integers(0, N)) :] = 0
    return x, y, Plan(N, m, P, L, B, G, batch), workers


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_every_v3_configuration_matches_the_loop_reference(case: tuple[np.ndarray, np.ndarray, Plan, int]) -> None:
    x, y, plan, workers = case
    ref = extract_loop(x, y, plan.m)
    for method in ("auto", "fft"):
        got = run_plan(ArrayBits(x), ArrayBits(y), plan, method=method, workers=workers, kernel="v3")
        assert np.array_equal(got, ref), (plan, workers, method)


def test_v3_plans_match_exact_v2_and_v1_on_larger_inputs() -> None:
    rng = np.random.default_rng(SEED + 1)
    N, m = 1 << 17, 3000
    x, y = bits(rng, N), bits(rng, N)
    exact = extract(x, y, m, method="exact", max_fft=1 << 12)
    for kw in ({}, {"lean": True}, {"max_fft": 1 << 10}, {"max_fft": 1 << 12, "group": 3},
               {"kernel": "v2"}, {"kernel": "v1"}):
        for workers in (1, 2):
            assert np.array_equal(extract(x, y, m, workers=workers, **kw), exact), (kw, workers)  # type: ignore[arg-type]
    # Larger: 2^21 bits, m = 2^14, a forced FFT length of 5 * 2^16 (P1 x P2 = 320 x 1024),
    # against kernels v2 and v1 (each checked against the exact method above and in their own tests).
    N, m = 1 << 21, 1 << 14
    x, y = bits(rng, N), bits(rng, N, 0.3)
    k3, rep = extract_sources(ArrayBits(x), ArrayBits(y), m, fft_size=5 << 16, workers=2)
    assert rep.extra["split"] == [320, 1024] and rep.exact_fallbacks == 0
    assert np.array_equal(k3, extract(x, y, m, kernel="v2", workers=2))
    assert np.array_equal(k3, extract(x, y, m, kernel="v1", workers=2))


def test_results_do_not_depend_on_the_thread_count() -> None:
    rng = np.random.default_rng(SEED + 2)
    P = 3 << 12
    x, y = bits(rng, P), bits(rng, P // 2)
    out = []
    for workers in (1, 2, 3):
        fs = FourStep(P, workers)
        try:
            Yc, acc = fs.new_spectrum(), fs.new_spectrum()
            fs.y_spectrum_conj(y, Yc)
            fs.x_mac(x, acc, Yc, first=True)
            fs.x_mac(x[::-1].copy(), acc, Yc, first=False)
            out.append(acc.copy())
        finally:
            fs.close()
    assert all(np.array_equal(out[0], o) for o in out[1:])  # bit for bit


def test_observed_error_is_within_the_a_priori_bound() -> None:
    # Error of the float result against the integer correlation (numpy.correlate in int64).
    rng = np.random.default_rng(SEED + 3)
    P, L, G = 5 << 11, 4000, 5
    B = P - L + 1
    fs = FourStep(P, workers=2)
    try:
        Yc, acc = fs.new_spectrum(), fs.new_spectrum()
        exact = np.zeros(L, np.int64)
        for g in range(G):
            x, y = np.ones(P, np.uint8) if g == 0 else bits(rng, P), bits(rng, B)  # an all-ones block: large values
            fs.y_spectrum_conj(y, Yc)
            fs.x_mac(x, acc, Yc, first=g == 0)
            exact += np.correlate(x.astype(np.int64), y.astype(np.int64), "valid")[:L]
        parity, margin = fs.invert_round(acc, L)
        assert np.array_equal(parity, exact & 1)
        assert margin <= fourstep_error_bound(P, G)
    finally:
        fs.close()


def test_staging_clears_what_it_wrote() -> None:
    fs = FourStep(64)
    try:
        Yc = fs.new_spectrum()
        fs.y_spectrum_conj(np.ones(60, np.uint8), Yc)
        short = np.array([1, 1, 0, 1], np.uint8)
        fs.y_spectrum_conj(short, Yc)
        k = np.arange(fs.H1)[:, None] + fs.P1 * np.arange(fs.P2)[None, :]
        assert np.allclose(Yc, np.conj(np.fft.fft(np.r_[short, np.zeros(60)]))[k])
    finally:
        fs.close()


def test_v3_memory_model_and_plans_at_paper_scale() -> None:
    N, m = 2_684_354_560, 20_431_465
    plan = plan_grouped(N, m, kernel="v3")
    assert fourstep_memory(plan.P, 2, plan.batch or plan.n_chunks, m) <= int(3.5 * 2**30)
    assert plan.G == min(max_group(plan.P, kernel="v3"), plan.n_blocks) or plan.G <= max_group(plan.P, kernel="v3")
    assert fourstep_error_bound(plan.P, plan.G) <= 0.25
    lean = plan_grouped(N, m, kernel="v3", memory=int(0.85 * 2**30))
    assert fourstep_memory(lean.P, 2, lean.batch or lean.n_chunks, m) <= int(0.85 * 2**30)
    with pytest.raises(InputError, match="kernel"):
        plan_grouped(64, 8, kernel="v1")


def cross_check_v3(x: np.ndarray, y: np.ndarray, m: int, **kw: object) -> np.ndarray:
    fast = extract(x, y, m, kernel="v3", **kw)  # type: ignore[arg-type]
    ref = extract_loop(x, y, m)
    if not np.array_equal(fast, ref):
        raise CheckFailed(f"kernel v3 differs from reference at {np.flatnonzero(fast != ref)[:5]}")
    return fast


def test_planted_bit_error_in_v3_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(SEED + 4)
    x, y = bits(rng, 3000), bits(rng, 3000)
    cross_check_v3(x, y, 700, max_fft=512)  # clean run passes
    real = FourStep.invert_round
    calls = {"n": 0}

    def planted(self: FourStep, acc: np.ndarray, L: int) -> tuple[np.ndarray, float]:
        parity, mg = real(self, acc, L)
        calls["n"] += 1
        if calls["n"] == 2:
            parity[5] ^= 1
        return parity, mg

    monkeypatch.setattr(FourStep, "invert_round", planted)
    with pytest.raises(CheckFailed, match="differs from reference"):
        cross_check_v3(x, y, 700, max_fft=512)
    assert calls["n"] >= 2


def test_planted_twiddle_error_trips_the_runtime_margin(monkeypatch: pytest.MonkeyPatch) -> None:
    # Wrong twiddles (rotated by 0.02 rad) make the values non-integers: the margin check
    # must catch it; "auto" then recomputes every group exactly, "fft" stops.
    rng = np.random.default_rng(SEED + 5)
    x, y = bits(rng, 3000), bits(rng, 3000)
    ref = extract_loop(x, y, 700)
    real = fs_mod.twiddles

    def rotated(P1: int, P2: int, run: object = None) -> np.ndarray:
        return real(P1, P2) * np.exp(0.02j)

    monkeypatch.setattr(fs_mod, "twiddles", rotated)
    got, rep = extract_sources(ArrayBits(x), ArrayBits(y), 700, max_fft=512, kernel="v3")
    assert np.array_equal(got, ref)
    assert rep.exact_fallbacks == rep.tasks > 1 and rep.worst_margin > 0.25
    with pytest.raises(CheckFailed, match="REQ-FLOAT-MARGIN"):
        extract_sources(ArrayBits(x), ArrayBits(y), 700, max_fft=512, method="fft", kernel="v3")


def test_partial_correlation_v3_task_by_task_matches_the_reference() -> None:
    # The per-task entry point (the Dask engine's leaves, DEF-DIST-TASKS) with kernel v3.
    from diramp.extractor import make_plan, partial_correlation

    rng = np.random.default_rng(SEED + 6)
    N, m = 5000, 700
    x, y = bits(rng, N), bits(rng, N)
    for max_fft in (512, 1 << 12):
        plan = make_plan(N, m, max_fft=max_fft)
        out = np.zeros(m, np.uint8)
        for t in plan.tasks():
            r = partial_correlation(x[t.x0 : t.x1], y[t.j0 : t.j1], t.s1 - t.s0, P=plan.P, kernel="v3")
            assert r.method == "fft" and r.margin < 1e-6
            out[t.s0 : t.s1] ^= r.parity
        assert np.array_equal(out, extract_loop(x, y, m)), max_fft
    forced = partial_correlation(x[:100], y[:50], 51, P=128, kernel="v3", threshold=-1.0)
    assert forced.method == "exact-fallback"  # an unsafe margin falls back to the exact method
    with pytest.raises(InputError, match="kernel"):
        partial_correlation(x[:10], y[:5], 3, kernel="v2")
    with pytest.raises(InputError, match="v1 only"):
        partial_correlation(x[:10], y[:5], 3, kernel="v3", Y=np.zeros(9, np.complex128))
