"""docs/ as a build with warnings as errors: examples run, links resolve, spec IDs exist, spec map current.

Every ```python block of each docs/*.md is run as one doctest session per file
(ELLIPSIS, NORMALIZE_WHITESPACE); every relative link must point to an existing
file; every spec ID mentioned must be defined in spec/; docs/spec-map.md must
equal what docs/gen_spec_map.py generates.  The classroom notebook (docs/classroom.ipynb)
is executed by tests/test_classroom.py; here its spec IDs are checked like a page's.
"""

from __future__ import annotations

import doctest
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
MD_FILES = sorted(DOCS.glob("*.md"))
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")


def _gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_spec_map", DOCS / "gen_spec_map.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_docs_exist() -> None:
    names = {p.name for p in MD_FILES}
    assert {"index.md", "tutorial.md", "auditors-guide.md", "spec-map.md", "stats.md"} <= names
    index = (DOCS / "index.md").read_text()
    for p in [*MD_FILES, *DOCS.glob("*.ipynb")]:
        if p.name != "index.md":
            assert f"({p.name})" in index, f"docs/index.md does not link {p.name}"


@pytest.mark.parametrize("path", MD_FILES, ids=lambda p: p.name)
def test_examples_run(path: Path) -> None:
    blocks = FENCE.findall(path.read_text())
    text = "\n".join(blocks)
    if ">>>" not in text:
        pytest.skip("no examples")
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {"__name__": f"docs.{path.stem}"}, path.name, str(path), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {path.name} failed"
    assert result.attempted > 0


@pytest.mark.parametrize("path", MD_FILES, ids=lambda p: p.name)
def test_relative_links_resolve(path: Path) -> None:
    for m in LINK.finditer(path.read_text()):
        target = m.group(1) or m.group(2)
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        file_part = target.split("#", 1)[0]
        assert (path.parent / file_part).exists(), f"{path.name}: broken link {target}"


@pytest.mark.parametrize("path", [*MD_FILES, DOCS / "classroom.ipynb"], ids=lambda p: p.name)
def test_spec_ids_mentioned_exist(path: Path) -> None:
    gen = _gen()
    ids = set(gen.spec_ids())
    text = path.read_text()
    mentioned = set(gen.ID_RE.findall(text))
    unknown = {i for i in mentioned if i not in ids and not any(s.startswith(i + "-") for s in ids)}
    assert not unknown, f"{path.name} mentions spec IDs not defined in spec/: {sorted(unknown)}"


def test_spec_map_is_current() -> None:
    gen = _gen()
    want = gen.render()
    have = (DOCS / "spec-map.md").read_text()
    assert have == want, "docs/spec-map.md is stale: run `python docs/gen_spec_map.py`"


def test_spec_map_covers_every_id() -> None:
    gen = _gen()
    text = (DOCS / "spec-map.md").read_text()
    for i in gen.spec_ids():
        assert f"| {i} |" in text, i
