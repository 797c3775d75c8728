"""Theorem 2 (Kulikov et al. 2024), DEF-EXT against an independent implementation (optional).

cryptomite's Dodis extractor (non-commercial licence: optional peer only, never a
dependency) computes a *cyclic* correlation of length n.  With both inputs
zero-padded to n = 2N the wrap-around vanishes and, with the arguments in the
order (y, x), its output is our non-cyclic Ext(x, y): an external oracle for
DEF-EXT, including the shift direction and the argument order.
"""

from __future__ import annotations

import numpy as np
import pytest

from diramp.extractor import extract

cryptomite = pytest.importorskip("cryptomite", reason="optional peer (pip install cryptomite)")


@pytest.mark.parametrize("N", [1, 2, 8, 37, 64, 255, 300])
def test_matches_cryptomite_with_padding(N: int) -> None:
    rng = np.random.default_rng(20240614 + N)
    x = rng.integers(0, 2, N, dtype=np.uint8)
    y = rng.integers(0, 2, N, dtype=np.uint8)
    for m in sorted({1, max(1, N // 2), N}):
        n = 2 * N

        def pad(v: np.ndarray, n: int = n) -> list[int]:
            return [int(b) for b in v] + [0] * (n - N)

        peer = np.array(cryptomite.Dodis(n, m).extract(pad(y), pad(x)), dtype=np.uint8)
        assert np.array_equal(extract(x, y, m), peer)
        if N > 2:
            # The other argument order is a different function.
            other = np.array(cryptomite.Dodis(n, m).extract(pad(x), pad(y)), dtype=np.uint8)
            assert not np.array_equal(other, peer) or not x.any() or not y.any() or m == 1
