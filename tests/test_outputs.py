"""REQ-OUTPUT, REQ-SECRET-FILES, REQ-NO-K-ON-ABORT: outputs never destroy data, secrets are owner-only."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from diramp.cli import main
from diramp.errors import InputError
from diramp.extractor import write_bits
from diramp.outputs import Transaction

N = 2**19
SMALL = ["--n", str(N), "--mu", "0", "--eps", "1e-6", "--eps-s", "1e-8", "--bins", "100", "--s-max", "0.0125",
         "--block-trials", "131072"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("run")
    assert main(["run", "--workdir", str(d), "--chsh", "2.8", "--seed", "5", *SMALL]) == 0
    return d


def _real(d: Path, out: Path, *extra: str) -> list[str]:
    return ["run", "--trials", str(d / "run.trials"), "--seed-z", str(d / "run.z.dbits"), "--commit",
            str(d / "commit.json"), "--out-k", str(out / "k"), "--out-cert", str(out / "c.json"), *extra]


def _snapshot(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- the transaction itself

def test_transaction_publishes_all_or_nothing(tmp_path: Path) -> None:
    """REQ-OUTPUT: nothing is visible before commit; an exception discards every output; modes are set."""
    try:
        with Transaction() as tx:
            tx.output(tmp_path / "k", "secret", "K")
            tx.output(tmp_path / "c", "public", "certificate")
            with tx.open(tmp_path / "k") as f:
                f.write(b"secret")
            assert not (tmp_path / "k").exists()  # unnamed until the command succeeds
            raise RuntimeError("the command fails after writing K")
    except RuntimeError:
        pass
    assert list(tmp_path.iterdir()) == []  # no K, no temporary file
    with Transaction() as tx:
        tx.output(tmp_path / "k", "secret", "K")
        tx.output(tmp_path / "c", "public", "certificate")
        for name in ("k", "c"):
            with tx.open(tmp_path / name) as f:
                f.write(name.encode())
    assert (tmp_path / "k").stat().st_mode & 0o777 == 0o600 and (tmp_path / "c").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("umask", [0o000, 0o077, 0o022])
def test_modes_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    """REQ-SECRET-FILES: secret 0600, public 0644, under umask 000, 077 and 022."""
    old = os.umask(umask)
    try:
        with Transaction() as tx:
            tx.output(tmp_path / "s", "secret", "K")
            tx.output(tmp_path / "p", "public", "record")
            for name in ("s", "p"):
                with tx.open(tmp_path / name) as f:
                    f.write(b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "s").stat().st_mode & 0o777 == 0o600 and (tmp_path / "p").stat().st_mode & 0o777 == 0o644


def test_force_replaces_only_on_success_and_rolls_back(tmp_path: Path) -> None:
    """REQ-OUTPUT: with force, old files stay unless everything succeeds; a failed publish restores them."""
    (tmp_path / "k").write_bytes(b"OLD K")
    (tmp_path / "c").write_bytes(b"OLD CERT")
    with pytest.raises(RuntimeError), Transaction(force=True) as tx:
        tx.output(tmp_path / "k", "secret")
        tx.output(tmp_path / "c", "public")
        with tx.open(tmp_path / "k") as f:
            f.write(b"NEW K")
        raise RuntimeError("certificate cannot be built")
    assert (tmp_path / "k").read_bytes() == b"OLD K" and (tmp_path / "c").read_bytes() == b"OLD CERT"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "k"]  # no backup or temporary file left


def test_force_rollback_on_enospc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """REQ-OUTPUT (red team F2): a failing second replace (ENOSPC) restores the first; one-line input error."""
    (tmp_path / "c").write_bytes(b"OLD CERT")
    (tmp_path / "k").write_bytes(b"OLD K")
    real_replace = os.replace
    calls = {"n": 0}

    def flaky(a: object, b: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real_replace(a, b)  # type: ignore[arg-type]

    with pytest.raises(InputError, match="no space left"):
        with Transaction(force=True) as tx:
            tx.output(tmp_path / "c", "public")
            tx.output(tmp_path / "k", "secret")
            for name in ("c", "k"):
                with tx.open(tmp_path / name) as f:
                    f.write(b"NEW")
            monkeypatch.setattr(os, "replace", flaky)
    monkeypatch.setattr(os, "replace", real_replace)
    assert (tmp_path / "c").read_bytes() == b"OLD CERT" and (tmp_path / "k").read_bytes() == b"OLD K"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "k"]


def test_exclusive_create_beats_a_concurrent_writer(tmp_path: Path) -> None:
    """REQ-OUTPUT (red team F5): a file that appears meanwhile is never replaced; nothing of ours is left."""
    with pytest.raises(InputError, match="appeared while the command ran"):
        with Transaction() as tx:
            tx.output(tmp_path / "c", "public")
            tx.output(tmp_path / "k", "secret")
            for name in ("c", "k"):
                with tx.open(tmp_path / name) as f:
                    f.write(b"ours")
            (tmp_path / "k").write_bytes(b"theirs")  # the other run published K first
    assert (tmp_path / "k").read_bytes() == b"theirs" and not (tmp_path / "c").exists()


def test_outputs_checked_against_inputs_and_each_other(tmp_path: Path) -> None:
    """REQ-OUTPUT (red team F1): same file, symlink, hard link to an input; the same path twice; a directory."""
    inp = tmp_path / "in.trials"
    inp.write_bytes(b"data")
    (tmp_path / "sym").symlink_to(inp)
    os.link(inp, tmp_path / "hard")
    tx = Transaction(force=True, inputs=[inp])
    for bad in (inp, tmp_path / "sym", tmp_path / "hard"):
        with pytest.raises(InputError, match="would overwrite an input"):
            tx.output(bad, "public", "certificate")
    with pytest.raises(InputError, match="is a directory"):
        tx.output(tmp_path, "secret", "K")
    with pytest.raises(InputError, match="does not exist"):
        tx.output(tmp_path / "no" / "k", "secret", "K")
    tx.output(tmp_path / "k", "secret", "K")
    with pytest.raises(InputError, match="named twice"):
        tx.output(tmp_path / "k", "public", "certificate")
    with pytest.raises(InputError, match="name is too long"):
        tx.output(tmp_path / ("x" * 300), "public")
    assert inp.read_bytes() == b"data"


def test_undeclared_output_is_a_bug_not_a_silent_write(tmp_path: Path) -> None:
    """REQ-OUTPUT: inside a command, writing a file that was not declared (and checked) raises."""
    from diramp.atomic import atomic_write_bytes

    with pytest.raises(RuntimeError, match="not declared"), Transaction():
        atomic_write_bytes(tmp_path / "x", b"1")
    assert not (tmp_path / "x").exists()


# ---------------------------------------------------------------- through the commands

def test_run_refuses_output_over_its_inputs(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """REQ-OUTPUT (red team F1): run --out-cert T.trials / --out-k Z, even with --force: exit 2, inputs intact."""
    before = _snapshot(run_dir)
    for extra in (["--out-cert", str(run_dir / "run.trials")], ["--out-k", str(run_dir / "run.z.dbits")]):
        argv = _real(run_dir, tmp_path) + extra + ["--force"]
        assert main(argv) == 2
        assert "would overwrite an input" in capsys.readouterr().err
    assert _snapshot(run_dir) == before and not list(tmp_path.iterdir())


def test_failed_certificate_write_keeps_old_k(run_dir: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """REQ-OUTPUT (red team F2): an unwritable certificate path is found before the work; the old K survives."""
    (tmp_path / "k").write_bytes(b"OLDK")
    argv = _real(run_dir, tmp_path, "--force")
    argv[argv.index("--out-cert") + 1] = str(tmp_path / "nodir" / "c.json")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / "k").read_bytes() == b"OLDK"


def test_existing_outputs_refused_without_force_by_every_writer(run_dir: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """REQ-OUTPUT (red team F11): extract, simulate, stats, import, commit refuse an existing output."""
    existing = tmp_path / "exists"
    existing.write_bytes(b"keep me")
    z = run_dir / "run.z.dbits"
    cases = [
        ["extract", "--x", str(z), "--y", str(z), "--m", "10", "--out", str(existing)],
        ["simulate", "--n", "64", "--mu", "0", "--seed", "1", "--out-trials", str(existing), "--out-z",
         str(tmp_path / "z2")],
        ["stats", str(z), "--no-dieharder", "--no-ent", "--tests", "frequency", "--out", str(existing)],
        ["import", "--bits", str(z), "--out", str(existing)],
        ["commit", *SMALL, "--out", str(existing)],
    ]
    for argv in cases:
        assert main(argv) == 2, argv
        assert "exists already" in capsys.readouterr().err
        assert existing.read_bytes() == b"keep me" and not (tmp_path / "z2").exists()


def test_simulate_same_path_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """REQ-OUTPUT (red team F11): --out-trials and --out-z the same path: exit 2, nothing written."""
    assert main(["simulate", "--n", "64", "--mu", "0", "--seed", "1", "--out-trials", str(tmp_path / "a"),
                 "--out-z", str(tmp_path / "a")]) == 2
    assert "named twice" in capsys.readouterr().err and not list(tmp_path.iterdir())


def test_secret_files_of_every_command(run_dir: Path, tmp_path: Path) -> None:
    """REQ-SECRET-FILES (red team F3): trials, Z, K, figures of K, stats reports, receipts are 0600; records 0644."""
    modes = {p.name: p.stat().st_mode & 0o777 for p in run_dir.iterdir()}
    assert modes == {"commit.json": 0o644, "certificate.json": 0o644, "run.trials": 0o600, "run.z.dbits": 0o600,
                     "k.dbits": 0o600}
    pytest.importorskip("matplotlib")
    assert main(["figures", "fig10", "--k", str(run_dir / "k.dbits"), "--out", str(tmp_path / "f")]) == 0
    assert main(["figures", "fig11", "--k", str(run_dir / "k.dbits"), "--out", str(tmp_path / "f")]) == 0
    assert main(["figures", "fig4", "--certificate", str(run_dir / "certificate.json"), "--out",
                 str(tmp_path / "f")]) == 0
    got = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "f").iterdir()}
    assert got == {"fig10.png": 0o600, "fig10.json": 0o600, "fig10-captioned.png": 0o600, "fig11.png": 0o600,
                   "fig11.json": 0o600,
                   "fig4.png": 0o644, "fig4.csv": 0o644}
    k = (run_dir / "k.dbits").read_bytes()[64:]
    fig11 = json.loads((tmp_path / "f" / "fig11.json").read_text())
    assert "k_payload_sha256" not in fig11 and "sha256" not in json.dumps(json.loads(
        (tmp_path / "f" / "fig10.json").read_text()))
    assert k[:64].hex()[:32] != fig11["image_hex"][:32]


def test_receipt_holds_k_digest_owner_only(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """REQ-K-SECRET: --receipt writes K's digest owner-only; --publish-k-digest puts it in the certificate, warned."""
    import hashlib

    assert main(_real(run_dir, tmp_path, "--receipt", str(tmp_path / "r.json"))) == 0
    rec = json.loads((tmp_path / "r.json").read_text())
    assert (tmp_path / "r.json").stat().st_mode & 0o777 == 0o600
    assert rec["k_file_sha256"] == hashlib.sha256((tmp_path / "k").read_bytes()).hexdigest()
    out = capsys.readouterr()
    assert rec["k_file_sha256"] not in out.out + out.err
    d2 = tmp_path / "pub"
    d2.mkdir()
    assert main(_real(run_dir, d2, "--publish-k-digest")) == 0
    cert = json.loads((d2 / "c.json").read_text())
    assert cert["output"]["k"]["sha256"] == hashlib.sha256((d2 / "k").read_bytes()).hexdigest()
    assert "WARNING" in capsys.readouterr().err


def test_abort_writes_no_k(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """REQ-NO-K-ON-ABORT: a local device aborts: exit 3, no K, no certificate, no temporary file."""
    assert main(["run", "--workdir", str(tmp_path), "--device", "local", "--n", "65536", "--block-trials",
                 "65536"]) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["commit.json", "run.trials", "run.z.dbits"]


# ---------------------------------------------------------------- signals and kills

def _start(argv: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "diramp", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def _wait_for_temp_output(pid: int, directory: Path, timeout: float = 60.0) -> None:
    """Wait until the process writes an (unnamed) output file in ``directory``: then it is mid-work."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            targets = [os.readlink(f) for f in Path("/proc", str(pid), "fd").iterdir()]
        except OSError:
            targets = []
        if any(t.startswith(str(directory)) and ("(deleted)" in t or ".tmp" in t) for t in targets):
            time.sleep(0.3)
            return
        time.sleep(0.05)
    raise AssertionError("the process never started writing")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_interrupted_simulate_leaves_nothing(tmp_path: Path, sig: int) -> None:
    """REQ-OUTPUT (red team F12): a simulate killed mid-way leaves no temporary file, never trials without Z."""
    (tmp_path / "old.trials").write_bytes(b"OLD")
    p = _start(["simulate", "--n", str(2**28), "--mu", "0", "--seed", "3", "--out-trials",
                str(tmp_path / "old.trials"), "--out-z", str(tmp_path / "new.z"), "--force"])
    _wait_for_temp_output(p.pid, tmp_path)
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode != 0
    assert sorted(x.name for x in tmp_path.iterdir()) == ["old.trials"]
    assert (tmp_path / "old.trials").read_bytes() == b"OLD"
    if sig != signal.SIGKILL:
        assert b"Traceback" not in err and b"no output was written" in err


def test_broken_pipe_is_quiet(run_dir: Path) -> None:
    """REQ-BAD-INPUT: `diramp ... | head -1` ends without a BrokenPipe traceback."""
    proc = subprocess.run(f"{sys.executable} -m diramp audit --preset kulikov2024 | head -1", shell=True,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


def test_k_never_printed_even_via_extract(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """REQ-K-SECRET: extract prints no digest of its output; --receipt has them, owner-only."""
    import hashlib

    rng = np.random.default_rng(3)
    write_bits(tmp_path / "x", rng.integers(0, 2, 4096, dtype=np.uint8))
    write_bits(tmp_path / "y", rng.integers(0, 2, 4096, dtype=np.uint8))
    assert main(["extract", "--x", str(tmp_path / "x"), "--y", str(tmp_path / "y"), "--m", "300", "--out",
                 str(tmp_path / "k"), "--receipt", str(tmp_path / "r"), "--json"]) == 0
    out = capsys.readouterr().out
    digest = hashlib.sha256((tmp_path / "k").read_bytes()).hexdigest()
    assert digest not in out and json.loads((tmp_path / "r").read_text())["out_sha256"] == digest
    assert (tmp_path / "r").stat().st_mode & 0o777 == 0o600
