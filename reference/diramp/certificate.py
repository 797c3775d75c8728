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
from pathlib import Path
from typing import Any

from diramp import SPEC_VERSION, __version__
from diramp.errors import CheckFailed, InputError, ProtocolAbort
from diramp.exact import exact_text, to_fraction
from diramp.length import Grid
from diramp.protocol import Analysis, ProtocolParams, ProtocolResult, key_digests, run_files, sha256_file

PRECOMMIT_KIND = "diramp-precommit"
CERT_KIND = "diramp-certificate"
FORMAT_VERSION = 1
#: Fields of a certificate that are not covered by ``certificate_sha256`` and not verified.
UNHASHED = ("certificate_sha256", "timings")


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


def _field(d: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(d, Mapping) or key not in d:
        raise InputError(where, f"missing field {key!r}", "", "use a file written by diramp commit / run")
    v = d[key]
    if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
        raise InputError(f"{where}.{key}", "has the wrong type", f"got {v!r}")
    return v


def _frac(d: Mapping[str, Any], key: str, where: str) -> Fraction:
    s = _field(d, key, where, str)
    try:
        return to_fraction(s)
    except (ValueError, ZeroDivisionError):
        raise InputError(f"{where}.{key}", "is not an exact number", f"got {s!r}",
                         "write a decimal such as 0.0075 or a fraction p/q") from None


@dataclass(frozen=True)
class Precommit:
    """DEF-PRECOMMIT: the parameters of Box I, fixed and hashed before the data is read.

    ``created_at`` is an explicit argument (default omitted) so that the same
    parameters always give the same record and the same SHA-256.
    """

    params: ProtocolParams
    software_version: str = __version__
    spec_version: str = SPEC_VERSION
    created_at: str | None = None

    def body(self) -> dict[str, Any]:
        """The record without its ``sha256`` (what is hashed)."""
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
                "grid": {"bins": p.grid.bins, "s_max": exact_string(p.grid.s_max),
                         "delta_s": exact_string(p.grid.delta)},
                "variant": p.variant,
                "block_trials": p.block,
                "extractor": {"method": p.method, "x": "AB (CONV-AB-INTERLEAVE)",
                              "y": "Z, first 2n bits (CONV-EXT-ARGS)"},
            },
        }
        if self.created_at is not None:
            out["created_at"] = self.created_at
        return out

    @property
    def sha256(self) -> str:
        """SHA-256 (hex) of the canonical JSON of :meth:`body`."""
        return _sha(self.body())

    def to_dict(self) -> dict[str, Any]:
        return {**self.body(), "sha256": self.sha256}

    def to_json(self) -> str:
        return pretty_json(self.to_dict())

    @classmethod
    def from_dict(cls, d: Any, where: str = "precommit", check_hash: bool = True) -> Precommit:
        """Parse and validate a pre-commitment record; its ``sha256`` must match its content."""
        if _field(d, "kind", where, str) != PRECOMMIT_KIND:
            raise InputError(where, f"is not a pre-commitment record (kind {d['kind']!r})", "",
                             "pass the file written by diramp commit")
        if _field(d, "format_version", where, int) != FORMAT_VERSION:
            raise InputError(f"{where}.format_version", "unsupported", f"got {d['format_version']}")
        sw = _field(d, "software", where, dict)
        pr = _field(d, "parameters", where, dict)
        grid = _field(pr, "grid", f"{where}.parameters", dict)
        ext = _field(pr, "extractor", f"{where}.parameters", dict)
        w = f"{where}.parameters"
        params = ProtocolParams(
            n=_field(pr, "n", w, int), mu=_frac(pr, "mu", w), eps=_frac(pr, "eps", w),
            eps_s=_frac(pr, "eps_s", w), eps_ea=_frac(pr, "eps_EA", w),
            grid=Grid(_frac(grid, "s_max", f"{w}.grid"), _field(grid, "bins", f"{w}.grid", int)),
            variant=_field(pr, "variant", w, str),  # type: ignore[arg-type]
            block=_field(pr, "block_trials", w, int),
            method=_field(ext, "method", f"{w}.extractor", str),
        )
        created = d.get("created_at")
        if created is not None and not isinstance(created, str):
            raise InputError(f"{where}.created_at", "must be a string", f"got {created!r}")
        pc = cls(params, _field(sw, "version", f"{where}.software", str),
                 _field(d, "spec_version", where, str), created)
        if pc.body() != {k: v for k, v in d.items() if k != "sha256"}:
            extra = sorted(set(d) - set(pc.to_dict()))
            raise InputError(where, "holds unknown or non-canonical fields",
                             f"unknown {extra}" if extra else "a value is not in canonical form",
                             "write it with diramp commit")
        if check_hash and d.get("sha256") != pc.sha256:
            raise InputError(f"{where}.sha256", "does not match the record's content: it was edited after commit",
                             f"recorded {d.get('sha256')!r}, content hashes to {pc.sha256}",
                             "a pre-commitment must not change; commit anew before taking new data")
        return pc

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Precommit:
        """Read a pre-commitment file (DEF-PRECOMMIT)."""
        return cls.from_dict(_load_json(path, "pre-commitment"), where=str(path))

    def check_matches(self, given: Mapping[str, Any]) -> None:
        """DEF-PRECOMMIT: every parameter given on the command line must equal the committed one.

        ``given`` maps a name ('n', 'mu', 'eps', 'eps_s', 'eps_EA', 'bins', 's_max',
        'variant', 'block_trials', 'method') to a value or None (not given).
        """
        p = self.params
        committed: dict[str, Any] = {"n": p.n, "mu": p.mu, "eps": p.eps, "eps_s": p.eps_s, "eps_EA": p.eps_ea,
                                     "bins": p.grid.bins, "s_max": p.grid.s_max, "variant": p.variant,
                                     "block_trials": p.block, "method": p.method}
        bad = []
        for name, v in given.items():
            if v is None:
                continue
            want = committed[name]
            try:
                got = to_fraction(v) if isinstance(want, Fraction) else type(want)(v)
            except (ValueError, ZeroDivisionError):
                got = v
            if got != want:
                bad.append(f"{name}: given {v}, committed {exact_string(want) if isinstance(want, Fraction) else want}")
        if bad:
            raise InputError("parameters", "differ from the pre-commitment record (DEF-PRECOMMIT)", "; ".join(bad),
                             "drop the option or use the commitment made for this run; nothing was written")


def _load_json(path: str | os.PathLike[str], what: str) -> Any:
    try:
        text = Path(path).read_text("utf-8")
    except FileNotFoundError:
        raise InputError(str(path), f"{what} file not found", "", "check the path") from None
    except (IsADirectoryError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"is not a {what} JSON file", str(exc)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"is not valid JSON ({what})", str(exc), "re-create the file") from None


def _length_dict(r: Any) -> dict[str, Any]:
    L = r.length
    e = L.eta
    return {
        "m": L.m,
        "m_prime_lo": exact_string(L.m_prime_lo),
        "m_prime_hi": exact_string(L.m_prime_hi),
        "eps_claimed": exact_string(L.eps_claimed),
        "eps_achieved": _opt(L.eps_achieved),
        "eps_total": _opt(r.eps_total),
        "meets_claim": L.meets_claim,
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


def build_certificate(pc: Precommit, result: ProtocolResult,
                      timings: Mapping[str, float] | None = None) -> dict[str, Any]:
    """DEF-CERT: the run certificate of a successful run (a dict; :func:`pretty_json` renders it).

    Deterministic: same inputs give an identical dict and byte-identical JSON.
    ``timings`` (seconds per stage) is added only when given, outside the hash.
    """
    a = result.analysis
    used = a.used
    if used is None or a.abort_reason is not None:
        raise InputError("result", "is an aborted run: no certificate is issued (REQ-NO-K-ON-ABORT)")
    eta = used.length.eta
    cert: dict[str, Any] = {
        "kind": CERT_KIND,
        "format_version": FORMAT_VERSION,
        "software": {"name": "diramp", "version": __version__},
        "spec_version": SPEC_VERSION,
        "precommit": pc.to_dict(),
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
        "eps_total": _opt(used.eps_total),
        "output": {"k": {"nbits": result.m, "payload_sha256": result.k_payload_sha256,
                         "file_sha256": result.k_file_sha256}},
    }
    cert["certificate_sha256"] = certificate_hash(cert)
    if timings is not None:
        cert["timings"] = {k: round(float(v), 3) for k, v in timings.items()}
    return cert


def certificate_hash(cert: Mapping[str, Any]) -> str:
    """DEF-CERT: SHA-256 of the canonical JSON of the certificate without the UNHASHED fields."""
    return _sha({k: v for k, v in cert.items() if k not in UNHASHED})


def write_run(result: ProtocolResult, cert: Mapping[str, Any], out_k: str | os.PathLike[str],
              out_cert: str | os.PathLike[str], overwrite: bool = False) -> None:
    """REQ-K-SECRET, REQ-NO-K-ON-ABORT: write K (mode 0600) and the certificate, both atomically.

    Refuses existing files unless ``overwrite``.  If the certificate cannot be
    written, K is removed again: a K without its certificate is never left.
    """
    from diramp.protocol import write_key

    for p in (out_k, out_cert):
        if not overwrite and os.path.lexists(p):
            raise InputError(str(p), "exists already", "", "choose another path or pass --force")
    if Path(out_k).resolve() == Path(out_cert).resolve():
        raise InputError("--out-k", "must differ from --out-cert", str(out_k))
    from diramp.atomic import atomic_write_text

    write_key(out_k, result.k)
    try:
        atomic_write_text(out_cert, pretty_json(cert))
    except BaseException:
        os.unlink(out_k)
        raise


# --------------------------------------------------------------------------- verify

@dataclass(frozen=True)
class VerifyReport:
    """REQ-VERIFY: what was re-derived and found equal."""

    checked: tuple[str, ...]
    m: int
    k_checked: bool
    certificate_sha256: str


def _diff(a: Any, b: Any, path: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            p = f"{path}.{k}" if path else k
            if k not in a:
                out.append(f"{p}: missing from the certificate")
            elif k not in b:
                out.append(f"{p}: not a certificate field")
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
           show_progress: bool | None = False) -> VerifyReport:
    """REQ-VERIFY: re-derive a certificate from the trial file, Z (and K) and compare every field.

    Re-checks the pre-commitment's hash, the input files' SHA-256, re-counts,
    re-computes S_mu,obs, CHSH, the series, eta, m and eps in both variants,
    and with ``k`` re-extracts K and compares its SHA-256 with the file and
    the certificate.  Raises :class:`CheckFailed` (exit 1) naming every field
    that differs; :class:`InputError` (exit 2) when a file is unreadable.
    """
    if not isinstance(cert, Mapping):
        cert = _load_json(cert, "certificate")
    if not isinstance(cert, Mapping) or cert.get("kind") != CERT_KIND:
        raise InputError("certificate", "is not a diramp run certificate", f"kind {cert.get('kind')!r}"
                         if isinstance(cert, Mapping) else "not a JSON object", "pass the certificate of diramp run")
    for key in ("precommit", "precommit_sha256", "inputs", "statistics", "theorem6", "output",
                "certificate_sha256", "software", "spec_version"):
        _field(cert, key, "certificate", object)
    bad: list[str] = []
    checked: list[str] = []
    if cert["spec_version"] != SPEC_VERSION:
        bad.append(f"spec_version: certificate {cert['spec_version']!r}, this verifier implements {SPEC_VERSION!r}")
    pcd = cert["precommit"]
    pc = Precommit.from_dict(pcd, where="certificate.precommit", check_hash=False)
    if pcd.get("sha256") != pc.sha256:
        bad.append(f"precommit.sha256: the record hashes to {pc.sha256}, it says {pcd.get('sha256')}")
    if cert["precommit_sha256"] != pc.sha256:
        bad.append(f"precommit_sha256: the embedded pre-commitment hashes to {pc.sha256}, "
                   f"certificate says {cert['precommit_sha256']}")
    checked.append("precommit")
    # input files first: a wrong file is named before any heavy work
    inp = cert["inputs"]
    for name, path in (("trials", trials), ("z", seed_z)):
        want = inp.get(name, {}).get("file_sha256") if isinstance(inp.get(name), Mapping) else None
        got = sha256_file(path)
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
            k_payload = kr.verify().hex()
        k_file = sha256_file(k)
        if (k_payload, k_file) != (result.k_payload_sha256, result.k_file_sha256):
            bad.append(f"K file {k}: SHA-256 {k_file}, but Ext(AB, Z) re-extracted hashes to "
                       f"{result.k_file_sha256} (wrong or modified K)")
        checked.append("K")
    else:
        out = cert["output"]["k"] if isinstance(cert["output"], Mapping) else {}
        result = ProtocolResult(result.analysis, result.k, out.get("payload_sha256", ""),
                                out.get("file_sha256", ""), result.inputs)
    rebuilt = build_certificate(pc, result)
    if k is None:
        rebuilt["output"]["k"]["nbits"] = result.analysis.m
    fields: list[str] = []
    _diff({k_: v for k_, v in rebuilt.items() if k_ not in UNHASHED},
          {k_: v for k_, v in cert.items() if k_ not in UNHASHED}, "", fields)
    bad += fields
    if cert["certificate_sha256"] != certificate_hash(cert):
        bad.append(f"certificate_sha256: the certificate's content hashes to {certificate_hash(cert)}, "
                   f"it says {cert['certificate_sha256']} (edited after issue)")
    if bad:
        raise CheckFailed("certificate does not verify: " + "; ".join(bad))
    checked += ["statistics", "theorem6", "eta", "m", "eps_total", "certificate_sha256"]
    return VerifyReport(tuple(checked), result.analysis.m, k is not None, str(cert["certificate_sha256"]))


def key_sha256(k_bits: Any) -> str:
    """SHA-256 of K's packed payload (DEF-PACKED-FILE), the digest end-to-end vectors pin."""
    return key_digests(k_bits)[0]
