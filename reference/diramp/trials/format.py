"""DEF-TRIAL-FILE (spec/data-formats.md): the on-disk layout of n trials (x, y, a, b).

Box I step 1 of Kulikov et al. (2024) records, for each trial i, the inputs
x_i, y_i (from the two mu-SV sources) and the outputs a_i, b_i.  A trial file
stores them as four *bit-planes*, each a packed MSB-first bit string of n bits,
in the order x, y, a, b, after a fixed 192-byte little-endian header:

======  ====  =================================================================
offset  size  field
======  ====  =================================================================
0       8     magic ``b"DIRAMPTF"``
8       2     format version (u16) = 2
10      2     layout (u16) = 1: four MSB-first bit-planes, order x, y, a, b
12      4     header size in bytes (u32) = 192
16      8     n, the number of trials (u64)
24      8     plane size in bytes (u64) = ceil(n / 8)
32      128   SHA-256 of each plane, in the order x, y, a, b (4 x 32 bytes)
160     32    SHA-256 of header bytes 0..159 (binds n and every other field)
192     ...   payload: plane x, plane y, plane a, plane b (padding bits zero)
======  ====  =================================================================

Why bit-planes: each plane is itself a packed bit string, so the outputs A and
B (for the extractor's AB) are read without touching X and Y, the per-setting
counts are bitwise ANDs and popcounts on packed words, and per-plane hashes
let every plane be verified while it is streamed.  The *payload digest* (the
file's identity for certificates) is SHA-256 of the four plane digests
concatenated with n (:attr:`TrialHeader.payload_sha256`).  Version 2 adds the
header digest: in version 1 an edit of n that kept ceil(n/8) turned zero
padding bits into phantom (0, 0, 0, 0) trials unnoticed (red team F13).
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass

from diramp.errors import InputError

MAGIC = b"DIRAMPTF"
VERSION = 2
#: Layout code 1: four MSB-first bit-planes in the order of :data:`PLANES`.
LAYOUT_PLANES_XYAB = 1
HEADER_SIZE = 192
#: Plane order in the payload.
PLANES = ("x", "y", "a", "b")
_STRUCT = struct.Struct("<8sHHIQQ128s32s")
assert _STRUCT.size == HEADER_SIZE

#: The largest n a trial file can hold: its size 192 + 4 ceil(n/8) must fit a signed 64-bit file offset.
MAX_TRIALS = 8 * ((2**63 - 1 - 192) // 4)

_FIX_REGEN = (
    "re-copy the file from its source or re-generate it (diramp simulate / diramp.trials import)"
)


def plane_bytes(n: int) -> int:
    """DEF-TRIAL-FILE: bytes per bit-plane, ceil(n / 8).

    >>> plane_bytes(0), plane_bytes(1), plane_bytes(8), plane_bytes(9)
    (0, 1, 1, 2)
    """
    return (n + 7) // 8


def file_size(n: int) -> int:
    """DEF-TRIAL-FILE: total size of a trial file with n trials, header included.

    >>> file_size(1_342_177_280)
    671088832
    """
    return HEADER_SIZE + 4 * plane_bytes(n)


@dataclass(frozen=True)
class TrialHeader:
    """DEF-TRIAL-FILE: the decoded header of a trial file.

    >>> h = TrialHeader(n=3, plane_sha256=(bytes(32),) * 4)
    >>> TrialHeader.unpack(h.pack()) == h
    True
    """

    n: int
    plane_sha256: tuple[bytes, bytes, bytes, bytes]
    version: int = VERSION
    layout: int = LAYOUT_PLANES_XYAB

    @property
    def plane_bytes(self) -> int:
        return plane_bytes(self.n)

    @property
    def payload_sha256(self) -> str:
        """Hex SHA-256 of n (u64 little-endian) and the four plane digests: the payload's identity."""
        return hashlib.sha256(struct.pack("<Q", self.n) + b"".join(self.plane_sha256)).hexdigest()

    def plane_offset(self, plane: str) -> int:
        """Byte offset of ``plane`` ("x", "y", "a" or "b") in the file."""
        return HEADER_SIZE + PLANES.index(plane) * self.plane_bytes

    def pack(self) -> bytes:
        if not 0 <= self.n <= MAX_TRIALS:
            raise InputError("n", f"must lie in [0, {MAX_TRIALS}] for a trial file", f"got {self.n}")
        head = _STRUCT.pack(
            MAGIC,
            self.version,
            self.layout,
            HEADER_SIZE,
            self.n,
            self.plane_bytes,
            b"".join(self.plane_sha256),
            bytes(32),
        )[:160]
        return head + hashlib.sha256(head).digest()

    @classmethod
    def unpack(cls, raw: bytes, source: str = "trial file") -> TrialHeader:
        """Decode and validate a header; every problem is an :class:`InputError`."""
        if len(raw) < HEADER_SIZE:
            if raw[: len(MAGIC)] != MAGIC[: len(raw)]:
                raise InputError(source, "is not a diramp trial file", "wrong magic", _FIX_WRONG)
            raise InputError(
                source,
                "is truncated inside its header",
                f"{len(raw)} of {HEADER_SIZE} header bytes",
                _FIX_REGEN,
            )
        magic, version, layout, hsize, n, pbytes, digests, reserved = _STRUCT.unpack(
            raw[:HEADER_SIZE]
        )
        if magic != MAGIC:
            raise InputError(
                source,
                "is not a diramp trial file",
                f"magic {magic!r}, expected {MAGIC!r}",
                _FIX_WRONG,
            )
        if version != VERSION:
            raise InputError(
                source,
                f"has trial-file format version {version}, this diramp reads version {VERSION}",
                "version 1 (diramp 0.1) did not bind n to a digest" if version == 1 else "",
                "re-create it from the raw data (diramp import) or with diramp simulate",
            )
        if layout != LAYOUT_PLANES_XYAB:
            raise InputError(
                source,
                f"has unknown bit layout {layout}",
                "expected 1 (bit-planes x,y,a,b)",
                _FIX_REGEN,
            )
        if hsize != HEADER_SIZE:
            raise InputError(
                source, f"has header size {hsize}", f"expected {HEADER_SIZE}", _FIX_REGEN
            )
        if pbytes != plane_bytes(n):
            raise InputError(
                source, "header is inconsistent", f"plane size {pbytes} for n = {n}", _FIX_REGEN
            )
        if hashlib.sha256(raw[:160]).digest() != reserved:
            raise InputError(source, "header digest mismatch: a header field was changed", "", _FIX_REGEN)
        planes = tuple(digests[32 * i : 32 * i + 32] for i in range(4))
        return cls(n=n, plane_sha256=planes, version=version, layout=layout)  # type: ignore[arg-type]


_FIX_WRONG = (
    "pass a file written by diramp (DEF-TRIAL-FILE); "
    "import raw data with diramp import --npy FILE or --csv FILE"
)


def read_header(path: str | os.PathLike[str]) -> TrialHeader:
    """DEF-TRIAL-FILE: read and validate the header, and the file length against n.

    A truncated or over-long file is rejected here, before any payload is read.
    """
    from diramp.inputs import opened

    with opened(path, "trial file") as f:
        size = os.fstat(f.fileno()).st_size
        raw = f.read(HEADER_SIZE)
    header = TrialHeader.unpack(raw, source=str(path))
    expected = file_size(header.n)
    if size != expected:
        problem = "is truncated" if size < expected else "has trailing bytes"
        raise InputError(
            str(path),
            problem,
            f"{size} bytes, the header's n = {header.n} needs {expected}",
            _FIX_REGEN,
        )
    return header
