"""A tiny external implementation for the DEF-VECTORS protocol: wraps diramp (docs/vectors.md).

Reads one JSON request per line on stdin, writes one JSON response per line.
"""

from __future__ import annotations

import json
import sys

from diramp.vectors.adapter import respond


def main() -> None:
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(respond(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
