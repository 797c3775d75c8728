"""Test vectors (DEF-VECTORS, DEF-VECTOR-GEN, REQ-VECTOR-INDEPENDENT): schema, reproducibility, verify.

Generating all files takes ~10 s, so it runs once per session (module fixture).
"""

from __future__ import annotations

import hashlib
import json
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from diramp.cli import main
from diramp.vectors import independent as ind
from diramp.vectors.common import SCHEMA_FILE, hex_to_bits, shake_bits, shake_hex
from diramp.vectors.generate import COMPONENTS, generate
from diramp.vectors.verify import verify_dir

ROOT = Path(__file__).resolve().parent.parent
VEC = ROOT / "spec" / "vectors"
jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("vectors")
    generate(out)
    return out


def _load(name: str) -> dict:
    return json.loads((VEC / f"{name}.json").read_text())


def test_every_file_validates_against_the_schema_def_vectors() -> None:
    """DEF-VECTORS: each committed file matches vectors-v1; tcIds are 1..numberOfTests; every flag has a note."""
    schema = json.loads((VEC / SCHEMA_FILE).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for name in COMPONENTS:
        data = _load(name)
        jsonschema.validate(data, schema)
        ids = [t["tcId"] for g in data["testGroups"] for t in g["tests"]]
        assert ids == list(range(1, data["numberOfTests"] + 1)), name
        flags = {f for g in data["testGroups"] for t in g["tests"] for f in t["flags"]}
        assert flags <= set(data["notes"]), name
        results = {t["result"] for g in data["testGroups"] for t in g["tests"]}
        assert "valid" in results and "invalid" in results, name


def test_schema_rejects_malformed_files() -> None:
    """DEF-VECTORS: the schema has teeth (bad result, missing tcId, uppercase hex, invalid without an error)."""
    schema = json.loads((VEC / SCHEMA_FILE).read_text())
    good = _load("extractor")
    for mutate in (
        lambda d: d["testGroups"][0]["tests"][0].__setitem__("result", "ok"),
        lambda d: d["testGroups"][0]["tests"][0].pop("tcId"),
        lambda d: d["testGroups"][0]["tests"][0]["input"]["x"].__setitem__("hex", "B4"),
        lambda d: d["testGroups"][0]["tests"][-1].__setitem__("expected", {"out": {"hex": "", "bitLength": 0}}),
        lambda d: d.pop("notes"),
    ):
        bad = json.loads(json.dumps(good))
        mutate(bad)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_regenerating_reproduces_the_files_byte_for_byte(regenerated: Path) -> None:
    """DEF-VECTORS: `diramp vectors generate` is deterministic; the committed files are current (CI check)."""
    for name in [*COMPONENTS, SCHEMA_FILE.removesuffix(".json")]:
        fname = name + ".json"
        assert (regenerated / fname).read_bytes() == (VEC / fname).read_bytes(), (
            f"{fname} is stale: run `diramp vectors generate`")


def test_component_sizes() -> None:
    counts = {n: _load(n)["numberOfTests"] for n in COMPONENTS}
    assert counts["extractor"] >= 40 and counts["output_length"] >= 30 and counts["end_to_end"] >= 3
    assert sum((VEC / f"{n}.json").stat().st_size for n in COMPONENTS) < 1_000_000


def test_shake_generator_def_vector_gen() -> None:
    """DEF-VECTOR-GEN: first N bits of SHAKE-256(seed), MSB-first, padding zeroed; the spec example."""
    full = hashlib.shake_256(b"diramp/vectors/v1/example").digest(2)
    assert shake_hex("diramp/vectors/v1/example", 16) == full.hex()
    assert shake_hex("diramp/vectors/v1/example", 12) == "f110"
    assert "`f110`" in (VEC / "README.md").read_text()
    bits = shake_bits("s", 13)
    assert bits.tolist() == np.unpackbits(np.frombuffer(hashlib.shake_256(b"s").digest(2), np.uint8))[:13].tolist()
    with pytest.raises(ValueError, match="padding"):
        hex_to_bits("a9b1", 12)


def test_independent_references_req_vector_independent() -> None:
    """REQ-VECTOR-INDEPENDENT: the generator's methods agree with the definitions on hand-checked cases."""
    assert ind.s_mu_formula({"0000": 3, "0101": 1}, Fraction(0)) == Fraction(1, 8)
    assert ind.chsh_formula({"0000": 1, "0001": 1, "0010": 1, "0111": 1}) == 4
    assert ind.chsh_formula({"0000": 1}) is None
    lo, hi = ind.seed_entropy_bounds(10, Fraction(0))
    assert lo == hi == 10
    lo, hi = ind.seed_entropy_bounds(1, Fraction(1, 4))  # log2(4/3)
    assert abs(lo - Fraction("0.415037499278843818546261056052")) < Fraction(1, 10**29)
    assert hi - lo < Fraction(1, 10**80)
    x, y = [1, 0, 1, 1, 0, 1, 0, 0], [1, 1, 0, 1, 0, 0, 1, 0]
    out, how = ind.extract_reference(np.array(x, np.uint8), np.array(y, np.uint8), 3)
    assert out.tolist() == [0, 1, 1] and how == "galois"
    # No expected value in extractor.json came from the FFT path: each names galois or loop.
    refs = {t.get("reference") for g in _load("extractor")["testGroups"] for t in g["tests"] if t["result"] == "valid"}
    assert refs == {"galois", "loop"}


def test_verify_passes_for_diramp() -> None:
    """DEF-VECTORS: diramp's fast paths (FFT extractor, bell, length, protocol) pass every vector."""
    reports = verify_dir(VEC)
    for r in reports:
        assert r.failed == 0 and r.skipped == 0, (r.component, r.failures[:2])
    assert sum(r.passed for r in reports) == sum(_load(n)["numberOfTests"] for n in COMPONENTS)


def test_planted_extractor_bit_error_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-bit error in the fast extractor (last output bit flipped) fails extractor and end_to_end vectors."""
    import diramp.extractor as ext

    real = ext.extract

    def wrong(x, y, m, **kw):  # type: ignore[no-untyped-def]
        out = real(x, y, m, **kw).copy()
        out[-1] ^= 1
        return out

    monkeypatch.setattr(ext, "extract", wrong)
    reports = {r.component: r for r in verify_dir(VEC, components=["extractor", "end_to_end"])}
    # every valid test fails, and then (REQ-VECTOR-FAIL-CLOSED) no error counts as a correct rejection either
    assert reports["extractor"].failed == _load("extractor")["numberOfTests"]
    assert reports["end_to_end"].failed == 2  # the two runs that produce K
    assert all("outSha256" in f.reason or "out" in f.reason for f in reports["extractor"].failures
               if f.result == "valid")
    assert all("cannot count as a correct rejection" in f.reason for f in reports["extractor"].failures
               if f.result != "valid")


def test_planted_count_error_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """One count off by one (N(0000) + 1 before S_mu) fails every valid S_mu,obs vector."""
    from diramp import bell

    real = bell.s_mu

    def wrong(counts, mu):  # type: ignore[no-untyped-def]
        vals = list(counts.values)
        vals[0] += 1
        return real(bell.Counts(tuple(vals)), mu)

    monkeypatch.setattr(bell, "s_mu", wrong)
    rep = verify_dir(VEC, components=["mdl_statistics"])[0]
    s_valid = [t for t in _load("mdl_statistics")["testGroups"][0]["tests"] if t["result"] == "valid"]
    assert {t["tcId"] for t in s_valid} <= {f.tcId for f in rep.failures}


def test_planted_eta_error_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """THM-1: an eta off by 1e-20 fails the eta vectors (tolerance 1e-25); ReconstructedEta makes them acceptable."""
    from dataclasses import replace

    from diramp import entropy

    real = entropy.eta

    def wrong(*args):  # type: ignore[no-untyped-def]
        r = real(*args)
        return replace(r, lo=r.lo - Fraction(1, 10**20), hi=r.hi - Fraction(1, 10**20))

    monkeypatch.setattr(entropy, "eta", wrong)
    rep = verify_dir(VEC, components=["eta"])[0]
    assert rep.failed == _load("eta")["numberOfTests"]  # 8 valid wrong, so the 3 rejections count for nothing
    rep = verify_dir(VEC, components=["eta"], acceptable_flags=["ReconstructedEta"])[0]
    assert rep.failed == 0 and rep.acceptable == 8


def test_external_protocol_wrapping_diramp_passes(capsys: pytest.CaptureFixture[str]) -> None:
    """The JSON-lines protocol (docs/vectors.md) with a tiny external wrapper of diramp: all pass, exit 0."""
    impl = f"{sys.executable} {ROOT / 'tests' / 'vector_impl_diramp.py'}"
    code = main(["vectors", "verify", "--dir", str(VEC), "--impl", impl, "--json",
                 "--component", "sv_bounds", "--component", "mdl_statistics", "--component", "extractor",
                 "--component", "end_to_end"])
    rep = json.loads(capsys.readouterr().out)
    assert code == 0 and rep["ok"], rep
    assert all(c["failed"] == 0 and c["passed"] > 0 for c in rep["components"])


def test_external_protocol_wrong_implementation_fails(capsys: pytest.CaptureFixture[str]) -> None:
    """A deliberately wrong implementation is reported: failing tcIds with expected vs got, skips, exit 1."""
    impl = f"{sys.executable} {ROOT / 'tests' / 'vector_impl_wrong.py'}"
    code = main(["vectors", "verify", "--dir", str(VEC), "--impl", impl, "--json",
                 "--component", "sv_bounds", "--component", "mdl_statistics", "--component", "eta",
                 "--component", "extractor"])
    rep = {c["component"]: c for c in json.loads(capsys.readouterr().out)["components"]}
    assert code == 1
    assert rep["eta"]["skipped"] == rep["eta"]["passed"] + rep["eta"]["skipped"] > 0
    # invalid mu accepted -> those tests fail; valid ones with a different mu fail too
    assert rep["sv_bounds"]["failed"] == _load("sv_bounds")["numberOfTests"] - 1  # the valid mu = 0.01 test passes
    assert rep["mdl_statistics"]["failed"] > 0
    f = rep["extractor"]["failures"][0]
    assert {"tcId", "expected", "got", "reason"} <= set(f) and f["expected"] != f["got"]
    assert rep["extractor"]["failed"] == _load("extractor")["numberOfTests"]


def test_cli_exit_codes_and_text_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 0 all pass, 2 bad input (missing dir, broken file, impl that cannot start)."""
    assert main(["vectors", "verify", "--component", "sv_bounds", "--dir", str(VEC)]) == 0
    out = capsys.readouterr().out
    assert "sv_bounds" in out and "OK" in out
    assert main(["vectors", "verify", "--dir", str(tmp_path / "nope")]) == 2
    (tmp_path / "schema").mkdir()
    (tmp_path / SCHEMA_FILE).write_bytes((VEC / SCHEMA_FILE).read_bytes())
    (tmp_path / "eta.json").write_text("{not json")
    assert main(["vectors", "verify", "--dir", str(tmp_path), "--component", "eta"]) == 2
    (tmp_path / "eta.json").write_text(json.dumps({"algorithm": "ETA-RECONSTRUCTED"}))
    assert main(["vectors", "verify", "--dir", str(tmp_path), "--component", "eta"]) == 2
    assert main(["vectors", "verify", "--dir", str(VEC), "--component", "eta",
                 "--impl", str(tmp_path / "no-such-command")]) == 2


def test_generate_cli_writes_atomically(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["vectors", "generate", "--out", str(tmp_path), "--component", "sv_bounds"]) == 0
    assert (tmp_path / "sv_bounds.json").read_bytes() == (VEC / "sv_bounds.json").read_bytes()
    assert not list(tmp_path.glob(".*.tmp"))
