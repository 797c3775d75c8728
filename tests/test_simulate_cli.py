"""``diramp simulate`` (DEF-SIM-SOURCE, DEF-SIM-DEVICE): outputs, determinism, errors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from diramp.bell import s_mu
from diramp.cli import simulate as cli_simulate
from diramp.errors import DirampError
from diramp.extractor.packed import PackedBitReader, read_bits
from diramp.simulate import simulate
from diramp.simulate.sources import make_source
from diramp.trials import count_total, read_header, read_trials


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:  # type: ignore[type-arg]
    """Parse with only this subcommand registered (other subcommands are not needed)."""
    p = argparse.ArgumentParser(prog="diramp")
    sub = p.add_subparsers(dest="command")
    cli_simulate.register(sub)
    args = p.parse_args(argv)
    try:
        rc = args.func(args)
    except DirampError as exc:
        return exc.exit_code, {"error": str(exc)}
    return rc, json.loads(capsys.readouterr().out)


def argv(tmp: Path, tag: str, *extra: str) -> list[str]:
    return [
        "simulate",
        "--n",
        "5003",
        "--mu",
        "0.0075",
        "--seed",
        "42",
        "--out-trials",
        str(tmp / f"{tag}.trials"),
        "--out-z",
        str(tmp / f"{tag}.z"),
        *extra,
    ]


@pytest.mark.parametrize("source", ["honest", "adversarial", "correlated"])
@pytest.mark.parametrize("device", ["quantum", "local"])
def test_cli_outputs_and_determinism(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, device: str
) -> None:
    extra = ["--source", source, "--device", device, "--readout-error", "0.01"]
    rc, out = run_cli(argv(tmp_path, "a", *extra), capsys)
    assert rc == 0
    rc, _ = run_cli(argv(tmp_path, "b", *extra), capsys)
    assert rc == 0
    for ext in ("trials", "z"):
        assert (tmp_path / f"a.{ext}").read_bytes() == (tmp_path / f"b.{ext}").read_bytes()
    assert out["seed"] == 42 and "PCG64" in out["generator"]
    assert read_header(tmp_path / "a.trials").n == 5003
    counts = count_total(tmp_path / "a.trials")
    assert counts.to_mapping() == out["counts"]
    assert out["s_mu_obs_exact"] == str(s_mu(counts, read_mu(out)))
    with PackedBitReader(tmp_path / "a.z") as r:
        assert r.nbits == 2 * 5003
        assert r.verify().hex() == out["z_sha256"]
    if device == "local":
        assert out["s_mu_obs"] == 0.0 and out["chsh_obs"] == 2.0


def read_mu(out: dict) -> object:  # type: ignore[type-arg]
    from fractions import Fraction

    return Fraction(out["assumed_mu"])


def test_z_is_the_stream_after_the_inputs(tmp_path: Path) -> None:
    """DEF-SIM-SOURCE: x_i = s_2i, y_i = s_2i+1, then Z = the next d bits."""
    simulate(
        100,
        "0.0075",
        seed=3,
        out_trials=tmp_path / "t",
        out_z=tmp_path / "z",
        d=37,
        source="adversarial",
    )
    s = make_source("adversarial", "0.0075", 3).draw(237).bits
    t = read_trials(tmp_path / "t")
    assert t.x.tolist() == s[0:200:2].tolist() and t.y.tolist() == s[1:200:2].tolist()
    assert read_bits(tmp_path / "z").tolist() == s[200:].tolist()


def test_different_seed_differs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_cli(argv(tmp_path, "a"), capsys)
    a = argv(tmp_path, "b")
    a[a.index("--seed") + 1] = "43"
    run_cli(a, capsys)
    assert (tmp_path / "a.trials").read_bytes() != (tmp_path / "b.trials").read_bytes()


def test_z_bits_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = run_cli(argv(tmp_path, "a", "--z-bits", "13"), capsys)
    assert rc == 0 and out["d"] == 13
    assert read_bits(tmp_path / "a.z").size == 13


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--chsh", "3"], "Tsirelson"),
        (["--readout-error", "0.7"], "readout"),
        (["--readout-error", "a,b"], "readout"),
    ],
)
def test_cli_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], match: str
) -> None:
    rc, out = run_cli(argv(tmp_path, "a", *extra), capsys)
    assert rc == 2 and match in out["error"]
    assert not (tmp_path / "a.trials").exists() and not (tmp_path / "a.z").exists()


def test_cli_mu_out_of_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = argv(tmp_path, "a")
    a[a.index("--mu") + 1] = "0.5"
    rc, out = run_cli(a, capsys)
    assert rc == 2 and "mu" in out["error"]


def test_help_teaches(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run_cli(["simulate", "--help"], capsys)
    text = capsys.readouterr().out
    for word in ("Box I", "DEF-TRIAL-FILE", "PCG64", "--z-bits", "examples", "local"):
        assert word in text
