"""DEF-TRIAL-IMPORT, DEF-BITS-IMPORT, DEF-SIM-SOURCE: own data from the command line; the default run from the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from diramp.cli import main
from diramp.extractor import extract_loop, read_bits
from diramp.trials import read_trials

SEED = 20261202


def _trials(n: int) -> np.ndarray:
    rng = np.random.default_rng(SEED)
    arr = np.zeros(n, dtype=[("x", "u1"), ("y", "u1"), ("a", "u1"), ("b", "u1")])
    for f in "xyab":
        arr[f] = rng.integers(0, 2, n)
    return arr


def test_import_npy_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """DEF-TRIAL-IMPORT: diramp import --npy / --csv write the same trial file, owner-only."""
    arr = _trials(1003)
    np.save(tmp_path / "t.npy", arr)
    rows = ["x,y,a,b", *(f"{r['x']},{r['y']},{r['a']},{r['b']}" for r in arr)]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    assert main(["import", "--npy", str(tmp_path / "t.npy"), "--out", str(tmp_path / "a.trials")]) == 0
    assert main(["import", "--csv", str(tmp_path / "t.csv"), "--out", str(tmp_path / "b.trials"), "--json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out[out.index("{"):])["n"] == 1003
    assert (tmp_path / "a.trials").read_bytes() == (tmp_path / "b.trials").read_bytes()
    assert (tmp_path / "a.trials").stat().st_mode & 0o777 == 0o600
    t = read_trials(tmp_path / "a.trials")
    assert t.a.tolist() == arr["a"].tolist() and t.y.tolist() == arr["y"].tolist()
    (tmp_path / "bad.csv").write_text("x,y,a,b\n0,1,2,0\n")
    assert main(["import", "--csv", str(tmp_path / "bad.csv"), "--out", str(tmp_path / "c.trials")]) == 2
    assert "line 2: a must be 0 or 1" in capsys.readouterr().err and not (tmp_path / "c.trials").exists()


def test_import_bits_packed_and_ascii(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """DEF-BITS-IMPORT: raw packed bytes (MSB-first) and ASCII 0/1 become the same DEF-PACKED-FILE."""
    bits = np.random.default_rng(SEED).integers(0, 2, 77, dtype=np.uint8)
    (tmp_path / "z.bin").write_bytes(np.packbits(bits).tobytes())
    (tmp_path / "z.txt").write_text("".join(map(str, bits[:40])) + "\n" + " ".join(map(str, bits[40:])))
    assert main(["import", "--bits", str(tmp_path / "z.bin"), "--nbits", "77", "--out", str(tmp_path / "a")]) == 0
    assert main(["import", "--bits", str(tmp_path / "z.txt"), "--bits-format", "ascii", "--out",
                 str(tmp_path / "b")]) == 0
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()
    assert read_bits(tmp_path / "a").tolist() == bits.tolist()
    assert main(["import", "--bits", str(tmp_path / "z.bin"), "--out", str(tmp_path / "c")]) == 0
    assert read_bits(tmp_path / "c").size == 80  # 8 bits per byte by default
    (tmp_path / "bad.txt").write_text("0101x")
    assert main(["import", "--bits", str(tmp_path / "bad.txt"), "--bits-format", "ascii", "--out",
                 str(tmp_path / "d")]) == 2
    assert "byte 4 is not 0, 1 or whitespace" in capsys.readouterr().err and not (tmp_path / "d").exists()
    # bits beyond nbits in the last byte must be zero (here 77 of 80: the 3 pad bits of random data)
    (tmp_path / "pad.bin").write_bytes(bytes([0xFF] * 10))
    assert main(["import", "--bits", str(tmp_path / "pad.bin"), "--nbits", "77", "--out", str(tmp_path / "e")]) == 2


def test_extract_reads_ab_from_a_trial_file(tmp_path: Path) -> None:
    """DEF-BITS-IMPORT, CONV-AB-INTERLEAVE: extract --x-trials T --y Z equals Ext(AB, Z[:2n]) of the reference loop."""
    arr = _trials(500)
    np.save(tmp_path / "t.npy", arr)
    assert main(["import", "--npy", str(tmp_path / "t.npy"), "--out", str(tmp_path / "t.trials")]) == 0
    z = np.random.default_rng(1).integers(0, 2, 1100, dtype=np.uint8)
    (tmp_path / "z.txt").write_text("".join(map(str, z)))
    assert main(["import", "--bits", str(tmp_path / "z.txt"), "--bits-format", "ascii", "--out",
                 str(tmp_path / "z")]) == 0
    assert main(["extract", "--x-trials", str(tmp_path / "t.trials"), "--y", str(tmp_path / "z"), "--m", "200",
                 "--out", str(tmp_path / "k")]) == 0
    ab = np.empty(1000, np.uint8)
    ab[0::2], ab[1::2] = arr["a"], arr["b"]
    assert read_bits(tmp_path / "k").tolist() == extract_loop(ab, z[:1000], 200).tolist()
    assert (tmp_path / "k").stat().st_mode & 0o777 == 0o600


def test_simulate_reproduces_the_default_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """DEF-SIM-SOURCE (newcomer problem 6): --source-bias separates the true bias from the assumed mu, so the
    CLI reproduces the embedded default run's files byte for byte (here at n = 2^20)."""
    n = str(2**20)
    assert main(["run", "--workdir", str(tmp_path / "d"), "--n", n]) in (0, 3)
    capsys.readouterr()
    assert main(["simulate", "--n", n, "--mu", "0.0075", "--source-bias", "0", "--chsh", "2.271", "--seed",
                 "20240101", "--out-trials", str(tmp_path / "t"), "--out-z", str(tmp_path / "z")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["assumed_mu"] == "3/400" and out["source_true_bias"] == "0"
    assert (tmp_path / "t").read_bytes() == (tmp_path / "d" / "run.trials").read_bytes()
    assert (tmp_path / "z").read_bytes() == (tmp_path / "d" / "run.z.dbits").read_bytes()
    # the default source bias is mu (the edge of the SV model): a different file
    assert main(["simulate", "--n", n, "--mu", "0.0075", "--chsh", "2.271", "--seed", "20240101", "--out-trials",
                 str(tmp_path / "t2"), "--out-z", str(tmp_path / "z2")]) == 0
    assert (tmp_path / "t2").read_bytes() != (tmp_path / "t").read_bytes()
