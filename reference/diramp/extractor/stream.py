"""Theorem 2 (Kulikov et al. 2024), DEF-EXT, LEM-EXT-BLOCKED: run a plan over bit sources.

A bit source is anything with ``nbits`` and ``read_bits(start, stop)``
(:class:`ArrayBits` in memory, :class:`~diramp.extractor.packed.PackedBitReader`
on disk).  :func:`run_plan` executes the plan's tasks block by block (a thread
pool of ``workers``, at most ``workers`` blocks in flight, so memory is
O(workers * P + m), never O(N)) and XOR-reduces each chunk's partials.

>>> bits, rep = extract_sources(ArrayBits([1, 0, 1, 1, 0, 1, 0, 0]),
...                             ArrayBits([1, 1, 0, 1, 0, 0, 1, 0]), 3)
>>> bits.tolist(), rep.method, rep.worst_margin < 1e-9
([0, 1, 1], 'auto', True)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from diramp.extractor.fft import y_spectrum
from diramp.extractor.packed import Bits, PackedBitReader, PackedBitWriter, check_bits, file_digests
from diramp.extractor.reference import check_lengths
from diramp.extractor.tasks import (
    DEFAULT_MAX_FFT,
    LEAN_MAX_FFT,
    METHODS,
    Plan,
    make_plan,
    partial_correlation,
)
from diramp.progress import progress


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


def default_workers(lean: bool) -> int:
    """Threads for the FFT tasks: 1 in lean mode, else min(2, CPUs)."""
    return 1 if lean else max(1, min(2, os.cpu_count() or 1))


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
) -> Bits:
    """LEM-EXT-BLOCKED: execute every task of ``plan`` and XOR-reduce per lag chunk.

    ``share_spectrum=False`` (lean mode) recomputes each block's y spectrum per
    task: three P-sized float buffers per worker instead of four.
    """
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
) -> tuple[Bits, ExtractReport]:
    """Theorem 2 (Kulikov et al. 2024), DEF-EXT: Ext(x, y) of two bit sources, with a report."""
    from diramp.errors import InputError

    if method not in METHODS:
        raise InputError("method", f"must be one of {METHODS}", f"got {method!r}")
    check_lengths(x.nbits, y.nbits, m)
    t0 = time.perf_counter()
    plan = plan_for(x.nbits, m, lean, max_fft)
    w = default_workers(lean) if workers is None else workers
    w = min(w, plan.n_blocks)
    rep = ExtractReport(x.nbits, m, method, lean, plan.P, plan.L, plan.B, workers=w)
    bits = run_plan(
        x, y, plan, method=method, workers=w, show_progress=show_progress, report=rep,
        share_spectrum=not lean,
    )
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
) -> ExtractReport:
    """Theorem 2 (Kulikov et al. 2024), DEF-EXT, CONV-EXT-ARGS: K = Ext(x = AB, y = Z) file to file.

    Verifies both inputs' SHA-256 (headered files) before any work, streams
    the blocks, and writes K as a packed bit file with mode 0600 atomically:
    after any failure no output file exists.  ``reference`` (small N only)
    replaces the blocked path by a whole-array reference function.  The report
    carries the SHA-256 digests of the inputs and of the output file.
    """
    with open_bits(x_path, x_nbits) as xr, open_bits(y_path, y_nbits) as yr:
        check_lengths(xr.nbits, yr.nbits, m)
        digests: dict[str, object] = {}
        for name, r in (("x", xr), ("y", yr)):
            r.verify()
            digests[f"{name}_sha256"] = r.file_sha256
        if reference is not None:
            t0 = time.perf_counter()
            bits = reference(xr.read_bits(0, xr.nbits), yr.read_bits(0, yr.nbits), m)
            rep = ExtractReport(xr.nbits, m, "reference", lean, tasks=1)
            rep.seconds = time.perf_counter() - t0
        else:
            bits, rep = extract_sources(
                xr, yr, m, method=method, lean=lean, workers=workers, max_fft=max_fft,
                show_progress=show_progress,
            )
    with PackedBitWriter(out_path, mode=0o600) as w:
        w.write_bits(bits)
    digests["out_digest"], digests["out_sha256"] = file_digests(bits)
    rep.extra.update(digests)
    return rep
