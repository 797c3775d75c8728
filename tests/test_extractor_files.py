"""DEF-PACKED-FILE, CONV-BITORDER: packed bit files, streaming extraction, atomic secret output."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from diramp.errors import CheckFailed, InputError
from diramp.extractor import (
    PackedBitReader,
    PackedBitWriter,
    extract,
    extract_files,
    extract_loop,
    read_bits,
    write_bits,
)
from diramp.extractor.packed import HEADER_SIZE, MAGIC

SEED = 20240612


def rbits(n: int, seed: int = SEED) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2, n, dtype=np.uint8)


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 63, 64, 65, 1000])
def test_round_trip_chunked(tmp_path: Path, n: int) -> None:
    b = rbits(n, SEED + n)
    p = tmp_path / "b.dbits"
    with PackedBitWriter(p) as w:
        for part in np.array_split(b, 5):  # arbitrary chunk boundaries
            w.write_bits(part)
    assert w.nbits == n
    assert p.stat().st_size == HEADER_SIZE + (n + 7) // 8
    assert np.array_equal(read_bits(p), b)
    with PackedBitReader(p) as r:
        # DEF-PACKED-FILE v2, by hand: SHA-256(payload || magic, version 2, bit order 0, 5 zero bytes, n as u64)
        prefix = MAGIC + (2).to_bytes(2, "little") + b"\0" + bytes(5) + n.to_bytes(8, "little")
        assert r.verify() == hashlib.sha256(np.packbits(b).tobytes() + prefix).digest()
        for a, z in [(0, n), (n // 3, n), (3, 5), (n, n)]:
            assert np.array_equal(r.read_bits(a, z), b[a:z])


def test_bit_order_msb_first(tmp_path: Path) -> None:
    # CONV-BITORDER: bits 1,0,1,1,0,1,0,0 -> 0xB4; bit k is bit 7 - k%8 of byte k//8.
    p = tmp_path / "x.dbits"
    write_bits(p, [1, 0, 1, 1, 0, 1, 0, 0, 1])
    raw = p.read_bytes()
    assert raw[:8] == MAGIC and raw[HEADER_SIZE:] == bytes([0xB4, 0x80])
    assert int.from_bytes(raw[16:24], "little") == 9


def test_raw_bin(tmp_path: Path) -> None:
    b = rbits(77)
    p = tmp_path / "x.bin"
    p.write_bytes(np.packbits(b).tobytes())
    with PackedBitReader.open_raw(p, 77) as r:
        assert np.array_equal(r.read_bits(0, 77), b)
        r.verify()
    with pytest.raises(InputError, match="file length disagrees"):
        PackedBitReader.open_raw(p, 90)
    with pytest.raises(InputError, match="bad magic"):
        PackedBitReader(p)


def test_truncated_and_extended_files(tmp_path: Path) -> None:
    p = tmp_path / "x.dbits"
    write_bits(p, rbits(100))
    data = p.read_bytes()
    (tmp_path / "short.dbits").write_bytes(data[:-1])
    (tmp_path / "long.dbits").write_bytes(data + b"\0")
    (tmp_path / "header.dbits").write_bytes(data[:30])
    for name in ("short", "long"):
        with pytest.raises(InputError, match="file length disagrees"):
            PackedBitReader(tmp_path / f"{name}.dbits")
    with pytest.raises(InputError, match="bad magic or short header"):
        PackedBitReader(tmp_path / "header.dbits")
    with pytest.raises(InputError, match="does not exist"):
        PackedBitReader(tmp_path / "missing.dbits")


def test_corrupt_payload_and_header(tmp_path: Path) -> None:
    p = tmp_path / "x.dbits"
    write_bits(p, rbits(100))
    data = bytearray(p.read_bytes())
    data[HEADER_SIZE + 3] ^= 0x10  # one flipped payload bit
    bad = tmp_path / "bad.dbits"
    bad.write_bytes(bytes(data))
    with PackedBitReader(bad) as r, pytest.raises(CheckFailed, match="digest mismatch"):
        r.verify()
    data = bytearray(p.read_bytes())
    data[8] = 3  # unknown format version
    bad.write_bytes(bytes(data))
    with pytest.raises(InputError, match="format version"):
        PackedBitReader(bad)
    data = bytearray(p.read_bytes())
    data[10] = 1  # LSB-first is not a valid bit order
    bad.write_bytes(bytes(data))
    with pytest.raises(InputError, match="bit order"):
        PackedBitReader(bad)


def test_nonzero_pad_bits_rejected(tmp_path: Path) -> None:
    p = tmp_path / "x.bin"
    p.write_bytes(bytes([0xFF]))
    with PackedBitReader.open_raw(p, 5) as r, pytest.raises(InputError, match="pad bits"):
        r.verify()


def test_writer_is_atomic(tmp_path: Path) -> None:
    p = tmp_path / "k.dbits"
    with pytest.raises(RuntimeError), PackedBitWriter(p, mode=0o600) as w:
        w.write_bits([1, 0, 1])
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InputError), PackedBitWriter(p) as w:
        w.write_bits([1, 3])
    assert list(tmp_path.iterdir()) == []


def _inputs(tmp_path: Path, n: int, seed: int = SEED) -> tuple[Path, Path, np.ndarray, np.ndarray]:
    x, y = rbits(n, seed), rbits(n, seed + 1)
    xp, yp = tmp_path / "ab.dbits", tmp_path / "z.dbits"
    write_bits(xp, x)
    write_bits(yp, y)
    return xp, yp, x, y


@pytest.mark.parametrize("method", ["auto", "fft", "exact"])
def test_extract_files_matches_reference(tmp_path: Path, method: str) -> None:
    xp, yp, x, y = _inputs(tmp_path, 3001)
    out = tmp_path / "k.dbits"
    rep = extract_files(xp, yp, 1000, out, method=method, max_fft=512, workers=2)
    assert np.array_equal(read_bits(out), extract_loop(x, y, 1000))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert rep.tasks > 4 and rep.N == 3001 and rep.m == 1000
    assert rep.extra["x_sha256"] == hashlib.sha256(xp.read_bytes()).hexdigest()
    assert rep.extra["out_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()


def test_extract_files_raw_and_lean(tmp_path: Path) -> None:
    x, y = rbits(999), rbits(999, SEED + 9)
    (tmp_path / "x.bin").write_bytes(np.packbits(x).tobytes())
    (tmp_path / "y.bin").write_bytes(np.packbits(y).tobytes())
    out = tmp_path / "k.dbits"
    extract_files(tmp_path / "x.bin", tmp_path / "y.bin", 999, out, x_nbits=999, y_nbits=999,
                  lean=True)
    assert np.array_equal(read_bits(out), extract(x, y, 999, method="loop"))


def test_no_output_after_failure(tmp_path: Path) -> None:
    xp, yp, _, _ = _inputs(tmp_path, 100)
    yshort = tmp_path / "z99.dbits"
    write_bits(yshort, rbits(99))
    out = tmp_path / "k.dbits"
    with pytest.raises(InputError, match="equal lengths"):
        extract_files(xp, yshort, 10, out)
    with pytest.raises(InputError, match="1 <= m <= N"):
        extract_files(xp, yp, 101, out)
    data = bytearray(yp.read_bytes())
    data[-1] ^= 0x01 if len(data) else 0
    corrupt = tmp_path / "zc.dbits"
    corrupt.write_bytes(bytes(data))
    with pytest.raises((CheckFailed, InputError)):
        extract_files(xp, corrupt, 10, out)
    assert not out.exists()
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".k.dbits")]
