"""DEF-CIRC, CONV-CIRC-ARGS, CONV-CIRC-PRIME, LEM-CIRC-WRAP: the circulant extractor, references vs fast path."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import diramp
from diramp.errors import CheckFailed, InputError
from diramp.extractor import ArrayBits, extract, extract_sources
from diramp.extractor import circulant as circ

ROOT = Path(__file__).resolve().parent.parent
SPEC = (ROOT / "spec" / "circulant.md").read_text()
SEED = 20251202
#: Primes up to a few thousand (every prime, not only those with 2 as a primitive root: DEF-CIRC is defined
#: for any prime p; CONV-CIRC-PRIME restricts the protocol's choice).
PRIMES = [int(p) for p in sympy.primerange(3, 4200)]


def bits(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2, n, dtype=np.uint8)


def by_definition(x: list[int], y: list[int], m: int) -> list[int]:
    """DEF-CIRC written out with Python integers: sum_k x'[k] y[(k + i) mod p] mod 2 (independent of the code)."""
    p = len(y)
    xp = list(x) + [0] * (p - len(x))
    return [sum(xp[k] * y[(k + i) % p] for k in range(p)) % 2 for i in range(m)]


def small_fft(n: int, m: int, tasks: int = 40) -> int:
    need = max(8.0, 2.0 * (n * m / tasks) ** 0.5)
    return 1 << int(np.ceil(np.log2(need)))


def test_worked_example_binding() -> None:
    """spec/circulant.md worked example: every method, the wrapped identity, and the printed lines."""
    mm = re.search(r"<!-- binding: x=([01]+) y=([01]+) m=(\d+) circ=([01]+) wx=([01]+) wy=([01]+) -->", SPEC)
    assert mm
    x, y, m = [int(c) for c in mm[1]], [int(c) for c in mm[2]], int(mm[3])
    want = [int(c) for c in mm[4]]
    assert by_definition(x, y, m) == want
    for method in ("auto", "fft", "exact", "loop", "galois"):
        assert extract(x, y, m, extractor="circulant", method=method).tolist() == want
    assert diramp.extract(x, y, m, extractor="circulant").tolist() == want
    # LEM-CIRC-WRAP: the printed wrapped inputs, fed to the non-cyclic DEF-EXT, give the same bits.
    wx, wy = [int(c) for c in mm[5]], [int(c) for c in mm[6]]
    X, Y = circ.circulant_sources(ArrayBits(x), ArrayBits(y), m, len(y))
    assert X.read_bits(0, X.nbits).tolist() == wx and Y.read_bits(0, Y.nbits).tolist() == wy
    assert extract(wx, wy, m).tolist() == want
    assert "Circ(x, y) = " + " ".join(mm[4]) in SPEC
    assert f"0x{np.packbits(x)[0]:02X}" in SPEC and f"0x{np.packbits(y)[0]:02X}" in SPEC


@st.composite
def cases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int, int | None]:
    p = draw(st.sampled_from(PRIMES))
    n = draw(st.integers(0, p - 1))
    m = draw(st.integers(1, p - 1))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    density = draw(st.sampled_from([0.5, 0.03, 0.97]))
    x = (rng.random(n) < density).astype(np.uint8)
    y = (rng.random(p) < density).astype(np.uint8)
    max_fft = draw(st.sampled_from([None, small_fft(p + m, m)]))
    return x, y, m, max_fft


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
@example((np.array([1, 1], np.uint8), np.array([1, 0, 1], np.uint8), 2, 8))  # p = 3, smallest FFT cap
def test_fast_matches_loop(case: tuple[np.ndarray, np.ndarray, int, int | None]) -> None:
    """LEM-CIRC-WRAP: the blocked FFT path (auto, fft, exact) equals the integer loop of DEF-CIRC."""
    x, y, m, max_fft = case
    ref = circ.circulant_loop(x, y, m)
    for method in ("auto", "fft", "exact"):
        got = extract(x, y, m, extractor="circulant", method=method, max_fft=max_fft)
        assert np.array_equal(got, ref), (method, y.size, m, max_fft)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([p for p in PRIMES if p < 1200]), st.integers(0, 2**32 - 1), st.data())
def test_fast_matches_galois(p: int, seed: int, data: st.DataObject) -> None:
    """DEF-CIRC: the literal GF(2) circulant matrix times x' equals the fast path (m rows: p m memory)."""
    m = data.draw(st.integers(1, min(p - 1, max(1, 2**15 // p))))
    rng = np.random.default_rng(seed)
    x, y = bits(rng, int(rng.integers(0, p))), bits(rng, p)
    got = extract(x, y, m, extractor="circulant", max_fft=small_fft(p + m, m))
    assert np.array_equal(got, circ.circulant_galois(x, y, m))


@pytest.mark.parametrize("p", [3, 5, 7, 11, 13, 127, 257, 1021])
def test_loop_matches_definition_and_edges(p: int) -> None:
    """DEF-CIRC edge cases: m = 1 and m = p - 1, empty / short / full x, all-zero and all-one seeds."""
    rng = np.random.default_rng(SEED + p)
    for n in sorted({0, 1, p // 2, p - 1}):
        for x in (bits(rng, n), np.ones(n, np.uint8)):
            for y in (bits(rng, p), np.ones(p, np.uint8), np.zeros(p, np.uint8)):
                for m in sorted({1, p - 1}):
                    want = by_definition(x.tolist(), y.tolist(), m)
                    assert circ.circulant_loop(x, y, m).tolist() == want
                    assert extract(x, y, m, extractor="circulant").tolist() == want
    # closed forms: y all ones gives parity(x) in every output; x = e_0 gives y itself.
    x = bits(rng, p - 1)
    assert set(extract(x, np.ones(p, np.uint8), p - 1, extractor="circulant").tolist()) == {int(x.sum() % 2)}
    e0 = np.zeros(p - 1, np.uint8)
    e0[0] = 1
    y = bits(rng, p)
    assert extract(e0, y, p - 1, extractor="circulant").tolist() == y[: p - 1].tolist()


def test_wrap_is_visible_and_order_matters() -> None:
    """DEF-CIRC: a one-hot x at k picks y[(k + i) mod p] (the cyclic wrap); swapping roles is another function."""
    p = 11
    x = np.zeros(p - 1, np.uint8)
    x[7] = 1
    y = np.zeros(p, np.uint8)
    y[1] = 1  # (7 + i) mod 11 = 1  <=>  i = 5
    assert np.flatnonzero(extract(x, y, p - 1, extractor="circulant")).tolist() == [5]
    # the non-cyclic DEF-EXT of the same (padded) strings is a different function: x[j + s] y[j] fires at s = 6
    assert np.flatnonzero(extract(np.append(x, 0), y, p - 1)).tolist() == [6]


def test_bad_input_is_a_clear_error() -> None:
    """DEF-CIRC, CONV-CIRC-ARGS: p not prime, x too long, m out of range, bad extractor name."""
    with pytest.raises(InputError, match="must be a prime"):
        extract([1, 0, 1], [1, 1, 0, 1], 1, extractor="circulant")  # p = 4
    with pytest.raises(InputError, match="must be a prime"):
        extract([1] * 8, [1] * 9, 1, extractor="circulant")  # p = 9
    with pytest.raises(InputError, match="at most p - 1"):
        extract([1] * 5, [1] * 5, 1, extractor="circulant")  # len(x) = p
    with pytest.raises(InputError, match="1 <= m <= p - 1"):
        extract([1] * 4, [1] * 5, 5, extractor="circulant")
    with pytest.raises(InputError, match="extractor"):
        extract([1], [1], 1, extractor="toeplitz")
    with pytest.raises(InputError, match="shorter than p"):
        circ.circulant_sources(ArrayBits([1, 0]), ArrayBits([1, 0, 1]), 1, 5)


def test_protocol_prime() -> None:
    """CONV-CIRC-PRIME: the smallest prime p >= N + 1 with 2 a primitive root (independent sympy check)."""
    from sympy.ntheory import n_order

    for n_bits in (1, 2, 3, 4, 5, 9, 10, 11, 100, 1000, 2**20):
        p = circ.circulant_prime(n_bits)
        assert sympy.isprime(p) and p >= n_bits + 1 and n_order(2, p) == p - 1
        assert all(not sympy.isprime(q) or n_order(2, q) != q - 1 for q in range(max(3, n_bits + 1), p))
    assert circ.circulant_prime(2 * 1342177280) == 2684354611  # quoted in the spec
    assert "p = 2,684,354,611" in SPEC
    with pytest.raises(InputError):
        circ.circulant_prime(0)


def test_planted_one_bit_error_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cross-check detects a one-bit error planted in the wrapped seed (the fast path's input)."""
    rng = np.random.default_rng(SEED)
    p, m = 1019, 300
    x, y = bits(rng, p - 1), bits(rng, p)
    ref = circ.circulant_loop(x, y, m)
    assert np.array_equal(extract(x, y, m, extractor="circulant"), ref)
    real = circ.WrappedSeed.read_bits

    def flipped(self: circ.WrappedSeed, start: int, stop: int) -> np.ndarray:
        out = real(self, start, stop).copy()
        j = self.p + 3  # a bit of the wrapped tail y[3]
        if start <= j < stop:
            out[j - start] ^= 1
        return out

    monkeypatch.setattr(circ.WrappedSeed, "read_bits", flipped)
    got = extract(x, y, m, extractor="circulant")
    assert not np.array_equal(got, ref)

    def check() -> None:
        if not np.array_equal(extract(x, y, m, extractor="circulant"), circ.circulant_loop(x, y, m)):
            raise CheckFailed("fast path differs from the loop reference")

    with pytest.raises(CheckFailed):
        check()


def test_sources_stream_from_a_file(tmp_path: Path) -> None:
    """LEM-CIRC-WRAP on packed files: Z longer than p is read only up to p bits (CONV-CIRC-ARGS)."""
    from diramp.extractor import open_bits, write_bits

    rng = np.random.default_rng(SEED + 1)
    p, m = 211, 150
    x, z = bits(rng, 200), bits(rng, p + 37)
    write_bits(tmp_path / "x.dbits", x)
    write_bits(tmp_path / "z.dbits", z)
    with open_bits(tmp_path / "x.dbits") as xr, open_bits(tmp_path / "z.dbits") as zr:
        X, Y = circ.circulant_sources(xr, zr, m, p)
        got, _ = extract_sources(X, Y, m, max_fft=64)
    assert np.array_equal(got, circ.circulant_loop(x, z[:p], m))
