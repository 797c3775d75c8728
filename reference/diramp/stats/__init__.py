"""Statistical batteries for diramp output: the project's own NIST SP 800-22 rev1a
implementation (:mod:`diramp.stats.sp800_22`), stream handling and proportions
(:mod:`diramp.stats.battery`), optional dieharder / ent runners
(:mod:`diramp.stats.external`) and the report (:mod:`diramp.stats.report`).

Statistical tests cannot show that a string is random, only fail to find some
kinds of non-randomness; see docs/stats.md.
"""

from __future__ import annotations

from diramp.stats.result import ALPHA, Status, TestResult
from diramp.stats.sp800_22 import TEST_NAMES, TESTS, as_bits

__all__ = ["ALPHA", "TESTS", "TEST_NAMES", "Status", "TestResult", "as_bits"]
