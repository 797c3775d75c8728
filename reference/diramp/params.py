"""Parameter presets (CONV-PRESET-KULIKOV2024) and the one rule for overriding them (CONV-PRESET-OVERRIDE).

The canonical file is ``reference/diramp/presets/<name>.json`` (``spec/params/``
links to it).  Every value is either ``published`` (with its place in the
paper) or ``assumed`` (with why, and the spread the audit explores).
:func:`resolve_parameters` combines a preset with explicit values; ``diramp
audit`` and ``diramp commit`` both use it, so they treat overrides alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources
from typing import Any

from diramp.bell import Counts
from diramp.errors import InputError
from diramp.exact import exact_text, to_fraction

PRESETS = ("kulikov2024",)
#: The parameters an audit and a pre-commitment take from a preset or an override.
PARAMETERS = ("n", "mu", "eps", "eps_s", "eps_EA", "bins", "s_max", "eps_protocol")


@dataclass(frozen=True)
class Preset:
    """A loaded preset: raw JSON plus typed accessors."""

    name: str
    raw: dict[str, Any]

    def published(self, key: str) -> Fraction:
        return to_fraction(self.raw["published"][key]["value"])

    def assumed(self, key: str) -> Fraction:
        return to_fraction(self.raw["assumed"][key]["value"])

    def spread(self, key: str) -> list[Fraction]:
        return [to_fraction(v) for v in self.raw["assumed"][key].get("spread", [])]

    def source(self, key: str) -> str:
        if key in self.raw["published"]:
            return "published: " + str(self.raw["published"][key]["source"])
        return "ASSUMED: " + str(self.raw["assumed"][key]["why"])


def load_preset(name: str) -> Preset:
    """Load a named preset.

    >>> p = load_preset("kulikov2024")
    >>> int(p.published("n")), p.published("mu")
    (1342177280, Fraction(3, 400))
    >>> load_preset("nope")
    Traceback (most recent call last):
    ...
    diramp.errors.InputError: preset: unknown preset (got 'nope'); known presets: kulikov2024
    """
    if name not in PRESETS:
        raise InputError("preset", "unknown preset", f"got {name!r}", "known presets: " + ", ".join(PRESETS))
    text = resources.files("diramp").joinpath("presets", f"{name}.json").read_text("utf-8")
    return Preset(name, json.loads(text))


@dataclass(frozen=True)
class Given:
    """Parameters given explicitly (exact values or None), to audit alone or to override a preset."""

    n: int | None = None
    mu: Fraction | None = None
    eps: Fraction | None = None
    eps_s: Fraction | None = None
    eps_EA: Fraction | None = None
    bins: int | None = None
    s_max: Fraction | None = None
    eps_protocol: Fraction | None = None
    s_mu: Fraction | None = None
    counts: Counts | None = None
    chsh: Fraction | None = None

    def named(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in PARAMETERS}

    @property
    def s_given(self) -> bool:
        return any(v is not None for v in (self.s_mu, self.counts, self.chsh))


def resolve_parameters(preset: Preset | None, given: Given) -> tuple[dict[str, Any], dict[str, str], tuple[str, ...]]:
    """CONV-PRESET-OVERRIDE: the committed parameters from a preset and explicit values, one rule for all commands.

    Returns (values, origins, overridden).  An explicit value always wins and is
    marked "OVERRIDDEN" when it replaces a preset value; eps_EA follows an
    overridden eps (eq. 21) unless it is given too; n comes from the counts when
    counts are given (a different --n is an error).  Without a preset every
    parameter except eps_EA (default eps) and the grid (optional) must be given.
    """
    vals: dict[str, Any] = {}
    origins: dict[str, str] = {}
    overridden: list[str] = []
    base: dict[str, Any] = {}
    base_origin: dict[str, str] = {}
    if preset is not None:
        bins = int(preset.assumed("grid_bins"))
        base = {"n": int(preset.published("n")), "mu": preset.published("mu"), "eps": preset.published("eps"),
                "eps_s": preset.assumed("eps_s"), "eps_EA": preset.assumed("eps_EA"), "bins": bins,
                "s_max": preset.assumed("grid_delta_s") * bins, "eps_protocol": preset.published("eps")}
        base_origin = {k: preset.source(src) for k, src in
                       (("n", "n"), ("mu", "mu"), ("eps", "eps"), ("eps_s", "eps_s"), ("eps_EA", "eps_EA"),
                        ("bins", "grid_bins"), ("s_max", "grid_delta_s"))}
        base_origin["eps_protocol"] = ("published: the paper's overall claim eps = 1e-12 (main text), taken as the "
                                       "protocol-level claim")
    g = given.named()
    if given.counts is not None:
        if g["n"] is not None and g["n"] != given.counts.n:
            raise InputError("--n", "differs from the number of trials in the counts",
                             f"--n {g['n']}, the counts hold n = {given.counts.n}",
                             "drop --n: with --counts n is taken from the counts")
        g["n"] = given.counts.n
    for k in PARAMETERS:
        if g[k] is not None:
            vals[k] = g[k]
            if k in base and base[k] != g[k]:
                origins[k] = f"OVERRIDDEN (preset {preset.name if preset else ''}: {exact_text(base[k], 40)})"
                overridden.append(k)
            elif k == "n" and given.counts is not None:
                origins[k] = "from the counts (DEF-SOBS)"
            else:
                origins[k] = base_origin.get(k, "given")
        elif k == "eps_EA":
            if "eps" in overridden or k not in base:
                vals[k] = vals.get("eps", base.get("eps"))
                origins[k] = "= eps (eq. 21 default; pass --eps-ea to set it)"
            else:
                vals[k], origins[k] = base[k], base_origin[k]
        elif k == "eps_protocol" and k not in base:
            vals[k] = vals.get("eps")
            origins[k] = "= eps (the default claim; pass --eps-protocol to state the protocol-level claim)"
        elif k in base:
            vals[k], origins[k] = base[k], base_origin[k]
    missing = [f"--{k.replace('_', '-').lower()}" for k in ("n", "mu", "eps", "eps_s") if vals.get(k) is None]
    if missing:
        raise InputError("arguments", "missing " + ", ".join(missing), "", "give them, or use --preset kulikov2024")
    if (vals.get("bins") is None) != (vals.get("s_max") is None):
        raise InputError("--bins/--s-max", "give both or neither (Theorem 6 grid)")
    return vals, origins, tuple(overridden)
