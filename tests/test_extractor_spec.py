"""spec/extractor.md is bound to the code: worked example, stable IDs, and quoted numbers."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from diramp.extractor import extract, extract_galois, fft_error_bound
from diramp.extractor.margin import SAFE_MARGIN
from diramp.extractor.tasks import DEFAULT_MAX_FFT, LEAN_MAX_FFT, MAX_FFT

ROOT = Path(__file__).resolve().parent.parent
SPEC = (ROOT / "spec" / "extractor.md").read_text()
CODE = "\n".join(p.read_text() for p in (ROOT / "reference" / "diramp" / "extractor").glob("*.py"))
IDS = ["DEF-EXT", "CONV-EXT-ARGS", "CONV-AB-INTERLEAVE", "CONV-BITORDER", "DEF-PACKED-FILE",
       "REQ-FLOAT-MARGIN", "LEM-EXT-BLOCKED"]


def test_every_id_is_defined_and_cited() -> None:
    for i in IDS:
        assert re.search(rf"^## {i} ", SPEC, re.M), f"{i} has no heading in the spec"
        assert i in CODE, f"{i} is cited by no docstring in reference/diramp/extractor"


def test_worked_example_binding() -> None:
    m = re.search(r"<!-- binding: x=([01]+) y=([01]+) m=(\d+) ext=([01]+) -->", SPEC)
    assert m
    x = [int(c) for c in m[1]]
    y = [int(c) for c in m[2]]
    want = [int(c) for c in m[4]]
    assert extract(x, y, int(m[3])).tolist() == want
    assert extract_galois(x, y, int(m[3])).tolist() == want
    # The spaced example lines say the same bits.
    assert "x = " + " ".join(m[1]) in SPEC and "y = " + " ".join(m[2]) in SPEC
    assert "Ext(x, y) = " + " ".join(m[4]) in SPEC
    # Packed bytes quoted in the example (CONV-BITORDER).
    assert f"0x{np.packbits(x)[0]:02X}" in SPEC and f"0x{np.packbits(y)[0]:02X}" in SPEC


def test_polynomial_form_in_example() -> None:
    # Ext[s] = coefficient N-1+s of X(t) * Yrev(t) over GF(2), as printed in the spec.
    x = np.array([1, 0, 1, 1, 0, 1, 0, 0])
    y = np.array([1, 1, 0, 1, 0, 0, 1, 0])
    prod = np.convolve(x, y[::-1]) % 2
    printed = "t + t^3 + t^6 + t^8 + t^9 + t^10 + t^11 + t^12"
    terms = {int(t.split("^")[1]) if "^" in t else 1 for t in printed.split(" + ")}
    assert set(np.flatnonzero(prod).tolist()) == terms
    assert prod[7:10].tolist() == extract(x, y, 3).tolist()


def test_quoted_bound_values() -> None:
    quoted = {1 << 20: "4.8e-5", 1 << 24: "3.7e-3", 5 << 23: "0.015", 3 << 24: "0.020",
              1 << 27: "0.093", 1 << 28: "0.27"}
    for P, text in quoted.items():
        assert text in SPEC
        assert abs(fft_error_bound(P) - float(text)) / float(text) < 0.05, (P, fft_error_bound(P))
    assert fft_error_bound(MAX_FFT) < SAFE_MARGIN < fft_error_bound(2 * MAX_FFT)
    assert "tau = 1/4" in SPEC and SAFE_MARGIN == 0.25
    assert DEFAULT_MAX_FFT == 5 << 23 and "default 5·2^23" in SPEC
    assert LEAN_MAX_FFT == 1 << 24 and "lean\n2^24" in SPEC
