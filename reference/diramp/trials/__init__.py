"""DEF-TRIAL-FILE (spec/data-formats.md): trial files of Box I (Kulikov et al. 2024).

Public API::

    TrialWriter(path, n)                  # streaming, atomic writer
    write_trials(path, x, y, a, b)        # whole arrays
    read_header(path) -> TrialHeader      # validates magic, version, layout, length
    iter_chunks(path, chunk=2**22)        # TrialChunk(start, x, y, a, b), uint8 0/1
    count_blocks(path, block=2**22)       # list[Counts], Fig. 4 blocks
    count_total(path) -> Counts
    iter_ab(path, chunk) / write_ab(path, out)   # CONV-AB-INTERLEAVE
    verify(path) -> TrialHeader
    import_array / import_npy / import_csv       # DEF-TRIAL-IMPORT
    import_bits(raw, out)                        # DEF-BITS-IMPORT: raw bits -> packed Z
"""

from __future__ import annotations

from diramp.trials.format import TrialHeader, file_size, read_header
from diramp.trials.importers import import_array, import_bits, import_csv, import_npy
from diramp.trials.io import (
    CHUNK,
    TrialChunk,
    TrialWriter,
    count_blocks,
    count_packed,
    count_total,
    interleave_ab,
    iter_ab,
    iter_chunks,
    iter_packed,
    read_trials,
    verify,
    write_ab,
    write_trials,
)

__all__ = [
    "CHUNK",
    "TrialChunk",
    "TrialHeader",
    "TrialWriter",
    "count_blocks",
    "count_packed",
    "count_total",
    "file_size",
    "import_array",
    "import_bits",
    "import_csv",
    "import_npy",
    "interleave_ab",
    "iter_ab",
    "iter_chunks",
    "iter_packed",
    "read_header",
    "read_trials",
    "verify",
    "write_ab",
    "write_trials",
]
