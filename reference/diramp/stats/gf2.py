"""GF(2) kernels for SP 800-22 rev1a: matrix rank (section 2.5) and linear complexity
by Berlekamp-Massey (section 2.10, Appendix on the algorithm).

Both are vectorised over many matrices / blocks at once with numpy.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

U64 = np.uint64


def rank_batch(rows: NDArray[np.uint64], ncols: int) -> NDArray[np.int64]:
    """Ranks over GF(2) of a batch of binary matrices.

    ``rows`` has shape (N, M): row j of matrix i is the integer ``rows[i, j]`` whose
    ``ncols`` low bits are the row's entries (``ncols`` <= 64).  Gaussian elimination
    runs on all N matrices at once, one column per step (section 2.5.4 step 2 and
    Appendix F.1 of SP 800-22 describe the elimination; the rank does not depend on
    the column order).

    >>> rank_batch(np.array([[0b010, 0b110, 0b010], [0b010, 0b101, 0b011]], dtype=np.uint64), 3)
    array([2, 3])
    """
    if ncols > 64:
        raise ValueError("rank_batch: at most 64 columns")
    work = np.array(rows, dtype=U64, copy=True)
    n, m = work.shape
    used = np.zeros((n, m), dtype=bool)
    rank = np.zeros(n, dtype=np.int64)
    ar = np.arange(n)
    for bit in range(ncols - 1, -1, -1):
        has = (work >> U64(bit)) & U64(1) == U64(1)
        cand = has & ~used
        found = cand.any(axis=1)
        piv = np.argmax(cand, axis=1)
        pivrow = work[ar, piv]
        elim = has & found[:, None]
        elim[ar, piv] = False
        work ^= np.where(elim, pivrow[:, None], U64(0))
        used[ar[found], piv[found]] = True
        rank += found
    return rank


def _shift1(a: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """Multiply packed polynomials (bit i of word i//64 = coefficient of x^i) by x."""
    out = a << U64(1)
    out[:, 1:] |= a[:, :-1] >> U64(63)
    return out


def linear_complexity_batch(blocks: NDArray[np.uint8]) -> NDArray[np.int64]:
    """Linear complexity L of each row of ``blocks`` (shape (N, M), entries 0/1).

    Berlekamp-Massey (SP 800-22 rev1a section 2.10.4 step 2, the algorithm of its
    Appendix), run on all N blocks at once.  Polynomials are packed in uint64 words;
    ``window`` holds s_n, s_{n-1}, ..., s_0 so that the discrepancy is the parity of
    popcount(C & window), and ``bx`` holds x^(n-m) B(x).

    >>> linear_complexity_batch(np.array([[1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 1]], dtype=np.uint8))
    array([4])
    """
    s = np.asarray(blocks, dtype=np.uint8)
    n_blocks, m_len = s.shape
    words = (m_len + 2 + 63) // 64
    c = np.zeros((n_blocks, words), dtype=U64)
    c[:, 0] = U64(1)
    bx = _shift1(c.copy())  # B = 1 with m = -1: at n = 0, x^(n-m) B = x
    window = np.zeros((n_blocks, words), dtype=U64)
    lc = np.zeros(n_blocks, dtype=np.int64)
    for n in range(m_len):
        window = _shift1(window)
        window[:, 0] |= s[:, n].astype(U64)
        d = (np.bitwise_count(c & window).sum(axis=1) & 1).astype(bool)
        t = c.copy()
        c[d] ^= bx[d]
        grow = d & (2 * lc <= n)
        lc[grow] = n + 1 - lc[grow]
        bx[grow] = t[grow]
        bx = _shift1(bx)
    return lc
