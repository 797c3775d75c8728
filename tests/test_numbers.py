"""Numbers in the prose agree with their data (issue 13), checked by docs/prose_numbers.py.

The data are the measurements (benchmarks/results/*.json), the preset's
published values and the reproduction report; the prose spans must hold what
the data give, and every number with a unit in the checked pages must be in a
span or declared not to be data. Companion tests plant an error in a copy of a
page (a changed number, a dropped marker, an edited table cell, an unreadable
data path) and check that each is caught.
"""

from __future__ import annotations

import doctest
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pn() -> ModuleType:
    spec = importlib.util.spec_from_file_location("prose_numbers", ROOT / "docs" / "prose_numbers.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_marked_number_agrees_and_every_number_is_marked(pn: ModuleType) -> None:
    problems = pn.check()
    assert not problems, "\n".join(problems) + "\nfix the data or run `python docs/prose_numbers.py`"


def test_the_pages_carry_spans(pn: ModuleType) -> None:
    counts = {p: len(pn.NUM.findall((ROOT / p).read_text())) for p in pn.PAGES}
    assert all(counts.values()), counts
    assert counts["docs/extractor.md"] >= 10 and counts["docs/distributed.md"] >= 10, counts
    tables = {t[1] for p in pn.PAGES for t in pn.TABLE.findall((ROOT / p).read_text())}
    assert tables == set(pn.TABLES)  # every generated table is on a page, and every table on a page is generated


def test_formatting_examples(pn: ModuleType) -> None:
    result = doctest.testmod(pn, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_stale_extractor_numbers_are_gone(pn: ModuleType) -> None:
    """The prose of docs/extractor.md quoted 767 s and an unfinished lean run beside a table of 519 s, 2,323 s.

    Now the paper-scale wall times of the current kernel (default and lean) are spans of the
    benchmark data, and each span's text is what the data gives.
    """
    text = (ROOT / "docs" / "extractor.md").read_text()
    prose = text.split("<!-- bench:start -->")[0]
    assert "767 s" not in prose and "not run to completion" not in prose
    for key in ("paper_scale~1default-v3", "paper_scale~1lean-v3"):
        pattern = r"<!-- num: ([^>]*/results/" + re.escape(key) + r"/seconds fmt=\S+) -->([^<]+)<!-- /num --> s wall"
        m = re.search(pattern, prose)
        assert m, f"no span for the {key} wall time"
        assert m.group(2) == pn.value_of(m.group(1)), (m.group(2), pn.value_of(m.group(1)))


def test_command_line_check(pn: ModuleType) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "docs" / "prose_numbers.py"), "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


# --- planted errors ----------------------------------------------------------------------------

def _page(name: str) -> str:
    return (ROOT / name).read_text()


def test_planted_wrong_number_is_caught(pn: ModuleType) -> None:
    text = _page("docs/extractor.md")
    span = re.search(r"(<!-- num: [^>]*paper_scale~1default-v3/seconds fmt=\.0f -->)(\d+)(<!-- /num -->)", text)
    assert span, "the paper-scale wall time span is missing"
    wrong = str(int(span.group(2)) + 1)
    planted = text.replace(span.group(0), span.group(1) + wrong + span.group(3))
    problems = pn.disagreements(planted, "docs/extractor.md")
    assert len(problems) == 1 and repr(wrong) in problems[0] and repr(span.group(2)) in problems[0], problems


def test_planted_unmarked_number_is_caught(pn: ModuleType) -> None:
    text = _page("docs/extractor.md")
    span = re.search(r"<!-- num: [^>]*paper_scale~1default-v3/seconds fmt=\.0f -->(\d+)<!-- /num -->", text)
    assert span
    planted = text.replace(span.group(0), span.group(1))  # the number stays, its marker is gone
    assert pn.unmarked(text, "docs/extractor.md") == []
    problems = pn.unmarked(planted, "docs/extractor.md")
    assert len(problems) == 1 and f"'{span.group(1)} s'" in problems[0], problems


def test_planted_table_cell_is_caught(pn: ModuleType) -> None:
    text = _page("docs/distributed.md")
    planted = text.replace("| 12.97 |", "| 11.97 |", 1)
    assert planted != text
    problems = pn.disagreements(planted, "docs/distributed.md")
    assert len(problems) == 1 and "distributed.runs" in problems[0], problems


def test_unreadable_data_fails_closed(pn: ModuleType) -> None:
    for spec in ("benchmarks/results/extractor.json#/results/no-such-run/seconds fmt=.0f",
                 "benchmarks/results/nothing.json#/x", "derived:no.such.quantity", "README.md#/x",
                 "reproduce:kulikov2024#/rows/key=no-such-row/ours"):
        text = f"x <!-- num: {spec} -->1<!-- /num --> s"
        problems = pn.disagreements(text, "planted.md")
        assert len(problems) == 1, (spec, problems)
