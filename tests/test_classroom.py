"""The classroom notebook (issue 13, item 3): docs/classroom.ipynb runs top to bottom, its answers are checked.

The notebook is committed with its outputs stripped and executed here once, in a
fresh kernel (nbclient), exactly as a teacher's *Run All* would.  Then: every
code cell ran without an error (the answer cells assert their answers), every
section draws its pictures inline, the toy run teaches Theorem 6's protocol-level
eps (M times the per-bin eps, THM-6-EPS), no output holds a digest, and the prose
holds no typed-in results (every number quoted in Markdown is an input, the
paper's printed value, or an answer its check cell asserts).  Companion tests
plant a wrong answer (the execution fails) and a typed-in number (the prose
check flags it).
"""

from __future__ import annotations

import copy
import re
import time
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "classroom.ipynb"

#: Numbers that the Markdown of the notebook may quote: inputs and the paper's printed values, each with why.
#: Everything else it states (a result) must be printed by a code cell, never typed in.
ALLOWED_IN_PROSE: dict[str, str] = {
    "0.75": "the paper's mu (%), an input",
    "2024": "the paper's year",
    "1.342e9": "the paper's n, an input",
    "2.271": "the paper's CHSH value, an input",
    "0.00296": "the paper's measured S_mu, an input",
    "0.5": "the toy run's mu (%), an input",
    "2.8": "the toy device's CHSH value, an input",
    "2.5": "Exercise 2's CHSH value, an input",
    "0.0125": "the Theorem 6 grid's S_max, an input",
    "1e-6": "the toy run's eps, an input (and Exercise 5's protocol eps)",
    "1e-8": "the toy run's eps_s, an input",
    "1e-9": "Exercise 5's answer, asserted by its check cell",
    "1e-11": "Exercise 5's eps_s, an input of its check cell",
}
#: A number in prose: a decimal, an exponent form or a thousands-grouped integer (small integers are labels:
#: section, theorem and equation numbers, bit counts of the toy examples; strings of 0s and 1s are bit
#: strings: the events abxy of eq. 4, the inputs of Exercise 4, and M = 1000, an input).
NUMBER = re.compile(r"(?<![\w.^])(?:\d+\.\d+(?:e-?\d+)?|\d+e-?\d+|\d{1,3}(?:,\d{3})+|\d{4,})(?![\w^])")


def _strip_code(text: str) -> str:
    text = re.sub(r"^```.*?^```", " ", text, flags=re.S | re.M)
    text = re.sub(r"`[^`]*`", " ", text)
    return re.sub(r"\]\([^)]*\)", " ", text)  # link targets


def typed_in_numbers(nb: Any) -> list[str]:
    """Numbers in the notebook's Markdown that are not in ALLOWED_IN_PROSE (each a 'cell N: number' line)."""
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for m in NUMBER.finditer(_strip_code(cell.source)):
            if m.group(0) not in ALLOWED_IN_PROSE and not set(m.group(0)) <= {"0", "1"}:
                out.append(f"cell {i}: {m.group(0)!r}")
    return out


def execute(nb: Any, cwd: Path) -> float:
    """Run every cell in a fresh python3 kernel (raises nbclient's CellExecutionError on the first failure)."""
    t = time.perf_counter()
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(cwd)}},
                            allow_errors=False).execute()
    return time.perf_counter() - t


@pytest.fixture(scope="module")
def committed() -> Any:
    return nbformat.read(NOTEBOOK, as_version=4)


@pytest.fixture(scope="module")
def executed(committed: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    nb = copy.deepcopy(committed)
    seconds = execute(nb, tmp_path_factory.mktemp("classroom"))
    print(f"docs/classroom.ipynb executed in {seconds:.1f} s")
    return nb


def _outputs(nb: Any, kind: str | None = None) -> list[Any]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if kind is None or o.output_type == kind]


def _text(nb: Any) -> str:
    return "\n".join(o.get("text", "") for o in _outputs(nb, "stream"))


def test_committed_notebook_is_valid_and_has_no_outputs(committed: Any) -> None:
    nbformat.validate(committed)
    code = [c for c in committed.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code), \
        "commit the notebook with its outputs stripped"
    assert committed.metadata["kernelspec"]["name"] == "python3"


def test_notebook_runs_top_to_bottom(executed: Any) -> None:
    assert not _outputs(executed, "error")
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    stderr = [o.text for o in _outputs(executed, "stream") if o.name == "stderr"]
    assert not stderr, stderr  # no warnings either


def test_every_section_draws_pictures_inline(executed: Any) -> None:
    sections: dict[str, int] = {}
    current = ""
    for c in executed.cells:
        if c.cell_type == "markdown" and c.source.startswith("## "):
            current = c.source.splitlines()[0]
            sections[current] = 0
        elif c.cell_type == "code" and current:
            sections[current] += sum("image/png" in o.get("data", {}) for o in c.outputs)
    wanted = ("Santha-Vazirani", "MDL inequality", "eta against n and CHSH", "extractor on a toy example",
              "Theorem 6", "Fig. 2", "sheep")
    for w in wanted:
        hits = [s for s in sections if w in s]
        assert len(hits) == 1, (w, list(sections))
        assert sections[hits[0]] >= 1, f"{hits[0]}: no picture"
    assert sum(sections.values()) >= 10


def test_exercises_have_worked_answers_that_are_checked(committed: Any) -> None:
    cells = committed.cells
    answers = [i for i, c in enumerate(cells) if "answer" in c.metadata.get("tags", [])]
    assert len(answers) >= 6
    for i in answers:
        assert cells[i].cell_type == "code" and "assert" in cells[i].source, i
        assert cells[i - 1].cell_type == "markdown" and cells[i - 1].source.startswith("<details><summary>Answer"), i
        assert cells[i - 2].cell_type == "markdown" and cells[i - 2].source.startswith("**Exercise"), i


def test_theorem6_is_taught_at_the_protocol_level(executed: Any) -> None:
    """THM-6-EPS: the toy run's K is M eps secure, M = 1000 bins of eps = 1e-6 each, i.e. 1e-3 (hand derivation)."""
    text = _text(executed)
    assert "per-bin eps = 1e-06; protocol eps = M x worst bin = 0.001" in text
    assert re.search(r"certified m = [\d,]+ bits", text)


def test_no_digest_and_only_a_toy_k(executed: Any) -> None:
    text = _text(executed)
    assert not re.search(r"sha256|\b(?=[0-9a-f]*[a-f])[0-9a-f]{32,}\b", text)  # bit strings are fine, hex is not
    md = "\n".join(c.source for c in executed.cells if c.cell_type == "markdown")
    assert "toy K" in md and "a real K is a secret and never shown" in md


def test_prose_numbers_are_computed_not_typed(committed: Any) -> None:
    assert typed_in_numbers(committed) == []
    prose = "\n".join(_strip_code(c.source) for c in committed.cells if c.cell_type == "markdown")
    found = {m.group(0) for m in NUMBER.finditer(prose)}
    stale = [k for k in ALLOWED_IN_PROSE if k not in found]
    assert not stale, f"ALLOWED_IN_PROSE entries that match nothing: {stale}"


# --- planted errors ----------------------------------------------------------------------------

def test_planted_typed_in_result_is_caught(committed: Any) -> None:
    nb = copy.deepcopy(committed)
    i = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and "## 3." in c.source)
    nb.cells[i].source += "\n\nAt the paper's n, eta is 0.1347 bits per trial and m = 20,389,435."
    assert typed_in_numbers(nb) == [f"cell {i}: '0.1347'", f"cell {i}: '20,389,435'"]


def test_planted_wrong_answer_fails_the_execution(committed: Any, tmp_path: Path) -> None:
    """An answer cell with a wrong answer stops the run: the checks can fail."""
    check = next(c for c in committed.cells if "answer" in c.metadata.get("tags", []) and "Ext(1101" in c.source)
    planted = check.source.replace("== [0, 0]", "== [0, 1]")
    assert planted != check.source
    nb = nbformat.v4.new_notebook(metadata=committed.metadata)
    nb.cells = [copy.deepcopy(committed.cells[1]), nbformat.v4.new_code_cell(planted)]
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="AssertionError"):
        execute(nb, tmp_path)
