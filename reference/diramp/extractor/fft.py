"""LEM-EXT-BLOCKED, REQ-FLOAT-MARGIN: one task's partial correlation by numpy float64 FFT.

A task correlates an x segment with a y block:
``c[t] = sum_j x_seg[j + t] * y_blk[j]`` for lags ``t = 0 .. L-1``, computed as
``irfft(rfft(x_seg) * conj(rfft(y_blk)))`` at an FFT length ``P >= len(y_blk) + L - 1``
(no circular wrap reaches the first L lags), then rounded; the parities
``c[t] mod 2`` are returned with the worst distance to an integer (the margin).

>>> import numpy as np
>>> par, margin = fft_partial([1, 0, 1, 1, 0, 1, 0, 0], [1, 1, 0, 1, 0, 0, 1, 0], 3, 16)
>>> par.tolist(), margin < 1e-9
([0, 1, 1], True)
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from diramp.extractor.packed import Bits

#: Lags rounded per step (bounds the temporaries of the rounding check).
ROUND_SLICE = 1 << 20

Spectrum = npt.NDArray[np.complex128]


def y_spectrum(y_block: npt.ArrayLike, P: int) -> Spectrum:
    """LEM-EXT-BLOCKED: ``conj(rfft(y_block, P))``, reusable by every lag chunk of the block."""
    yb = np.asarray(y_block)
    buf = np.zeros(P, dtype=np.float64)
    buf[: yb.size] = yb
    Y = np.fft.rfft(buf)
    del buf
    np.conjugate(Y, out=Y)
    return Y


def fft_partial(
    x_segment: npt.ArrayLike,
    y_block: npt.ArrayLike,
    L: int,
    P: int,
    *,
    Y: Spectrum | None = None,
) -> tuple[Bits, float]:
    """LEM-EXT-BLOCKED: parities of ``sum_j x_segment[j+t] y_block[j]``, t < L, and the margin.

    ``x_segment`` may be shorter than ``len(y_block) + L - 1`` (bits past N are
    zero).  ``Y`` is an optional precomputed :func:`y_spectrum` of ``y_block``.
    Requires ``P >= len(y_block) + L - 1``.  Returns ``(parities, margin)``;
    the caller applies the REQ-FLOAT-MARGIN threshold.
    """
    xs = np.asarray(x_segment)
    nb = int(np.asarray(y_block).size) if Y is None else -1
    if nb >= 0 and P < nb + L - 1:
        raise ValueError(f"FFT length {P} < block {nb} + lags {L} - 1")
    if xs.size > P:
        raise ValueError(f"x segment of {xs.size} bits is longer than the FFT length {P}")
    buf = np.zeros(P, dtype=np.float64)
    buf[: xs.size] = xs
    X = np.fft.rfft(buf)
    if Y is None:
        # One P-sized buffer serves x, then y, then the result: at most three
        # P-sized arrays live at once (buf, X, Y), and Y dies before the inverse.
        yb = np.asarray(y_block)
        buf[:] = 0.0
        buf[: yb.size] = yb
        Yl = np.fft.rfft(buf)
        np.conjugate(Yl, out=Yl)
        X *= Yl
        del Yl
    else:
        X *= Y
    c = np.fft.irfft(X, n=P, out=buf)  # reuse buf for the result
    del X
    parity = np.empty(L, dtype=np.uint8)
    margin = 0.0
    for a in range(0, L, ROUND_SLICE):
        v = c[a : min(L, a + ROUND_SLICE)]
        r = np.rint(v)
        if v.size:
            margin = max(margin, float(np.max(np.abs(v - r))))
        parity[a : a + v.size] = r.astype(np.int64) & 1
    return parity, margin
