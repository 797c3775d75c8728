"""REQ-FLOAT-MARGIN: the rounding check of the float FFT path and its a priori bound.

Every partial correlation computed in float64 is rounded to the nearest
integer.  The true values are integers, so the distance of a computed value to
its nearest integer is a *lower* bound on its rounding error; rounding is
correct whenever the error is < 1/2.  Two defences (spec/extractor.md):

1. a priori: :func:`fft_error_bound` bounds the error of one block (FFT length P,
   0/1 inputs) by a Higham-style worst-case estimate; the planner never picks
   a P whose bound exceeds :data:`SAFE_MARGIN`.
2. at run time: the worst observed distance to an integer of every block must
   be <= :data:`SAFE_MARGIN` (= 1/4).  Otherwise the block is recomputed by the
   exact method (``method="auto"``) or the run stops with CheckFailed
   (``method="fft"``).

>>> fft_error_bound(3 << 24) < SAFE_MARGIN
True
>>> round(margin_of([1.0, 2.1, -0.05]), 12)
0.1
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

#: REQ-FLOAT-MARGIN: largest accepted distance of a float result to the nearest integer.
SAFE_MARGIN = 0.25

#: IEEE 754 binary64 unit roundoff u = 2^-53 (Higham, ASNA 2nd ed., sec. 2.1).
UNIT_ROUNDOFF = 2.0**-53


def fft_error_bound(P: int, twiddle_error: float = UNIT_ROUNDOFF) -> float:
    """REQ-FLOAT-MARGIN: worst-case |error| of one float64 FFT correlation of 0/1 vectors.

    With eta = mu + gamma_4 (sqrt 2 + mu) and eps_F = log2(P) eta / (1 - log2(P) eta)
    (Higham, ASNA 2nd ed., Thm 24.2: relative 2-norm error of a computed FFT,
    mu the twiddle-factor error), for 0/1 inputs of length <= P the max-norm
    error of ``irfft(rfft(x) * conj(rfft(y)))`` is at most
    ``(3 eps_F + 2u) P^{3/2}`` (spec/extractor.md REQ-FLOAT-MARGIN).  The
    estimate errs upward (it bounds every norm by its worst case), and assumes
    the FFT library meets Higham's model; the run-time check guards that
    assumption.

    >>> f"{fft_error_bound(1 << 20):.1e}"
    '4.8e-05'
    """
    u = UNIT_ROUNDOFF
    lg = math.log2(P) if P > 1 else 1.0
    gamma4 = 4 * u / (1 - 4 * u)
    eta = twiddle_error + gamma4 * (math.sqrt(2) + twiddle_error)
    eps_f = lg * eta / (1 - lg * eta)
    return (3 * eps_f + 2 * u) * P**1.5


def margin_of(values: npt.ArrayLike) -> float:
    """REQ-FLOAT-MARGIN: max distance of float values to their nearest integers (0 if empty)."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return 0.0
    return float(np.max(np.abs(v - np.rint(v))))
