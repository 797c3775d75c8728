"""EQ-6-8, CONV-TABLE-II: the locality budget of Kulikov et al. (2024), Table II.

Expected values are derived by hand in the comments; all comparisons exact.
"""

from __future__ import annotations

import re
from fractions import Fraction as F
from pathlib import Path

import pytest

from diramp import locality
from diramp.exact import decimal_down, decimal_exact
from diramp.locality import (
    bell_time_ns,
    eq_6_8_segments,
    eq_6_8_total,
    locality_report,
    sign_assignments,
    table_entries,
)

SPEC = Path(__file__).resolve().parents[1] / "spec" / "locality.md"


@pytest.fixture(scope="module")
def report() -> locality.LocalityReport:
    return locality_report()


def test_bell_time() -> None:
    # 32.928 m / 299792458 m/s = 32928e-3 / 299792458 s = 32928 / 299792458000 s
    #   = 32928 * 10^9 / 299792458000 ns = 32928000 / 299792.458 ... = 2352000000/21413747 ns
    t = bell_time_ns()
    assert t == F(32928, 1000) * 10**9 / 299792458 == F(2352000000, 21413747)
    # 109.835985...: between 109.835 and 109.836, so 2-decimal truncation is 109.83,
    # rounding to nearest 109.84.
    assert F("109.835") < t < F("109.836")
    assert locality.PRINTED_T_D_NS == F("109.83") < t


def test_eq_6_8_totals_by_hand() -> None:
    # A->B: t_detection,B + t_Delta,B + t_DeltaAB + t_latch,A + t_RNG,A
    #     = 94.0 + 2.0 + 0.55 + 2.0 + 17.1 = 115.65
    assert [n for n, _ in eq_6_8_segments("A->B")] == [
        "t_detection,B", "t_Delta,B", "t_DeltaAB", "t_latch,A", "t_RNG,A",
    ]
    assert eq_6_8_total("A->B") == F("115.65")
    # B->A (mirror): t_detection,A + t_Delta,A + t_DeltaAB + t_latch,B + t_RNG,B
    #     = 86.0 + 5.0 + 0.55 + 7.2 + 17.1 = 115.85
    assert eq_6_8_total("B->A") == F("115.85")


def test_totals_vs_printed(report: locality.LocalityReport) -> None:
    # 115.65 - 106.65 = 9.0 ; 115.85 - 106.45 = 9.4
    assert report.eq_total["A->B"] - report.printed_total["A->B"] == 9
    assert report.eq_total["B->A"] - report.printed_total["B->A"] == F("9.4")
    # both literal sums exceed t_d = 109.836...: 115.65 - 109.836 = 5.814 > 0
    for d in locality.DIRECTIONS:
        assert report.eq_total[d] > report.t_d


def test_margins(report: locality.LocalityReport) -> None:
    t = report.t_d
    # t_d - 115.65 = -5.81401...; t_d - 115.85 = -6.01401...
    m = report.margin("eqs. (6)-(8) sum", "A->B")
    assert m.margin == t - F("115.65") and not m.within_budget
    assert F("-5.8141") < m.margin < F("-5.8140")
    assert report.margin("eqs. (6)-(8) sum", "B->A").margin == t - F("115.85")
    # printed: t_d - 106.65 = 3.18598..., t_d - 106.45 = 3.38598...
    assert report.margin("printed total", "A->B").within_budget
    assert F("3.1859") < report.margin("printed total", "A->B").margin < F("3.1860")
    assert report.margin("printed total", "B->A").margin_to_printed_t_d == F("3.38")
    # text: 109.83 - 106.7 = 3.13 (printed "3.1"); exact 3.13598...
    tb = report.margin("text bound", "A->B")
    assert tb.margin_to_printed_t_d == F("3.13")
    assert round(tb.margin, 1) == F("3.1")
    # 3.1 / 109.83 = 0.028225... -> "about 2.8%"; exact fraction 3.13598/109.83598 = 0.02855
    assert round(report.printed_margin / report.t_d_printed, 3) == report.printed_budget_fraction
    assert F("0.0285") < tb.budget_fraction < F("0.0286")
    with pytest.raises(KeyError):
        report.margin("no such reading", "A->B")


def test_no_sign_assignment_over_eq_terms(report: locality.LocalityReport) -> None:
    # A->B terms 94, 2, 0.55, 2, 17.1: the 0.55 must enter with sign +-1 (only term with
    # hundredths: .65 = .55 + .1), then 94 + 17.1 + 0.55 = 111.65 and +-2 +-2 can give
    # 107.65, 111.65, 115.65, never 106.65.  Exhaustive search agrees.
    assert report.eq_sign_solutions["A->B"] == ()
    assert report.eq_sign_solutions["B->A"] == ()


def test_sign_assignments_over_table(report: locality.LocalityReport) -> None:
    sols = report.table_sign_solutions
    assert (len(sols["A->B"]), len(sols["B->A"])) == (10, 4)
    # 86.0 + 5.0 + 0.55 - 2.0 + 17.1 = 106.65 (all node A, latch subtracted)
    same_node_a = (("t_RNG,A", 1), ("t_latch,A", -1), ("t_Delta,A", 1),
                   ("t_detection,A", 1), ("t_DeltaAB", 1))
    # 94.0 + 2.0 + 0.55 - 7.2 + 17.1 = 106.45 (all node B, latch subtracted)
    same_node_b = (("t_RNG,B", 1), ("t_latch,B", -1), ("t_Delta,B", 1),
                   ("t_detection,B", 1), ("t_DeltaAB", 1))
    assert same_node_a in sols["A->B"] and same_node_b in sols["B->A"]
    assert (same_node_a, same_node_b) in report.mirrored_solutions
    assert len(report.mirrored_solutions) == 2  # the other differs only in the equal t_RNG
    values = dict(table_entries())
    for d in locality.DIRECTIONS:
        for s in sols[d]:
            assert sum(sign * values[n] for n, sign in s) == report.printed_total[d]


def test_sign_assignments_small() -> None:
    # 1 = 1 or 2 - 1; 3 = 1 + 2; 4 unreachable
    u, w = ("u", F(1)), ("w", F(2))
    assert sign_assignments((u, w), F(1)) == ((("u", -1), ("w", 1)), (("u", 1),))
    assert sign_assignments((u, w), F(3)) == ((("u", 1), ("w", 1)),)
    assert sign_assignments((u, w), F(4)) == ()
    with pytest.raises(ValueError):
        sign_assignments(tuple((str(i), F(1)) for i in range(13)), F(0))


def test_findings_say_it_plainly(report: locality.LocalityReport) -> None:
    text = "\n".join(report.findings)
    for needle in ("115.65", "115.85", "exceeds", "no assignment", "truncated", "OVER the budget",
                   "2.82%", "not stated in the paper"):
        assert needle in text, needle


def test_report_is_exact(report: locality.LocalityReport) -> None:
    assert isinstance(report.t_d, F)
    for m in report.margins:
        assert all(isinstance(v, F) for v in (m.total, m.margin, m.budget_fraction))


def test_spec_numbers_match_code(report: locality.LocalityReport) -> None:
    """spec/locality.md defines the IDs and its key numbers agree with the calculator."""
    spec = SPEC.read_text()
    assert re.search(r"^## EQ-6-8\b", spec, re.M) and re.search(r"^## CONV-TABLE-II\b", spec, re.M)
    assert str(report.t_d.numerator) in spec and str(report.t_d.denominator) in spec
    for d in locality.DIRECTIONS:
        assert f"**{float(report.eq_total[d]):.2f} ns**" in spec
    def signed(x: str) -> str:
        return x if x.startswith("-") else "+" + x

    for reading in ("eqs. (6)-(8) sum", "printed total"):
        for d in locality.DIRECTIONS:
            m = report.margin(reading, d)
            # margins rounded toward -inf to 6 digits (the safe side), vs printed t_d exact
            cell = (
                f"{signed(decimal_down(m.margin, 6))} "
                f"({signed(decimal_exact(m.margin_to_printed_t_d) or '?')}) ns"
            )
            assert cell in spec, (reading, d, cell)
