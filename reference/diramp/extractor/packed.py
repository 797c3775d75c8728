"""DEF-PACKED-FILE, CONV-BITORDER: the packed bit file format, streamed in blocks.

A packed bit file holds a bit string of explicit length.  Bits are packed
MSB-first within each byte (``numpy.packbits`` default, ``bitorder="big"``):
bit ``k`` of the string is bit ``7 - k % 8`` of byte ``k // 8`` (CONV-BITORDER).

Layout (all integers little-endian), see spec/extractor.md DEF-PACKED-FILE::

    offset size field
    0      8    magic  b"DIRAMPBF"
    8      2    format version (2)
    10     1    bit order (0 = MSB-first within each byte)
    11     5    reserved, zero
    16     8    bit length n
    24     32   digest: SHA-256 of the payload bytes followed by header bytes 0..23
    56     8    reserved, zero
    64     ...  payload: ceil(n / 8) bytes; unused low bits of the last byte are zero

The digest covers the payload and every header field before it (the bit length
included: in version 1 an edit of n that kept ceil(n/8) turned zero pad bits into
data unnoticed); the reserved bytes must be zero.  Raw packed ``.bin`` files (no
header) are read with an explicit bit length via :meth:`PackedBitReader.open_raw`;
they carry no checksum.

Readers and writers never hold more than one block in memory, so memory use is
independent of the bit length.

>>> import tempfile, pathlib, numpy as np
>>> p = pathlib.Path(tempfile.mkdtemp()) / "ab.dbits"
>>> digest = write_bits(p, np.array([1, 0, 1, 1, 0, 0, 0, 0, 1], dtype=np.uint8))
>>> with PackedBitReader(p) as r:
...     (r.nbits, r.read_bits(0, 9).tolist(), r.verify() == digest)
(9, [1, 0, 1, 1, 0, 0, 0, 0, 1], True)
>>> p.read_bytes()[64:].hex()  # MSB-first: 1011 0000, then 1 followed by 7 zero pad bits
'b080'
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from diramp.atomic import atomic_open
from diramp.errors import CheckFailed, InputError

MAGIC = b"DIRAMPBF"
FORMAT_VERSION = 2
BITORDER_MSB_FIRST = 0
HEADER_SIZE = 64
_HEADER = struct.Struct("<8sHB5sQ32s8s")
assert _HEADER.size == HEADER_SIZE

#: Bytes read per step when hashing or verifying (memory bound of verification).
IO_CHUNK_BYTES = 1 << 22

Bits = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class PackedHeader:
    """DEF-PACKED-FILE: the parsed header of a packed bit file."""

    nbits: int
    sha256: bytes
    version: int = FORMAT_VERSION
    bitorder: int = BITORDER_MSB_FIRST

    def prefix(self) -> bytes:
        """DEF-PACKED-FILE: header bytes 0..23 (magic, version, bit order, reserved, bit length), digested."""
        return self.pack()[:24]

    def pack(self) -> bytes:
        """DEF-PACKED-FILE: the 64 header bytes."""
        return _HEADER.pack(
            MAGIC, self.version, self.bitorder, bytes(5), self.nbits, self.sha256, bytes(8)
        )


def header_prefix(nbits: int) -> bytes:
    """DEF-PACKED-FILE: the digested header bytes 0..23 of a file of ``nbits`` bits."""
    return PackedHeader(nbits, bytes(32)).prefix()


def packed_digest(payload: bytes, nbits: int) -> bytes:
    """DEF-PACKED-FILE: the digest of a packed bit file: SHA-256(payload || header bytes 0..23).

    >>> packed_digest(bytes([0xA0]), 3) == hashlib.sha256(bytes([0xA0]) + header_prefix(3)).digest()
    True
    """
    return hashlib.sha256(payload + header_prefix(nbits)).digest()


def payload_bytes(nbits: int) -> int:
    """CONV-BITORDER: number of payload bytes holding ``nbits`` bits.

    >>> payload_bytes(0), payload_bytes(1), payload_bytes(8), payload_bytes(9)
    (0, 1, 1, 2)
    """
    return (nbits + 7) // 8


def check_bits(bits: npt.ArrayLike, name: str) -> Bits:
    """CONV-BITORDER: validate an unpacked bit array (1-D, values 0/1) and return it as uint8.

    >>> check_bits([0, 1, 1], "x").tolist()
    [0, 1, 1]
    >>> check_bits([0, 2], "x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    diramp.errors.InputError: x: values other than 0/1 ... (first bad value 2 at index 1); ...
    """
    a = np.asarray(bits)
    if a.ndim != 1:
        raise InputError(name, "must be a 1-D bit array", f"got shape {a.shape}", "flatten it")
    if a.dtype == np.bool_:
        return a.astype(np.uint8)
    if a.size and not np.issubdtype(a.dtype, np.integer):
        raise InputError(
            name, "bits must have an integer or bool dtype", f"got {a.dtype}", "pass 0/1 integers"
        )
    bad = np.flatnonzero((a != 0) & (a != 1))
    if bad.size:
        i = int(bad[0])
        raise InputError(
            name,
            "values other than 0/1 in unpacked bit input",
            f"first bad value {a[i]} at index {i}",
            "pass bits as 0/1 integers, or use a packed file",
        )
    return np.ascontiguousarray(a, dtype=np.uint8)


class PackedBitWriter:
    """DEF-PACKED-FILE: stream bits into a packed bit file, written atomically.

    Feed unpacked 0/1 arrays with :meth:`write_bits` in any chunk sizes; the
    file appears at ``path`` only when the ``with`` block ends without error
    (diramp.atomic).  Use ``mode=0o600`` for secrets such as K.
    """

    def __init__(self, path: str | os.PathLike[str], mode: int = 0o600) -> None:
        self.path = Path(path)
        self.mode = mode
        self.nbits = 0
        self._hash = hashlib.sha256()
        self._carry = np.zeros(0, dtype=np.uint8)
        self._ctx: Any = None
        self._f: IO[bytes] | None = None
        self.sha256: bytes | None = None

    def __enter__(self) -> PackedBitWriter:
        self._ctx = atomic_open(self.path, mode=self.mode)
        self._f = self._ctx.__enter__()
        assert self._f is not None
        self._f.write(bytes(HEADER_SIZE))  # placeholder, rewritten on close
        return self

    def write_bits(self, bits: npt.ArrayLike) -> None:
        """DEF-PACKED-FILE: append unpacked 0/1 bits (checked) to the file."""
        assert self._f is not None, "use PackedBitWriter in a with statement"
        b = check_bits(bits, "bits")
        if self._carry.size:
            b = np.concatenate([self._carry, b])
        whole = (b.size // 8) * 8
        self._carry = b[whole:].copy()
        self._emit(np.packbits(b[:whole]).tobytes())
        self.nbits += whole

    def write_packed(self, data: bytes) -> None:
        """DEF-PACKED-FILE: append whole bytes already packed MSB-first (8 bits each).

        Only allowed while the bit count so far is a multiple of 8.
        """
        assert self._f is not None, "use PackedBitWriter in a with statement"
        if self._carry.size:
            raise InputError("data", "packed bytes must start on a byte boundary", "", "")
        self._emit(bytes(data))
        self.nbits += 8 * len(data)

    def _emit(self, data: bytes) -> None:
        assert self._f is not None
        self._hash.update(data)
        self._f.write(data)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._f is not None and self._ctx is not None
        if exc_type is None:
            if self._carry.size:
                self._emit(np.packbits(self._carry).tobytes())  # zero pad bits, MSB-first
                self.nbits += int(self._carry.size)
                self._carry = np.zeros(0, dtype=np.uint8)
            self._hash.update(header_prefix(self.nbits))
            self.sha256 = self._hash.digest()
            self._f.seek(0)
            self._f.write(PackedHeader(self.nbits, self.sha256).pack())
            self._f.seek(0, os.SEEK_END)
        self._ctx.__exit__(exc_type, exc, tb)


def write_bits(path: str | os.PathLike[str], bits: npt.ArrayLike, mode: int = 0o600) -> bytes:
    """DEF-PACKED-FILE: write a whole bit array atomically; return the payload SHA-256."""
    with PackedBitWriter(path, mode=mode) as w:
        w.write_bits(bits)
    assert w.sha256 is not None
    return w.sha256


class PackedBitReader:
    """DEF-PACKED-FILE: random-access block reads of a packed bit file (thread-safe).

    ``read_bits(start, stop)`` returns bits ``start..stop-1`` unpacked (uint8
    0/1), reading only the bytes that hold them (``os.pread``), so several
    threads may read one reader at once.  :meth:`verify` streams the payload
    once and checks the header's SHA-256.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fd = _open_fd(self.path)
        self.header: PackedHeader | None
        try:
            head = os.pread(self._fd, HEADER_SIZE, 0)
            self.header = _parse_header(head, self.path)
            self.nbits = self.header.nbits
            self.offset = HEADER_SIZE
            self._check_size()
        except BaseException:
            os.close(self._fd)
            raise

    @classmethod
    def open_raw(cls, path: str | os.PathLike[str], nbits: int) -> PackedBitReader:
        """CONV-BITORDER: read a headerless packed ``.bin`` file of ``nbits`` bits (no checksum)."""
        self = cls.__new__(cls)
        self.path = Path(path)
        if nbits < 0:
            raise InputError("nbits", "must be >= 0", f"got {nbits}")
        self._fd = _open_fd(self.path)
        self.header = None
        self.nbits = int(nbits)
        self.offset = 0
        try:
            self._check_size()
        except BaseException:
            os.close(self._fd)
            raise
        return self

    def _check_size(self) -> None:
        size = os.fstat(self._fd).st_size
        want = self.offset + payload_bytes(self.nbits)
        if size != want:
            raise InputError(
                str(self.path),
                "file length disagrees with its bit length",
                f"{size} bytes on disk, {want} expected for {self.nbits} bits"
                + (" after the 64-byte header" if self.offset else ""),
                "the file is truncated or has trailing data; regenerate it"
                + ("" if self.offset else ", or pass the right bit length"),
            )

    def read_bytes(self, start: int, stop: int) -> bytes:
        """DEF-PACKED-FILE: payload bytes ``start..stop-1``."""
        data = os.pread(self._fd, stop - start, self.offset + start)
        if len(data) != stop - start:
            raise InputError(str(self.path), "file shrank while reading", "", "do not modify it")
        return data

    def read_bits(self, start: int, stop: int) -> Bits:
        """CONV-BITORDER: bits ``start..stop-1`` (clipped to the bit length), unpacked uint8."""
        stop = min(stop, self.nbits)
        if stop <= start:
            return np.zeros(0, dtype=np.uint8)
        b0, b1 = start // 8, payload_bytes(stop)
        raw = np.frombuffer(self.read_bytes(b0, b1), dtype=np.uint8)
        return np.unpackbits(raw)[start - 8 * b0 : stop - 8 * b0]

    #: SHA-256 hex digest of the whole file, set by :meth:`verify`.
    file_sha256: str | None = None

    def hash(self) -> tuple[str, str]:
        """SHA-256 hex digests of (the whole file, the DEF-PACKED-FILE digest), streamed in one pass.

        For a raw file (no header) the second is the SHA-256 of the payload alone.
        """
        whole, payload = hashlib.sha256(), hashlib.sha256()
        whole.update(os.pread(self._fd, self.offset, 0))
        n = payload_bytes(self.nbits)
        pos = 0
        while pos < n:
            data = self.read_bytes(pos, min(n, pos + IO_CHUNK_BYTES))
            whole.update(data)
            payload.update(data)
            pos += len(data)
        if self.header is not None:
            payload.update(header_prefix(self.nbits))
        return whole.hexdigest(), payload.hexdigest()

    def verify(self) -> bytes:
        """DEF-PACKED-FILE: check the payload SHA-256 and the zero pad bits; return the digest.

        Raises :class:`CheckFailed` on a checksum mismatch (the file is corrupt).
        """
        whole, payload = self.hash()
        self.file_sha256 = whole
        digest = bytes.fromhex(payload)
        if self.header is not None and digest != self.header.sha256:
            raise CheckFailed(
                f"{self.path}: digest mismatch (header {self.header.sha256.hex()[:16]}..., "
                f"content {payload[:16]}...); the file is corrupt or its header was edited: regenerate or re-copy it"
            )
        if self.nbits % 8:
            last = self.read_bytes(payload_bytes(self.nbits) - 1, payload_bytes(self.nbits))[0]
            if last & ((1 << (8 - self.nbits % 8)) - 1):
                raise InputError(
                    str(self.path),
                    "nonzero pad bits after the last bit",
                    f"bit length {self.nbits}",
                    "the bit length is probably wrong",
                )
        return digest

    def close(self) -> None:
        """Close the file descriptor."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> PackedBitReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def file_digests(bits: npt.ArrayLike) -> tuple[str, str]:
    """DEF-PACKED-FILE: (digest, whole-file SHA-256) of the packed bit file :func:`write_bits` makes of ``bits``.

    Computed in memory, so a writer inside a transaction (REQ-OUTPUT) need not
    read back a file that is not yet published.
    """
    b = check_bits(bits, "bits")
    payload = np.packbits(b).tobytes()
    digest = packed_digest(payload, int(b.size))
    head = PackedHeader(int(b.size), digest).pack()
    return digest.hex(), hashlib.sha256(head + payload).hexdigest()


def read_bits(path: str | os.PathLike[str], verify: bool = True) -> Bits:
    """DEF-PACKED-FILE: read a whole (small) packed bit file into memory, checksum verified."""
    with PackedBitReader(path) as r:
        if verify:
            r.verify()
        return r.read_bits(0, r.nbits)


def _open_fd(path: Path) -> int:
    from diramp.inputs import open_input

    return open_input(path, "bit file")


def _parse_header(head: bytes, path: Path) -> PackedHeader:
    if len(head) < HEADER_SIZE or head[:8] != MAGIC:
        raise InputError(
            str(path),
            "is not a diramp packed bit file (bad magic or short header)",
            "",
            "convert raw bits with `diramp import --bits FILE --out FILE.dbits`",
        )
    _, version, order, r1, nbits, sha, r2 = _HEADER.unpack(head)
    if version != FORMAT_VERSION:
        raise InputError(
            str(path), "unsupported packed-file format version", f"got {version}, this diramp reads {FORMAT_VERSION}"
            + ("; version 1 (diramp 0.1) did not bind the bit length to its digest" if version == 1 else ""),
            "re-create the file from its source",
        )
    if r1 != bytes(5) or r2 != bytes(8):
        raise InputError(str(path), "has non-zero reserved header bytes", "", "re-create the file from its source")
    if order != BITORDER_MSB_FIRST:
        raise InputError(str(path), "unsupported bit order", f"got {order}, know 0 (MSB-first)")
    return PackedHeader(nbits=nbits, sha256=sha, version=version, bitorder=order)
