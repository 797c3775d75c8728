"""DEF-TRIAL-IMPORT: trial files from .npy structured arrays and CSV."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from diramp.errors import InputError
from diramp.trials import import_array, import_csv, import_npy, read_trials

DT = [("x", "u1"), ("y", "u1"), ("a", "u1"), ("b", "u1")]


def table(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.zeros(n, dtype=DT)
    for f in "xyab":
        t[f] = rng.integers(0, 2, n)
    return t


@pytest.mark.parametrize("n", [0, 1, 9, 1000])
def test_npy_round_trip(tmp_path: Path, n: int) -> None:
    t = table(n)
    np.save(tmp_path / "t.npy", t)
    h = import_npy(tmp_path / "t.npy", tmp_path / "t.trials")
    assert h.n == n
    r = read_trials(tmp_path / "t.trials")
    for f in "xyab":
        assert getattr(r, f).tolist() == t[f].tolist()


def test_npy_rejects(tmp_path: Path) -> None:
    t = table(10)
    t["b"][7] = 2
    with pytest.raises(InputError, match=r"field b must be 0 or 1.*trial 7 has b = 2"):
        import_array(t, tmp_path / "o")
    assert not (tmp_path / "o").exists()
    with pytest.raises(InputError, match="fields x, y, a, b"):
        import_array(np.zeros(3, dtype=[("x", "u1"), ("y", "u1")]), tmp_path / "o")
    with pytest.raises(InputError, match="integer"):
        import_array(np.zeros(3, dtype=[(f, "f8") for f in "xyab"]), tmp_path / "o")
    np.save(tmp_path / "plain.npy", np.zeros(4, np.uint8))
    with pytest.raises(InputError, match="structured"):
        import_npy(tmp_path / "plain.npy", tmp_path / "o")
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    with pytest.raises(InputError, match=r"\.npy"):
        import_npy(tmp_path / "junk.npy", tmp_path / "o")


def test_csv_round_trip(tmp_path: Path) -> None:
    t = table(50, 3)
    lines = ["b, a,y,x"] + [f"{r['b']},{r['a']}, {r['y']},{r['x']}" for r in t] + [""]
    (tmp_path / "t.csv").write_text("\n".join(lines))
    assert import_csv(tmp_path / "t.csv", tmp_path / "t.trials").n == 50
    r = read_trials(tmp_path / "t.trials")
    for f in "xyab":
        assert getattr(r, f).tolist() == t[f].tolist()


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("x,y,a\n0,0,0\n", "header line x,y,a,b"),
        ("x,y,a,b\n0,0,0,1\n0,1,2,0\n", "line 3: a must be 0 or 1"),
        ("x,y,a,b\n0,0,0,0.5\n", "line 2: b must be 0 or 1"),
        ("x,y,a,b\n0,0,,1\n", "line 2: a must be 0 or 1"),
        ("x,y,a,b\n0,0,1\n", "line 2 has 3 cells"),
        ("", "header line"),
    ],
)
def test_csv_rejects(tmp_path: Path, text: str, match: str) -> None:
    (tmp_path / "t.csv").write_text(text)
    with pytest.raises(InputError, match=match):
        import_csv(tmp_path / "t.csv", tmp_path / "o")
    assert not (tmp_path / "o").exists()
