"""Theorem 2 (Kulikov et al. 2024), DEF-EXT: slow reference extractors, obviously correct.

Two independent references of ``Ext(x, y)[s] = XOR_{j=0}^{N-1-s} x[j+s] AND y[j]``:

* :func:`extract_galois` multiplies literally, ``x^T A_{s+1} y`` over ``galois.GF(2)``
  with the N x N non-cyclic right shift matrices.  It builds N^2-entry matrices,
  so it is meant for N up to about 2^10 (2^12 at most: 16 MiB per matrix, slow).
* :func:`extract_loop` is a plain integer loop over lags (vectorised per lag),
  O(N m) time, for N up to about 2^16.

>>> x = [1, 0, 1, 1, 0, 1, 0, 0]
>>> y = [1, 1, 0, 1, 0, 0, 1, 0]
>>> extract_loop(x, y, 3).tolist(), extract_galois(x, y, 3).tolist()
([0, 1, 1], [0, 1, 1])
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from diramp.errors import InputError
from diramp.extractor.packed import Bits, check_bits


def check_inputs(x: npt.ArrayLike, y: npt.ArrayLike, m: int) -> tuple[Bits, Bits]:
    """DEF-EXT: validate (x, y, m): equal-length 0/1 vectors, 1 <= m <= N.

    >>> check_inputs([1, 0], [1], 1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    diramp.errors.InputError: x, y: must have equal lengths (len(x) = 2, len(y) = 1); ...
    """
    xb, yb = check_bits(x, "x"), check_bits(y, "y")
    check_lengths(int(xb.size), int(yb.size), m)
    return xb, yb


def check_lengths(nx: int, ny: int, m: int) -> None:
    """DEF-EXT: the length conditions N = len(x) = len(y) >= 1 and 1 <= m <= N."""
    if nx != ny:
        raise InputError(
            "x, y",
            "must have equal lengths",
            f"len(x) = {nx}, len(y) = {ny}",
            "in the protocol x = AB and y = Z both have N = 2n bits",
        )
    if nx < 1:
        raise InputError("x, y", "must be non-empty", "N = 0")
    if not isinstance(m, int | np.integer) or isinstance(m, bool):
        raise InputError("m", "must be an integer", f"got {m!r}")
    if not 1 <= m <= nx:
        raise InputError("m", f"must satisfy 1 <= m <= N = {nx}", f"got {m}", "choose m in range")


def shift_matrix(N: int, i: int) -> npt.NDArray[np.uint8]:
    """Theorem 2, DEF-EXT: A_i, the non-cyclic right shift by i - 1, as a 0/1 matrix.

    ``(A_{s+1} y)_j = y_{j-s}`` for ``j >= s``, else 0: ones at ``(j, j - s)``.

    >>> shift_matrix(3, 2).tolist()
    [[0, 0, 0], [1, 0, 0], [0, 1, 0]]
    """
    return np.eye(N, k=-(i - 1), dtype=np.uint8)


def extract_galois(x: npt.ArrayLike, y: npt.ArrayLike, m: int) -> Bits:
    """Theorem 2 (Kulikov et al. 2024), DEF-EXT: ``(x^T A_1 y, ..., x^T A_m y)`` over GF(2).

    Literal matrix products with ``galois.GF(2)``; memory N^2 bytes (use N <= 2^12).
    """
    import galois

    xb, yb = check_inputs(x, y, m)
    GF = galois.GF2  # prebuilt GF(2) class (galois.GF(2) JIT-compiles for seconds)
    xg, yg = GF(xb), GF(yb)
    out = np.zeros(m, dtype=np.uint8)
    for i in range(1, m + 1):
        A = GF(shift_matrix(xb.size, i))
        # Field operations written out: (A y)_j = sum_k A[j, k] y[k], then x^T (A y).
        # (galois' ``@`` is equivalent but JIT-compiles for ~10 s on first use.)
        Ay = np.add.reduce(A * yg[np.newaxis, :], axis=1)
        out[i - 1] = int(np.add.reduce(xg * Ay))
    return out


def extract_loop(x: npt.ArrayLike, y: npt.ArrayLike, m: int) -> Bits:
    """Theorem 2 (Kulikov et al. 2024), DEF-EXT: integer loop over lags, O(N m).

    ``out[s] = (sum_{j=0}^{N-1-s} x[j+s] * y[j]) mod 2`` with exact integers.
    """
    xb, yb = check_inputs(x, y, m)
    N = xb.size
    out = np.zeros(m, dtype=np.uint8)
    for s in range(m):
        out[s] = np.count_nonzero(xb[s:] & yb[: N - s]) & 1
    return out
