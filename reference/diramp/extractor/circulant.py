"""DEF-CIRC: the circulant two-source extractor (Foreman et al., Quantum 9, 1584 (2025)), exact and fast.

Spec: ``spec/circulant.md`` (DEF-CIRC, CONV-CIRC-ARGS, CONV-CIRC-PRIME, LEM-CIRC-WRAP).
With p prime, x (the weak input, AB in the protocol) of at most p - 1 bits and
y (the weak seed, the first p bits of Z) of exactly p bits, and
``x'`` = x zero-padded to p bits (p - 1 bits as the input, plus the zero that the
construction appends)::

    Circ(x, y)[i] = XOR_{k=0}^{p-1} ( x'[k] AND y[(k + i) mod p] ),   i = 0 .. m-1,  1 <= m <= p - 1

i.e. the first m rows of the p x p matrix C_y[i][k] = y[(i + k) mod p] (row i is y
rotated left by i) times x'.  This is bit for bit what cryptomite's
``Circulant(p - 1, m).extract(x padded to p - 1 bits, y)`` returns (an optional
external oracle; cryptomite is never a dependency).

Three evaluations of the same function:

* :func:`circulant_galois` -- the literal matrix-vector product over ``galois.GF(2)``
  (p^2 memory: p up to a few thousand);
* :func:`circulant_loop` -- an integer loop over the m outputs, O(p m);
* :func:`circulant_sources` -- LEM-CIRC-WRAP: two wrapped bit sources whose non-cyclic
  extractor (DEF-EXT) is the circulant one, so the blocked FFT path of
  :func:`diramp.extractor.extract_sources` (with its REQ-FLOAT-MARGIN rule) computes it.

>>> x, y = [1, 0, 1, 1], [1, 1, 0, 1, 0]
>>> circulant_loop(x, y, 3).tolist(), circulant_galois(x, y, 3).tolist()
([0, 0, 1], [0, 0, 1])
>>> circulant_prime(4), circulant_prime(2 * 1342177280)
(5, 2684354611)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from diramp.errors import InputError
from diramp.extractor.packed import Bits, check_bits


def is_prime(p: int) -> bool:
    """DEF-CIRC: primality (deterministic for every size diramp handles; sympy.isprime)."""
    import sympy

    return bool(sympy.isprime(int(p)))


def two_is_primitive_root(p: int) -> bool:
    """CONV-CIRC-PRIME: whether 2 generates the multiplicative group mod the prime p (ord_p(2) = p - 1).

    >>> [q for q in (3, 5, 7, 11, 13, 17, 19, 23) if two_is_primitive_root(q)]
    [3, 5, 11, 13, 19]
    """
    from sympy.ntheory import is_primitive_root

    return bool(is_prime(p) and p > 2 and is_primitive_root(2, int(p)))


def order_of_two(p: int) -> int:
    """THM-CIRC-UNIVERSAL: ord_p(2), the multiplicative order of 2 mod the odd prime p."""
    from sympy.ntheory import n_order

    return int(n_order(2, int(p)))


def circulant_prime(nbits: int) -> int:
    """CONV-CIRC-PRIME: the protocol's p, the smallest prime p >= nbits + 1 with 2 a primitive root mod p.

    Then AB (``nbits`` = N = 2n bits) fits into p - 1 input bits, and the family is
    two-universal for every output length m <= p - 1 (THM-CIRC-UNIVERSAL).
    """
    import sympy

    if isinstance(nbits, bool) or not isinstance(nbits, int | np.integer) or nbits < 1:
        raise InputError("N", "must be an integer >= 1 (the input length)", f"got {nbits!r}")
    p = int(sympy.nextprime(int(nbits)))  # smallest prime > nbits, i.e. >= nbits + 1
    while not two_is_primitive_root(p):
        p = int(sympy.nextprime(p))
    return p


def check_prime(p: int, name: str = "p") -> int:
    """DEF-CIRC: p must be a prime >= 3 (the seed length); a clear InputError otherwise."""
    if isinstance(p, bool) or not isinstance(p, int | np.integer) or p < 3 or not is_prime(int(p)):
        raise InputError(name, "must be a prime >= 3 (the circulant extractor's seed length, DEF-CIRC)",
                         f"got {p!r}", "take p = diramp.extractor.circulant.circulant_prime(N)")
    return int(p)


def check_lengths(nx: int, p: int, m: int) -> None:
    """DEF-CIRC, CONV-CIRC-ARGS: len(y) = p prime, len(x) <= p - 1, 1 <= m <= p - 1."""
    check_prime(p, "len(y) = p")
    if nx > p - 1:
        raise InputError("x", f"must have at most p - 1 = {p - 1} bits (it is zero-padded to p - 1)",
                         f"len(x) = {nx}", "the weak seed y (= Z) must hold p >= len(x) + 1 bits")
    if not isinstance(m, int | np.integer) or isinstance(m, bool):
        raise InputError("m", "must be an integer", f"got {m!r}")
    if not 1 <= m <= p - 1:
        raise InputError("m", f"must satisfy 1 <= m <= p - 1 = {p - 1}", f"got {m}", "choose m in range")


def check_inputs(x: npt.ArrayLike, y: npt.ArrayLike, m: int) -> tuple[Bits, Bits]:
    """DEF-CIRC: validate (x, y, m) and return (x', y) with x' = x zero-padded to p bits.

    >>> check_inputs([1, 0], [1, 1, 0, 1], 1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    diramp.errors.InputError: len(y) = p: must be a prime >= 3 ... (got 4); ...
    """
    xb, yb = check_bits(x, "x"), check_bits(y, "y")
    p = int(yb.size)
    check_lengths(int(xb.size), p, m)
    xp = np.zeros(p, dtype=np.uint8)
    xp[: xb.size] = xb
    return xp, yb


def circulant_matrix(y: npt.ArrayLike, rows: int | None = None) -> Bits:
    """DEF-CIRC: C_y[i][k] = y[(i + k) mod p] (row i is y rotated left by i), the first ``rows`` rows.

    >>> circulant_matrix([1, 1, 0]).tolist()
    [[1, 1, 0], [1, 0, 1], [0, 1, 1]]
    """
    yb = check_bits(y, "y")
    p = int(yb.size)
    r = p if rows is None else rows
    idx = (np.arange(r)[:, None] + np.arange(p)[None, :]) % p
    return yb[idx]


def circulant_galois(x: npt.ArrayLike, y: npt.ArrayLike, m: int) -> Bits:
    """DEF-CIRC: the literal product (C_y x')[0..m-1] over galois.GF(2) (p^2 memory; p up to a few thousand)."""
    import galois

    xp, yb = check_inputs(x, y, m)
    GF = galois.GF2
    C = GF(circulant_matrix(yb, m))
    v = GF(xp)
    # (C v)_i = sum_k C[i, k] v[k] in GF(2), written out (galois' @ JIT-compiles for seconds).
    return np.asarray(np.add.reduce(C * v[np.newaxis, :], axis=1), dtype=np.uint8)


def circulant_loop(x: npt.ArrayLike, y: npt.ArrayLike, m: int) -> Bits:
    """DEF-CIRC: integer loop over the outputs, ``out[i] = (sum_k x'[k] y[(k+i) mod p]) mod 2``, O(p m)."""
    xp, yb = check_inputs(x, y, m)
    out = np.zeros(m, dtype=np.uint8)
    for i in range(m):
        out[i] = np.count_nonzero(xp & np.roll(yb, -i)) & 1
    return out


class WrappedSeed:
    """LEM-CIRC-WRAP: the bit source y~ = y followed by y[0 .. m-2] (p + m - 1 bits), read on demand.

    ``y`` is any bit source (``nbits``, ``read_bits``) of at least p bits; only its
    first p bits are used (CONV-CIRC-ARGS).
    """

    def __init__(self, y: Any, p: int, m: int) -> None:
        if y.nbits < p:
            raise InputError("Z", f"is shorter than p = {p} bits (the circulant extractor's weak seed, "
                             "CONV-CIRC-ARGS)", f"{y.nbits} bits", f"supply a seed of at least {p} bits")
        self.src, self.p = y, p
        self.nbits = p + m - 1

    def read_bits(self, start: int, stop: int) -> Bits:
        """Bits ``start..stop-1`` of y~ (clipped): y[j] for j < p, y[j - p] beyond."""
        stop = min(stop, self.nbits)
        if stop <= start:
            return np.zeros(0, dtype=np.uint8)
        parts = []
        if start < self.p:
            parts.append(np.asarray(self.src.read_bits(start, min(stop, self.p)), np.uint8))
        if stop > self.p:
            parts.append(np.asarray(self.src.read_bits(max(start, self.p) - self.p, stop - self.p), np.uint8))
        return parts[0] if len(parts) == 1 else np.concatenate(parts)


class PaddedInput:
    """LEM-CIRC-WRAP: the bit source x' zero-padded to p + m - 1 bits (x' = x followed by zeros)."""

    def __init__(self, x: Any, nbits: int) -> None:
        if x.nbits >= nbits:
            raise InputError("x", "is too long for the padded input", f"{x.nbits} >= {nbits}")
        self.src = x
        self.nbits = nbits

    def read_bits(self, start: int, stop: int) -> Bits:
        """Bits ``start..stop-1`` of x' (clipped): x[j] for j < len(x), 0 beyond."""
        stop = min(stop, self.nbits)
        if stop <= start:
            return np.zeros(0, dtype=np.uint8)
        out = np.zeros(stop - start, dtype=np.uint8)
        n = self.src.nbits
        if start < n:
            got = np.asarray(self.src.read_bits(start, min(stop, n)), np.uint8)
            out[: got.size] = got
        return out


def circulant_sources(x: Any, y: Any, m: int, p: int) -> tuple[WrappedSeed, PaddedInput]:
    """LEM-CIRC-WRAP: (X, Y) with DEF-EXT's Ext(X, Y)[s] = Circ(x, y)[s] for s < m, both p + m - 1 bits.

    ``x`` (AB) and ``y`` (Z) are bit sources; p is checked (DEF-CIRC) and y must hold
    at least p bits, x at most p - 1.  Feed the result to
    :func:`diramp.extractor.extract_sources` (non-cyclic kernel, LEM-EXT-BLOCKED and
    REQ-FLOAT-MARGIN unchanged): X takes the role of DEF-EXT's x, Y that of its y.
    """
    check_lengths(int(x.nbits), check_prime(p), m)
    ys = WrappedSeed(y, p, m)
    return ys, PaddedInput(x, ys.nbits)


def extract_files_circulant(
    x_path: Any,
    y_path: Any,
    m: int,
    out_path: Any,
    *,
    p: int | None = None,
    method: str = "auto",
    lean: bool = False,
    x_nbits: int | None = None,
    y_nbits: int | None = None,
    workers: int | None = None,
    max_fft: int | None = None,
    show_progress: bool | None = None,
    reference: bool = False,
    kernel: str = "v3",
    group: int | None = None,
    fft_size: int | None = None,
) -> Any:
    """DEF-CIRC, CONV-CIRC-ARGS: K = Circ(x = AB, y = Z[0:p]) file to file (the circulant ``extract_files``).

    p defaults to the protocol's prime for len(x) (CONV-CIRC-PRIME); Z must hold at
    least p bits.  Both inputs' digests are verified before any work; K is written as a
    packed bit file, mode 0600, atomically.  ``reference`` uses :func:`circulant_loop`.
    """
    import time

    from diramp.extractor.packed import PackedBitWriter, file_digests
    from diramp.extractor.stream import ExtractReport, extract_sources, open_bits

    with open_bits(x_path, x_nbits) as xr, open_bits(y_path, y_nbits) as yr:
        pp = circulant_prime(xr.nbits) if p is None else check_prime(p)
        if yr.nbits < pp:
            raise InputError(str(y_path), f"is shorter than p = {pp} bits (the circulant extractor's weak seed, "
                             "CONV-CIRC-ARGS)", f"{yr.nbits} bits", f"supply a seed of at least {pp} bits")
        check_lengths(xr.nbits, pp, m)
        digests: dict[str, object] = {}
        for name, r in (("x", xr), ("y", yr)):
            r.verify()
            digests[f"{name}_sha256"] = r.file_sha256
        if reference:
            t0 = time.perf_counter()
            bits = circulant_loop(xr.read_bits(0, xr.nbits), yr.read_bits(0, pp), m)
            rep = ExtractReport(xr.nbits, m, "reference", lean, tasks=1)
            rep.seconds = time.perf_counter() - t0
        else:
            X, Y = circulant_sources(xr, yr, m, pp)
            bits, rep = extract_sources(X, Y, m, method=method, lean=lean, workers=workers, max_fft=max_fft,
                                        show_progress=show_progress, kernel=kernel, group=group, fft_size=fft_size)
    with PackedBitWriter(out_path, mode=0o600) as w:
        w.write_bits(bits)
    digests["out_digest"], digests["out_sha256"] = file_digests(bits)
    rep.extra.update(digests)
    rep.extra.update({"p": pp, "N_input": xr.nbits, "extractor": "circulant"})
    return rep


__all__ = [
    "PaddedInput",
    "WrappedSeed",
    "check_inputs",
    "check_lengths",
    "check_prime",
    "circulant_galois",
    "circulant_loop",
    "circulant_matrix",
    "circulant_prime",
    "circulant_sources",
    "extract_files_circulant",
    "is_prime",
    "order_of_two",
    "two_is_primitive_root",
]
