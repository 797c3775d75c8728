"""LEM-CIRC-WRAP on Dask: the circulant extractor's leaves read the wrapped inputs from the real files.

The blocked plan of the circulant extraction (DEF-CIRC) is the plan of DEF-EXT at length
N' = p + m - 1 on X = Z[0:p] followed by Z[0:m-1] and Y = AB followed by zeros
(LEM-CIRC-WRAP).  Neither X nor Y exists as a file: a leaf maps its wrapped ranges to
at most two ranges of Z and one of AB, reads them by byte range and checks every
granule against the DEF-DIST-CHECKSUM-TABLE of the real file (REQ-DIST-CHECKSUM),
then runs the same kernel (:func:`diramp.extractor.partial_correlation`).  The
scheduling, retries, XOR tree and error mapping are the engine's
(:func:`diramp.distributed.engine._run` with this module's leaf).
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from diramp.distributed.checksum import DEFAULT_GRANULE, GranuleCheck, InputRef, compute_table, read_verified_bits
from diramp.distributed.engine import DEFAULT_RETRIES, DEFAULT_TIMEOUT, DEFAULT_WINDOW
from diramp.distributed.tasks import (
    DEFAULT_FAN_IN,
    Partial,
    RemoteError,
    chunk_tasks,
    reduction_tree,
    unpack_chunk,
    xor_partials,
)
from diramp.errors import CheckFailed, InputError
from diramp.extractor import margin as _margin
from diramp.extractor.tasks import METHODS, Plan, Task, partial_correlation


@dataclass(frozen=True)
class WrappedLeafSpec:
    """LEM-CIRC-WRAP, DEF-DIST-TASKS: one (chunk, block) task on the wrapped inputs, with the real ranges."""

    task: Task
    P: int
    method: str
    x_parts: tuple[tuple[int, int, GranuleCheck], ...]  #: ranges of Z forming X[x0:x1], in order
    y_part: tuple[int, int, GranuleCheck] | None  #: the range of AB forming Y[j0:j1] before its zero tail
    y_len: int  #: j1 - j0


def wrapped_spec(task: Task, plan: Plan, method: str, z: InputRef, ab: InputRef, *, p: int) -> WrappedLeafSpec:
    """LEM-CIRC-WRAP: X[a:b] = Z[a:min(b, p)] + Z[max(a, p) - p : b - p]; Y[a:b] = AB[a:min(b, N)] + zeros."""
    a, b = task.x0, task.x1
    parts = []
    if a < p:
        parts.append((a, min(b, p), z.check(a, min(b, p))))
    if b > p:
        lo = max(a, p) - p
        parts.append((lo, b - p, z.check(lo, b - p)))
    j0, j1 = task.j0, task.j1
    n_ab = ab.nbits
    ypart = (j0, min(j1, n_ab), ab.check(j0, min(j1, n_ab))) if j0 < n_ab else None
    return WrappedLeafSpec(task, plan.P, method, tuple(parts), ypart, j1 - j0)


def run_wrapped_leaf(spec: WrappedLeafSpec, z: InputRef, ab: InputRef, hook: Callable[..., None] | None = None,
                     threshold: float | None = None) -> Partial:
    """DEF-DIST-TASKS on the wrapped inputs: read, check every granule, compute the partial (as run_leaf)."""
    t = spec.task
    try:
        if hook is not None:
            hook(spec)
        xs_parts = [read_verified_bits(z, chk, a, b) for a, b, chk in spec.x_parts]
        xs = np.concatenate(xs_parts) if len(xs_parts) > 1 else xs_parts[0]
        yb = np.zeros(spec.y_len, dtype=np.uint8)
        if spec.y_part is not None:
            a, b, chk = spec.y_part
            yb[: b - a] = read_verified_bits(ab, chk, a, b)
        r = partial_correlation(xs, yb, t.s1 - t.s0, P=spec.P, method=spec.method,
                                threshold=_margin.SAFE_MARGIN if threshold is None else threshold)
    except InputError as exc:
        raise RemoteError("input", str(exc)) from None
    except CheckFailed as exc:
        raise RemoteError("check", str(exc)) from None
    except OSError as exc:
        raise RemoteError("input", f"a worker cannot read the input ({exc}); every worker must see the inputs at "
                          "the same path (shared storage), readable by the worker's user") from None
    return Partial(np.packbits(r.parity), r.margin, int(r.method == "exact-fallback"), 1)


def run_serial_circulant(plan: Plan, z: InputRef, ab: InputRef, p: int, *, method: str = "auto",
                         fan_in: int = DEFAULT_FAN_IN) -> Any:
    """The distributed circulant computation in-process (the same leaves and XOR tree, no Dask; tests)."""
    out = np.zeros(plan.m, dtype=np.uint8)
    for c in range(plan.n_chunks):
        s0, s1 = plan.chunk(c)
        level = [run_wrapped_leaf(wrapped_spec(t, plan, method, z, ab, p=p), z.light(), ab.light())
                 for t in chunk_tasks(plan, c)]
        for groups in reduction_tree(len(level), fan_in):
            level = [xor_partials(*(level[i] for i in g)) for g in groups]
        out[s0:s1] = unpack_chunk(level[0], s1 - s0)
    return out


def extract_distributed_circulant(
    x_path: str | os.PathLike[str],
    z_path: str | os.PathLike[str],
    m: int,
    out_path: str | os.PathLike[str],
    *,
    p: int | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    method: str = "auto",
    lean: bool = False,
    max_fft: int | None = None,
    x_nbits: int | None = None,
    z_nbits: int | None = None,
    granule: int = DEFAULT_GRANULE,
    retries: int = DEFAULT_RETRIES,
    fan_in: int = DEFAULT_FAN_IN,
    window: int = DEFAULT_WINDOW,
    timeout: float = DEFAULT_TIMEOUT,
    memory_limit: str | int | None = None,
    show_progress: bool | None = None,
    task_hook: Callable[..., None] | None = None,
) -> Any:
    """DEF-CIRC on Dask: K = Circ(x = AB, y = Z[0:p]) of shared files, the same K as extract_files_circulant."""
    from diramp.distributed import engine
    from diramp.extractor.circulant import check_lengths, check_prime, circulant_prime, extract_files_circulant
    from diramp.extractor.packed import PackedBitWriter
    from diramp.extractor.stream import ExtractReport, plan_for

    if method not in METHODS:
        raise InputError("method", f"must be one of {METHODS}", f"got {method!r}")
    if not engine.dask_available():
        if scheduler is not None:
            raise InputError("--scheduler", "dask.distributed is not installed", "", engine.INSTALL_HINT)
        print(f"diramp: dask.distributed is not installed ({engine.INSTALL_HINT}); using the single-machine path",
              file=sys.stderr)
        rep = extract_files_circulant(x_path, z_path, m, out_path, p=p, method=method, lean=lean, x_nbits=x_nbits,
                                      y_nbits=z_nbits, workers=workers, max_fft=max_fft, show_progress=show_progress)
        rep.extra["engine"] = "single-machine (dask not installed)"
        return rep
    t0 = time.perf_counter()
    abt = compute_table(x_path, x_nbits, granule)
    zt = compute_table(z_path, z_nbits, granule)
    pp = circulant_prime(abt.nbits) if p is None else check_prime(p)
    if zt.nbits < pp:
        raise InputError(str(z_path), f"is shorter than p = {pp} bits (CONV-CIRC-ARGS)", f"{zt.nbits} bits",
                         f"supply a seed of at least {pp} bits")
    check_lengths(abt.nbits, pp, m)
    plan = plan_for(pp + m - 1, m, lean, max_fft)
    t_table = time.perf_counter() - t0
    client, cluster = engine._connect(scheduler, workers or 2, timeout, memory_limit)
    try:
        n_workers = len(client.scheduler_info().get("workers", {}))
        rep = ExtractReport(plan.N, m, method, lean, plan.P, plan.L, plan.B, plan.n_tasks(), n_workers)
        engine._check_workers(client, InputRef.of(zt).light(), InputRef.of(abt).light())
        with PackedBitWriter(Path(out_path), mode=0o600) as w:
            engine._run(client, plan, zt, abt, method, w, rep, retries=retries, fan_in=fan_in, window=window,
                        show_progress=show_progress, hook=task_hook, leaf=run_wrapped_leaf,
                        spec_of=functools.partial(wrapped_spec, p=pp))
            for t in (abt, zt):
                engine._check_unchanged(t)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    rep.seconds = time.perf_counter() - t0
    rep.extra.update({"engine": "dask", "scheduler": scheduler or "local", "x_sha256": abt.file_sha256,
                      "y_sha256": zt.file_sha256, "out_digest": w.sha256.hex() if w.sha256 is not None else None,
                      "granule": granule, "checksum_seconds": round(t_table, 3), "p": pp, "N_input": abt.nbits,
                      "extractor": "circulant"})
    return rep


__all__ = ["WrappedLeafSpec", "extract_distributed_circulant", "run_serial_circulant", "run_wrapped_leaf",
           "wrapped_spec"]
