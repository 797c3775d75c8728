"""diramp's own implementation behind the DEF-VECTORS request/response protocol (docs/vectors.md).

``handle(component, input) -> output`` answers one request with diramp's
production code paths (the code under test): ``diramp.bell`` for the
statistics, ``diramp.entropy``, ``diramp.length``, the blocked-FFT extractor
(``method="auto"``) and ``diramp.protocol.run_arrays`` for Box I end to end.  Modules are
looked up at call time, so tests can plant an error by monkeypatching them.
Errors surface as :class:`~diramp.errors.DirampError` (the protocol's "error").
``serve(stdin, stdout)`` runs the line protocol, for use as an external implementation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO, Any

from diramp import bell, entropy, extractor, length, sv
from diramp.errors import DirampError, InputError, ProtocolAbort
from diramp.exact import decimal_up, ivprec
from diramp.exact import hi as iv_hi
from diramp.exact import lo as iv_lo
from diramp.vectors.common import bits_to_hex, exact, hex_to_bits, interval, parse_rat, sha256_bits


def _bits(obj: Any, name: str) -> Any:
    if not isinstance(obj, dict) or "hex" not in obj or "bitLength" not in obj:
        raise InputError(name, "must be {hex, bitLength}", f"got {str(obj)[:40]}")
    return hex_to_bits(obj["hex"], obj["bitLength"])


def _counts(obj: Any) -> bell.Counts:
    if not isinstance(obj, dict):
        raise InputError("counts", "must be an object {abxy: count}", f"got {type(obj).__name__}")
    return bell.Counts.from_mapping(obj)


def sv_bounds(inp: dict[str, Any]) -> dict[str, Any]:
    """DEF-SV, DEF-SV-PAIR, THM-SV-SEED via diramp.sv."""
    mu = sv.check_mu(parse_rat(inp["mu"], "mu"))
    d = inp["d"]
    with ivprec():
        h = sv.seed_min_entropy(d, mu)
        h_lo, h_hi = iv_lo(h), iv_hi(h)
    return {"muMin": exact(sv.mu_min(mu)), "muMax": exact(sv.mu_max(mu)), "seedMinEntropy": interval(h_lo, h_hi)}


def mdl_statistics(inp: dict[str, Any]) -> dict[str, Any]:
    """DEF-SOBS and DEF-CHSH via diramp.bell."""
    counts = _counts(inp["counts"])
    if inp["operation"] == "s_mu":
        mu = sv.check_mu(parse_rat(inp["mu"], "mu"))
        return {"sMuObs": exact(bell.s_mu(counts, mu))}
    if counts.n == 0:
        raise InputError("counts", "hold no trials", "n = 0")
    e = bell.correlators(counts)
    return {"chsh": exact(bell.chsh(counts)), "correlators": {f"{x}{y}": exact(v) for (x, y), v in e.items()}}


def eta(inp: dict[str, Any]) -> dict[str, Any]:
    """THM-1 (reconstructed) via diramp.entropy.eta."""
    n = inp["n"]
    if not isinstance(n, int) or n < 1:
        raise InputError("n", "must be an integer >= 1", f"got {n!r}")
    r = entropy.eta(n, sv.check_mu(parse_rat(inp["mu"], "mu")), parse_rat(inp["sMu"]), parse_rat(inp["epsS"]),
                    parse_rat(inp["epsEA"]))
    return {"eta": interval(r.lo, r.hi), "t": interval(r.t, r.t), "k": r.k}


def _length_out(res: Any) -> dict[str, Any]:
    return {
        "m": res.m,
        "mPrime": None if res.eta is None else interval(res.m_prime_lo, res.m_prime_hi),
        "epsAchieved": None if res.eps_achieved is None else decimal_up(res.eps_achieved, 15),
    }


def output_length(inp: dict[str, Any]) -> dict[str, Any]:
    """THM-5 / THM-5-DERIVED / THM-6 via diramp.length."""
    n, mu = inp["n"], sv.check_mu(parse_rat(inp["mu"], "mu"))
    eps, eps_s = parse_rat(inp["eps"]), parse_rat(inp["epsS"])
    ea = None if inp.get("epsEA") is None else parse_rat(inp["epsEA"])
    if inp["theorem"] == 5:
        assert ea is not None
        return _length_out(length.theorem5(n, mu, parse_rat(inp["sMu"]), eps, eps_s, ea, variant=inp["variant"]))
    grid = length.Grid(parse_rat(inp["sMax"]), inp["bins"])
    a = length.theorem6(n, mu, parse_rat(inp["sObs"]), eps, eps_s, ea, grid=grid, variant=inp["variant"])
    out = _length_out(a.length)
    out.update({"sGrid": exact(a.s_grid), "bin": a.bin_index,
                "epsTotal": decimal_up(a.eps_protocol, 15)})
    return out


def extract(inp: dict[str, Any]) -> dict[str, Any]:
    """DEF-EXT via diramp.extractor.extract (blocked FFT with the REQ-FLOAT-MARGIN check)."""
    x, y = _bits(inp["x"], "x"), _bits(inp["y"], "y")
    out = extractor.extract(x, y, inp["m"])
    return {"out": {"hex": bits_to_hex(out), "bitLength": int(out.size)}}


def circulant(inp: dict[str, Any]) -> dict[str, Any]:
    """DEF-CIRC via diramp.extractor.extract(extractor="circulant") (the blocked FFT on LEM-CIRC-WRAP's inputs)."""
    x, y = _bits(inp["x"], "x"), _bits(inp["y"], "y")
    out = extractor.extract(x, y, inp["m"], extractor="circulant")
    return {"out": {"hex": bits_to_hex(out), "bitLength": int(out.size)}}


def end_to_end(inp: dict[str, Any]) -> dict[str, Any]:
    """Box I (DEF-BOX-I) via diramp.protocol.run_arrays: counts -> S_mu,obs -> m (THM-6) -> REQ-ABORT -> K."""
    from diramp import protocol

    n = inp["n"]
    planes = {v: _bits(inp[v], v) for v in "xyabz"}
    ea = parse_rat(inp["epsEA"]) if inp.get("epsEA") is not None else parse_rat(inp["eps"])
    params = protocol.ProtocolParams(
        n=n, mu=sv.check_mu(parse_rat(inp["mu"], "mu")), eps=parse_rat(inp["eps"]), eps_s=parse_rat(inp["epsS"]),
        eps_ea=ea,
        grid=length.Grid(parse_rat(inp["sMax"]), inp["bins"]), variant=inp["variant"],
    )
    if planes["z"].size != 2 * n:
        raise InputError("z", f"must hold 2n = {2 * n} bits", f"got {planes['z'].size}")
    try:
        res = protocol.run_arrays(params, *(planes[v] for v in "xyabz"))
    except ProtocolAbort as exc:  # REQ-ABORT: report the statistics, no K
        a = exc.analysis  # type: ignore[attr-defined]
        return {"counts": a.counts.to_mapping(), "sMuObs": exact(a.s_obs),
                "chsh": None if a.chsh is None else exact(a.chsh), "m": 0, "abort": True,
                "abortReason": "S_mu,obs < 0" if a.s_obs < 0 else "m = 0"}
    a = res.analysis
    return {"counts": a.counts.to_mapping(), "sMuObs": exact(a.s_obs),
            "chsh": None if a.chsh is None else exact(a.chsh), "m": a.m, "abort": False,
            "kBitLength": int(res.k.size), "kSha256": sha256_bits(res.k)}


HANDLERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "sv_bounds": sv_bounds,
    "mdl_statistics": mdl_statistics,
    "eta": eta,
    "output_length": output_length,
    "extractor": extract,
    "end_to_end": end_to_end,
    "circulant": circulant,
}


def handle(component: str, inp: dict[str, Any]) -> dict[str, Any]:
    """Answer one request; raise :class:`DirampError` (or ValueError/KeyError/TypeError) to signal an error."""
    if component not in HANDLERS:
        raise InputError("component", f"unknown (known: {', '.join(HANDLERS)})", f"got {component!r}")
    return HANDLERS[component](inp)


def respond(request: Any) -> dict[str, Any]:
    """One protocol response: {"tcId", "output"} or {"tcId", "error"} (also for a malformed request)."""
    if not isinstance(request, dict):
        return {"tcId": None, "error": f"InputError: a request must be a JSON object, got {type(request).__name__}"}
    tc = request.get("tcId")
    inp = request.get("input")
    if not isinstance(inp, dict) or not isinstance(request.get("component"), str):
        return {"tcId": tc, "error": "InputError: a request needs a string 'component' and an object 'input'"}
    try:
        return {"tcId": tc, "output": handle(request["component"], inp)}
    except (DirampError, ValueError, KeyError, TypeError, ZeroDivisionError, IndexError, OverflowError) as exc:
        return {"tcId": tc, "error": f"{type(exc).__name__}: {str(exc)[:300]}"}


def serve(stdin: IO[str], stdout: IO[str]) -> int:
    """Run the line protocol: one JSON request per line in, one JSON response per line out."""
    from diramp.inputs import parse_json

    for line in stdin:
        if not line.strip():
            continue
        try:
            req = parse_json(line, "request")
        except InputError as exc:
            resp: dict[str, Any] = {"tcId": None, "error": f"InputError: {exc}"}
        else:
            resp = respond(req)
        stdout.write(json.dumps(resp) + "\n")
        stdout.flush()
    return 0
