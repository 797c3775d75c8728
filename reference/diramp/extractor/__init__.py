"""Theorem 2 (Kulikov et al. 2024), DEF-EXT: the two-source extractor, exact and streaming.

``Ext(x, y)[s] = XOR_{j=0}^{N-1-s} x[j+s] AND y[j]`` for s = 0 .. m-1
(non-cyclic right shift matrices; spec/extractor.md).  In the protocol
x = AB (device outputs interleaved, CONV-AB-INTERLEAVE) and y = Z (the SV
seed), CONV-EXT-ARGS.

Public API:

* :func:`extract` -- in-memory bit arrays.
* :func:`extract_files` -- packed bit files to a packed K file (mode 0600).
* :class:`PackedBitReader`, :class:`PackedBitWriter`, :func:`read_bits`,
  :func:`write_bits` -- the DEF-PACKED-FILE format.
* :func:`make_plan`, :class:`Plan`, :class:`Task`, :func:`partial_correlation`
  -- the LEM-EXT-BLOCKED tasks (for distributing the work).
* :func:`extract_loop`, :func:`extract_galois` -- slow references.
* :func:`interleave_ab`, :func:`split_ab` -- CONV-AB-INTERLEAVE.
* ``extractor="circulant"``: the circulant extractor of Foreman et al. (2025),
  DEF-CIRC (:mod:`diramp.extractor.circulant`, spec/circulant.md).

>>> extract([1, 0, 1, 1, 0, 1, 0, 0], [1, 1, 0, 1, 0, 0, 1, 0], 3).tolist()
[0, 1, 1]
"""

from __future__ import annotations

import numpy.typing as npt

from diramp.errors import InputError
from diramp.extractor.conventions import interleave_ab, split_ab
from diramp.extractor.margin import (
    SAFE_MARGIN,
    check_group,
    fft_error_bound,
    fourstep_error_bound,
    group_error_bound,
    max_group,
)
from diramp.extractor.packed import (
    Bits,
    PackedBitReader,
    PackedBitWriter,
    PackedHeader,
    read_bits,
    write_bits,
)
from diramp.extractor.reference import check_inputs, extract_galois, extract_loop
from diramp.extractor.stream import (
    ArrayBits,
    ExtractReport,
    extract_files,
    extract_sources,
    open_bits,
)
from diramp.extractor.tasks import PartialResult, Plan, Task, make_plan, partial_correlation, plan_grouped

#: Methods accepted by :func:`extract`.
EXTRACT_METHODS = ("auto", "fft", "exact", "loop", "reference", "galois")
#: Two-source extractors (DEF-EXT: the paper's non-cyclic shifts; DEF-CIRC: Foreman et al. 2025).
EXTRACTORS = ("dodis", "circulant")

__all__ = [
    "EXTRACTORS",
    "EXTRACT_METHODS",
    "SAFE_MARGIN",
    "ArrayBits",
    "ExtractReport",
    "PackedBitReader",
    "PackedBitWriter",
    "PackedHeader",
    "PartialResult",
    "Plan",
    "Task",
    "check_group",
    "extract",
    "extract_files",
    "extract_galois",
    "extract_loop",
    "extract_sources",
    "fft_error_bound",
    "fourstep_error_bound",
    "group_error_bound",
    "interleave_ab",
    "make_plan",
    "max_group",
    "open_bits",
    "partial_correlation",
    "plan_grouped",
    "read_bits",
    "split_ab",
    "write_bits",
]


def extract(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    m: int,
    *,
    method: str = "auto",
    lean: bool = False,
    max_fft: int | None = None,
    workers: int | None = 1,
    kernel: str = "v3",
    group: int | None = None,
    extractor: str = "dodis",
) -> Bits:
    """Theorem 2 (Kulikov et al. 2024), DEF-EXT: ``Ext(x, y)``, the first m lags, uint8 bits.

    ``x`` = AB, ``y`` = Z in the protocol (CONV-EXT-ARGS); both 1-D 0/1 arrays of
    equal length N, 1 <= m <= N.  ``method``: ``"auto"`` (blocked float64 FFT
    with the REQ-FLOAT-MARGIN check, exact recomputation of unsafe blocks),
    ``"fft"`` (refuse on an unsafe margin), ``"exact"`` (big-integer blocks),
    ``"loop"``/``"reference"`` (O(N m) integer loop), ``"galois"`` (literal GF(2)
    matrices, N <= 2^12).  ``kernel``: ``"v3"`` (default: grouped spectra on four-step transforms,
    :mod:`diramp.extractor.fourstep`), ``"v2"`` (grouped spectra, whole-length
    transforms) or ``"v1"`` (one inverse per block); ``group`` forces the group
    size G of v3/v2 (refused with its a priori bound if unsafe, REQ-FLOAT-MARGIN).

    ``extractor="circulant"`` (DEF-CIRC): ``y`` is the weak seed of p bits, p prime,
    ``x`` at most p - 1 bits (zero-padded), 1 <= m <= p - 1; the fast methods run the
    same blocked kernel on the wrapped inputs of LEM-CIRC-WRAP.
    """
    if method not in EXTRACT_METHODS:
        raise InputError("method", f"must be one of {EXTRACT_METHODS}", f"got {method!r}")
    if extractor not in EXTRACTORS:
        raise InputError("extractor", f"must be one of {EXTRACTORS}", f"got {extractor!r}")
    if extractor == "circulant":
        from diramp.extractor import circulant as circ

        if method in ("loop", "reference"):
            return circ.circulant_loop(x, y, m)
        if method == "galois":
            return circ.circulant_galois(x, y, m)
        xc, yc = circ.check_inputs(x, y, m)  # xc = x zero-padded to p bits
        X, Y = circ.circulant_sources(ArrayBits(xc[:-1], "x"), ArrayBits(yc, "y"), m, int(yc.size))
        bits, _ = extract_sources(X, Y, m, method=method, lean=lean, workers=workers, max_fft=max_fft,
                                  kernel=kernel, group=group)
        return bits
    if method in ("loop", "reference"):
        return extract_loop(x, y, m)
    if method == "galois":
        return extract_galois(x, y, m)
    xb, yb = check_inputs(x, y, m)
    bits, _ = extract_sources(
        ArrayBits(xb, "x"), ArrayBits(yb, "y"), m, method=method, lean=lean,
        workers=workers, max_fft=max_fft, kernel=kernel, group=group,
    )
    return bits
