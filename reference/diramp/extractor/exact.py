"""LEM-EXT-BLOCKED: one task's partial correlation, exactly, by big-integer multiplication.

Kronecker substitution: pack the x segment and the *reversed* y block into
integers with w-bit slots (2^w > every coefficient), multiply exactly with
python-flint's ``fmpz`` (GMP), and read the slots back.  Coefficient
``len(y_block) - 1 + t`` of ``X(z) * Yrev(z)`` is ``sum_j x_seg[j+t] y_blk[j]``
(spec/extractor.md, the polynomial form of DEF-EXT).  No rounding anywhere.

>>> exact_partial([1, 0, 1, 1, 0, 1, 0, 0], [1, 1, 0, 1, 0, 0, 1, 0], 3).tolist()
[0, 1, 1]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from diramp.extractor.packed import Bits


def _slot_dtype(max_coeff: int) -> type[np.unsignedinteger]:
    if max_coeff < 1 << 8:
        return np.uint8
    if max_coeff < 1 << 16:
        return np.uint16
    if max_coeff < 1 << 32:
        return np.uint32
    return np.uint64


def exact_partial(x_segment: npt.ArrayLike, y_block: npt.ArrayLike, L: int) -> Bits:
    """LEM-EXT-BLOCKED: parities of ``sum_j x_segment[j+t] y_block[j]`` for t < L, exactly."""
    import flint

    xs = np.asarray(x_segment, dtype=np.uint8)
    yb = np.asarray(y_block, dtype=np.uint8)
    nb = int(yb.size)
    out = np.zeros(L, dtype=np.uint8)
    if nb == 0 or xs.size == 0:
        return out
    dt = _slot_dtype(min(nb, int(xs.size)))
    w = np.dtype(dt).itemsize
    X = flint.fmpz(int.from_bytes(xs.astype(dt).astype(f"<u{w}").tobytes(), "little"))
    Yr = flint.fmpz(int.from_bytes(yb[::-1].astype(dt).astype(f"<u{w}").tobytes(), "little"))
    nc = int(xs.size) + nb - 1  # coefficients of the product
    prod = int(X * Yr).to_bytes(w * nc, "little")
    del X, Yr
    coeffs = np.frombuffer(prod, dtype=f"<u{w}")
    lo = nb - 1
    hi = min(nc, lo + L)
    out[: hi - lo] = (coeffs[lo:hi] & 1).astype(np.uint8)
    return out
