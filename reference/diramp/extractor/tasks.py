"""LEM-EXT-BLOCKED: the task planner and the per-task kernel ``partial_correlation``.

The extractor output is split into lag chunks ``[s0, s1)`` and the y input
into blocks ``[j0, j1)``.  Task (chunk, block) computes, for s in the chunk,

    partial[s - s0] = XOR_{j0 <= j < j1, j + s < N} x[j + s] AND y[j]

from the x bits ``[j0 + s0, min(N, j1 + s1 - 1))`` and the y bits ``[j0, j1)``
only.  By LEM-EXT-BLOCKED, ``Ext[s0:s1]`` is the XOR over all blocks of the
chunk's partials.  Tasks are independent (distributable, e.g. on Dask); only
the XOR reduction per chunk combines them.

>>> plan = make_plan(8, 3, max_fft=8)
>>> (plan.P, plan.L, plan.B, plan.n_chunks, plan.n_blocks)
(8, 3, 6, 1, 2)
>>> [(t.chunk, t.block, t.x0, t.x1, t.j0, t.j1) for t in plan.tasks()]
[(0, 0, 0, 8, 0, 6), (0, 1, 6, 8, 6, 8)]

:func:`plan_grouped` plans the grouped kernel: the same tasks, plus a group
size G (blocks whose spectra products are summed before one inverse FFT,
REQ-FLOAT-MARGIN "Grouped spectra") and a chunk batch (lag chunks whose
accumulators are held at once, so one y spectrum serves all of them), chosen
within a memory budget.

>>> g = plan_grouped(8, 3, max_fft=8)
>>> (g.P, g.L, g.B, g.G, g.batch, g.n_groups)
(8, 3, 6, 2, 0, 1)
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from diramp.errors import CheckFailed, InputError
from diramp.extractor import margin as _margin
from diramp.extractor.exact import exact_partial
from diramp.extractor.fft import Spectrum, fft_partial
from diramp.extractor.margin import check_group, max_group
from diramp.extractor.packed import Bits

#: Largest FFT length of the default mode.  Measured peak RSS is about
#: (5 * workers + 1) * 8 P bytes (three buffers per task, pocketfft's copy and
#: work arrays, its cached plan): 3.4 GB for two workers at paper scale.
DEFAULT_MAX_FFT = 5 << 23
#: Largest FFT length of the memory-lean mode (one worker: about 6 * 8 P = 0.8 GB).
LEAN_MAX_FFT = 1 << 24
#: Hard cap: REQ-FLOAT-MARGIN's a priori bound stays below SAFE_MARGIN up to 2^27.
MAX_FFT = 1 << 27

METHODS = ("auto", "fft", "exact")

#: Planner cost of one FFT call beyond its P log P work (Python and allocation overhead).
TASK_OVERHEAD = 1 << 16

#: Grouped kernel: memory budgets (bytes of the model :func:`grouped_memory`) of the
#: default mode (4 GiB peak RSS target) and of the lean mode (1 GiB target).
DEFAULT_MEMORY = int(3.5 * 2**30)
LEAN_MEMORY = int(0.85 * 2**30)
#: Memory model of the grouped kernel, in units of one P-length float64 buffer (8P bytes):
#: per worker a staging buffer, a spectrum and numpy's two work arrays during a
#: transform; shared, one conjugated y spectrum and one accumulator per batched chunk.
UNITS_PER_WORKER = 4
SHARED_UNITS = 1
#: Fixed part of the model (interpreter, numpy, the unpacked bits being read).
BASE_MEMORY = 160 << 20


def fast_sizes(lo: int, hi: int) -> list[int]:
    """FFT lengths 2^a, 3*2^a, 5*2^a in [lo, hi] (sizes numpy's pocketfft handles fast).

    >>> fast_sizes(10, 40)
    [10, 12, 16, 20, 24, 32, 40]
    """
    out = set()
    for f in (1, 3, 5):
        p = f
        while p <= hi:
            if p >= lo:
                out.add(p)
            p *= 2
    return sorted(out)


@dataclass(frozen=True)
class Task:
    """LEM-EXT-BLOCKED: one (lag chunk, y block) task and the input bit/byte ranges it reads."""

    chunk: int
    block: int
    s0: int  #: first lag of the chunk
    s1: int  #: one past the last lag
    j0: int  #: first y bit of the block
    j1: int  #: one past the last y bit
    x0: int  #: first x bit read (= j0 + s0)
    x1: int  #: one past the last x bit read (= min(N, j1 + s1 - 1))

    @property
    def x_bytes(self) -> tuple[int, int]:
        """Packed byte range ``[a, b)`` of x holding bits ``[x0, x1)`` (CONV-BITORDER)."""
        return self.x0 // 8, (self.x1 + 7) // 8

    @property
    def y_bytes(self) -> tuple[int, int]:
        """Packed byte range ``[a, b)`` of y holding bits ``[j0, j1)`` (CONV-BITORDER)."""
        return self.j0 // 8, (self.j1 + 7) // 8


@dataclass(frozen=True)
class Plan:
    """LEM-EXT-BLOCKED: block size B, lag chunk size L and FFT length P >= B + L - 1."""

    N: int
    m: int
    P: int
    L: int
    B: int
    #: grouped kernel: blocks per group (one inverse FFT per group and chunk)
    G: int = 1
    #: grouped kernel: lag chunks accumulated at once (0: all)
    batch: int = 0

    @property
    def n_groups(self) -> int:
        """Number of block groups, ceil(n_blocks / G)."""
        return -(-self.n_blocks // self.G)

    def group(self, g: int) -> tuple[int, int]:
        """Block range ``[b0, b1)`` of group ``g``."""
        return g * self.G, min(self.n_blocks, (g + 1) * self.G)

    def batches(self) -> list[tuple[int, int]]:
        """Chunk ranges ``[c0, c1)`` accumulated together (each reuses one y spectrum)."""
        k = self.batch if self.batch > 0 else self.n_chunks
        return [(c, min(self.n_chunks, c + k)) for c in range(0, self.n_chunks, k)]

    @property
    def n_chunks(self) -> int:
        """Number of lag chunks, ceil(m / L)."""
        return -(-self.m // self.L)

    @property
    def n_blocks(self) -> int:
        """Number of y blocks, ceil(N / B)."""
        return -(-self.N // self.B)

    def chunk(self, c: int) -> tuple[int, int]:
        """Lag range ``[s0, s1)`` of chunk ``c``."""
        return c * self.L, min(self.m, (c + 1) * self.L)

    def block(self, b: int) -> tuple[int, int]:
        """y bit range ``[j0, j1)`` of block ``b``."""
        return b * self.B, min(self.N, (b + 1) * self.B)

    def block_tasks(self, b: int) -> list[Task]:
        """The non-empty tasks of block ``b``, one per lag chunk."""
        j0, j1 = self.block(b)
        out = []
        for c in range(self.n_chunks):
            s0, s1 = self.chunk(c)
            if j0 + s0 >= self.N:
                break  # x segment empty: the partial is zero
            out.append(Task(c, b, s0, s1, j0, j1, j0 + s0, min(self.N, j1 + s1 - 1)))
        return out

    def tasks(self) -> Iterator[Task]:
        """All non-empty tasks, block-major (a block's y spectrum serves all its chunks)."""
        for b in range(self.n_blocks):
            yield from self.block_tasks(b)

    def n_tasks(self) -> int:
        """Number of non-empty tasks."""
        return sum(len(self.block_tasks(b)) for b in range(self.n_blocks))


def make_plan(
    N: int, m: int, *, max_fft: int = DEFAULT_MAX_FFT, fft_size: int | None = None
) -> Plan:
    """LEM-EXT-BLOCKED: choose (P, L, B) minimising FFT work for P <= ``max_fft``.

    Cost model: ``ceil(N / B) (1 + 2 C)`` FFTs of cost ``P log2 P`` plus a fixed
    overhead (one y spectrum per block, one forward and one inverse FFT per
    task; C = ceil(m / L) chunks, L < P).  Memory is
    O(P), independent of N.  ``fft_size`` forces P.
    """
    if not 1 <= m <= N:
        raise InputError("m", f"must satisfy 1 <= m <= N = {N}", f"got {m}")
    if max_fft > MAX_FFT:
        raise InputError("max_fft", f"must be <= {MAX_FFT} (REQ-FLOAT-MARGIN)", f"got {max_fft}")
    sizes = [fft_size] if fft_size is not None else fast_sizes(8, max_fft)
    best: tuple[float, Plan] | None = None
    for P in sizes:
        c_min = -(-m // (P - 1))  # fewest chunks with L < P
        for C in range(c_min, c_min + 8):
            L = -(-m // C)
            B = min(N, P - L + 1)
            n_fft = -(-N // B) * (1 + 2 * C)
            cost = n_fft * (P * math.log2(P) + TASK_OVERHEAD)
            if best is None or cost < best[0]:
                best = (cost, Plan(N, m, P, L, B))
            if L == 1:
                break
    if best is None:
        raise InputError("max_fft", "too small for this m", f"max_fft {max_fft}, m {m}")
    return best[1]


def grouped_memory(P: int, workers: int, batch: int, m: int = 0) -> int:
    """Bytes the grouped kernel holds at FFT length P (model; measured RSS in docs/extractor.md)."""
    units = workers * UNITS_PER_WORKER + SHARED_UNITS + batch
    return units * 8 * P + BASE_MEMORY + 2 * m + 2 * workers * P


#: Memory model of kernel v3 (four-step), in units of 8P bytes (spec LEM-EXT-BLOCKED):
#: one work array, the twiddle table and one conjugated y spectrum, shared by both
#: threads, plus one accumulator per batched chunk; each unit is (P1/2 + 1) P2
#: complex values, 8P (1 + 2 / P1) bytes.
V3_SHARED_UNITS = 3


def fourstep_memory(P: int, workers: int, batch: int, m: int = 0) -> int:
    """Bytes kernel v3 holds at FFT length P (model; measured RSS in docs/extractor.md).

    Units as :data:`V3_SHARED_UNITS`, plus 3P bytes of bits (staging, the x
    segment and the y block read), 4 MiB of slab buffers per thread, the fixed
    :data:`BASE_MEMORY` and 2m (the output and its parity work).
    """
    from diramp.extractor.fourstep import split

    P1, P2 = split(P)
    unit = (P1 // 2 + 1) * P2 * 16
    return (V3_SHARED_UNITS + batch) * unit + 3 * P + (4 << 20) * workers + BASE_MEMORY + 2 * m


def grouped_fft_count(plan: Plan) -> int:
    """Transforms of the grouped kernel at most (zero y blocks are skipped at run time).

    Per block one y spectrum per chunk batch and one x spectrum per chunk; one
    inverse per (group, chunk).
    """
    nb = len(plan.batches())
    return sum(
        min(nb, len(plan.block_tasks(b))) + len(plan.block_tasks(b)) for b in range(plan.n_blocks)
    ) + plan.n_groups * plan.n_chunks


def plan_grouped(
    N: int,
    m: int,
    *,
    workers: int = 2,
    memory: int = DEFAULT_MEMORY,
    max_fft: int = MAX_FFT,
    fft_size: int | None = None,
    group: int | None = None,
    kernel: str = "v2",
) -> Plan:
    """LEM-EXT-BLOCKED, REQ-FLOAT-MARGIN: (P, L, B, G, batch) of the grouped kernel.

    ``kernel`` is ``"v2"`` (memory model :func:`grouped_memory`, bound
    :func:`~diramp.extractor.margin.group_error_bound`) or ``"v3"`` (four-step:
    :func:`fourstep_memory`, :func:`~diramp.extractor.margin.fourstep_error_bound`).

    Minimises ``n_blocks (ceil(C / batch) + C) + n_groups C`` transforms of cost
    ``P log2 P`` over P <= ``max_fft`` and C = ceil(m / L) chunks, with G the
    largest group size whose a priori bound (:func:`~diramp.extractor.margin.group_error_bound`)
    stays <= SAFE_MARGIN, and the largest chunk batch whose
    :func:`grouped_memory` fits ``memory``.  ``group`` forces G (refused with the
    bound printed if unsafe at every admissible P); ``fft_size`` forces P
    (refused likewise).
    """
    if not 1 <= m <= N:
        raise InputError("m", f"must satisfy 1 <= m <= N = {N}", f"got {m}")
    if max_fft > MAX_FFT:
        raise InputError("max_fft", f"must be <= {MAX_FFT} (REQ-FLOAT-MARGIN)", f"got {max_fft}")
    if group is not None and (not isinstance(group, int) or group < 1):
        raise InputError("group", "must be a positive integer", f"got {group!r}")
    if kernel not in ("v2", "v3"):
        raise InputError("kernel", "must be 'v2' or 'v3' for the grouped planner", f"got {kernel!r}")
    memory_of = fourstep_memory if kernel == "v3" else grouped_memory
    if fft_size is not None:
        check_group(fft_size, group or 1, kernel)
        sizes = [fft_size]
    else:
        sizes = fast_sizes(8, max_fft)
    workers = max(1, workers)
    best: tuple[float, Plan] | None = None
    refused: int | None = None  # smallest P whose bound refuses the group size
    for P in sizes:
        gmax = max_group(P, kernel=kernel)
        if gmax < (group or 1):
            refused = P if refused is None else refused
            continue
        c_min = -(-m // (P - 1))
        for C in range(c_min, c_min + 8):
            L = -(-m // C)
            B = min(N, P - L + 1)
            nb = -(-N // B)
            G = min(group or gmax, nb)
            ng = -(-nb // G)
            G = -(-nb // ng)  # even groups
            batch = 0
            for k in range(min(C, 64), 0, -1):
                if memory_of(P, workers, k, m) <= memory:
                    batch = k
                    break
            if batch == 0:
                continue
            n_fft = nb * (-(-C // batch) + C) + ng * C
            cost = n_fft * (P * math.log2(P) + TASK_OVERHEAD)
            if best is None or cost < best[0]:
                best = (cost, Plan(N, m, P, L, B, G, batch if batch < C else 0))
            if L == 1:
                break
    if best is None:
        if refused is not None:
            check_group(refused, group or 1, kernel)  # raises, printing the bound
        raise InputError(
            "memory", "too small for this m and FFT cap",
            f"budget {memory} bytes, max_fft {max_fft}, m {m}",
            "raise the memory budget, or give a larger --fft-length",
        )
    return best[1]


@dataclass(frozen=True)
class PartialResult:
    """LEM-EXT-BLOCKED: a task's partial parities, its rounding margin and the method used."""

    parity: Bits
    margin: float
    method: str


def partial_correlation(
    x_segment: npt.ArrayLike,
    y_block: npt.ArrayLike,
    L: int,
    *,
    P: int | None = None,
    method: str = "auto",
    Y: Spectrum | None = None,
    threshold: float | None = None,
    kernel: str = "v1",
) -> PartialResult:
    """LEM-EXT-BLOCKED, REQ-FLOAT-MARGIN: one task's partial parities, t = 0 .. L-1.

    ``parity[t] = (sum_j x_segment[j + t] * y_block[j]) mod 2``.  ``method``:
    ``"fft"`` (float64 FFT; CheckFailed if the margin exceeds ``threshold``),
    ``"auto"`` (float64 FFT, recomputed exactly if the margin is unsafe) or
    ``"exact"`` (big-integer product).  ``threshold`` defaults to
    :data:`diramp.extractor.margin.SAFE_MARGIN`.

    ``kernel="v3"`` computes the float path with the four-step transforms
    (:class:`~diramp.extractor.fourstep.FourStep`, one per thread and FFT
    length, kept for the next call) under the v3 bound at G = 1; ``"v1"``
    (default) with whole-length numpy transforms.  ``Y`` applies to v1 only.

    >>> r = partial_correlation([1, 0, 1, 1, 0, 1, 0, 0], [1, 1, 0, 1, 0, 0, 1, 0], 3)
    >>> r.parity.tolist(), r.method
    ([0, 1, 1], 'fft')
    >>> partial_correlation([1, 0, 1, 1, 0, 1, 0, 0], [1, 1, 0, 1, 0, 0, 1, 0], 3, kernel="v3").parity.tolist()
    [0, 1, 1]
    """
    if method not in METHODS:
        raise InputError("method", f"must be one of {METHODS}", f"got {method!r}")
    if kernel not in ("v1", "v3"):
        raise InputError("kernel", "must be 'v1' or 'v3' for one task", f"got {kernel!r}")
    if kernel == "v3" and Y is not None:
        raise InputError("Y", "a precomputed spectrum applies to kernel v1 only", "")
    if method == "exact":
        return PartialResult(exact_partial(x_segment, y_block, L), 0.0, "exact")
    nb = int(np.asarray(y_block).size)
    if P is None:
        P = fast_sizes(max(8, nb + L - 1), 2 * max(8, nb + L - 1))[0]
    tau = _margin.SAFE_MARGIN if threshold is None else threshold
    if kernel == "v3":
        if P < nb + L - 1:
            raise ValueError(f"FFT length {P} < block {nb} + lags {L} - 1")
        check_group(P, 1, "v3")
        parity, mg = _fourstep_partial(np.asarray(x_segment), np.asarray(y_block), L, P)
    else:
        parity, mg = fft_partial(x_segment, y_block, L, P, Y=Y)
    if mg <= tau:
        return PartialResult(parity, mg, "fft")
    if method == "fft":
        raise CheckFailed(
            f"REQ-FLOAT-MARGIN: float64 FFT rounding margin {mg:.3g} exceeds the safe "
            f"threshold {tau} (FFT length {P}); rerun with --method exact (or auto), or "
            "smaller blocks (--lean)"
        )
    return PartialResult(exact_partial(x_segment, y_block, L), mg, "exact-fallback")


_local = threading.local()


def _fourstep_partial(xs: Bits, yb: Bits, L: int, P: int) -> tuple[Bits, float]:
    """One task by :class:`~diramp.extractor.fourstep.FourStep` (cached per thread, last P only)."""
    from diramp.extractor.fourstep import FourStep

    cached = getattr(_local, "fourstep", None)
    if cached is None or cached[0].P != P:
        if cached is not None:
            cached[0].close()
        fs = FourStep(P, workers=1)
        cached = _local.fourstep = (fs, fs.new_spectrum(), fs.new_spectrum())
    fs, Yc, acc = cached
    fs.y_spectrum_conj(yb, Yc)
    fs.x_mac(xs, acc, Yc, first=True)
    return fs.invert_round(acc, L)
