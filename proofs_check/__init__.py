"""Mechanical checks of the algebra behind diramp (exact arithmetic only).

Each check is a function, registered with :func:`check`, that returns a short
text stating what it established and raises :class:`AssertionError` with a clear
message otherwise.  Checks use :class:`fractions.Fraction` and sympy only; no
floating point enters a verdict.

Run them all, or some by name::

    python -m proofs_check                 # all; exit status 1 if any failed
    python -m proofs_check sv_bounds       # one
    python -m proofs_check --list          # names and one-line summaries

Adding a check
--------------
Drop a module ``proofs_check/<name>.py`` (no leading underscore) holding one
function decorated with ``@check``; nothing else needs to change::

    from proofs_check import check

    @check("LEM-MDL-LOCAL")          # spec IDs the check establishes
    def example() -> str:
        '''First docstring line: paper item and spec ID (shown by --list).'''
        assert 1 + 1 == 2, "arithmetic is broken"
        return "1 + 1 = 2 exactly"

The check's name is its module's name (override with ``@check(..., name=...)``).
:func:`load_all` imports every module of this package, so the new check is found
by ``python -m proofs_check`` and by ``tests/test_proofs_check.py`` (which runs
every registered check).  A cross-check should read the implementation through
its module attribute (``sv.mu_max(...)``, not ``from diramp.sv import mu_max``)
so that a test can plant an error with ``monkeypatch`` and see the check fail.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["REGISTRY", "Check", "Outcome", "check", "load_all", "run"]


@dataclass(frozen=True)
class Check:
    """A registered check: its name, the spec IDs it establishes, the function."""

    name: str
    spec_ids: tuple[str, ...]
    func: Callable[[], str]

    @property
    def summary(self) -> str:
        """First line of the function's docstring."""
        doc = (self.func.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""


@dataclass(frozen=True)
class Outcome:
    """Result of running one check: ``passed`` and the established text or the failure."""

    name: str
    passed: bool
    text: str

    def line(self) -> str:
        """``PASS <name>: <text>`` or ``FAIL <name>: <reason>``."""
        return f"{'PASS' if self.passed else 'FAIL'} {self.name}: {self.text}"


#: name -> Check, filled by the @check decorator when the modules are imported.
REGISTRY: dict[str, Check] = {}


CheckFunc = Callable[[], str]


def check(*spec_ids: str, name: str | None = None) -> Callable[[CheckFunc], CheckFunc]:
    """Register a check function under its module's name (or ``name``)."""

    def deco(func: Callable[[], str]) -> Callable[[], str]:
        key = name or func.__module__.rsplit(".", 1)[-1]
        old = REGISTRY.get(key)
        if old is not None and (old.func.__module__, old.func.__qualname__) != (
            func.__module__,
            func.__qualname__,
        ):
            raise ValueError(f"proofs_check: two checks named {key!r}; rename one")
        REGISTRY[key] = Check(key, tuple(spec_ids), func)
        return func

    return deco


def load_all() -> dict[str, Check]:
    """Import every check module of this package; return the registry sorted by name."""
    for mod in pkgutil.iter_modules(__path__):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{__name__}.{mod.name}")
    return dict(sorted(REGISTRY.items()))


def run(names: list[str] | None = None) -> list[Outcome]:
    """Run the named checks (all if ``names`` is empty or None), in registry order.

    Raises KeyError for an unknown name.  Any exception other than a passing
    return counts as a failure and is reported with its type.
    """
    checks = load_all()
    unknown = [n for n in names or [] if n not in checks]
    if unknown:
        raise KeyError(f"unknown check(s) {unknown}; known: {sorted(checks)}")
    selected = [checks[n] for n in names] if names else list(checks.values())
    out = []
    for c in selected:
        try:
            text = c.func()
        except AssertionError as exc:
            out.append(Outcome(c.name, False, str(exc) or "assertion failed"))
        except Exception as exc:  # a crash is a failure too, never a pass
            out.append(Outcome(c.name, False, f"{type(exc).__name__}: {exc}"))
        else:
            out.append(Outcome(c.name, True, text))
    return out
