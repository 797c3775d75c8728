"""REQ-INPUT, REQ-BAD-INPUT: short fuzz runs of every reader; only diramp's own error types may escape."""

from __future__ import annotations

import json
import os
import tempfile
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diramp.certificate import Precommit, load_certificate, pretty_json, verify
from diramp.errors import DirampError
from diramp.extractor import PackedBitReader, write_bits
from diramp.length import Grid
from diramp.protocol import ProtocolParams
from diramp.trials import count_total, read_header, write_trials

#: Examples per target: short in the suite; tests/replay_redteam.py sets DIRAMP_FUZZ_EXAMPLES for a longer run.
FUZZ = settings(max_examples=int(os.environ.get("DIRAMP_FUZZ_EXAMPLES", "150")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
_DIR = Path(tempfile.mkdtemp(prefix="diramp-fuzz-"))
P = ProtocolParams(n=64, mu=F(0), eps=F(1, 10**6), eps_s=F(1, 10**8), eps_ea=F(1, 10**6), grid=Grid(F("0.0125"), 10),
                   block=64)


def _trial_bytes() -> bytes:
    rng = np.random.default_rng(1)
    write_trials(_DIR / "t", *(rng.integers(0, 2, 37, dtype=np.uint8) for _ in range(4)))
    return (_DIR / "t").read_bytes()


def _packed_bytes() -> bytes:
    write_bits(_DIR / "p", np.random.default_rng(2).integers(0, 2, 101, dtype=np.uint8))
    return (_DIR / "p").read_bytes()


TRIAL = _trial_bytes()
PACKED = _packed_bytes()
PRECOMMIT = Precommit(P).to_json().encode()


def _mutate(base: bytes) -> st.SearchStrategy[bytes]:
    def apply(edits: list[tuple[int, int]], cut: int | None, tail: bytes) -> bytes:
        b = bytearray(base)
        for pos, val in edits:
            b[pos % len(b)] = val
        if cut is not None:
            b = b[: cut % (len(b) + 1)]
        return bytes(b) + tail

    return st.builds(apply, st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=4),
                     st.none() | st.integers(0, 10**6), st.binary(max_size=8))


def _write(name: str, data: bytes) -> Path:
    p = _DIR / name
    p.write_bytes(data)
    return p


@FUZZ
@given(_mutate(TRIAL))
def test_fuzz_trial_reader(data: bytes) -> None:
    """DEF-TRIAL-FILE: header edits (n included), truncations and flips: an InputError or a verified count."""
    p = _write("ft", data)
    try:
        h = read_header(p)
        c = count_total(p)
    except DirampError:
        return
    assert data == TRIAL or c.n == h.n  # a file that reads must be self-consistent
    assert h.n == 37  # no edit of n survives the header digest


@FUZZ
@given(_mutate(PACKED))
def test_fuzz_packed_reader(data: bytes) -> None:
    """DEF-PACKED-FILE: reserved bytes, the bit length and the payload are covered: error or the original bits."""
    p = _write("fp", data)
    try:
        with PackedBitReader(p) as r:
            r.verify()
            bits = r.read_bits(0, r.nbits)
    except DirampError:
        return
    assert r.nbits == 101 and bits.size == 101


def _json_values() -> st.SearchStrategy[Any]:
    leaves = (st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats(allow_nan=False)
              | st.sampled_from(["1e-99999999", "0.0075", "1/0", "nan", "-1", "x" * 300, "3/400"]))
    return st.recursive(leaves, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c,
                                                                                     max_size=4), max_leaves=20)


@FUZZ
@given(st.data())
def test_fuzz_precommit_reader(data: st.DataObject) -> None:
    """DEF-PRECOMMIT: structured mutations of a genuine record; text mutations of its file."""
    d = json.loads(PRECOMMIT)
    node = d["parameters"]
    key = data.draw(st.sampled_from(sorted(node)))
    node[key] = data.draw(_json_values())
    p = _write("fc.json", pretty_json(d).encode())
    try:
        Precommit.load(p)
    except DirampError:
        pass
    raw = data.draw(_mutate(PRECOMMIT))
    try:
        Precommit.load(_write("fc2.json", raw))
    except DirampError:
        pass


@FUZZ
@given(_json_values())
def test_fuzz_certificate_reader(value: Any) -> None:
    """DEF-CERT: any JSON value as a certificate (or a field of one): rejected by the schema, never a crash."""
    try:
        load_certificate(_write("fcert.json", json.dumps(value).encode()))
    except DirampError:
        pass
    cert = {"kind": "diramp-certificate", "format_version": 2, "inputs": value, "output": value, "precommit": value}
    try:
        verify(cert, _DIR / "t", _DIR / "p")
    except DirampError:
        pass


@FUZZ
@given(_json_values())
def test_fuzz_counts_reader(value: Any) -> None:
    """DEF-MDL counts files (audit --counts): anything but {abxy: count >= 0} is an InputError."""
    from diramp.cli.audit import _load_counts

    try:
        c = _load_counts(_write("counts.json", json.dumps(value).encode()))
    except DirampError:
        return
    assert isinstance(value, dict) and c.n == sum(value.values())


@FUZZ
@given(st.binary(max_size=64))
def test_fuzz_json_bytes(raw: bytes) -> None:
    """REQ-INPUT: arbitrary bytes to every JSON-reading entry point."""
    from diramp.cli.audit import _load_counts

    p = _write("raw.json", raw)
    for reader in (Precommit.load, load_certificate, _load_counts):
        try:
            reader(p)
        except DirampError:
            pass
