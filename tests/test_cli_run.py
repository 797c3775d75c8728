"""``diramp commit | run | verify``: DEF-BOX-I, DEF-PRECOMMIT, DEF-CERT, REQ-VERIFY, REQ-NO-K-ON-ABORT, REQ-K-SECRET."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from diramp.cli import main
from diramp.extractor import read_bits, write_bits

N = 2**19
SMALL = ["--n", str(N), "--mu", "0", "--eps", "1e-6", "--eps-s", "1e-8", "--bins", "100", "--s-max", "0.0125",
         "--block-trials", "65536"]


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def _secret_strings(k_path: Path) -> list[str]:
    bits = read_bits(k_path)
    payload = np.packbits(bits).tobytes()
    return [payload[:16].hex(), payload[:16].hex().upper(), "".join(map(str, bits[:64].tolist()))]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("demo")
    assert main(["run", "--workdir", str(d), "--chsh", "2.8", "--seed", "5", *SMALL]) == 0
    return d


def test_simulated_run_writes_k_and_certificate(demo: Path) -> None:
    """DEF-BOX-I via the CLI: commit, trials, Z, K (0600) and certificate in the work directory."""
    names = sorted(p.name for p in demo.iterdir())
    assert names == ["certificate.json", "commit.json", "k.dbits", "run.trials", "run.z.dbits"]
    assert (demo / "k.dbits").stat().st_mode & 0o777 == 0o600
    cert = json.loads((demo / "certificate.json").read_text())
    assert cert["m"] > 0 and cert["precommit"] == json.loads((demo / "commit.json").read_text())


def test_report_never_shows_k(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """REQ-K-SECRET: neither stdout nor stderr (text or --json) contains K's bits or hex."""
    rc, out, err = cli(["run", "--workdir", str(tmp_path), "--chsh", "2.8", "--seed", "6", *SMALL], capsys)
    assert rc == 0 and "its bits and digests are never shown" in out
    import hashlib

    k = (tmp_path / "k.dbits").read_bytes()
    for digest in (hashlib.sha256(k).hexdigest(), hashlib.sha256(k[64:]).hexdigest(), k[24:56].hex()):
        assert digest[:16] not in out + err and digest[:16] not in (tmp_path / "certificate.json").read_text()
    rc2, out2, err2 = cli(["verify", str(tmp_path / "certificate.json"), "--trials", str(tmp_path / "run.trials"),
                           "--seed-z", str(tmp_path / "run.z.dbits"), "--k", str(tmp_path / "k.dbits"), "--json"],
                          capsys)
    assert rc2 == 0 and json.loads(out2)["verified"]
    for s in _secret_strings(tmp_path / "k.dbits"):
        assert s not in out + err + out2 + err2


def test_same_seed_gives_byte_identical_outputs(demo: Path, tmp_path: Path) -> None:
    """DEF-CERT determinism through the CLI: same seed -> byte-identical K and certificate."""
    assert main(["run", "--workdir", str(tmp_path), "--chsh", "2.8", "--seed", "5", *SMALL]) == 0
    for name in ("k.dbits", "certificate.json", "commit.json", "run.trials", "run.z.dbits"):
        assert (tmp_path / name).read_bytes() == (demo / name).read_bytes(), name


def test_local_device_aborts_without_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """REQ-NO-K-ON-ABORT: a local device aborts with exit 3; no K, no certificate, no temporary files."""
    rc, _, err = cli(["run", "--workdir", str(tmp_path), "--device", "local", "--n", "65536", "--block-trials",
                        "65536"], capsys)
    assert rc == 3 and "aborted" in err and "m = 0" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["commit.json", "run.trials", "run.z.dbits"]


def test_real_data_mode_and_verify(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """DEF-PRECOMMIT + DEF-BOX-I on given files; verify exit codes 0 / 1 / 2 (REQ-VERIFY)."""
    commit = tmp_path / "c.json"
    # the default run takes the protocol-level claim from the preset (the paper's 1e-12, CONV-PRESET-OVERRIDE)
    assert cli(["commit", *SMALL, "--eps-protocol", "1e-12", "--out", str(commit)], capsys)[0] == 0
    assert commit.read_bytes() == (demo / "commit.json").read_bytes()
    assert cli(["commit", *SMALL, "--out", str(commit)], capsys)[0] == 2  # no silent replacement
    args = ["run", "--trials", str(demo / "run.trials"), "--seed-z", str(demo / "run.z.dbits"),
            "--commit", str(commit), "--out-k", str(tmp_path / "k"), "--out-cert", str(tmp_path / "cert.json")]
    rc, _, _ = cli(args, capsys)
    assert rc == 0 and (tmp_path / "k").read_bytes() == (demo / "k.dbits").read_bytes()
    assert (tmp_path / "cert.json").read_bytes() == (demo / "certificate.json").read_bytes()
    base = ["verify", str(tmp_path / "cert.json"), "--trials", str(demo / "run.trials"), "--seed-z"]
    assert cli([*base, str(demo / "run.z.dbits"), "--k", str(tmp_path / "k")], capsys)[0] == 0
    rng = np.random.default_rng(1)
    write_bits(tmp_path / "z2", rng.integers(0, 2, 2 * N, dtype=np.uint8))
    rc, _, err = cli([*base, str(tmp_path / "z2")], capsys)
    assert rc == 1 and "inputs.z.file_sha256" in err
    rc, _, err = cli([*base, str(tmp_path / "missing")], capsys)
    assert rc == 2


def test_parameters_differing_from_commitment_write_nothing(demo: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """DEF-PRECOMMIT: a command-line value that differs from the record: exit 2, nothing written."""
    base = ["run", "--trials", str(demo / "run.trials"), "--seed-z", str(demo / "run.z.dbits"),
            "--commit", str(demo / "commit.json"), "--out-k", str(tmp_path / "k"),
            "--out-cert", str(tmp_path / "c.json")]
    for extra in (["--eps", "1e-9"], ["--n", "1000"], ["--variant", "as_printed"], ["--bins", "99"]):
        rc, _, err = cli([*base, *extra], capsys)
        assert rc == 2 and "differ from the pre-commitment" in err, extra
    assert cli([*base, "--eps", "0.000001", "--n", str(N)], capsys)[0] == 0  # equal values are fine
    assert (tmp_path / "k").exists()
    rc, _, err = cli(base, capsys)  # refuses to overwrite K
    assert rc == 2 and "exists already" in err


def test_bad_inputs_exit_2_and_write_nothing(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """DEF-BOX-I step 1: corrupt or truncated trial file, n differing from the commitment, Z shorter than 2n."""
    raw = (demo / "run.trials").read_bytes()
    corrupt = bytearray(raw)
    corrupt[192 + 3 * len(raw[192:]) // 4 + 10] ^= 0x01  # a bit of plane b
    (tmp_path / "corrupt.trials").write_bytes(bytes(corrupt))
    (tmp_path / "trunc.trials").write_bytes(raw[:-5])
    short = tmp_path / "short.z"
    write_bits(short, read_bits(demo / "run.z.dbits")[: 2 * N - 1])
    commit_other = tmp_path / "other.json"
    assert main(["commit", *SMALL[:-2], "--n", str(N - 8), "--block-trials", "65536", "--out",
                 str(commit_other)]) == 0
    out = tmp_path / "out"
    out.mkdir()
    cases = [
        ("corrupt.trials", "run.z.dbits", "commit.json", "hash mismatch"),
        ("trunc.trials", "run.z.dbits", "commit.json", "trunc"),
        ("run.trials", "short.z", "commit.json", "shorter than 2n"),
        ("run.trials", "run.z.dbits", "other.json", "pre-committed n"),
    ]
    for t, z, c, msg in cases:
        tp = tmp_path / t if (tmp_path / t).exists() else demo / t
        zp = tmp_path / z if (tmp_path / z).exists() else demo / z
        cp = tmp_path / c if (tmp_path / c).exists() else demo / c
        rc, _, err = cli(["run", "--trials", str(tp), "--seed-z", str(zp), "--commit", str(cp),
                          "--out-k", str(out / "k"), "--out-cert", str(out / "c.json")], capsys)
        assert rc == 2 and msg in err, (t, z, c, err)
        assert list(out.iterdir()) == []


def test_help_teaches(capsys: pytest.CaptureFixture[str]) -> None:
    """The --help of each subcommand explains the protocol, the defaults and the exit codes."""
    for cmd, words in (("run", ["Box I", "ABORT", "2^26", "0600", "20240101"]),
                       ("commit", ["BEFORE", "SHA-256", "eps_EA"]),
                       ("verify", ["re-extract", "exit codes"])):
        with pytest.raises(SystemExit) as info:
            main([cmd, "--help"])
        assert info.value.code == 0
        text = capsys.readouterr().out
        for w in words:
            assert w in text, (cmd, w)
