"""Test vectors other implementations can run (DEF-VECTORS, DEF-VECTOR-GEN, REQ-VECTOR-INDEPENDENT).

Spec: spec/vectors/README.md; guide: docs/vectors.md.

* :mod:`diramp.vectors.generate` -- build the files of spec/vectors/ (deterministic, atomic).
* :mod:`diramp.vectors.independent` -- the independent methods the expected values come from.
* :mod:`diramp.vectors.adapter` -- diramp's own implementation behind the request/response protocol.
* :mod:`diramp.vectors.verify` -- check an implementation (diramp in-process, or an external command).
"""

from __future__ import annotations

from diramp.vectors.common import GENERATOR_VERSION, SCHEMA_VERSION

__all__ = ["GENERATOR_VERSION", "SCHEMA_VERSION"]
