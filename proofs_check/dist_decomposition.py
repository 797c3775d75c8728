"""(g) LEM-DIST-XOR, DEF-DIST-TASKS, REQ-DIST-BITEXACT: the distributed decomposition equals DEF-EXT, exhaustively.

For every x, y in {0,1}^N (all 4^N pairs at once, as matrices) and every m <= N,
the chunk/block tasks of the engine (``chunk_tasks``), their byte-range cuts of
the MSB-first packed inputs through whole checksum granules (``granule_range``,
``unpack_range``) and the XOR tree over packed partials (``reduction_tree``,
``xor_partials``) reproduce Ext(x, y) computed directly from its definition
``Ext[s] = XOR_j x[j+s] AND y[j]`` (spec/extractor.md DEF-EXT).  The per-task
correlation is an integer matrix product here (the float kernel's exactness is
REQ-FLOAT-MARGIN, checked by the extractor's tests).  Integer arithmetic only.

Splits: every (L, B) with 1 <= L <= m, 1 <= B <= N for N <= FULL_N; for
N <= MID_N also the extreme splits and the planner's plan (``make_plan``); up to
MAX_N two chunks of ceil(m/2) lags and blocks of 3 bits (cuts inside bytes).
The implementation is read through module attributes so a test can plant an error.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from diramp.distributed import checksum as dchecksum
from diramp.distributed import tasks as dtasks
from diramp.extractor import tasks as etasks
from proofs_check import check

#: Every split (L, B) is checked up to FULL_N; four splits per m up to MID_N; one multi-task
#: split with cuts inside bytes up to MAX_N (4^10 pairs make each case cost about 0.1 s).
FULL_N = 6
MID_N = 8
MAX_N = 10

U8 = npt.NDArray[np.uint8]


def all_strings(N: int) -> U8:
    """Row i: the N bits of the integer i (bit k of the string = bit k of i); all 2^N strings."""
    i = np.arange(2**N, dtype=np.int64)
    return ((i[:, None] >> np.arange(N)) & 1).astype(np.uint8)


def _gf2_products(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> U8:
    """(a @ b.T) mod 2 for 0/1 matrices, exact: float32 holds the integer sums (<= 10) exactly."""
    out = (a @ b.T).astype(np.uint8)
    out &= 1
    return out


def definition(S: U8) -> U8:
    """DEF-EXT for all pairs (x = S[i], y = S[k]): out[k, i, s] = XOR_j S[i, j+s] AND S[k, j], s < N."""
    N = S.shape[1]
    F = S.astype(np.float32)
    return np.stack([_gf2_products(F[:, : N - s], F[:, s:]) for s in range(N)], axis=-1)


def pack_msb_first(bits: U8) -> U8:
    """CONV-BITORDER along the last axis: bit k -> bit 7 - k % 8 of byte k // 8, zero pad bits.

    Written out (not ``numpy.packbits``, slow along a short last axis); equals it:

    >>> b = np.array([[1, 0, 1, 1, 0, 1, 0, 0, 1]], dtype=np.uint8)
    >>> pack_msb_first(b).tolist() == np.packbits(b, axis=-1).tolist() == [[0xB4, 0x80]]
    True
    """
    L = bits.shape[-1]
    out = np.zeros((*bits.shape[:-1], -(-L // 8)), dtype=np.uint8)
    for k in range(L):
        out[..., k // 8] |= bits[..., k] << np.uint8(7 - k % 8)
    return out


def unpack_msb_first(packed: U8, L: int) -> U8:
    """The first L bits of :func:`pack_msb_first`'s inverse (CONV-BITORDER)."""
    return np.stack([(packed[..., k // 8] >> np.uint8(7 - k % 8)) & np.uint8(1) for k in range(L)], axis=-1)


def _cut(packed: U8, nbits: int, start: int, stop: int, granule: int) -> U8:
    """A worker's read of bits [start, stop): whole granules from packed, then the MSB-first cut."""
    stop = min(stop, nbits)
    g0, g1 = dchecksum.granule_range(start, stop, granule)
    a = g0 * granule
    return dchecksum.unpack_range(packed[:, a : min(packed.shape[1], g1 * granule)], a, start, stop)


def decomposed(S: U8, packed: U8, plan: etasks.Plan, granule: int, fan_in: int) -> U8:
    """The engine's decomposition for all pairs: out[k, i, s] for s < m (as :func:`definition`)."""
    N, n = plan.N, S.shape[0]
    out = np.zeros((n, n, plan.m), dtype=np.uint8)
    listed = {(t.chunk, t.block): t for t in plan.tasks()}
    for c in range(plan.n_chunks):
        s0, s1 = plan.chunk(c)
        L = s1 - s0
        ts = dtasks.chunk_tasks(plan, c)
        assert {(t.chunk, t.block): t for t in ts} == {k: t for k, t in listed.items() if k[0] == c}, (
            f"chunk_tasks({plan}, {c}) differs from Plan.tasks()")
        parts = []
        for t in ts:
            yb = _cut(packed, N, t.j0, t.j1, granule)
            xs = _cut(packed, N, t.x0, t.x1, granule)
            nb = yb.shape[1]
            assert nb == t.j1 - t.j0 and xs.shape[1] == t.x1 - t.x0, f"cut lengths wrong for {t}"
            xpad = np.zeros((n, nb + L - 1), dtype=np.float32)
            xpad[:, : xs.shape[1]] = xs
            # lag u of pair (y_k, x_i): sum_j xs_i[j + u] yb_k[j]; all lags in one product
            lagged = np.stack([xpad[:, u : u + nb] for u in range(L)], axis=1).reshape(n * L, nb)
            par = _gf2_products(yb.astype(np.float32), lagged).reshape(n, n, L)
            parts.append(dtasks.Partial(pack_msb_first(par), 0.0, 0, 1))
        level = parts
        for groups in dtasks.reduction_tree(len(level), fan_in):
            level = [dtasks.xor_partials(*(level[i] for i in g)) for g in groups]
        assert level[0].leaves == len(ts), "the XOR tree lost or repeated a leaf"
        out[..., s0:s1] = unpack_msb_first(level[0].packed, L)
    return out


def splits(N: int, m: int) -> list[tuple[int, int]]:
    """(L, B) pairs checked for (N, m): all for N <= FULL_N, else unaligned multi-task splits."""
    if N <= FULL_N:
        return [(L, B) for L in range(1, m + 1) for B in range(1, N + 1)]
    out = {(-(-m // 2), 3)}  # two chunks (when m > 1), blocks of 3 bits: cuts inside bytes
    if N <= MID_N:
        out |= {(1, 1), (m, N)}
        p = etasks.make_plan(N, m, max_fft=8)
        out.add((p.L, p.B))
    return sorted(out)


@check("LEM-DIST-XOR", "DEF-DIST-TASKS", "REQ-DIST-BITEXACT", "LEM-EXT-BLOCKED")
def dist_decomposition() -> str:
    """LEM-DIST-XOR, DEF-DIST-TASKS: tasks, byte-range cuts and XOR tree equal DEF-EXT for all x, y, N <= 10."""
    cases = 0
    for N in range(1, MAX_N + 1):
        S = all_strings(N)
        packed = np.packbits(S, axis=1)  # CONV-BITORDER: MSB-first, zero pad bits
        want = definition(S)
        for m in range(1, N + 1):
            for k, (L, B) in enumerate(splits(N, m)):
                plan = etasks.Plan(N, m, B + L - 1, L, B)
                granule, fan_in = 1 + k % 3, 2 + k % 2
                got = decomposed(S, packed, plan, granule, fan_in)
                assert np.array_equal(got, want[..., :m]), (
                    f"decomposition differs from DEF-EXT at N={N}, m={m}, L={L}, B={B}, "
                    f"granule={granule}, fan_in={fan_in}")
                cases += 1
    pairs = sum(4**N for N in range(1, MAX_N + 1))
    return (f"{cases} (N, m, L, B) cases, every split for N <= {FULL_N}; all 4^N input pairs each "
            f"({pairs} pairs over N = 1..{MAX_N}): XOR tree of packed task partials == DEF-EXT")
