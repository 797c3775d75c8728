"""Argument types of the CLI, all built on the one exact-number parser (CONV-NUMBER).

Parsing only: a type turns the option's text into an exact value or raises
``argparse.ArgumentTypeError`` with the parser's one-line message, which
``diramp`` prints as ``diramp CMD: error: argument --x: ...`` with exit code 2.
Ranges that belong to the mathematics (mu in [0, 1/2), eps in (0, 1), ...) are
checked by the computing rooms, so every command reports them the same way.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from fractions import Fraction

from diramp.errors import InputError
from diramp.exact import exact_int, parse_exact


def _message(exc: InputError) -> str:
    """The error without its leading parameter name (argparse names the option itself)."""
    text = str(exc)
    prefix = f"{exc.param}: "
    return text[len(prefix):] if text.startswith(prefix) else text


def exact(name: str) -> Callable[[str], Fraction]:
    """An exact number (integer, decimal, exponent or p/q)."""

    def parse(text: str) -> Fraction:
        try:
            return parse_exact(text, name)
        except InputError as exc:
            raise argparse.ArgumentTypeError(_message(exc)) from None

    parse.__name__ = "exact number"
    return parse


def integer(name: str, lo: int | None = None, hi: int | None = None, hint: str = "") -> Callable[[str], int]:
    """An integer in [lo, hi] (``1e9`` and ``1_000`` are accepted)."""

    def parse(text: str) -> int:
        try:
            v = exact_int(parse_exact(text, name), name)
        except InputError as exc:
            raise argparse.ArgumentTypeError(_message(exc)) from None
        if lo is not None and v < lo:
            rng = f">= {lo}" if hi is None or hi > 10**18 else f"in [{lo}, {hi}]"
            raise argparse.ArgumentTypeError(f"must be an integer {rng} (got {text.strip()[:40]})"
                                             + (f"; {hint}" if hint else ""))
        if hi is not None and v > hi:
            top = f"{hi:.3g}" if hi > 10**18 else str(hi)
            raise argparse.ArgumentTypeError(f"must be at most {top} (got {text.strip()[:40]})"
                                             + (f"; {hint}" if hint else ""))
        return v

    parse.__name__ = "integer"
    return parse


def nonempty(name: str) -> Callable[[str], str]:
    """A non-empty string (e.g. a command line)."""

    def parse(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError("must not be empty (omit the option instead)")
        return text

    parse.__name__ = "text"
    return parse


def seconds(name: str, lo: float = 0.001, hi: float = 86400.0) -> Callable[[str], float]:
    """A finite duration in seconds in [lo, hi] (parsed exactly, then used as a float)."""

    def parse(text: str) -> float:
        try:
            v = parse_exact(text, name)
        except InputError as exc:
            raise argparse.ArgumentTypeError(_message(exc)) from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"must be a number of seconds in [{lo:g}, {hi:g}] "
                                             f"(got {text.strip()[:40]})")
        return float(v)

    parse.__name__ = "seconds"
    return parse
