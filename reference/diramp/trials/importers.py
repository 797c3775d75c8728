"""DEF-TRIAL-IMPORT (spec/data-formats.md): trial files from ``.npy`` and CSV.

Both imports reject any value other than 0/1, naming the offending row, and
write the trial file atomically (DEF-TRIAL-FILE).
"""

from __future__ import annotations

import csv
import os
from typing import Any

import numpy as np

from diramp.errors import InputError
from diramp.trials.format import PLANES, TrialHeader
from diramp.trials.io import CHUNK, TrialWriter

FIELDS = ("x", "y", "a", "b")


def _check_structured(arr: Any, source: str) -> None:
    names = arr.dtype.names
    if names is None or set(FIELDS) - set(names):
        raise InputError(
            source,
            "must be a 1-D structured array with fields x, y, a, b",
            f"fields {names}",
            "build it with np.zeros(n, dtype=[('x','u1'),('y','u1'),('a','u1'),('b','u1')])",
        )
    if arr.ndim != 1:
        raise InputError(source, "must be 1-D", f"shape {arr.shape}")
    for name in FIELDS:
        kind = arr.dtype[name].kind
        if kind not in "uib":
            raise InputError(
                source, f"field {name} must be an integer (uint8) field", f"dtype {arr.dtype[name]}"
            )


def _check_binary(name: str, v: Any, offset: int, source: str) -> None:
    bad = np.flatnonzero((v != 0) & (v != 1))
    if bad.size:
        i = int(bad[0])
        raise InputError(
            source,
            f"field {name} must be 0 or 1",
            f"trial {offset + i} has {name} = {v[i]}",
            "fix or drop that trial; inputs and outputs are single bits",
        )


def import_array(arr: Any, out_path: str | os.PathLike[str], source: str = "array") -> TrialHeader:
    """DEF-TRIAL-IMPORT: write a numpy structured array (fields x, y, a, b) as a trial file.

    >>> import tempfile, pathlib
    >>> t = np.zeros(5, dtype=[("x", "u1"), ("y", "u1"), ("a", "u1"), ("b", "u1")])
    >>> t["a"][2] = 1
    >>> import_array(t, pathlib.Path(tempfile.mkdtemp()) / "t.trials").n
    5
    """
    _check_structured(arr, source)
    n = int(arr.shape[0])
    with TrialWriter(out_path, n) as w:
        for s in range(0, n, CHUNK):
            part = arr[s : s + CHUNK]
            cols = [np.asarray(part[name]) for name in PLANES]
            for name, v in zip(PLANES, cols, strict=True):
                _check_binary(name, v, s, source)
            w.write(*(v.astype(np.uint8) for v in cols))
    assert w.header is not None
    return w.header


def import_npy(npy_path: str | os.PathLike[str], out_path: str | os.PathLike[str]) -> TrialHeader:
    """DEF-TRIAL-IMPORT: convert a ``.npy`` structured array (uint8 fields x, y, a, b).

    The array is memory-mapped, so the import streams in chunks.
    """
    try:
        arr = np.load(npy_path, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError as exc:
        raise InputError(str(npy_path), "does not exist", "", "check the path") from exc
    except ValueError as exc:
        raise InputError(str(npy_path), "is not a readable .npy file", str(exc)) from exc
    return import_array(arr, out_path, source=str(npy_path))


def import_csv(csv_path: str | os.PathLike[str], out_path: str | os.PathLike[str]) -> TrialHeader:
    """DEF-TRIAL-IMPORT: convert a small CSV with header ``x,y,a,b`` (columns in any order).

    Every cell must be exactly ``0`` or ``1`` (surrounding spaces allowed);
    the error names the line.  The whole CSV is held in memory: use ``.npy``
    for large data.
    """
    cols: dict[str, list[int]] = {k: [] for k in FIELDS}
    try:
        with open(csv_path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            head = next(reader, None)
            names = [h.strip() for h in head] if head else []
            if sorted(names) != sorted(FIELDS):
                raise InputError(
                    str(csv_path),
                    "must start with the header line x,y,a,b",
                    f"got {head}",
                    "add the header; extra or missing columns are not allowed",
                )
            for row in reader:
                line = reader.line_num
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) != 4:
                    raise InputError(str(csv_path), f"line {line} has {len(row)} cells, expected 4")
                for name, cell in zip(names, row, strict=True):
                    c = cell.strip()
                    if c not in ("0", "1"):
                        raise InputError(
                            str(csv_path),
                            f"line {line}: {name} must be 0 or 1",
                            f"got {cell!r}",
                            "fix or drop that trial",
                        )
                    cols[name].append(int(c))
    except FileNotFoundError as exc:
        raise InputError(str(csv_path), "does not exist", "", "check the path") from exc
    except UnicodeDecodeError as exc:
        raise InputError(str(csv_path), "is not UTF-8 text", str(exc)) from exc
    n = len(cols["x"])
    with TrialWriter(out_path, n) as w:
        w.write(*(np.array(cols[k], dtype=np.uint8) for k in PLANES))
    assert w.header is not None
    return w.header
