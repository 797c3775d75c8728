"""diramp: reference implementation of device-independent randomness amplification.

Implements the protocol of Kulikov et al. (2024), "Device-independent randomness
amplification" (Box I and Supplementary Theorems 1-6), with exact / interval
numerics for every security quantity.  Spec IDs (``THM-5``, ``DEF-MDL``, ...)
refer to the documents in ``spec/``.

>>> import diramp
>>> diramp.__version__.count(".") >= 2
True
"""

from __future__ import annotations

from typing import Any

__version__ = "0.2.0"
#: Version of the specification in ``spec/`` this code implements.
SPEC_VERSION = "2.1"

__all__ = ["SPEC_VERSION", "__version__", "extract"]


def __getattr__(name: str) -> Any:
    # Lazy imports keep ``import diramp`` cheap (galois/numba load only when needed).
    if name == "extract":
        from diramp.extractor import extract

        return extract
    raise AttributeError(f"module 'diramp' has no attribute {name!r}")
