"""REQ-DIST-BITEXACT, REQ-DIST-CHECKSUM, REQ-DIST-ERRORS: Ext(x, y) of shared files on a Dask cluster.

:func:`extract_distributed` computes the same K as
:func:`diramp.extractor.extract_files` (Theorem 2, DEF-EXT; CONV-EXT-ARGS:
x = AB, y = Z), bit for bit, with the leaves of DEF-DIST-TASKS running on Dask
workers and the XOR tree of LEM-DIST-XOR.  Dask is imported only here, inside
the function (``pip install 'diramp[dask]'``).
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from diramp.distributed.checksum import DEFAULT_GRANULE, ChecksumTable, InputRef, compute_table
from diramp.distributed.tasks import (
    DEFAULT_FAN_IN,
    LeafSpec,
    Partial,
    RemoteError,
    chunk_tasks,
    leaf_spec,
    reduction_tree,
    run_leaf,
    unpack_chunk,
    xor_partials,
)
from diramp.errors import CheckFailed, DirampError, InputError
from diramp.extractor.packed import PackedBitWriter
from diramp.extractor.reference import check_lengths
from diramp.extractor.stream import ExtractReport, extract_files, plan_for
from diramp.extractor.tasks import METHODS, Plan
from diramp.progress import progress

#: REQ-DIST-ERRORS: seconds to wait for a scheduler (and for its first worker).
DEFAULT_TIMEOUT = 30.0
#: Dask ``retries`` of every task (exceptions inside a task; a dead worker is handled by the scheduler).
DEFAULT_RETRIES = 3
#: Lag chunks in flight at once (bounds the partials held by the cluster).
DEFAULT_WINDOW = 2

INSTALL_HINT = "install it with: pip install 'diramp[dask]'  (or: pip install 'dask[distributed]')"


def dask_available() -> bool:
    """Whether ``dask.distributed`` can be imported."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def probe_inputs(x: InputRef, y: InputRef) -> str | None:
    """REQ-DIST-ERRORS: run on every worker: can it open both inputs as the driver saw them?

    Returns None, or a message naming the path and the problem.
    """
    from diramp.extractor.stream import open_bits

    for ref in (x, y):
        try:
            with open_bits(ref.path, None if ref.headered else ref.nbits) as r:
                hs = r.header.sha256 if r.header is not None else None
                if r.nbits != ref.nbits or hs != ref.header_sha256:
                    return f"{ref.path}: this worker sees a different file (bit length or header SHA-256)"
                if ref.nbits:
                    r.read_bytes(0, 1)
        except (OSError, DirampError) as exc:
            return f"{ref.path}: {exc}"
    return None


def _connect(scheduler: str | None, workers: int, timeout: float, memory_limit: str | int | None) -> tuple[Any, Any]:
    from distributed import Client, LocalCluster

    if scheduler is None:
        import logging

        # the workers' own warnings (e.g. tasks cancelled when the run is interrupted) are not diramp's
        # messages: only errors reach the terminal (REQ-BAD-INPUT: one line per failure)
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0", memory_limit=memory_limit or "auto",
                               silence_logs=logging.ERROR)
        return Client(cluster, set_as_default=False), cluster
    try:
        client = Client(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise InputError(
            "--scheduler",
            f"no Dask scheduler answered at {scheduler} within {timeout:g} s",
            f"{type(exc).__name__}: {exc}",
            "start one with `dask scheduler` (and workers with `dask worker ADDRESS`), check the address, "
            "port and firewall, or use --scheduler local --workers K for a local cluster of K processes",
        ) from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError):
        client.close()
        raise InputError(
            "--scheduler", f"the Dask scheduler at {scheduler} has no workers after {timeout:g} s", "",
            "start workers with `dask worker " + scheduler + "` on machines that see the input paths",
        ) from None
    return client, None


def extract_distributed(
    x_path: str | os.PathLike[str],
    y_path: str | os.PathLike[str],
    m: int,
    out_path: str | os.PathLike[str],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    method: str = "auto",
    lean: bool = False,
    max_fft: int | None = None,
    x_nbits: int | None = None,
    y_nbits: int | None = None,
    granule: int = DEFAULT_GRANULE,
    retries: int = DEFAULT_RETRIES,
    fan_in: int = DEFAULT_FAN_IN,
    window: int = DEFAULT_WINDOW,
    timeout: float = DEFAULT_TIMEOUT,
    memory_limit: str | int | None = None,
    show_progress: bool | None = None,
    task_hook: Callable[[LeafSpec], None] | None = None,
    kernel: str = "v1",
) -> ExtractReport:
    """Theorem 2 (Kulikov et al. 2024), DEF-EXT on Dask: K = Ext(x = AB, y = Z), file to file, REQ-DIST-BITEXACT.

    ``scheduler``: a Dask scheduler address (``tcp://host:8786``), or None to
    start a LocalCluster of ``workers`` processes (default 2, one thread each).
    Both inputs must be readable at the same paths on every worker (shared
    storage).  Up front the driver computes the DEF-DIST-CHECKSUM-TABLE of both
    inputs (granule ``granule`` bytes, one sequential pass that also checks the
    header SHA-256); every task checks the granules it reads
    (REQ-DIST-CHECKSUM).  The plan and kernel are the extractor's
    (LEM-EXT-BLOCKED, REQ-FLOAT-MARGIN; ``method``, ``lean``, ``max_fft`` as in
    :func:`diramp.extractor.extract_files`).  Tasks get Dask ``retries``; a
    killed worker's tasks are rerun by the scheduler.  K is written atomically
    with mode 0600 only when every chunk is in and the inputs are unchanged
    (REQ-DIST-ERRORS); progress is shown on a terminal.  ``task_hook`` is
    pickled to the workers and run before every leaf (fault-injection tests).
    ``kernel`` is the leaves' :func:`~diramp.extractor.partial_correlation`
    kernel: ``"v1"`` (default; the cost model and docs/distributed.md are
    calibrated on it) or ``"v3"`` (four-step transforms, the same K).

    Without Dask installed: with ``scheduler`` an InputError says how to
    install it; otherwise a message on stderr says so and the single-machine
    path (:func:`~diramp.extractor.extract_files`, ``workers`` threads) runs.
    """
    if method not in METHODS:
        raise InputError("method", f"must be one of {METHODS}", f"got {method!r}")
    if workers is not None and workers < 1:
        raise InputError("--workers", "must be >= 1", f"got {workers}")
    if retries < 0:
        raise InputError("retries", "must be >= 0", f"got {retries}")
    if window < 1:
        raise InputError("window", "must be >= 1", f"got {window}")
    reduction_tree(2, fan_in)  # validates fan_in
    out = Path(out_path)
    if not dask_available():
        if scheduler is not None:
            raise InputError("--scheduler", "dask.distributed is not installed", "", INSTALL_HINT)
        print(f"diramp: dask.distributed is not installed ({INSTALL_HINT}); "
              "using the single-machine path", file=sys.stderr)
        rep = extract_files(x_path, y_path, m, out_path, method=method, lean=lean, x_nbits=x_nbits,
                            y_nbits=y_nbits, workers=workers, max_fft=max_fft, show_progress=show_progress)
        rep.extra["engine"] = "single-machine (dask not installed)"
        return rep

    t0 = time.perf_counter()
    xt = compute_table(x_path, x_nbits, granule)
    yt = compute_table(y_path, y_nbits, granule)
    check_lengths(xt.nbits, yt.nbits, m)
    plan = plan_for(xt.nbits, m, lean, max_fft)
    t_table = time.perf_counter() - t0
    client, cluster = _connect(scheduler, workers or 2, timeout, memory_limit)
    try:
        n_workers = len(client.scheduler_info().get("workers", {}))
        rep = ExtractReport(plan.N, m, method, lean, plan.P, plan.L, plan.B, plan.n_tasks(), n_workers)
        _check_workers(client, InputRef.of(xt).light(), InputRef.of(yt).light())
        with PackedBitWriter(out, mode=0o600) as w:
            _run(client, plan, xt, yt, method, w, rep, retries=retries, fan_in=fan_in, window=window,
                 show_progress=show_progress, hook=task_hook, kernel=kernel)
            for t in (xt, yt):
                _check_unchanged(t)
    finally:
        _quiet_close(client, cluster)
    out_sha = None
    rep.extra["out_digest"] = w.sha256.hex() if w.sha256 is not None else None
    rep.seconds = time.perf_counter() - t0
    rep.extra.update({
        "engine": "dask",
        "scheduler": scheduler or "local",
        "x_sha256": xt.file_sha256,
        "y_sha256": yt.file_sha256,
        "out_sha256": out_sha,
        "granule": granule,
        "checksum_seconds": round(t_table, 3),
        "retries": retries,
        "fan_in": fan_in,
    })
    return rep


def _quiet_close(client: Any, cluster: Any) -> None:
    """Close the client and a local cluster without the shutdown chatter of an interrupted run."""
    import contextlib
    import io
    import logging

    quiet = {name: logging.getLogger(name).level for name in ("distributed", "tornado", "asyncio")}
    for name in quiet:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            with contextlib.suppress(Exception):
                client.close()
            if cluster is not None:
                with contextlib.suppress(Exception):
                    cluster.close()
    finally:
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)


def _check_workers(client: Any, x: InputRef, y: InputRef) -> None:
    """REQ-DIST-ERRORS: every worker must read both inputs; else InputError naming the workers."""
    answers = client.run(probe_inputs, x, y)
    bad = {addr: msg for addr, msg in answers.items() if msg is not None}
    if bad:
        lines = "; ".join(f"worker {a}: {msg}" for a, msg in sorted(bad.items()))
        raise InputError(
            "input", f"{len(bad)} of {len(answers)} Dask workers cannot read the inputs", lines,
            "put the inputs on storage that every worker mounts at the same path, readable by the workers' user",
        )


def _check_unchanged(t: ChecksumTable) -> None:
    """REQ-DIST-CHECKSUM: an input modified during the run (size or mtime) fails the run."""
    st = os.stat(t.path)
    if (st.st_size, st.st_mtime_ns) != (t.size, t.mtime_ns):
        raise CheckFailed(f"{t.path}: the input changed during the run (size or modification time); "
                          "no output was written: rerun on a stable copy")


def _run(
    client: Any,
    plan: Plan,
    xt: ChecksumTable,
    yt: ChecksumTable,
    method: str,
    writer: PackedBitWriter,
    rep: ExtractReport,
    *,
    retries: int,
    fan_in: int,
    window: int,
    show_progress: bool | None,
    hook: Callable[[LeafSpec], None] | None,
    kernel: str = "v1",
    leaf: Callable[..., Partial] = run_leaf,
    spec_of: Callable[..., Any] | None = None,
) -> None:
    """DEF-DIST-TASKS, LEM-DIST-XOR: submit chunk by chunk (``window`` in flight), write chunks in order.

    ``leaf`` and ``spec_of`` (default the plain leaf with ``kernel``) let the circulant extractor run its wrapped
    leaves (LEM-CIRC-WRAP, :mod:`diramp.distributed.circulant`) through the same scheduling.
    """
    from distributed import KilledWorker

    make_spec = spec_of if spec_of is not None else functools.partial(leaf_spec, kernel=kernel)
    xr, yr = InputRef.of(xt), InputRef.of(yt)
    x_light, y_light = xr.light(), yr.light()
    run_id = os.urandom(4).hex()
    inflight: deque[tuple[int, Any, list[Any]]] = deque()

    def submit(c: int) -> None:
        leaves = []
        for t in chunk_tasks(plan, c):
            f = client.submit(leaf, make_spec(t, plan, method, xr, yr), x_light, y_light, hook,
                              key=f"diramp-leaf-{run_id}-{c}-{t.block}", retries=retries, pure=False)
            f.add_done_callback(lambda _f: bar.update(1))
            leaves.append(f)
        level = leaves
        for d, groups in enumerate(reduction_tree(len(level), fan_in)):
            level = [client.submit(xor_partials, *(level[i] for i in g), key=f"diramp-xor-{run_id}-{c}-{d}-{k}",
                                   retries=retries, priority=1 + d, pure=False)
                     for k, g in enumerate(groups)]
        inflight.append((c, level[0], leaves))

    with progress(rep.tasks, "extract (dask)", unit="task", enabled=show_progress) as bar:
        next_c = 0
        while next_c < plan.n_chunks or inflight:
            while next_c < plan.n_chunks and len(inflight) < window:
                submit(next_c)
                next_c += 1
            c, root, _leaves = inflight.popleft()
            try:
                part: Partial = root.result()
            except RemoteError as exc:
                raise exc.to_local() from None
            except KilledWorker as exc:
                raise CheckFailed(f"Dask gave up on a task after its workers died repeatedly ({exc}); "
                                  "check the workers' memory limit and logs (a leaf needs about 42 P bytes, "
                                  f"P = {plan.P})") from None
            s0, s1 = plan.chunk(c)
            writer.write_bits(unpack_chunk(part, s1 - s0))
            rep.worst_margin = max(rep.worst_margin, part.margin)
            rep.exact_fallbacks += part.fallbacks
            del part, root, _leaves
