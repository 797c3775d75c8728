"""Input for ``diramp stats``: a packed bit file, read one stream at a time.

Two layouts are accepted (CONV-BITORDER: MSB-first within each byte):

* diramp's headered packed bit file (DEF-PACKED-FILE, magic ``DIRAMPBF``), read
  through :class:`diramp.extractor.packed.PackedBitReader`; its SHA-256 is
  verified before any test runs and its bit length is taken from the header;
* a raw packed ``.bin`` file: 8 x (file size) bits, or the first ``nbits`` when
  given (to drop trailing pad bits).

Every problem with the file is an :class:`~diramp.errors.InputError` (exit 2).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from diramp.errors import InputError

MAGIC = b"DIRAMPBF"


@dataclass
class BitSource:
    """Random access to the bits of an input file, never loading more than asked."""

    path: Path
    nbits: int
    layout: str  # "diramp packed (DEF-PACKED-FILE)" or "raw packed .bin"
    sha256: str = ""

    def read(self, start: int, stop: int) -> NDArray[np.uint8]:
        """Bits start..stop-1 as a uint8 0/1 array (MSB-first unpacking)."""
        stop = min(stop, self.nbits)
        if stop <= start:
            return np.zeros(0, dtype=np.uint8)
        offset = 64 if self.layout.startswith("diramp") else 0
        b0, b1 = start // 8, (stop + 7) // 8
        from diramp.inputs import opened

        with opened(self.path, "bit file") as f:
            f.seek(offset + b0)
            raw = f.read(b1 - b0)
        if len(raw) != b1 - b0:
            raise InputError(str(self.path), "file shrank while reading", "", "do not modify it")
        bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8))
        return bits[start - 8 * b0 : stop - 8 * b0]


def open_bits(path: str | os.PathLike[str], nbits: int | None = None) -> BitSource:
    """Open ``path`` as a bit source; ``nbits`` keeps only the first ``nbits`` bits.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.bin"
    >>> _ = p.write_bytes(bytes([0b10110000]))
    >>> src = open_bits(p, nbits=4)
    >>> src.nbits, src.read(0, 4).tolist()
    (4, [1, 0, 1, 1])
    """
    from diramp.inputs import opened

    p = Path(path)
    if nbits is not None and nbits <= 0:
        raise InputError("--bits", "must be a positive bit count", f"got {nbits}")
    with opened(p, "bit file") as f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(8)
    if size == 0:
        raise InputError(str(p), "file is empty", "", "pass a non-empty packed bit file")
    if head == MAGIC:
        return _open_packed(p, nbits)
    available = 8 * size
    if nbits is None:
        return BitSource(p, available, "raw packed .bin")
    if nbits > available:
        raise InputError(
            "--bits", "exceeds the bits in the file",
            f"{nbits} > {available} = 8 x {size} bytes", "the file is truncated or --bits is wrong")
    return BitSource(p, nbits, "raw packed .bin")


def _open_packed(p: Path, nbits: int | None) -> BitSource:
    # DEF-PACKED-FILE is owned by diramp.extractor; use its reader (header, size, checksum).
    from diramp.extractor.packed import PackedBitReader

    with PackedBitReader(p) as reader:
        digest = reader.verify().hex()
        total = reader.nbits
    if total == 0:
        raise InputError(str(p), "packed bit file holds 0 bits", "", "pass a non-empty file")
    if nbits is not None and nbits > total:
        raise InputError("--bits", "exceeds the bit length in the file header",
                         f"{nbits} > {total}", "omit --bits for a diramp packed file")
    return BitSource(p, nbits if nbits is not None else total,
                     "diramp packed (DEF-PACKED-FILE)", digest)
