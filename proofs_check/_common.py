"""Shared exact objects of the checks: eq. (4) as printed, SV vertices, local strategies.

Kept independent of the implementation on purpose: the events of eq. (4) are
the paper's digit strings, and the SV vertices are built from 1/2 +- mu
directly, so a check that compares them with ``diramp`` is a cross-check.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from fractions import Fraction

HALF = Fraction(1, 2)

#: Biases every exact check runs at (0, the paper's 0.75 %, and a spread to near 1/2).
MUS: tuple[Fraction, ...] = (
    Fraction(0),
    Fraction(3, 400),
    Fraction(1, 100),
    Fraction(1, 10),
    Fraction(49, 100),
)

#: Eq. (4) of Kulikov et al. (2024) as printed: P_ABXY(0000), P_ABXY(0101), ... (DEF-MDL).
EQ4_POSITIVE = "0000"
EQ4_NEGATIVE = ("0101", "1010", "0011")

Joint = dict[tuple[int, int, int, int], Fraction]  # (a, b, x, y) -> P_ABXY(a, b, x, y)


def digits(event: str, order: str) -> tuple[int, int, int, int]:
    """The event string read in digit ``order`` (e.g. "abxy"), returned as (a, b, x, y).

    >>> digits("0011", "abxy"), digits("0011", "xyab")
    ((0, 0, 1, 1), (1, 1, 0, 0))
    """
    val = dict(zip(order, (int(c) for c in event), strict=True))
    return val["a"], val["b"], val["x"], val["y"]


def s_value(joint: Joint, mu_min: Fraction, mu_max: Fraction, order: str = "abxy") -> Fraction:
    """Eq. (4)'s S_mu for a joint distribution P_ABXY, digits read in ``order``."""
    pos = joint[digits(EQ4_POSITIVE, order)]
    neg = sum((joint[digits(e, order)] for e in EQ4_NEGATIVE), Fraction(0))
    return mu_min * pos - mu_max * neg


def sv_pair_vertices(mu: Fraction) -> Iterator[dict[tuple[int, int], Fraction]]:
    """The 8 vertex distributions p(x, y) of one round of two mu-SV bits (DEF-SV-PAIR).

    p(x = 0) in {1/2 - mu, 1/2 + mu}, p(y = 0 | x) in {1/2 - mu, 1/2 + mu} for
    each x: every product of endpoint choices.
    """
    ends = (HALF - mu, HALF + mu)
    for px0, py0_x0, py0_x1 in itertools.product(ends, repeat=3):
        px = (px0, 1 - px0)
        py0 = (py0_x0, py0_x1)
        yield {
            (x, y): px[x] * (py0[x] if y == 0 else 1 - py0[x]) for x in (0, 1) for y in (0, 1)
        }


def deterministic_strategies() -> Iterator[tuple[tuple[int, int], tuple[int, int]]]:
    """The 16 deterministic local strategies (f, g): a = f[x], b = g[y]."""
    for f0, f1, g0, g1 in itertools.product((0, 1), repeat=4):
        yield (f0, f1), (g0, g1)


def local_joint(
    f: tuple[int, int], g: tuple[int, int], p: dict[tuple[int, int], Fraction]
) -> Joint:
    """P_ABXY(a, b, x, y) = p(x, y) [a = f(x)] [b = g(y)]."""
    return {
        (a, b, x, y): p[x, y] if (a == f[x] and b == g[y]) else Fraction(0)
        for a, b, x, y in itertools.product((0, 1), repeat=4)
    }


def gf2_insert(basis: dict[int, int], row: int) -> bool:
    """Reduce ``row`` (a bit mask) by a GF(2) echelon ``basis`` (leading bit -> row); add it if independent.

    Returns whether the row was independent of the basis (the rank grew).

    >>> b: dict[int, int] = {}
    >>> [gf2_insert(b, r) for r in (0b110, 0b011, 0b101, 0)], len(b)
    ([True, True, False, False], 2)
    """
    while row:
        top = row.bit_length() - 1
        if top not in basis:
            basis[top] = row
            return True
        row ^= basis[top]
    return False
