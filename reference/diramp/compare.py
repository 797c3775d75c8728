"""CONV-VARIANTS: every named bound side by side for one parameter set (``diramp audit --compare``).

For the audit's inputs (Theorem 6 on its grid when one is given, else Theorem 5),
one row per variant: ``as_printed``, ``derived``, ``derived`` at the optimal
pre-commitment (CONV-OPT, at the same protocol-level eps), ``refined``, ``circulant``;
each with its extractor, the bound's spec ID, m, the eps it achieves (per bin),
the protocol-level eps (THM-6-EPS) and where its proof comes from.  Pure: builds
records, prints nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from diramp.bounds import VARIANT_INFO
from diramp.length import Grid, LengthResult, theorem5, theorem6

#: CONV-VARIANTS: the rows of the comparison, in order.
COMPARE_ROWS = ("as_printed", "derived", "derived_optimal", "refined", "circulant")


@dataclass(frozen=True)
class VariantRow:
    """One variant's certified length at the same data."""

    name: str
    extractor: str
    bound: str
    theorem: str  #: "theorem5" or "theorem6"
    m: int
    eps_achieved: Fraction | None  #: per Theorem 5 instance (per bin), upper bound
    eps_protocol: Fraction  #: THM-6-EPS (Theorem 5: the eps achieved, or eps when m = 0)
    source: str
    meets_claim: bool
    parameters: dict[str, Any] = field(default_factory=dict)  #: the committed values when they differ


def compare(n: int, mu: Fraction, s: Fraction, eps: Fraction, eps_s: Fraction, eps_ea: Fraction,
            grid: Grid | None, eps_claim: Fraction | None = None, *, optimal: bool = True,
            sigma: float | None = None) -> list[VariantRow]:
    """CONV-VARIANTS: the rows of ``diramp audit --compare`` (see the module docstring).

    ``eps_claim`` is the protocol-level eps claimed (default eps).  The optimal row
    optimises at the protocol-level eps the derived variant reaches with these
    inputs (the same security), with S as the anticipated S_mu.
    """
    claim = eps if eps_claim is None else eps_claim
    rows: list[VariantRow] = []
    derived_eps_protocol = eps
    for name in COMPARE_ROWS:
        if name == "derived_optimal":
            if optimal:
                rows.append(_optimal_row(n, mu, s, derived_eps_protocol, claim, grid, sigma))
            continue
        info = VARIANT_INFO[name]
        if grid is not None:
            a = theorem6(n, mu, s, eps, eps_s, eps_ea, grid=grid, variant=name,  # type: ignore[arg-type]
                         eps_claim=claim)
            r, eps_p, th = a.length, a.eps_protocol, "theorem6"
        else:
            r = theorem5(n, mu, s, eps, eps_s, eps_ea, variant=name)  # type: ignore[arg-type]
            eps_p, th = _t5_protocol(r, eps), "theorem5"
        if name == "derived":
            derived_eps_protocol = eps_p
        rows.append(VariantRow(name, info.extractor, info.bound, th, r.m, r.eps_achieved, eps_p, info.source,
                               eps_p <= claim))
    return rows


def _t5_protocol(r: LengthResult, eps: Fraction) -> Fraction:
    """Theorem 5 has one instance: its security is the eps the certified m achieves (eps itself when m = 0)."""
    return r.eps_achieved if r.eps_achieved is not None else eps


def _optimal_row(n: int, mu: Fraction, s: Fraction, target: Fraction, claim: Fraction, grid: Grid | None,
                 sigma: float | None) -> VariantRow:
    from diramp.exact import exact_text
    from diramp.optimize import optimize

    res = optimize(n, mu, s, target, variant="derived", sigma=sigma)
    c = res.choice
    info = VARIANT_INFO["derived"]
    params = {"eps": exact_text(c.eps, 60), "eps_s": exact_text(c.eps_s, 60), "eps_EA": exact_text(c.eps_ea, 60),
              "M": c.grid.bins, "S_max": exact_text(c.grid.s_max, 60), "sigma_S_obs": f"{res.sigma:.4g}",
              "expected_m": round(res.expected_m)}
    a = theorem6(n, mu, s, c.eps, c.eps_s, c.eps_ea, grid=c.grid, variant="derived", eps_claim=claim)
    return VariantRow("derived_optimal", "dodis", info.bound, "theorem6", a.m, a.length.eps_achieved,
                      a.eps_protocol, "the derived bound (our derivation from the paper's Theorems 2-4) at the "
                      "pre-commitment chosen by CONV-OPT for the same protocol-level eps", a.eps_protocol <= claim,
                      params)


def to_json(rows: list[VariantRow]) -> list[dict[str, Any]]:
    """The ``variants`` key of ``diramp audit --compare --json``: name, extractor, bound, m, eps, source."""
    from diramp.exact import decimal_up

    out = []
    for r in rows:
        d: dict[str, Any] = {"name": r.name, "extractor": r.extractor, "bound": r.bound, "theorem": r.theorem,
                             "m": r.m,
                             "eps_achieved": None if r.eps_achieved is None else decimal_up(r.eps_achieved, 6),
                             "eps_protocol": decimal_up(r.eps_protocol, 6), "meets_claim": r.meets_claim,
                             "source": r.source}
        if r.parameters:
            d["parameters"] = r.parameters
        out.append(d)
    return out


__all__ = ["COMPARE_ROWS", "VariantRow", "compare", "to_json"]
