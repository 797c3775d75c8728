"""REQ-INPUT: the one input opener and JSON reader; diramp.validate checked against the jsonschema package."""

from __future__ import annotations

import copy
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diramp.errors import InputError
from diramp.inputs import open_input, parse_json, read_json
from diramp.validate import SchemaError, Validator, load_schema

ROOT = Path(__file__).resolve().parent.parent


def _bad_paths(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    f = tmp_path / "file"
    f.write_text("{}")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    return {
        "missing": (tmp_path / "nope", "does not exist"),
        "directory": (tmp_path, "is a directory"),
        "fifo": (fifo, "FIFO"),
        "device": (Path("/dev/zero"), "a device"),
        "enotdir": (f / "x", "not a directory"),
        "loop": (tmp_path / "loop", "symbolic links"),
        "dangling": (tmp_path / "dangling", "does not exist"),
        "long": (tmp_path / ("n" * 5000), "too long"),
    }


def test_open_input_refuses_every_non_file(tmp_path: Path) -> None:
    """REQ-INPUT (red team F6, F7): FIFO, /dev/zero, directory, ENOTDIR, ELOOP, ENAMETOOLONG: one error, no hang."""
    for name, (path, needle) in _bad_paths(tmp_path).items():
        done = threading.Event()

        def target(p: Path = path, n: str = needle, ev: threading.Event = done) -> None:
            with pytest.raises(InputError, match=n):
                open_input(p)
            ev.set()

        t = threading.Thread(target=target, daemon=True)
        t.start()
        t.join(10)
        assert done.is_set(), f"{name}: hung or raised the wrong error"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path) -> None:
    p = tmp_path / "secret"
    p.write_text("{}")
    p.chmod(0)
    with pytest.raises(InputError, match="permission denied"):
        open_input(p)


@pytest.mark.parametrize(("text", "needle"), [
    ("[" * 100_000, "nested too deeply"),
    ("1" * 5000, "invalid JSON value"),
    ('{"a": NaN}', "invalid JSON value"),
    ('{"a": Infinity}', "invalid JSON value"),
    ("{not json", "not valid JSON"),
    (b"\xff\xfe{}", "not UTF-8"),
])
def test_parse_json_is_bounded(text: str | bytes, needle: str) -> None:
    """REQ-INPUT (red team F8): deep nesting, 5000-digit integers, NaN, bad syntax, non-UTF-8: InputError."""
    with pytest.raises(InputError, match=needle):
        parse_json(text, "doc")


def test_read_json_caps_size(tmp_path: Path) -> None:
    p = tmp_path / "big.json"
    p.write_text(" " * 2000 + "{}")
    with pytest.raises(InputError, match="too large"):
        read_json(p, "record", max_bytes=1000)
    assert read_json(p, "record", max_bytes=5000) == {}


# ---------------------------------------------------------------- the validator against jsonschema

def _jsonschema_validator(schema: dict[str, Any]) -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    schemas = {p.name: json.loads(p.read_text()) for p in (ROOT / "spec" / "schemas").glob("*.json")}
    registry = referencing.Registry().with_resources(
        (s["$id"], referencing.Resource.from_contents(s)) for s in schemas.values())
    return jsonschema.validators.validator_for(schema)(schema, registry=registry)


def _documents() -> dict[str, Any]:
    from fractions import Fraction as F

    from diramp.certificate import Precommit, build_certificate
    from diramp.length import Grid
    from diramp.protocol import ProtocolParams, SimulationConfig, simulate_and_run

    p = ProtocolParams(n=2**18, mu=F(0), eps=F(1, 10**6), eps_s=F(1, 10**8), eps_ea=F(1, 10**6),
                       grid=Grid(F("0.0125"), 100), block=2**16)
    res = simulate_and_run(p, SimulationConfig(seed=2, chsh=F("2.8")))
    inputs = {"trials": {"n": p.n, "file_sha256": "0" * 64, "digest": "1" * 64},
              "z": {"nbits": 2 * p.n, "used_bits": 2 * p.n, "file_sha256": "2" * 64, "digest": "3" * 64}}
    res = type(res)(res.analysis, res.k, res.k_payload_sha256, res.k_file_sha256, inputs)
    return {"precommit.schema.json": Precommit(p).to_dict(),
            "certificate.schema.json": build_certificate(Precommit(p), res),
            "counts.schema.json": res.analysis.counts.to_mapping()}


DOCS = _documents()


def _mutations(doc: Any) -> list[Any]:
    """Structural mutations of every field: wrong types, removed keys, extra keys, bad strings."""
    out: list[Any] = []

    def walk(node: Any, path: list[Any]) -> None:
        if isinstance(node, dict):
            for k in list(node):
                for repl in (None, 1, -1, "x", [], {}, True, 1.5, "1/0", "-1e5"):
                    d = copy.deepcopy(doc)
                    _set(d, [*path, k], repl)
                    out.append(d)
                d = copy.deepcopy(doc)
                _del(d, [*path, k])
                out.append(d)
                walk(node[k], [*path, k])
            d = copy.deepcopy(doc)
            _set(d, [*path, "unexpected"], 1)
            out.append(d)
        elif isinstance(node, list) and node:
            d = copy.deepcopy(doc)
            _set(d, [*path, 0], {"x": 1})
            out.append(d)

    walk(doc, [])
    return out


def _set(d: Any, path: list[Any], v: Any) -> None:
    for k in path[:-1]:
        d = d[k]
    d[path[-1]] = v


def _del(d: Any, path: list[Any]) -> None:
    for k in path[:-1]:
        d = d[k]
    del d[path[-1]]


@pytest.mark.parametrize("name", sorted(DOCS))
def test_validator_agrees_with_jsonschema(name: str) -> None:
    """REQ-INPUT: diramp.validate and the jsonschema package agree on a genuine document and every mutation."""
    schema = load_schema(name)
    ours, theirs = Validator(schema), _jsonschema_validator(schema)
    docs = [DOCS[name], *_mutations(DOCS[name])]
    assert len(docs) > 20
    disagree = []
    for d in docs:
        try:
            ours.validate(d)
            mine = True
        except SchemaError:
            mine = False
        if mine != theirs.is_valid(d):
            disagree.append(json.dumps(d)[:200])
    assert not disagree, disagree[:3]
    assert ours.is_valid(DOCS[name], schema, schema)


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                    max_leaves=12))
def test_validator_agrees_on_random_documents(doc: Any) -> None:
    """REQ-INPUT: random JSON against the counts schema: same verdict as jsonschema."""
    schema = load_schema("counts.schema.json")
    try:
        Validator(schema).validate(doc)
        mine = True
    except SchemaError:
        mine = False
    assert mine == _jsonschema_validator(schema).is_valid(doc)


def test_planted_validator_error_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cross-check can fail: a validator that ignores 'required' disagrees with jsonschema."""
    monkeypatch.setattr(Validator, "_k_required", lambda self, *a: None)
    schema = load_schema("precommit.schema.json")
    d = copy.deepcopy(DOCS["precommit.schema.json"])
    del d["parameters"]
    ours = Validator(schema)
    ours.validate(d)  # the planted bug accepts it ...
    assert not _jsonschema_validator(schema).is_valid(d)  # ... the independent validator does not


def test_unknown_schema_keyword_fails_closed() -> None:
    """REQ-INPUT: a schema keyword the validator does not know is an error, not a silent pass."""
    with pytest.raises(SchemaError, match="not supported"):
        Validator({"type": "object", "dependentSchemas": {}}).validate({})
