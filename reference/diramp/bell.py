"""Bell statistics from counts: the MDL value S_mu and CHSH, exact.

Spec: DEF-MDL (eq. 4, digit order a, b, x, y), DEF-SOBS (the estimator
S_mu,obs), DEF-CHSH, CONV-DEPOL (the depolarised |Psi+> model),
CONV-SMAX (the largest S_mu any quantum device can show).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from diramp.errors import InputError
from diramp.sv import mu_max, mu_min


def index(a: int, b: int, x: int, y: int) -> int:
    """Position of N(a, b, x, y) in the flat count vector: 8a + 4b + 2x + y.

    >>> index(0, 1, 0, 1)
    5
    """
    return 8 * a + 4 * b + 2 * x + y


#: The positive and negative events of the MDL inequality (eq. 4), as (a, b, x, y).
MDL_POSITIVE = (0, 0, 0, 0)
MDL_NEGATIVE = ((0, 1, 0, 1), (1, 0, 1, 0), (0, 0, 1, 1))


@dataclass(frozen=True)
class Counts:
    """Immutable trial counts N(a, b, x, y), a, b, x, y in {0, 1}.

    >>> c = Counts.from_arrays([0, 1], [0, 0], [0, 1], [0, 0])
    >>> c.n, c[0, 0, 0, 0], c[1, 0, 1, 0]
    (2, 1, 1)
    """

    values: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.values) != 16:
            raise InputError("counts", "must have 16 entries N(a,b,x,y)", f"got {len(self.values)}")
        for v in self.values:
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
                raise InputError("counts", "must be integers", f"got {v!r}")
            if v < 0:
                raise InputError("counts", "must be non-negative", f"got {v}")
        object.__setattr__(self, "values", tuple(int(v) for v in self.values))

    def __getitem__(self, abxy: tuple[int, int, int, int]) -> int:
        return self.values[index(*abxy)]

    @property
    def n(self) -> int:
        """Number of trials."""
        return sum(self.values)

    def __add__(self, other: Counts) -> Counts:
        return Counts(tuple(p + r for p, r in zip(self.values, other.values, strict=True)))

    @classmethod
    def zero(cls) -> Counts:
        return cls((0,) * 16)

    @classmethod
    def from_mapping(cls, mapping: dict[str, int]) -> Counts:
        """From a mapping with keys "abxy" digit strings, e.g. {"0000": 12, "0101": 3}.

        Missing keys count 0.

        >>> Counts.from_mapping({"0000": 5, "0011": 2}).n
        7
        """
        vals = [0] * 16
        for key, v in mapping.items():
            if len(key) != 4 or set(key) - {"0", "1"}:
                raise InputError("counts", "keys must be 4-digit binary strings 'abxy'", f"got {key!r}")
            vals[index(*(int(c) for c in key))] = v  # type: ignore[call-overload]
        return cls(tuple(vals))

    def to_mapping(self) -> dict[str, int]:
        """The counts as {"abxy": N}, digit order a, b, x, y (DEF-MDL)."""
        return {f"{i >> 3 & 1}{i >> 2 & 1}{i >> 1 & 1}{i & 1}": v for i, v in enumerate(self.values)}

    @classmethod
    def from_arrays(cls, a: Any, b: Any, x: Any, y: Any) -> Counts:
        """Count trials from four equal-length 0/1 arrays (vectorised)."""
        arrs = [np.asarray(v) for v in (a, b, x, y)]
        n = arrs[0].shape
        for name, arr in zip("abxy", arrs, strict=True):
            if arr.ndim != 1 or arr.shape != n:
                raise InputError(name, "must be a 1-D array as long as the others", f"shape {arr.shape}")
            if arr.size and (arr.min() < 0 or arr.max() > 1):
                raise InputError(name, "values must be 0 or 1", "found other values")
        idx = 8 * arrs[0].astype(np.int64) + 4 * arrs[1] + 2 * arrs[2] + arrs[3]
        return cls(tuple(int(c) for c in np.bincount(idx, minlength=16)))


def s_mu(counts: Counts, mu: Fraction) -> Fraction:
    """DEF-SOBS: S_mu,obs = (mu_min N(0000) - mu_max (N(0101) + N(1010) + N(0011))) / n.

    The empirical version of eq. (4) of Kulikov et al. (2024), exact.  Digit
    order (a, b, x, y).

    >>> s_mu(Counts.from_mapping({"0000": 3, "0101": 1}), Fraction(0))
    Fraction(1, 8)
    """
    if counts.n == 0:
        raise InputError("counts", "hold no trials", "n = 0", "S_mu,obs needs at least one trial")
    neg = sum(counts[e] for e in MDL_NEGATIVE)
    return (mu_min(mu) * counts[MDL_POSITIVE] - mu_max(mu) * neg) / counts.n


def correlators(counts: Counts) -> dict[tuple[int, int], Fraction]:
    """E_xy = (N(a = b | xy) - N(a != b | xy)) / N(xy), exact."""
    out = {}
    for x in (0, 1):
        for y in (0, 1):
            same = counts[0, 0, x, y] + counts[1, 1, x, y]
            diff = counts[0, 1, x, y] + counts[1, 0, x, y]
            if same + diff == 0:
                raise InputError(
                    "counts", f"no trial has inputs x={x}, y={y}", "", "CHSH needs all four settings"
                )
            out[x, y] = Fraction(same - diff, same + diff)
    return out


def chsh(counts: Counts) -> Fraction:
    """DEF-CHSH: CHSH = E00 + E01 + E10 - E11, exact.

    This sign convention is the one under which eq. (4) at mu = 0 equals
    (CHSH - 2)/64 for no-signalling boxes (LEM-S0-CHSH).

    >>> c = Counts.from_mapping({"0000": 1, "0001": 1, "0010": 1, "0111": 1})
    >>> chsh(c)
    Fraction(4, 1)
    """
    e = correlators(counts)
    return e[0, 0] + e[0, 1] + e[1, 0] - e[1, 1]


def s_mu_depolarised(chsh_value: Fraction, mu: Fraction) -> Fraction:
    """CONV-DEPOL: S_mu of a depolarised |Psi+> with optimal CHSH settings, uniform inputs.

    Correlator magnitude E = CHSH/4 (= v/sqrt 2 at visibility v), so
    S_mu = (mu_min (1 + E) - 3 mu_max (1 - E)) / 16, exactly rational in CHSH.

    >>> s_mu_depolarised(Fraction("2.271"), Fraction("0.0075"))
    Fraction(7405039, 2560000000)
    >>> float(_)
    0.002892593359375
    """
    e = chsh_value / 4
    return (mu_min(mu) * (1 + e) - 3 * mu_max(mu) * (1 - e)) / 16


def s_mu_quantum_max_bound(mu: Fraction) -> Fraction:
    """CONV-SMAX: an upper bound on S_mu for every quantum device: mu_min mu_max (sqrt2 - 1)/2.

    From S_mu <= mu_min mu_max CH (THM-1-BETA) and Tsirelson's CH <= (2 sqrt2 - 2)/4.
    Returned as a rational upper bound (sqrt 2 rounded up to 1.4142135623730951).
    """
    sqrt2_up = Fraction(14142135623730951, 10**16)
    return mu_min(mu) * mu_max(mu) * (sqrt2_up - 1) / 2


def exceeds_quantum_max(s: Fraction, mu: Fraction) -> bool:
    """CONV-SMAX, exactly: is S_mu > mu_min mu_max (sqrt 2 - 1)/2, the largest S_mu of any quantum device?

    Decided in exact rationals (no rounded sqrt 2): for S > 0 it is
    (2 S / (mu_min mu_max) + 1)^2 > 2 (F2 of the numerics audit).

    >>> mm = mu_min(Fraction(0)) * mu_max(Fraction(0))
    >>> exceeds_quantum_max(mm * Fraction(41421356, 10**8) / 2, Fraction(0))
    False
    >>> exceeds_quantum_max(mm * Fraction(41421357, 10**8) / 2, Fraction(0))
    True
    """
    if s <= 0:
        return False
    w = 2 * s / (mu_min(mu) * mu_max(mu)) + 1
    return w * w > 2


@dataclass(frozen=True)
class BlockStat:
    """Per-block statistics (Fig. 4 of Kulikov et al. 2024): index, trials, S_mu, CHSH."""

    index: int
    n: int
    s_mu: Fraction
    chsh: Fraction | None


def block_series(blocks: Iterable[Counts], mu: Fraction) -> Iterator[BlockStat]:
    """S_mu,obs and CHSH per block of trials (the paper's blocks hold 2^22 trials).

    CHSH is None for a block that misses one of the four settings.
    """
    for i, c in enumerate(blocks):
        try:
            ch: Fraction | None = chsh(c)
        except InputError:
            ch = None
        yield BlockStat(i, c.n, s_mu(c, mu), ch)
