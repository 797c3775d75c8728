"""The locality budget: Supplementary section IV, Table II and eqs. (6)-(8).

Spec: EQ-6-8 (the decomposition of the protocol duration), CONV-TABLE-II (the
paper's segment values and totals, and what they do and do not add up to); see
``spec/locality.md``.

Everything is exact: durations are :class:`fractions.Fraction` nanoseconds
parsed from the paper's decimal strings, c = 299,792,458 m/s is exact by the SI
definition of the metre.  Nothing here prints; :func:`locality_report` returns
the numbers and a list of plain-language findings.

>>> r = locality_report()
>>> r.eq_total["A->B"], r.eq_total["B->A"]
(Fraction(2313, 20), Fraction(2317, 20))
>>> r.printed_total["A->B"] - r.eq_total["A->B"]
Fraction(-9, 1)
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Literal

from diramp.exact import decimal_down, decimal_exact, decimal_up

Direction = Literal["A->B", "B->A"]
DIRECTIONS: tuple[Direction, Direction] = ("A->B", "B->A")

#: Speed of light in vacuum, m/s (exact, SI definition of the metre).
C = 299_792_458
#: Bell distance, start event at B to stop event at A (Supplementary section IV), m.
BELL_DISTANCE_M = Fraction("32.928")
#: t_d as printed (Supplementary section IV), ns.
PRINTED_T_D_NS = Fraction("109.83")
#: "no more than t_protocol,A->B = 106.7 ns" (Supplementary section IV), ns.
PRINTED_BOUND_NS = Fraction("106.7")
#: "t_d - t_protocol,A->B = 3.1 ns" (Supplementary section IV), ns.
PRINTED_MARGIN_NS = Fraction("3.1")
#: "about 2.8% of the available time budget" (Supplementary section IV).
PRINTED_BUDGET_FRACTION = Fraction("0.028")


@dataclass(frozen=True)
class NodeSegments:
    """CONV-TABLE-II: one node's column of Table II (Kulikov et al. 2024), ns."""

    node: Literal["A", "B"]
    t_rng: Fraction
    t_latch: Fraction
    t_delta: Fraction
    t_detection: Fraction


#: Table II, node A column (ns).
TABLE_II_A = NodeSegments(
    "A", Fraction("17.1"), Fraction("2.0"), Fraction("5.0"), Fraction("86.0")
)
#: Table II, node B column (ns).
TABLE_II_B = NodeSegments(
    "B", Fraction("17.1"), Fraction("7.2"), Fraction("2.0"), Fraction("94.0")
)
#: Table II, the shared synchronisation offset t_DeltaAB (ns).
T_DELTA_AB = Fraction("0.55")
#: Table II, the printed totals t_protocol (ns).
PRINTED_TOTAL: MappingProxyType[Direction, Fraction] = MappingProxyType(
    {"A->B": Fraction("106.65"), "B->A": Fraction("106.45")}
)

_NODES = {"A": TABLE_II_A, "B": TABLE_II_B}


def bell_time_ns(distance_m: Fraction = BELL_DISTANCE_M, c: int = C) -> Fraction:
    """t_d = d / c in ns, exact (Supplementary section IV, CONV-TABLE-II).

    >>> t = bell_time_ns()
    >>> t
    Fraction(2352000000, 21413747)
    >>> decimal_down(t, 8), decimal_up(t, 8)
    ('109.83598', '109.83599')
    """
    return Fraction(distance_m) * 10**9 / c


def table_entries() -> tuple[tuple[str, Fraction], ...]:
    """All nine values of Table II as (name, ns), names like ``t_latch,A``."""
    out: list[tuple[str, Fraction]] = []
    for seg in (TABLE_II_A, TABLE_II_B):
        out += [
            (f"t_RNG,{seg.node}", seg.t_rng),
            (f"t_latch,{seg.node}", seg.t_latch),
            (f"t_Delta,{seg.node}", seg.t_delta),
            (f"t_detection,{seg.node}", seg.t_detection),
        ]
    out.append(("t_DeltaAB", T_DELTA_AB))
    return tuple(out)


def eq_6_8_segments(direction: Direction) -> tuple[tuple[str, Fraction], ...]:
    """EQ-6-8: the five terms of t_protocol in eqs. (6)-(8), in the paper's order.

    A->B: t_detection,B + t_Delta,B + t_DeltaAB + t_latch,A + t_RNG,A (eqs. 7-8);
    B->A is the mirror ("follows accordingly"): stop-node detection and offset,
    the shared offset, start-node latch and RNG.

    >>> [name for name, _ in eq_6_8_segments("B->A")]
    ['t_detection,A', 't_Delta,A', 't_DeltaAB', 't_latch,B', 't_RNG,B']
    """
    start, stop = (TABLE_II_A, TABLE_II_B) if direction == "A->B" else (TABLE_II_B, TABLE_II_A)
    return (
        (f"t_detection,{stop.node}", stop.t_detection),
        (f"t_Delta,{stop.node}", stop.t_delta),
        ("t_DeltaAB", T_DELTA_AB),
        (f"t_latch,{start.node}", start.t_latch),
        (f"t_RNG,{start.node}", start.t_rng),
    )


def eq_6_8_total(direction: Direction) -> Fraction:
    """EQ-6-8: t_protocol summed as eqs. (6)-(8) write it (all terms added), ns.

    >>> eq_6_8_total("A->B")  # 94.0 + 2.0 + 0.55 + 2.0 + 17.1
    Fraction(2313, 20)
    """
    return sum((v for _, v in eq_6_8_segments(direction)), Fraction(0))


SignedTerms = tuple[tuple[str, int], ...]


def sign_assignments(
    entries: tuple[tuple[str, Fraction], ...], target: Fraction
) -> tuple[SignedTerms, ...]:
    """Every sign vector s in {-1, 0, +1}^k with sum s_i t_i = target exactly.

    Each solution lists only its non-zero terms, as (name, sign), in the order
    of ``entries``.  Exhaustive (3^k cases), so k <= 12 is enforced.

    >>> sign_assignments((("u", Fraction(1)), ("w", Fraction(2))), Fraction(1))
    ((('u', -1), ('w', 1)), (('u', 1),))
    """
    if len(entries) > 12:
        raise ValueError("sign_assignments: at most 12 entries (3^k cases are enumerated)")
    # Exact integer arithmetic over the common denominator (same verdicts, ~20x faster).
    den = math.lcm(target.denominator, *(v.denominator for _, v in entries))
    ints = [int(v * den) for _, v in entries]
    goal = int(target * den)
    out = []
    for signs in itertools.product((-1, 0, 1), repeat=len(entries)):
        if sum(s * v for s, v in zip(signs, ints, strict=True)) == goal:
            out.append(tuple((n, s) for s, (n, _) in zip(signs, entries, strict=True) if s))
    return tuple(out)


def _mirror(terms: SignedTerms) -> SignedTerms:
    swap = {"A": "B", "B": "A"}
    return tuple(
        (n[:-1] + swap[n[-1]] if n.endswith((",A", ",B")) else n, s) for n, s in terms
    )


def _same(u: SignedTerms, w: SignedTerms) -> bool:
    return dict(u) == dict(w)


def signed_expression(terms: SignedTerms) -> str:
    """A solution written as a sum, e.g. ``t_RNG,A - t_latch,A``.

    >>> signed_expression((("t_RNG,A", 1), ("t_latch,A", -1)))
    't_RNG,A - t_latch,A'
    """
    parts = []
    for i, (n, s) in enumerate(terms):
        parts.append((("-" if s < 0 else "") if i == 0 else (" - " if s < 0 else " + ")) + n)
    return "".join(parts)


@dataclass(frozen=True)
class Margin:
    """CONV-TABLE-II: the margin of one reading of t_protocol to the budget t_d."""

    reading: str
    direction: Direction
    total: Fraction
    margin: Fraction  #: t_d (exact) - total, ns
    margin_to_printed_t_d: Fraction  #: 109.83 - total, ns
    budget_fraction: Fraction  #: margin / t_d (exact)

    @property
    def within_budget(self) -> bool:
        """True when total < t_d (the locality loophole closed under this reading)."""
        return self.margin > 0


@dataclass(frozen=True)
class LocalityReport:
    """EQ-6-8 and CONV-TABLE-II: every number of the locality budget, exact, and the findings.

    ``eq_sign_solutions``: sign assignments over the five eq. (6)-(8) terms of a
    direction that reproduce its printed total; ``table_sign_solutions``: the
    same over all nine Table II entries; ``mirrored_solutions``: (A->B, B->A)
    pairs among the latter that are each other's A<->B mirror image.
    """

    t_d: Fraction
    t_d_printed: Fraction
    eq_total: MappingProxyType[Direction, Fraction]
    printed_total: MappingProxyType[Direction, Fraction]
    printed_bound: Fraction
    printed_margin: Fraction
    printed_budget_fraction: Fraction
    margins: tuple[Margin, ...]
    eq_sign_solutions: MappingProxyType[Direction, tuple[SignedTerms, ...]]
    table_sign_solutions: MappingProxyType[Direction, tuple[SignedTerms, ...]]
    mirrored_solutions: tuple[tuple[SignedTerms, SignedTerms], ...]
    findings: tuple[str, ...] = field(default=())

    def margin(self, reading: str, direction: Direction) -> Margin:
        """The margin of a named reading ("eqs. (6)-(8) sum", "printed total", "text bound")."""
        for m in self.margins:
            if m.reading == reading and m.direction == direction:
                return m
        raise KeyError(f"no margin for reading {reading!r}, direction {direction}")


def _ns(x: Fraction) -> str:
    """Exact decimal if it terminates, else 6 significant digits rounded toward zero."""
    return decimal_exact(x) or (decimal_down(x, 6) if x > 0 else decimal_up(x, 6))


def _pct(x: Fraction) -> str:
    return decimal_down(100 * x, 3) if x > 0 else decimal_up(100 * x, 3)


def locality_report() -> LocalityReport:
    """EQ-6-8, CONV-TABLE-II (Kulikov et al. 2024, Supplementary section IV, Table II).

    Recomputes t_d, sums eqs. (6)-(8) from the Table II segments, compares with
    the printed totals, searches the sign assignments that reproduce the printed
    totals, and gives the margin to t_d for each reading.  Claims nothing about
    which reading the authors meant.
    """
    t_d = bell_time_ns()
    eq_total = {d: eq_6_8_total(d) for d in DIRECTIONS}
    margins = []

    def add(reading: str, direction: Direction, total: Fraction) -> None:
        m = t_d - total
        margins.append(Margin(reading, direction, total, m, PRINTED_T_D_NS - total, m / t_d))

    for d in DIRECTIONS:
        add("eqs. (6)-(8) sum", d, eq_total[d])
    for d in DIRECTIONS:
        add("printed total", d, PRINTED_TOTAL[d])
    add("text bound", "A->B", PRINTED_BOUND_NS)

    eq_sol = {d: sign_assignments(eq_6_8_segments(d), PRINTED_TOTAL[d]) for d in DIRECTIONS}
    tab_sol = {d: sign_assignments(table_entries(), PRINTED_TOTAL[d]) for d in DIRECTIONS}
    mirrored = tuple(
        (u, w)
        for u in tab_sol["A->B"]
        for w in tab_sol["B->A"]
        if _same(_mirror(u), w)
    )

    findings: list[str] = []
    # t_d and its printed rounding
    nearest = Fraction(round(t_d * 100), 100)
    trunc = Fraction(math.floor(t_d * 100), 100)
    findings.append(
        f"t_d = d/c = 32.928 m / 299792458 m/s = {decimal_down(t_d, 9)}... ns (exact "
        f"{t_d}); the printed 109.83 is t_d truncated to 2 decimals "
        f"({'matches' if trunc == PRINTED_T_D_NS else 'does not match'}); rounding to "
        f"nearest gives {_ns(nearest)}. Truncation shortens the budget, the safe direction."
    )
    for d in DIRECTIONS:
        terms = " + ".join(_ns(v) for _, v in eq_6_8_segments(d))
        names = " + ".join(n for n, _ in eq_6_8_segments(d))
        findings.append(
            f"{d}: eqs. (6)-(8) give {names} = {terms} = {_ns(eq_total[d])} ns, "
            f"not the printed {_ns(PRINTED_TOTAL[d])} ns (difference "
            f"{_ns(eq_total[d] - PRINTED_TOTAL[d])} ns); this sum "
            f"{'exceeds' if eq_total[d] >= t_d else 'is below'} t_d = {decimal_down(t_d, 7)} ns "
            f"by {_ns(abs(eq_total[d] - t_d)) if eq_total[d] != t_d else '0'} ns."
        )
    for d in DIRECTIONS:
        n = len(eq_sol[d])
        findings.append(
            f"{d}: no assignment of signs in {{-1, 0, +1}} to the five eq. (6)-(8) terms "
            f"reproduces the printed {_ns(PRINTED_TOTAL[d])} ns"
            if n == 0
            else f"{d}: {n} sign assignment(s) over the five eq. (6)-(8) terms reproduce "
            f"the printed {_ns(PRINTED_TOTAL[d])} ns: "
            + "; ".join(signed_expression(s) for s in eq_sol[d])
        )
    for d in DIRECTIONS:
        findings.append(
            f"{d}: over all nine Table II entries, {len(tab_sol[d])} sign assignment(s) in "
            f"{{-1, 0, +1}} reproduce the printed {_ns(PRINTED_TOTAL[d])} ns exactly: "
            + "; ".join(signed_expression(s) for s in tab_sol[d])
        )
    if mirrored:
        findings.append(
            f"{len(mirrored)} of these pair up as A<->B mirror images of each other "
            "(the same formula for both directions): "
            + "; ".join(
                f"A->B = {signed_expression(u)}, B->A = {signed_expression(w)}"
                for u, w in mirrored
            )
            + ". (t_RNG,A = t_RNG,B = 17.1 ns, so pairs differing only in which t_RNG they "
            "use are the same arithmetic.) This is an exact search for coincidences; which "
            "formula the authors used is not stated in the paper."
        )
    bound = max(PRINTED_TOTAL.values())
    findings.append(
        f"The text's 106.7 ns is the larger printed total {_ns(bound)} rounded up "
        f"({'consistent' if math.ceil(bound * 10) == PRINTED_BOUND_NS * 10 else 'inconsistent'}"
        f"); 109.83 - 106.7 = {_ns(PRINTED_T_D_NS - PRINTED_BOUND_NS)} ns and exact t_d - 106.7 = "
        f"{decimal_down(t_d - PRINTED_BOUND_NS, 6)} ns, both consistent with the printed 3.1 ns."
    )
    frac_printed = PRINTED_MARGIN_NS / PRINTED_T_D_NS
    frac_exact = (t_d - PRINTED_BOUND_NS) / t_d
    findings.append(
        f"Budget fraction: 3.1/109.83 = {_pct(frac_printed)}% (the printed 'about 2.8%'); "
        f"from unrounded numbers (t_d - 106.7)/t_d = {_pct(frac_exact)}%, "
        f"(t_d - 106.65)/t_d = {_pct((t_d - PRINTED_TOTAL['A->B']) / t_d)}%, "
        f"(t_d - 106.45)/t_d = {_pct((t_d - PRINTED_TOTAL['B->A']) / t_d)}%."
    )
    for m in margins:
        findings.append(
            f"margin [{m.reading}, {m.direction}]: t_d - {_ns(m.total)} = "
            f"{decimal_down(m.margin, 6)} ns ({_pct(m.budget_fraction)}% of t_d; "
            f"{_ns(m.margin_to_printed_t_d)} ns against the printed 109.83): "
            + ("within the budget" if m.within_budget else "OVER the budget")
        )
    findings.append(
        "The Bell distance is the shorter one (start at B, stop at A), i.e. the one that "
        "constrains B->A; the paper applies the same t_d to both directions, which can only "
        "understate the A->B budget."
    )
    return LocalityReport(
        t_d=t_d,
        t_d_printed=PRINTED_T_D_NS,
        eq_total=MappingProxyType(eq_total),
        printed_total=PRINTED_TOTAL,
        printed_bound=PRINTED_BOUND_NS,
        printed_margin=PRINTED_MARGIN_NS,
        printed_budget_fraction=PRINTED_BUDGET_FRACTION,
        margins=tuple(margins),
        eq_sign_solutions=MappingProxyType(eq_sol),
        table_sign_solutions=MappingProxyType(tab_sol),
        mirrored_solutions=mirrored,
        findings=tuple(findings),
    )
