"""DEF-CIRC against cryptomite's Circulant (optional external oracle; non-commercial peer, never a dependency).

cryptomite (Foreman et al., Quantum 9, 1584 (2025)) implements the circulant extractor whose
convention spec/circulant.md fixes; matching it bit for bit on random inputs and on the
library's own test cases (those with a prime seed length) pins the indices, the zero
appended to the input and the roles of input and seed.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from diramp.extractor import extract

cryptomite = pytest.importorskip("cryptomite", reason="optional peer (pip install cryptomite)")


@pytest.mark.parametrize("p", [3, 5, 7, 11, 13, 17, 101, 257, 1019, 2003])
def test_matches_cryptomite_circulant(p: int) -> None:
    rng = np.random.default_rng(20251202 + p)
    for m in sorted({1, p // 2, p - 1}):
        n = int(rng.integers(0, p))
        x = rng.integers(0, 2, n, dtype=np.uint8)
        y = rng.integers(0, 2, p, dtype=np.uint8)
        xp = [int(b) for b in x] + [0] * (p - 1 - n)  # AB zero-padded to p - 1 bits (CONV-CIRC-ARGS)
        peer = np.array(cryptomite.Circulant(p - 1, m).extract(xp, [int(b) for b in y]), dtype=np.uint8)
        assert np.array_equal(extract(x, y, m, extractor="circulant"), peer)
        if m > 1 and x.any() and y.any():
            # roles swapped (seed as input) is a different function
            swapped = np.array(cryptomite.Circulant(p - 1, m).extract([int(b) for b in y[: p - 1]],
                                                                      [*xp, int(y[-1])]), dtype=np.uint8)
            assert not np.array_equal(swapped, peer) or p <= 5


# The library's own test cases (test/test_circulant.py at 77ec927) whose seed length n + 1 is prime.
LIBRARY_CASES = [(2, 1, [0, 1], [1, 1, 1], [1]), (2, 2, [1, 0], [1, 1, 0], [1, 1]),
                 (2, 2, [0, 1], [0, 0, 0], [0, 0])]


@pytest.mark.parametrize("case", LIBRARY_CASES)
def test_library_cases(case: tuple[int, int, list[int], list[int], list[int]]) -> None:
    n, m, x, y, want = case
    assert sympy.isprime(n + 1)
    assert extract(x, y, m, extractor="circulant").tolist() == want
