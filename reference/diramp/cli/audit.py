"""``diramp audit``: show every term of the security bound, with its rounding and spec ID."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from diramp.audit import AuditReport, audit_request
from diramp.bell import Counts
from diramp.cli._args import exact, integer
from diramp.cli._format import directed, dump_json, exact_str, table
from diramp.exact import decimal_down, decimal_up
from diramp.length import VARIANTS, LengthResult
from diramp.params import PRESETS, Given

DESCRIPTION = """\
Audit a parameter choice against the security chain of Kulikov et al. (2024):
eta (Theorem 1, our reconstruction: spec THM-1-*), the extractor error
composition (Theorems 2-4) and the output length m (Theorem 5; Theorem 6 with
a grid), in two variants:

  derived     follows provably from Theorems 2-4 (THM-5-DERIVED); the default
  as_printed  eq. (18)/(21) verbatim, with the eps that m actually achieves

Every number is exact or a rigorous interval; lower bounds are rounded down,
upper bounds up, and each row says which.  m is the floor of a certified lower
bound.  Start with:  diramp audit --preset kulikov2024
"""

EXAMPLES = """\
examples:
  diramp audit --preset kulikov2024             the paper's run, with the spread of m
  diramp audit --preset kulikov2024 --json      one JSON object (for scripts)
  diramp audit --preset kulikov2024 --eps 1e-10 the paper's run with one value changed
  diramp audit --n 1342177280 --mu 0.0075 --chsh 2.271 --eps 1e-12 --eps-s 1e-20
  diramp audit --n 1e9 --mu 0.01 --s-mu 0.003 --eps 1e-9 --eps-s 1e-12 --bins 1000 --s-max 0.0125
  diramp audit --mu 0 --counts counts.json --eps 1e-9 --eps-s 1e-12 --target-m 1000000

counts.json holds N(a,b,x,y) as {"abxy": count}, e.g. {"0000": 12, "0101": 3, ...};
n is the total of the counts (a different --n is an error).
Numbers are read exactly: 0.0075 is 3/400, not the nearest double.
With --preset, every parameter you give overrides the preset's value and is
marked OVERRIDDEN; the published m stays beside your result, and the spread
varies only the unpublished values you did not override.  eps_EA follows an
overridden eps (eq. 21) unless --eps-ea is given.  With a grid the headline is
Theorem 6, whose protocol-level eps is M times the worst bin's eps (THM-6-EPS):
that, not the per-bin eps, is compared with the claimed eps.
"""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "audit", help="every term of the security bound for n, mu, S_mu, eps (start here)",
        description=DESCRIPTION, epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--preset", choices=PRESETS,
                   help="a published parameter set (adds m_published and the spread); any option below overrides "
                   "one of its values, marked OVERRIDDEN")
    p.add_argument("--n", type=integer("--n", 1, MAX_AUDIT_N), help="number of trials n (integer >= 1; 1e9 accepted)")
    p.add_argument("--mu", type=exact("--mu"), help="SV bias mu in [0, 1/2), e.g. 0.0075")
    s = p.add_mutually_exclusive_group()
    s.add_argument("--s-mu", type=exact("--s-mu"),
                   help="MDL threshold S_mu (Theorem 5) or observed S_mu,obs (Theorem 6)")
    s.add_argument("--counts", type=Path,
                   help="JSON file of counts N(a,b,x,y): S_mu,obs by DEF-SOBS, n from the counts")
    s.add_argument("--chsh", type=exact("--chsh"), help="CHSH value; S_mu by the depolarised |Psi+> model (CONV-DEPOL)")
    p.add_argument("--eps", type=exact("--eps"), help="security parameter eps in (0, 1) (per Theorem 5 instance)")
    p.add_argument("--eps-s", type=exact("--eps-s"), help="smoothing parameter eps_s in (0, 1), with 6*eps_s < eps")
    p.add_argument("--eps-ea", type=exact("--eps-ea"),
                   help="entropy-accumulation parameter eps_EA in (0, 1) (default: eps)")
    p.add_argument("--eps-protocol", type=exact("--eps-protocol"),
                   help="protocol-level eps claimed (THM-6-EPS; default eps, the preset's: the paper's 1e-12)")
    p.add_argument("--bins", type=integer("--bins", 1, 10**7), help="Theorem 6 grid: number of bins M (with --s-max)")
    p.add_argument("--s-max", type=exact("--s-max"), help="Theorem 6 grid: S_mu,max (with --bins); Delta S = S_max/M")
    p.add_argument("--target-m", type=integer("--target-m", 1),
                   help="also solve for the minimum n, minimum S_mu, maximum mu reaching this m, under the "
                   "headline's theorem (Theorem 6 with a grid)")
    p.add_argument("--digits", type=integer("--digits", 1, 40), default=12,
                   help="significant digits shown, 1..40 (default 12)")
    p.add_argument("--compare", action="store_true",
                   help="also every named bound variant side by side (CONV-VARIANTS, spec/bounds.md): as_printed, "
                   "derived, derived at the optimal pre-commitment (CONV-OPT), refined, circulant; each with its "
                   "extractor, m, eps and where its proof comes from")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.set_defaults(func=run)


#: Largest n an audit accepts (far beyond any experiment; keeps every printed integer short).
MAX_AUDIT_N = 10**60


def _load_counts(path: Path) -> Counts:
    from diramp.inputs import read_json
    from diramp.validate import check_document

    data = read_json(path, "counts file", 1 << 20)
    check_document(data, "counts.schema.json", str(path), 'write {"abxy": count, ...}, e.g. {"0000": 12}')
    return Counts.from_mapping(data)


def run(args: argparse.Namespace) -> int:
    given = Given(n=args.n, mu=args.mu, eps=args.eps, eps_s=args.eps_s, eps_EA=args.eps_ea, bins=args.bins,
                  s_max=args.s_max, eps_protocol=args.eps_protocol, s_mu=args.s_mu, chsh=args.chsh,
                  counts=_load_counts(args.counts) if args.counts is not None else None)
    report = audit_request(args.preset, given)
    inverse = _inverse(report, args.target_m) if args.target_m is not None else None
    rows = _compare(report) if args.compare else None
    if args.json:
        out = to_json(report, inverse)
        if rows is not None:
            from diramp.compare import to_json as rows_json

            out["variants"] = rows_json(rows)
        print(dump_json(out))
    else:
        text = render(report, args.digits, inverse)
        print(text if rows is None else text + render_compare(rows))
    return 0


def _compare(report: AuditReport) -> Any:
    """CONV-VARIANTS: the rows of --compare for the audit's inputs (the headline's theorem and grid)."""
    from diramp.compare import compare

    i = report.inputs
    return compare(i.n, i.mu, i.s_mu, i.eps, i.eps_s, i.eps_ea, i.grid, i.eps_claim)


def render_compare(rows: Any) -> str:
    """CONV-VARIANTS: the --compare table (text)."""
    base = next((r.m for r in rows if r.name == "derived"), 0)
    body = []
    for r in rows:
        ratio = f"{r.m / base:.3f}" if base else "-"
        body.append([r.name, r.extractor, r.bound, f"{r.m:,}", ratio,
                     "-" if r.eps_achieved is None else decimal_up(r.eps_achieved, 3),
                     decimal_up(r.eps_protocol, 3) + ("" if r.meets_claim else " (MISSES claim)")])
    lines = ["Variants side by side (CONV-VARIANTS; spec/bounds.md): same data, every sound way to more bits",
             table(body, ["variant", "extractor", "bound", "m", "x derived", "eps per bin", "eps protocol"])]
    for r in rows:
        lines.append(f"  {r.name}: {r.source}")
        if r.parameters:
            lines.append("    committed: " + ", ".join(f"{k} = {v}" for k, v in r.parameters.items()))
    lines.append("  the default stays the paper's extractor with the derived bound")
    return "\n".join(lines) + "\n"


def _inverse(report: AuditReport, m_target: int) -> dict[str, str]:
    """REQ-INVERSE-HEADLINE: the inverse helpers under the same theorem and grid as the headline."""
    from diramp.errors import InputError
    from diramp.inverse import depolarised, max_mu, min_n, min_s_mu, theorem_name

    i = report.inputs
    common: dict[str, Any] = {"eps": i.eps, "eps_s": i.eps_s, "eps_ea": i.eps_ea, "grid": i.grid}

    def answer(f: Any) -> str:
        try:
            return str(f())
        except InputError as exc:  # not reachable under these inputs: say so, keep the audit
            return f"not reachable ({exc.problem})"

    out = {
        "m_target": str(m_target),
        "theorem": theorem_name(i.grid) + ", derived variant",
        "min_n": answer(lambda: min_n(m_target, mu=i.mu, s_mu=i.s_mu, **common)),
        "min_S_mu": answer(lambda: decimal_up(min_s_mu(m_target, n=i.n, mu=i.mu, **common), 10)),
    }
    if i.chsh is not None:
        out["max_mu"] = answer(lambda: decimal_down(max_mu(m_target, n=i.n, s_of_mu=depolarised(i.chsh),
                                                           **common), 10))
    else:
        out["max_mu"] = "n/a (needs a CHSH value: --chsh or --counts)"
    return out


def _length_json(r: LengthResult) -> dict[str, Any]:
    return {
        "m": r.m,
        "m_prime": {"lo": decimal_down(r.m_prime_lo, 20), "hi": decimal_up(r.m_prime_hi, 20)},
        "eps_claimed": exact_str(r.eps_claimed),
        "eps_achieved": None if r.eps_achieved is None else decimal_up(r.eps_achieved, 6),
        "meets_claim": r.meets_claim,
        "S_mu_used": exact_str(r.s_used),
        "note": r.note,
        "terms": [
            {"name": t.name, "lo": decimal_down(t.lo, 20), "hi": decimal_up(t.hi, 20),
             "rounding": t.rounding, "spec": t.spec}
            for t in r.terms
        ],
    }


def to_json(report: AuditReport, inverse: dict[str, str] | None = None) -> dict[str, Any]:
    """The audit as one JSON-ready object (see `diramp audit --help`)."""
    i = report.inputs
    head = {v: report.headline(v) for v in VARIANTS}
    e = head["derived"].eta
    out: dict[str, Any] = {
        "n": i.n,
        "mu": exact_str(i.mu),
        "S_mu": exact_str(i.s_mu),
        "S_mu_source": i.s_source,
        "eps": exact_str(i.eps),
        "eps_s": exact_str(i.eps_s),
        "eps_EA": exact_str(i.eps_ea),
        "mu_min": exact_str(report.mu_min),
        "mu_max": exact_str(report.mu_max),
        "headline": report.headline_theorem,
        "eta": None if e is None else {"lo": decimal_down(e.lo, 30), "hi": decimal_up(e.hi, 30),
                                       "rounding": "enclosure; lo is the certified lower bound",
                                       "t": decimal_down(e.t, 20), "k": e.k},
        "theorem5": {v: _length_json(r) for v, r in report.thm5.items()},
        "origins": dict(i.origins),
        "overridden": list(report.overridden),
        "warnings": report.warnings(),
        "notes": list(report.notes),
    }
    for v in VARIANTS:
        out[f"m_{v}"] = head[v].m
        ach = head[v].eps_achieved
        out[f"eps_achieved_{v}"] = None if ach is None else decimal_up(ach, 6)
    if report.thm6:
        # THM-6-EPS: the protocol-level eps is what the claim is judged by (F8)
        out["eps_protocol"] = decimal_up(report.thm6["derived"].eps_protocol, 6)
        out["meets_claim"] = report.thm6["derived"].meets_claim
        out["eps_note"] = ("eps_achieved_* is the per-bin (per Theorem 5 instance) eps; eps_protocol = M x the worst "
                           "bin's eps is the adaptive protocol's security (THM-6-EPS)")
    if i.chsh is not None:
        out["chsh"] = exact_str(i.chsh)
    if report.thm6:
        g = next(iter(report.thm6.values())).grid
        out["grid"] = {"M": g.bins, "S_max": exact_str(g.s_max), "delta_S": exact_str(g.delta)}
        out["theorem6"] = {
            v: {**_length_json(a.length), "S_grid": exact_str(a.s_grid), "bin": a.bin_index,
                "eps_protocol": decimal_up(a.eps_protocol, 6), "meets_claim_protocol": a.meets_claim}
            for v, a in report.thm6.items()
        }
    if report.preset:
        out["locality"] = _locality_json()
        out["preset"] = report.preset
        out["m_published"] = report.m_published
        out["sources"] = report.sources
        out["spread"] = {
            v: {"m_min": s.m_min, "m_max": s.m_max, "combinations": s.combos,
                "published_inside": s.published_inside, "argmin": s.argmin, "argmax": s.argmax,
                "varied": list(s.varied)}
            for v, s in report.spreads.items()
        }
    if inverse:
        out["inverse"] = inverse
    return out


def render(report: AuditReport, digits: int = 12, inverse: dict[str, str] | None = None) -> str:
    """Human-readable audit tables."""
    i = report.inputs
    src = report.sources
    lines = ["diramp audit: security chain of Kulikov et al. (2024)  [spec IDs refer to spec/]", ""]
    rows = [
        ["n", str(i.n), i.origins.get("n", "given")],
        ["mu", exact_str(i.mu), i.origins.get("mu", "given")],
        ["S_mu", exact_str(i.s_mu), f"{i.origins.get('s_mu', 'given')}; {i.s_source}"],
        ["eps (per Theorem 5 instance)", exact_str(i.eps), i.origins.get("eps", "given")],
        ["eps_s", exact_str(i.eps_s), i.origins.get("eps_s", "given")],
        ["eps_EA", exact_str(i.eps_ea), i.origins.get("eps_EA", "given (default: eps)")],
        ["eps claimed (protocol level)", exact_str(i.eps_claim or i.eps), i.origins.get("eps_protocol", "= eps")],
        ["mu_min = (1/2-mu)^2", exact_str(report.mu_min), "DEF-SV-PAIR"],
        ["mu_max = (1/2+mu)^2", exact_str(report.mu_max), "DEF-SV-PAIR"],
    ]
    if i.chsh is not None:
        rows.append(["CHSH", exact_str(i.chsh), src.get("chsh", "from counts (DEF-CHSH)")])
    if i.grid is not None:
        rows.append(["grid M", str(i.grid.bins), i.origins.get("bins", "given (THM-6-GRID)")])
        rows.append(["grid S_max", exact_str(i.grid.s_max), i.origins.get("s_max", "given (THM-6-GRID)")])
    lines += ["Inputs", table(rows, ["quantity", "value", "source"]), ""]

    r5 = report.headline("derived")
    if r5.eta is not None:
        e = r5.eta
        rows = [
            ["tangent point t (max of f_t(S) - v(t)/sqrt n)", decimal_down(e.t, digits), "exact", "THM-1-OPT"],
            ["k = ceil(mu_max g'(t))", str(e.k), "exact (conservative ceil)", "THM-1-EAT"],
            ["g(t)", directed(*e.g_t, "enclosure", digits), "enclosure", "THM-1-G"],
            ["g'(t)", directed(*e.g_prime_t, "enclosure", digits), "enclosure", "THM-1-G"],
            ["f_t(S) = g(t) + g'(t)(S - t)", directed(*e.f_t, "enclosure", digits), "enclosure", "THM-1-TANGENT"],
            ["v(t)", directed(*e.v, "enclosure", digits), "enclosure", "THM-1-EAT"],
            ["v(t)/sqrt(n)", directed(*e.v_over_sqrt_n, "enclosure", digits), "enclosure", "THM-1-EAT"],
            ["eta", directed(e.lo, e.hi, "enclosure", digits), "enclosure; lower end used", "THM-1"],
        ]
        lines += [f"eta at S_mu = {exact_str(r5.s_used)} (Theorem 1, RECONSTRUCTED: spec THM-1-*; the headline's S)",
                  table(rows, ["term", "value", "rounding", "spec"]), ""]
    if report.thm5:
        lines += _length_table("Theorem 5: fixed threshold S_mu" + ("  [reference; the headline is Theorem 6]"
                                                                    if report.thm6 else "  [headline]"),
                               report.thm5, digits)
    if report.thm6:
        a = report.thm6["derived"]
        title = (f"Theorem 6  [headline]: S_mu,obs = {exact_str(a.s_obs)} rounded down to the grid: "
                 f"S = {exact_str(a.s_grid)} (bin {a.bin_index} of {a.grid.bins})")
        lines += _length_table(title, {v: x.length for v, x in report.thm6.items()}, digits)
        for v, x in report.thm6.items():
            verdict = "meets" if x.meets_claim else "MISSES"
            lines.append(f"  {v}: protocol-level eps = M x max(worst-bin eps, eps_EA) <= "
                         f"{decimal_up(x.eps_protocol, 4)}; {verdict} the claimed eps = {exact_str(x.eps_claimed)} "
                         "(THM-6-EPS)")
        lines.append("")
    if report.preset:
        lines.append(f"Preset {report.preset}: published m = {report.m_published:,}"
                     + (f"  (for the paper's parameters; yours differ in: {', '.join(report.overridden)})"
                        if report.overridden else ""))
        for v, s in report.spreads.items():
            inside = "inside" if s.published_inside else "OUTSIDE"
            lines.append(f"  {v:10s}: m ranges {s.m_min:,} .. {s.m_max:,} over {s.combos} combinations "
                         f"of unpublished values (published m is {inside})")
        lines.append(f"  (varied: {', '.join(report.spreads['derived'].varied) or 'nothing: all overridden'}; "
                     "see --json)")
        lines.append("")
        lines += _locality_lines()
    if inverse:
        lines.append(f"To reach m = {inverse['m_target']} ({inverse['theorem']}, other inputs fixed):")
        lines.append(f"  n >= {inverse['min_n']};  S_mu >= {inverse['min_S_mu']};  mu <= {inverse['max_mu']}")
        lines.append("")
    for note in report.notes:
        lines.append(f"NOTE: {note}")
    for w in report.warnings():
        lines.append(w)
    return "\n".join(lines).rstrip() + "\n"


def _locality_json() -> dict[str, Any]:
    from diramp.locality import locality_report

    r = locality_report()
    return {
        "spec": "EQ-6-8, CONV-TABLE-II",
        "t_d_ns": exact_str(r.t_d),
        "margins": [
            {"reading": m.reading, "direction": m.direction, "total_ns": exact_str(m.total),
             "margin_ns": decimal_down(m.margin, 8), "within_budget": m.within_budget}
            for m in r.margins
        ],
        "findings": list(r.findings),
    }


def _locality_lines() -> list[str]:
    from diramp.locality import locality_report

    r = locality_report()
    rows = [[m.reading, m.direction, exact_str(m.total), decimal_down(m.margin, 6),
             "yes" if m.within_budget else "NO"] for m in r.margins]
    return [f"Locality budget (Table II, eqs. 6-8): t_d = d/c = {decimal_down(r.t_d, 8)} ns  [EQ-6-8, CONV-TABLE-II]",
            table(rows, ["reading", "direction", "t_protocol (ns)", "margin to t_d (ns, down)", "within"]),
            "  eqs. (6)-(8) as printed do not add up to Table II's totals; see --json 'locality.findings'", ""]


def _length_table(title: str, results: Mapping[str, LengthResult], digits: int) -> list[str]:
    out = [title]
    for v, r in results.items():
        rows = [[t.name, directed(t.lo, t.hi, t.rounding, digits), t.rounding, t.spec] for t in r.terms]
        rows.append(["m (certified: floor of the lower bound, >= 0)", f"{r.m:,}", "lower bound", "CONV-ROUNDING"])
        out += [f"  variant {v}" + ("  (default)" if v == "derived" else "  (eq. 18 verbatim)"),
                table(rows, ["term", "value", "rounding", "spec"]), ""]
        if r.note and r.m == 0:
            out += [f"  {r.note}", ""]
    return out


if __name__ == "__main__":  # pragma: no cover
    sys.exit(0)
