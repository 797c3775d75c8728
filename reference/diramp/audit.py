"""``diramp audit``: every term of the security chain for one parameter set.

Assembles (never prints) an :class:`AuditReport`: the inputs and where they
came from, eta with its ingredients, Theorem 5 in both variants, optionally
Theorem 6 on a grid, and with a preset the published numbers and the spread of
m over the values the paper does not publish.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from diramp.bell import Counts, chsh, s_mu, s_mu_depolarised
from diramp.errors import InputError
from diramp.exact import exact_text
from diramp.length import VARIANTS, AdaptiveResult, Grid, LengthResult, check_params, theorem5, theorem6
from diramp.params import load_preset
from diramp.sv import check_mu, mu_max, mu_min


@dataclass(frozen=True)
class AuditInputs:
    """Validated audit inputs, exact."""

    n: int
    mu: Fraction
    s_mu: Fraction
    eps: Fraction
    eps_s: Fraction
    eps_ea: Fraction
    s_source: str  #: how S_mu was obtained (given / counts / CHSH under CONV-DEPOL)
    grid: Grid | None = None
    chsh: Fraction | None = None


@dataclass(frozen=True)
class Spread:
    """Range of the certified m over the unpublished parameters (preset audits)."""

    variant: str
    m_min: int
    m_max: int
    combos: int
    published_inside: bool
    argmin: dict[str, str]
    argmax: dict[str, str]


@dataclass(frozen=True)
class AuditReport:
    inputs: AuditInputs
    mu_min: Fraction
    mu_max: Fraction
    thm5: Mapping[str, LengthResult]
    thm6: Mapping[str, AdaptiveResult] = field(default_factory=dict)
    preset: str | None = None
    m_published: int | None = None
    spreads: Mapping[str, Spread] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def headline(self, variant: str) -> LengthResult:
        """The result a reader should quote: Theorem 6 when a grid was given, else Theorem 5."""
        return self.thm6[variant].length if variant in self.thm6 else self.thm5[variant]


def resolve_s_mu(
    mu: Fraction,
    s: Fraction | None = None,
    counts: Counts | None = None,
    chsh_value: Fraction | None = None,
) -> tuple[Fraction, str, Fraction | None]:
    """S_mu from exactly one of: a value, counts (DEF-SOBS), or a CHSH value (CONV-DEPOL)."""
    given = [v is not None for v in (s, counts, chsh_value)]
    if sum(given) != 1:
        raise InputError("S_mu", "give exactly one of --s-mu, --counts, --chsh", f"got {sum(given)}")
    if s is not None:
        return s, "given", None
    if counts is not None:
        return s_mu(counts, mu), f"counts (n = {counts.n}, DEF-SOBS)", chsh(counts)
    assert chsh_value is not None
    if not 2 <= chsh_value <= Fraction(28284271247461903, 10**16):
        raise InputError("chsh", "must lie in [2, 2*sqrt(2)] for the depolarising model",
                         f"got {chsh_value}")
    return s_mu_depolarised(chsh_value, mu), "CHSH under the depolarised |Psi+> model (CONV-DEPOL)", chsh_value


def audit(inputs: AuditInputs) -> AuditReport:
    """Run Theorem 5 (and Theorem 6 if a grid is given) in both variants."""
    check_mu(inputs.mu)
    check_params(inputs.n, inputs.mu, inputs.s_mu, inputs.eps, inputs.eps_s, inputs.eps_ea)
    i = inputs
    thm5: dict[str, LengthResult] = {v: theorem5(i.n, i.mu, i.s_mu, i.eps, i.eps_s, i.eps_ea, v) for v in VARIANTS}
    thm6: dict[str, AdaptiveResult] = {}
    if inputs.grid is not None:
        thm6 = {v: theorem6(inputs.n, inputs.mu, inputs.s_mu, inputs.eps, inputs.eps_s, inputs.grid, v,
                            inputs.eps_ea) for v in VARIANTS}
    return AuditReport(inputs, mu_min(inputs.mu), mu_max(inputs.mu), thm5, thm6)


def audit_preset(name: str, variants_spread: bool = True) -> AuditReport:
    """Audit a preset at its assumed values, plus the spread over every unpublished value."""
    p = load_preset(name)
    n = int(p.published("n"))
    mu = p.published("mu")
    eps = p.published("eps")
    eps_s = p.assumed("eps_s")
    eps_ea = p.assumed("eps_EA")
    bins = int(p.assumed("grid_bins"))
    grid = Grid(p.assumed("grid_delta_s") * bins, bins)
    inputs = AuditInputs(n, mu, p.published("s_mu_obs"), eps, eps_s, eps_ea,
                         "published S_mu,obs (rounded)", grid, p.published("chsh"))
    base = audit(inputs)
    m_pub = int(p.published("m"))
    spreads: dict[str, Spread] = {}
    if variants_spread:
        grids: list[Fraction | None] = [None, *p.spread("grid_delta_s")]
        for variant in VARIANTS:
            results = []
            for es, ea, s, ds in itertools.product(p.spread("eps_s"), p.spread("eps_EA"),
                                                   p.spread("s_mu_obs_unrounded"), grids):
                if ds is None:
                    m = theorem5(n, mu, s, eps, es, ea, variant).m
                    where = "Theorem 5"
                else:
                    m = theorem6(n, mu, s, eps, es, Grid(ds * bins, bins), variant, ea).m
                    where = f"Theorem 6, M = {bins}, Delta S = {_dec(ds)}"
                results.append((m, {"eps_s": _dec(es), "eps_EA": _dec(ea), "S_mu_obs": _dec(s),
                                    "length": where}))
            lo_r = min(results, key=lambda r: r[0])
            hi_r = max(results, key=lambda r: r[0])
            spreads[variant] = Spread(variant, lo_r[0], hi_r[0], len(results),
                                      lo_r[0] <= m_pub <= hi_r[0], lo_r[1], hi_r[1])
    sources = {k: p.source(k) for k in ("n", "mu", "s_mu_obs", "eps", "m", "chsh")}
    sources.update({k: p.source(k) for k in ("eps_s", "eps_EA", "grid_delta_s", "grid_bins")})
    return AuditReport(inputs, base.mu_min, base.mu_max, base.thm5, base.thm6, name, m_pub,
                       spreads, sources)


def _dec(x: Fraction) -> str:
    return exact_text(x, 10**6)
