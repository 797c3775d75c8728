"""DEF-PRECOMMIT, DEF-CERT, REQ-VERIFY: pre-commitment record, run certificate, verifier, schemas."""

from __future__ import annotations

import copy
import json
import os
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from diramp.certificate import (
    Precommit,
    build_certificate,
    certificate_hash,
    exact_string,
    pretty_json,
    verify,
)
from diramp.errors import CheckFailed, InputError
from diramp.extractor import write_bits
from diramp.length import Grid
from diramp.protocol import ProtocolParams, SimulationConfig, run_files, simulate_files
from diramp.trials import read_trials, write_trials

ROOT = Path(__file__).resolve().parent.parent
N = 2**19
P = ProtocolParams(n=N, mu=F(0), eps=F(1, 10**6), eps_s=F(1, 10**8), eps_ea=F(1, 10**6),
                   grid=Grid(F("0.0125"), 100), block=2**16)
CFG = SimulationConfig(seed=21, chsh=F("2.8"))


def write_run(res: Any, cert: dict[str, Any], out_k: Path, out_cert: Path, force: bool = False) -> None:
    """K and certificate in one transaction, as diramp run writes them (REQ-OUTPUT)."""
    from diramp.outputs import Transaction
    from diramp.protocol import write_key

    with Transaction(force=force) as tx:
        tx.output(out_k, "secret", "K")
        tx.output(out_cert, "public", "certificate")
        write_key(out_k, res.k)
        with tx.open(out_cert) as f:
            f.write(pretty_json(cert).encode())


def _run(d: Path, params: ProtocolParams = P, cfg: SimulationConfig = CFG) -> dict[str, Any]:
    d.mkdir(parents=True, exist_ok=True)
    pc = Precommit(params)
    (d / "commit.json").write_text(pc.to_json())
    simulate_files(params, cfg, d / "t", d / "z")
    res = run_files(params, d / "t", d / "z", show_progress=False)
    cert = build_certificate(pc, res)
    write_run(res, cert, d / "k", d / "cert.json")
    return cert


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("genuine")
    _run(d)
    return d


def _schema_validator(name: str) -> Any:
    """The jsonschema package's validator: an implementation independent of diramp.validate."""
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    schemas = {p.name: json.loads(p.read_text()) for p in (ROOT / "spec" / "schemas").glob("*.json")}
    registry = referencing.Registry().with_resources(
        (s["$id"], referencing.Resource.from_contents(s)) for s in schemas.values())
    cls = jsonschema.validators.validator_for(schemas[name])
    cls.check_schema(schemas[name])
    return cls(schemas[name], registry=registry)


# ---------------------------------------------------------------- DEF-PRECOMMIT

def test_precommit_roundtrip_and_hash_is_deterministic() -> None:
    """DEF-PRECOMMIT: same parameters -> same record and SHA-256; created_at is explicit and hashed."""
    a, b = Precommit(P), Precommit(P)
    assert a.to_json() == b.to_json() and a.sha256 == b.sha256
    assert "created_at" not in a.to_dict()
    c = Precommit(P, created_at="2024-05-01T00:00:00Z")
    assert c.sha256 != a.sha256 and Precommit.from_dict(json.loads(c.to_json())) == c
    assert Precommit.from_dict(json.loads(a.to_json())).params == P
    d = a.to_dict()
    assert d["parameters"]["eps"] == "1e-6" and d["parameters"]["grid"]["delta_s"] == "0.000125"


def test_precommit_schema() -> None:
    """DEF-PRECOMMIT: the record validates against spec/schemas/precommit.schema.json; bad ones do not."""
    v = _schema_validator("precommit.schema.json")
    d = Precommit(P, created_at="x").to_dict()
    v.validate(d)
    bad = copy.deepcopy(d)
    bad["parameters"]["variant"] = "other"
    assert not v.is_valid(bad)
    bad = copy.deepcopy(d)
    bad["parameters"]["mu"] = 0.0
    assert not v.is_valid(bad)


def test_precommit_digest_is_sha256sum_of_the_file(tmp_path: Path) -> None:
    """DEF-PRECOMMIT: the published digest is what sha256sum prints for the record's file."""
    import hashlib

    pc = Precommit(P)
    (tmp_path / "c.json").write_text(pc.to_json())
    assert hashlib.sha256((tmp_path / "c.json").read_bytes()).hexdigest() == pc.sha256
    assert Precommit.load(tmp_path / "c.json") == pc


def test_precommit_rejects_edits(tmp_path: Path) -> None:
    """DEF-PRECOMMIT: unknown fields, non-canonical values and reformatted files are rejected."""
    d = Precommit(P).to_dict()
    e = copy.deepcopy(d)
    e["extra"] = 1
    with pytest.raises(InputError, match="extra: is not an allowed field"):
        Precommit.from_dict(e)
    e = copy.deepcopy(d)
    e["parameters"]["mu"] = "0/1"
    with pytest.raises(InputError, match="canonical"):
        Precommit.from_dict(e)
    e = copy.deepcopy(d)
    e["parameters"]["grid"]["delta_s"] = "0.5"
    with pytest.raises(InputError, match="canonical"):
        Precommit.from_dict(e)
    e = copy.deepcopy(d)
    del e["parameters"]["n"]
    with pytest.raises(InputError, match="missing field 'n'"):
        Precommit.from_dict(e)
    # the same content, reformatted: a different file, so a different digest: refused
    (tmp_path / "c.json").write_text(json.dumps(d))
    with pytest.raises(InputError, match="canonical rendering"):
        Precommit.load(tmp_path / "c.json")


def test_check_matches_names_differing_parameters() -> None:
    """DEF-PRECOMMIT: command-line values must equal the committed ones (exactly: 1e-6 == 0.000001)."""
    pc = Precommit(P)
    pc.check_matches({"eps": F("1e-6"), "n": N, "bins": 100, "s_max": F("0.0125"), "variant": None})
    with pytest.raises(InputError, match=r"eps: given 1e-9, committed 1e-6"):
        pc.check_matches({"eps": F("1e-9")})
    with pytest.raises(InputError, match="n: given 5"):
        pc.check_matches({"n": 5, "variant": "derived"})


def test_exact_string_round_trips() -> None:
    """CONV-ROUNDING: exact strings parse back to the same rational."""
    from diramp.exact import to_fraction

    for x in (F(3, 400), F(1, 3), F(-7, 2**40), F(10**70 + 1, 7), F(0)):
        assert to_fraction(exact_string(x)) == x


# ---------------------------------------------------------------- DEF-CERT

def test_certificate_contents_and_schema(genuine: Path) -> None:
    """DEF-CERT: fields, exact strings, both variants, and validation against certificate.schema.json."""
    cert = json.loads((genuine / "cert.json").read_text())
    _schema_validator("certificate.schema.json").validate(cert)
    st = cert["statistics"]
    assert len(st["counts"]) == 16 and sum(st["counts"].values()) == N == st["n"]
    assert len(st["blocks"]["s_mu"]) == 8 and st["blocks"]["block_trials"] == 2**16
    assert set(cert["theorem6"]["variants"]) == {"derived", "as_printed"}
    assert cert["m"] == cert["theorem6"]["variants"]["derived"]["m"] == cert["output"]["k"]["nbits"] > 0
    assert cert["output"]["k"] == {"nbits": cert["m"]}  # REQ-K-SECRET: no function of K
    assert cert["eps_protocol"] == "0.0001" and cert["meets_claim"] is False  # THM-6-EPS: M * eps, by hand
    assert cert["precommit_sha256"] == Precommit(P).sha256
    assert cert["certificate_sha256"] == certificate_hash(cert)
    assert "timings" not in cert
    assert F(cert["statistics"]["s_mu_obs"]) > 0


def test_certificate_is_byte_identical_for_same_seed(genuine: Path, tmp_path: Path) -> None:
    """DEF-CERT determinism: the same seed and parameters give byte-identical K and certificate."""
    _run(tmp_path / "again")
    assert (tmp_path / "again" / "cert.json").read_bytes() == (genuine / "cert.json").read_bytes()
    assert (tmp_path / "again" / "k").read_bytes() == (genuine / "k").read_bytes()


def test_timings_are_outside_the_hash(genuine: Path) -> None:
    """DEF-CERT: optional timings do not change certificate_sha256 and are not verified."""
    cert = json.loads((genuine / "cert.json").read_text())
    timed = {**cert, "timings": {"protocol": 1.5}}
    assert certificate_hash(timed) == cert["certificate_sha256"]
    _schema_validator("certificate.schema.json").validate(timed)


def test_k_written_owner_only(genuine: Path) -> None:
    """REQ-K-SECRET: K is a packed bit file with mode 0600."""
    assert (genuine / "k").stat().st_mode & 0o777 == 0o600
    assert (genuine / "k").read_bytes()[:8] == b"DIRAMPBF"


def test_write_run_refuses_existing_outputs(genuine: Path) -> None:
    """REQ-K-SECRET, REQ-OUTPUT: existing K or certificate files are not overwritten without force."""
    res = run_files(P, genuine / "t", genuine / "z", extract=True, show_progress=False)
    cert = build_certificate(Precommit(P), res)
    before = (genuine / "k").read_bytes()
    with pytest.raises(InputError, match="exists already"):
        write_run(res, cert, genuine / "k", genuine / "cert2.json")
    assert (genuine / "k").read_bytes() == before and not (genuine / "cert2.json").exists()


def test_k_digest_only_on_request(genuine: Path) -> None:
    """REQ-K-SECRET: the certificate carries the SHA-256 of K only with publish_k_digest; verify checks it then."""
    import hashlib

    res = run_files(P, genuine / "t", genuine / "z", extract=True, show_progress=False)
    plain = build_certificate(Precommit(P), res)
    shown = build_certificate(Precommit(P), res, publish_k_digest=True)
    assert "sha256" not in plain["output"]["k"]
    assert shown["output"]["k"]["sha256"] == hashlib.sha256((genuine / "k").read_bytes()).hexdigest()
    k_hex = np.packbits(res.k).tobytes().hex()
    assert k_hex not in json.dumps(plain) and hashlib.sha256(bytes.fromhex(k_hex)).hexdigest() not in json.dumps(plain)


# ---------------------------------------------------------------- REQ-VERIFY

def test_verify_genuine(genuine: Path) -> None:
    """REQ-VERIFY: a genuine certificate verifies, with and without re-extracting K."""
    rep = verify(genuine / "cert.json", genuine / "t", genuine / "z", genuine / "k")
    assert rep.k_checked and rep.m > 0 and "K" in rep.checked
    assert not verify(genuine / "cert.json", genuine / "t", genuine / "z").k_checked


def test_verify_pins_the_precommitment(genuine: Path, tmp_path: Path) -> None:
    """REQ-VERIFY: --precommit-sha256 pins the commitment: one made after the data (other eps, bins) fails."""
    import hashlib

    digest = hashlib.sha256((genuine / "commit.json").read_bytes()).hexdigest()
    rep = verify(genuine / "cert.json", genuine / "t", genuine / "z", precommit_sha256=digest)
    assert rep.precommit_pinned and rep.precommit_sha256 == digest
    later = ProtocolParams(n=N, mu=F(0), eps=F(1, 10**3), eps_s=F(1, 10**8), eps_ea=F(1, 10**3),
                           grid=Grid(F("0.0125"), 100), block=2**16)
    res = run_files(later, genuine / "t", genuine / "z", extract=True, show_progress=False)
    forged = build_certificate(Precommit(later), res)
    (tmp_path / "c.json").write_text(pretty_json(forged))
    verify(tmp_path / "c.json", genuine / "t", genuine / "z")  # internally consistent ...
    with pytest.raises(CheckFailed, match="not the published"):  # ... but not the published commitment
        verify(tmp_path / "c.json", genuine / "t", genuine / "z", precommit_sha256=digest)
    with pytest.raises(InputError, match="64 lower-case hex"):
        verify(genuine / "cert.json", genuine / "t", genuine / "z", precommit_sha256="abc")


@pytest.mark.parametrize("path,value,rehash", [
    (("statistics", "s_mu_obs"), "1/100", True),
    (("m",), 5, True),
    (("theorem6", "variants", "as_printed", "m"), 1, False),
    (("statistics", "counts", "0000"), 1, True),
    (("eps_protocol",), "1e-30", True),
    (("meets_claim",), True, True),
    (("output", "k", "nbits"), 7, True),
])
def test_verify_names_tampered_field(genuine: Path, tmp_path: Path, path: tuple[str, ...], value: Any,
                                     rehash: bool) -> None:
    """REQ-VERIFY: any tampered field fails, named, even when the certificate hash is recomputed."""
    cert = json.loads((genuine / "cert.json").read_text())
    node = cert
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    if rehash:
        cert["certificate_sha256"] = certificate_hash(cert)
    (tmp_path / "c.json").write_text(pretty_json(cert))
    with pytest.raises(CheckFailed, match=".".join(path).replace("[", r"\[")) as info:
        verify(tmp_path / "c.json", genuine / "t", genuine / "z")
    assert ("certificate_sha256" in str(info.value)) == (not rehash)


def test_verify_fails_on_tampered_precommit(genuine: Path, tmp_path: Path) -> None:
    """REQ-VERIFY, DEF-PRECOMMIT: an edited embedded pre-commitment is named."""
    cert = json.loads((genuine / "cert.json").read_text())
    cert["precommit"]["parameters"]["eps_s"] = "1e-9"
    (tmp_path / "c.json").write_text(pretty_json(cert))
    with pytest.raises(CheckFailed, match="precommit_sha256"):
        verify(tmp_path / "c.json", genuine / "t", genuine / "z")


def test_verify_fails_on_tampered_trial_file(genuine: Path, tmp_path: Path) -> None:
    """REQ-VERIFY: a consistently rewritten trial file (one outcome flipped, valid hashes) is named."""
    tr = read_trials(genuine / "t")
    a = tr.a.copy()
    a[12345] ^= 1
    write_trials(tmp_path / "t", tr.x, tr.y, a, tr.b)
    with pytest.raises(CheckFailed, match=r"inputs\.trials\.file_sha256"):
        verify(genuine / "cert.json", tmp_path / "t", genuine / "z")


def test_verify_fails_on_wrong_z_and_wrong_k(genuine: Path, tmp_path: Path) -> None:
    """REQ-VERIFY: a different Z, and a K that is not Ext(AB, Z), fail with the file named."""
    rng = np.random.default_rng(0)
    write_bits(tmp_path / "z", rng.integers(0, 2, 2 * N, dtype=np.uint8))
    with pytest.raises(CheckFailed, match=r"inputs\.z\.file_sha256"):
        verify(genuine / "cert.json", genuine / "t", tmp_path / "z")
    cert = json.loads((genuine / "cert.json").read_text())
    k = rng.integers(0, 2, cert["m"], dtype=np.uint8)
    write_bits(tmp_path / "k", k)
    with pytest.raises(CheckFailed, match="wrong or modified K"):
        verify(genuine / "cert.json", genuine / "t", genuine / "z", tmp_path / "k")


def test_verify_bad_input(genuine: Path, tmp_path: Path) -> None:
    """REQ-VERIFY: a missing or malformed certificate is an input error (exit 2)."""
    (tmp_path / "c.json").write_text("{not json")
    with pytest.raises(InputError):
        verify(tmp_path / "c.json", genuine / "t", genuine / "z")
    with pytest.raises(InputError):
        verify(tmp_path / "none.json", genuine / "t", genuine / "z")
    (tmp_path / "d.json").write_text(json.dumps({"kind": "other"}))
    with pytest.raises(InputError, match="does not match its schema"):
        verify(tmp_path / "d.json", genuine / "t", genuine / "z")
    assert os.path.exists(genuine / "cert.json")


@pytest.mark.parametrize("version,ok", [("2.0", True), ("2.1", True), ("2.9", False), ("3.0", False),
                                        ("1.0", False), ("2", False), ("2.x", False)])
def test_verify_accepts_older_minor_spec_versions(genuine: Path, tmp_path: Path, version: str, ok: bool) -> None:
    """DEF-CERT: a record of the same major spec version and an older minor one is verified; others are named."""
    cert = json.loads((genuine / "cert.json").read_text())
    cert["spec_version"] = version
    cert["certificate_sha256"] = certificate_hash(cert)
    (tmp_path / "c.json").write_text(pretty_json(cert))
    if ok:
        verify(tmp_path / "c.json", genuine / "t", genuine / "z")
    else:
        with pytest.raises(CheckFailed, match="spec_version"):
            verify(tmp_path / "c.json", genuine / "t", genuine / "z")


def test_verify_accepts_a_certificate_of_another_release(genuine: Path, tmp_path: Path) -> None:
    """DEF-CERT: the software field records the writer's release; a newer release still verifies the record."""
    cert = json.loads((genuine / "cert.json").read_text())
    cert["software"]["version"] = "0.2.0rc1"
    cert["certificate_sha256"] = certificate_hash(cert)
    (tmp_path / "c.json").write_text(pretty_json(cert))
    verify(tmp_path / "c.json", genuine / "t", genuine / "z")
    cert["statistics"]["s_mu_obs"] = "1/100"  # ... while a re-derived field still fails, named
    cert["certificate_sha256"] = certificate_hash(cert)
    (tmp_path / "c.json").write_text(pretty_json(cert))
    with pytest.raises(CheckFailed, match=r"statistics\.s_mu_obs"):
        verify(tmp_path / "c.json", genuine / "t", genuine / "z")
