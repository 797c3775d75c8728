"""Theorem 2 (Kulikov et al. 2024), DEF-EXT, LEM-EXT-BLOCKED: run a plan over bit sources.

A bit source is anything with ``nbits`` and ``read_bits(start, stop)``
(:class:`ArrayBits` in memory, :class:`~diramp.extractor.packed.PackedBitReader`
on disk).  :func:`run_plan` executes the plan's tasks and XOR-reduces each
chunk's partials; memory is O(workers * P + m), never O(N).  Three kernels:

* ``"v3"`` (default): v2's groups, batches and checks on four-step transforms
  (:mod:`~diramp.extractor.fourstep`: every transform a pass of in-cache
  transforms of length P1 and P2, both threads on each pass, an x spectrum
  fused with its product and accumulation; REQ-FLOAT-MARGIN, "Four-step
  spectra").  Fewer P-length arrays, so the planner affords a larger P.
* ``"v2"`` (the grouped kernel): per group of G blocks and batch of
  lag chunks, each block's conjugated y spectrum is computed once and serves
  every chunk of the batch; each chunk accumulates the spectra products of the
  group and is inverted once (REQ-FLOAT-MARGIN, "Grouped spectra").  The
  transforms of one block (its y spectrum and its chunks' x spectra) run on
  the ``workers`` threads at once, each thread with its own reused buffers
  (:class:`~diramp.extractor.fft.Workspace`), inside
  :func:`~diramp.extractor.heap.retained_heap`.  A y block of zeros is skipped.
* ``"v1"`` (the previous kernel, kept for comparison): one task per (chunk,
  block), three transforms each, blocks spread over the threads.

>>> bits, rep = extract_sources(ArrayBits([1, 0, 1, 1, 0, 1, 0, 0]),
...                             ArrayBits([1, 1, 0, 1, 0, 0, 1, 0]), 3)
>>> bits.tolist(), rep.method, rep.worst_margin < 1e-9
([0, 1, 1], 'auto', True)
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

import numpy as np
import numpy.typing as npt

from diramp.errors import CheckFailed, InputError
from diramp.extractor import margin as _margin
from diramp.extractor.exact import exact_partial
from diramp.extractor.fft import Workspace, multiply_accumulate, y_spectrum
from diramp.extractor.fourstep import FourStep
from diramp.extractor.heap import retained_heap
from diramp.extractor.packed import Bits, PackedBitReader, PackedBitWriter, check_bits, file_digests
from diramp.extractor.reference import check_lengths
from diramp.extractor.tasks import (
    DEFAULT_MAX_FFT,
    DEFAULT_MEMORY,
    LEAN_MAX_FFT,
    LEAN_MEMORY,
    MAX_FFT,
    METHODS,
    Plan,
    Task,
    grouped_fft_count,
    make_plan,
    partial_correlation,
    plan_grouped,
)
from diramp.progress import progress

#: Kernels of :func:`run_plan` (module docstring).
KERNELS = ("v3", "v2", "v1")


class BitSource(Protocol):
    """A readable bit string: ``nbits`` and unpacked block reads."""

    nbits: int

    def read_bits(self, start: int, stop: int) -> Bits:
        """Bits ``start..stop-1`` (clipped to nbits) as uint8 0/1."""
        ...


class ArrayBits:
    """An in-memory bit source over a checked 0/1 array."""

    def __init__(self, bits: npt.ArrayLike, name: str = "bits") -> None:
        self.bits = check_bits(bits, name)
        self.nbits = int(self.bits.size)

    def read_bits(self, start: int, stop: int) -> Bits:
        """Bits ``start..stop-1`` (clipped)."""
        return self.bits[start:stop]


@dataclass
class ExtractReport:
    """What a run did: sizes, method, plan, time, worst rounding margin (REQ-FLOAT-MARGIN)."""

    N: int
    m: int
    method: str
    lean: bool
    P: int = 0
    L: int = 0
    B: int = 0
    tasks: int = 0
    workers: int = 1
    worst_margin: float = 0.0
    exact_fallbacks: int = 0
    seconds: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)


def default_workers(lean: bool, kernel: str = "v1") -> int:
    """Threads for the FFT tasks: min(2, CPUs); kernel v1 in lean mode: 1."""
    if lean and kernel == "v1":
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def plan_for(N: int, m: int, lean: bool = False, max_fft: int | None = None) -> Plan:
    """LEM-EXT-BLOCKED: the plan of the default or memory-lean mode."""
    if max_fft is None:
        max_fft = LEAN_MAX_FFT if lean else DEFAULT_MAX_FFT
    return make_plan(N, m, max_fft=max_fft)


def run_plan(
    x: BitSource,
    y: BitSource,
    plan: Plan,
    *,
    method: str = "auto",
    workers: int = 1,
    show_progress: bool | None = None,
    report: ExtractReport | None = None,
    share_spectrum: bool = True,
    kernel: str = "v3",
) -> Bits:
    """LEM-EXT-BLOCKED: execute every task of ``plan`` and XOR-reduce per lag chunk.

    ``kernel`` is ``"v3"`` (default), ``"v2"`` or ``"v1"`` (module docstring);
    ``method="exact"`` always runs the v1 loop (no transforms to group).
    ``share_spectrum=False`` (v1, lean mode) recomputes each block's y spectrum
    per task: three P-sized float buffers per worker instead of four.
    """
    if kernel not in KERNELS:
        raise InputError("kernel", f"must be one of {KERNELS}", f"got {kernel!r}")
    if kernel == "v3" and method != "exact":
        return _run_fourstep(x, y, plan, method=method, workers=workers,
                             show_progress=show_progress, report=report)
    if kernel == "v2" and method != "exact":
        return _run_grouped(x, y, plan, method=method, workers=workers,
                            show_progress=show_progress, report=report)
    out = np.zeros(plan.m, dtype=np.uint8)
    rep = report if report is not None else ExtractReport(plan.N, plan.m, method, False)

    def do_block(b: int) -> list[tuple[int, Bits, float, str]]:
        tasks = plan.block_tasks(b)
        if not tasks:
            return []
        j0, j1 = plan.block(b)
        yb = y.read_bits(j0, j1)
        # A block's y spectrum is shared by its chunks; with one chunk it is
        # computed inside the task instead, which keeps one P-sized array less alive.
        # The lean mode recomputes it per task (one FFT more, one P-sized array less).
        share = method != "exact" and len(tasks) > 1 and share_spectrum
        Y = y_spectrum(yb, plan.P) if share else None
        res = []
        for t in tasks:
            xs = x.read_bits(t.x0, t.x1)
            r = partial_correlation(
                xs, yb, t.s1 - t.s0, P=plan.P, method=method, Y=Y
            )
            res.append((t.s0, r.parity, r.margin, r.method))
        return res

    def absorb(res: list[tuple[int, Bits, float, str]]) -> None:
        for s0, parity, mg, used in res:
            out[s0 : s0 + parity.size] ^= parity
            rep.worst_margin = max(rep.worst_margin, mg)
            rep.exact_fallbacks += used == "exact-fallback"
            bar.update(1)

    n_tasks = plan.n_tasks()
    rep.tasks = n_tasks
    with progress(n_tasks, "extract", unit="task", enabled=show_progress) as bar:
        if workers <= 1:
            for b in range(plan.n_blocks):
                absorb(do_block(b))
        else:
            with ThreadPoolExecutor(workers) as pool:
                pending: list[Future[list[tuple[int, Bits, float, str]]]] = []
                for b in range(plan.n_blocks):
                    pending.append(pool.submit(do_block, b))
                    while len(pending) >= workers:
                        absorb(pending.pop(0).result())
                for f in pending:
                    absorb(f.result())
    return out


class _Team:
    """The calling thread plus ``workers - 1`` pool threads draining one job list together.

    The calling thread works too: it allocates from glibc's main arena, whose
    heap :func:`~diramp.extractor.heap.retained_heap` keeps (module docstring there).
    """

    def __init__(self, workers: int) -> None:
        self.pool = ThreadPoolExecutor(workers - 1) if workers > 1 else None
        self.helpers = workers - 1

    def run(self, jobs: Sequence[Callable[[], object]]) -> list[object]:
        """Run the jobs (earlier ones start first); return their results in order."""
        q = deque(enumerate(jobs))
        lock = threading.Lock()
        results: list[object] = [None] * len(jobs)

        def drain() -> None:
            while True:
                with lock:
                    if not q:
                        return
                    i, fn = q.popleft()
                results[i] = fn()

        helpers = [self.pool.submit(drain) for _ in range(min(self.helpers, len(jobs) - 1))] \
            if self.pool is not None else []
        try:
            drain()
        finally:
            for f in helpers:
                f.result()
        return results

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)


def _run_grouped(
    x: BitSource,
    y: BitSource,
    plan: Plan,
    *,
    method: str,
    workers: int,
    show_progress: bool | None,
    report: ExtractReport | None,
) -> Bits:
    """LEM-EXT-BLOCKED, REQ-FLOAT-MARGIN: the grouped kernel (module docstring).

    For chunk c and group g the accumulator holds ``sum_b X_{c,b} conj(Y_b)``
    over the group's non-zero y blocks; its inverse, rounded, gives
    ``sum_b c_b[t]`` whose parity is the XOR of the blocks' partials
    (LEM-EXT-BLOCKED).  Every value's distance to the nearest integer is
    checked against SAFE_MARGIN; an unsafe group is recomputed exactly block by
    block (``"auto"``) or stops the run (``"fft"``).
    """
    _margin.check_group(plan.P, plan.G)
    out = np.zeros(plan.m, dtype=np.uint8)
    rep = report if report is not None else ExtractReport(plan.N, plan.m, method, False)
    P, H = plan.P, plan.P // 2 + 1
    local = threading.local()

    def ws() -> Workspace:
        w: Workspace | None = getattr(local, "ws", None)
        if w is None:
            w = local.ws = Workspace(P)
        return w

    batches = plan.batches()
    Yc = np.empty(H, dtype=np.complex128)
    accs = [np.empty(H, dtype=np.complex128) for _ in range(max(c1 - c0 for c0, c1 in batches))]
    stats = {"transforms": 0, "inverses": 0, "zero_y_blocks": 0}
    rep.tasks = plan.n_tasks()
    team = _Team(workers)
    try:
        with progress(rep.tasks, "extract", unit="task", enabled=show_progress) as bar, \
                retained_heap() as retained:
            for g in range(plan.n_groups):
                b0, b1 = plan.group(g)
                for c0, c1 in batches:
                    members: list[list[Task]] = [[] for _ in range(c1 - c0)]
                    for b in range(b0, b1):
                        tasks = [t for t in plan.block_tasks(b) if c0 <= t.chunk < c1]
                        if not tasks:
                            continue
                        j0, j1 = plan.block(b)
                        yb = y.read_bits(j0, j1)
                        if not yb.any():  # every partial of this block is zero
                            stats["zero_y_blocks"] += c0 == 0
                            bar.update(len(tasks))
                            continue
                        fy: Future[object] = Future()

                        def y_job(yb: Bits = yb, fy: Future[object] = fy) -> None:
                            try:
                                ws().y_spectrum_conj(yb, Yc)
                            except BaseException as exc:
                                fy.set_exception(exc)
                                raise
                            fy.set_result(None)

                        def x_job(t: Task, fy: Future[object] = fy, c0: int = c0,
                                  members: list[list[Task]] = members) -> None:
                            X = ws().x_spectrum(x.read_bits(t.x0, t.x1))
                            fy.result()  # Yc ready (its job was taken first: no deadlock)
                            k = t.chunk - c0
                            multiply_accumulate(accs[k], X, Yc, first=not members[k])

                        team.run([y_job] + [partial(x_job, t) for t in tasks])
                        for t in tasks:
                            members[t.chunk - c0].append(t)
                        stats["transforms"] += 1 + len(tasks)
                        bar.update(len(tasks))
                    live = [k for k in range(c1 - c0) if members[k]]
                    def inv_job(k: int, ts: list[Task]) -> tuple[Bits, float]:
                        return ws().invert_round(accs[k], ts[0].s1 - ts[0].s0)

                    inv = dict(zip(live, team.run([partial(inv_job, k, members[k]) for k in live]),
                                   strict=True))
                    stats["transforms"] += len(live)
                    stats["inverses"] += len(live)
                    for k in live:
                        res = inv[k]
                        assert isinstance(res, tuple)
                        _absorb_group(x, y, members[k], res[0], float(res[1]), out, rep, method, P)
    finally:
        team.close()
    rep.extra.update(kernel="v2", G=plan.G, batch=plan.batch or plan.n_chunks, groups=plan.n_groups,
                     heap_retained=retained, **stats)
    return out


def _absorb_group(
    x: BitSource, y: BitSource, ts: list[Task], parity: Bits, mg: float, out: Bits,
    rep: ExtractReport, method: str, P: int,
) -> None:
    """REQ-FLOAT-MARGIN: XOR a group's parities into ``out`` after the run-time margin check.

    An unsafe margin (> SAFE_MARGIN) stops the run (``"fft"``) or replaces the
    group's parities by the exact method's, block by block (``"auto"``).
    """
    tau = _margin.SAFE_MARGIN
    if mg > tau:
        if method == "fft":
            raise CheckFailed(
                f"REQ-FLOAT-MARGIN: float64 FFT rounding margin {mg:.3g} exceeds "
                f"the safe threshold {tau} (FFT length {P}, group of {len(ts)} "
                "blocks); rerun with --method exact (or auto), or --lean"
            )
        parity = np.zeros(ts[0].s1 - ts[0].s0, dtype=np.uint8)
        for t in ts:
            parity ^= exact_partial(x.read_bits(t.x0, t.x1),
                                    y.read_bits(t.j0, t.j1), t.s1 - t.s0)
        rep.exact_fallbacks += len(ts)
    s0 = ts[0].s0
    out[s0 : s0 + parity.size] ^= parity
    rep.worst_margin = max(rep.worst_margin, mg)


def _run_fourstep(
    x: BitSource,
    y: BitSource,
    plan: Plan,
    *,
    method: str,
    workers: int,
    show_progress: bool | None,
    report: ExtractReport | None,
) -> Bits:
    """LEM-EXT-BLOCKED, REQ-FLOAT-MARGIN: kernel v3, the grouped kernel on four-step transforms.

    The same groups, batches, zero-block skip and run-time check as v2
    (:func:`_absorb_group`); every transform is a
    :class:`~diramp.extractor.fourstep.FourStep` pass on all ``workers``
    threads, an x spectrum fused with its product and accumulation.
    """
    _margin.check_group(plan.P, plan.G, "v3")
    out = np.zeros(plan.m, dtype=np.uint8)
    rep = report if report is not None else ExtractReport(plan.N, plan.m, method, False)
    stats = {"transforms": 0, "inverses": 0, "zero_y_blocks": 0}
    rep.tasks = plan.n_tasks()
    batches = plan.batches()
    main_cpu0 = time.thread_time()
    with progress(rep.tasks, "extract", unit="task", enabled=show_progress) as bar, \
            retained_heap() as retained:
        fs = FourStep(plan.P, workers)
        try:
            Yc = fs.new_spectrum()
            accs = [fs.new_spectrum() for _ in range(max(c1 - c0 for c0, c1 in batches))]
            for g in range(plan.n_groups):
                b0, b1 = plan.group(g)
                for c0, c1 in batches:
                    members: list[list[Task]] = [[] for _ in range(c1 - c0)]
                    for b in range(b0, b1):
                        tasks = [t for t in plan.block_tasks(b) if c0 <= t.chunk < c1]
                        if not tasks:
                            continue
                        j0, j1 = plan.block(b)
                        yb = y.read_bits(j0, j1)
                        if not yb.any():  # every partial of this block is zero
                            stats["zero_y_blocks"] += c0 == 0
                            bar.update(len(tasks))
                            continue
                        fs.y_spectrum_conj(yb, Yc)
                        for t in tasks:
                            k = t.chunk - c0
                            fs.x_mac(x.read_bits(t.x0, t.x1), accs[k], Yc, first=not members[k])
                            members[k].append(t)
                        stats["transforms"] += 1 + len(tasks)
                        bar.update(len(tasks))
                    for k in range(c1 - c0):
                        ts = members[k]
                        if not ts:
                            continue
                        parity, mg = fs.invert_round(accs[k], ts[0].s1 - ts[0].s0)
                        stats["transforms"] += 1
                        stats["inverses"] += 1
                        _absorb_group(x, y, ts, parity, mg, out, rep, method, plan.P)
        finally:
            fs.close()
    rep.extra.update(kernel="v3", G=plan.G, batch=plan.batch or plan.n_chunks, groups=plan.n_groups,
                     heap_retained=retained, split=[fs.P1, fs.P2],
                     serial_cpu_s=round(time.thread_time() - main_cpu0 - fs.parallel_cpu_main, 3),
                     main_parallel_cpu_s=round(fs.parallel_cpu_main, 3), **stats)
    return out


def extract_sources(
    x: BitSource,
    y: BitSource,
    m: int,
    *,
    method: str = "auto",
    lean: bool = False,
    workers: int | None = None,
    max_fft: int | None = None,
    show_progress: bool | None = False,
    kernel: str = "v3",
    group: int | None = None,
    memory: int | None = None,
    fft_size: int | None = None,
) -> tuple[Bits, ExtractReport]:
    """Theorem 2 (Kulikov et al. 2024), DEF-EXT: Ext(x, y) of two bit sources, with a report.

    ``kernel="v3"`` (default) and ``"v2"`` plan with :func:`~diramp.extractor.tasks.plan_grouped`
    (each with its own memory model and a priori bound)
    within ``memory`` bytes (default 3.5 GiB, lean 0.85 GiB of the model), two
    threads in both modes; ``group`` and ``fft_size`` force G and P (refused with
    the a priori bound printed when unsafe).  ``kernel="v1"`` is the previous
    kernel and planner (:func:`plan_for`).
    """
    if method not in METHODS:
        raise InputError("method", f"must be one of {METHODS}", f"got {method!r}")
    if kernel not in KERNELS:
        raise InputError("kernel", f"must be one of {KERNELS}", f"got {kernel!r}")
    check_lengths(x.nbits, y.nbits, m)
    t0 = time.perf_counter()
    w = default_workers(lean, kernel) if workers is None else workers
    if kernel == "v1":
        plan = plan_for(x.nbits, m, lean, max_fft)
        w = min(w, plan.n_blocks)
    else:
        budget = memory if memory is not None else (LEAN_MEMORY if lean else DEFAULT_MEMORY)
        plan = plan_grouped(x.nbits, m, workers=w, memory=budget,
                            max_fft=MAX_FFT if max_fft is None else max_fft,
                            fft_size=fft_size, group=group, kernel=kernel)
    rep = ExtractReport(x.nbits, m, method, lean, plan.P, plan.L, plan.B, workers=w)
    bits = run_plan(
        x, y, plan, method=method, workers=w, show_progress=show_progress, report=rep,
        share_spectrum=not lean, kernel=kernel,
    )
    if kernel != "v1" and method != "exact":
        rep.extra["transforms_planned"] = grouped_fft_count(plan)
    rep.seconds = time.perf_counter() - t0
    return bits, rep


def open_bits(path: str | os.PathLike[str], nbits: int | None = None) -> PackedBitReader:
    """DEF-PACKED-FILE: open a packed bit file, or a raw packed .bin when ``nbits`` is given."""
    if nbits is None:
        return PackedBitReader(path)
    return PackedBitReader.open_raw(path, nbits)


def extract_files(
    x_path: str | os.PathLike[str],
    y_path: str | os.PathLike[str],
    m: int,
    out_path: str | os.PathLike[str],
    *,
    method: str = "auto",
    lean: bool = False,
    x_nbits: int | None = None,
    y_nbits: int | None = None,
    workers: int | None = None,
    max_fft: int | None = None,
    show_progress: bool | None = None,
    reference: Callable[[Bits, Bits, int], Bits] | None = None,
    kernel: str = "v3",
    group: int | None = None,
    memory: int | None = None,
    fft_size: int | None = None,
) -> ExtractReport:
    """Theorem 2 (Kulikov et al. 2024), DEF-EXT, CONV-EXT-ARGS: K = Ext(x = AB, y = Z) file to file.

    Verifies both inputs' SHA-256 (headered files) before any work, streams
    the blocks, and writes K as a packed bit file with mode 0600 atomically:
    after any failure no output file exists.  ``reference`` (small N only)
    replaces the blocked path by a whole-array reference function.  The report
    carries the SHA-256 digests of the inputs and of the output file.
    ``kernel``, ``group``, ``memory``, ``fft_size``: as :func:`extract_sources`.
    """
    with open_bits(x_path, x_nbits) as xr, open_bits(y_path, y_nbits) as yr:
        check_lengths(xr.nbits, yr.nbits, m)
        digests: dict[str, object] = {}
        with ThreadPoolExecutor(1) as pool:  # both digests at once (hashlib releases the GIL)
            fx = pool.submit(xr.verify)
            yr.verify()
            fx.result()
        for name, r in (("x", xr), ("y", yr)):
            digests[f"{name}_sha256"] = r.file_sha256
        if reference is not None:
            t0 = time.perf_counter()
            bits = reference(xr.read_bits(0, xr.nbits), yr.read_bits(0, yr.nbits), m)
            rep = ExtractReport(xr.nbits, m, "reference", lean, tasks=1)
            rep.seconds = time.perf_counter() - t0
        else:
            bits, rep = extract_sources(
                xr, yr, m, method=method, lean=lean, workers=workers, max_fft=max_fft,
                show_progress=show_progress, kernel=kernel, group=group, memory=memory,
                fft_size=fft_size,
            )
    with PackedBitWriter(out_path, mode=0o600) as w:
        w.write_bits(bits)
    digests["out_digest"], digests["out_sha256"] = file_digests(bits)
    rep.extra.update(digests)
    return rep
