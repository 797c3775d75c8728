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

The grouped kernel (:class:`Workspace`, :func:`grouped_partial`) sums the
products of G blocks' spectra and inverts once per group (REQ-FLOAT-MARGIN,
"Grouped spectra"): the inverse of a sum is the sum of the correlations, whose
parity is the XOR of the blocks' partial parities.  Its P-length buffers live
in a :class:`Workspace` allocated once per worker and reused for every task.

>>> par, margin = grouped_partial([[1, 0, 1, 1, 0, 1, 0, 0], [0, 1, 0, 0]],
...                               [[1, 1, 0, 1, 0, 0], [1, 0]], 3, 16)
>>> par.tolist(), margin < 1e-9
([0, 0, 1], True)
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


#: Complex elements per multiply-accumulate step (keeps the product temporary in cache).
MAC_SLICE = 1 << 16


class Workspace:
    """LEM-EXT-BLOCKED: one worker's P-length buffers, allocated once and reused across tasks.

    ``real`` stages an input (or receives an inverse transform) and ``spec``
    receives a forward spectrum.  Only the ranges written since the last
    staging are cleared, so staging costs O(bits staged), not O(P).
    """

    def __init__(self, P: int) -> None:
        self.P = P
        self.real = np.zeros(P, dtype=np.float64)
        self.spec = np.empty(P // 2 + 1, dtype=np.complex128)
        self._dirty: list[tuple[int, int]] = []

    def _stage(self, pieces: list[tuple[int, npt.NDArray[np.generic]]]) -> None:
        for a, b in self._dirty:
            self.real[a:b] = 0.0
        self._dirty = []
        for a, v in pieces:
            if v.size:
                self.real[a : a + v.size] = v
                self._dirty.append((a, a + v.size))

    def x_spectrum(self, x_segment: npt.ArrayLike, out: Spectrum | None = None) -> Spectrum:
        """``rfft(x_segment, P)`` into ``out`` (default: this workspace's ``spec``)."""
        xs = np.asarray(x_segment)
        if xs.size > self.P:
            raise ValueError(f"x segment of {xs.size} bits is longer than the FFT length {self.P}")
        self._stage([(0, xs)])
        return np.fft.rfft(self.real, out=self.spec if out is None else out)

    def y_spectrum_conj(self, y_block: npt.ArrayLike, out: Spectrum) -> Spectrum:
        """``conj(rfft(y_block, P))`` into ``out``, as the rfft of the circular reversal of y.

        For real y, conj(F y)[k] = (F y')[k] with y'[n] = y[-n mod P]: staging
        y[0] at 0 and y[i] at P - i replaces a conjugation pass.
        """
        yb = np.asarray(y_block)
        if yb.size > self.P:
            raise ValueError(f"y block of {yb.size} bits is longer than the FFT length {self.P}")
        self._stage([(0, yb[:1]), (self.P - yb.size + 1, yb[:0:-1])])
        return np.fft.rfft(self.real, out=out)

    def invert_round(self, acc: Spectrum, L: int) -> tuple[Bits, float]:
        """REQ-FLOAT-MARGIN: ``irfft(acc, P)[:L]`` rounded: parities and the worst margin."""
        c = np.fft.irfft(acc, n=self.P, out=self.real)
        self._dirty = [(0, self.P)]
        return round_parities(c, L)


def multiply_accumulate(acc: Spectrum, X: Spectrum, Yc: Spectrum, first: bool) -> None:
    """``acc = X * Yc`` (``first``) or ``acc += X * Yc``, in cache-sized slices."""
    if first:
        np.multiply(X, Yc, out=acc)
        return
    n = acc.size
    tmp = np.empty(min(n, MAC_SLICE), dtype=np.complex128)
    for a in range(0, n, MAC_SLICE):
        b = min(n, a + MAC_SLICE)
        t = tmp[: b - a]
        np.multiply(X[a:b], Yc[a:b], out=t)
        acc[a:b] += t


def round_parities(c: npt.NDArray[np.float64], L: int) -> tuple[Bits, float]:
    """REQ-FLOAT-MARGIN: parities of ``rint(c[:L])`` and ``max |c - rint(c)|`` over those L values."""
    parity = np.empty(L, dtype=np.uint8)
    margin = 0.0
    for a in range(0, L, ROUND_SLICE):
        v = c[a : min(L, a + ROUND_SLICE)]
        r = np.rint(v)
        if v.size:
            margin = max(margin, float(np.max(np.abs(v - r))))
        parity[a : a + v.size] = r.astype(np.int64) & 1
    return parity, margin


def grouped_partial(
    x_segments: list[npt.ArrayLike],
    y_blocks: list[npt.ArrayLike],
    L: int,
    P: int,
    *,
    workspace: Workspace | None = None,
) -> tuple[Bits, float]:
    """LEM-EXT-BLOCKED, REQ-FLOAT-MARGIN: XOR of several tasks' partials of one lag chunk, one inverse.

    Task i correlates ``x_segments[i]`` with ``y_blocks[i]`` (as :func:`fft_partial`);
    the spectra products are summed and inverted once.  The caller checks the
    group size against :func:`diramp.extractor.margin.check_group` and applies the
    run-time threshold to the returned margin.
    """
    if len(x_segments) != len(y_blocks) or not y_blocks:
        raise ValueError("need as many x segments as y blocks, at least one")
    ws = workspace if workspace is not None else Workspace(P)
    acc = np.empty(P // 2 + 1, dtype=np.complex128)
    Yc = np.empty(P // 2 + 1, dtype=np.complex128)
    for i, (xs, yb) in enumerate(zip(x_segments, y_blocks, strict=True)):
        nb = int(np.asarray(yb).size)
        if P < nb + L - 1:
            raise ValueError(f"FFT length {P} < block {nb} + lags {L} - 1")
        ws.y_spectrum_conj(yb, Yc)
        X = ws.x_spectrum(xs)
        multiply_accumulate(acc, X, Yc, first=i == 0)
    return ws.invert_round(acc, L)
