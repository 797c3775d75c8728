"""`diramp audit`: JSON keys, table contents, bad input (exit 2, one line, nothing computed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from diramp.cli import main

REQUIRED = {"n", "mu", "S_mu", "eps", "eps_s", "eps_EA", "eta", "m_derived", "m_as_printed",
            "eps_achieved_derived", "eps_achieved_as_printed"}


def test_preset_json_keys_and_published_values(capsys: pytest.CaptureFixture[str]) -> None:
    """CONV-PRESET-KULIKOV2024: the published values come out as printed in the paper."""
    assert main(["audit", "--preset", "kulikov2024", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert REQUIRED <= set(out)
    assert {"m_published", "spread"} <= set(out)
    assert out["n"] == 1342177280 and out["mu"] == "0.0075" and out["eps"] == "1e-12"
    assert out["m_published"] == 20431465
    assert set(out["eta"]) >= {"lo", "hi"} and out["eta"]["lo"] <= out["eta"]["hi"]
    assert out["m_derived"] <= out["m_as_printed"]
    assert float(out["eps_achieved_derived"]) <= 1e-12 < float(out["eps_achieved_as_printed"])
    for v in ("derived", "as_printed"):
        sp = out["spread"][v]
        assert sp["m_min"] <= out["m_published"] <= sp["m_max"]


def test_table_shows_every_term_with_spec_and_rounding(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--n", "1e9", "--mu", "0.01", "--chsh", "2.5", "--eps", "1e-9",
                 "--eps-s", "1e-12", "--bins", "100", "--s-max", "0.01"]) == 0
    out = capsys.readouterr().out
    for needle in ("THM-1-OPT", "THM-1-EAT", "THM-SV-SEED", "THM-5-DERIVED", "CONV-EPS-ALLOC",
                   "lower bound (rounded down)", "upper bound (rounded up)", "Theorem 6", "as_printed"):
        assert needle in out, needle


def test_counts_file_and_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    counts = {f"{a}{b}{x}{y}": (400 if (a == b) != ((x, y) == (1, 1)) else 100)
              for a in (0, 1) for b in (0, 1) for x in (0, 1) for y in (0, 1)}
    f = tmp_path / "counts.json"
    f.write_text(json.dumps(counts))
    assert main(["audit", "--mu", "0", "--counts", str(f), "--eps", "1e-9",
                 "--eps-s", "1e-12", "--target-m", "1000000", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # by hand: E = (800 - 200)/1000 = 0.6 in each setting -> CHSH = 2.4, S_0 = 0.4/64; n = 16 * 250 = 4000
    assert out["chsh"] == "2.4" and out["S_mu"] == "0.00625" and out["n"] == 4000
    assert out["inverse"]["theorem"].startswith("Theorem 5")
    assert out["inverse"]["min_S_mu"].startswith("not reachable") and int(out["inverse"]["min_n"]) > 4000
    # F7: n comes from the counts; a different --n is an input error, not 85x the bits
    assert main(["audit", "--n", "1e9", "--mu", "0", "--counts", str(f), "--eps", "1e-9", "--eps-s", "1e-12"]) == 2
    assert "differs from the number of trials in the counts" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--mu", "0.5"], "mu: must lie in [0, 1/2)"),
        (["--mu", "-0.1"], "mu: must lie in [0, 1/2)"),
        (["--eps", "0"], "eps: must lie in (0, 1)"),
        (["--eps", "1"], "eps: must lie in (0, 1)"),
        (["--eps-s", "1"], "eps_s: must lie in (0, 1)"),
        (["--eps-s", "1e-9"], "eps_s: must satisfy 6*eps_s < eps"),
        (["--n", "0"], "--n: must be an integer >= 1"),
        (["--n", "1.5"], "--n: must be an integer"),
        (["--s-mu", "0.1"], "S_mu: exceeds the quantum maximum"),
    ],
)
def test_bad_input_exit_2_one_line(args: list[str], needle: str) -> None:
    base = {"--n": "1000000", "--mu": "0.01", "--s-mu": "0.003", "--eps": "1e-9", "--eps-s": "1e-12"}
    for k, v in zip(args[::2], args[1::2], strict=True):
        base[k] = v
    argv = [x for kv in base.items() for x in kv]
    proc = subprocess.run([sys.executable, "-m", "diramp", "audit", *argv], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr


def test_negative_counts_rejected(tmp_path: Path) -> None:
    f = tmp_path / "c.json"
    f.write_text(json.dumps({"0000": -1}))
    proc = subprocess.run([sys.executable, "-m", "diramp", "audit", "--n", "100", "--mu", "0",
                           "--counts", str(f), "--eps", "1e-9", "--eps-s", "1e-12"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "does not match its schema" in proc.stderr and "must be >= 0" in proc.stderr


def test_missing_arguments_point_to_preset(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--n", "100"]) == 2
    assert "--preset kulikov2024" in capsys.readouterr().err


def test_output_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    main(["audit", "--preset", "kulikov2024", "--json"])
    a = capsys.readouterr().out
    main(["audit", "--preset", "kulikov2024", "--json"])
    assert capsys.readouterr().out == a
