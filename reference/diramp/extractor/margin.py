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

The grouped kernel (one inverse FFT per group of G blocks) uses the named
variant :func:`group_error_bound` (our derivation, spec/extractor.md
REQ-FLOAT-MARGIN, "Grouped spectra"); :func:`max_group` is the largest G it
admits and :func:`check_group` refuses an unsafe (P, G) with the bound printed.

>>> fft_error_bound(3 << 24) < SAFE_MARGIN
True
>>> max_group(5 << 23)
15
>>> round(margin_of([1.0, 2.1, -0.05]), 12)
0.1
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from diramp.errors import InputError

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


#: Relative inflation applied to :func:`group_error_bound` for the float64
#: evaluation of its own formula (about 30 roundings of relative size 2^-53 each).
BOUND_EVAL_SLACK = 1e-12


def _gamma(k: int, u: float = UNIT_ROUNDOFF) -> float:
    """Higham's gamma_k = k u / (1 - k u) (ASNA 2nd ed., Lemma 3.1)."""
    return k * u / (1 - k * u)


def group_error_bound(P: int, G: int = 1, twiddle_error: float = UNIT_ROUNDOFF) -> float:
    """REQ-FLOAT-MARGIN (grouped variant, our derivation): max |error| of a group of G blocks.

    The grouped kernel computes ``c = sum_{b<G} x_b (star) y_b`` as
    ``irfft(sum_b rfft(x_b) * conj(rfft(y_b)))`` at FFT length P, 0/1 inputs of
    length <= P, the spectra summed left to right.  With L2 = ceil(log2 P),
    eta = mu + gamma_4 (sqrt 2 + mu), e = L2 eta / (1 - L2 eta) (Higham, ASNA
    2nd ed., Thm 24.2, stated there for radix 2), rho = sqrt 2 gamma_2
    (Lemma 3.5, complex multiplication), beta = (2e + e^2)(1 + rho) + rho,
    beta_G = beta + gamma_{G-1} (1 + beta) and e_inv = e + u + e u:

        max_t |c~[t] - c[t]|  <=  G P^{3/2} (e_inv (1 + beta_G) + beta_G)

    including every second-order term (spec/extractor.md REQ-FLOAT-MARGIN,
    "Grouped spectra").  Linear in G apart from the summation term gamma_{G-1}.
    The result is inflated by :data:`BOUND_EVAL_SLACK` for its own float evaluation.

    >>> f"{group_error_bound(5 << 23, 1):.4f}", f"{group_error_bound(5 << 23, 15):.3f}"
    ('0.0158', '0.243')
    """
    if P < 1 or G < 1:
        raise InputError("P, G", "must be positive integers", f"P = {P}, G = {G}")
    u = UNIT_ROUNDOFF
    lg = max(1, math.ceil(math.log2(P)))
    eta = twiddle_error + _gamma(4) * (math.sqrt(2) + twiddle_error)
    if lg * eta >= 1:
        return math.inf
    e = lg * eta / (1 - lg * eta)
    # The inverse scales by fct = fl(1/P) (numpy), one multiplication: two roundings
    # unless P is a power of two (fct exact).
    u_fct = 0.0 if P & (P - 1) == 0 else u
    return _grouped(P, G, e, _compose(e, u, u_fct))


def _compose(*errs: float) -> float:
    """``prod(1 + e_i) - 1`` for relative errors e_i >= 0, without cancellation.

    Evaluated as ``a + e + a e`` step by step (every term positive), so the
    float result is within a few u of the exact value relative to itself, which
    :data:`BOUND_EVAL_SLACK` covers; ``(1 + a)(1 + b) - 1`` in float64 would lose
    all relative accuracy for tiny errors.

    >>> _compose(2.0**-53, 2.0**-53) == 2 * 2.0**-53 + 2.0**-106
    True
    """
    acc = 0.0
    for e in errs:
        acc = acc + e + acc * e
    return acc


def _grouped(P: int, G: int, e: float, e_inv: float) -> float:
    """The grouped bound ``G P^{3/2} (e_inv (1 + beta_G) + beta_G)`` from the forward and inverse
    relative errors (spec/extractor.md REQ-FLOAT-MARGIN, "Grouped spectra"), inflated by
    :data:`BOUND_EVAL_SLACK`."""
    rho = math.sqrt(2) * _gamma(2)
    beta = (2 * e + e * e) * (1 + rho) + rho
    beta_g = beta + _gamma(G - 1) * (1 + beta)
    return G * float(P) ** 1.5 * (e_inv * (1 + beta_g) + beta_g) * (1 + BOUND_EVAL_SLACK)


#: Absolute error of one correctly rounded twiddle factor table entry of modulus 1:
#: u from rounding each component to float64, plus 2^-100 for the TWIDDLE_PREC-bit
#: mpmath evaluation and the double rounding (spec: "Four-step spectra").
TABLE_ERROR = UNIT_ROUNDOFF + 2.0**-100


def _transform_error(n: int, eta: float) -> float:
    """(A1): relative 2-norm error of a computed length-n transform (0 for n = 1, the identity)."""
    if n == 1:
        return 0.0
    lg = max(1, math.ceil(math.log2(n)))
    if lg * eta >= 1:
        return math.inf
    return lg * eta / (1 - lg * eta)


def fourstep_error_bound(P: int, G: int = 1, twiddle_error: float = UNIT_ROUNDOFF) -> float:
    """REQ-FLOAT-MARGIN (four-step variant, our derivation): max |error| of a v3 group of G blocks.

    Kernel v3 (:mod:`diramp.extractor.fourstep`) computes each length-P transform
    as P2 column transforms of length P1, a twiddle multiply and P1/2+1 row
    transforms of length P2 (P = P1 P2, :func:`~diramp.extractor.fourstep.split`).
    With e1, e2 the (A1) errors at lengths P1 and P2, mu_T = (1 + u_t)^2 (1 + rho) - 1
    the error of a twiddle (a product of two table entries of error u_t each,
    :data:`TABLE_ERROR`), tau = mu_T + rho (1 + mu_T) that of the twiddle multiply:

        e_F = (1 + e1)(1 + tau)(1 + e2) - 1     (forward, and the unscaled inverse)
        e_inv = (1 + e_F)(1 + u) - 1            (one division by P)

    and the grouped bound with e -> e_F (spec/extractor.md REQ-FLOAT-MARGIN,
    "Four-step spectra").

    >>> f"{fourstep_error_bound(5 << 23, 1):.4f}", f"{fourstep_error_bound(5 << 23, 14):.3f}"
    ('0.0165', '0.236')
    """
    from diramp.extractor.fourstep import split

    if P < 1 or G < 1:
        raise InputError("P, G", "must be positive integers", f"P = {P}, G = {G}")
    u = UNIT_ROUNDOFF
    P1, P2 = split(P)
    eta = twiddle_error + _gamma(4) * (math.sqrt(2) + twiddle_error)
    e1, e2 = _transform_error(P1, eta), _transform_error(P2, eta)
    rho = math.sqrt(2) * _gamma(2)
    mu_t = _compose(TABLE_ERROR, TABLE_ERROR, rho)
    tau = mu_t + rho * (1 + mu_t)
    e_f = _compose(e1, tau, e2)
    return _grouped(P, G, e_f, _compose(e_f, u))


#: Kernels with a grouped a priori bound, and the bound of each.
BOUNDS = {"v2": group_error_bound, "v3": fourstep_error_bound}


def max_group(P: int, threshold: float | None = None, kernel: str = "v2") -> int:
    """REQ-FLOAT-MARGIN: the largest G with ``bound(P, G) <= threshold`` (0 if none).

    ``threshold`` defaults to :data:`SAFE_MARGIN`; the bound is ``kernel``'s
    (:data:`BOUNDS`: v2 :func:`group_error_bound`, v3 :func:`fourstep_error_bound`).

    >>> max_group(1 << 25), max_group(1 << 27), max_group(1 << 28)
    (22, 2, 0)
    """
    tau = SAFE_MARGIN if threshold is None else threshold
    bound = _bound_of(kernel)
    if bound(P, 1) > tau:
        return 0
    lo, hi = 1, 2
    while bound(P, hi) <= tau:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:  # bound increasing in G: bisect
        mid = (lo + hi) // 2
        if bound(P, mid) <= tau:
            lo = mid
        else:
            hi = mid
    return lo


def _bound_of(kernel: str) -> Callable[[int, int], float]:
    if kernel not in BOUNDS:
        raise InputError("kernel", f"must be one of {tuple(BOUNDS)}", f"got {kernel!r}")
    return BOUNDS[kernel]


def check_group(P: int, G: int, kernel: str = "v2") -> float:
    """REQ-FLOAT-MARGIN: refuse an FFT length / group size whose a priori bound exceeds SAFE_MARGIN.

    Returns the bound (``kernel``'s, as :func:`max_group`); raises InputError naming it otherwise.

    >>> check_group(1 << 28, 1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    diramp.errors.InputError: group size, FFT length: a priori rounding bound 0.27 exceeds ...
    """
    bound = _bound_of(kernel)(P, G)
    if bound > SAFE_MARGIN:
        g = max_group(P, kernel=kernel)
        fix = (f"use a group size <= {g} at this FFT length" if g else
               "use a smaller FFT length (--fft-length) or --lean")
        raise InputError(
            "group size, FFT length",
            f"a priori rounding bound {bound:.2g} exceeds the safe threshold {SAFE_MARGIN} "
            "(REQ-FLOAT-MARGIN)",
            f"G = {G}, P = {P}, kernel {kernel}",
            fix,
        )
    return bound
