"""Santha-Vazirani sources: parameter check, pair bounds, seed min-entropy.

Spec: DEF-SV, DEF-SV-PAIR, THM-SV-SEED (spec/security-chain.md).
"""

from __future__ import annotations

from fractions import Fraction

from diramp.errors import InputError
from diramp.exact import Interval, exact_value, log2, q

HALF = Fraction(1, 2)


def check_mu(mu: object) -> Fraction:
    """Validate an SV bias (DEF-SV): mu must lie in [0, 1/2).

    >>> check_mu("0.0075")
    Fraction(3, 400)
    >>> check_mu("0.5")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    diramp.errors.InputError: mu: must lie in [0, 1/2) (got 1/2); mu = 1/2 allows a deterministic ...
    """
    m = exact_value(mu, "mu")
    if not 0 <= m < HALF:
        raise InputError(
            "mu",
            "must lie in [0, 1/2)",
            f"got {m}",
            "mu = 1/2 allows a deterministic source, from which nothing can be amplified"
            if m >= HALF
            else "the bias is a distance from 1/2 and cannot be negative",
        )
    return m


def mu_min(mu: Fraction) -> Fraction:
    """Lower bound on p(x, y) for one round of two mu-SV bits (DEF-SV-PAIR): (1/2 - mu)^2.

    Methods, after eq. (4) of Kulikov et al. (2024).

    >>> mu_min(Fraction(3, 400))
    Fraction(38809, 160000)
    """
    return (HALF - mu) ** 2


def mu_max(mu: Fraction) -> Fraction:
    """Upper bound on p(x, y) for one round of two mu-SV bits (DEF-SV-PAIR): (1/2 + mu)^2.

    >>> mu_max(Fraction(0))
    Fraction(1, 4)
    """
    return (HALF + mu) ** 2


def seed_min_entropy(d: int, mu: Fraction) -> Interval:
    """THM-SV-SEED: H_min(Z) >= d * log2(1 / (1/2 + mu)) for a d-bit mu-SV string.

    Methods ("Requirements for the randomness extractor") of Kulikov et al.
    (2024); Theorem 5 uses it with d = 2n.  Returns a rigorous interval; the
    bound to use is its lower endpoint.  Call inside :func:`diramp.exact.ivprec`.

    >>> from diramp.exact import ivprec, lo
    >>> with ivprec():
    ...     h = seed_min_entropy(10, Fraction(0))
    >>> from diramp.exact import hi
    >>> lo(h) <= 10 <= hi(h) and hi(h) - lo(h) < Fraction(1, 10**40)
    True
    """
    if d < 0:
        raise InputError("d", "must be a non-negative bit count", f"got {d}")
    return q(d) * -log2(q(HALF + mu))
