"""Extractor error composition: Theorems 2-4 of Kulikov et al. (2024), made explicit.

Spec: THM-2, THM-3, THM-4, CONV-EPS-ALLOC, THM-5-DERIVED (spec/security-chain.md).

Chain (X1 = AB with smooth min-entropy k1 = n*eta at smoothing delta1 = eps_s;
X2 = Z with plain min-entropy k2 = 2n log2(1/(1/2+mu)), delta2 = 0; both of
length N = 2n; output length m):

* THM-2: Ext is a (c1, c2, eps_c) classical strong extractor (DEF-EXT-2SRC) for any c1, c2 with
  log2(1/eps_c) = (c1 + c2 - N - 2m)/2.
* THM-3: then it is a (c1 + log2(1/eps_c), c2 + log2(1/eps_c), eps_q) quantum-proof
  extractor in the Markov model (DEF-QEXT) with eps_q = sqrt(3 eps_c 2^(m-2)).
* THM-4: smooth entropies k1, k2 with slack eps1, eps2 need a
  (k1 - log2(1/eps1), k2 - log2(1/eps2), eps_q) quantum-proof extractor; the
  final distance is 6 delta1 + 6 delta2 + 2 eps1 + 2 eps2 + 2 eps_q.

Eliminating c1, c2, eps_c (with L = log2(1/eps) for each eps) gives the
condition (proved symbolically in proofs_check, check ``thm5_correction``)

    6 m <= k1 + k2 - N - L1 - L2 - 8 Lq - 4 log2(3) + 8,

and the total error eps = 6 eps_s + 2 eps1 + 2 eps2 + 2 eps_q.  The allocation
minimising the bits lost for a given budget B = eps - 6 eps_s is
eps1 = eps2 = B/20, eps_q = 2B/5 (Lagrange; also in proofs_check).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from mpmath import iv

from diramp.errors import InputError
from diramp.exact import Interval, log2, q

#: Optimal split of the budget B = eps - 6 eps_s into (2 eps1, 2 eps2, 2 eps_q): (1/10, 1/10, 4/5).
OPTIMAL_SPLIT = (Fraction(1, 10), Fraction(1, 10), Fraction(4, 5))


@dataclass(frozen=True)
class Allocation:
    """CONV-EPS-ALLOC: how the security parameter eps is spent.

    eps = 6 eps_s + 2 eps1 + 2 eps2 + 2 eps_q (THM-4 with delta1 = eps_s, delta2 = 0).

    >>> a = Allocation.split(Fraction(1, 10**12), Fraction(1, 10**14))
    >>> a.total == Fraction(1, 10**12)
    True
    >>> a.eps_q == 8 * a.eps1
    True
    """

    eps_s: Fraction
    eps1: Fraction
    eps2: Fraction
    eps_q: Fraction

    @property
    def total(self) -> Fraction:
        return 6 * self.eps_s + 2 * self.eps1 + 2 * self.eps2 + 2 * self.eps_q

    @classmethod
    def split(
        cls,
        eps: Fraction,
        eps_s: Fraction,
        weights: tuple[Fraction, Fraction, Fraction] = OPTIMAL_SPLIT,
    ) -> Allocation:
        """Spend B = eps - 6 eps_s as 2 eps1 = w1 B, 2 eps2 = w2 B, 2 eps_q = wq B."""
        budget = eps - 6 * eps_s
        if budget <= 0:
            raise InputError(
                "eps", "must exceed 6*eps_s", f"eps = {eps}, 6*eps_s = {6 * eps_s}",
                "lower eps_s or raise eps",
            )
        w1, w2, wq = weights
        if min(weights) <= 0 or w1 + w2 + wq != 1:
            raise InputError("allocation", "weights must be positive and sum to 1", f"got {weights}")
        return cls(eps_s, w1 * budget / 2, w2 * budget / 2, wq * budget / 2)


def thm2_log2_inv_error(c1: Interval, c2: Interval, n_in: int, m: int) -> Interval:
    """THM-2: log2(1/eps) = (k1 + k2 - N - 2m)/2 for the non-cyclic shift extractor (Lemma 4 of [63])."""
    return (c1 + c2 - n_in - 2 * m) / 2


def thm3_quantum_error(eps_c: Interval, m: int) -> Interval:
    """THM-3: quantum-proof error sqrt(3 eps 2^(m-2)) in the Markov model (Theorem 2 of [54], l = 2)."""
    return iv.sqrt(3 * eps_c * iv.mpf(2) ** (m - 2))


def thm4_total(alloc: Allocation) -> Fraction:
    """THM-4: 6 delta1 + 6 delta2 + 2 eps1 + 2 eps2 + 2 eps (delta1 = eps_s, delta2 = 0)."""
    return alloc.total


def derived_penalty(alloc: Allocation) -> Interval:
    """THM-5-DERIVED: bits lost to the error budget, (L1 + L2 + 8 Lq + 4 log2 3 - 8)/6."""
    l1 = -log2(q(alloc.eps1))
    l2 = -log2(q(alloc.eps2))
    lq = -log2(q(alloc.eps_q))
    return (l1 + l2 + 8 * lq + 4 * log2(q(3)) - 8) / 6


def printed_penalty(eps: Fraction, eps_s: Fraction) -> Interval:
    """THM-5 as printed: log2(6 / (eps - 6 eps_s))."""
    return log2(q(Fraction(6) / (eps - 6 * eps_s)))


def achieved_eps(slack_bits: Interval, eps_s: Fraction) -> Interval:
    """Smallest eps Theorems 2-4 certify when G = k1 + k2 - N - 4 log2 3 + 8 - 6m bits are spare.

    Minimising 2 eps1 + 2 eps2 + 2 eps_q subject to L1 + L2 + 8 Lq <= G gives
    L1 = L2 = Lq + 3, Lq = (G - 6)/10 and eps = 6 eps_s + (5/2) 2^-Lq
    (Lagrange; checked in proofs_check).  Returns an interval; use its upper end.
    """
    lq = (slack_bits - 6) / 10
    return 6 * q(eps_s) + q(Fraction(5, 2)) * iv.mpf(2) ** (-lq)
