"""The landing contract: README's commands, .ci/run, lint and types, spec IDs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```\n(.*?)```", quick, flags=re.S)]


def test_readme_has_exactly_two_quickstart_commands_and_ci_runs_the_test_one() -> None:
    cmds = _readme_commands()
    assert len(cmds) == 2, cmds
    ci = (ROOT / ".ci" / "run").read_text()
    assert cmds[1] in ci, "the README's test command must be what .ci/run runs"
    assert "pytest" in cmds[1]


@pytest.mark.skipif(shutil.which("ruff") is None and not Path(sys.executable).with_name("ruff").exists(),
                    reason="ruff not installed (it is in the [test] extra)")
def test_ruff_clean() -> None:
    exe = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    proc = subprocess.run([exe, "check", "reference", "tests", "proofs_check", "benchmarks"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_clean() -> None:
    pytest.importorskip("mypy")
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


ID_RE = re.compile(r"\b(?:DEF|THM|LEM|EQ|CONV|REQ)-[A-Z0-9]+(?:[.-][A-Z0-9]+)*\b")


def spec_ids() -> set[str]:
    """IDs defined in spec/: headings of the form '### ID'."""
    ids = set()
    for f in (ROOT / "spec").rglob("*.md"):
        for line in f.read_text().splitlines():
            m = re.match(r"^#{2,4}\s+((?:DEF|THM|LEM|EQ|CONV|REQ)-[A-Z0-9.-]+)", line)
            if m:
                ids.add(m.group(1).rstrip(".-"))
    return ids


def _cited(paths: list[Path]) -> set[str]:
    found: set[str] = set()
    for p in paths:
        for f in p.rglob("*"):
            if f.suffix in {".py", ".json"} and f.is_file():
                found |= set(ID_RE.findall(f.read_text(errors="replace")))
    return found


def test_every_spec_id_is_implemented_and_tested() -> None:
    ids = spec_ids()
    assert len(ids) >= 30, sorted(ids)
    impl = _cited([ROOT / "reference", ROOT / "proofs_check"])
    tests = _cited([ROOT / "tests"]) - {i for i in ID_RE.findall(Path(__file__).read_text())}
    no_impl = sorted(ids - impl)
    no_test = sorted(ids - tests)
    assert not no_impl, f"spec IDs with no implementation citing them: {no_impl}"
    assert not no_test, f"spec IDs with no test citing them: {no_test}"


def test_cited_ids_exist_in_spec() -> None:
    """Code must not cite IDs the spec does not define (typos, stale IDs)."""
    ids = spec_ids()
    cited = _cited([ROOT / "reference", ROOT / "proofs_check", ROOT / "tests"])
    unknown = sorted(c for c in cited - ids if not any(i.startswith(c + "-") for i in ids))
    assert not unknown, f"cited but not defined in spec/: {unknown}"


CORE_ONLY = """
import sys
OPTIONAL = {"matplotlib", "dask", "distributed", "jsonschema", "hypothesis", "cryptomite", "psutil", "pytest"}

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in OPTIONAL:
            raise ModuleNotFoundError(f"blocked optional module {name}")
        return None

sys.meta_path.insert(0, Block())
from diramp.cli import main
assert main(["--help"]) == 0
"""


def test_main_job_needs_no_optional_extra(tmp_path: Path) -> None:
    """README's first command installs only the core dependencies: every subcommand's parser, the
    audit and a small protocol run must work with the optional extras (plots, dask, test) absent."""
    code = CORE_ONLY.replace(
        'assert main(["--help"]) == 0',
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit as e:\n"
        "        assert e.code == 0\n"
        "    assert main(['audit', '--preset', 'kulikov2024', '--json']) == 0\n"
        f"    assert main(['run', '--workdir', {str(tmp_path / 'w')!r}, '--chsh', '2.8', '--seed', '3', "
        "'--n', '262144', '--mu', '0', '--eps', '1e-6', '--eps-s', '1e-8', '--bins', '100', "
        "'--s-max', '0.0125', '--block-trials', '65536', '--no-progress']) == 0\n"
        # newcomer problem 4: reproduce works on the base install; the figures are skipped, naming the extra
        f"    assert main(['reproduce', 'kulikov2024', '--out', {str(tmp_path / 'rep')!r}]) == 0\n",
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == ["report.json", "report.md"]
    assert "pip install 'diramp[plots]'" in (tmp_path / "rep" / "report.md").read_text()
    assert "plots" in proc.stderr
