"""DEF-VECTORS: check an implementation against the vector files of spec/vectors/.

Two kinds of implementation, one comparison:

* diramp itself, in process (:func:`diramp.vectors.adapter.respond`, the fast paths);
* an external command speaking the line protocol of docs/vectors.md: one JSON
  request ``{"component", "tcId", "input"}`` per line on its stdin, one JSON
  response ``{"tcId", "output"}`` or ``{"tcId", "error"}`` (or ``{"tcId", "skip"}``)
  per line on its stdout.

Requests carry the group ``parameters`` merged with the test ``input``;
DEF-VECTOR-GEN generators are expanded to hex before sending, so an external
implementation needs no SHAKE-256.  Verdicts (Wycheproof semantics):

* ``valid``: an output that matches is required;
* ``invalid``: an error is required (for end_to_end, an output with
  ``abort: true`` whose other fields match also passes);
* ``acceptable``: an error or a matching output passes;
* tests carrying a flag named by ``acceptable_flags`` (e.g. ReconstructedEta)
  count as *acceptable* when they do not match.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shlex
import signal
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from diramp.errors import InputError
from diramp.vectors.common import SCHEMA_FILE, hex_to_bits, parse_rat, sha256_bits, shake_hex

#: Component names = file stems, in report order.
COMPONENTS = ("sv_bounds", "mdl_statistics", "eta", "output_length", "extractor", "end_to_end", "circulant")
#: Default relative tolerance of directed decimal renderings when the group states none.
DEFAULT_TOL = {"mPrime": Fraction(1, 10**20), "epsAchieved": Fraction(1, 10**12), "epsTotal": Fraction(1, 10**12),
               "seedMinEntropy": Fraction(1, 10**26)}
#: Fields that are informative only (never compared).
INFORMATIVE = {"abortReason"}

Responder = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class Failure:
    """One failing test: what was expected and what the implementation gave."""

    tcId: int
    comment: str
    result: str
    reason: str
    expected: Any
    got: Any


@dataclass
class ComponentReport:
    """Per component: counts of verdicts and the failures."""

    component: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    acceptable: int = 0
    valid_passed: int = 0  #: valid tests answered correctly (REQ-VECTOR-FAIL-CLOSED)
    failures: list[Failure] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"component": self.component, "passed": self.passed, "failed": self.failed,
                "skipped": self.skipped, "acceptable": self.acceptable, "valid_passed": self.valid_passed,
                "failures": [f.__dict__ for f in self.failures]}


def overall_ok(reports: Iterable[ComponentReport]) -> tuple[bool, str]:
    """REQ-VECTOR-FAIL-CLOSED: OK only if no test failed and at least one valid test was answered correctly."""
    reps = list(reports)
    failed = sum(r.failed for r in reps)
    if failed:
        return False, f"{failed} tests failed"
    if not any(r.valid_passed for r in reps):
        return False, "no valid test was answered correctly (everything skipped or rejected): nothing was verified"
    return True, f"{sum(r.valid_passed for r in reps)} valid tests answered correctly, none failed"


# ---------------------------------------------------------------- loading

#: Largest vector file read (bytes).
MAX_VECTOR_FILE_BYTES = 64 << 20


def load_file(path: Path, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """Read one vector file through the one JSON reader and check it against the schema (InputError on a problem)."""
    from diramp.inputs import read_json
    from diramp.validate import SchemaError, Validator

    data = read_json(path, "vector file", MAX_VECTOR_FILE_BYTES)
    if schema is not None:
        try:
            Validator(schema, loader=_no_external).validate(data)
        except SchemaError as exc:
            raise InputError(str(path), "does not match the vector schema", str(exc)[:200],
                             "regenerate it with diramp vectors generate") from None
    return data  # type: ignore[no-any-return]


def _no_external(name: str) -> dict[str, Any]:
    raise InputError("vector schema", "refers to another file", name, "the vector schema is self-contained")


def load_schema(directory: Path) -> dict[str, Any]:
    """The DEF-VECTORS schema file of ``directory``; it must equal the schema this version of diramp knows.

    Validation always runs (diramp's own validator, :mod:`diramp.validate`): a
    checker that skipped it when an optional package is missing would fail open.
    """
    from diramp.inputs import read_json
    from diramp.vectors.schema import SCHEMA

    path = directory / SCHEMA_FILE
    schema = read_json(path, "vector schema", 4 << 20)
    if schema != SCHEMA:
        raise InputError(str(path), "differs from the schema of this diramp version", "", "regenerate the files")
    return schema  # type: ignore[no-any-return]


def _expand(value: Any) -> Any:
    """DEF-VECTOR-GEN: replace {generator: SHAKE-256, seed, bitLength} by {hex, bitLength}."""
    if isinstance(value, dict):
        if value.get("generator") == "SHAKE-256":
            if not isinstance(value.get("seed"), str):
                raise InputError("generator", "needs a string seed", f"got {value.get('seed')!r}")
            return {"hex": shake_hex(value["seed"], value["bitLength"]), "bitLength": value["bitLength"]}
        return {k: _expand(v) for k, v in value.items()}
    return value


def requests(component: str, data: dict[str, Any]) -> Iterable[tuple[dict[str, Any], dict[str, Any]]]:
    """(group, test) -> the request to send, for every test of a file."""
    for group in data["testGroups"]:
        for test in group["tests"]:
            inp = {**group.get("parameters", {}), **_expand(test["input"])}
            yield group, {"component": component, "tcId": test["tcId"], "input": inp, "_test": test}


# ---------------------------------------------------------------- comparison


def _num(v: Any) -> Fraction:
    if isinstance(v, dict) and "rational" in v:
        return parse_rat(v["rational"])
    return parse_rat(v)


def _close(exp: Fraction, got: Fraction, tol: Fraction) -> bool:
    return abs(exp - got) <= tol * max(Fraction(1), abs(exp))


def _tol(group: dict[str, Any], key: str) -> Fraction:
    t = group.get("tolerance", {}).get(key)
    return parse_rat(t) if t is not None else DEFAULT_TOL.get(key, Fraction(0))


def compare(expected: dict[str, Any], got: Any, group: dict[str, Any]) -> str | None:
    """None if ``got`` matches ``expected``; else the first mismatch, named."""
    if not isinstance(got, dict):
        return "output is not an object"
    for key, exp in expected.items():
        if key in INFORMATIVE:
            continue
        if key == "outSha256":
            out = got.get("out")
            g = got.get("outSha256")
            if g is None and isinstance(out, dict):
                try:
                    g = sha256_bits(hex_to_bits(out["hex"], out["bitLength"]))
                except (InputError, KeyError, TypeError):
                    return "out: not {hex, bitLength}"
            if g != exp:
                return f"outSha256: expected {exp}, got {g}"
            continue
        if key == "outBitLength":
            out = got.get("out")
            g = out.get("bitLength") if isinstance(out, dict) else got.get(key)
            if g != exp:
                return f"out.bitLength: expected {exp}, got {g}"
            continue
        if key not in got:
            return f"{key}: missing"
        g = got[key]
        try:
            if isinstance(exp, dict) and "rational" in exp:
                if _num(exp) != _num(g):
                    return f"{key}: expected {exp['rational']}, got {g}"
            elif isinstance(exp, dict) and set(exp) == {"lo", "hi"}:
                if not (isinstance(g, dict) and {"lo", "hi"} <= set(g)):
                    return f"{key}: expected an interval {{lo, hi}}, got {g}"
                tol = _tol(group, key)
                if not (_close(_num(exp["lo"]), _num(g["lo"]), tol) and _close(_num(exp["hi"]), _num(g["hi"]), tol)):
                    return f"{key}: expected [{exp['lo']}, {exp['hi']}], got [{g['lo']}, {g['hi']}] (tol {tol})"
            elif isinstance(exp, str) and key in DEFAULT_TOL:
                if g is None or not _close(_num(exp), _num(g), _tol(group, key)):
                    return f"{key}: expected {exp}, got {g}"
            elif exp != g or type(exp) is not type(g):
                return f"{key}: expected {exp!r}, got {g!r}"
        except InputError as exc:
            return f"{key}: unreadable value ({exc})"
    return None


def verdict(test: dict[str, Any], group: dict[str, Any], response: dict[str, Any],
            acceptable_flags: Iterable[str] = ()) -> tuple[str, str]:
    """("pass" | "fail" | "skip" | "acceptable", reason) for one response."""
    if "dead" in response:
        return "fail", f"no answer: the implementation {response['dead']}"
    if "skip" in response:
        return "skip", str(response["skip"])
    result, expected = test["result"], test["expected"]
    if "error" in response:
        ok = result in ("invalid", "acceptable")
        reason = f"error: {response['error']}"
    elif "output" in response:
        out = response["output"]
        if result == "invalid":
            if isinstance(out, dict) and out.get("abort") is True:
                mism = compare({k: v for k, v in expected.items() if k in out}, out, group)
                ok, reason = mism is None, mism or ""
            else:
                ok, reason = False, "expected an error (invalid input), got an output"
        else:
            mism = compare(expected, out, group)
            ok, reason = mism is None, mism or ""
    else:
        ok, reason = False, "response has neither output nor error"
    if ok:
        return "pass", ""
    if set(test["flags"]) & set(acceptable_flags):
        return "acceptable", reason
    return "fail", reason


# ---------------------------------------------------------------- implementations


def diramp_responder() -> Responder:
    """diramp's own implementation, in process, with a JSON round trip of each response."""
    from diramp.vectors.adapter import respond

    def call(req: dict[str, Any]) -> dict[str, Any]:
        return json.loads(json.dumps(respond(req)))  # type: ignore[no-any-return]

    return call


#: Seconds an external implementation may take for one answer (``--timeout``).
DEFAULT_TIMEOUT = 60.0
#: Longest answer line accepted from an external implementation (bytes).
MAX_LINE_BYTES = 16 << 20


class ExternalImpl:
    """An external implementation: a command speaking the line protocol (docs/vectors.md).

    Fails closed: an implementation that exits, stops answering for ``timeout``
    seconds, or writes a line longer than :data:`MAX_LINE_BYTES` is *dead*, and
    every test it did not answer fails (an exit is not a rejection).  Its
    process group is ended when verification ends.
    """

    def __init__(self, command: str, cwd: str | os.PathLike[str] | None = None,
                 timeout: float = DEFAULT_TIMEOUT, max_line: int = MAX_LINE_BYTES) -> None:
        if not isinstance(command, str) or not command.strip():
            raise InputError("--impl", "must name a command", "got an empty string",
                             "omit --impl to verify diramp itself")
        try:
            args = shlex.split(command)
        except ValueError as exc:
            raise InputError("--impl", "is not a valid command line", f"{command[:60]!r}: {exc}") from None
        if not args:
            raise InputError("--impl", "must name a command", "got an empty string")
        try:
            self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=cwd, bufsize=0,
                                         start_new_session=True)
        except (OSError, ValueError) as exc:
            raise InputError("--impl", "could not start the command", f"{command[:60]!r}: {exc}") from None
        self.timeout, self.max_line = timeout, max_line
        self.dead: str | None = None
        self._buf = b""

    def _kill(self, why: str) -> None:
        self.dead = self.dead or why
        with contextlib.suppress(OSError, ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def _readline(self) -> bytes | None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + self.timeout
        while b"\n" not in self._buf:
            if len(self._buf) > self.max_line:
                self._kill(f"answered a line longer than {self.max_line} bytes")
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                self._kill(f"gave no answer within {self.timeout:g} s")
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                self.dead = "exited without a response"
                return None
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        if len(line) > self.max_line:
            self._kill(f"answered a line longer than {self.max_line} bytes")
            return None
        return line

    def __call__(self, req: dict[str, Any]) -> dict[str, Any]:
        if self.dead:
            return {"tcId": req["tcId"], "dead": self.dead}
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps(req) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self.dead = "exited (its input is closed)"
            return {"tcId": req["tcId"], "dead": self.dead}
        line = self._readline()
        if line is None:
            return {"tcId": req["tcId"], "dead": self.dead}
        from diramp.inputs import parse_json

        try:
            resp = parse_json(line, "the implementation's answer")
        except InputError as exc:
            return {"tcId": req["tcId"], "protocolError": f"not a valid JSON answer: {exc}"}
        if not isinstance(resp, dict) or resp.get("tcId") != req["tcId"]:
            return {"tcId": req["tcId"], "protocolError": f"bad response (tcId mismatch?): {line[:80]!r}"}
        return resp

    def close(self) -> None:
        """End the implementation: close its input, wait briefly, then kill its process group."""
        with contextlib.suppress(OSError):
            if self.proc.stdin:
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(OSError, ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        with contextlib.suppress(OSError):
            if self.proc.stdout:
                self.proc.stdout.close()


# ---------------------------------------------------------------- driver


def _simulation_drift(test: dict[str, Any]) -> str | None:
    """diramp only: re-simulate an end_to_end test and compare the trial planes and Z (DEF-SIM-SOURCE)."""
    from diramp.vectors.common import bits_to_hex
    from diramp.vectors.generate import simulate_planes

    sim, inp = test.get("simulation"), test["input"]
    if not sim:
        return None
    planes = simulate_planes(inp["n"], parse_rat(inp["mu"]), sim)
    for name, bits in zip("xyabz", planes, strict=True):
        if bits_to_hex(bits) != inp[name]["hex"]:
            return f"simulation drift: plane {name} differs from diramp.simulate's output"
    return None


def verify_component(component: str, data: dict[str, Any], responder: Responder,
                     acceptable_flags: Iterable[str] = (), check_simulation: bool = False) -> ComponentReport:
    """Run every test of one file through ``responder`` and tally the verdicts."""
    rep = ComponentReport(component)
    flags = list(acceptable_flags)
    outcomes: list[tuple[dict[str, Any], dict[str, Any], str, str]] = []
    for group, req in requests(component, data):
        test = req.pop("_test")
        resp = responder(req)
        if "protocolError" in resp:
            v, reason = "fail", resp["protocolError"]
        else:
            v, reason = verdict(test, group, resp, flags)
        if v == "pass" and check_simulation and component == "end_to_end":
            drift = _simulation_drift(test)
            if drift:
                v, reason = "fail", drift
        outcomes.append((test, resp, v, reason))
    # REQ-VECTOR-FAIL-CLOSED: an error counts as a correct rejection of an invalid test only from an implementation
    # that answered some valid test of this component correctly (one that errors on everything rejects nothing).
    competent = any(t["result"] == "valid" and "output" in r and v in ("pass", "acceptable")
                    for t, r, v, _ in outcomes)
    for test, resp, v, reason in outcomes:
        if v == "pass" and test["result"] != "valid" and "error" in resp and not competent:
            v, reason = "fail", ("an error was returned, but no valid test of this component was answered "
                                 "correctly, so it cannot count as a correct rejection")
        rep.valid_passed += v == "pass" and test["result"] == "valid"
        if v == "pass":
            rep.passed += 1
        elif v == "skip":
            rep.skipped += 1
        elif v == "acceptable":
            rep.acceptable += 1
        else:
            rep.failed += 1
            rep.failures.append(Failure(test["tcId"], test["comment"], test["result"], reason, test["expected"],
                                        resp.get("output", resp.get("error"))))
    return rep


def verify_dir(directory: str | os.PathLike[str], impl: str | None = None, components: Iterable[str] | None = None,
               acceptable_flags: Iterable[str] = (), timeout: float = DEFAULT_TIMEOUT) -> list[ComponentReport]:
    """DEF-VECTORS: verify diramp (``impl=None``) or an external command against the files of ``directory``."""
    d = Path(directory)
    if not d.is_dir():
        raise InputError(str(d), "is not a directory", "", "give --dir spec/vectors")
    names = list(components) if components else list(COMPONENTS)
    for n in names:
        if n not in COMPONENTS:
            raise InputError("--component", f"must be one of {', '.join(COMPONENTS)}", f"got {n!r}")
    schema = load_schema(d)
    files = {n: load_file(d / f"{n}.json", schema) for n in names}
    ext = ExternalImpl(impl, timeout=timeout) if impl is not None else None
    responder: Responder = ext if ext is not None else diramp_responder()
    try:
        return [verify_component(n, files[n], responder, acceptable_flags, check_simulation=ext is None)
                for n in names]
    finally:
        if ext is not None:
            ext.close()
