"""The result of one statistical test on one stream (SP 800-22 rev1a, section 1.1.5).

A test produces one or more P-values (sub-tests: e.g. the two serial P-values of
section 2.11, or one per state x of section 2.14).  A sub-test passes when its
P-value is at least ``alpha`` (section 1.1.5: alpha = 0.01 by default); the test
passes when every sub-test passes.  A test that cannot be run on the input (too
short for its documented minimum, or too few cycles for section 2.14) is
``SKIPPED`` with a reason, never failed.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Significance level of SP 800-22 rev1a section 1.1.5 (and of the STS reference code).
ALPHA = 0.01


class Status(enum.Enum):
    """Verdict of one test on one stream."""

    PASS = "PASS"
    FAIL = "FAIL"
    SKIPPED = "SKIPPED"


@dataclass(frozen=True)
class TestResult:
    """Statistic(s), P-value(s) and verdict of one SP 800-22 test on one stream.

    ``p_values`` maps a sub-test label (``""`` for a test with a single P-value)
    to its P-value; ``statistics`` holds the test statistic(s) under the names of
    the standard (``s_obs``, ``chi2``, ...); ``params`` the parameters used.

    >>> r = TestResult.from_p_values("frequency", "2.1", {"": 0.527089}, {"s_obs": 0.63})
    >>> r.status.value, r.passed
    ('PASS', True)
    >>> TestResult.skipped("frequency", "2.1", "n = 10 < 100 (section 2.1.7)").status.value
    'SKIPPED'
    """

    __test__ = False  # not a pytest test class

    name: str
    section: str
    status: Status
    p_values: Mapping[str, float] = field(default_factory=dict)
    statistics: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""
    alpha: float = ALPHA

    @classmethod
    def from_p_values(
        cls,
        name: str,
        section: str,
        p_values: Mapping[str, float],
        statistics: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        alpha: float = ALPHA,
    ) -> TestResult:
        """Build a PASS/FAIL result: FAIL when any P-value is below ``alpha``."""
        pv = {k: float(v) for k, v in p_values.items()}
        status = Status.PASS if all(p >= alpha for p in pv.values()) else Status.FAIL
        return cls(name, section, status, pv, dict(statistics or {}), dict(params or {}),
                   alpha=alpha)

    @classmethod
    def skipped(
        cls, name: str, section: str, reason: str, params: Mapping[str, Any] | None = None
    ) -> TestResult:
        """Build a SKIPPED result with the reason (e.g. the documented minimum length)."""
        return cls(name, section, Status.SKIPPED, {}, {}, dict(params or {}), reason=reason)

    @property
    def passed(self) -> bool:
        """True when the test ran and every P-value is at least ``alpha``."""
        return self.status is Status.PASS

    @property
    def p_value(self) -> float:
        """The single P-value of a one-P-value test (the minimum over sub-tests otherwise)."""
        if not self.p_values:
            raise ValueError(f"{self.name}: no P-value ({self.status.value}: {self.reason})")
        return min(self.p_values.values())

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        return {
            "name": self.name,
            "section": self.section,
            "status": self.status.value,
            "p_values": dict(self.p_values),
            "statistics": {k: _jsonable(v) for k, v in self.statistics.items()},
            "params": {k: _jsonable(v) for k, v in self.params.items()},
            "reason": self.reason,
            "alpha": self.alpha,
        }


def _jsonable(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if hasattr(v, "item"):  # numpy scalar
        return v.item()
    return v
