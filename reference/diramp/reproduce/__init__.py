"""``diramp reproduce``: the paper's published numbers beside ours, with figures.

:func:`reproduce` writes, atomically, into one directory:

* ``report.md``: the comparison table (paper value, ours, status, reason,
  source in the paper), the assumptions and the figures;
* ``report.json``: the same rows plus the full audit (``diramp audit --json``)
  and the numbers behind each row; sorted keys, no timestamps, so identical
  inputs give byte-identical files;
* with figures: ``fig2.png`` (300 dpi), ``fig2.pdf`` and ``fig2.json`` (see :mod:`diramp.reproduce.figures`).

Known presets: :data:`PRESETS`.  An unknown name raises
:class:`~diramp.errors.InputError` listing them (exit code 2 in the CLI).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from diramp import SPEC_VERSION, __version__
from diramp.atomic import atomic_write_text
from diramp.errors import InputError
from diramp.reproduce.kulikov2024 import STATUSES, Row

#: Presets ``diramp reproduce`` knows.
PRESETS: tuple[str, ...] = ("kulikov2024",)


@dataclass(frozen=True)
class Reproduction:
    """The outcome of one reproduction: the rows, the numbers behind them, the files written."""

    preset: str
    rows: tuple[Row, ...]
    extra: dict[str, Any]
    audit: dict[str, Any]
    assumptions: dict[str, dict[str, Any]]
    files: tuple[Path, ...] = field(default=())

    def summary(self) -> dict[str, int]:
        c = Counter(r.status for r in self.rows)
        return {s: c.get(s, 0) for s in STATUSES}


def check_preset(name: str) -> str:
    """Validate a preset name (InputError listing the known presets otherwise).

    >>> check_preset("kulikov2024")
    'kulikov2024'
    >>> check_preset("kulikov2023")
    Traceback (most recent call last):
    ...
    diramp.errors.InputError: preset: unknown preset (got 'kulikov2023'); known presets: kulikov2024
    """
    if name not in PRESETS:
        raise InputError("preset", "unknown preset", f"got {name!r}", "known presets: " + ", ".join(PRESETS))
    return name


def compute(name: str) -> Reproduction:
    """Compute every row for a preset (no files written)."""
    from diramp.audit import audit_preset
    from diramp.cli.audit import to_json
    from diramp.params import load_preset
    from diramp.reproduce.kulikov2024 import rows

    check_preset(name)
    report = audit_preset(name)
    rs, extra = rows(name, report)
    raw = load_preset(name).raw
    assumptions = {k: dict(v) for k, v in raw["assumed"].items()}
    return Reproduction(name, tuple(rs), extra, to_json(report), assumptions)


#: Why figures were not drawn, when matplotlib (the ``plots`` extra) is missing.
NO_MATPLOTLIB = ("figures skipped: matplotlib is not installed; install the plots extra "
                 "(python -m pip install 'diramp[plots]') to draw Fig. 2")


def matplotlib_available() -> bool:
    """Whether the ``plots`` extra (matplotlib) can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def reproduce(name: str, out: str | os.PathLike[str], figures: bool = True,
              fig2_grid: Sequence[Fraction] | None = None, fig2_mus: Sequence[Fraction] | None = None) -> Reproduction:
    """Compute the comparison and write report.md, report.json (and Fig. 2 with ``figures``).

    On a base install without matplotlib the report is written and the figures
    are skipped with a note naming the extra (:data:`NO_MATPLOTLIB`).
    """
    from diramp.outputs import declare, output_directory

    check_preset(name)
    d = output_directory(out)
    declare(d / "report.json", "public", "report.json")
    declare(d / "report.md", "public", "report.md")
    skipped = ""
    if figures and not matplotlib_available():
        figures, skipped = False, NO_MATPLOTLIB
    rep = compute(name)
    if skipped:
        rep.extra["figures_note"] = skipped
    fig_files: list[Path] = []
    if figures:
        from diramp.reproduce.fig2 import MUS
        from diramp.reproduce.figures import fig2

        fig_files = fig2(d, MUS if fig2_mus is None else fig2_mus, fig2_grid)
    data_digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                    for p in sorted(fig_files) if p.suffix in (".json", ".csv")}
    rep = Reproduction(rep.preset, rep.rows, rep.extra, rep.audit, rep.assumptions, tuple(fig_files))
    atomic_write_text(d / "report.json", to_json_text(rep, data_digests))
    atomic_write_text(d / "report.md", to_markdown(rep))
    return Reproduction(rep.preset, rep.rows, rep.extra, rep.audit, rep.assumptions,
                        (d / "report.md", d / "report.json", *fig_files))


def to_json_text(rep: Reproduction, data_digests: dict[str, str] | None = None) -> str:
    """report.json: deterministic (sorted keys, exact strings, no timestamps)."""
    obj = {
        "report": "diramp reproduce: published numbers of the paper beside ours",
        "paper": "Kulikov et al., Device-independent randomness amplification (2024)",
        "preset": rep.preset,
        "diramp_version": __version__,
        "spec_version": SPEC_VERSION,
        "statuses": {
            "reproduced": "ours equals the paper's value to the printed digits (or the statement holds)",
            "within spread": "ours differs at our assumed values, but the paper's value is inside the range "
                             "the unpublished parameters allow",
            "differs": "ours disagrees; see reason",
            "not published": "no published number to compare",
        },
        "summary": rep.summary(),
        "rows": [r.to_dict() for r in rep.rows],
        "details": rep.extra,
        "assumptions": rep.assumptions,
        "audit": rep.audit,
        "figures": sorted(p.name for p in rep.files if p.suffix in (".png", ".pdf", ".json", ".csv")
                          and p.name not in ("report.json",)),
        "data_sha256": data_digests or {},
    }
    return json.dumps(obj, indent=2, sort_keys=True) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(rep: Reproduction) -> str:
    """report.md: the table, the reasons, the assumptions, the figures."""
    s = rep.summary()
    lines = [
        f"# Reproduction report: {rep.preset}",
        "",
        "Kulikov et al., *Device-independent randomness amplification* (2024): each published number beside "
        f"the value diramp {__version__} (spec {SPEC_VERSION}) computes, with where the paper prints it and "
        "a status. Regenerate with `diramp reproduce " + rep.preset + " --out DIR`.",
        "",
        "Statuses: **reproduced** (equal to the printed digits, or the statement holds); **within spread** "
        "(differs at our assumed values of the unpublished parameters, but inside the range they allow); "
        "**differs** (with the reason); **not published** (context only).",
        "",
        "Summary: " + ", ".join(f"{v} {k}" for k, v in s.items()) + ".",
        "",
    ]
    group = None
    for r in rep.rows:
        if r.group != group:
            group = r.group
            lines += [f"## {group[0].upper()}{group[1:]}", "",
                      "| quantity | paper | ours | status | source | spec |",
                      "|---|---|---|---|---|---|"]
        lines.append(f"| {_cell(r.quantity)} | {_cell(r.paper)} | {_cell(r.ours)} | **{r.status}** | "
                     f"{_cell(r.source)} | {_cell(r.spec)} |")
        nxt = rep.rows.index(r) + 1
        if nxt == len(rep.rows) or rep.rows[nxt].group != group:
            lines.append("")
            for rr in rep.rows:
                if rr.group == group:
                    lines.append(f"- *{rr.quantity}* (`{rr.key}`, {rr.status}): {rr.reason}")
            lines.append("")
    lines += ["## Assumptions (values the paper does not publish)", "",
              "| parameter | assumed | spread explored | why |", "|---|---|---|---|"]
    for k in sorted(rep.assumptions):
        a = rep.assumptions[k]
        spread = ", ".join(str(x) for x in a.get("spread", [])) or "-"
        lines.append(f"| {k} | {a['value']} | {spread} | {_cell(str(a['why']))} |")
    lines.append("")
    figs = [p.name for p in rep.files if p.suffix == ".png"]
    lines += ["## Figures", ""]
    if "fig2.png" in figs:
        lines += ["![Fig. 2 reproduced](fig2.png)", "",
                  "Fig. 2: rounds n needed for at least 10^6 certified bits against the CHSH value, per bias mu, "
                  "under depolarising noise (CONV-DEPOL), Theorem 5 derived variant, with every other registered "
                  "bound (CONV-VARIANT) at mu = 0.75 % beside it; data in `fig2.json`, vector copy `fig2.pdf`. "
                  "The star is the paper's working point. Curves stop where no n suffices.", ""]
    else:
        why = rep.extra.get("figures_note") or "Figures were not drawn (`--no-figures`)."
        lines += [f"{why} Fig. 4, 10 and 11 need a run's output: "
                  "`diramp figures fig4|fig10|fig11 ...`.", ""]
    if figs:
        lines += ["Fig. 4 (S per block), Fig. 10 (output bits) and Fig. 11 (one-time pad) need a run's output: "
                  "`diramp figures fig4 --trials FILE`, `diramp figures fig10 --k K`, `diramp figures fig11 --k K`.",
                  ""]
    return "\n".join(lines).rstrip() + "\n"


__all__ = ["PRESETS", "STATUSES", "Reproduction", "Row", "check_preset", "compute", "reproduce",
           "to_json_text", "to_markdown"]
