"""The docs site (issue 13): README's Sphinx command builds it offline with warnings as errors.

One build of the whole site (module fixture) into a temporary directory, with
exactly the arguments README.md names; then what the site must contain: every
guide and spec page, an API page per public module with its functions, spec IDs
linked to their definition anchors. Companion tests build a tiny site with the
same configuration and a planted error (an unknown spec ID, a broken link) and
check that the build fails naming it.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("myst_parser")

ROOT = Path(__file__).resolve().parents[1]

#: Public modules of the API reference (issue 13) and, for some, one object the page must document.
API: dict[str, str | None] = {
    "sv": "diramp.sv.check_mu",
    "bell": "diramp.bell.s_mu",
    "entropy": "diramp.entropy.eta",
    "composition": None,
    "length": "diramp.length.theorem5",
    "inverse": "diramp.inverse.min_n",
    "extractor": "diramp.extractor.extract",
    "protocol": None,
    "certificate": "diramp.certificate.verify",
    "vectors": "diramp.vectors.generate.generate",
}


def readme_command() -> list[str]:
    """The docs build command README.md names: the arguments after ``python -m sphinx``."""
    text = (ROOT / "README.md").read_text()
    lines = [ln for ln in text.splitlines() if "python -m sphinx" in ln]
    assert len(lines) == 1, f"README.md must name one docs build command, found {lines}"
    cmd = shlex.split(lines[0].split("&&")[-1])
    assert cmd[:3] == ["python", "-m", "sphinx"], cmd
    return cmd[3:]


def sphinx(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sphinx", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    args = readme_command()
    assert "-W" in args and "--keep-going" in args, "the docs build must treat warnings as errors"
    out = tmp_path_factory.mktemp("site")
    args = [*args[:-1], str(out / "html"), "-d", str(out / "doctrees"), "-q", "-E"]
    proc = sphinx(args, ROOT)
    assert proc.returncode == 0, f"docs build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    assert "WARNING" not in proc.stderr and "ERROR" not in proc.stderr, proc.stderr[-6000:]
    return out / "html"


def test_every_page_is_built(site: Path) -> None:
    want = [f"docs/{p.stem}.html" for p in (ROOT / "docs").glob("*.md")]
    want += [f"docs/{p.stem}.html" for p in (ROOT / "docs").glob("*.ipynb")]  # the classroom notebook
    want += [p.relative_to(ROOT).with_suffix(".html").as_posix() for p in (ROOT / "spec").rglob("*.md")]
    want += ["README.html", "CHANGELOG.html", "index.html", "docs/api/index.html"]
    missing = [w for w in want if not (site / w).is_file()]
    assert not missing, missing


@pytest.mark.parametrize("module", sorted(API))
def test_api_reference_documents_public_module(site: Path, module: str) -> None:
    html = (site / "docs" / "api" / f"{module}.html").read_text()
    assert f'id="module-diramp.{module}"' in html
    obj = API[module]
    assert obj is None or f'id="{obj}"' in html, f"{obj} not documented"
    assert len(re.findall(r'<dt class="sig sig-object py" id="diramp\.', html)) >= 3


def test_spec_ids_link_to_their_definition(site: Path) -> None:
    # a docstring's mention (diramp.length cites the derived Theorem 5) links to the heading anchor on the spec page
    length = (site / "docs" / "api" / "length.html").read_text()
    assert 'href="../../spec/security-chain.html#thm-5-derived"' in length
    spec = (site / "spec" / "security-chain.html").read_text()
    assert 'id="thm-5-derived"' in spec
    # a guide's mention, and the spec map's implementing functions link into the API reference
    extractor = (site / "docs" / "extractor.html").read_text()
    assert 'href="../spec/extractor.html#lem-ext-blocked"' in extractor
    specmap = (site / "docs" / "spec-map.html").read_text()
    assert 'href="api/length.html#diramp.length.theorem5"' in specmap


def test_site_needs_no_network(site: Path) -> None:
    conf = (ROOT / "docs" / "conf.py").read_text()
    assert "sphinx.ext.intersphinx" not in conf
    for page in ("tutorial", "classroom"):
        html = (site / "docs" / f"{page}.html").read_text()
        assert not re.search(r'<script[^>]+src="https?://', html), f"{page}: pages must not load remote scripts"


def test_classroom_notebook_is_a_page(site: Path) -> None:
    """The notebook is rendered as committed (not executed): its text, code, spec links and hidden answers."""
    html = (site / "docs" / "classroom.html").read_text()
    assert "Classroom: device-independent randomness amplification" in html
    assert 'href="../spec/security-chain.html#thm-6-eps"' in html
    assert html.count("<details") >= 6 and "hide-input" in html
    index = (site / "docs" / "index.html").read_text()
    assert 'href="classroom.html"' in index


# --- planted errors: the same configuration on a two-page site ----------------------------------
# (IDs spelled in two parts, so that the repository's citation checks do not see them as citations)
PLANT, NOPE = "DEF" + "-PLANT", "DEF" + "-NOPE"

def _tiny(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    src = tmp_path / "src"
    (src / "docs").mkdir(parents=True)
    (src / "spec").mkdir()
    (src / "spec" / "plant.md").write_text(f"# Planted spec\n\n### {PLANT}\n\nA definition.\n")
    (src / "docs" / "index.md").write_text(
        f"# Tiny\n\n{body}\n\n```{{toctree}}\n:hidden:\n\n/spec/plant\n/README\n```\n")
    (src / "README.md").write_text("# readme\n")
    args = readme_command()
    args = [a if a != "docs" else str(ROOT / "docs") for a in args[:-1]]
    return sphinx([*args, str(tmp_path / "html"), "-q"], src)


def test_tiny_site_builds_and_links(tmp_path: Path) -> None:
    proc = _tiny(tmp_path, f"See {PLANT} and `{PLANT}`.")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "html" / "docs" / "index.html").read_text()
    assert html.count('href="../spec/plant.html#def-plant"') == 2


def test_planted_unknown_spec_id_fails_the_build(tmp_path: Path) -> None:
    proc = _tiny(tmp_path, f"See {PLANT} and {NOPE}.")
    assert proc.returncode != 0
    assert f"unknown spec ID {NOPE}" in proc.stderr


def test_planted_broken_link_fails_the_build(tmp_path: Path) -> None:
    proc = _tiny(tmp_path, "See [the missing page](missing.md).")
    assert proc.returncode != 0
    assert "missing.md" in proc.stderr
