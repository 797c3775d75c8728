"""Packed bit files for Z and AB: a thin adapter over DEF-PACKED-FILE (spec/extractor.md).

The extractor package (``diramp.extractor``) owns the packed bit file format
DEF-PACKED-FILE.  Until its reader/writer lands, this adapter writes the
*payload* convention every variant shares: the bit string packed MSB-first
(bit k is bit ``7 - k % 8`` of byte ``k // 8``), padding bits zero, no header;
the bit count travels beside the file.  This module is the single place to
swap for the extractor's writer.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

import numpy as np
import numpy.typing as npt

from diramp.atomic import atomic_open
from diramp.errors import InputError

U8 = npt.NDArray[np.uint8]


def write_packed_bits(path: str | os.PathLike[str], chunks: Iterable[U8], nbits: int) -> None:
    """Write ``nbits`` bits given as packed MSB-first byte chunks, atomically.

    Every chunk except the last must hold a whole number of bytes of the
    string; the total must be exactly ``ceil(nbits / 8)`` bytes with zero padding.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "z.bin"
    >>> write_packed_bits(p, [np.packbits([1, 0, 1])], 3)
    >>> p.read_bytes()
    b'\\xa0'
    """
    want = (nbits + 7) // 8
    got = 0
    last = np.zeros(1, np.uint8)
    with atomic_open(path) as f:
        for c in chunks:
            arr = np.asarray(c, dtype=np.uint8)
            f.write(arr.tobytes())
            got += arr.size
            if arr.size:
                last = arr[-1:]
        if got != want:
            raise InputError("bits", f"expected {want} bytes for {nbits} bits", f"got {got}")
        if nbits % 8 and int(last[0]) & ((1 << (8 - nbits % 8)) - 1):
            raise InputError("bits", "padding bits must be zero", "", "mask the last byte")


def iter_packed_bits(
    path: str | os.PathLike[str], nbits: int, chunk_bytes: int = 2**20
) -> Iterator[U8]:
    """Yield a packed bit file's payload in chunks of ``chunk_bytes`` bytes, length-checked."""
    want = (nbits + 7) // 8
    size = os.path.getsize(path)
    if size != want:
        raise InputError(
            str(path),
            "has the wrong length for its bit count",
            f"{size} bytes, {nbits} bits need {want}",
            "re-generate it",
        )
    with open(path, "rb") as f:
        while data := f.read(chunk_bytes):
            yield np.frombuffer(data, dtype=np.uint8)
