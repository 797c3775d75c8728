"""DEF-SIM-SOURCE (spec/data-formats.md): simulated mu-SV sources, seeded and exact.

A source emits one bit stream s_0, s_1, ...; trial i of Box I (Kulikov et al.
2024) takes ``x_i = s_{2i}`` and ``y_i = s_{2i+1}``, and the seed Z of step 3(a)
is the next d bits of the same stream.  The pair SV condition of DEF-SV-PAIR
(p(x | history) and p(y | x, history) in [1/2 - mu, 1/2 + mu]) is then exactly
the SV condition on the stream.

Every bit is drawn as ``s = [U < T]`` with U a uniform 64-bit word of numpy's
PCG64 (``random_raw``, a stream numpy keeps stable across releases) and T an
integer threshold, so ``P(s = 1 | history) = T / 2^64`` *exactly*.  T is
rounded towards 1/2 from the target probability, so a target inside the SV
interval stays inside.  ``draw(k, with_probs=True)`` returns the T of every
bit, which the tests check against the bounds exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from diramp.errors import InputError
from diramp.exact import exact_value
from diramp.sv import HALF, check_mu

U8 = npt.NDArray[np.uint8]
U64 = npt.NDArray[np.uint64]

#: Probabilities are multiples of 2^-64: P(bit = 1) = T / DENOM.
DENOM = 2**64
#: Name of the generator, stated in every output that uses it.
GENERATOR = "numpy PCG64 (SeedSequence(seed).spawn), random_raw 64-bit words"


def threshold(p: Fraction) -> int:
    """DEF-SIM-SOURCE: the integer T with T / 2^64 closest to ``p`` on the side of 1/2.

    Rounds down above 1/2 and up below it, so |T/2^64 - 1/2| <= |p - 1/2|.

    >>> threshold(Fraction(1, 2)) == 2**63
    True
    >>> Fraction(threshold(Fraction(1, 3)), 2**64) >= Fraction(1, 3)
    True
    """
    if not 0 <= p <= 1:
        raise InputError("probability", "must lie in [0, 1]", f"got {p}")
    scaled = p * DENOM
    t = int(scaled) if p >= HALF else -int(-scaled // 1)
    return min(t, DENOM - 1)


def sv_bounds(mu: Fraction) -> tuple[int, int]:
    """DEF-SV: the thresholds T allowed by a mu-SV bit, as ``[T_lo, T_hi]`` (exact).

    >>> sv_bounds(Fraction(0)) == (2**63, 2**63)
    True
    """
    lo = (HALF - mu) * DENOM
    hi = (HALF + mu) * DENOM
    return -int(-lo // 1), int(hi // 1)


def rng_from_seed(seed: int, stream: int) -> np.random.Generator:
    """The named generator: PCG64 seeded by ``SeedSequence(seed).spawn(...)[stream]``.

    Stream 0 feeds the source, stream 1 the device (see DEF-SIM-SOURCE).
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise InputError("seed", "must be a non-negative integer", f"got {seed!r}")
    child = np.random.SeedSequence(seed).spawn(stream + 1)[stream]
    return np.random.Generator(np.random.PCG64(child))


def raw_words(rng: np.random.Generator, k: int) -> U64:
    """k uniform 64-bit words from the generator's bit stream."""
    return np.asarray(rng.bit_generator.random_raw(k), dtype=np.uint64)


@dataclass
class Draw:
    """Bits drawn from a source, with (optionally) each bit's threshold T."""

    bits: U8
    thresholds: U64 | None


class SVSource:
    """DEF-SIM-SOURCE: base class; subclasses define the per-bit threshold rule."""

    name: ClassVar[str] = "base"

    def __init__(self, mu: Fraction | str, seed: int, stream: int = 0) -> None:
        self.mu = check_mu(mu)
        self.seed = seed
        self.rng = rng_from_seed(seed, stream)
        self.position = 0  # index of the next bit of the stream
        self.last = 0  # the previous bit (0 before the first)
        self.t_lo, self.t_hi = sv_bounds(self.mu)

    def _check_delta(self, delta: Fraction | None) -> Fraction:
        """The lean delta of P(1) = 1/2 + delta: default mu, and |delta| <= mu (DEF-SV)."""
        d = self.mu if delta is None else exact_value(delta, "delta")
        if abs(d) > self.mu:
            raise InputError("delta", f"must satisfy |delta| <= mu = {self.mu}", f"got {d}")
        return d

    def describe(self) -> dict[str, str]:
        """Parameters as strings, for outputs and certificates."""
        return {"source": self.name, "mu": str(self.mu), "seed": str(self.seed)}

    def _draw(self, u: U64, with_probs: bool) -> Draw:
        raise NotImplementedError

    def draw(self, k: int, with_probs: bool = False) -> Draw:
        """The next ``k`` bits of the stream (and their thresholds if ``with_probs``)."""
        if k < 0:
            raise InputError("k", "must be non-negative", f"got {k}")
        u = raw_words(self.rng, k)
        d = self._draw(u, with_probs)
        if k:
            self.last = int(d.bits[-1])
        self.position += k
        return d

    def pairs(self, k: int, with_probs: bool = False) -> tuple[U8, U8, U64 | None, U64 | None]:
        """Inputs (x, y) of the next ``k`` trials: consecutive stream bits (DEF-SIM-SOURCE)."""
        if self.position % 2:
            raise InputError("source", "is mid-pair", "an odd number of bits was drawn")
        d = self.draw(2 * k, with_probs)
        t = d.thresholds
        return (
            d.bits[0::2],
            d.bits[1::2],
            None if t is None else t[0::2],
            None if t is None else t[1::2],
        )

    def pair_probs(self) -> dict[tuple[int, int], Fraction]:
        """Stationary p(x_i, y_i) of the source (what an adversary knows), exact."""
        raise NotImplementedError


class HonestSource(SVSource):
    """DEF-SIM-SOURCE "honest": i.i.d. bits, P(1) = 1/2 + delta with |delta| <= mu.

    >>> s = HonestSource(Fraction(1, 4), seed=1, delta=Fraction(-1, 4))
    >>> d = s.draw(4, with_probs=True)
    >>> bool((d.thresholds == 2**62).all())
    True
    """

    name = "honest"

    def __init__(
        self, mu: Fraction | str, seed: int, delta: Fraction | None = None, stream: int = 0
    ) -> None:
        super().__init__(mu, seed, stream)
        self.delta = self._check_delta(delta)
        self.t = threshold(HALF + self.delta)

    def describe(self) -> dict[str, str]:
        return {**super().describe(), "delta": str(self.delta)}

    def _draw(self, u: U64, with_probs: bool) -> Draw:
        bits = (u < np.uint64(self.t)).view(np.uint8)
        return Draw(bits, np.full(u.size, self.t, np.uint64) if with_probs else None)

    def pair_probs(self) -> dict[tuple[int, int], Fraction]:
        p = Fraction(self.t, DENOM)
        q = {1: p, 0: 1 - p}
        return {(x, y): q[x] * q[y] for x in (0, 1) for y in (0, 1)}


class AdversarialSource(SVSource):
    """DEF-SIM-SOURCE "adversarial": each bit's bias is set by the previous bit, at the SV edge.

    ``lean = -1`` (default, "alternate"): P(s_k = 1 | history) = 1/2 - mu if
    s_{k-1} = 1 else 1/2 + mu, so y_i leans away from x_i and x_{i+1} away
    from y_i; this lowers the S_mu of an honest quantum device (mismatched
    settings carry the negative terms of eq. 4).  ``lean = +1`` ("repeat")
    is the mirror image.  s_{-1} = 0.  Vectorised as
    ``s = s_{-1} XOR cumulative-XOR(f)`` with flips f of probability 1/2 - lean mu.
    """

    name = "adversarial"

    def __init__(self, mu: Fraction | str, seed: int, lean: int = -1, stream: int = 0) -> None:
        super().__init__(mu, seed, stream)
        if lean not in (-1, 1):
            raise InputError("lean", "must be -1 (alternate) or +1 (repeat)", f"got {lean!r}")
        self.lean = lean
        self.t_flip = threshold(HALF - lean * self.mu)

    def describe(self) -> dict[str, str]:
        return {**super().describe(), "lean": "repeat" if self.lean == 1 else "alternate"}

    def _draw(self, u: U64, with_probs: bool) -> Draw:
        flips = (u < np.uint64(self.t_flip)).view(np.uint8)
        bits = np.bitwise_xor.accumulate(flips) ^ np.uint8(self.last) if u.size else flips
        probs = None
        if with_probs:
            prev = np.concatenate([np.array([self.last], np.uint8), bits[:-1]])[: u.size]
            probs = np.where(
                prev == 1, np.uint64(DENOM - self.t_flip), np.uint64(self.t_flip)
            ).astype(np.uint64)
        return Draw(bits.astype(np.uint8, copy=False), probs)

    def pair_probs(self) -> dict[tuple[int, int], Fraction]:
        stay = 1 - Fraction(self.t_flip, DENOM)
        return {(x, y): HALF * (stay if x == y else 1 - stay) for x in (0, 1) for y in (0, 1)}


class CorrelatedSource(SVSource):
    """DEF-SIM-SOURCE "correlated": x_i with P(1) = 1/2 + delta, y_i leaning to x_i.

    p(x_i = 1) = 1/2 + delta (|delta| <= mu), and p(y_i = 1 | x_i) = 1/2 + mu
    if x_i = 1 else 1/2 - mu: correlated pairs that meet DEF-SV-PAIR.
    """

    name = "correlated"

    def __init__(
        self, mu: Fraction | str, seed: int, delta: Fraction | None = None, stream: int = 0
    ) -> None:
        super().__init__(mu, seed, stream)
        self.delta = self._check_delta(delta)
        self.t_x = threshold(HALF + self.delta)
        self.t_y = (threshold(HALF - self.mu), threshold(HALF + self.mu))

    def describe(self) -> dict[str, str]:
        return {**super().describe(), "delta": str(self.delta)}

    def _draw(self, u: U64, with_probs: bool) -> Draw:
        k = u.size
        is_y = ((self.position + np.arange(k)) & 1).astype(bool)
        xbits = (u < np.uint64(self.t_x)).view(np.uint8)
        prev = np.concatenate([np.array([self.last], np.uint8), xbits[:-1]])[:k]
        t_y = np.where(prev == 1, np.uint64(self.t_y[1]), np.uint64(self.t_y[0]))
        t = np.where(is_y, t_y, np.uint64(self.t_x)).astype(np.uint64)
        bits = (u < t).view(np.uint8)
        return Draw(bits, t if with_probs else None)

    def pair_probs(self) -> dict[tuple[int, int], Fraction]:
        px = Fraction(self.t_x, DENOM)
        py1 = {0: Fraction(self.t_y[0], DENOM), 1: Fraction(self.t_y[1], DENOM)}
        out = {}
        for x in (0, 1):
            for y in (0, 1):
                pyx = py1[x] if y else 1 - py1[x]
                out[x, y] = (px if x else 1 - px) * pyx
        return out


SOURCES: dict[str, type[SVSource]] = {
    "honest": HonestSource,
    "adversarial": AdversarialSource,
    "correlated": CorrelatedSource,
}


def make_source(name: str, mu: Fraction | str, seed: int, delta: Fraction | None = None) -> SVSource:
    """DEF-SIM-SOURCE: a source by name ("honest", "adversarial", "correlated"), stream 0.

    ``delta`` is the true bias P(1) - 1/2 of the honest and correlated sources
    (default mu; |delta| <= mu); the adversarial source has none.
    """
    if name not in SOURCES:
        raise InputError("source", f"must be one of {', '.join(SOURCES)}", f"got {name!r}")
    if delta is not None:
        if name == "adversarial":
            raise InputError("--source-bias", "does not apply to the adversarial source", "",
                             "its bias follows the previous bit (DEF-SIM-SOURCE)")
        return SOURCES[name](mu, seed, delta=delta)  # type: ignore[call-arg]
    return SOURCES[name](mu, seed)
