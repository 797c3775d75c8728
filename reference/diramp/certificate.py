"""DEF-PRECOMMIT, DEF-CERT, REQ-VERIFY (spec/protocol.md): pre-commitment, run certificate, verifier.

Box I of Kulikov et al. (2024) fixes every parameter before the data is read;
the CURBy beacon's lesson is that auditors want that pre-commitment as a
hashed record, and a certificate that a verifier can re-derive from the data.

* :class:`Precommit` -- the record ``diramp commit`` writes (JSON, with the
  SHA-256 of its canonical JSON).
* :func:`build_certificate` -- the run certificate (JSON, deterministic: sorted
  keys, no wall-clock time; timings only in an optional, non-hashed
  ``timings`` field).
* :func:`verify` -- re-derives everything from the trial file and Z (and K if
  given) and fails, naming the field, on any mismatch.

Exact values are strings: a terminating decimal when short, else ``p/q``
(:func:`exact_string`); both parse back with :func:`diramp.exact.to_fraction`.

>>> from fractions import Fraction as F
>>> from diramp.length import Grid
>>> from diramp.protocol import ProtocolParams
>>> p = ProtocolParams(n=1024, mu=F(0), eps=F(1, 10**6), eps_s=F(1, 10**8), eps_ea=F(1, 10**6),
...                    grid=Grid(F(1, 100), 10), block=1024)
>>> pc = Precommit(p)
>>> Precommit.from_dict(pc.to_dict()) == pc
True
>>> pc.to_dict()["parameters"]["mu"], len(pc.sha256)
('0', 64)
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from diramp import SPEC_VERSION, __version__
from diramp.errors import CheckFailed, InputError, ProtocolAbort
from diramp.exact import exact_text, parse_exact
from diramp.inputs import parse_json, read_capped, read_json
from diramp.length import Grid
from diramp.protocol import Analysis, ProtocolParams, ProtocolResult, run_files, sha256_file
from diramp.validate import check_document

PRECOMMIT_KIND = "diramp-precommit"
CERT_KIND = "diramp-certificate"
FORMAT_VERSION = 2
#: Fields of a certificate that are not covered by ``certificate_sha256`` and not verified.
UNHASHED = ("certificate_sha256", "timings")
#: Largest pre-commitment or certificate file read (bytes).
MAX_RECORD_BYTES = 16 << 20
#: Extractors a pre-commitment can name (DEF-PRECOMMIT, CONV-VARIANTS): the paper's and Foreman et al.'s circulant.
EXTRACTORS = ("dodis", "circulant")


def exact_string(x: Fraction | int) -> str:
    """CONV-ROUNDING: an exact rendering, a terminating decimal (<= 60 chars) or ``p/q``.

    >>> exact_string(Fraction(3, 400)), exact_string(Fraction(1, 3)), exact_string(Fraction(1, 10**12))
    ('0.0075', '1/3', '1e-12')
    """
    return exact_text(x, 60)


def _opt(x: Fraction | None) -> str | None:
    return None if x is None else exact_string(x)


def canonical_json(obj: Any) -> bytes:
    """The canonical JSON that is hashed: sorted keys, no spaces, UTF-8.

    >>> canonical_json({"b": 1, "a": [1, "x"]})
    b'{"a":[1,"x"],"b":1}'
    """
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def pretty_json(obj: Any) -> str:
    """The on-disk form: sorted keys, 2-space indent, trailing newline (byte-identical for equal input)."""
    return json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _sha(obj: Any) -> str:
    return hashlib.sha256(canonical_json(obj)).hexdigest()


def _frac(value: str, where: str) -> Fraction:
    return parse_exact(value, where)


@dataclass(frozen=True)
class Precommit:
    """DEF-PRECOMMIT: the parameters of Box I, fixed and hashed before the data is read.

    The record's file is its canonical rendering :meth:`to_json`, and its
    digest :attr:`sha256` is the SHA-256 of those bytes: what ``sha256sum``
    prints for the file.  ``created_at`` is an explicit argument (default
    omitted) so that the same parameters always give the same record.
    """

    params: ProtocolParams
    software_version: str = __version__
    spec_version: str = SPEC_VERSION
    created_at: str | None = None
    #: the committed extractor (DEF-PRECOMMIT, CONV-VARIANTS); None: the params' (default dodis)
    extractor: str | None = None

    def __post_init__(self) -> None:
        if self.extractor is None:
            object.__setattr__(self, "extractor", self.params.extractor)
        elif self.extractor != self.params.extractor:
            if self.extractor not in EXTRACTORS:
                raise InputError("extractor", f"must be one of {EXTRACTORS}", f"got {self.extractor!r}")
            import dataclasses

            # the extractor named beside the parameters: they must pair (CONV-VARIANTS)
            object.__setattr__(self, "params", dataclasses.replace(self.params, extractor=self.extractor))

    def _extractor_block(self) -> dict[str, Any]:
        p = self.params
        if p.extractor == "circulant":
            from diramp.protocol import seed_bits

            return {"name": "circulant", "method": p.method,
                    "x": "AB (CONV-AB-INTERLEAVE), zero-padded to p - 1 bits (CONV-CIRC-ARGS)",
                    "y": f"Z, first p = {seed_bits(p)} bits (p prime, 2 a primitive root: CONV-CIRC-PRIME)"}
        return {"name": "dodis", "method": p.method, "x": "AB (CONV-AB-INTERLEAVE)",
                "y": "Z, first 2n bits (CONV-EXT-ARGS)"}

    def body(self) -> dict[str, Any]:
        """The record as a JSON object."""
        p = self.params
        out: dict[str, Any] = {
            "kind": PRECOMMIT_KIND,
            "format_version": FORMAT_VERSION,
            "software": {"name": "diramp", "version": self.software_version},
            "spec_version": self.spec_version,
            "parameters": {
                "n": p.n,
                "mu": exact_string(p.mu),
                "eps": exact_string(p.eps),
                "eps_s": exact_string(p.eps_s),
                "eps_EA": exact_string(p.eps_ea),
                "eps_protocol": exact_string(p.eps_claim if p.eps_claim is not None else p.eps),
                "grid": {"bins": p.grid.bins, "s_max": exact_string(p.grid.s_max),
                         "delta_s": exact_string(p.grid.delta)},
                "variant": p.variant,
                "block_trials": p.block,
                "extractor": self._extractor_block(),
            },
        }
        if self.created_at is not None:
            out["created_at"] = self.created_at
        return out

    def to_dict(self) -> dict[str, Any]:
        return self.body()

    def to_json(self) -> str:
        """The file's exact content (canonical rendering)."""
        return pretty_json(self.body())

    @property
    def sha256(self) -> str:
        """DEF-PRECOMMIT: SHA-256 (hex) of the record's file bytes, as ``sha256sum`` computes it."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()

    @classmethod
    def from_dict(cls, d: Any, where: str = "precommit") -> Precommit:
        """Validate a pre-commitment object (schema first, then every parameter's range)."""
        check_document(d, "precommit.schema.json", where, "write it with diramp commit")
        pr = d["parameters"]
        params = ProtocolParams(
            n=pr["n"], mu=_frac(pr["mu"], f"{where}.parameters.mu"), eps=_frac(pr["eps"], f"{where}.parameters.eps"),
            eps_s=_frac(pr["eps_s"], f"{where}.parameters.eps_s"),
            eps_ea=_frac(pr["eps_EA"], f"{where}.parameters.eps_EA"),
            eps_claim=_frac(pr["eps_protocol"], f"{where}.parameters.eps_protocol"),
            grid=Grid(_frac(pr["grid"]["s_max"], f"{where}.parameters.grid.s_max"), pr["grid"]["bins"]),
            variant=pr["variant"], block=pr["block_trials"], method=pr["extractor"]["method"],
            extractor=pr["extractor"]["name"],
        )
        pc = cls(params, d["software"]["version"], d["spec_version"], d.get("created_at"))
        if pc.body() != d:
            raise InputError(where, "holds a value that is not in canonical form",
                             "e.g. delta_s must equal s_max / bins, numbers must be written as diramp writes them",
                             "write it with diramp commit")
        return pc

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Precommit:
        """Read a pre-commitment file (DEF-PRECOMMIT); its bytes must be the canonical rendering."""
        raw = read_capped(path, "pre-commitment", MAX_RECORD_BYTES)
        pc = cls.from_dict(parse_json(raw, str(path)), where=str(path))
        if raw != pc.to_json().encode("utf-8"):
            raise InputError(str(path), "is not the canonical rendering of its content (it was edited or reformatted)",
                             f"its SHA-256 {hashlib.sha256(raw).hexdigest()[:16]}... is not the record's "
                             f"{pc.sha256[:16]}...", "use the file diramp commit wrote, unchanged")
        return pc

    def check_matches(self, given: Mapping[str, Any]) -> None:
        """DEF-PRECOMMIT: every parameter given on the command line must equal the committed one.

        ``given`` maps a name ('n', 'mu', 'eps', 'eps_s', 'eps_EA', 'bins', 's_max',
        'variant', 'block_trials', 'method', 'extractor') to an exact value or None (not given).
        """
        p = self.params
        committed: dict[str, Any] = {"n": p.n, "mu": p.mu, "eps": p.eps, "eps_s": p.eps_s, "eps_EA": p.eps_ea,
                                     "eps_protocol": p.eps_claim,
                                     "bins": p.grid.bins, "s_max": p.grid.s_max, "variant": p.variant,
                                     "block_trials": p.block, "method": p.method, "extractor": self.extractor}
        bad = []
        for name, v in given.items():
            if v is None:
                continue
            want = committed[name]
            if v != want:
                show = exact_string(v) if isinstance(v, Fraction) else v
                bad.append(f"{name}: given {show}, committed "
                           f"{exact_string(want) if isinstance(want, Fraction) else want}")
        if bad:
            raise InputError("parameters", "differ from the pre-commitment record (DEF-PRECOMMIT)", "; ".join(bad),
                             "drop the option or use the commitment made for this run; nothing was written")


def _length_dict(r: Any) -> dict[str, Any]:
    L = r.length
    e = L.eta
    return {
        "m": L.m,
        "m_prime_lo": exact_string(L.m_prime_lo),
        "m_prime_hi": exact_string(L.m_prime_hi),
        "eps_claimed": exact_string(L.eps_claimed),
        "eps_achieved": _opt(L.eps_achieved),
        "eps_protocol": exact_string(r.eps_protocol),
        "meets_claim": r.meets_claim,
        "eta": None if e is None else {"lo": exact_string(e.lo), "hi": exact_string(e.hi),
                                       "t": exact_string(e.t), "k": e.k},
    }


def statistics_dict(a: Analysis) -> dict[str, Any]:
    """DEF-CERT ``statistics``: counts (abxy), S_mu,obs and CHSH exact, the per-block series."""
    return {
        "n": a.counts.n,
        "counts": a.counts.to_mapping(),
        "s_mu_obs": exact_string(a.s_obs),
        "chsh": _opt(a.chsh),
        "blocks": {
            "block_trials": a.params.block,
            "n": [b.n for b in a.blocks],
            "s_mu": [exact_string(b.s_mu) for b in a.blocks],
            "chsh": [_opt(b.chsh) for b in a.blocks],
        },
    }


def build_certificate(pc: Precommit, result: ProtocolResult, timings: Mapping[str, float] | None = None,
                      publish_k_digest: bool = False) -> dict[str, Any]:
    """DEF-CERT: the run certificate of a successful run (a dict; :func:`pretty_json` renders it).

    Deterministic: same inputs give an identical dict and byte-identical JSON.
    It holds no function of K (REQ-K-SECRET): only K's length, unless
    ``publish_k_digest`` adds the K file's SHA-256 for a run whose K will be
    published anyway.  ``timings`` (seconds per stage) is added only when given,
    outside the hash.
    """
    a = result.analysis
    used = a.used
    if used is None or a.abort_reason is not None:
        raise InputError("result", "is an aborted run: no certificate is issued (REQ-NO-K-ON-ABORT)")
    eta = used.length.eta
    k_out: dict[str, Any] = {"nbits": result.m}
    if publish_k_digest:
        if not result.k_file_sha256:
            raise InputError("--publish-k-digest", "needs K (the run did not extract it)")
        k_out["sha256"] = result.k_file_sha256
    cert: dict[str, Any] = {
        "kind": CERT_KIND,
        "format_version": FORMAT_VERSION,
        "software": {"name": "diramp", "version": __version__},
        "spec_version": SPEC_VERSION,
        "precommit": pc.body(),
        "precommit_sha256": pc.sha256,
        "inputs": dict(result.inputs),
        "statistics": statistics_dict(a),
        "theorem6": {
            "variant_used": a.params.variant,
            "s_grid": exact_string(used.s_grid),
            "bin": used.bin_index,
            "delta_s": exact_string(used.grid.delta),
            "variants": {v: _length_dict(r) for v, r in sorted(a.lengths.items())},
        },
        "eta": None if eta is None else {"lo": exact_string(eta.lo), "hi": exact_string(eta.hi)},
        "m": a.m,
        "eps_protocol": exact_string(used.eps_protocol),
        "meets_claim": used.meets_claim,
        "output": {"k": k_out},
    }
    cert["certificate_sha256"] = certificate_hash(cert)
    if timings is not None:
        cert["timings"] = {k: round(float(v), 3) for k, v in timings.items()}
    return cert


def certificate_hash(cert: Mapping[str, Any]) -> str:
    """DEF-CERT: SHA-256 of the canonical JSON of the certificate without the UNHASHED fields."""
    return _sha({k: v for k, v in cert.items() if k not in UNHASHED})


def receipt(result: ProtocolResult, cert: Mapping[str, Any], k_path: str | os.PathLike[str]) -> dict[str, Any]:
    """REQ-K-SECRET: the owner-only receipt of a run: K's digests beside the public records' digests.

    Written mode 0600 (``diramp run --receipt``); never publish it: a digest of K
    lets an adversary with unbounded computing test guesses of K.
    """
    return {
        "kind": "diramp-receipt",
        "warning": "SECRET: holds digests of K; keep it owner-only, never publish it",
        "k_file": str(k_path),
        "k_nbits": result.m,
        "k_file_sha256": result.k_file_sha256,
        "k_digest": result.k_payload_sha256,
        "certificate_sha256": cert["certificate_sha256"],
        "precommit_sha256": cert["precommit_sha256"],
    }


def load_certificate(path: str | os.PathLike[str]) -> dict[str, Any]:
    """DEF-CERT: read a certificate file and validate it against its schema before any use."""
    d = read_json(path, "certificate", MAX_RECORD_BYTES)
    if isinstance(d, dict) and d.get("format_version") == 1:
        raise InputError(str(path), "is a format-1 certificate (diramp 0.1)", "format 1 published a digest of K",
                         "re-run the protocol with this diramp to issue a format-2 certificate")
    check_document(d, "certificate.schema.json", str(path), "pass the certificate written by diramp run")
    return d  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- verify

@dataclass(frozen=True)
class VerifyReport:
    """REQ-VERIFY: what was re-derived and found equal."""

    checked: tuple[str, ...]
    m: int
    k_checked: bool
    certificate_sha256: str
    precommit_sha256: str  #: the digest of the pre-commitment the certificate embeds (= sha256sum of its file)
    precommit_pinned: bool  #: whether it was compared with an expected digest given by the verifier
    eps_protocol: str
    meets_claim: bool


def _diff(a: Any, b: Any, path: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            p = f"{path}.{k}" if path else k
            if k not in a:
                out.append(f"{p}: not a field of the re-derived certificate")
            elif k not in b:
                out.append(f"{p}: missing from the certificate")
            else:
                _diff(a[k], b[k], p, out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff(x, y, f"{path}[{i}]", out)
    elif a != b or type(a) is not type(b):
        out.append(f"{path}: recomputed {_short(a)}, certificate says {_short(b)}")


def _short(v: Any) -> str:
    s = json.dumps(v)
    return s if len(s) <= 80 else s[:77] + "..."


def verify(cert: Mapping[str, Any] | str | os.PathLike[str], trials: str | os.PathLike[str],
           seed_z: str | os.PathLike[str], k: str | os.PathLike[str] | None = None,
           show_progress: bool | None = False, precommit_sha256: str | None = None) -> VerifyReport:
    """REQ-VERIFY: re-derive a certificate from the trial file, Z (and K) and compare every field.

    Checks the certificate against its schema, the embedded pre-commitment
    (and, with ``precommit_sha256``, that it is the one published before the
    run: a commitment made after the data cannot pass), the input files'
    SHA-256, re-counts, re-computes S_mu,obs, CHSH, the series, eta, m and eps
    in both variants, and with ``k`` re-extracts K = Ext(AB, Z) and compares it
    with the K file bit for bit.  Raises :class:`CheckFailed` (exit 1) naming
    every field that differs; :class:`InputError` (exit 2) when a file is
    unreadable or malformed.
    """
    where = "certificate"
    if not isinstance(cert, Mapping):
        where = str(cert)
        cert = load_certificate(cert)
    else:
        check_document(dict(cert), "certificate.schema.json", where, "pass the certificate written by diramp run")
    if precommit_sha256 is not None and not _is_sha256(precommit_sha256):
        raise InputError("--precommit-sha256", "must be 64 lower-case hex digits", f"got {precommit_sha256[:80]!r}",
                         "paste the digest published before the run (sha256sum commit.json)")
    bad: list[str] = []
    checked: list[str] = []
    if not spec_compatible(cert["spec_version"]):
        bad.append(f"spec_version: certificate {cert['spec_version']!r}, this verifier implements {SPEC_VERSION!r} "
                   "(it verifies the same major version up to its own minor version)")
    pc = Precommit.from_dict(cert["precommit"], where=f"{where}: precommit")
    if cert["precommit_sha256"] != pc.sha256:
        bad.append(f"precommit_sha256: the embedded pre-commitment hashes to {pc.sha256}, "
                   f"certificate says {cert['precommit_sha256']}")
    if precommit_sha256 is not None and precommit_sha256 != pc.sha256:
        bad.append(f"precommit: the certificate's pre-commitment hashes to {pc.sha256}, not the published "
                   f"{precommit_sha256} (a different or later commitment)")
    checked.append("precommit (pinned)" if precommit_sha256 is not None else "precommit")
    # input files first: a wrong file is named before any heavy work
    inp = cert["inputs"]
    for name, path in (("trials", trials), ("z", seed_z)):
        got = sha256_file(path)
        want = inp[name]["file_sha256"]
        if got != want:
            bad.append(f"inputs.{name}.file_sha256: {path} hashes to {got}, certificate says {want}"
                       + (" (wrong seed file Z?)" if name == "z" else " (different or modified trial file?)"))
    if bad:
        raise CheckFailed("certificate does not verify: " + "; ".join(bad))
    checked.append("inputs")
    try:
        result = run_files(pc.params, trials, seed_z, extract=k is not None, show_progress=show_progress)
    except ProtocolAbort as exc:
        raise CheckFailed(f"certificate does not verify: the data make Box I abort ({exc}); "
                          "no certificate can be valid for them") from None
    if k is not None:
        from diramp.extractor import PackedBitReader

        with PackedBitReader(k) as kr:
            kr.verify()
            same = kr.nbits == result.m and bool((kr.read_bits(0, kr.nbits) == result.k).all())
        if not same:
            bad.append(f"K file {k}: its bits differ from Ext(AB, Z) re-extracted from the data (wrong or modified K)")
        checked.append("K")
    rebuilt = build_certificate(pc, result if k is not None else _without_k(result),
                                publish_k_digest="sha256" in cert["output"]["k"] and k is not None)
    if k is None and "sha256" in cert["output"]["k"]:
        rebuilt["output"]["k"]["sha256"] = cert["output"]["k"]["sha256"]  # not checkable without K
    if spec_compatible(cert["spec_version"]):  # checked above: made under an older minor version, same rules
        rebuilt["spec_version"] = cert["spec_version"]
    if isinstance(cert.get("software"), dict) and cert["software"].get("name") == "diramp":
        rebuilt["software"] = cert["software"]  # which release wrote it: recorded, not re-derived
    fields: list[str] = []
    _diff({k_: v for k_, v in rebuilt.items() if k_ not in UNHASHED},
          {k_: v for k_, v in cert.items() if k_ not in UNHASHED}, "", fields)
    bad += fields
    if cert["certificate_sha256"] != certificate_hash(cert):
        bad.append(f"certificate_sha256: the certificate's content hashes to {certificate_hash(cert)}, "
                   f"it says {cert['certificate_sha256']} (edited after issue)")
    if bad:
        raise CheckFailed("certificate does not verify: " + "; ".join(bad))
    checked += ["statistics", "theorem6", "eta", "m", "eps_protocol", "certificate_sha256"]
    return VerifyReport(tuple(checked), result.analysis.m, k is not None, str(cert["certificate_sha256"]), pc.sha256,
                        precommit_sha256 is not None, str(cert["eps_protocol"]), bool(cert["meets_claim"]))


def _without_k(result: ProtocolResult) -> ProtocolResult:
    """The analysis of a run re-derived without extracting K (K's length is the certified m)."""
    return ProtocolResult(result.analysis, np.zeros(result.analysis.m, np.uint8), "", "", result.inputs)


def spec_compatible(version: object) -> bool:
    """Whether this verifier can check a record of spec ``version`` (DEF-CERT).

    Minor versions only add definitions (2.1 adds spec/bounds.md and spec/circulant.md),
    so a record of the same major version and a minor version up to ours is checked
    under the rules it was made with; a newer minor or another major is refused.

    >>> spec_compatible(SPEC_VERSION), spec_compatible("1.0"), spec_compatible("99.0")
    (True, False, False)
    """
    if not isinstance(version, str) or len(version) > 16:
        return False
    mine = SPEC_VERSION.split(".")
    theirs = version.split(".")
    if len(theirs) != 2 or not all(t.isdigit() for t in theirs):
        return False
    return theirs[0] == mine[0] and int(theirs[1]) <= int(mine[1])


def _is_sha256(s: str) -> bool:
    return len(s) == 64 and all(c in "0123456789abcdef" for c in s)


def key_sha256(k_bits: Any) -> str:
    """SHA-256 of K's packed bits (MSB-first, zero padding), the digest end-to-end test vectors pin.

    Only for test vectors, whose K is public test data; a real K's digest is never published (REQ-K-SECRET).
    """
    return hashlib.sha256(np.packbits(np.asarray(k_bits, np.uint8)).tobytes()).hexdigest()
