"""A deliberately wrong external implementation (DEF-VECTORS protocol): must be reported as failing.

It wraps diramp but (1) flips the last output bit of the extractor, (2) adds one
count N(0000) before computing S_mu,obs, (3) declines eta ("skip"), and
(4) accepts invalid SV parameters instead of raising.
"""

from __future__ import annotations

import json
import sys

from diramp.vectors.adapter import respond


def main() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        comp, inp = req["component"], req["input"]
        if comp == "eta":
            print(json.dumps({"tcId": req["tcId"], "skip": "eta not implemented"}), flush=True)
            continue
        if comp == "mdl_statistics" and isinstance(inp.get("counts"), dict):
            inp["counts"]["0000"] = inp["counts"].get("0000", 0) + 1
        if comp == "sv_bounds":
            inp["mu"] = "0.01"
            inp["d"] = max(inp["d"], 0)
        resp = respond(req)
        out = resp.get("output", {})
        if comp == "extractor" and "out" in out:
            raw = bytearray(bytes.fromhex(out["out"]["hex"]))
            nbits = out["out"]["bitLength"]
            k = nbits - 1
            raw[k // 8] ^= 0x80 >> (k % 8)
            out["out"]["hex"] = raw.hex()
        print(json.dumps(resp), flush=True)


if __name__ == "__main__":
    main()
