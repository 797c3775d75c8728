"""REQ-BAD-INPUT: every command, bad input: exit code, one line on stderr, no traceback, nothing written or changed."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from diramp.cli import main

N = 2**19
SMALL = ["--n", str(N), "--mu", "0", "--eps", "1e-6", "--eps-s", "1e-8", "--bins", "100", "--s-max", "0.0125",
         "--block-trials", "131072"]


@pytest.fixture(scope="module")
def w(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A work directory: a genuine small run, plus hostile files."""
    return make_workdir(tmp_path_factory.mktemp("bad"))


def make_workdir(d: Path) -> Path:
    """A genuine small run in d/run, and hostile files beside it (also used by tests/replay_redteam.py)."""
    assert main(["run", "--workdir", str(d / "run"), "--chsh", "2.8", "--seed", "5", *SMALL]) == 0
    os.mkfifo(d / "fifo")
    (d / "dir").mkdir()
    (d / "nonutf8.json").write_bytes(b"\xff\xfe\x00{")
    (d / "nested.json").write_text("[" * 100_000)
    (d / "bigint.json").write_text('{"0000": ' + "9" * 5000 + "}")
    (d / "nan.json").write_text('{"0000": NaN}')
    (d / "file").write_text("x")
    cert = json.loads((d / "run" / "certificate.json").read_text())
    for name, edit in {
        "cert_hugeexp.json": lambda c: c["precommit"]["parameters"].__setitem__("eps", "1e-99999999"),
        "cert_inputs_list.json": lambda c: c.__setitem__("inputs", []),
        "cert_output_k5.json": lambda c: c.__setitem__("output", {"k": 5}),
        "cert_output_empty.json": lambda c: c.__setitem__("output", {}),
        "cert_chsh_true.json": lambda c: c["statistics"]["blocks"].__setitem__("chsh", [True] * 4),
        "cert_v1.json": lambda c: c.__setitem__("format_version", 1),
    }.items():
        c = json.loads(json.dumps(cert))
        edit(c)
        (d / name).write_text(json.dumps(c))
    pre = json.loads((d / "run" / "commit.json").read_text())
    pre["parameters"]["mu"] = "1e-99999999"
    (d / "commit_hugeexp.json").write_text(json.dumps(pre))
    return d


def _rows(w: Path) -> list[tuple[list[str], int]]:
    r = w / "run"
    t, z, c, k, cert = (str(r / n) for n in ("run.trials", "run.z.dbits", "commit.json", "k.dbits",
                                             "certificate.json"))
    real = ["--trials", t, "--seed-z", z, "--commit", c]
    aud = ["audit", "--n", "1000000000", "--mu", "0.0075", "--eps", "1e-12", "--eps-s", "1e-20"]
    ver = ["verify", cert, "--trials", t, "--seed-z", z]
    sim = ["simulate", "--n", "1000", "--mu", "0.01", "--seed", "1", "--out-trials", str(w / "o.t"), "--out-z",
           str(w / "o.z")]
    ext = ["extract", "--x", z, "--y", z, "--m", "10", "--out", str(w / "o.k")]
    rows: list[tuple[list[str], int]] = []
    # audit: every numeric option, digits, counts files
    for opt in ("--mu", "--s-mu", "--chsh", "--eps", "--eps-s", "--eps-ea"):
        for bad in ("nan", "inf", "abc", "1/0", "1e-99999999"):
            argv = [*aud, "--s-mu", "0.003"] if opt not in ("--s-mu", "--chsh") else list(aud)
            rows.append(([*argv, opt, bad], 2))
    rows += [([*aud, "--s-mu", "0.003", "--s-max", v, "--bins", "10"], 2) for v in ("nan", "abc", "1/0")]
    rows += [([*aud, "--s-mu", "0.003", "--digits", v], 2) for v in ("0", "-1", "1000000", "x")]
    rows += [([*aud, "--s-mu", "0.003", "--bins", "0", "--s-max", "0.01"], 2),
             ([*aud, "--s-mu", "0.003", "--target-m", "0"], 2),
             (["audit", "--n", "1e61", "--mu", "0", "--s-mu", "0.003", "--eps", "1e-9", "--eps-s", "1e-12"], 2),
             ([*aud, "--s-mu", "0.003", "--s-max", "0.5", "--bins", "10"], 2)]
    for f in ("fifo", "dir", "nonutf8.json", "nested.json", "bigint.json", "nan.json", "file", "missing"):
        rows.append((["audit", "--mu", "0", "--eps", "1e-9", "--eps-s", "1e-12", "--counts", str(w / f)], 2))
    rows.append((["audit", "--preset", "nope"], 2))
    # commit
    cm = ["commit", "--preset", "kulikov2024", "--out", str(w / "o.json")]
    rows += [([*cm, "--mu", "1e-99999999"], 2), ([*cm, "--n", "18446744073709551616"], 2),
             ([*cm, "--n", "1e30"], 2), ([*cm, "--eps-s", "abc"], 2), ([*cm, "--bins", "nan"], 2),
             (["commit", "--preset", "kulikov2024", "--out", str(w / "nodir" / "x.json")], 2),
             (["commit", "--preset", "kulikov2024", "--out", str(w / "dir")], 2),
             ([*cm, "--s-max", "0.02"], 2), ([*cm, "--variant", "other"], 2)]
    # run
    rows += [(["run", "--trials", t, "--seed-z", z, "--commit", str(w / f), "--out-k", str(w / "k"),
               "--out-cert", str(w / "c")], 2) for f in ("fifo", "dir", "nested.json", "commit_hugeexp.json")]
    rows += [(["run", "--trials", str(w / "dir"), "--seed-z", z, "--commit", c, "--out-k", str(w / "k"), "--out-cert",
               str(w / "c")], 2),
             (["run", *real, "--out-k", str(w / "k"), "--out-cert", t, "--force"], 2),
             (["run", *real, "--out-k", z, "--out-cert", str(w / "c"), "--force"], 2),
             (["run", *real, "--out-k", str(w / "k"), "--out-cert", str(w / "nodir" / "c")], 2),
             (["run", *real, "--out-k", str(w / "k"), "--out-cert", str(w / "c"), "--eps", "1e-3"], 2),
             (["run", "--workdir", str(w / "nodir" / "wd"), "--n", "1000"], 2),
             (["run", "--workdir", str(w / "wd"), "--n", "18446744073709551616"], 2),
             (["run", "--workdir", str(w / "wd"), "--n", "nan"], 2),
             (["run", "--workdir", str(w / "wd"), "--chsh", "3"], 2),
             (["run", "--workdir", str(w / "wd"), "--source-bias", "0.1"], 2)]
    # verify
    rows += [(["verify", str(w / f), "--trials", t, "--seed-z", z], 2)
             for f in ("cert_hugeexp.json", "cert_inputs_list.json", "cert_output_k5.json", "cert_output_empty.json",
                       "cert_v1.json", "fifo", "nested.json", "missing")]
    rows += [(["verify", cert, "--trials", "/dev/zero", "--seed-z", z], 2),
             (["verify", cert, "--trials", t, "--seed-z", str(w / "fifo")], 2),
             ([*ver, "--k", str(w / "fifo")], 2), ([*ver, "--precommit-sha256", "zz"], 2)]
    # simulate
    rows += [([*sim, "--chsh", v], 2) for v in ("nan", "abc", "1/0", "3")]
    rows += [(["simulate", "--n", v, "--mu", "0", "--seed", "1", "--out-trials", str(w / "o.t"), "--out-z",
               str(w / "o.z")], 2) for v in ("18446744073709551616", "1e30", "-5", "1.5")]
    rows += [([*sim, "--mu", "0.6"], 2), ([*sim, "--source-bias", "0.1"], 2), ([*sim, "--readout-error", "0.7"], 2),
             (["simulate", "--n", "10", "--mu", "0", "--seed", "1", "--out-trials", str(w / "nodir" / "t"),
               "--out-z", str(w / "o.z")], 2)]
    # extract
    rows += [([*ext, "--scheduler", "not a url"], 2), ([*ext, "--scheduler-timeout", "-1"], 2),
             ([*ext, "--scheduler-timeout", "nan"], 2), ([*ext, "--scheduler-timeout", "inf"], 2),
             ([*ext, "--workers", "0"], 2), ([*ext, "--m", "abc"], 2),
             (["extract", "--x", "/dev/zero", "--y", z, "--m", "10", "--out", str(w / "o.k")], 2),
             (["extract", "--x", str(w / "fifo"), "--y", z, "--m", "10", "--out", str(w / "o.k")], 2),
             (["extract", "--x", z, "--y", z, "--m", "10", "--out", str(w / "dir")], 2),
             (["extract", "--x", z, "--y", z, "--m", "10", "--out", z, "--force"], 2),
             (["extract", "--x-trials", str(w / "file"), "--y", z, "--m", "10", "--out", str(w / "o.k")], 2)]
    # stats
    rows += [(["stats", k, "--stream-bits", v], 2) for v in ("1", "7", "nan")]
    rows += [(["stats", str(w / "fifo")], 2), (["stats", k, "--bits", "0"], 2),
             (["stats", k, "--out", str(w / "nodir" / "r.md")], 2), (["stats", str(w / "dir")], 2)]
    # figures
    rows += [(["figures", "fig10", "--k", k, "--out", str(w / "figs"), "--width", "1000000000"], 2),
             (["figures", "fig11", "--k", k, "--out", str(w / "figs"), "--width", "100000", "--height", "100000"], 2),
             (["figures", "fig2", "--out", str(w / "figs"), "--eps", "nan"], 2),
             (["figures", "fig4", "--certificate", "/dev/zero", "--out", str(w / "figs")], 2),
             (["figures", "fig4", "--certificate", str(w / "cert_chsh_true.json"), "--out", str(w / "figs")], 2),
             (["figures", "fig10", "--k", str(w / "fifo"), "--out", str(w / "figs")], 2),
             (["figures", "fig2", "--out", str(w / "nodir" / "f")], 2)]
    # reproduce
    rows += [(["reproduce", "kulikov2024", "--out", "/proc/1/x"], 2), (["reproduce", "nope", "--out", str(w)], 2),
             (["reproduce", "kulikov2024", "--out", str(w / "file"), "--no-figures"], 2)]
    # vectors
    rows += [(["vectors", "verify", "--impl", ""], 2), (["vectors", "verify", "--dir", str(w / "nodir")], 2),
             (["vectors", "verify", "--timeout", "0"], 2), (["vectors", "verify", "--impl", "python 'x"], 2),
             (["vectors", "generate", "--out", str(w / "file")], 2)]
    # import
    rows += [(["import", "--npy", str(w / "missing.npy"), "--out", str(w / "o.t")], 2),
             (["import", "--csv", str(w / "fifo"), "--out", str(w / "o.t")], 2),
             (["import", "--bits", str(w / "dir"), "--out", str(w / "o.z")], 2),
             (["import", "--npy", str(w / "file"), "--nbits", "8", "--out", str(w / "o.t")], 2),
             (["import", "--bits", str(w / "file"), "--nbits", "100", "--out", str(w / "o.z")], 2),
             (["import", "--csv", str(w / "nonutf8.json"), "--out", str(w / "o.t")], 2)]
    return rows


def _snapshot(d: Path) -> dict[str, Any]:
    out = {}
    for p in sorted(d.rglob("*")):
        if p.is_fifo() or p.is_dir():
            out[str(p)] = "special"
        elif p.is_file():
            out[str(p)] = (p.read_bytes(), p.stat().st_mode)
    return out


def _call(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as e:  # argparse errors
        code = int(e.code or 0)
    return code, capsys.readouterr().err


def test_every_command_rejects_bad_input_cleanly(w: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """REQ-BAD-INPUT: exit code, exactly one line on stderr, no traceback, nothing new or changed."""
    rows = _rows(w)
    assert len(rows) > 120
    commands = {argv[0] for argv, _ in rows}
    assert commands == {"audit", "commit", "run", "verify", "simulate", "extract", "stats", "figures", "reproduce",
                        "vectors", "import"}
    before = _snapshot(w)
    problems = []
    for argv, want in rows:
        code, err = _call(argv, capsys)
        lines = [x for x in err.splitlines() if x.strip()]
        if code != want or len(lines) != 1 or "Traceback" in err:
            problems.append(f"{argv[:3]}...{argv[-3:]}: exit {code} (want {want}), stderr {err[:300]!r}")
    after = _snapshot(w)
    assert not problems, "\n".join(problems[:10])
    changed = sorted(set(before) ^ set(after)) + [p for p in before if p in after and before[p] != after[p]]
    assert not changed, changed[:10]
