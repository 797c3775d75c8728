"""The entropy rate eta of Theorem 1, reconstructed, as a rigorous interval.

Theorem 1 of Kulikov et al. (2024) (THM-1) bounds the smooth min-entropy of AB
by n * eta(eps_s, eps_EA, S_mu, n, mu) "with the function eta as defined in
[20]" (Kessler & Arnon-Friedman 2020), which the paper does not restate.  This
module implements OUR RECONSTRUCTION of eta (spec/security-chain.md, THM-1-*),
one ingredient per function so that each can be audited or swapped:

1. THM-1-BETA     MDL value -> lower bound on CHSH: beta(S) = 2 + 4 S / (mu_min mu_max);
2. THM-1-G        single-round von Neumann bound g(S) = 1 - h2(1/2 + sqrt(beta^2/4 - 1)/2);
3. THM-1-TANGENT  affine min-tradeoff function f_t(S) = g(t) + g'(t) (S - t), 0 < t <= S;
4. THM-1-EAT      second-order term v(t) = 2 (log2 9 + ceil(mu_max g'(t))) sqrt(1 - 2 log2(eps_s eps_EA));
5. THM-1-OPT      eta = max over 0 < t <= S of f_t(S) - v(t)/sqrt(n), with the ceil() jumps
                  handled exactly (the maximum sits at a right end of a piece of constant ceil).

Every function returns an mpmath interval that encloses the exact value; call
them inside :func:`diramp.exact.ivprec` (``eta`` does this itself).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from mpmath import iv

from diramp.errors import InputError
from diramp.exact import PREC, Interval, exact_int, exact_value, hi, ivprec, lo, log2, q
from diramp.sv import mu_max, mu_min

#: |AB|: the number of joint outcomes of one round (a, b in {0, 1}); log2(1 + 2|AB|) = log2 9.
OUTCOMES_AB = 4


def beta(s: Fraction, mu: Fraction) -> Interval:
    """THM-1-BETA: the CHSH value implied by an MDL value S: 2 + 4 S / (mu_min mu_max).

    Since every input pair has probability in [mu_min, mu_max] (DEF-SV-PAIR),
    S_mu <= mu_min mu_max CH with CH = (CHSH - 2)/4.  Exact rational, returned
    as a point interval.

    >>> with ivprec():
    ...     b = beta(Fraction(1, 64), Fraction(0))
    >>> lo(b) == hi(b) == 3
    True
    """
    return q(2 + 4 * s / (mu_min(mu) * mu_max(mu)))


def _u_parts(s: Fraction, mu: Fraction) -> tuple[Fraction, Fraction]:
    """Exact rationals u^2 = beta^2/4 - 1 and 1 - u^2 = 2 - beta^2/4 (THM-1-G), so no interval cancels."""
    d = 4 * s / (mu_min(mu) * mu_max(mu))  # beta - 2, exact
    u2 = d * (d + 4) / 4  # (beta - 2)(beta + 2)/4
    return u2, 1 - u2


def _extra_bits(u2: Fraction, c2: Fraction) -> int:
    """Working precision beyond PREC needed when u^2 or 1 - u^2 is tiny (F5: S near 0 or near CONV-SMAX)."""
    small = min(u2, c2)
    if small <= 0:
        return 0
    e = small.denominator.bit_length() - small.numerator.bit_length()
    return max(0, e) + 32


def g(s: Fraction, mu: Fraction) -> Interval:
    """THM-1-G: single-round entropy bound 1 - h2(1/2 + sqrt(beta(S)^2/4 - 1)/2); 0 for S <= 0.

    Pironio et al. / Acin et al. CHSH bound, composed with THM-1-BETA.  At
    mu = 0 it is the closed CHSH curve 1 - h2(1/2 + sqrt(CHSH^2/4 - 1)/2).
    Evaluated as 1 + p log2 p + r log2 r with p = (1 + u)/2 and r = (1 - u^2)/(2(1 + u)),
    u^2 and 1 - u^2 exact, at a precision raised when either is tiny, so the
    enclosure stays tight from S = 1e-300 up to the quantum maximum.
    """
    if s <= 0:
        return q(0)
    u2, c2 = _u_parts(s, mu)
    if c2 <= 0:
        raise InputError("S_mu", "exceeds the quantum maximum (CONV-SMAX)", f"got {s}")
    saved = iv.prec
    iv.prec = max(saved, PREC + _extra_bits(u2, c2))
    try:
        u = iv.sqrt(q(u2))
        p = (1 + u) / 2
        r = q(c2) / (2 * (1 + u))
        val = 1 + p * log2(p) + r * log2(r)
    finally:
        iv.prec = saved
    return +val


def g_prime(s: Fraction, mu: Fraction) -> Interval:
    """THM-1-G: derivative dg/dS = (c/2) (beta / (4u)) log2((1+u)/(1-u)), c = 4/(mu_min mu_max).

    u = sqrt(beta^2/4 - 1).  At S -> 0+ the limit is c / (2 ln 2).  g is convex
    in S, so g' is increasing (checked in proofs_check).  The logarithm is taken
    of (1 + u)^2 / (1 - u^2) with 1 - u^2 exact.
    """
    c = q(Fraction(4) / (mu_min(mu) * mu_max(mu)))
    if s <= 0:
        return c / (2 * iv.log(iv.mpf(2)))
    u2, c2 = _u_parts(s, mu)
    if c2 <= 0:
        raise InputError("S_mu", "exceeds the quantum maximum (CONV-SMAX)", f"got {s}")
    saved = iv.prec
    iv.prec = max(saved, PREC + _extra_bits(u2, c2))
    try:
        b = beta(s, mu)
        u = iv.sqrt(q(u2))
        val = c / 2 * (b / (4 * u)) * log2((1 + u) * (1 + u) / q(c2))
    finally:
        iv.prec = saved
    return +val


def tangent(t: Fraction, s: Fraction, mu: Fraction) -> Interval:
    """THM-1-TANGENT: the affine min-tradeoff function f_t(S) = g(t) + g'(t) (S - t)."""
    return g(t, mu) + g_prime(t, mu) * q(s - t)


def grad_norm(t: Fraction, mu: Fraction) -> Interval:
    """THM-1-EAT: infinity norm of the gradient of f_t w.r.t. the round statistics: mu_max g'(t)."""
    return q(mu_max(mu)) * g_prime(t, mu)


def eat_root(eps_s: Fraction, eps_ea: Fraction) -> Interval:
    """THM-1-EAT: sqrt(1 - 2 log2(eps_s eps_EA))."""
    return iv.sqrt(1 - 2 * log2(q(eps_s * eps_ea)))


def second_order(k: int, eps_s: Fraction, eps_ea: Fraction) -> Interval:
    """THM-1-EAT: v = 2 (log2(1 + 2|AB|) + k) sqrt(1 - 2 log2(eps_s eps_EA)), k = ceil(mu_max g'(t))."""
    return 2 * (log2(q(1 + 2 * OUTCOMES_AB)) + k) * eat_root(eps_s, eps_ea)


def _grad_norm_float(t: float, mmin: float, mmax: float) -> float:
    """Float twin of :func:`grad_norm`, used only to *locate* roots (results are re-verified)."""
    c = 4.0 / (mmin * mmax)
    if t <= 0:
        return mmax * c / (2 * math.log(2))
    b = 2 + c * t
    u = math.sqrt(max(b * b / 4 - 1, 0.0))
    if u >= 1:
        return math.inf
    if u == 0:
        return mmax * c / (2 * math.log(2))
    return mmax * c / 2 * (b / (4 * u)) * math.log2((1 + u) / (1 - u))


@lru_cache(maxsize=4096)
def piece_end(mu: Fraction, k: int) -> tuple[Fraction, Fraction]:
    """THM-1-OPT: a certified bracket (t_lo, t_hi) of the t where mu_max g'(t) = k.

    mu_max g'(t_lo) <= k <= mu_max g'(t_hi) hold rigorously (checked with
    intervals); the bracket is about 2^-100 wide relative to t.  The root is
    located in floats, refined by Newton steps in mpmath, then verified; a
    failed verification falls back to interval bisection.  Cached on (mu, k).
    """
    from mpmath import mp, mpf

    smax = mu_min(mu) * mu_max(mu) * Fraction(41421356, 10**8) / 2
    mmin, mmax = float(mu_min(mu)), float(mu_max(mu))
    kk = Fraction(k)
    with ivprec():
        if lo(grad_norm(smax, mu)) <= kk:
            return smax, smax
        # 1. float bisection
        a_f, b_f = 0.0, float(smax)
        for _ in range(80):
            mid = (a_f + b_f) / 2
            if _grad_norm_float(mid, mmin, mmax) < k:
                a_f = mid
            else:
                b_f = mid
        # 2. Newton in mpmath at working precision
        with mp.workprec(200):
            c = 4 / ((mp.mpf(mu_min(mu).numerator) / mu_min(mu).denominator)
                     * (mp.mpf(mu_max(mu).numerator) / mu_max(mu).denominator))
            mmax_mp = mp.mpf(mu_max(mu).numerator) / mu_max(mu).denominator

            def f(t: object) -> object:
                b = 2 + c * t
                u = mp.sqrt(b * b / 4 - 1)
                return mmax_mp * c / 2 * (b / (4 * u)) * mp.log((1 + u) / (1 - u), 2) - k

            try:
                lo_f, hi_f = max(a_f * (1 - 1e-12), 1e-300), b_f * (1 + 1e-12)
                r = mp.findroot(f, (mpf(lo_f), mpf(hi_f)), solver="anderson", tol=mpf(2) ** -190)
                r_q = _mpf_fraction(mp.re(r))
            except (ValueError, ZeroDivisionError, TypeError):
                r_q = Fraction((a_f + b_f) / 2)
        # 3. verify a bracket around r with intervals
        delta = r_q * Fraction(1, 2**100)
        for _ in range(8):
            t_lo, t_hi = r_q - delta, r_q + delta
            if t_lo > 0 and hi(grad_norm(t_lo, mu)) <= kk <= lo(grad_norm(t_hi, mu)):
                return t_lo, t_hi
            delta *= 2**10
        # 4. fallback: interval bisection from scratch
        a_q, b_q = Fraction(0), smax
        for _ in range(400):
            mid_q = (a_q + b_q) / 2
            gn = grad_norm(mid_q, mu)
            if hi(gn) < kk:
                a_q = mid_q
            elif lo(gn) > kk:
                b_q = mid_q
            else:
                break
            if (b_q - a_q) <= b_q * Fraction(1, 2**100):
                break
        return a_q, b_q


def _mpf_fraction(x: object) -> Fraction:
    from mpmath import mpf

    man, exp = mpf(x).man_exp  # type: ignore[arg-type]
    return Fraction(int(man) * 2**exp) if exp >= 0 else Fraction(int(man), 2 ** (-exp))


@dataclass(frozen=True)
class EtaResult:
    """THM-1: an enclosure [lo, hi] of eta and where its maximum sits.

    ``lo`` is the certified lower bound (rounded down) to use in security
    statements; ``hi`` is an upper bound showing how tight the enclosure is.
    """

    lo: Fraction
    hi: Fraction
    t: Fraction  #: the tangent point achieving ``lo``
    k: int  #: ceil(mu_max g'(t)) at that point
    g_t: tuple[Fraction, Fraction]  #: enclosure of g(t)
    g_prime_t: tuple[Fraction, Fraction]  #: enclosure of g'(t)
    f_t: tuple[Fraction, Fraction]  #: enclosure of f_t(S)
    v: tuple[Fraction, Fraction]  #: enclosure of v(t)
    v_over_sqrt_n: tuple[Fraction, Fraction]
    pieces: int  #: number of ceil() pieces examined


def _pair(x: Interval) -> tuple[Fraction, Fraction]:
    return lo(x), hi(x)


#: THM-1-OPT: at most this many ceil() pieces are evaluated from each end of the range (top and bottom);
#: the pieces between are bounded from above only, so the enclosure stays rigorous.
MAX_PIECES_EACH_END = 64


def eta(n: object, mu: object, s_mu: object, eps_s: object, eps_ea: object) -> EtaResult:
    """THM-1 (reconstructed): eta as a rigorous enclosure, at n trials, bias mu, threshold S_mu.

    The paper writes eta(eps_s, eps_EA, S_mu, n, mu); diramp's one argument order
    across ``eta``, ``theorem5``, ``theorem6`` and the inverse helpers is
    n, mu, S_mu, then the eps parameters (CONV-API-ORDER).  Every exact
    parameter may be an int, str, Fraction or Decimal (CONV-NUMBER); a float is
    refused.

    eta = max over 0 < t <= S of f_t(S) - v(t)/sqrt(n).  With g convex,
    f_t(S) increases with t while v(t) is constant on each piece where
    k = ceil(mu_max g'(t)) is constant, so the maximum is attained at the right
    end of one piece: t = S (last piece) or t = t_k with mu_max g'(t_k) = k.
    The lower bound evaluates each candidate at a point certainly inside its
    piece and at or below S; the upper bound evaluates f at a point certainly
    at or beyond the piece's end.  Requires S > 0 (no entropy is certified
    otherwise).

    >>> r = eta(1342177280, "0.0075", "0.00296", "1e-13", "1e-12")
    >>> r.hi - r.lo < Fraction(1, 10**20), r.k
    (True, 14)
    """
    from diramp.sv import check_mu

    nn = exact_int(n, "n")
    m = check_mu(mu)
    s = exact_value(s_mu, "S_mu")
    es = exact_value(eps_s, "eps_s")
    ea = exact_value(eps_ea, "eps_EA")
    for name, v in (("eps_s", es), ("eps_EA", ea)):
        if not 0 < v < 1:
            raise InputError(name, "must lie in (0, 1)", f"got {v}")
    return _eta(nn, m, s, es, ea)


@lru_cache(maxsize=1024)
def _eta(n: int, mu: Fraction, s: Fraction, eps_s: Fraction, eps_ea: Fraction) -> EtaResult:
    if s <= 0:
        raise InputError("S_mu", "must be > 0 for eta to certify entropy", f"got {s}")
    if n < 1:
        raise InputError("n", "must be a positive number of trials", f"got {n}")
    from diramp.bell import exceeds_quantum_max

    if exceeds_quantum_max(s, mu):
        raise InputError("S_mu", "exceeds the quantum maximum (CONV-SMAX)", f"got {s}")
    with ivprec():
        sqrt_n = iv.sqrt(q(n))
        k_first = math.ceil(hi(grad_norm(Fraction(0), mu)))
        k_last = max(k_first, math.ceil(hi(grad_norm(s, mu))))

        def v_over(k: int) -> Interval:
            return second_order(k, eps_s, eps_ea) / sqrt_n

        def candidate(t: Fraction) -> EtaResult:
            kk = math.ceil(hi(grad_norm(t, mu)))  # conservative ceil at t
            v = second_order(kk, eps_s, eps_ea)
            f = tangent(t, s, mu)
            val = f - v / sqrt_n
            return EtaResult(lo(val), hi(val), t, kk, _pair(g(t, mu)), _pair(g_prime(t, mu)), _pair(f), _pair(v),
                             _pair(v / sqrt_n), 0)

        # The last piece (t = S) is always a candidate; eta <= g(S) - v(k_first)/sqrt(n) always holds
        # (tangents lie below the convex g, and k >= k_first).  When that bound is <= 0 and there are many
        # pieces (mu near 1/2: F4; S near 0: F5), no piece can certify entropy and the scan is skipped.
        best = candidate(s)
        upper = hi(g(s, mu) - v_over(k_first))
        examined = 1
        if upper > 0 or k_last - k_first <= 2 * MAX_PIECES_EACH_END:
            ks = list(range(k_last - 1, k_first - 1, -1))  # pieces below the last, top first
            if len(ks) > 2 * MAX_PIECES_EACH_END:
                top, bottom = ks[:MAX_PIECES_EACH_END], ks[-MAX_PIECES_EACH_END:]
                skipped = ks[MAX_PIECES_EACH_END:-MAX_PIECES_EACH_END]
            else:
                top, bottom, skipped = ks, [], []
            piece_upper = hi(tangent(s, s, mu) - v_over(k_last))  # the last piece
            for k in top + bottom:
                t_lo, t_hi = piece_end(mu, k)
                t_lo, t_hi = min(t_lo, s), min(t_hi, s)  # F1: piece k is a candidate whenever t_lo <= S
                piece_upper = max(piece_upper, hi(tangent(t_hi, s, mu) - v_over(k)))
                if t_lo <= 0:
                    continue
                c = candidate(t_lo)
                examined += 1
                if c.lo > best.lo:
                    best = c
            if skipped:  # f increases in t, v >= v(smallest skipped k): one bound for the whole gap
                t_hi = min(piece_end(mu, skipped[0])[1], s)
                piece_upper = max(piece_upper, hi(tangent(t_hi, s, mu) - v_over(skipped[-1])))
            upper = min(upper, piece_upper)
        r = best
        return EtaResult(
            lo=r.lo, hi=max(upper, r.lo), t=r.t, k=r.k, g_t=r.g_t, g_prime_t=r.g_prime_t,
            f_t=r.f_t, v=r.v, v_over_sqrt_n=r.v_over_sqrt_n, pieces=examined,
        )
