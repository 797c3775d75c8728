"""Formatting helpers shared by CLI subcommands (no computation)."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from diramp.exact import decimal_down, decimal_up, exact_text


def exact_str(x: Fraction | int) -> str:
    """An exact rendering for tables: a terminating decimal (<= 40 chars) if there is one, else p/q.

    >>> exact_str(Fraction(3, 400)), exact_str(Fraction(1, 3)), exact_str(7)
    ('0.0075', '1/3', '7')
    """
    return exact_text(x, 40)


def directed(lo: Fraction, hi: Fraction, rounding: str, digits: int = 12) -> str:
    """Render a term by its rounding direction: lower bounds down, upper bounds up."""
    if rounding == "exact" or lo == hi:
        return exact_str(lo) if len(exact_str(lo)) <= 24 else decimal_down(lo, digits) + "…"
    if rounding.startswith("lower"):
        return decimal_down(lo, digits)
    if rounding.startswith("upper"):
        return decimal_up(hi, digits)
    return f"[{decimal_down(lo, digits)}, {decimal_up(hi, digits)}]"


def table(rows: list[list[str]], header: list[str]) -> str:
    """A plain text table."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(x.rstrip() for x in out)


def dump_json(obj: Any) -> str:
    """Deterministic JSON (sorted keys), so identical inputs give byte-identical output."""
    return json.dumps(obj, indent=2, sort_keys=True)
