"""Distributed extraction on Dask (GitHub issue 7): DEF-DIST-TASKS, LEM-DIST-XOR, REQ-DIST-BITEXACT.

Theorem 2 (Kulikov et al. 2024), DEF-EXT, computed by the extractor's own
plan and kernel (LEM-EXT-BLOCKED, spec/extractor.md), with every (chunk,
block) task on a Dask worker that reads its input bytes from shared storage
and checks them against a per-granule SHA-256 table
(DEF-DIST-CHECKSUM-TABLE, REQ-DIST-CHECKSUM).  spec/distributed.md has the
definitions and the proof; docs/distributed.md the cost model and a guide.

Dask is an optional extra (``pip install 'diramp[dask]'``): importing this
package never imports it; :func:`extract_distributed` does, and without Dask
falls back to the single-machine path with a message (or, given a scheduler
address, raises an InputError saying how to install it).

Public API:

* :func:`extract_distributed` -- file to file on a Dask cluster.
* :func:`compute_table`, :func:`read_verified_bits` -- DEF-DIST-CHECKSUM-TABLE.
* :func:`run_serial` -- the same leaves and XOR tree in-process (no Dask).
"""

from __future__ import annotations

from diramp.distributed.checksum import (
    DEFAULT_GRANULE,
    ChecksumTable,
    GranuleCheck,
    InputRef,
    compute_table,
    read_verified_bits,
)
from diramp.distributed.engine import dask_available, extract_distributed
from diramp.distributed.tasks import (
    DEFAULT_FAN_IN,
    LeafSpec,
    Partial,
    RemoteError,
    chunk_tasks,
    leaf_spec,
    reduction_tree,
    run_leaf,
    run_serial,
    xor_partials,
)

__all__ = [
    "DEFAULT_FAN_IN",
    "DEFAULT_GRANULE",
    "ChecksumTable",
    "GranuleCheck",
    "InputRef",
    "LeafSpec",
    "Partial",
    "RemoteError",
    "chunk_tasks",
    "compute_table",
    "dask_available",
    "extract_distributed",
    "leaf_spec",
    "read_verified_bits",
    "reduction_tree",
    "run_leaf",
    "run_serial",
    "xor_partials",
]
