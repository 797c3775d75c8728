"""DEF-TRIAL-FILE (spec/data-formats.md): streaming writer and readers of trial files.

Memory is independent of n: the writer takes trials chunk by chunk, the readers
yield chunks of a fixed number of trials.  Every plane's SHA-256 is checked
while it is streamed; a mismatch raises :class:`~diramp.errors.InputError`
*after* the last chunk, so a consumer must exhaust an iterator before it trusts
what it computed (:func:`count_blocks` and :func:`write_ab` do).
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Iterator, Sequence
from typing import IO, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from diramp.atomic import atomic_open
from diramp.bell import Counts
from diramp.errors import InputError
from diramp.inputs import opened
from diramp.trials.format import HEADER_SIZE, MAX_TRIALS, PLANES, TrialHeader, plane_bytes, read_header

U8 = npt.NDArray[np.uint8]

#: Default chunk: 2^22 trials (one block of Fig. 4 of Kulikov et al. 2024), 512 KiB per plane.
CHUNK = 2**22
_FIX = "re-copy the file from its source or re-generate it"


class TrialChunk(NamedTuple):
    """Trials ``start .. start + len(x) - 1`` as four uint8 arrays of 0/1 (DEF-TRIAL-FILE)."""

    start: int
    x: U8
    y: U8
    a: U8
    b: U8


def _as_bits(name: str, v: Any) -> U8:
    arr = np.asarray(v)
    if arr.ndim != 1:
        raise InputError(name, "must be a 1-D array of 0/1", f"shape {arr.shape}")
    if arr.dtype == np.bool_:
        return arr.view(np.uint8)
    if arr.dtype.kind not in "ui":
        raise InputError(name, "must hold integers 0/1", f"dtype {arr.dtype}", "convert to uint8")
    if arr.size and (arr.min() < 0 or arr.max() > 1):
        bad = int(np.flatnonzero((arr < 0) | (arr > 1))[0])
        raise InputError(
            name, "values must be 0 or 1", f"element {bad} is {arr[bad]}", "fix or drop that trial"
        )
    return arr.astype(np.uint8, copy=False)


class TrialWriter:
    """DEF-TRIAL-FILE: write exactly n trials chunk by chunk, atomically.

    Use as a context manager; the file appears only if exactly n trials were
    written and no exception was raised.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.trials"
    >>> with TrialWriter(p, 3) as w:
    ...     w.write([0, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 1])
    >>> read_trials(p).a.tolist()
    [0, 0, 1]
    """

    def __init__(self, path: str | os.PathLike[str], n: int) -> None:
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_TRIALS:
            raise InputError("n", f"must be an integer in [0, {MAX_TRIALS}] (DEF-TRIAL-FILE)", f"got {n!r}")
        self.path = path
        self.n = n
        self.written = 0
        self._pbytes = plane_bytes(n)
        self._pending: list[U8] = [np.zeros(0, np.uint8) for _ in PLANES]
        self._hash = [hashlib.sha256() for _ in PLANES]
        self._done_bytes = 0
        self._ctx: Any = None
        self._f: IO[bytes] | None = None
        self.header: TrialHeader | None = None

    def __enter__(self) -> TrialWriter:
        self._ctx = atomic_open(self.path, mode=0o600)  # trials hold A and B: secret (REQ-SECRET-FILES)
        self._f = self._ctx.__enter__()
        self._f.write(bytes(HEADER_SIZE))  # placeholder, rewritten on close
        return self

    def write(self, x: Any, y: Any, a: Any, b: Any) -> None:
        """Append trials; the four arrays must be 1-D, equally long, values 0/1."""
        arrs = [_as_bits(name, v) for name, v in zip(PLANES, (x, y, a, b), strict=True)]
        k = arrs[0].size
        if any(v.size != k for v in arrs):
            raise InputError(
                "trials", "x, y, a, b must have equal lengths", str([v.size for v in arrs])
            )
        if self.written + k > self.n:
            raise InputError(
                "trials",
                f"more than n = {self.n} trials written",
                f"{self.written + k}",
                "pass the right n to TrialWriter",
            )
        self.written += k
        if self._pending[0].size:
            arrs = [np.concatenate([p, v]) for p, v in zip(self._pending, arrs, strict=True)]
        full = arrs[0].size // 8 * 8
        self._pending = [v[full:].copy() for v in arrs]
        if full:
            self._emit([np.packbits(v[:full]) for v in arrs])

    def _emit(self, packed: Sequence[U8]) -> None:
        assert self._f is not None
        for i, buf in enumerate(packed):
            self._f.seek(HEADER_SIZE + i * self._pbytes + self._done_bytes)
            data = buf.tobytes()
            self._f.write(data)
            self._hash[i].update(data)
        self._done_bytes += packed[0].size

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        assert self._ctx is not None and self._f is not None
        if exc_type is None:
            try:
                if self.written != self.n:
                    raise InputError(
                        "trials",
                        f"only {self.written} of n = {self.n} trials were written",
                        "",
                        "write all trials before closing the writer",
                    )
                if self._pending[0].size:
                    self._emit([np.packbits(v) for v in self._pending])  # zero-padded MSB-first
                digests = tuple(h.digest() for h in self._hash)
                self.header = TrialHeader(n=self.n, plane_sha256=digests)  # type: ignore[arg-type]
                self._f.seek(0)
                self._f.write(self.header.pack())
                self._f.seek(0, os.SEEK_END)
            except BaseException as err:
                self._ctx.__exit__(type(err), err, err.__traceback__)
                raise
        return bool(self._ctx.__exit__(exc_type, exc, tb))


def write_trials(path: str | os.PathLike[str], x: Any, y: Any, a: Any, b: Any) -> TrialHeader:
    """DEF-TRIAL-FILE: write whole in-memory arrays as a trial file (atomic); return its header."""
    n = int(np.asarray(x).size)
    with TrialWriter(path, n) as w:
        for s in range(0, n, CHUNK):
            w.write(*(np.asarray(v)[s : s + CHUNK] for v in (x, y, a, b)))
        if n == 0:
            w.write(x, y, a, b)
    assert w.header is not None
    return w.header


def _check_chunk(chunk: int) -> None:
    if not isinstance(chunk, int) or chunk <= 0 or chunk % 8:
        raise InputError("chunk", "must be a positive multiple of 8 trials", f"got {chunk!r}")


def iter_packed(
    path: str | os.PathLike[str],
    chunk: int = CHUNK,
    planes: str = "xyab",
    verify: bool = True,
) -> Iterator[tuple[int, int, tuple[U8, ...]]]:
    """DEF-TRIAL-FILE: yield ``(start, count, packed planes)`` per chunk of trials.

    Each packed plane is ``ceil(count / 8)`` bytes, MSB-first; only the last
    chunk may be short, and its padding bits are zero.  With ``verify`` the
    SHA-256 of each requested plane is checked after the last chunk (an
    :class:`InputError` if it does not match).
    """
    _check_chunk(chunk)
    header = read_header(path)
    if not planes or set(planes) - set(PLANES) or len(set(planes)) != len(planes):
        raise InputError("planes", "must be distinct letters of 'xyab'", f"got {planes!r}")
    n = header.n
    hashes = [hashlib.sha256() for _ in planes]
    offsets = [header.plane_offset(p) for p in planes]
    with opened(path, "trial file") as f:
        for start in range(0, n, chunk):
            count = min(chunk, n - start)
            nb = plane_bytes(count)
            bufs = []
            for j, off in enumerate(offsets):
                f.seek(off + start // 8)
                data = f.read(nb)
                if len(data) != nb:
                    raise InputError(
                        str(path), "is truncated", f"short read in plane {planes[j]}", _FIX
                    )
                if verify:
                    hashes[j].update(data)
                bufs.append(np.frombuffer(data, dtype=np.uint8))
            if count % 8:
                pad = np.uint8((1 << (8 - count % 8)) - 1)
                for j, buf in enumerate(bufs):
                    if buf[-1] & pad:
                        raise InputError(
                            str(path), f"plane {planes[j]} has non-zero padding bits", "", _FIX
                        )
            yield start, count, tuple(bufs)
    if verify:
        for j, p in enumerate(planes):
            want = header.plane_sha256[PLANES.index(p)]
            if hashes[j].digest() != want:
                raise InputError(
                    str(path),
                    f"payload hash mismatch in plane {p}: the file is corrupt",
                    f"SHA-256 {hashes[j].hexdigest()[:16]}..., header says {want.hex()[:16]}...",
                    _FIX,
                )


def verify(path: str | os.PathLike[str]) -> TrialHeader:
    """DEF-TRIAL-FILE: check header, length, padding and all four plane hashes; return header."""
    for _ in iter_packed(path, chunk=2**24):
        pass
    return read_header(path)


def iter_chunks(
    path: str | os.PathLike[str], chunk: int = CHUNK, verify: bool = True
) -> Iterator[TrialChunk]:
    """DEF-TRIAL-FILE: yield :class:`TrialChunk` (start, x, y, a, b) of ``chunk`` trials each.

    ``chunk`` must be a multiple of 8; the last chunk may be short.  Memory is
    O(chunk).  The hash check happens after the last chunk (see module doc).
    """
    for start, count, bufs in iter_packed(path, chunk, "xyab", verify):
        x, y, a, b = (np.unpackbits(buf, count=count) for buf in bufs)
        yield TrialChunk(start, x, y, a, b)


def read_trials(path: str | os.PathLike[str]) -> TrialChunk:
    """DEF-TRIAL-FILE: read a whole (small) trial file into memory, verified."""
    n = read_header(path).n
    parts = list(iter_chunks(path, chunk=max(8, plane_bytes(n) * 8)))
    if not parts:
        z = np.zeros(0, np.uint8)
        return TrialChunk(0, z, z, z, z)
    return parts[0]


def count_packed(x: U8, y: U8, a: U8, b: U8, count: int) -> Counts:
    """DEF-MDL digit order: counts N(a, b, x, y) from packed MSB-first planes of ``count`` trials.

    Vectorised with AND and popcount on packed bytes; equals
    :meth:`diramp.bell.Counts.from_arrays` on the unpacked bits (tested).

    >>> p = lambda bits: np.packbits(np.array(bits, np.uint8))
    >>> count_packed(p([0, 1]), p([0, 0]), p([0, 1]), p([0, 0]), 2)[1, 0, 1, 0]
    1
    """
    nb = plane_bytes(count)
    words = (nb + 7) // 8
    mask = np.zeros(words * 8, np.uint8)
    mask[: count // 8] = 0xFF
    if count % 8:
        mask[count // 8] = (0xFF << (8 - count % 8)) & 0xFF

    def widen(v: U8) -> npt.NDArray[np.uint64]:
        out = np.zeros(words * 8, np.uint8)
        out[:nb] = v[:nb]
        return out.view(np.uint64)

    m = mask.view(np.uint64)
    px, py, pa, pb = (widen(v) for v in (x, y, a, b))
    nx, ny, na, nbb = ~px & m, ~py & m, ~pa & m, ~pb & m
    xy = {(0, 0): nx & ny, (0, 1): nx & py, (1, 0): px & ny, (1, 1): px & py}
    ab = {(0, 0): na & nbb, (0, 1): na & pb, (1, 0): pa & nbb, (1, 1): pa & pb}
    vals = [0] * 16
    for (ai, bi), wab in ab.items():
        for (xi, yi), wxy in xy.items():
            vals[8 * ai + 4 * bi + 2 * xi + yi] = int(np.bitwise_count(wab & wxy).sum())
    return Counts(tuple(vals))


def count_blocks(path: str | os.PathLike[str], block: int = CHUNK) -> list[Counts]:
    """DEF-TRIAL-FILE, DEF-MDL: counts N(a, b, x, y) per block of ``block`` trials, verified.

    The paper's Fig. 4 blocks hold 2^22 trials (the default); the last block
    may be short.  ``block`` must be a multiple of 8.  The total is
    ``sum(blocks, Counts.zero())``.  All plane hashes are checked before the
    list is returned.
    """
    _check_chunk(block)
    n = read_header(path).n
    step = block if block <= 2**24 else math.gcd(block, 2**24)
    out: list[Counts] = []
    acc = Counts.zero()
    for start, count, bufs in iter_packed(path, step, "xyab", True):
        px, py, pa, pb = bufs
        acc = acc + count_packed(px, py, pa, pb, count)
        end = start + count
        if end % block == 0 or end == n:
            out.append(acc)
            acc = Counts.zero()
    return out


def count_total(path: str | os.PathLike[str]) -> Counts:
    """DEF-MDL: total counts N(a, b, x, y) of a trial file (Box I step 2), verified."""
    return sum(count_blocks(path, block=2**24), Counts.zero())


# AB interleave (CONV-AB-INTERLEAVE, spec/extractor.md): AB[2i] = a_i, AB[2i+1] = b_i.
def _spread_table() -> npt.NDArray[np.uint16]:
    t = np.zeros(256, np.uint16)
    for v in range(256):
        w = 0
        for j in range(8):  # bit j of the byte, MSB-first, goes to bit 2j of 16, MSB-first
            if v >> (7 - j) & 1:
                w |= 1 << (15 - 2 * j)
        t[v] = w
    return t


_SPREAD = _spread_table()


def interleave_ab(a: U8, b: U8, count: int) -> U8:
    """CONV-AB-INTERLEAVE: packed AB (2 * count bits, MSB-first) from packed planes a and b.

    >>> p = lambda bits: np.packbits(np.array(bits, np.uint8))
    >>> np.unpackbits(interleave_ab(p([1, 0, 1]), p([0, 0, 1]), 3), count=6).tolist()
    [1, 0, 0, 0, 1, 1]
    """
    words = _SPREAD[a] | (_SPREAD[b] >> 1)
    out = words.astype(">u2").view(np.uint8)
    return out[: plane_bytes(2 * count)]


def iter_ab(path: str | os.PathLike[str], chunk: int = CHUNK, verify: bool = True) -> Iterator[U8]:
    """CONV-AB-INTERLEAVE: yield the packed AB string of a trial file chunk by chunk.

    Chunk k holds AB bits ``2 * chunk * k .. `` (``chunk / 4`` bytes); only the
    last one may be short, its padding bits zero.  Reads planes a and b only;
    their hashes are checked after the last chunk.
    """
    for _start, count, (a, b) in iter_packed(path, chunk, "ab", verify):
        yield interleave_ab(a, b, count)


def write_ab(
    trials_path: str | os.PathLike[str], out_path: str | os.PathLike[str], chunk: int = CHUNK
) -> int:
    """CONV-AB-INTERLEAVE: write AB (2n bits) of a trial file as a packed bit file; return 2n.

    The output file is written atomically and appears only if the trial
    file's a and b planes verified.
    """
    from diramp.trials.bits import write_packed_bits

    n = read_header(trials_path).n
    write_packed_bits(out_path, iter_ab(trials_path, chunk), 2 * n)
    return 2 * n
