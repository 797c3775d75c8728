"""The proofs_check entries of the new bounds (spec/bounds.md) pass, and each one catches a planted error.

THM-CIRC-UNIVERSAL, CONV-CIRC-PRIME (circulant_universal), THM-CIRC-MARKOV, THM-CIRC-LENGTH
(circulant_composition), THM-REFINED-RANK, THM-REFINED-XOR, THM-REFINED-LENGTH (dodis_rank_profile).
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import proofs_check  # noqa: E402

from diramp import bounds  # noqa: E402
from diramp.extractor import circulant as circ  # noqa: E402
from diramp.extractor import reference  # noqa: E402

NEW = ("circulant_universal", "circulant_composition", "dodis_rank_profile")


def _run_one(name: str) -> proofs_check.Outcome:
    (outcome,) = proofs_check.run([name])
    return outcome


@pytest.mark.parametrize("name", NEW)
def test_new_checks_pass(name: str) -> None:
    out = _run_one(name)
    assert out.passed, out.text


def test_universal_detects_a_non_primitive_prime(monkeypatch: pytest.MonkeyPatch) -> None:
    """CONV-CIRC-PRIME: a protocol prime without 2 as a primitive root (7 for N = 5, 6) is caught."""
    monkeypatch.setattr(circ, "circulant_prime", lambda n: int(sympy.nextprime(max(n, 2))))
    out = _run_one("circulant_universal")
    assert not out.passed and "not two-universal" in out.text


def test_universal_detects_a_wrong_function(monkeypatch: pytest.MonkeyPatch) -> None:
    """DEF-CIRC: a non-cyclic correlation in place of the circulant one is caught."""
    real = circ.circulant_loop

    def no_wrap(x: list[int], y: list[int], m: int) -> np.ndarray:
        xp = np.zeros(len(y), np.uint8)
        xp[: len(x)] = x
        yb = np.asarray(y, np.uint8)
        return np.array([int(np.count_nonzero(xp[: len(y) - i] & yb[i:]) & 1) for i in range(m)], np.uint8)

    assert real([0, 0, 0, 1], [1, 0, 0, 0, 0], 4).tolist() != no_wrap([0, 0, 0, 1], [1, 0, 0, 0, 0], 4).tolist()
    monkeypatch.setattr(circ, "circulant_loop", no_wrap)
    out = _run_one("circulant_universal")
    assert not out.passed and "DEF-CIRC" in out.text


def test_composition_detects_a_wrong_split(monkeypatch: pytest.MonkeyPatch) -> None:
    """THM-CIRC-LENGTH: a split other than (B/8, B/8, B/4) is caught."""
    monkeypatch.setattr(bounds, "CIRCULANT_SPLIT", (Fraction(1, 3), Fraction(1, 3), Fraction(1, 3)))
    out = _run_one("circulant_composition")
    assert not out.passed and "CIRCULANT_SPLIT" in out.text


def test_composition_detects_an_optimistic_eps(monkeypatch: pytest.MonkeyPatch) -> None:
    """THM-CIRC-LENGTH: an eps achieved smaller than 6 eps_s + 4 * 2^-((G-2)/4) is caught."""
    real = bounds.circulant_achieved_eps
    monkeypatch.setattr(bounds, "circulant_achieved_eps", lambda g, es: real(g, es) / 2)
    out = _run_one("circulant_composition")
    assert not out.passed and "circulant_achieved_eps" in out.text


def test_composition_detects_a_bad_extractor(monkeypatch: pytest.MonkeyPatch) -> None:
    """THM-CIRC-MARKOV's classical case: an 'extractor' repeating its first bit violates the bound exhaustively."""
    real = circ.circulant_loop

    def repeat_first(x: list[int], y: list[int], m: int) -> np.ndarray:
        out = real(x, y, m)
        out[:] = out[0]
        return out

    monkeypatch.setattr(circ, "circulant_loop", repeat_first)
    out = _run_one("circulant_composition")
    assert not out.passed and "exceeds" in out.text


def test_rank_profile_detects_an_optimistic_sum(monkeypatch: pytest.MonkeyPatch) -> None:
    """THM-REFINED-RANK: a rank sum of m 2^(m-2) (half the truth, more bits than proved) is caught."""
    monkeypatch.setattr(bounds, "refined_rank_sum", lambda m: max(1, m << max(0, m - 2)))
    out = _run_one("dodis_rank_profile")
    assert not out.passed and "refined_rank_sum" in out.text


def test_rank_profile_detects_cyclic_shifts(monkeypatch: pytest.MonkeyPatch) -> None:
    """THM-REFINED-RANK: cyclic shift matrices (another extractor) have another rank profile."""
    monkeypatch.setattr(reference, "shift_matrix",
                        lambda N, i: np.roll(np.eye(N, dtype=np.uint8), i - 1, axis=0))
    out = _run_one("dodis_rank_profile")
    assert not out.passed and "rank" in out.text


def test_rank_profile_detects_a_wrong_constant(monkeypatch: pytest.MonkeyPatch) -> None:
    """THM-REFINED-LENGTH: an elimination constant one bit too generous is caught."""
    monkeypatch.setattr(bounds, "REFINED_CONSTANT", 11)
    out = _run_one("dodis_rank_profile")
    assert not out.passed and "constant" in out.text
