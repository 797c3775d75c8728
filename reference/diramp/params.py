"""Parameter presets (CONV-PRESET-KULIKOV2024): published values and labelled assumptions.

The canonical file is ``reference/diramp/presets/<name>.json`` (``spec/params/``
links to it).  Every value is either ``published`` (with its place in the
paper) or ``assumed`` (with why, and the spread the audit explores).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources
from typing import Any

from diramp.errors import InputError
from diramp.exact import to_fraction

PRESETS = ("kulikov2024",)


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
