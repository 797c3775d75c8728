"""Packed bit files for Z and AB: an adapter over DEF-PACKED-FILE (spec/extractor.md).

The extractor package owns the packed bit file format DEF-PACKED-FILE
(:mod:`diramp.extractor.packed`: 64-byte header with magic ``DIRAMPBF``, bit
length and payload SHA-256, then the bits packed MSB-first, CONV-BITORDER).
This module only feeds it *packed* chunks, which is how the simulator and the
AB interleaver produce bits; it is the single place that knows the writer.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

import numpy as np
import numpy.typing as npt

from diramp.errors import InputError

U8 = npt.NDArray[np.uint8]


def write_packed_bits(
    path: str | os.PathLike[str], chunks: Iterable[U8], nbits: int, mode: int = 0o644
) -> bytes:
    """DEF-PACKED-FILE: write ``nbits`` bits given as packed MSB-first chunks; return SHA-256.

    Every chunk except the last holds a whole number of bytes of the string;
    bits beyond ``nbits`` in the last chunk must be zero padding.  Atomic: the
    file appears only if exactly ``nbits`` bits arrived.

    >>> import tempfile, pathlib
    >>> from diramp.extractor.packed import read_bits
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "z.dbits"
    >>> _ = write_packed_bits(p, [np.packbits([1, 0, 1])], 3)
    >>> read_bits(p).tolist()
    [1, 0, 1]
    """
    from diramp.extractor.packed import PackedBitWriter

    if nbits < 0:
        raise InputError("nbits", "must be non-negative", f"got {nbits}")
    remaining = nbits
    with PackedBitWriter(path, mode=mode) as w:
        write_packed = getattr(w, "write_packed", None)
        for c in chunks:
            arr = np.asarray(c, dtype=np.uint8)
            here = min(8 * arr.size, remaining)
            if 8 * arr.size - here >= 8:
                raise InputError(
                    "bits", f"more than {nbits} bits supplied", "", "pass the right nbits"
                )
            if here == 8 * arr.size and write_packed is not None:
                write_packed(arr.tobytes())
            else:
                if here % 8 and int(arr[-1]) & ((1 << (8 - here % 8)) - 1):
                    raise InputError("bits", "padding bits must be zero", "", "mask the last byte")
                w.write_bits(np.unpackbits(arr, count=here))
            remaining -= here
        if remaining:
            raise InputError("bits", f"only {nbits - remaining} of {nbits} bits supplied")
    assert w.sha256 is not None
    return w.sha256


def iter_packed_bits(path: str | os.PathLike[str], chunk_bytes: int = 2**22) -> Iterator[U8]:
    """DEF-PACKED-FILE: yield the payload in packed chunks; the SHA-256 is checked first."""
    from diramp.extractor.packed import PackedBitReader, payload_bytes

    with PackedBitReader(path) as r:
        r.verify()
        total = payload_bytes(r.nbits)
        for pos in range(0, total, chunk_bytes):
            data = r.read_bytes(pos, min(total, pos + chunk_bytes))
            yield np.frombuffer(data, dtype=np.uint8)
