"""DEF-TRIAL-IMPORT, DEF-BITS-IMPORT (spec/data-formats.md): trial files from ``.npy`` and CSV, packed Z from raw bits.

The trial imports reject any value other than 0/1, naming the offending row, and
write the trial file atomically and owner-only (DEF-TRIAL-FILE: it holds A and
B).  :func:`import_bits` turns a raw bit string (packed bytes, or ASCII 0/1
characters) into a DEF-PACKED-FILE, e.g. the seed Z of a run.
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
    from diramp.inputs import check_input

    check_input(npy_path, ".npy file")
    try:
        arr = np.load(npy_path, mmap_mode="r", allow_pickle=False)
    except (ValueError, EOFError) as exc:
        raise InputError(str(npy_path), "is not a readable .npy file", str(exc)[:120],
                         "save it with numpy.save (a structured array, no pickle)") from exc
    return import_array(arr, out_path, source=str(npy_path))


def import_csv(csv_path: str | os.PathLike[str], out_path: str | os.PathLike[str]) -> TrialHeader:
    """DEF-TRIAL-IMPORT: convert a small CSV with header ``x,y,a,b`` (columns in any order).

    Every cell must be exactly ``0`` or ``1`` (surrounding spaces allowed);
    the error names the line.  The whole CSV is held in memory: use ``.npy``
    for large data.
    """
    import io

    from diramp.inputs import opened

    cols: dict[str, list[int]] = {k: [] for k in FIELDS}
    try:
        with opened(csv_path, "CSV file") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as f:
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
    except UnicodeDecodeError as exc:
        raise InputError(str(csv_path), "is not UTF-8 text", f"byte {exc.start}") from exc
    except csv.Error as exc:
        raise InputError(str(csv_path), "is not a valid CSV file", str(exc)[:120]) from exc
    n = len(cols["x"])
    with TrialWriter(out_path, n) as w:
        w.write(*(np.array(cols[k], dtype=np.uint8) for k in PLANES))
    assert w.header is not None
    return w.header


#: Formats of :func:`import_bits`.
BIT_FORMATS = ("packed", "ascii")


def import_bits(raw_path: str | os.PathLike[str], out_path: str | os.PathLike[str], nbits: int | None = None,
                fmt: str = "packed", chunk_bytes: int = 1 << 22) -> int:
    """DEF-BITS-IMPORT: a raw bit string as a DEF-PACKED-FILE (mode 0600); returns the bit length.

    ``fmt="packed"``: bytes holding the bits MSB-first (CONV-BITORDER); the bit
    length is 8 x the size, or ``nbits`` (then the file must hold exactly
    ceil(nbits/8) bytes and the unused low bits of the last byte must be 0).
    ``fmt="ascii"``: characters ``0`` and ``1``; whitespace is ignored, anything
    else is an error naming its offset; ``nbits``, if given, must equal the count.
    Streamed: memory does not grow with the file.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "z.txt").write_text("1011 0\\n")
    >>> import_bits(d / "z.txt", d / "z.dbits", fmt="ascii")
    5
    """
    from diramp.inputs import opened
    from diramp.trials.bits import write_packed_bits

    if fmt not in BIT_FORMATS:
        raise InputError("--bits-format", f"must be one of {', '.join(BIT_FORMATS)}", f"got {fmt!r}")
    if nbits is not None and (isinstance(nbits, bool) or not isinstance(nbits, int) or nbits < 0):
        raise InputError("--nbits", "must be a non-negative integer", f"got {nbits!r}")
    with opened(raw_path, "bit file") as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            raise InputError(str(raw_path), "is empty: it holds no bits", "", "pass the file that holds the bits")
        if fmt == "packed":
            total = 8 * size if nbits is None else nbits
            if (total + 7) // 8 != size:
                raise InputError(str(raw_path), "holds a different number of bytes than the bit length needs",
                                 f"{size} bytes, {total} bits need {(total + 7) // 8}",
                                 "give the right --nbits (or none: 8 bits per byte)")

            def chunks() -> Any:
                while data := f.read(chunk_bytes):
                    yield np.frombuffer(data, np.uint8)

            write_packed_bits(out_path, chunks(), total, mode=0o600)
            return total
        from diramp.extractor.packed import PackedBitWriter

        count = 0
        offset = 0
        table = np.full(256, 255, np.uint8)
        table[ord("0")], table[ord("1")] = 0, 1
        for ws in b" \t\r\n":
            table[ws] = 254
        with PackedBitWriter(out_path, mode=0o600) as w:
            while data := f.read(chunk_bytes):
                arr = table[np.frombuffer(data, np.uint8)]
                bad = np.flatnonzero(arr == 255)
                if bad.size:
                    i = int(bad[0])
                    raise InputError(str(raw_path), f"byte {offset + i} is not 0, 1 or whitespace",
                                     f"got {data[i:i + 1]!r}", "an ASCII bit file holds only 0 and 1")
                b = arr[arr < 2]
                w.write_bits(b)
                count += int(b.size)
                offset += len(data)
            if nbits is not None and nbits != count:
                raise InputError(str(raw_path), "holds a different number of bits than --nbits",
                                 f"{count} bits, --nbits {nbits}", "drop --nbits or fix the file")
        return count
