"""The ``diramp stats`` report: Markdown (also the terminal output) and JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from diramp.stats.battery import (
    MIN_STREAMS_UNIFORMITY,
    BatteryReport,
    TestSummary,
    chance_out_of_range,
    p_value_span,
    proportion_range,
)
from diramp.stats.external import ExternalReport

VARIANT = (
    "NIST SP 800-22 rev1a (April 2010), diramp's own implementation "
    "(diramp.stats.sp800_22); not the NIST STS code"
)


@dataclass
class StatsReport:
    """Everything one ``diramp stats`` run found."""

    file: str
    layout: str
    sha256: str
    battery: BatteryReport
    dieharder: ExternalReport | None
    ent: ExternalReport | None

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "layout": self.layout,
            "verdict": self.battery.verdict().to_json(),
            "variant": VARIANT, "sp800_22": self.battery.to_json(),
            "dieharder": self.dieharder.to_json() if self.dieharder else None,
            "ent": self.ent.to_json() if self.ent else None,
        }


def _fmt_params(t: TestSummary) -> str:
    keep = {k: v for k, v in t.params.items() if k not in ("pi",)}
    if t.name == "non_overlapping_template":
        keep = {"m": keep.get("m"), "N": keep.get("N"), "M": keep.get("M"),
                "templates": f"{keep.get('templates')} aperiodic"}
    if t.name == "overlapping_template":
        keep["pi"] = "3.8 corrected"
    return ", ".join(f"{k}={v}" for k, v in keep.items()) or "-"


def _p(x: float) -> str:
    return f"{x:.6f}"


def render_markdown(rep: StatsReport) -> str:
    """The human-readable report."""
    b = rep.battery
    lines = [f"# diramp stats: `{rep.file}`", ""]
    v = b.verdict()
    lines.append(f"- **overall verdict: {v.verdict.upper()}**: {v.reason}")
    lines.append(f"- verdict rule (REQ-STATS-VERDICT): {v.rule}")
    lines.append(f"- input: {rep.layout}, {b.nbits:,} bits (no digest shown: the input may be K)")
    if b.n_streams == 1 and b.stream_bits == b.nbits:
        lines.append(f"- streams: 1 (the whole input, {b.nbits:,} bits, is shorter than "
                     "one stream or equal to it)")
    else:
        lines.append(f"- streams: {b.n_streams} x {b.stream_bits:,} bits"
                     + (f"; the last {b.dropped_bits:,} bits are not tested" if b.dropped_bits
                        else ""))
    lines.append(f"- variant: {VARIANT}; alpha = {b.alpha}")
    lo, hi = proportion_range(b.n_streams, b.alpha)
    lines.append(f"- pass-proportion range (section 4.2.1) for s = {b.n_streams}: "
                 f"[{lo:.4f}, {min(hi, 1.0):.4f}]")
    if b.n_streams >= MIN_STREAMS_UNIFORMITY:
        lines.append("- uniformity of P-values (section 4.2.2): applied (s >= 55)")
    else:
        lines.append(f"- uniformity of P-values (section 4.2.2): not applicable: s = "
                     f"{b.n_streams} < {MIN_STREAMS_UNIFORMITY} streams, too few to bin "
                     "P-values into 10 classes")
    lines += ["", "## NIST SP 800-22 rev1a", "",
              "| test | section | parameters | streams run | P-value min / median "
              "| pass proportion (min over sub-tests) | sub-tests out of range | verdict |",
              "|---|---|---|---|---|---|---|---|"]
    for t in b.tests:
        span = p_value_span(t)
        subs = t.subtests
        if span is None or not subs:
            reason = "; ".join(t.skip_reasons) or "not run"
            lines.append(f"| {t.name} | {t.section} | {_fmt_params(t)} | 0 of {len(t.results)} "
                         f"| - | - | - | SKIPPED: {reason} |")
            continue
        worst = min(subs, key=lambda s: s.proportion)
        out = sum(not s.in_range for s in subs)
        ran = len(t.ran)
        pv = _p(span[0]) if ran == 1 and len(subs) == 1 else f"{_p(span[0])} / {_p(span[1])}"
        lines.append(
            f"| {t.name} | {t.section} | {_fmt_params(t)} | {ran} of {len(t.results)} | {pv} "
            f"| {worst.passes}/{worst.streams} = {worst.proportion:.4f} | {out} of {len(subs)} "
            f"| {t.verdict} |")
    subs_all = b.subtests
    n_out = sum(not s.in_range for s in subs_all)
    expected = b.expected_chance_failures
    per = chance_out_of_range(b.n_streams, b.alpha)
    lines += [
        "",
        "## What this run can and cannot show", "",
        f"- {len(subs_all)} sub-tests (one P-value per stream each); {n_out} have a pass "
        f"proportion below the section 4.2.1 range.",
        f"- At alpha = {b.alpha} about 1% of individual P-values fall below alpha for a "
        f"perfect source.  With s = {b.n_streams} streams a sub-test of a perfect source "
        f"falls outside the range with probability {per:.4f} (binomial), so about "
        f"{expected:.1f} of these {len(subs_all)} sub-tests are expected outside it by chance.",
        "- Passing shows only that these tests found no deviation of the kinds they look "
        "for at this sample size.  It cannot show that the bits are random, unpredictable "
        "or private: the security of K rests on the protocol's proof (Kulikov et al. 2024), "
        "not on statistical tests.",
        "- Failing well beyond the chance level (or one test failing in most streams) "
        "does indicate a defect: a bias, a period, a correlation.",
    ]
    if b.n_streams < MIN_STREAMS_UNIFORMITY:
        lines.append(f"- With fewer than {MIN_STREAMS_UNIFORMITY} streams the distribution "
                     "of P-values is not checked; a source whose P-values are skewed but "
                     "rarely below alpha would go unnoticed.")
    for ext in (rep.dieharder, rep.ent):
        if ext is not None:
            lines += ["", *render_external(ext)]
    return "\n".join(lines) + "\n"


def render_external(ext: ExternalReport) -> list[str]:
    """Markdown lines for dieharder or ent."""
    lines = [f"## {ext.tool}", ""]
    if not ext.available:
        return [*lines, ext.message]
    if ext.message:
        lines += [ext.message, ""]
    if ext.tool == "ent":
        for k, v in ext.summary.items():
            lines.append(f"- {k.replace('_', ' ')}: {v}")
        lines.append("- (a sanity summary, not a test verdict)")
        return lines
    ran = [r for r in ext.rows if r.status != "SKIPPED"]
    lines.append(f"{len(ran)} result rows; {len(ext.rows) - len(ran)} tests SKIPPED "
                 f"(file: {ext.summary.get('file_bytes', 0):,} bytes; dieharder reads "
                 "32-bit words and would rewind a short file).")
    lines += ["", "| test | p-value | assessment | detail |", "|---|---|---|---|"]
    for r in ext.rows:
        p = "-" if r.p_value is None else f"{r.p_value:.6f}"
        lines.append(f"| {r.test} | {p} | {r.status} | {r.detail} |")
    return lines
