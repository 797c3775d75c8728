"""REQ-VECTOR-FAIL-CLOSED: `diramp vectors verify --impl` never passes an implementation it could not check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from diramp.cli import main

ROOT = Path(__file__).resolve().parent.parent
VEC = ROOT / "spec" / "vectors"

IMPLS = {
    "skip_all": 'print(json.dumps({"tcId": r["tcId"], "skip": "not implemented"}), flush=True)',
    "error_all": 'print(json.dumps({"tcId": r["tcId"], "error": "no"}), flush=True)',
    "die_first": 'sys.exit(3)',
    "nan": 'sys.stdout.write(\'{"tcId": %d, "output": {"muMin": NaN}}\\n\' % r["tcId"]); sys.stdout.flush()',
    "bigint": 'sys.stdout.write(\'{"tcId": %d, "output": %s}\\n\' % (r["tcId"], "9" * 5000)); sys.stdout.flush()',
    "nested": 'sys.stdout.write("[" * 100000 + "\\n"); sys.stdout.flush()',
    "non_utf8": 'sys.stdout.buffer.write(b"\\xff\\xfe\\n"); sys.stdout.flush()',
    "hang": 'time.sleep(3600)',
    "huge_line": 'sys.stdout.write("x" * (17 << 20)); sys.stdout.flush(); time.sleep(3600)',
    "hugeexp": 'sys.stdout.write(\'{"tcId": %d, "output": {"muMin": {"rational": "1e-99999999"}}}\\n\' % r["tcId"]);'
               ' sys.stdout.flush()',
}


def _impl(tmp_path: Path, name: str) -> str:
    body = IMPLS[name]
    src = ("import json, sys, time\n"
           "for line in sys.stdin:\n"
           "    r = json.loads(line)\n"
           f"    {body}\n")
    p = tmp_path / f"{name}.py"
    p.write_text(src)
    return f"{sys.executable} {p}"


def _verify(impl: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["vectors", "verify", "--dir", str(VEC), "--impl", impl, "--json", "--component", "sv_bounds",
                 "--component", "mdl_statistics", *extra])
    out = capsys.readouterr().out
    return code, json.loads(out)


@pytest.mark.parametrize("name", ["skip_all", "error_all", "die_first", "nan", "bigint", "nested", "non_utf8",
                                  "hugeexp"])
def test_broken_implementations_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    """REQ-VECTOR-FAIL-CLOSED (red team F10, newcomer problem 8): none of these is OK; no traceback."""
    code, rep = _verify(_impl(tmp_path, name), capsys)
    assert code == 1 and rep["ok"] is False
    total_valid = sum(c["valid_passed"] for c in rep["components"])
    assert total_valid == 0
    if name in ("error_all", "die_first"):  # errors and exits are not rejections of the invalid tests
        assert all(c["passed"] == 0 for c in rep["components"])


def test_hanging_implementation_times_out_and_is_killed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """REQ-VECTOR-FAIL-CLOSED: a silent implementation is dead after --timeout; its process group is ended."""
    pidfile = tmp_path / "pid"
    src = ("import os, sys, time, subprocess\n"
           f"child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3600)'])\n"
           f"open({str(pidfile)!r}, 'w').write(str(child.pid))\n"
           "sys.stdin.readline()\n"
           "time.sleep(3600)\n")
    (tmp_path / "h.py").write_text(src)
    t0 = time.monotonic()
    code, rep = _verify(f"{sys.executable} {tmp_path / 'h.py'}", capsys, "--timeout", "1")
    assert code == 1 and rep["ok"] is False and time.monotonic() - t0 < 60
    reasons = [f["reason"] for c in rep["components"] for f in c["failures"]]
    assert any("no answer within 1 s" in r for r in reasons)
    child = int(pidfile.read_text())
    time.sleep(0.5)
    assert not Path(f"/proc/{child}").exists() or "zombie" in Path(f"/proc/{child}/status").read_text().lower() \
        or Path(f"/proc/{child}/status").read_text().split("State:")[1].strip().startswith("Z")


def test_huge_answer_line_is_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """REQ-VECTOR-FAIL-CLOSED (red team F10): an unbounded line is cut at 16 MiB, not read into memory forever."""
    code, rep = _verify(_impl(tmp_path, "huge_line"), capsys, "--timeout", "20")
    assert code == 1
    reasons = [f["reason"] for c in rep["components"] for f in c["failures"]]
    assert any("longer than" in r for r in reasons)


def test_partial_implementation_passes_only_what_it_answers(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """REQ-VECTOR-FAIL-CLOSED: the diramp wrapper answering one component is OK for that component."""
    impl = f"{sys.executable} {ROOT / 'tests' / 'vector_impl_diramp.py'}"
    code, rep = _verify(impl, capsys)
    assert code == 0 and rep["ok"] and all(c["valid_passed"] > 0 for c in rep["components"])


def test_verify_piped_into_head_has_no_traceback() -> None:
    """REQ-BAD-INPUT: vectors verify | head -1 ends without a BrokenPipe traceback."""
    impl = f"{sys.executable} {ROOT / 'tests' / 'vector_impl_diramp.py'}"
    proc = subprocess.run(f"{sys.executable} -m diramp vectors verify --dir {VEC} --impl '{impl}' | head -1",
                          shell=True, capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env={**os.environ})
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


def test_serve_answers_malformed_requests(tmp_path: Path) -> None:
    """REQ-VECTOR-FAIL-CLOSED (red team F10): vectors serve answers [] and "x" with errors, no traceback."""
    proc = subprocess.run([sys.executable, "-m", "diramp", "vectors", "serve"], input='[]\n"x"\n{not json\n',
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    answers = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(answers) == 3 and all("error" in a for a in answers)
