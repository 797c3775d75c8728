"""Release files and the installed wheel (issue 13).

* LICENSE, CHANGELOG.md and CITATION.cff exist and agree with pyproject.toml
  and with the single version source, ``diramp.__version__``;
* ``python -m build --no-isolation`` (offline) builds the sdist and the wheel
  from a copy of the sources; the wheel carries the package data;
* the wheel installed with ``--no-deps`` into a fresh virtual environment (the
  dependencies come from this test environment's site-packages through a
  ``.pth`` line, so nothing is downloaded) is what gets imported, and its
  ``diramp --version``, ``diramp audit --preset kulikov2024 --json``, a small
  ``diramp run`` and the ``diramp verify`` command that run prints all work
  from a directory outside the repository.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

import diramp

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
VERSION = diramp.__version__


def test_single_version_source() -> None:
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "diramp.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?(?:\.dev\d+)?", VERSION), VERSION


def test_license_matches_pyproject() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"
    assert "LICENSE" in PYPROJECT["project"]["license-files"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert re.search(r"^Copyright \(c\) \d{4} The diramp developers$", text, re.M)
    assert "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND" in text


def test_changelog_has_unreleased_and_current_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in text
    versions = re.findall(r"^## \[(\d[^\]]*)\] - (\d{4}-\d{2}-\d{2})$", text, re.M)
    assert versions, "no dated version section"
    assert VERSION in [v for v, _ in versions], f"CHANGELOG.md has no section for {VERSION}"
    assert versions[-1][0] == "0.1.0", "the oldest section is the first release"


def test_citation_cff() -> None:
    import yaml
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "type", "version", "license", "preferred-citation"):
        assert key in cff, key
    assert cff["type"] == "software"
    assert str(cff["version"]) == VERSION, "CITATION.cff's version must follow diramp.__version__"
    assert cff["license"] == PYPROJECT["project"]["license"]
    paper = cff["preferred-citation"]
    assert paper["type"] == "article" and paper["year"] == 2024
    assert paper["title"] == "Device-Independent Randomness Amplification"
    assert paper["authors"][0] == {"family-names": "Kulikov", "given-names": "Anatoly"}
    assert len(paper["authors"]) == 9
    assert any(i["value"] == "arXiv:2412.17931" for i in paper["identifiers"])
    assert cff["references"][0]["title"] == paper["title"]


# --- build and install -----------------------------------------------------------------------

SOURCES = ("pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", "CITATION.cff", "reference")


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 300) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{shlex.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n" \
                                 f"{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist and wheel, built offline from a copy of the sources (as in a clean clone)."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        p = ROOT / name
        if p.is_dir():
            shutil.copytree(p, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(p, src / name)
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(src)], src)
    return out


def test_sdist_and_wheel_are_built(dist: Path) -> None:
    assert [p.name for p in dist.glob("*.tar.gz")] == [f"diramp-{VERSION}.tar.gz"]
    assert [p.name for p in dist.glob("*.whl")] == [f"diramp-{VERSION}-py3-none-any.whl"]
    with tarfile.open(dist / f"diramp-{VERSION}.tar.gz") as tar:
        names = set(tar.getnames())
    for f in ("pyproject.toml", "README.md", "LICENSE", "reference/diramp/__init__.py"):
        assert f"diramp-{VERSION}/{f}" in names, f


def test_wheel_carries_package_data(dist: Path) -> None:
    with zipfile.ZipFile(dist / f"diramp-{VERSION}-py3-none-any.whl") as z:
        names = set(z.namelist())
        meta = z.read(f"diramp-{VERSION}.dist-info/METADATA").decode()
        entry = z.read(f"diramp-{VERSION}.dist-info/entry_points.txt").decode()
    presets = sorted(p.name for p in (ROOT / "reference" / "diramp" / "presets").glob("*.json"))
    assert presets
    for name in presets:
        assert f"diramp/presets/{name}" in names, name
    assert "diramp/py.typed" in names
    assert f"diramp-{VERSION}.dist-info/licenses/LICENSE" in names
    modules = {p.relative_to(ROOT / "reference").as_posix() for p in (ROOT / "reference" / "diramp").rglob("*.py")}
    assert modules <= names, sorted(modules - names)
    assert f"Version: {VERSION}" in meta and "License-Expression: MIT" in meta
    assert re.search(r"^diramp = diramp\.cli:main$", entry, re.M)


@pytest.fixture(scope="module")
def venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed (--no-deps, --no-index)."""
    root = tmp_path_factory.mktemp("venv") / "v"
    _run([sys.executable, "-m", "venv", str(root)], root.parent)
    py = root / "bin" / "python"
    site = _run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], root).stdout.strip()
    # The dependencies (numpy, mpmath, ...) from this test environment; its .pth files (e.g. an editable
    # install of diramp) are not processed, because that directory is not a site directory of the venv.
    deps = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (Path(site) / "_diramp_test_deps.pth").write_text("".join(f"{d}\n" for d in deps))
    whl = dist / f"diramp-{VERSION}-py3-none-any.whl"
    _run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(whl)], root)
    return root


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def test_installed_wheel_is_what_gets_imported(venv: Path, tmp_path: Path) -> None:
    py = str(venv / "bin" / "python")
    proc = _run([py, "-c", "import diramp, json; print(json.dumps([diramp.__file__, diramp.__version__]))"],
                tmp_path, _env())
    file, version = json.loads(proc.stdout)
    assert Path(file).resolve().is_relative_to(venv.resolve()), f"imported {file}, not the wheel in {venv}"
    assert version == VERSION
    check = subprocess.run([py, "-m", "pip", "check"], cwd=tmp_path, env=_env(), capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_installed_cli_version_audit_run_verify(venv: Path, tmp_path: Path) -> None:
    exe = str(venv / "bin" / "diramp")
    env = _env()
    assert _run([exe, "--version"], tmp_path, env).stdout.split() == ["diramp", VERSION]

    audit = json.loads(_run([exe, "audit", "--preset", "kulikov2024", "--json"], tmp_path, env).stdout)
    assert audit["n"] == 1342177280 and audit["m_published"] == 20431465  # the paper's n and m (preset data)
    assert audit["m_derived"] > 0

    work = tmp_path / "w"
    run = _run([exe, "run", "--workdir", str(work), "--chsh", "2.8", "--seed", "3", "--n", "262144", "--mu", "0",
                "--eps", "1e-6", "--eps-s", "1e-8", "--bins", "100", "--s-max", "0.0125",
                "--block-trials", "65536", "--no-progress"], tmp_path, env)
    assert (work / "certificate.json").is_file() and (work / "k.dbits").stat().st_mode & 0o077 == 0
    verify = [ln.split(":", 1)[1].strip() for ln in (run.stdout + run.stderr).splitlines()
              if ln.startswith("verify:")]
    assert len(verify) == 1, run.stdout + run.stderr
    cmd = shlex.split(verify[0])
    assert cmd[:2] == ["diramp", "verify"], cmd
    _run([exe, *cmd[1:]], tmp_path, env)
