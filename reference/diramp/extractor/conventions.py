"""CONV-AB-INTERLEAVE, CONV-EXT-ARGS: how the protocol's outputs become the extractor inputs.

``K = Ext(x = AB, y = Z)`` with ``AB[2i] = a_i`` and ``AB[2i+1] = b_i`` for rounds
i = 0 .. n-1 (spec/extractor.md).

>>> interleave_ab([1, 1, 0], [0, 1, 0]).tolist()
[1, 0, 1, 1, 0, 0]
>>> [a.tolist() for a in split_ab([1, 0, 1, 1, 0, 0])]
[[1, 1, 0], [0, 1, 0]]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from diramp.errors import InputError
from diramp.extractor.packed import Bits, check_bits


def interleave_ab(a: npt.ArrayLike, b: npt.ArrayLike) -> Bits:
    """CONV-AB-INTERLEAVE: AB = a_0 b_0 a_1 b_1 ... a_{n-1} b_{n-1} (N = 2n bits)."""
    ab, bb = check_bits(a, "A"), check_bits(b, "B")
    if ab.size != bb.size:
        raise InputError("A, B", "must have one output per round each", f"{ab.size} != {bb.size}")
    out = np.empty(2 * ab.size, dtype=np.uint8)
    out[0::2] = ab
    out[1::2] = bb
    return out


def split_ab(ab: npt.ArrayLike) -> tuple[Bits, Bits]:
    """CONV-AB-INTERLEAVE: the inverse of :func:`interleave_ab`."""
    x = check_bits(ab, "AB")
    if x.size % 2:
        raise InputError("AB", "must have an even number of bits (N = 2n)", f"got {x.size}")
    return x[0::2].copy(), x[1::2].copy()
