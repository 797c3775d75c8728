"""``diramp audit``: every term of the security chain for one parameter set.

Assembles (never prints) an :class:`AuditReport`: the inputs and where they
came from, eta with its ingredients, Theorem 5 in both variants, optionally
Theorem 6 on a grid, and with a preset the published numbers and the spread of
m over the values the paper does not publish.  A preset may be combined with
overrides of any parameter (CONV-PRESET-OVERRIDE): the overridden values are
marked, the published m stays beside the result for comparison, and the spread
varies only what was not overridden.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from diramp.bell import Counts, chsh, exceeds_quantum_max, s_mu, s_mu_depolarised, s_mu_quantum_max_bound
from diramp.errors import InputError
from diramp.exact import exact_text
from diramp.length import VARIANTS, AdaptiveResult, Grid, LengthResult, check_params, theorem5, theorem6
from diramp.params import Given, Preset, load_preset, resolve_parameters
from diramp.sv import check_mu, mu_max, mu_min

#: CHSH range of the depolarised model (CONV-DEPOL), upper end 2 sqrt 2 rounded down.
CHSH_MAX = Fraction(28284271247461903, 10**16)


@dataclass(frozen=True)
class AuditInputs:
    """Validated audit inputs, exact, with where each came from."""

    n: int
    mu: Fraction
    s_mu: Fraction
    eps: Fraction
    eps_s: Fraction
    eps_ea: Fraction
    s_source: str  #: how S_mu was obtained (given / counts / CHSH under CONV-DEPOL)
    grid: Grid | None = None
    chsh: Fraction | None = None
    origins: Mapping[str, str] = field(default_factory=dict)  #: parameter -> "given", "published: ...", ...
    eps_claim: Fraction | None = None  #: THM-6-EPS: the protocol-level eps claimed (None: eps)


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
    varied: tuple[str, ...] = ()  #: the unpublished values varied (those not overridden)


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
    overridden: tuple[str, ...] = ()  #: preset parameters the user replaced (CONV-PRESET-OVERRIDE)
    notes: tuple[str, ...] = ()

    def headline(self, variant: str) -> LengthResult:
        """The result a reader should quote: Theorem 6 when a grid was given, else Theorem 5."""
        if variant in self.thm6:
            return self.thm6[variant].length
        return self.thm5[variant]

    @property
    def headline_theorem(self) -> str:
        return "theorem6" if self.thm6 else "theorem5"

    def warnings(self) -> list[str]:
        """WARNING lines of the headline: per-instance eps misses (THM-5) and protocol-level misses (THM-6-EPS)."""
        out = []
        for v in VARIANTS:
            h = self.headline(v)
            if h.note.startswith("WARNING"):
                out.append(h.note)
        for a in self.thm6.values():
            if a.warning:
                out.append(a.warning)
        return out


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
        if counts.n == 0:
            raise InputError("counts", "hold no trials", "n = 0", "S_mu,obs needs at least one trial")
        try:
            ch: Fraction | None = chsh(counts)
        except InputError:
            ch = None
        return s_mu(counts, mu), f"counts (n = {counts.n}, DEF-SOBS)", ch
    assert chsh_value is not None
    if not 2 <= chsh_value <= CHSH_MAX:
        raise InputError("chsh", "must lie in [2, 2*sqrt(2)] for the depolarising model",
                         f"got {exact_text(chsh_value, 40)}")
    return s_mu_depolarised(chsh_value, mu), "CHSH under the depolarised |Psi+> model (CONV-DEPOL)", chsh_value


def audit(inputs: AuditInputs) -> AuditReport:
    """Run Theorem 5 (and Theorem 6 if a grid is given) in both variants.

    With a grid, an S_mu,obs above the quantum maximum is placed in bin M (F3);
    Theorem 5, which takes S_mu as a threshold no device can meet there, is then
    not evaluated (its rows say so).
    """
    i = inputs
    check_mu(i.mu)
    above = exceeds_quantum_max(i.s_mu, i.mu)
    notes: list[str] = []
    thm6: dict[str, AdaptiveResult] = {}
    if i.grid is not None:
        thm6 = {v: theorem6(i.n, i.mu, i.s_mu, i.eps, i.eps_s, i.eps_ea, grid=i.grid, variant=v,
                            eps_claim=i.eps_claim) for v in VARIANTS}
    if above and i.grid is not None:
        check_params(i.n, i.mu, i.s_mu, i.eps, i.eps_s, i.eps_ea, cap_quantum_max=True)
        thm5: dict[str, LengthResult] = {}
        notes.append("S_mu,obs exceeds the quantum maximum (a statistical fluctuation): Theorem 6 places it in "
                     "bin M (Omega_M = {S_obs >= S_max}); Theorem 5 is not evaluated (F3, CONV-SMAX)")
    else:
        thm5 = {v: theorem5(i.n, i.mu, i.s_mu, i.eps, i.eps_s, i.eps_ea, variant=v) for v in VARIANTS}
    return AuditReport(inputs, mu_min(i.mu), mu_max(i.mu), thm5, thm6, notes=tuple(notes))


def audit_request(preset_name: str | None, given: Given) -> AuditReport:
    """Audit explicit parameters, a preset, or a preset with overrides (CONV-PRESET-OVERRIDE)."""
    preset = load_preset(preset_name) if preset_name else None
    vals, origins, overridden = resolve_parameters(preset, given)
    mu = check_mu(vals["mu"])
    if given.s_given:
        s, s_source, ch = resolve_s_mu(mu, given.s_mu, given.counts, given.chsh)
        origins["s_mu"] = "OVERRIDDEN" if preset is not None else "given"
        if preset is not None:
            overridden = (*overridden, "s_mu")
    elif preset is not None:
        s, s_source, ch = preset.published("s_mu_obs"), "published S_mu,obs (rounded)", preset.published("chsh")
        origins["s_mu"] = preset.source("s_mu_obs")
    else:
        raise InputError("arguments", "missing --s-mu/--counts/--chsh", "", "or use --preset kulikov2024")
    grid = Grid(vals["s_max"], vals["bins"]) if vals.get("bins") is not None else None
    inputs = AuditInputs(vals["n"], mu, s, vals["eps"], vals["eps_s"], vals["eps_EA"], s_source, grid, ch, origins,
                         vals.get("eps_protocol"))
    base = audit(inputs)
    if preset is None:
        return base
    m_pub = int(preset.published("m"))
    given_keys = {k for k, v in given.named().items() if v is not None} | ({"s_mu"} if given.s_given else set())
    spreads = _spreads(preset, inputs, set(overridden) | given_keys)
    sources = {k: preset.source(k) for k in ("n", "mu", "s_mu_obs", "eps", "m", "chsh")}
    sources.update({k: preset.source(k) for k in ("eps_s", "eps_EA", "grid_delta_s", "grid_bins")})
    for k, o in origins.items():
        sources[{"s_mu": "s_mu_obs", "bins": "grid_bins", "s_max": "grid_delta_s"}.get(k, k)] = o
    return AuditReport(inputs, base.mu_min, base.mu_max, base.thm5, base.thm6, preset.name, m_pub, spreads,
                       sources, overridden, base.notes)


def audit_preset(name: str, variants_spread: bool = True) -> AuditReport:
    """Audit a preset at its assumed values, plus the spread over every unpublished value."""
    return audit_request(name, Given())


def _spreads(p: Preset, i: AuditInputs, fixed: set[str]) -> dict[str, Spread]:
    """The spread of m over the unpublished values that were not overridden (CONV-PRESET-OVERRIDE)."""
    bins = i.grid.bins if i.grid is not None else int(p.assumed("grid_bins"))
    eps_s_vals = [i.eps_s] if "eps_s" in fixed else p.spread("eps_s")
    ea_vals = [i.eps_ea] if ({"eps_EA", "eps"} & fixed) else p.spread("eps_EA")
    s_vals = [i.s_mu] if "s_mu" in fixed else p.spread("s_mu_obs_unrounded")
    grids: list[Grid | None]
    if {"bins", "s_max"} & fixed:
        grids = [i.grid]
    else:
        grids = [None, *(_grid(ds, bins, i.mu) for ds in p.spread("grid_delta_s"))]
    varied = tuple(name for name, vs in (("eps_s", eps_s_vals), ("eps_EA", ea_vals),
                                          ("S_mu,obs unrounded", s_vals), ("grid", grids)) if len(vs) > 1)
    m_pub = int(p.published("m"))
    out: dict[str, Spread] = {}
    for variant in VARIANTS:
        results = []
        for es, ea, s, grid in itertools.product(eps_s_vals, ea_vals, s_vals, grids):
            if 6 * es >= i.eps:
                continue  # not an admissible choice at the audited eps (Theorem 5 needs 6 eps_s < eps)
            if grid is None:
                if exceeds_quantum_max(s, i.mu):
                    continue
                m = theorem5(i.n, i.mu, s, i.eps, es, ea, variant=variant).m
                where = "Theorem 5"
            else:
                m = theorem6(i.n, i.mu, s, i.eps, es, ea, grid=grid, variant=variant).m
                where = f"Theorem 6, M = {grid.bins}, Delta S = {_dec(grid.delta)}"
            results.append((m, {"eps_s": _dec(es), "eps_EA": _dec(ea), "S_mu_obs": _dec(s), "length": where}))
        lo_r = min(results, key=lambda r: r[0])
        hi_r = max(results, key=lambda r: r[0])
        out[variant] = Spread(variant, lo_r[0], hi_r[0], len(results), lo_r[0] <= m_pub <= hi_r[0], lo_r[1],
                              hi_r[1], varied)
    return out


def _grid(ds: Fraction, bins: int, mu: Fraction) -> Grid:
    """A grid of step ``ds`` with at most ``bins`` bins and S_max within the quantum maximum (CONV-SMAX).

    m depends on the grid only through Delta S (the bin S_mu,obs falls in), so
    capping M changes no m of the spread, only the protocol-level eps.
    """
    m = bins
    while m > 1 and exceeds_quantum_max(ds * m, mu):
        m = min(m - 1, int(s_mu_quantum_max_bound(mu) / ds))
    return Grid(ds * m, m)


def _dec(x: Fraction) -> str:
    return exact_text(x, 10**6)
