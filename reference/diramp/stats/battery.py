"""Running the SP 800-22 battery over streams, and the second-level checks of
SP 800-22 rev1a section 4.2.

The input is split into s streams of ``stream_bits`` bits (default 2^20, the
paper-scale 20,431,465 bits give 19 streams; leftover bits are reported and not
tested).  For every sub-test (one P-value per stream) we report

* the pass proportion over the streams where the test applied, against the
  acceptable range p_hat +- 3 sqrt(p_hat (1 - p_hat) / s), p_hat = 1 - alpha
  (section 4.2.1);
* the uniformity of its P-values (section 4.2.2: 10 bins, chi^2, P-value_T =
  igamc(9/2, chi^2/2), uniform when P-value_T >= 0.0001) only when s >= 55, the
  sample size section 4.2.2 asks for; otherwise "not applicable".

Under the null hypothesis each sub-test falls outside its proportion range with
a small probability that depends on s (computed exactly from the binomial law in
:func:`chance_out_of_range`), so a battery of ~190 sub-tests is *expected* to
show a few such failures by chance; the report states that expectation.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from diramp.errors import InputError
from diramp.stats.bitfile import BitSource
from diramp.stats.result import ALPHA, Status, TestResult
from diramp.stats.sp800_22 import TEST_NAMES, TESTS, igamc

#: Shortest stream accepted (bits): below it most SP 800-22 tests cannot run.
MIN_STREAM_BITS = 1000
#: Most streams accepted (bounds the run time).
MAX_STREAMS = 4096
#: Section 4.2.2: the uniformity check needs at least 55 sequences.
MIN_STREAMS_UNIFORMITY = 55
#: Section 4.2.2: P-values are uniform when P-value_T >= 0.0001.
UNIFORMITY_THRESHOLD = 0.0001


def proportion_range(s: int, alpha: float = ALPHA) -> tuple[float, float]:
    """Acceptable pass-proportion range of section 4.2.1 for s streams.

    >>> [round(x, 4) for x in proportion_range(1000)]  # section 4.2.1 example
    [0.9806, 0.9994]
    """
    p_hat = 1 - alpha
    half = 3 * math.sqrt(p_hat * (1 - p_hat) / s)
    return p_hat - half, p_hat + half


def chance_out_of_range(s: int, alpha: float = ALPHA) -> float:
    """P(a sub-test's pass proportion is below the section 4.2.1 range | H0), exactly.

    Failures among s independent streams are Binomial(s, alpha); the proportion
    (s - f)/s is below the range when f > s (1 - lower bound).

    >>> round(chance_out_of_range(19), 4)
    0.0153
    """
    lower, _ = proportion_range(s, alpha)
    f_max = math.floor(s * (1 - lower) + 1e-12)  # most failures still in range
    inside = sum(math.comb(s, f) * alpha**f * (1 - alpha) ** (s - f) for f in range(f_max + 1))
    return max(0.0, 1.0 - inside)


def uniformity_p_value(p_values: Sequence[float]) -> float:
    """P-value_T of section 4.2.2 (10 equal bins on [0, 1], chi^2 with 9 d.o.f.).

    >>> round(uniformity_p_value([(i + 0.5) / 100 for i in range(100)]), 6)
    1.0
    """
    s = len(p_values)
    counts = np.bincount(np.minimum((np.asarray(p_values) * 10).astype(int), 9), minlength=10)
    chi2 = float(((counts - s / 10) ** 2 / (s / 10)).sum())
    return igamc(9 / 2, chi2 / 2)


@dataclass(frozen=True)
class SubTestSummary:
    """Second-level summary of one sub-test (one P-value per stream) over the streams."""

    test: str
    label: str
    p_values: tuple[float, ...]
    alpha: float = ALPHA

    @property
    def streams(self) -> int:
        return len(self.p_values)

    @property
    def passes(self) -> int:
        return sum(p >= self.alpha for p in self.p_values)

    @property
    def proportion(self) -> float:
        return self.passes / self.streams

    @property
    def range(self) -> tuple[float, float]:
        return proportion_range(self.streams, self.alpha)

    @property
    def in_range(self) -> bool:
        return self.proportion >= self.range[0] - 1e-12

    @property
    def uniformity(self) -> float | None:
        """P-value_T, or None when fewer than 55 streams (section 4.2.2)."""
        if self.streams < MIN_STREAMS_UNIFORMITY:
            return None
        return uniformity_p_value(self.p_values)

    @property
    def ok(self) -> bool:
        u = self.uniformity
        return self.in_range and (u is None or u >= UNIFORMITY_THRESHOLD)

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label, "streams": self.streams, "passes": self.passes,
            "proportion": self.proportion, "range": list(self.range),
            "in_range": self.in_range, "uniformity_p_value": self.uniformity,
            "p_values": list(self.p_values),
        }


@dataclass
class TestSummary:
    """All streams' results of one SP 800-22 test, and its sub-test summaries."""

    __test__ = False

    name: str
    section: str
    results: list[TestResult] = field(default_factory=list)

    @property
    def ran(self) -> list[TestResult]:
        return [r for r in self.results if r.status is not Status.SKIPPED]

    @property
    def skip_reasons(self) -> list[str]:
        return sorted({r.reason for r in self.results if r.status is Status.SKIPPED})

    @property
    def subtests(self) -> list[SubTestSummary]:
        labels: dict[str, list[float]] = {}
        for r in self.ran:
            for label, p in r.p_values.items():
                labels.setdefault(label, []).append(p)
        alpha = self.results[0].alpha if self.results else ALPHA
        return [SubTestSummary(self.name, k, tuple(v), alpha) for k, v in labels.items()]

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.ran[0].params) if self.ran else (
            dict(self.results[0].params) if self.results else {})

    @property
    def verdict(self) -> str:
        subs = self.subtests
        if not subs:
            return "SKIPPED"
        bad = sum(not s.ok for s in subs)
        if bad == 0:
            return "PASS"
        return f"FAIL ({bad}/{len(subs)} sub-tests)"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "section": self.section, "verdict": self.verdict,
            "params": {k: v for k, v in (self.ran[0].to_json()["params"].items()
                                          if self.ran else {}.items())},
            "streams_run": len(self.ran), "streams_skipped": len(self.results) - len(self.ran),
            "skip_reasons": self.skip_reasons,
            "subtests": [s.to_json() for s in self.subtests],
            "per_stream": [r.to_json() for r in self.results],
        }


@dataclass
class BatteryReport:
    """The SP 800-22 part of a ``diramp stats`` run."""

    nbits: int
    stream_bits: int
    n_streams: int
    dropped_bits: int
    alpha: float
    tests: list[TestSummary]

    @property
    def subtests(self) -> list[SubTestSummary]:
        return [s for t in self.tests for s in t.subtests]

    @property
    def expected_chance_failures(self) -> float:
        """Expected number of sub-tests outside their proportion range under H0."""
        return sum(chance_out_of_range(s.streams, self.alpha) for s in self.subtests)

    def verdict(self) -> Verdict:
        """REQ-STATS-VERDICT: pass, fail or inconclusive, with the reason."""
        subs = self.subtests
        skipped = sum(not t.subtests for t in self.tests)
        if len(subs) < MIN_SUBTESTS or 2 * skipped > len(self.tests):
            return Verdict("inconclusive", f"{len(subs)} sub-tests ran, {skipped} of {len(self.tests)} tests were "
                           "skipped (input too short for them): the battery cannot tell")
        out = sum(not s.in_range for s in subs)
        k_max = out_of_range_quantile([chance_out_of_range(s.streams, self.alpha) for s in subs])
        bad_uniform = [f"{s.test}{'/' + s.label if s.label else ''}" for s in subs
                       if s.uniformity is not None and s.uniformity < UNIFORMITY_THRESHOLD]
        if out > k_max:
            return Verdict("fail", f"{out} of {len(subs)} sub-tests are below their proportion range; a perfect "
                           f"source exceeds {k_max} with probability below {1 - VERDICT_QUANTILE:.1%}")
        if bad_uniform:
            return Verdict("fail", f"P-values not uniform (section 4.2.2) in {', '.join(bad_uniform[:5])}")
        return Verdict("pass", f"{out} of {len(subs)} sub-tests below their range, within the {k_max} a perfect "
                       f"source stays within with probability {VERDICT_QUANTILE:.1%}")

    def to_json(self) -> dict[str, Any]:
        subs = self.subtests
        return {
            "standard": "NIST SP 800-22 rev1a (diramp implementation)",
            "overall": self.verdict().to_json(),
            "nbits": self.nbits, "stream_bits": self.stream_bits, "streams": self.n_streams,
            "dropped_bits": self.dropped_bits, "alpha": self.alpha,
            "subtests": len(subs),
            "subtests_out_of_range": sum(not s.in_range for s in subs),
            "expected_out_of_range_by_chance": self.expected_chance_failures,
            "uniformity_applicable": self.n_streams >= MIN_STREAMS_UNIFORMITY,
            "tests": [t.to_json() for t in self.tests],
        }


#: REQ-STATS-VERDICT: the battery fails when the number of sub-tests outside their proportion range exceeds this
#: quantile of its distribution for a perfect source.
VERDICT_QUANTILE = 0.999
#: REQ-STATS-VERDICT: fewer sub-tests than this (or more than half of the tests skipped) cannot tell.
MIN_SUBTESTS = 10


def out_of_range_quantile(qs: Sequence[float], level: float = VERDICT_QUANTILE) -> int:
    """Smallest k with P(X <= k) >= level, X the number of sub-tests out of range under H0.

    X is taken as a sum of independent Bernoulli(q_i) (Poisson-binomial, exact DP);
    sub-tests of one stream are not independent, so this is an approximation,
    stated in the report.

    >>> out_of_range_quantile([0.0153] * 190)  # mean 2.9: P(X >= 10) ~ 1e-3 (Poisson by hand: 8e-4)
    9
    """
    dist = [1.0]
    for q in qs:
        nxt = [0.0] * (len(dist) + 1)
        for k, pk in enumerate(dist):
            nxt[k] += pk * (1 - q)
            nxt[k + 1] += pk * q
        dist = nxt
    acc = 0.0
    for k, pk in enumerate(dist):
        acc += pk
        if acc >= level:
            return k
    return len(dist) - 1


@dataclass(frozen=True)
class Verdict:
    """REQ-STATS-VERDICT: the battery's overall verdict and the rule that gave it."""

    verdict: str  #: "pass", "fail" or "inconclusive"
    reason: str
    rule: str = (f"fail when the number of sub-tests below their section 4.2.1 proportion range exceeds the "
                 f"{VERDICT_QUANTILE:.1%} quantile of its distribution for a perfect source (Poisson-binomial of "
                 "the exact per-sub-test chances, sub-tests taken as independent), or a uniformity check of "
                 "section 4.2.2 fails; inconclusive when fewer than "
                 f"{MIN_SUBTESTS} sub-tests ran or more than half of the tests were skipped; else pass. "
                 "A pass cannot show randomness; K's security rests on the protocol's proof")

    def to_json(self) -> dict[str, str]:
        return {"verdict": self.verdict, "reason": self.reason, "rule": self.rule}


def select_tests(names: Sequence[str] | None) -> list[tuple[str, Callable[..., TestResult]]]:
    """The tests to run, in SP 800-22 order; unknown names are an InputError."""
    if not names:
        return list(TESTS)
    unknown = [n for n in names if n not in TEST_NAMES]
    if unknown:
        raise InputError("--tests", f"unknown test {unknown[0]!r}",
                         "", "choose from: " + ", ".join(TEST_NAMES))
    return [(n, f) for n, f in TESTS if n in names]


def split_streams(nbits: int, stream_bits: int) -> tuple[int, int]:
    """(number of streams, dropped bits): full streams only, or one stream of all bits
    when the input is shorter than one stream.

    >>> split_streams(20_431_465, 2**20)
    (19, 508521)
    >>> split_streams(1000, 2**20)
    (1, 0)
    """
    if stream_bits < MIN_STREAM_BITS:
        raise InputError("--stream-bits", f"must be at least {MIN_STREAM_BITS} bits", f"got {stream_bits}",
                         "SP 800-22's tests need streams of 10^3 to 10^6 bits (default 2^20)")
    if nbits < stream_bits:
        return 1, 0
    s = nbits // stream_bits
    if s > MAX_STREAMS:
        raise InputError("--stream-bits", f"would split the input into {s} streams (at most {MAX_STREAMS})",
                         f"{nbits} bits / {stream_bits}", "choose larger streams, or --bits to test a prefix")
    return s, nbits - s * stream_bits


def run_battery(
    source: BitSource,
    stream_bits: int = 2**20,
    tests: Sequence[str] | None = None,
    alpha: float = ALPHA,
    on_test: Callable[[], None] | None = None,
) -> BatteryReport:
    """Run the selected SP 800-22 tests on every stream of ``source``."""
    chosen = select_tests(tests)
    s, dropped = split_streams(source.nbits, stream_bits)
    length = min(stream_bits, source.nbits)
    summaries = {name: TestSummary(name, "") for name, _ in chosen}
    for i in range(s):
        eps = source.read(i * length, (i + 1) * length)
        for name, fn in chosen:
            r = fn(eps, alpha=alpha)
            summaries[name].section = r.section
            summaries[name].results.append(r)
            if on_test is not None:
                on_test()
    return BatteryReport(source.nbits, length, s, dropped, alpha, list(summaries.values()))


def p_value_span(summary: TestSummary) -> tuple[float, float] | None:
    """(min, median) of all P-values of a test over streams and sub-tests."""
    ps = [p for r in summary.ran for p in r.p_values.values()]
    if not ps:
        return None
    return min(ps), statistics.median(ps)
