"""DEF-DIST-TASKS, LEM-DIST-XOR: the Dask leaf tasks, the XOR tree, and a serial executor of both.

The tasks are exactly the (chunk, block) tasks of the extractor's plan
(LEM-EXT-BLOCKED in spec/extractor.md; :func:`diramp.extractor.make_plan`).
A leaf reads its y block and x segment by byte range from the shared input
paths, checks every granule it read (REQ-DIST-CHECKSUM), runs the extractor's
kernel :func:`diramp.extractor.partial_correlation` (``kernel="v1"`` by default,
on which the cost model is calibrated; ``"v3"``: four-step transforms, same K),
and returns the chunk's
partial packed MSB-first (L bits in ceil(L / 8) bytes, zero pad bits).  The
partials of one chunk are XOR-reduced in a tree of fan-in ``fan_in``
(LEM-DIST-XOR).  Nothing here imports Dask: :func:`run_serial` executes the
same leaves and the same tree in-process (tests, proofs_check).

>>> from diramp.extractor import make_plan
>>> plan = make_plan(8, 3, max_fft=8)
>>> [(t.chunk, t.block, t.x0, t.x1, t.j0, t.j1) for t in chunk_tasks(plan, 0)]
[(0, 0, 0, 8, 0, 6), (0, 1, 6, 8, 6, 8)]
>>> reduction_tree(5, 2)
[[(0, 1), (2, 3), (4,)], [(0, 1), (2,)], [(0, 1)]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from diramp.distributed.checksum import GranuleCheck, InputRef, read_verified_bits
from diramp.errors import CheckFailed, DirampError, InputError
from diramp.extractor import margin as _margin
from diramp.extractor.packed import Bits
from diramp.extractor.tasks import Plan, Task, partial_correlation

#: LEM-DIST-XOR: default fan-in of the XOR reduction tree.
DEFAULT_FAN_IN = 8


class RemoteError(Exception):
    """A diramp error raised inside a task, in a form that pickles across processes.

    ``kind`` is ``"input"`` (maps to :class:`~diramp.errors.InputError`, exit 2)
    or ``"check"`` (:class:`~diramp.errors.CheckFailed`, exit 1).
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(kind, message)
        self.kind = kind
        self.message = message

    def __str__(self) -> str:
        return self.message

    def to_local(self) -> DirampError:
        """The diramp error to raise in the driver."""
        if self.kind == "input":
            return InputError("input", self.message)
        return CheckFailed(self.message)


@dataclass(frozen=True)
class LeafSpec:
    """DEF-DIST-TASKS: one (chunk, block) task of LEM-EXT-BLOCKED with its checksum rows."""

    task: Task
    P: int  #: FFT length of the plan
    method: str  #: "auto", "fft" or "exact"
    x_check: GranuleCheck  #: table rows covering x bits [x0, x1)
    y_check: GranuleCheck  #: table rows covering y bits [j0, j1)
    kernel: str = "v1"  #: partial_correlation's kernel: "v1" (whole-length, the calibrated default) or "v3"


@dataclass(frozen=True)
class Partial:
    """LEM-DIST-XOR: a packed partial (or XOR of partials) of one chunk and its bookkeeping."""

    packed: Bits  #: ceil(L / 8) bytes, MSB-first, zero pad bits
    margin: float  #: worst REQ-FLOAT-MARGIN distance among the leaves
    fallbacks: int  #: leaves recomputed exactly (method "auto")
    leaves: int  #: number of leaves XOR-ed in


def chunk_tasks(plan: Plan, c: int) -> list[Task]:
    """LEM-EXT-BLOCKED, DEF-DIST-TASKS: the non-empty tasks of lag chunk ``c``, block order.

    Same tasks as ``plan.block_tasks(b)`` restricted to chunk ``c`` (checked
    exhaustively in proofs_check/dist_decomposition.py), in O(blocks) time.
    """
    s0, s1 = plan.chunk(c)
    out = []
    for b in range(plan.n_blocks):
        j0, j1 = plan.block(b)
        if j0 + s0 >= plan.N:
            break  # the x segment is empty from here on: the partial is zero
        out.append(Task(c, b, s0, s1, j0, j1, j0 + s0, min(plan.N, j1 + s1 - 1)))
    return out


def leaf_spec(task: Task, plan: Plan, method: str, x: InputRef, y: InputRef, kernel: str = "v1") -> LeafSpec:
    """DEF-DIST-TASKS: the spec shipped to a worker (only the table rows it needs)."""
    return LeafSpec(task, plan.P, method, x.check(task.x0, task.x1), y.check(task.j0, task.j1), kernel)


def run_leaf(
    spec: LeafSpec,
    x: InputRef,
    y: InputRef,
    hook: Callable[[LeafSpec], None] | None = None,
    threshold: float | None = None,
) -> Partial:
    """DEF-DIST-TASKS: read y[j0:j1] and x[x0:x1] by byte range, check them, compute the partial.

    ``hook`` (testing: fault injection) runs first.  diramp errors and I/O
    errors leave as :class:`RemoteError` (picklable), naming the worker's view
    of the path.
    """
    t = spec.task
    try:
        if hook is not None:
            hook(spec)
        yb = read_verified_bits(y, spec.y_check, t.j0, t.j1)
        xs = read_verified_bits(x, spec.x_check, t.x0, t.x1)
        r = partial_correlation(xs, yb, t.s1 - t.s0, P=spec.P, method=spec.method,
                                threshold=_margin.SAFE_MARGIN if threshold is None else threshold,
                                kernel=spec.kernel)
    except InputError as exc:
        raise RemoteError("input", str(exc)) from None
    except CheckFailed as exc:
        raise RemoteError("check", str(exc)) from None
    except OSError as exc:
        raise RemoteError(
            "input",
            f"a worker cannot read the input ({exc}); every worker must see the inputs at the same "
            "path (shared storage), readable by the worker's user",
        ) from None
    return Partial(np.packbits(r.parity), r.margin, int(r.method == "exact-fallback"), 1)


def xor_partials(*parts: Partial) -> Partial:
    """LEM-DIST-XOR: XOR of packed partials of one chunk (pad bits stay zero)."""
    acc = parts[0].packed.copy()
    for p in parts[1:]:
        np.bitwise_xor(acc, p.packed, out=acc)
    return Partial(acc, max(p.margin for p in parts), sum(p.fallbacks for p in parts),
                   sum(p.leaves for p in parts))


def reduction_tree(n: int, fan_in: int = DEFAULT_FAN_IN) -> list[list[tuple[int, ...]]]:
    """LEM-DIST-XOR: the levels of the XOR tree over ``n`` leaves; each group indexes the level below.

    Depth ceil(log_fan_in n); the last level has a single group (none for n = 1).
    """
    if fan_in < 2:
        raise InputError("fan_in", "must be >= 2", f"got {fan_in}")
    levels = []
    while n > 1:
        groups = [tuple(range(i, min(n, i + fan_in))) for i in range(0, n, fan_in)]
        levels.append(groups)
        n = len(groups)
    return levels


def unpack_chunk(part: Partial, L: int) -> Bits:
    """LEM-DIST-XOR: the L output bits of a reduced chunk partial."""
    return np.unpackbits(part.packed)[:L]


def run_serial(
    plan: Plan,
    x: InputRef,
    y: InputRef,
    *,
    method: str = "auto",
    fan_in: int = DEFAULT_FAN_IN,
    chunks: Sequence[int] | None = None,
    kernel: str = "v1",
) -> Bits:
    """DEF-DIST-TASKS, LEM-DIST-XOR: the distributed computation executed in-process, chunk by chunk.

    The same leaves (:func:`run_leaf`) and the same reduction tree as the Dask
    engine, without Dask; output bits of the chunks in ``chunks`` (all by default).
    """
    out = np.zeros(plan.m, dtype=np.uint8)
    for c in range(plan.n_chunks) if chunks is None else chunks:
        s0, s1 = plan.chunk(c)
        level: list[Partial] = [run_leaf(leaf_spec(t, plan, method, x, y, kernel), x.light(), y.light())
                                for t in chunk_tasks(plan, c)]
        for groups in reduction_tree(len(level), fan_in):
            level = [xor_partials(*(level[i] for i in g)) for g in groups]
        out[s0:s1] = unpack_chunk(level[0], s1 - s0)
    return out
