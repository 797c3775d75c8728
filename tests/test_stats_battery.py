"""Battery behaviour: planted failures, skip logic, proportions, external tools, CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from diramp.cli import main
from diramp.stats import sp800_22 as t
from diramp.stats.battery import chance_out_of_range, proportion_range, run_battery
from diramp.stats.bitfile import open_bits
from diramp.stats.external import (
    DIEHARDER_MISSING,
    ENT_MISSING,
    parse_dieharder,
    run_dieharder,
    run_ent,
)
from diramp.stats.result import Status

SEED = 20240501


def _good(n: int, seed: int = SEED) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2, n, dtype=np.uint8)


def _write(tmp_path: Path, bits: np.ndarray, name: str = "x.bin") -> Path:
    p = tmp_path / name
    p.write_bytes(np.packbits(bits).tobytes())
    return p


# --- planted failures: the cross-check that the tests can fail ------------------------------
def test_biased_stream_fails_frequency_and_runs() -> None:
    rng = np.random.default_rng(SEED)
    eps = (rng.random(100_000) < 0.52).astype(np.uint8)  # 2% bias
    assert t.frequency(eps).status is Status.FAIL
    assert t.runs(eps).status is Status.FAIL  # prerequisite fails: P-value 0
    assert t.cumulative_sums(eps).status is Status.FAIL


def test_periodic_stream_fails_dft_and_runs() -> None:
    eps = np.tile(np.array([1, 1, 0, 1, 0, 0, 1, 0], dtype=np.uint8), 4096)  # balanced, period 8
    assert t.frequency(eps).status is Status.PASS
    assert t.dft(eps).status is Status.FAIL
    assert t.serial(eps, m=5).status is Status.FAIL


def test_good_stream_passes_cheap_tests() -> None:
    eps = _good(100_000)
    for fn in (t.frequency, t.block_frequency, t.runs, t.longest_run, t.dft, t.cumulative_sums):
        assert fn(eps).status is Status.PASS, fn.__name__


# --- skip logic -----------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 99])
def test_short_input_is_skipped_with_reason(n: int) -> None:
    eps = _good(n)
    for _, fn in t.TESTS:
        r = fn(eps)
        assert r.status is Status.SKIPPED and "section 2." in r.reason, (fn.__name__, r)


def test_long_tests_skip_below_documented_minimum() -> None:
    eps = _good(200_000)
    for fn in (t.overlapping_template, t.universal, t.linear_complexity, t.random_excursions,
               t.random_excursions_variant):
        r = fn(eps)
        assert r.status is Status.SKIPPED, fn.__name__
    assert "387840" in t.universal(eps).reason.replace(",", "")


# --- second level ---------------------------------------------------------------------------
def test_proportion_range_and_chance() -> None:
    lo, hi = proportion_range(19)
    assert 0.92 < lo < 0.93 and hi > 1
    assert 0.01 < chance_out_of_range(19) < 0.02


def test_battery_streams(tmp_path: Path) -> None:
    src = open_bits(_write(tmp_path, _good(3 * 4096 + 100)), nbits=3 * 4096 + 100)
    rep = run_battery(src, stream_bits=4096, tests=["frequency", "runs", "universal"])
    assert (rep.n_streams, rep.dropped_bits, rep.stream_bits) == (3, 100, 4096)
    freq, _, univ = rep.tests
    assert len(freq.results) == 3 and freq.subtests[0].streams == 3
    assert univ.verdict == "SKIPPED" and univ.skip_reasons
    assert freq.subtests[0].uniformity is None  # fewer than 55 streams


# --- input ----------------------------------------------------------------------------------
def test_open_bits_errors(tmp_path: Path) -> None:
    from diramp.errors import InputError

    with pytest.raises(InputError, match="does not exist"):
        open_bits(tmp_path / "missing.bin")
    (tmp_path / "empty.bin").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        open_bits(tmp_path / "empty.bin")
    p = _write(tmp_path, _good(16))
    with pytest.raises(InputError, match="truncated"):
        open_bits(p, nbits=17)
    assert open_bits(p, nbits=13).read(0, 13).tolist() == _good(16)[:13].tolist()


def test_open_bits_diramp_packed(tmp_path: Path) -> None:
    from diramp.extractor.packed import write_bits

    bits = _good(1001)
    write_bits(tmp_path / "k.dbits", bits)
    src = open_bits(tmp_path / "k.dbits")
    assert src.nbits == 1001 and src.layout.startswith("diramp")
    assert src.read(0, 1001).tolist() == bits.tolist()
    # truncated headered file: exit-2 error, never a traceback
    data = (tmp_path / "k.dbits").read_bytes()
    (tmp_path / "cut.dbits").write_bytes(data[:-3])
    assert main(["stats", str(tmp_path / "cut.dbits"), "--no-dieharder", "--no-ent"]) == 2


# --- external tools -------------------------------------------------------------------------
def test_missing_tools_are_reported_not_raised(tmp_path: Path) -> None:
    src = open_bits(_write(tmp_path, _good(8000)))
    dh = run_dieharder(src, which=lambda _: None)
    en = run_ent(src, which=lambda _: None)
    assert not dh.available and dh.message == DIEHARDER_MISSING
    assert not en.available and en.message == ENT_MISSING


def test_dieharder_size_guard_skips_short_file(tmp_path: Path) -> None:
    src = open_bits(_write(tmp_path, _good(8000)))
    rep = run_dieharder(src, tests=[0], which=lambda _: "/nonexistent/dieharder")
    assert [r.status for r in rep.rows] == ["SKIPPED"]
    assert "needs" in rep.rows[0].detail


def test_parse_dieharder_rows() -> None:
    text = ("# The file file_input_raw was rewound 0 times\n"
            "  sts_serial|  16|    100000|     100|0.12345678|  PASSED  \n"
            "   diehard_birthdays|   0|       100|     100|0.00001000|  FAILED  \n")
    rows = parse_dieharder(text)
    assert [(r.test, r.status) for r in rows] == [("sts_serial (ntup 16)", "PASSED"),
                                                  ("diehard_birthdays", "FAILED")]


@pytest.mark.skipif(shutil.which("ent") is None, reason="ent not installed")
def test_ent_runs(tmp_path: Path) -> None:
    rep = run_ent(open_bits(_write(tmp_path, _good(80_000))))
    assert rep.available and 7.9 < rep.summary["entropy_bits_per_byte"] <= 8.0


# --- CLI ------------------------------------------------------------------------------------
def test_cli_report_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = _write(tmp_path, _good(3 * 8192))
    out = tmp_path / "r.md"
    rc = main(["stats", str(p), "--stream-bits", "8192", "--no-dieharder", "--no-ent",
               "--tests", "frequency", "runs", "dft", "--out", str(out)])
    text = capsys.readouterr().out
    # REQ-STATS-VERDICT: 3 sub-tests cannot tell: inconclusive, and a battery that cannot tell does not exit 0
    assert rc == 1 and "SP 800-22 rev1a" in text and "| frequency | 2.1 |" in text
    assert "overall verdict: INCONCLUSIVE" in text
    assert "not applicable: s = 3 < 55" in text and out.read_text() == text
    assert out.stat().st_mode & 0o777 == 0o600  # the report is a function of the input, which may be K
    rc = main(["stats", str(p), "--stream-bits", "8192", "--no-dieharder", "--no-ent",
               "--tests", "frequency", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 1 and data["sp800_22"]["streams"] == 3 and data["verdict"]["verdict"] == "inconclusive"
    assert data["sp800_22"]["tests"][0]["subtests"][0]["streams"] == 3
    assert "sha256" not in json.dumps(data)  # no digest of the input: it may be K


def test_cli_overall_verdict_pass_and_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """REQ-STATS-VERDICT: a good stream passes (exit 0), an all-zero stream fails (exit 1), each with its rule."""
    good = _write(tmp_path, _good(1 << 20), "good.bin")
    rc = main(["stats", str(good), "--no-dieharder", "--no-ent", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 0 and data["verdict"]["verdict"] == "pass" and "quantile" in data["verdict"]["rule"]
    zero = _write(tmp_path, np.zeros(1 << 20, dtype=np.uint8), "zero.bin")
    rc = main(["stats", str(zero), "--no-dieharder", "--no-ent"])
    text = capsys.readouterr().out
    assert rc == 1 and "overall verdict: FAIL" in text


def test_cli_bad_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", str(tmp_path / "nope.bin")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err
    (tmp_path / "e.bin").write_bytes(b"")
    assert main(["stats", str(tmp_path / "e.bin")]) == 2
    p = _write(tmp_path, _good(64))
    assert main(["stats", str(p), "--bits", "65"]) == 2
    for bad in ("0", "7", "nan"):
        with pytest.raises(SystemExit) as e:
            main(["stats", str(p), "--stream-bits", bad])
        assert e.value.code == 2


def test_cli_missing_dieharder_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(shutil, "which", lambda _: None)
    p = _write(tmp_path, _good(4096))
    assert main(["stats", str(p), "--tests", "frequency"]) == 1  # inconclusive: one sub-test
    out = capsys.readouterr().out
    assert DIEHARDER_MISSING in out and ENT_MISSING in out
