"""DEF-TRIAL-FILE: round trips, validation, chunk boundaries, counts and AB (CONV-AB-INTERLEAVE)."""

from __future__ import annotations

import itertools
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diramp.bell import Counts
from diramp.errors import InputError
from diramp.trials import (
    TrialWriter,
    count_blocks,
    count_packed,
    count_total,
    file_size,
    interleave_ab,
    iter_ab,
    iter_chunks,
    read_header,
    read_trials,
    verify,
    write_ab,
    write_trials,
)
from diramp.trials.format import HEADER_SIZE, MAGIC


def rand_trials(n: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    return tuple(rng.integers(0, 2, n, dtype=np.uint8) for _ in range(4))


@pytest.mark.parametrize("n", [0, 1, 2, 7, 8, 9, 15, 16, 17, 1000, 4099])
def test_round_trip_sizes(tmp_path: Path, n: int) -> None:
    x, y, a, b = rand_trials(n, n)
    h = write_trials(tmp_path / "t", x, y, a, b)
    assert h.n == n
    assert (tmp_path / "t").stat().st_size == file_size(n)
    r = read_trials(tmp_path / "t")
    for u, v in zip((x, y, a, b), r[1:], strict=True):
        assert u.tolist() == v.tolist()
    assert read_header(tmp_path / "t") == h


@pytest.mark.parametrize("chunk", [8, 16, 24, 1024])
@pytest.mark.parametrize("n", [1, 13, 64, 1001])
def test_chunk_boundaries(tmp_path: Path, n: int, chunk: int) -> None:
    x, y, a, b = rand_trials(n, 7)
    # write in odd pieces, not multiples of 8
    with TrialWriter(tmp_path / "t", n) as w:
        cuts = [0, *sorted({min(n, c) for c in (3, 5, 19, 100, 777)}), n]
        for s, e in itertools.pairwise(cuts):
            w.write(x[s:e], y[s:e], a[s:e], b[s:e])
    chunks = list(iter_chunks(tmp_path / "t", chunk=chunk))
    assert [c.start for c in chunks] == list(range(0, n, chunk))
    assert all(c.x.size == min(chunk, n - c.start) for c in chunks)
    for name, ref in zip("xyab", (x, y, a, b), strict=True):
        got = np.concatenate([getattr(c, name) for c in chunks])
        assert got.tolist() == ref.tolist()


def test_spec_worked_example(tmp_path: Path) -> None:
    """The example in spec/data-formats.md DEF-TRIAL-FILE."""
    x, y, a, b = [0, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 1]
    write_trials(tmp_path / "t", x, y, a, b)
    raw = (tmp_path / "t").read_bytes()
    assert len(raw) == 196 and raw[:8] == MAGIC
    assert raw[HEADER_SIZE:].hex() == "60c020a0"
    assert b"".join(bytes(c) for c in iter_ab(tmp_path / "t")).hex() == "4c"
    assert file_size(20 * 2**26) == 671_088_832


def test_writer_rejects_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="0 or 1"), TrialWriter(tmp_path / "t", 2) as w:
        w.write([0, 2], [0, 0], [0, 0], [0, 0])
    with pytest.raises(InputError, match="equal lengths"), TrialWriter(tmp_path / "t", 2) as w:
        w.write([0, 1], [0], [0, 0], [0, 0])
    with pytest.raises(InputError, match="only 1 of n = 2"), TrialWriter(tmp_path / "t", 2) as w:
        w.write([0], [0], [0], [0])
    with pytest.raises(InputError, match="more than n"), TrialWriter(tmp_path / "t", 1) as w:
        w.write([0, 1], [0, 0], [0, 0], [0, 0])
    assert not (tmp_path / "t").exists()  # atomic: nothing left behind
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def tfile(tmp_path: Path) -> Path:
    write_trials(tmp_path / "t", *rand_trials(1001, 1))
    return tmp_path / "t"


def test_flipped_payload_byte_is_hash_mismatch(tfile: Path) -> None:
    raw = bytearray(tfile.read_bytes())
    raw[HEADER_SIZE + 2 * 126 + 5] ^= 0x10  # inside plane a
    tfile.write_bytes(bytes(raw))
    read_header(tfile)  # the header is fine
    with pytest.raises(InputError, match=r"hash mismatch in plane a.*corrupt.*re-"):
        count_blocks(tfile)
    with pytest.raises(InputError, match="hash mismatch"):
        verify(tfile)
    with pytest.raises(InputError, match="hash mismatch"):
        list(iter_ab(tfile))


def test_truncated_and_trailing(tfile: Path) -> None:
    raw = tfile.read_bytes()
    tfile.write_bytes(raw[:-1])
    with pytest.raises(InputError, match=r"is truncated.*needs"):
        read_header(tfile)
    with pytest.raises(InputError, match="is truncated"):
        count_blocks(tfile)
    tfile.write_bytes(raw + b"\0")
    with pytest.raises(InputError, match="trailing bytes"):
        iter_chunks(tfile).__next__()
    tfile.write_bytes(raw[:100])
    with pytest.raises(InputError, match="truncated inside its header"):
        read_header(tfile)


def test_wrong_magic_version_layout(tfile: Path) -> None:
    raw = bytearray(tfile.read_bytes())
    bad = bytearray(raw)
    bad[:8] = b"NOTTRIAL"
    tfile.write_bytes(bytes(bad))
    with pytest.raises(InputError, match="not a diramp trial file"):
        read_header(tfile)
    for off, val, msg in [(8, 1, "format version 1"), (8, 3, "format version 3"), (10, 9, "unknown bit layout")]:
        bad = bytearray(raw)
        bad[off : off + 2] = struct.pack("<H", val)
        tfile.write_bytes(bytes(bad))
        with pytest.raises(InputError, match=msg):
            read_header(tfile)
    bad = bytearray(raw)
    bad[16:24] = struct.pack("<Q", 2000)  # n disagrees with the plane size
    tfile.write_bytes(bytes(bad))
    with pytest.raises(InputError, match="inconsistent"):
        read_header(tfile)
    bad = bytearray(raw)
    bad[170] ^= 1
    tfile.write_bytes(bytes(bad))
    with pytest.raises(InputError, match="header digest mismatch"):
        read_header(tfile)


def test_nonzero_padding_rejected(tmp_path: Path) -> None:
    write_trials(tmp_path / "t", *rand_trials(3, 0))
    raw = bytearray((tmp_path / "t").read_bytes())
    raw[HEADER_SIZE] |= 0x01  # plane x, a padding bit
    (tmp_path / "t").write_bytes(bytes(raw))
    with pytest.raises(InputError, match="padding"):
        read_trials(tmp_path / "t")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_header(tmp_path / "nope")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*[st.integers(0, 1)] * 4), max_size=200))
def test_count_packed_equals_bincount(rows: list[tuple[int, int, int, int]]) -> None:
    """Cross-check: popcount counting vs diramp.bell.Counts.from_arrays."""
    arr = np.array(rows, dtype=np.uint8).reshape(-1, 4)
    x, y, a, b = arr.T
    got = count_packed(*(np.packbits(v) for v in (x, y, a, b)), len(rows))
    assert got == Counts.from_arrays(a, b, x, y)


def test_count_cross_check_can_fail() -> None:
    """Planted error: swapping a and x in the reference must change the answer."""
    x, y, a, b = rand_trials(100, 3)
    got = count_packed(*(np.packbits(v) for v in (x, y, a, b)), 100)
    assert got != Counts.from_arrays(x, b, a, y)


@pytest.mark.parametrize(("n", "block"), [(100, 16), (4096, 1024), (4097, 1024), (5, 8)])
def test_count_blocks(tmp_path: Path, n: int, block: int) -> None:
    x, y, a, b = rand_trials(n, n)
    write_trials(tmp_path / "t", x, y, a, b)
    blocks = count_blocks(tmp_path / "t", block=block)
    assert len(blocks) == -(-n // block)
    for i, c in enumerate(blocks):
        s = slice(i * block, (i + 1) * block)
        assert c == Counts.from_arrays(a[s], b[s], x[s], y[s])
    assert count_total(tmp_path / "t") == Counts.from_arrays(a, b, x, y)
    with pytest.raises(InputError, match="multiple of 8"):
        count_blocks(tmp_path / "t", block=10)


@pytest.mark.parametrize("n", [1, 3, 8, 37, 1000])
def test_ab_interleave(tmp_path: Path, n: int) -> None:
    from diramp.extractor.packed import read_bits

    x, y, a, b = rand_trials(n, 11)
    write_trials(tmp_path / "t", x, y, a, b)
    expect = np.empty(2 * n, np.uint8)
    expect[0::2], expect[1::2] = a, b  # CONV-AB-INTERLEAVE
    got = np.concatenate(list(iter_ab(tmp_path / "t", chunk=16)))
    assert np.unpackbits(got, count=2 * n).tolist() == expect.tolist()
    assert got.size == (2 * n + 7) // 8
    assert write_ab(tmp_path / "t", tmp_path / "ab") == 2 * n
    assert read_bits(tmp_path / "ab").tolist() == expect.tolist()


def test_interleave_is_not_symmetric() -> None:
    a, b = np.packbits([1, 1, 1]), np.packbits([0, 0, 0])
    assert interleave_ab(a, b, 3).tolist() != interleave_ab(b, a, 3).tolist()


def test_deterministic_bytes(tmp_path: Path) -> None:
    t = rand_trials(999, 5)
    write_trials(tmp_path / "1", *t)
    write_trials(tmp_path / "2", *t)
    assert (tmp_path / "1").read_bytes() == (tmp_path / "2").read_bytes()
