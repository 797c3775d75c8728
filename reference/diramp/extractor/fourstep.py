"""LEM-EXT-BLOCKED, REQ-FLOAT-MARGIN ("Four-step spectra"): the cache-friendly transforms of kernel v3.

A length-P real transform is factored P = P1 * P2 (Bailey's four-step, no
transposes).  The P input bits are viewed as a P1 x P2 array ``R[n1, n2] =
v[P2 n1 + n2]``; then

1. ``A = rfft(R, axis=0)``: P2 real transforms of length P1 over the columns
   (half spectra: rows k1 = 0 .. P1/2), column slabs at a time;
2. ``A[k1, n2] *= W_P^(k1 n2)`` (the twiddle table, :func:`twiddles`);
3. ``fft(A, axis=1)``: P1/2 + 1 complex transforms of length P2 over the rows,

so that ``spectrum[k1, k2] = rfft(v)`` at frequency ``k1 + P1 k2`` (a
permuted order; the other half of the spectrum is the conjugate mirror).  A
convolution only needs forward and inverse to use the same order, so no
transpose is ever made.  The inverse runs the three steps backwards (row
inverses, conjugate twiddles, column ``irfft``), unscaled, and the L wanted
values are divided by P once.  Every transform is of length P1 or P2, a few
thousand: in cache, where numpy's FFT is several times faster per element
than at P.  Steps 2-3 of an x spectrum are fused with the spectra product and
its accumulation, one row slab at a time, so the x spectrum is never
materialised and the products stream through the cache.

Both threads work on every pass (column slabs, then row slabs); each slab's
arithmetic does not depend on which thread runs it, so results are
bit-for-bit the same for any number of threads.  The twiddles are products
of two correctly rounded tables (computed with mpmath), which is what the a
priori bound :func:`diramp.extractor.margin.fourstep_error_bound` assumes.

>>> import numpy as np
>>> fs = FourStep(48)
>>> x = np.array([1, 0, 1, 1, 0, 1, 0, 0], dtype=np.uint8)
>>> y = np.array([1, 1, 0, 1, 0, 0, 1, 0], dtype=np.uint8)
>>> Yc = fs.new_spectrum(); acc = fs.new_spectrum()
>>> fs.y_spectrum_conj(y, Yc)
>>> fs.x_mac(x, acc, Yc, first=True)
>>> par, margin = fs.invert_round(acc, 3)
>>> par.tolist(), margin < 1e-9
([0, 1, 1], True)
>>> fs.close()
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import mpmath
import numpy as np
import numpy.typing as npt

from diramp.extractor.packed import Bits

#: Target elements of one stage-1 column slab (P1 x w float64) and of one stage-2
#: row slab (rows x P2 complex): both inside a 1 MiB L2 cache (tuned by measurement).
COL_SLAB = 1 << 16
ROW_SLAB = 1 << 15
#: Bytes of input staged per job (both threads stage).
STAGE_SLAB = 1 << 22
#: Working precision (bits) of the mpmath evaluation of the twiddle factor tables.
TWIDDLE_PREC = 120

Spectrum = npt.NDArray[np.complex128]
T = TypeVar("T")


def split(P: int) -> tuple[int, int]:
    """The factorisation P = P1 * P2 of the four-step transforms: P2 a power of two, P1 even.

    P = f * 2^a (f odd); P2 = 2^b takes about half of the two-power, leaving P1 =
    f * 2^(a - b) near sqrt(P) / 2 (measured best for numpy's strided column
    pass, docs/extractor.md).  Odd P: (P, 1) (a plain transform).

    >>> split(5 << 23), split(1 << 26), split(1 << 24), split(12), split(7)
    ((2560, 16384), (4096, 16384), (2048, 8192), (6, 2), (7, 1))
    """
    if P < 1:
        raise ValueError(f"FFT length must be positive, got {P}")
    a = (P & -P).bit_length() - 1
    if a == 0:
        return P, 1
    f = P >> a
    best = (P, 1)
    target = math.sqrt(P) / 2
    for b in range(0, a):  # P1 = f * 2^(a - b) keeps a factor 2
        P1 = f << (a - b)
        if abs(math.log2(P1 / target)) < abs(math.log2(best[0] / target)):
            best = (P1, 1 << b)
    return best


@functools.lru_cache(maxsize=4)
def _factor_tables(P: int, Q: int, n2: int) -> tuple[npt.NDArray[np.complex128],
                                                     npt.NDArray[np.complex128]]:
    """``T1[r] = W_P^r`` (r < Q) and ``T2[s] = W_P^(Q s)`` (s < n2), each component correctly
    rounded from a TWIDDLE_PREC-bit mpmath evaluation (W_P = exp(-2 pi i / P))."""
    def table(idx: range) -> npt.NDArray[np.complex128]:
        out = np.empty(len(idx), dtype=np.complex128)
        with mpmath.workprec(TWIDDLE_PREC):
            for i, j in enumerate(idx):
                t = mpmath.mpf(2 * j) / P  # exact: 2j and P are integers < 2^64
                out[i] = complex(float(mpmath.cospi(t)), -float(mpmath.sinpi(t)))
        return out

    return table(range(Q)), table(range(0, Q * n2, Q))


def twiddles(
    P1: int, P2: int, run: Callable[[list[tuple[int, int]], Callable[[int, int], None]], object] | None = None,
) -> Spectrum:
    """REQ-FLOAT-MARGIN: ``tw[k1, n2] ~ W_P^(k1 n2)``, k1 <= P1/2, n2 < P2, P = P1 P2.

    j = k1 n2 < P is split as j = r + Q s; ``tw = fl(T1[r] * T2[s])``, one
    complex product of two correctly rounded factors (read-only array; the
    small factor tables are cached, the table itself, 8P bytes, is not).
    ``run(slabs, fn)`` runs ``fn`` over row slabs (default: in turn, this thread).

    >>> t = twiddles(4, 4)
    >>> bool(abs(t[1, 1] - np.exp(-2j * np.pi / 16)) < 1e-15), t.shape
    (True, (3, 4))
    """
    P, H1 = P1 * P2, P1 // 2 + 1
    jmax = (H1 - 1) * (P2 - 1)
    q = max(1, (max(1, jmax).bit_length() + 1) // 2)
    Q = 1 << q
    T1, T2 = _factor_tables(P, Q, jmax // Q + 1)
    tw = np.empty((H1, P2), dtype=np.complex128)
    n2 = np.arange(P2, dtype=np.int64)
    rows = max(1, ROW_SLAB // P2)

    def fill(r0: int, r1: int) -> None:
        j = np.multiply.outer(np.arange(r0, r1, dtype=np.int64), n2)
        np.multiply(T1[j & (Q - 1)], T2[j >> q], out=tw[r0:r1])

    slabs = [(r, min(H1, r + rows)) for r in range(0, H1, rows)]
    if run is None:
        for a, b in slabs:
            fill(a, b)
    else:
        run(slabs, fill)
    tw.flags.writeable = False
    return tw


class FourStep:
    """LEM-EXT-BLOCKED: the v3 transforms at one FFT length P on ``workers`` threads.

    Holds the P1/2+1 x P2 complex work array (one per process: both threads
    work on the same transform), the twiddle table, a P-byte staging buffer for
    the input bits and per-thread slab buffers.  Spectra (:meth:`new_spectrum`)
    are P1/2+1 x P2 complex arrays in the four-step order.
    """

    def __init__(self, P: int, workers: int = 1) -> None:
        self.P = P
        self.P1, self.P2 = split(P)
        self.H1 = self.P1 // 2 + 1
        self.work = np.empty((self.H1, self.P2), dtype=np.complex128)
        self.bits = np.zeros(P, dtype=np.uint8)
        self.bits2d = self.bits.reshape(self.P1, self.P2)
        self.w = max(1, min(self.P2, COL_SLAB // self.P1))
        self.rows = max(1, min(self.H1, ROW_SLAB // self.P2))
        self.col_slabs = [(c, min(self.P2, c + self.w)) for c in range(0, self.P2, self.w)]
        self.row_slabs = [(r, min(self.H1, r + self.rows)) for r in range(0, self.H1, self.rows)]
        self.byte_slabs = [(a, min(P, a + STAGE_SLAB)) for a in range(0, P, STAGE_SLAB)]
        self.workers = max(1, workers)
        self.pool = ThreadPoolExecutor(self.workers - 1) if self.workers > 1 else None
        self._local = threading.local()
        #: CPU seconds the calling thread spent inside the parallel passes (the rest of its
        #: CPU time is serial work: reading, Python bookkeeping; benchmarks use it to
        #: estimate the two-core wall time from CPU time).
        self.parallel_cpu_main = 0.0
        self.tw = twiddles(self.P1, self.P2, self._par)

    def close(self) -> None:
        """Stop the helper threads."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None

    def new_spectrum(self) -> Spectrum:
        """An uninitialised spectrum array (P1/2+1 x P2 complex)."""
        return np.empty((self.H1, self.P2), dtype=np.complex128)

    # -- threads ---------------------------------------------------------------
    def _buffers(self) -> tuple[npt.NDArray[np.float64], Spectrum, Spectrum]:
        loc = self._local
        if getattr(loc, "real", None) is None:
            loc.real = np.empty((self.P1, self.w), dtype=np.float64)
            loc.c1 = np.empty((self.rows, self.P2), dtype=np.complex128)
            loc.c2 = np.empty((self.rows, self.P2), dtype=np.complex128)
        return loc.real, loc.c1, loc.c2

    def _par(self, slabs: list[tuple[int, int]], fn: Callable[[int, int], T | None]) -> list[T]:
        """Run ``fn(a, b)`` on every slab, the calling thread and the helpers taking turns;
        the results that are not None, in no particular order."""
        nxt = [0]
        lock = threading.Lock()
        results: list[T] = []

        def drain() -> None:
            while True:
                with lock:
                    i = nxt[0]
                    nxt[0] += 1
                if i >= len(slabs):
                    return
                r = fn(*slabs[i])
                if r is not None:
                    with lock:
                        results.append(r)

        t0 = time.thread_time()
        futs = [self.pool.submit(drain) for _ in range(self.workers - 1)] if self.pool else []
        try:
            drain()
        finally:
            for f in futs:
                f.result()
            self.parallel_cpu_main += time.thread_time() - t0
        return results

    # -- staging ---------------------------------------------------------------
    def _stage(self, pieces: list[tuple[int, npt.NDArray[np.generic]]]) -> None:
        """``bits`` = zeros with each ``(offset, values)`` piece written in, byte slabs on all threads."""
        bits = self.bits

        def fill(a: int, b: int) -> None:
            bits[a:b] = 0
            for off, v in pieces:
                lo, hi = max(a, off), min(b, off + v.size)
                if lo < hi:
                    bits[lo:hi] = v[lo - off : hi - off]

        self._par(self.byte_slabs, fill)

    # -- forward ---------------------------------------------------------------
    def _columns(self) -> None:
        """Step 1: ``work = rfft(bits as P1 x P2, axis=0)``, column slab by slab."""
        P1, bits2d, work = self.P1, self.bits2d, self.work

        def col(c0: int, c1: int) -> None:
            real = self._buffers()[0][:, : c1 - c0]
            np.copyto(real, bits2d[:, c0:c1])
            np.fft.rfft(real, n=P1, axis=0, out=work[:, c0:c1])

        self._par(self.col_slabs, col)

    def _rows(self, sink: Callable[[int, int, Spectrum], None]) -> None:
        """Steps 2-3 per row slab: twiddle, row transform into a slab buffer, then ``sink``."""
        work, tw = self.work, self.tw

        def row(r0: int, r1: int) -> None:
            _, c1, c2 = self._buffers()
            s1, s2 = c1[: r1 - r0], c2[: r1 - r0]
            np.multiply(work[r0:r1], tw[r0:r1], out=s2)  # not written back: saves memory traffic
            np.fft.fft(s2, axis=1, out=s1)
            sink(r0, r1, s1)

        self._par(self.row_slabs, row)

    def y_spectrum_conj(self, y_block: npt.ArrayLike, out: Spectrum) -> None:
        """``conj(rfft(y_block, P))`` into ``out`` (four-step order), as the transform of the
        circular reversal of y (y[0] at 0, y[i] at P - i): no conjugation pass."""
        yb = np.asarray(y_block)
        if yb.size > self.P:
            raise ValueError(f"y block of {yb.size} bits is longer than the FFT length {self.P}")
        self._stage([(0, yb[:1]), (self.P - yb.size + 1, yb[:0:-1])])
        self._columns()

        def store(r0: int, r1: int, s: Spectrum) -> None:
            out[r0:r1] = s

        self._rows(store)

    def x_mac(self, x_segment: npt.ArrayLike, acc: Spectrum, Yc: Spectrum, first: bool) -> None:
        """``acc = X * Yc`` (``first``) or ``acc += X * Yc`` with X = rfft(x_segment, P),
        fused into the row slabs (X is never stored)."""
        xs = np.asarray(x_segment)
        if xs.size > self.P:
            raise ValueError(f"x segment of {xs.size} bits is longer than the FFT length {self.P}")
        self._stage([(0, xs)])
        self._columns()

        def mac(r0: int, r1: int, s: Spectrum) -> None:
            if first:
                np.multiply(s, Yc[r0:r1], out=acc[r0:r1])
            else:
                np.multiply(s, Yc[r0:r1], out=s)
                a = acc[r0:r1]
                np.add(a, s, out=a)

        self._rows(mac)

    # -- inverse ---------------------------------------------------------------
    def invert_round(self, acc: Spectrum, L: int) -> tuple[Bits, float]:
        """REQ-FLOAT-MARGIN: the first L values of the inverse of ``acc``, rounded.

        Row inverses (unscaled), conjugate twiddles, column ``irfft`` (unscaled);
        each of the L values is divided by P once (one correctly rounded
        division).  Returns their parities and the worst distance to an integer.
        """
        P, P1, P2 = self.P, self.P1, self.P2
        if not 1 <= L <= P:
            raise ValueError(f"need 1 <= L <= P, got L = {L}, P = {P}")
        work, tw = self.work, self.tw

        def row(r0: int, r1: int) -> None:
            _, c1, c2 = self._buffers()
            s1, s2 = c1[: r1 - r0], c2[: r1 - r0]
            np.fft.ifft(acc[r0:r1], axis=1, norm="forward", out=s1)
            np.conjugate(tw[r0:r1], out=s2)
            np.multiply(s1, s2, out=work[r0:r1])

        self._par(self.row_slabs, row)
        nr = -(-L // P2)  # rows n1 < nr hold the values t = P2 n1 + n2 < L
        last = L - P2 * (nr - 1)  # valid columns of the last row
        parity2d = np.empty((nr, P2), dtype=np.uint8)

        def col(c0: int, c1: int) -> float:
            real = self._buffers()[0][:, : c1 - c0]
            np.fft.irfft(work[:, c0:c1], n=P1, axis=0, norm="forward", out=real)
            v = real[:nr]
            np.divide(v, P, out=v)
            r = np.rint(v)
            d = np.abs(v - r)
            mg = float(np.max(d[: nr - 1])) if nr > 1 else 0.0
            if c0 < last:
                mg = max(mg, float(np.max(d[nr - 1, : min(c1, last) - c0])))
            parity2d[:, c0:c1] = r.astype(np.int64) & 1
            return mg

        margins = self._par(self.col_slabs, col)
        return parity2d.reshape(-1)[:L].copy(), max(margins, default=0.0)
