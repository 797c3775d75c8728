"""``diramp extract``: Theorem 2 (Kulikov et al. 2024), DEF-EXT; exit codes, JSON keys, secrecy."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import numpy as np
import pytest

import diramp.extractor.fft as fft_mod
import diramp.extractor.fourstep as fourstep
from diramp.cli import main
from diramp.extractor import extract_loop, read_bits, write_bits

SEED = 20240613
KEYS = {
    "N", "m", "method", "lean", "seconds", "worst_margin", "safe_margin", "exact_fallbacks",
    "fft_length", "lag_chunk", "block", "tasks", "workers", "x", "y", "out", "written",
}
#: The kernel's plan, reported when the blocked kernel ran (not for the reference loop).
KERNEL_KEYS = {"kernel", "G", "batch", "transforms", "zero_y_blocks"}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    x, y = rng.integers(0, 2, 700, dtype=np.uint8), rng.integers(0, 2, 700, dtype=np.uint8)
    write_bits(tmp_path / "ab.dbits", x)
    write_bits(tmp_path / "z.dbits", y)
    return tmp_path / "ab.dbits", tmp_path / "z.dbits", x, y


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["extract", *argv])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_help_teaches(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["extract", "--help"])
    assert e.value.code == 0
    text = capsys.readouterr().out
    for needle in ("AB", "Z", "MSB-first", "DIRAMPBF", "SHA-256", "0600", "--lean",
                   "x[j+s] AND y[j]", "AB[2i] = a_i"):
        assert needle in text, needle


@pytest.mark.parametrize("method", ["auto", "fft", "exact", "reference"])
def test_json_report(files: tuple, capsys: pytest.CaptureFixture[str], method: str) -> None:  # type: ignore[type-arg]
    xp, yp, x, y = files
    out = xp.parent / "k.dbits"
    code, stdout, _ = run(capsys, "--x", str(xp), "--y", str(yp), "--m", "300",
                          "--out", str(out), "--json", "--method", method)
    assert code == 0
    rep = json.loads(stdout)
    assert KEYS <= set(rep) <= KEYS | KERNEL_KEYS
    if method in ("auto", "fft"):
        assert set(rep) == KEYS | KERNEL_KEYS and rep["kernel"] == "v3"
    assert rep["N"] == 700 and rep["m"] == 300 and rep["method"] == method
    assert np.array_equal(read_bits(out), extract_loop(x, y, 300))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    # K is secret: no run of its bits appears in the output.
    kbits = "".join(map(str, read_bits(out)))
    assert kbits[:32] not in stdout and not re.search(r"[01]{32}", stdout)


def test_text_report(files: tuple, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[type-arg]
    xp, yp, _, _ = files
    code, stdout, _ = run(capsys, "--x", str(xp), "--y", str(yp), "--m", "5",
                          "--out", str(xp.parent / "k.dbits"), "--lean")
    assert code == 0 and "worst_margin" in stdout and "sha256" not in stdout  # REQ-K-SECRET: no digest of K


def _bad(tmp: Path, name: str, data: bytes) -> Path:
    (tmp / name).write_bytes(data)
    return tmp / name


def test_exit_codes_and_no_output(files: tuple, capsys: pytest.CaptureFixture[str],  # type: ignore[type-arg]
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    xp, yp, _, _ = files
    tmp = xp.parent
    out = tmp / "k.dbits"
    write_bits(tmp / "short.dbits", np.ones(699, np.uint8))
    raw = xp.read_bytes()
    cases = [
        (["--x", str(xp), "--y", str(tmp / "short.dbits"), "--m", "5"], 2, "equal lengths"),
        (["--x", str(xp), "--y", str(yp), "--m", "701"], 2, "1 <= m <= N"),
        (["--x", str(_bad(tmp, "t.dbits", raw[:-3])), "--y", str(yp), "--m", "5"], 2,
         "file length disagrees"),
        (["--x", str(_bad(tmp, "c.dbits", raw[:70] + bytes([raw[70] ^ 1]) + raw[71:])),
          "--y", str(yp), "--m", "5"], 1, "digest mismatch"),
        (["--x", str(tmp / "nope.dbits"), "--y", str(yp), "--m", "5"], 2, "does not exist"),
        (["--x", str(xp), "--x-bits", "700", "--y", str(yp), "--m", "5"], 2, "file length"),
    ]
    for argv, want, msg in cases:
        code, _, err = run(capsys, *argv, "--out", str(out))
        assert code == want, (argv, err)
        assert msg in err, (msg, err)
        assert not out.exists()
    code, _, err = run(capsys, "--x", str(xp), "--y", str(yp), "--m", "5", "--out", str(xp))
    assert code == 2 and "would overwrite an input" in err
    # REQ-FLOAT-MARGIN: unsafe rounding -> exit 1 with --method fft, fallback with auto.
    # Planted: every rounded group reports a distance of 0.3 > 1/4 to the nearest integer.
    # Both kernels' rounding steps are planted: v2's round_parities and v3's FourStep.invert_round.
    real = fft_mod.round_parities
    monkeypatch.setattr(fft_mod, "round_parities", lambda c, L: (real(c, L)[0], 0.3))
    real_v3 = fourstep.FourStep.invert_round
    monkeypatch.setattr(fourstep.FourStep, "invert_round", lambda self, acc, L: (real_v3(self, acc, L)[0], 0.3))
    code, _, err = run(capsys, "--x", str(xp), "--y", str(yp), "--m", "5", "--out", str(out),
                       "--method", "fft")
    assert code == 1 and "REQ-FLOAT-MARGIN" in err and not out.exists()
    code, stdout, _ = run(capsys, "--x", str(xp), "--y", str(yp), "--m", "5", "--out", str(out),
                          "--json")
    assert code == 0 and json.loads(stdout)["exact_fallbacks"] >= 1
    # an existing K is not replaced without --force (REQ-OUTPUT)
    before = out.read_bytes()
    code, _, err = run(capsys, "--x", str(xp), "--y", str(yp), "--m", "6", "--out", str(out))
    assert code == 2 and "exists already" in err and out.read_bytes() == before


def test_argparse_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["extract", "--x", "a", "--y", "b", "--m", "0", "--out", "k"])
    assert e.value.code == 2 and "--m: must be an integer >= 1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["extract", "--x", "a", "--y", "b", "--m", "x", "--out", "k"])
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        main(["extract", "--x", "a", "--y", "b", "--m", "1", "--out", "k", "--method", "magic"])
    assert e.value.code == 2
