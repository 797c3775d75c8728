"""Box I (Kulikov et al. 2024), DEF-BOX-I: the protocol end to end, orchestration only.

Steps (spec/protocol.md DEF-BOX-I; every number is computed by the module named):

1. n trials (x_i, y_i, a_i, b_i) from a DEF-TRIAL-FILE (or arrays);
   the file's n must equal the pre-committed n (DEF-PRECOMMIT).
2. counts N(a, b, x, y) per block of 2^22 trials (Fig. 4), streamed
   (:mod:`diramp.trials`), summed; S_mu,obs (DEF-SOBS) and CHSH (DEF-CHSH)
   exactly (:mod:`diramp.bell`).  Abort if S_mu,obs < 0 (REQ-ABORT).
3. m by Theorem 6 (THM-6, THM-6-GRID) on the pre-committed grid, in both
   variants (CONV-VARIANT); the committed variant's m is used.  Abort if it
   is 0 (REQ-ABORT).  On abort nothing is written (REQ-NO-K-ON-ABORT).
4. K = Ext(AB, Z) (THM-2, DEF-EXT, CONV-EXT-ARGS) with AB interleaved per
   round (CONV-AB-INTERLEAVE) and Z its first 2n bits; or, with the committed
   extractor ``circulant`` (DEF-CIRC, CONV-CIRC-ARGS), K = Circ(AB, Z[0:p]) with
   p the protocol's prime (CONV-CIRC-PRIME), so Z must hold p bits.

The pure core is :func:`analyse` (counts -> result record) and
:func:`run_arrays` (arrays -> result with K, in memory); :func:`run_files` is
the thin file-level runner.  Nothing here prints, parses arguments, or writes
a file except :func:`write_key` and :func:`simulate_files`.  K is held in
:attr:`ProtocolResult.k`, which ``repr`` never shows (REQ-K-SECRET).

>>> from fractions import Fraction as F
>>> p = ProtocolParams(n=8, mu=F(0), eps=F(1, 10**6), eps_s=F(1, 10**8), eps_ea=F(1, 10**6),
...                    grid=Grid(F(1, 100), 10), block=8)
>>> a = analyse(p, [Counts.from_mapping({"0101": 8})])
>>> a.abort_reason
'S_mu,obs = -1/4 < 0 (Box I step 2, REQ-ABORT)'
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from diramp.bell import BlockStat, Counts, block_series, chsh, exceeds_quantum_max, s_mu, s_mu_quantum_max_bound
from diramp.errors import InputError, ProtocolAbort
from diramp.length import VARIANTS, AdaptiveResult, Grid, Variant, check_params, theorem6

Bits = npt.NDArray[np.uint8]

#: Block size of the per-block series: 2^22 trials, as in Fig. 4 of Kulikov et al. (2024).
BLOCK = 2**22
#: Extractor methods the protocol accepts (all compute the same function, DEF-EXT).
PROTOCOL_METHODS = ("auto", "fft", "exact")


@dataclass(frozen=True)
class ProtocolParams:
    """DEF-PRECOMMIT: every parameter Box I fixes before the data is read.

    ``eps_ea`` is the eps_EA slot of eta (THM-6 puts eps there; we store the
    resolved value explicitly).  ``block`` is the series block (trials, a
    multiple of 8), ``method`` the extractor method (all give the same K).
    """

    n: int
    mu: Fraction
    eps: Fraction
    eps_s: Fraction
    eps_ea: Fraction
    grid: Grid
    variant: Variant = "derived"
    block: int = BLOCK
    method: str = "auto"
    #: THM-6-EPS: the protocol-level eps claimed (None: eps itself, the paper's reading).
    eps_claim: Fraction | None = None
    #: CONV-VARIANTS: the two-source extractor, ``dodis`` (DEF-EXT, the paper's) or ``circulant`` (DEF-CIRC).
    extractor: str = "dodis"

    def __post_init__(self) -> None:
        from diramp.trials.format import MAX_TRIALS

        # exact parameters: int, str, Fraction or Decimal alike (CONV-NUMBER), stored as Fractions
        c = check_params(self.n, self.mu, Fraction(0), self.eps, self.eps_s, self.eps_ea)
        for name, v in (("n", c.n), ("mu", c.mu), ("eps", c.eps), ("eps_s", c.eps_s), ("eps_ea", c.eps_ea)):
            object.__setattr__(self, name, v)
        from diramp.length import check_eps

        object.__setattr__(self, "eps_claim", c.eps if self.eps_claim is None
                           else check_eps("eps_protocol", self.eps_claim))
        if c.n > MAX_TRIALS:
            raise InputError("n", f"exceeds what a trial file can hold ({MAX_TRIALS})", f"got {c.n}",
                             "no experiment can commit to more trials")
        if not isinstance(self.grid, Grid):
            raise InputError("grid", "must be a diramp.length.Grid", f"got {self.grid!r}")
        if exceeds_quantum_max(self.grid.s_max, c.mu):
            raise InputError("S_max", f"exceeds the quantum maximum {float(s_mu_quantum_max_bound(c.mu)):.6g} at "
                             f"mu = {c.mu} (CONV-SMAX)", f"got {self.grid.s_max}", "choose S_max below it")
        from diramp.bounds import check_pairing

        check_pairing(self.extractor, self.variant)  # CONV-VARIANTS: dodis with derived/as_printed/refined
        if isinstance(self.block, bool) or not isinstance(self.block, int) or self.block < 8 or self.block % 8:
            raise InputError("block", "must be a positive multiple of 8 trials", f"got {self.block!r}",
                             "the paper's Fig. 4 uses 4194304 (2^22)")
        if self.method not in PROTOCOL_METHODS:
            raise InputError("method", f"must be one of {PROTOCOL_METHODS}", f"got {self.method!r}")


@dataclass(frozen=True)
class Analysis:
    """Box I steps 2-3 (DEF-BOX-I): statistics, Theorem 6 in both variants, the abort decision."""

    params: ProtocolParams
    counts: Counts
    blocks: tuple[BlockStat, ...]
    s_obs: Fraction
    chsh: Fraction | None
    lengths: Mapping[str, AdaptiveResult]  #: THM-6 per variant (empty when S_mu,obs < 0)
    abort_reason: str | None

    @property
    def used(self) -> AdaptiveResult | None:
        """The committed variant's THM-6 result (CONV-VARIANT, CONV-VARIANTS)."""
        return self.lengths.get(self.params.variant)

    @property
    def m(self) -> int:
        """Certified output length of the committed variant (0 on abort)."""
        u = self.used
        return 0 if u is None else u.m


def analyse(params: ProtocolParams, blocks: Sequence[Counts]) -> Analysis:
    """DEF-BOX-I steps 2-3: S_mu,obs (DEF-SOBS), CHSH, THM-6 m per variant, REQ-ABORT decision.

    ``blocks`` are the counts per block of ``params.block`` trials (DEF-TRIAL-FILE
    ``count_blocks``); their total must hold exactly ``params.n`` trials.  Pure:
    never raises on an abort, it records ``abort_reason`` (see :func:`require_output`).
    """
    blocks = tuple(blocks)
    total = sum(blocks, Counts.zero())
    if total.n != params.n:
        raise InputError("trials", "hold a different number of trials than committed",
                         f"{total.n} trials, committed n = {params.n}",
                         "use the trial file the pre-commitment was made for")
    s_obs = s_mu(total, params.mu)
    try:
        ch: Fraction | None = chsh(total)
    except InputError:
        ch = None
    series = tuple(block_series(blocks, params.mu))
    lengths: dict[str, AdaptiveResult] = {}
    reason: str | None = None
    if s_obs < 0:
        reason = f"S_mu,obs = {s_obs} < 0 (Box I step 2, REQ-ABORT)"
    else:
        for v in analysis_variants(params):
            lengths[v] = theorem6(params.n, params.mu, s_obs, params.eps, params.eps_s, params.eps_ea,
                                  grid=params.grid, variant=v, eps_claim=params.eps_claim)
        if lengths[params.variant].m == 0:
            reason = (f"certified m = 0 at S_mu,obs = {float(s_obs):.6g} (variant {params.variant}, "
                      f"THM-6 bin {lengths[params.variant].bin_index}; REQ-ABORT)")
    return Analysis(params, total, series, s_obs, ch, lengths, reason)


def analysis_variants(params: ProtocolParams) -> tuple[Variant, ...]:
    """CONV-VARIANT, CONV-VARIANTS: the variants Box I computes: for dodis derived and as_printed (plus the
    committed one), for circulant its own.  A certificate records each of them."""
    if params.extractor == "circulant":
        return ("circulant",)
    return VARIANTS if params.variant in VARIANTS else (*VARIANTS, params.variant)


def seed_bits(params: ProtocolParams) -> int:
    """CONV-EXT-ARGS, CONV-CIRC-ARGS: the bits of Z the extractor uses: 2n (dodis) or p (circulant)."""
    if params.extractor == "circulant":
        from diramp.bounds import protocol_prime

        return protocol_prime(params.n)
    return 2 * params.n


def require_output(analysis: Analysis) -> None:
    """REQ-ABORT, REQ-NO-K-ON-ABORT: raise :class:`ProtocolAbort` (exit 3) when Box I aborts.

    The exception carries the analysis as ``.analysis`` so callers can report why.
    """
    if analysis.abort_reason is not None:
        err = ProtocolAbort(f"protocol aborted: {analysis.abort_reason}; no K was produced")
        err.analysis = analysis  # type: ignore[attr-defined]
        raise err


@dataclass(frozen=True)
class ProtocolResult:
    """DEF-BOX-I: the outcome of a run.  ``k`` (the secret K) is hidden from ``repr`` (REQ-K-SECRET)."""

    analysis: Analysis
    k: Bits = field(repr=False)
    k_payload_sha256: str  #: SHA-256 of K packed MSB-first (DEF-PACKED-FILE payload)
    k_file_sha256: str  #: SHA-256 of the K file as :func:`write_key` writes it
    inputs: Mapping[str, Any] = field(default_factory=dict)  #: file digests (file runs only)
    extract: Mapping[str, Any] = field(default_factory=dict, repr=False)  #: extractor report

    @property
    def m(self) -> int:
        return int(self.k.size)


def key_digests(k: Bits) -> tuple[str, str]:
    """DEF-PACKED-FILE: (the file's digest, whole-file SHA-256) of K as a packed bit file, in memory.

    For the owner-only receipt only (REQ-K-SECRET): never published.  The payload
    of bits 1, 0, 1 is the byte 0xA0 (CONV-BITORDER).

    >>> from diramp.extractor.packed import packed_digest
    >>> key_digests(np.array([1, 0, 1], np.uint8))[0] == packed_digest(bytes([0xA0]), 3).hex()
    True
    """
    from diramp.extractor.packed import file_digests

    return file_digests(k)


def _bits(name: str, v: Any) -> Bits:
    arr = np.asarray(v)
    if arr.ndim != 1 or (arr.size and (arr.min() < 0 or arr.max() > 1)):
        raise InputError(name, "must be a 1-D array of 0/1", f"shape {arr.shape}")
    return arr.astype(np.uint8, copy=False)


def run_arrays(params: ProtocolParams, x: Any, y: Any, a: Any, b: Any, z: Any) -> ProtocolResult:
    """DEF-BOX-I in memory: trials as 0/1 arrays and the seed Z -> K (or ProtocolAbort).

    Z must hold at least 2n bits; its first 2n are used (CONV-EXT-ARGS).  AB is
    interleaved per round (CONV-AB-INTERLEAVE).  Same K as :func:`run_files` on
    the same data.
    """
    xs, ys, as_, bs, zs = (_bits(nm, v) for nm, v in zip("xyabZ", (x, y, a, b, z), strict=True))
    n = xs.size
    if any(v.size != n for v in (ys, as_, bs)):
        raise InputError("trials", "x, y, a, b must have equal lengths", str([v.size for v in (xs, ys, as_, bs)]))
    _check_n(n, params)
    _check_z_bits(zs.size, params)
    blocks = [Counts.from_arrays(as_[i:i + params.block], bs[i:i + params.block],
                                 xs[i:i + params.block], ys[i:i + params.block])
              for i in range(0, n, params.block)]
    analysis = analyse(params, blocks)
    require_output(analysis)
    from diramp.extractor import extract

    ab = np.empty(2 * n, np.uint8)
    ab[0::2], ab[1::2] = as_, bs
    d = seed_bits(params)
    k = extract(ab, zs[:d], analysis.m, method=params.method, extractor=params.extractor)
    pay, whole = key_digests(k)
    return ProtocolResult(analysis, k, pay, whole)


def _check_n(n: int, params: ProtocolParams) -> None:
    if n != params.n:
        raise InputError("trials", "the number of trials differs from the pre-committed n (DEF-PRECOMMIT)",
                         f"data n = {n}, committed n = {params.n}",
                         "use the data the commitment was made for; never re-commit after seeing data")


def _check_z_bits(nbits: int, params: ProtocolParams | int) -> None:
    if isinstance(params, int):  # a trial count: the dodis extractor's 2n bits
        need, why = 2 * params, "2n bits (Theorem 5 takes |Z| = |AB| = 2n)"
    else:
        need = seed_bits(params)
        why = ("p bits, the circulant extractor's weak seed (CONV-CIRC-ARGS, p prime)"
               if params.extractor == "circulant" else "2n bits (Theorem 5 takes |Z| = |AB| = 2n)")
    if nbits < need:
        raise InputError("Z", f"is shorter than {why}", f"{nbits} bits, need {need}",
                         f"supply a seed file of at least {need} bits")


# --------------------------------------------------------------------------- files

def sha256_file(path: str | os.PathLike[str], on_progress: Callable[[int], None] | None = None) -> str:
    """SHA-256 (hex) of a whole file, streamed in 4 MiB pieces."""
    from diramp.inputs import opened

    h = hashlib.sha256()
    with opened(path) as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
            if on_progress:
                on_progress(len(chunk))
    return h.hexdigest()


class TrialAB:
    """CONV-AB-INTERLEAVE: AB of a trial file as a random-access bit source (planes a, b only).

    ``read_bits(start, stop)`` returns AB bits start..stop-1 (AB[2i] = a_i,
    AB[2i+1] = b_i), reading only the bytes that hold them (``os.pread``,
    thread-safe), so memory stays O(block) (LEM-EXT-BLOCKED).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        from diramp.trials import read_header

        self.header = read_header(path)
        self.n = self.header.n
        self.nbits = 2 * self.n
        self._off = (self.header.plane_offset("a"), self.header.plane_offset("b"))
        from diramp.inputs import open_input

        self._fd = open_input(path, "trial file")
        self.path = str(path)

    def _plane(self, off: int, t0: int, t1: int) -> Bits:
        b0, b1 = t0 // 8, (t1 + 7) // 8
        data = os.pread(self._fd, b1 - b0, off + b0)
        if len(data) != b1 - b0:
            raise InputError(self.path, "is truncated (short read of plane a or b)", "", "re-copy the file")
        return np.unpackbits(np.frombuffer(data, np.uint8))[: t1 - t0]

    def read_bits(self, start: int, stop: int) -> Bits:
        """AB bits ``start..stop-1`` (clipped to 2n), unpacked uint8."""
        stop = min(stop, self.nbits)
        if stop <= start:
            return np.zeros(0, np.uint8)
        t0 = (start // 2) // 8 * 8
        t1 = min(self.n, (stop + 1) // 2)
        ab = np.empty(2 * (t1 - t0), np.uint8)
        ab[0::2] = self._plane(self._off[0], t0, t1)
        ab[1::2] = self._plane(self._off[1], t0, t1)
        return ab[start - 2 * t0 : stop - 2 * t0]

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> TrialAB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Prefix:
    """The first ``nbits`` bits of a bit source (Z's first 2n bits, CONV-EXT-ARGS)."""

    def __init__(self, src: Any, nbits: int) -> None:
        self.src, self.nbits = src, nbits

    def read_bits(self, start: int, stop: int) -> Bits:
        return np.asarray(self.src.read_bits(start, min(stop, self.nbits)), np.uint8)


@dataclass(frozen=True)
class FileInputs:
    """Digests and sizes of a run's input files (DEF-CERT ``inputs``)."""

    trials_file_sha256: str
    trials_digest: str
    n: int
    z_file_sha256: str
    z_digest: str
    z_bits: int
    z_used: int = 0  #: bits of Z the extractor uses (0: 2n)

    def to_dict(self) -> dict[str, Any]:
        return {
            "trials": {"n": self.n, "file_sha256": self.trials_file_sha256, "digest": self.trials_digest},
            "z": {"nbits": self.z_bits, "used_bits": self.z_used or 2 * self.n, "file_sha256": self.z_file_sha256,
                  "digest": self.z_digest},
        }


def check_inputs(params: ProtocolParams, trials: str | os.PathLike[str],
                 seed_z: str | os.PathLike[str]) -> tuple[int, int]:
    """Cheap header checks before any payload is read: trial n = committed n, |Z| >= 2n (circulant: p).

    Returns (n, bits of Z).  Raises :class:`InputError` naming the file.
    """
    from diramp.extractor.packed import PackedBitReader
    from diramp.trials import read_header

    n = read_header(trials).n
    _check_n(n, params)
    with PackedBitReader(seed_z) as zr:
        zbits = zr.nbits
    _check_z_bits(zbits, params)
    return n, zbits


def count_file(params: ProtocolParams, trials: str | os.PathLike[str],
               on_progress: Callable[[int], None] | None = None) -> list[Counts]:
    """DEF-BOX-I step 2, DEF-TRIAL-FILE: counts per block of ``params.block`` trials, streamed, verified.

    Same result as :func:`diramp.trials.count_blocks`, with a progress hook
    (trials counted).  Every plane hash is checked before the list is returned.
    """
    from diramp.trials import count_packed, iter_packed

    block = params.block
    step = block if block <= 2**24 else _gcd_step(block)
    out: list[Counts] = []
    acc = Counts.zero()
    for start, count, (px, py, pa, pb) in iter_packed(trials, step, "xyab", True):
        acc = acc + count_packed(px, py, pa, pb, count)
        end = start + count
        if end % block == 0 or end == params.n:
            out.append(acc)
            acc = Counts.zero()
        if on_progress:
            on_progress(count)
    return out


def _gcd_step(block: int) -> int:
    import math

    return math.gcd(block, 2**24)


def run_files(
    params: ProtocolParams,
    trials: str | os.PathLike[str],
    seed_z: str | os.PathLike[str],
    *,
    extract: bool = True,
    show_progress: bool | None = None,
) -> ProtocolResult:
    """DEF-BOX-I on files: trial file + Z file -> K in memory (or :class:`ProtocolAbort`).

    Order: header checks (n, |Z| >= 2n), SHA-256 of both files, counts per block
    (streamed, plane hashes verified), analysis and REQ-ABORT, then
    K = Ext(AB, Z[:2n]) streamed from the files.  The trial file is hashed again
    after extraction, so a file changed during the run is an error.  Writes
    nothing; :func:`write_key` writes K.  With ``extract=False`` (used by
    :func:`diramp.certificate.verify` without a K file) K is empty.
    """
    from diramp.extractor import PackedBitReader, extract_sources
    from diramp.progress import progress
    from diramp.trials import read_header

    n, zbits = check_inputs(params, trials, seed_z)
    size = os.path.getsize(trials) + os.path.getsize(seed_z)
    with progress(size, "hash inputs", unit="B", enabled=show_progress) as bar:
        t_sha = sha256_file(trials, bar.update)
        z_sha = sha256_file(seed_z, bar.update)
    with PackedBitReader(seed_z) as zr:
        z_payload = zr.verify().hex()
    inputs = FileInputs(t_sha, read_header(trials).payload_sha256, n, z_sha, z_payload, zbits, seed_bits(params))
    with progress(n, "count", unit="trial", enabled=show_progress) as bar:
        blocks = count_file(params, trials, bar.update)
    analysis = analyse(params, blocks)
    require_output(analysis)
    if not extract:
        return ProtocolResult(analysis, np.zeros(0, np.uint8), "", "", inputs.to_dict())
    with TrialAB(trials) as ab, PackedBitReader(seed_z) as zr:
        xs, ys = extractor_sources(params.extractor, ab, zr, analysis.m, seed_bits(params))
        k, rep = extract_sources(xs, ys, analysis.m, method=params.method, show_progress=show_progress)
    if sha256_file(trials) != t_sha or sha256_file(seed_z) != z_sha:
        raise InputError("inputs", "changed while the protocol ran", "", "do not modify the files during a run")
    pay, whole = key_digests(k)
    ext = {"method": rep.method, "P": rep.P, "tasks": rep.tasks, "worst_margin": rep.worst_margin,
           "exact_fallbacks": rep.exact_fallbacks, "seconds": rep.seconds}
    return ProtocolResult(analysis, k, pay, whole, inputs.to_dict(), ext)


def extractor_sources(extractor: str, ab: Any, z: Any, m: int, d: int) -> tuple[Any, Any]:
    """DEF-EXT / DEF-CIRC: the two bit sources the blocked kernel correlates for K = Ext(AB, Z).

    dodis: (AB, the first d = 2n bits of Z) (CONV-EXT-ARGS); circulant: the wrapped inputs of
    LEM-CIRC-WRAP for AB zero-padded to p - 1 bits and Z[0:p], p = d (CONV-CIRC-ARGS).
    """
    if extractor == "circulant":
        from diramp.extractor.circulant import circulant_sources

        return circulant_sources(ab, z, m, d)
    return ab, _Prefix(z, d)


def extract_trials(
    trials: str | os.PathLike[str],
    seed_z: str | os.PathLike[str],
    m: int,
    out_path: str | os.PathLike[str],
    *,
    method: str = "auto",
    lean: bool = False,
    y_nbits: int | None = None,
    workers: int | None = None,
    show_progress: bool | None = None,
    reference: Callable[[Bits, Bits, int], Bits] | None = None,
    extractor: str = "dodis",
) -> Any:
    """DEF-EXT, CONV-AB-INTERLEAVE, CONV-EXT-ARGS: K = Ext(AB of a trial file, first 2n bits of Z), to a K file.

    ``extractor="circulant"``: K = Circ(AB, Z[0:p]) (DEF-CIRC, CONV-CIRC-ARGS, CONV-CIRC-PRIME).

    AB is read straight from the trial file's planes a and b (no copy of the
    secret is written); both inputs are verified first (plane digests, Z's
    digest).  Same K as :func:`run_files` for the same m.  K is written mode 0600.
    """
    from diramp.extractor import PackedBitWriter, extract_sources
    from diramp.extractor.stream import ExtractReport, open_bits
    from diramp.trials import verify as verify_trials

    verify_trials(trials)
    with TrialAB(trials) as ab, open_bits(seed_z, y_nbits) as zr:
        zr.verify()
        if extractor == "circulant":
            from diramp.bounds import protocol_prime
            from diramp.extractor.circulant import check_lengths as circ_lengths

            d = protocol_prime(ab.n)
            if zr.nbits < d:
                raise InputError("Z", "is shorter than p bits, the circulant extractor's weak seed (CONV-CIRC-ARGS)",
                                 f"{zr.nbits} bits, need p = {d} (CONV-CIRC-PRIME)",
                                 f"supply a seed file of at least {d} bits")
            circ_lengths(ab.nbits, d, m)
        else:
            _check_z_bits(zr.nbits, ab.n)
            d = ab.nbits
        z = _Prefix(zr, d)
        if reference is not None:
            t0 = time.perf_counter()
            k = reference(ab.read_bits(0, ab.nbits), z.read_bits(0, d), m)
            rep = ExtractReport(ab.nbits, m, "reference", lean, tasks=1)
            rep.seconds = time.perf_counter() - t0
        else:
            from diramp.extractor.reference import check_lengths

            if extractor != "circulant":
                check_lengths(ab.nbits, ab.nbits, m)
            xs, ys = extractor_sources(extractor, ab, zr, m, d)
            k, rep = extract_sources(xs, ys, m, method=method, lean=lean, workers=workers,
                                     show_progress=show_progress)
    with PackedBitWriter(out_path, mode=0o600) as w:
        w.write_bits(k)
    pay, whole = key_digests(k)
    rep.extra.update({"out_sha256": whole, "out_digest": pay})
    return rep


def write_key(path: str | os.PathLike[str], k: Bits) -> None:
    """REQ-K-SECRET: write K as a DEF-PACKED-FILE, mode 0600, atomically (inside the command's transaction)."""
    from diramp.extractor.packed import write_bits

    write_bits(path, k, mode=0o600)


# --------------------------------------------------------------------------- simulation

@dataclass(frozen=True)
class SimulationConfig:
    """A simulated Box I run (DEF-SIM-SOURCE, DEF-SIM-DEVICE), fully determined by ``seed``.

    ``delta`` is the honest source's bias P(1) - 1/2 (|delta| <= mu); 0 gives
    the uniform inputs of CONV-DEPOL.
    """

    seed: int
    chsh: Fraction = Fraction("2.271")
    device: str = "quantum"
    delta: Fraction = Fraction(0)

    def check(self, mu: Fraction) -> None:
        """Validate against the assumed bias mu before any file is written (DEF-SIM-SOURCE, DEF-SIM-DEVICE)."""
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise InputError("--seed", "must be a non-negative integer", f"got {self.seed!r}")
        if abs(self.delta) > mu:
            raise InputError("--source-bias", f"must satisfy |bias| <= mu = {mu} (the source must be a mu-SV "
                             "source, DEF-SV)", f"got {self.delta}")
        if self.chsh < 0 or self.chsh * self.chsh > 8:
            raise InputError("--chsh", "must lie in [0, 2 sqrt 2] (Tsirelson's bound)", f"got {self.chsh}")
        if self.device not in ("quantum", "local"):
            raise InputError("--device", "must be 'quantum' or 'local'", f"got {self.device!r}")


def _simulation(params: ProtocolParams, cfg: SimulationConfig) -> tuple[Iterator[Any], Callable[[], Iterator[Any]]]:
    from diramp.simulate import HonestSource, draw_z, make_device, simulate_trials
    from diramp.trials import CHUNK

    src = HonestSource(params.mu, cfg.seed, delta=cfg.delta)
    dev = make_device(cfg.device, mu=params.mu, seed=cfg.seed, chsh_target=cfg.chsh, p_xy=src.pair_probs())
    return simulate_trials(params.n, src, dev, CHUNK), lambda: draw_z(src, seed_bits(params))


def simulate_arrays(params: ProtocolParams, cfg: SimulationConfig) -> tuple[Bits, Bits, Bits, Bits, Bits]:
    """DEF-SIM-SOURCE/DEF-SIM-DEVICE in memory: (x, y, a, b, Z), |Z| = 2n (circulant: p); as :func:`simulate_files`."""
    trials, z = _simulation(params, cfg)
    parts = list(trials)
    cat = [np.concatenate([p[i] for p in parts]) if parts else np.zeros(0, np.uint8) for i in range(4)]
    zb = np.unpackbits(np.concatenate(list(z()) or [np.zeros(0, np.uint8)]), count=seed_bits(params))
    return cat[0], cat[1], cat[2], cat[3], zb


def simulate_files(params: ProtocolParams, cfg: SimulationConfig, trials_path: str | os.PathLike[str],
                   z_path: str | os.PathLike[str], on_progress: Callable[[int], None] | None = None) -> None:
    """DEF-SIM-SOURCE/DEF-SIM-DEVICE to files: the trial file and Z (2n bits; circulant: p), atomically, streamed."""
    from diramp.trials import TrialWriter
    from diramp.trials.bits import write_packed_bits

    trials, z = _simulation(params, cfg)
    with TrialWriter(trials_path, params.n) as w:
        for x, y, a, b in trials:
            w.write(x, y, a, b)
            if on_progress:
                on_progress(int(x.size))

    def counted(chunks: Iterator[Any]) -> Iterator[Any]:
        for c in chunks:
            if on_progress:
                on_progress(4 * int(c.size))  # 8 bits per byte = 4 trials' worth of Z
            yield c

    write_packed_bits(z_path, counted(z()), seed_bits(params))


def simulate_and_run(params: ProtocolParams, cfg: SimulationConfig) -> ProtocolResult:
    """DEF-BOX-I on simulated data, in memory: seed -> trials, Z -> counts -> m -> K.

    For end-to-end vectors: ``simulate_and_run(p, SimulationConfig(seed=1, chsh=F("2.8"))).k_payload_sha256``.
    Raises :class:`ProtocolAbort` when Box I aborts (e.g. ``device="local"``).
    """
    return run_arrays(params, *simulate_arrays(params, cfg))


# --------------------------------------------------------------------------- the default run

#: Seed of the embedded default run (stated, fixed).
DEFAULT_SEED = 20240101
#: Trials of the default run: 2^26, one of the paper's 20 acquisition blocks.
DEFAULT_N = 2**26
#: CHSH of the default simulated device (the paper's average, depolarised, CONV-DEPOL).
DEFAULT_CHSH = Fraction("2.271")


def preset_params(n: int = DEFAULT_N, preset: str = "kulikov2024", variant: Variant = "derived",
                  mu: Fraction | None = None) -> ProtocolParams:
    """CONV-PRESET-KULIKOV2024: mu, eps and the *assumed* eps_s, eps_EA and grid of a preset, at ``n`` trials.

    >>> p = preset_params()
    >>> p.n, p.mu, p.grid.bins, p.grid.s_max, p.eps_s
    (67108864, Fraction(3, 400), 1000, Fraction(1, 80), Fraction(1, 100000000000000000000))
    """
    from diramp.params import load_preset

    pr = load_preset(preset)
    bins = int(pr.assumed("grid_bins"))
    return ProtocolParams(
        n=n, mu=pr.published("mu") if mu is None else mu, eps=pr.published("eps"),
        eps_s=pr.assumed("eps_s"), eps_ea=pr.assumed("eps_EA"),
        grid=Grid(pr.assumed("grid_delta_s") * bins, bins), variant=variant,
        block=int(pr.published("block_trials")),
    )


def default_paths(workdir: str | os.PathLike[str]) -> dict[str, Path]:
    """File names of a run directory (default run and ``diramp run --workdir``)."""
    d = Path(workdir)
    return {"commit": d / "commit.json", "trials": d / "run.trials", "z": d / "run.z.dbits",
            "k": d / "k.dbits", "cert": d / "certificate.json"}
