"""DEF-SIM-DEVICE (spec/data-formats.md): simulated untrusted devices for Box I step 1(b).

Two devices, both vectorised over chunks of trials and seeded explicitly:

* :class:`QuantumDevice`, CONV-DEPOL: |Psi+> with depolarising visibility v at
  the optimal CHSH settings, P(a, b | x, y) = (1 + (-1)^(a+b) s_xy E) / 4 with
  E = v / sqrt 2 = CHSH / 4 and s_00 = s_01 = s_10 = +1, s_11 = -1 (the sign
  convention of :func:`diramp.bell.chsh`), then each output flipped
  independently with probability r_A, r_B (readout error).
* :class:`LocalDevice`: a local deterministic adversary a = f(x), b = g(y)
  that knows the source's pair distribution and plays the strategies that
  maximise the expected S_mu (ties: the largest CHSH, which is 2 for a local
  model).  By the MDL inequality (eq. 4) its expected S_mu is <= 0.

As in DEF-SIM-SOURCE each random event is ``[U < T]`` on a 64-bit PCG64 word,
so :meth:`conditional` returns the model the sampler realises *exactly*.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from diramp.bell import MDL_NEGATIVE, MDL_POSITIVE
from diramp.errors import InputError
from diramp.exact import to_fraction
from diramp.simulate.sources import DENOM, raw_words, rng_from_seed
from diramp.sv import mu_max, mu_min

U8 = npt.NDArray[np.uint8]
#: CHSH sign s_xy of setting (x, y) (DEF-CHSH: CHSH = E00 + E01 + E10 - E11).
SIGN = {(0, 0): 1, (0, 1): 1, (1, 0): 1, (1, 1): -1}
UNIFORM = {(x, y): Fraction(1, 4) for x in (0, 1) for y in (0, 1)}

Model = dict[tuple[int, int, int, int], Fraction]  # P(a, b | x, y) keyed (a, b, x, y)


def _nearest(p: Fraction) -> int:
    """Nearest integer T to p * 2^64 (ties up), clamped to [0, 2^64 - 1]."""
    return min(max(math.floor(p * DENOM + Fraction(1, 2)), 0), DENOM - 1)


def joint(model: Model, p_xy: Mapping[tuple[int, int], Fraction]) -> Model:
    """p(a, b, x, y) = p(x, y) P(a, b | x, y)."""
    return {(a, b, x, y): p_xy[x, y] * pr for (a, b, x, y), pr in model.items()}


def expected_s_mu(
    model: Model, mu: Fraction, p_xy: Mapping[tuple[int, int], Fraction] = UNIFORM
) -> Fraction:
    """DEF-MDL (eq. 4): the expected S_mu of a device model under inputs p(x, y), exact.

    E[S_mu,obs] = mu_min p(0000) - mu_max (p(0101) + p(1010) + p(0011)), digit order a, b, x, y.
    """
    j = joint(model, p_xy)
    return mu_min(mu) * j[MDL_POSITIVE] - mu_max(mu) * sum(j[e] for e in MDL_NEGATIVE)


def s_mu_std(
    model: Model, mu: Fraction, n: int, p_xy: Mapping[tuple[int, int], Fraction] = UNIFORM
) -> float:
    """Standard deviation of S_mu,obs over n i.i.d. trials (for statistical tolerances)."""
    j = joint(model, p_xy)
    m1 = expected_s_mu(model, mu, p_xy)
    m2 = mu_min(mu) ** 2 * j[MDL_POSITIVE] + mu_max(mu) ** 2 * sum(j[e] for e in MDL_NEGATIVE)
    return math.sqrt(float(m2 - m1 * m1) / n)


def expected_chsh(model: Model) -> Fraction:
    """DEF-CHSH of a model: sum_xy s_xy E_xy with E_xy = P(a = b | xy) - P(a != b | xy)."""
    total = Fraction(0)
    for (x, y), s in SIGN.items():
        e = sum((1 if a == b else -1) * model[a, b, x, y] for a in (0, 1) for b in (0, 1))
        total += s * e
    return total


class QuantumDevice:
    """DEF-SIM-DEVICE "quantum": depolarised |Psi+> at the optimal CHSH settings (CONV-DEPOL).

    >>> dev = QuantumDevice(Fraction(9, 4), seed=0)      # E = 9/16, dyadic: realised exactly
    >>> from diramp.bell import s_mu_depolarised
    >>> expected_s_mu(dev.conditional(), Fraction(3, 400)) == s_mu_depolarised(
    ...     Fraction(9, 4), Fraction(3, 400))
    True
    """

    name = "quantum"

    def __init__(
        self,
        chsh: Fraction | str,
        seed: int,
        readout_error: tuple[Fraction | str, Fraction | str] = (Fraction(0), Fraction(0)),
        stream: int = 1,
    ) -> None:
        c = to_fraction(chsh)
        if c < 0 or c * c > 8:
            raise InputError(
                "chsh",
                "must lie in [0, 2 sqrt 2] (Tsirelson's bound)",
                f"got {c}",
                "a quantum device cannot exceed 2 sqrt 2 = 2.828...",
            )
        self.chsh = c
        self.e = c / 4
        self.r = tuple(to_fraction(r) for r in readout_error)
        for side, r in zip("AB", self.r, strict=True):
            if not 0 <= r <= Fraction(1, 2):
                raise InputError(f"readout error r_{side}", "must lie in [0, 1/2]", f"got {r}")
        self.seed = seed
        self.rng = rng_from_seed(seed, stream)
        # P(a != b | x, y) before readout error: (1 - s_xy E) / 2.
        self.t_diff = np.array(
            [_nearest((1 - SIGN[x, y] * self.e) / 2) for x in (0, 1) for y in (0, 1)],
            dtype=np.uint64,
        )
        self.t_flip = tuple(_nearest(r) for r in self.r)

    @classmethod
    def from_visibility(cls, v: Fraction | str, seed: int, digits: int = 30) -> QuantumDevice:
        """CONV-DEPOL: CHSH = 2 sqrt 2 v, with sqrt 2 rounded to ``digits`` decimals."""
        vv = to_fraction(v)
        if not 0 <= vv <= 1:
            raise InputError("visibility", "must lie in [0, 1]", f"got {vv}")
        sqrt2 = Fraction(math.isqrt(2 * 10 ** (2 * digits)), 10**digits)
        return cls(2 * sqrt2 * vv, seed)

    def describe(self) -> dict[str, str]:
        return {
            "device": self.name,
            "chsh_target": str(self.chsh),
            "readout_error": f"{self.r[0]},{self.r[1]}",
            "seed": str(self.seed),
        }

    def conditional(self) -> Model:
        """The exact P(a, b | x, y) this sampler realises (thresholds and readout included)."""
        fa, fb = (Fraction(t, DENOM) for t in self.t_flip)
        out: Model = {}
        for x in (0, 1):
            for y in (0, 1):
                q = Fraction(int(self.t_diff[2 * x + y]), DENOM)  # P(a != b) before readout
                # a is fair; flips of a and b with fa, fb: P(a != b) after.
                flip_odd = fa * (1 - fb) + fb * (1 - fa)
                diff = q * (1 - flip_odd) + (1 - q) * flip_odd
                for a in (0, 1):
                    for b in (0, 1):
                        out[a, b, x, y] = (diff if a != b else 1 - diff) / 2
        return out

    def sample(self, x: U8, y: U8) -> tuple[U8, U8]:
        """Outputs (a, b) for inputs (x, y), vectorised; draws from stream ``seed``/1."""
        k = x.size
        # a: fair bits, 64 per word, MSB-first from little-endian bytes (platform-independent).
        words = raw_words(self.rng, (k + 63) // 64)
        a = np.unpackbits(words.astype("<u8").view(np.uint8), count=k)
        u = raw_words(self.rng, k)
        c = (u < self.t_diff[2 * x.astype(np.intp) + y]).view(np.uint8)
        b = a ^ c
        if self.t_flip[0]:
            a = a ^ (raw_words(self.rng, k) < np.uint64(self.t_flip[0])).view(np.uint8)
        if self.t_flip[1]:
            b = b ^ (raw_words(self.rng, k) < np.uint64(self.t_flip[1])).view(np.uint8)
        return a, b


Strategy = tuple[tuple[int, int], tuple[int, int]]  # ((f(0), f(1)), (g(0), g(1)))
ALL_STRATEGIES: tuple[Strategy, ...] = tuple(
    ((f0, f1), (g0, g1)) for f0, f1, g0, g1 in itertools.product((0, 1), repeat=4)
)


def strategy_model(strategies: Sequence[Strategy]) -> Model:
    """P(a, b | x, y) of a uniform mixture of deterministic local strategies, exact."""
    out: Model = {(a, b, x, y): Fraction(0) for a, b, x, y in itertools.product((0, 1), repeat=4)}
    w = Fraction(1, len(strategies))
    for f, g in strategies:
        for x in (0, 1):
            for y in (0, 1):
                out[f[x], g[y], x, y] += w
    return out


def best_local_strategies(
    mu: Fraction, p_xy: Mapping[tuple[int, int], Fraction] = UNIFORM
) -> tuple[Strategy, ...]:
    """DEF-SIM-DEVICE: the deterministic strategies with the largest expected S_mu, then CHSH.

    The MDL inequality bounds the maximum by 0.  Five strategies attain it
    for every SV source, with CHSH = 2: they never produce an event of eq. (4),
    so their S_mu,obs is exactly 0 (Box I then needs m = 0 to abort).

    >>> best_local_strategies(Fraction(3, 400))[:2]
    (((0, 1), (1, 0)), ((1, 0), (0, 1)))
    """
    scored = [
        (expected_s_mu(strategy_model([s]), mu, p_xy), expected_chsh(strategy_model([s])), s)
        for s in ALL_STRATEGIES
    ]
    top = max((sc, ch) for sc, ch, _ in scored)
    return tuple(s for sc, ch, s in scored if (sc, ch) == top)


class LocalDevice:
    """DEF-SIM-DEVICE "local": per trial, a = f(x), b = g(y) for a strategy (f, g).

    With several strategies, each trial picks one uniformly at random, from
    shared randomness drawn independently of the inputs (a local hidden
    variable).  Default: the first of :func:`best_local_strategies` for the
    given source's p(x, y), i.e. a = x, b = 1 - y for SV sources.
    """

    name = "local"

    def __init__(
        self,
        mu: Fraction | str,
        seed: int,
        p_xy: Mapping[tuple[int, int], Fraction] = UNIFORM,
        strategies: Sequence[Strategy] | None = None,
        stream: int = 1,
    ) -> None:
        self.mu = to_fraction(mu)
        self.strategies = tuple(strategies or best_local_strategies(self.mu, p_xy)[:1])
        k = len(self.strategies)
        if k & (k - 1):
            raise InputError(
                "strategies",
                "the mixture must have a power-of-two size",
                f"got {k}",
                "repeat strategies to weight them",
            )
        self.seed = seed
        self.rng = rng_from_seed(seed, stream)
        self.f = np.array([s[0] for s in self.strategies], np.uint8)  # shape (k, 2)
        self.g = np.array([s[1] for s in self.strategies], np.uint8)

    def describe(self) -> dict[str, str]:
        return {
            "device": self.name,
            "strategies": ";".join(f"f={f[0]}{f[1]},g={g[0]}{g[1]}" for f, g in self.strategies),
            "seed": str(self.seed),
        }

    def conditional(self) -> Model:
        return strategy_model(self.strategies)

    def sample(self, x: U8, y: U8) -> tuple[U8, U8]:
        """Outputs a = f_lambda(x), b = g_lambda(y), lambda uniform on the strategies."""
        k = len(self.strategies)
        if k == 1:
            lam = np.zeros(x.size, np.intp)
        else:  # exactly uniform: top log2(k) bits of a 64-bit word
            lam = (raw_words(self.rng, x.size) >> np.uint64(64 - k.bit_length() + 1)).astype(
                np.intp
            )
        return self.f[lam, x], self.g[lam, y]
