"""DEF-DIST-CHECKSUM-TABLE, REQ-DIST-CHECKSUM: per-granule SHA-256 tables and verified byte-range reads.

The payload of an input (DEF-PACKED-FILE, or a raw packed ``.bin``) of S bytes
is cut into granules of G bytes: granule i is payload bytes
``[i G, min((i + 1) G, S))``.  The table holds SHA-256 of every granule and is
computed up front in one sequential pass that also computes the payload's
SHA-256 and compares it with the header (spec/distributed.md).  A task that
needs payload bytes ``[a, b)`` reads the covering granules
``[floor(a / G), ceil(b / G))``, checks each digest against the table, and only
then unpacks the bits it needs (CONV-BITORDER: MSB-first, so a bit range that
starts or ends inside a byte is cut after unpacking).

>>> import tempfile, pathlib, numpy as np
>>> from diramp.extractor import write_bits
>>> p = pathlib.Path(tempfile.mkdtemp()) / "x.dbits"
>>> bits = np.array([1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1], dtype=np.uint8)
>>> _ = write_bits(p, bits)
>>> t = compute_table(p, granule=1)
>>> (t.nbits, t.payload_size, len(t.digests))
(11, 2, 2)
>>> ref = InputRef.of(t)
>>> read_verified_bits(ref, ref.check(3, 10), 3, 10).tolist() == bits[3:10].tolist()
True
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from diramp.errors import CheckFailed, InputError
from diramp.extractor.packed import IO_CHUNK_BYTES, Bits, header_prefix, payload_bytes
from diramp.extractor.stream import open_bits
from diramp.inputs import opened

#: DEF-DIST-CHECKSUM-TABLE: default granule size G in bytes (1 MiB = 2^23 bits).
DEFAULT_GRANULE = 1 << 20


@dataclass(frozen=True)
class ChecksumTable:
    """DEF-DIST-CHECKSUM-TABLE: SHA-256 of every G-byte granule of one input's payload."""

    path: str
    nbits: int
    headered: bool  #: DEF-PACKED-FILE with header (False: raw packed .bin)
    header_sha256: bytes | None  #: payload SHA-256 from the header (None for raw files)
    granule: int  #: G, bytes per granule
    digests: tuple[bytes, ...]  #: SHA-256 of granule i, i = 0 .. ceil(S / G) - 1
    payload_sha256: str  #: hex SHA-256 of the whole payload (equals the header's)
    file_sha256: str  #: hex SHA-256 of the whole file (header included)
    size: int  #: file size in bytes at table time
    mtime_ns: int  #: file modification time at table time

    @property
    def payload_size(self) -> int:
        """S = ceil(nbits / 8) payload bytes (CONV-BITORDER)."""
        return payload_bytes(self.nbits)


@dataclass(frozen=True)
class GranuleCheck:
    """REQ-DIST-CHECKSUM: the table rows a task needs: first granule index and the digests."""

    g0: int
    digests: tuple[bytes, ...]


@dataclass(frozen=True)
class InputRef:
    """DEF-DIST-TASKS: what a worker needs to open one input and check what it reads (no digests)."""

    path: str
    nbits: int
    headered: bool
    header_sha256: bytes | None
    granule: int
    table: tuple[bytes, ...]  #: kept on the driver only; tasks receive :class:`GranuleCheck` slices

    @classmethod
    def of(cls, t: ChecksumTable) -> InputRef:
        """The reference of a computed table."""
        return cls(t.path, t.nbits, t.headered, t.header_sha256, t.granule, t.digests)

    def light(self) -> InputRef:
        """This reference without the table (what is shipped to workers)."""
        return InputRef(self.path, self.nbits, self.headered, self.header_sha256, self.granule, ())

    def check(self, start_bit: int, stop_bit: int) -> GranuleCheck:
        """REQ-DIST-CHECKSUM: the table rows covering bits ``[start_bit, stop_bit)``."""
        g0, g1 = granule_range(start_bit, stop_bit, self.granule)
        return GranuleCheck(g0, self.table[g0:g1])


def byte_range(start_bit: int, stop_bit: int) -> tuple[int, int]:
    """CONV-BITORDER: payload bytes ``[a, b)`` holding bits ``[start_bit, stop_bit)``.

    >>> byte_range(3, 10), byte_range(8, 16), byte_range(0, 1)
    ((0, 2), (1, 2), (0, 1))
    """
    return start_bit // 8, (stop_bit + 7) // 8


def granule_range(start_bit: int, stop_bit: int, granule: int) -> tuple[int, int]:
    """DEF-DIST-CHECKSUM-TABLE: granules ``[g0, g1)`` covering bits ``[start_bit, stop_bit)``.

    >>> granule_range(3, 10, 1), granule_range(0, 64, 4), granule_range(33, 34, 4)
    ((0, 2), (0, 2), (1, 2))
    """
    a, b = byte_range(start_bit, stop_bit)
    return a // granule, -(-b // granule)


def compute_table(
    path: str | os.PathLike[str], nbits: int | None = None, granule: int = DEFAULT_GRANULE
) -> ChecksumTable:
    """DEF-DIST-CHECKSUM-TABLE: one pass over an input: granule digests, payload and file SHA-256.

    Headered files: the payload SHA-256 must equal the header's (CheckFailed
    otherwise) and the pad bits must be zero (InputError), as in
    DEF-PACKED-FILE.  Memory: one read buffer of about 4 MiB.
    """
    if granule < 1:
        raise InputError("granule", "must be >= 1 byte", f"got {granule}")
    with open_bits(path, nbits) as r:
        st = os.stat(path)
        S = payload_bytes(r.nbits)
        whole, payload = hashlib.sha256(), hashlib.sha256()
        with opened(path, "bit file") as f:
            whole.update(f.read(r.offset))  # the header (empty for a raw .bin)
        step = max(granule, (IO_CHUNK_BYTES // granule) * granule)
        digests: list[bytes] = []
        pos = 0
        while pos < S:
            data = r.read_bytes(pos, min(S, pos + step))
            whole.update(data)
            payload.update(data)
            mv = memoryview(data)
            for i in range(0, len(data), granule):
                digests.append(hashlib.sha256(mv[i : i + granule]).digest())
            pos += len(data)
        header_sha = r.header.sha256 if r.header is not None else None
        content = payload.copy()
        if header_sha is not None:
            content.update(header_prefix(r.nbits))  # DEF-PACKED-FILE: the digest covers the header fields too
        if header_sha is not None and content.digest() != header_sha:
            raise CheckFailed(
                f"{path}: digest mismatch (header {header_sha.hex()[:16]}..., content "
                f"{content.hexdigest()[:16]}...); the file is corrupt or its header was edited: "
                "regenerate or re-copy it"
            )
        if r.nbits % 8 and S:
            last = r.read_bytes(S - 1, S)[0]
            if last & ((1 << (8 - r.nbits % 8)) - 1):
                raise InputError(str(path), "nonzero pad bits after the last bit", f"bit length {r.nbits}",
                                 "the bit length is probably wrong")
        return ChecksumTable(
            str(Path(path)), r.nbits, r.header is not None, header_sha, granule, tuple(digests),
            payload.hexdigest(), whole.hexdigest(), st.st_size, st.st_mtime_ns,
        )


def read_verified_bits(ref: InputRef, check: GranuleCheck, start: int, stop: int) -> Bits:
    """REQ-DIST-CHECKSUM: bits ``[start, stop)`` of an input, every byte read checked against the table.

    Reads whole granules by byte range (``os.pread``), compares each SHA-256
    with ``check`` (CheckFailed on a mismatch: the input changed or is
    corrupt), then unpacks MSB-first and cuts the bit range out of the first
    and last byte (CONV-BITORDER).  Memory: the covering granules, at most
    ``(stop - start) / 8 + 2 G`` bytes, and the unpacked bits.
    """
    stop = min(stop, ref.nbits)
    if stop <= start:
        return np.zeros(0, dtype=np.uint8)
    G = ref.granule
    g0, g1 = granule_range(start, stop, G)
    if (g0, g1 - g0) != (check.g0, len(check.digests)):
        raise CheckFailed(f"{ref.path}: internal error: granule check [{check.g0}, +{len(check.digests)}) "
                          f"does not cover bits [{start}, {stop})")
    with open_bits(ref.path, None if ref.headered else ref.nbits) as r:
        if r.nbits != ref.nbits or (r.header.sha256 if r.header is not None else None) != ref.header_sha256:
            raise CheckFailed(f"{ref.path}: the file's header changed during the run (bit length or SHA-256); "
                              "inputs must not be modified while extracting: rerun on a stable copy")
        a = g0 * G
        raw = r.read_bytes(a, min(payload_bytes(ref.nbits), g1 * G))
    mv = memoryview(raw)
    for k, want in enumerate(check.digests):
        got = hashlib.sha256(mv[k * G : (k + 1) * G]).digest()
        if got != want:
            lo = (g0 + k) * G
            raise CheckFailed(
                f"{ref.path}: SHA-256 of payload bytes [{lo}, {min(lo + G, payload_bytes(ref.nbits))}) "
                f"(granule {g0 + k}) differs from the table computed at the start of the run "
                "(REQ-DIST-CHECKSUM): the input is corrupt or changed during the run; no output is written"
            )
    return unpack_range(np.frombuffer(raw, dtype=np.uint8), a, start, stop)


def unpack_range(raw: npt.NDArray[np.uint8], a: int, start: int, stop: int) -> Bits:
    """CONV-BITORDER, DEF-DIST-TASKS: bits ``[start, stop)`` from payload bytes read from byte ``a`` on.

    ``raw[..., i]`` is payload byte ``a + i`` (leading axes allowed: the
    exhaustive check cuts all inputs at once).  MSB-first: bit k is bit
    ``7 - k % 8`` of byte ``k // 8``, so the first ``start % 8`` bits of byte
    ``start // 8`` are dropped after unpacking.

    >>> unpack_range(np.array([0xB4, 0x80], dtype=np.uint8), 0, 3, 9).tolist()  # 10110100 1...
    [1, 0, 1, 0, 0, 1]
    """
    b0, b1 = byte_range(start, stop)
    return np.unpackbits(raw[..., b0 - a : b1 - a], axis=-1)[..., start - 8 * b0 : stop - 8 * b0]
