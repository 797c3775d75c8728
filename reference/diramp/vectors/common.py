"""Shared encodings of the test-vector files (DEF-VECTORS, DEF-VECTOR-GEN, spec/vectors/README.md).

* Bit strings: lowercase hex of the packed bytes, MSB-first within each byte
  (CONV-BITORDER), zero padding bits, with the bit length stated beside them.
* DEF-VECTOR-GEN: ``shake_bits(seed, N)`` = the first N bits, MSB-first, of
  SHAKE-256 over the UTF-8 bytes of ``seed``.
* Rationals: ``"p/q"`` strings (``"p"`` when q = 1); decimal renderings are
  directed (lower bounds rounded down, upper bounds up, CONV-ROUNDING).
* Files: canonical JSON (2-space indent, insertion order, ASCII, final newline),
  so regenerating reproduces them byte for byte.

>>> shake_hex("diramp/vectors/v1/example", 12)
'f110'
>>> bits_to_hex(hex_to_bits("f110", 12))
'f110'
>>> rat(Fraction(3, 400)), rat(Fraction(5)), parse_rat("3/400"), parse_rat("0.0075")
('3/400', '5', Fraction(3, 400), Fraction(3, 400))
"""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from diramp.errors import InputError
from diramp.exact import decimal_down, decimal_exact, decimal_up, parse_exact

#: Longest bit string a vector may hold or generate (bounds memory; the vectors use a few thousand).
MAX_VECTOR_BITS = 1 << 24

#: Version of the vector format and of the JSON schema (DEF-VECTORS).
SCHEMA_VERSION = "1"
#: Schema file name, relative to the vector directory.
SCHEMA_FILE = "schema/vectors-v1.schema.json"
#: Version of the generator; part of every file (bump when any expected value changes).
GENERATOR_VERSION = "diramp-vectors 1.1"
#: Significant digits of directed decimal renderings of irrational quantities.
DIGITS = 30

Bits = npt.NDArray[np.uint8]


def shake_packed(seed: str, nbits: int) -> bytes:
    """DEF-VECTOR-GEN: SHAKE-256(seed UTF-8), first ceil(N/8) bytes, unused low bits of the last byte zeroed."""
    if isinstance(nbits, bool) or not isinstance(nbits, int) or not 0 <= nbits <= MAX_VECTOR_BITS:
        raise InputError("bitLength", f"must be an integer in [0, {MAX_VECTOR_BITS}]", f"got {nbits!r}")
    out = bytearray(hashlib.shake_256(seed.encode("utf-8")).digest((nbits + 7) // 8))
    if nbits % 8:
        out[-1] &= (0xFF << (8 - nbits % 8)) & 0xFF
    return bytes(out)


def shake_bits(seed: str, nbits: int) -> Bits:
    """DEF-VECTOR-GEN: the first ``nbits`` bits of SHAKE-256(seed) as a uint8 0/1 array (MSB-first)."""
    return np.unpackbits(np.frombuffer(shake_packed(seed, nbits), np.uint8), count=nbits)


def shake_hex(seed: str, nbits: int) -> str:
    """DEF-VECTOR-GEN as hex (CONV-BITORDER)."""
    return shake_packed(seed, nbits).hex()


def pack(bits: npt.ArrayLike) -> bytes:
    """CONV-BITORDER: pack 0/1 bits MSB-first, zero padding."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes()


def bits_to_hex(bits: npt.ArrayLike) -> str:
    """Bits -> lowercase hex of the packed bytes (CONV-BITORDER)."""
    return pack(bits).hex()


def hex_to_bits(text: str, nbits: int) -> Bits:
    """Hex of packed bytes -> ``nbits`` bits; the hex must be exactly ceil(N/8) bytes with zero padding."""
    if isinstance(nbits, bool) or not isinstance(nbits, int) or not 0 <= nbits <= MAX_VECTOR_BITS:
        raise InputError("bitLength", f"must be an integer in [0, {MAX_VECTOR_BITS}]", f"got {str(nbits)[:20]}")
    if not isinstance(text, str) or len(text) > 2 * ((MAX_VECTOR_BITS + 7) // 8):
        raise InputError("hex", "must be a hex string of at most the bit length", f"got {type(text).__name__}")
    try:
        raw = bytes.fromhex(text)
    except (ValueError, TypeError) as exc:
        raise InputError("hex", "must be a hex string", f"got {str(text)[:20]!r}") from exc
    if len(raw) != (nbits + 7) // 8:
        raise InputError("hex", f"must hold exactly ceil({nbits}/8) bytes", f"got {len(raw)} bytes")
    if nbits % 8 and raw[-1] & ((1 << (8 - nbits % 8)) - 1):
        raise InputError("hex", "padding bits of the last byte must be zero", f"last byte {raw[-1]:#04x}")
    return np.unpackbits(np.frombuffer(raw, np.uint8), count=nbits)


def sha256_bits(bits: npt.ArrayLike) -> str:
    """SHA-256 (hex) of the packed bit string (CONV-BITORDER, zero padding)."""
    return hashlib.sha256(pack(bits)).hexdigest()


def rat(x: Fraction | int) -> str:
    """Exact rational as ``"p/q"`` (``"p"`` for integers)."""
    x = Fraction(x)
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def parse_rat(value: Any, name: str = "value") -> Fraction:
    """Parse a ``"p/q"``, decimal or integer value exactly, through the one bounded parser (CONV-NUMBER).

    A JSON integer is accepted as is; a JSON float is refused (vector values are
    exact strings), so an implementation cannot round its way into a match.
    """
    if isinstance(value, bool) or value is None:
        raise InputError(name, "must be a rational number", f"got {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str):
        return parse_exact(value, name)
    raise InputError(name, "must be an exact number written as a string", f"got {type(value).__name__}")


def exact(x: Fraction) -> dict[str, str | None]:
    """An exact value: ``{"rational": "p/q", "decimal": exact decimal or None}``."""
    return {"rational": rat(x), "decimal": decimal_exact(x)}


def interval(lo: Fraction, hi: Fraction, digits: int = DIGITS) -> dict[str, str]:
    """An enclosure rendered outward: ``lo`` rounded down, ``hi`` rounded up, ``digits`` significant digits."""
    return {"lo": decimal_down(lo, digits), "hi": decimal_up(hi, digits)}


def canonical_json(obj: Any) -> str:
    """The byte-stable rendering of a vector file (insertion order, indent 2, ASCII, final newline)."""
    return json.dumps(obj, indent=2, ensure_ascii=True) + "\n"
