"""Optional external batteries: ``dieharder`` and ``ent`` (Debian packages).

Neither is a dependency.  When a tool is missing the result says so with the
install command; nothing raises.

dieharder silently rewinds a file input that is too short and then reports
results on re-used data, which are invalid.  So before running a test we compare
the file size with the bytes the test consumes at its default tsamples/psamples
(:data:`DIEHARDER_BYTES`) and mark it SKIPPED when the file is too short, as the
paper did ("all tests from the Diehard battery for which the string is
sufficiently long").  As a second guard, any run whose output reports a rewind is
discarded (SKIPPED), never reported.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diramp.inputs import opened
from diramp.stats.bitfile import BitSource

DIEHARDER_MISSING = "dieharder not installed: skipped; install with `apt-get install dieharder`"
ENT_MISSING = "ent not installed: skipped; install with `apt-get install ent`"

#: Bytes each dieharder test (``-d N``) reads at its default tsamples/psamples:
#: (name, bytes).  Measured with dieharder 3.31.1 (Debian 12) by running each test
#: on a 1,000,000-byte file and counting the rewinds it reports: a test that
#: rewound r times read more than r MB and at most (r + 1) MB; the table holds the
#: upper end (r + 1) x 10^6, so the guard errs towards skipping.
#: Tests not measured yet are absent and are reported SKIPPED ("consumption unknown").
DIEHARDER_BYTES: dict[int, tuple[str, int]] = {
    0: ("diehard_birthdays", 56_000_000),
    1: ("diehard_operm5", 441_000_000),
    2: ("diehard_rank_32x32", 553_000_000),
    3: ("diehard_rank_6x8", 281_000_000),
    4: ("diehard_bitstream", 145_000_000),
    5: ("diehard_opso", 879_000_000),
    6: ("diehard_oqso", 600_000_000),
}

#: dieharder tests run by default: the Diehard battery (-d 0..17 without 14, which
#: dieharder itself marks "Do Not Use"), in dieharder's order.
DIEHARDER_DEFAULT_TESTS: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15,
                                            16, 17)

_ROW = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9_]+)\|\s*(?P<ntup>\d+)\|\s*(?P<tsamples>\d+)\|\s*(?P<psamples>\d+)\|"
    r"\s*(?P<p>[0-9.eE+-]+)\|\s*(?P<assessment>\w+)\s*$"
)


@dataclass(frozen=True)
class ExternalRow:
    """One result line of an external tool."""

    test: str
    status: str  # PASSED / WEAK / FAILED (dieharder's words), or SKIPPED
    p_value: float | None = None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"test": self.test, "status": self.status, "p_value": self.p_value,
                "detail": self.detail}


@dataclass
class ExternalReport:
    """Result of one external tool: ran, or skipped with a message."""

    tool: str
    available: bool
    message: str = ""
    rows: list[ExternalRow] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"tool": self.tool, "available": self.available, "message": self.message,
                "rows": [r.to_json() for r in self.rows], "summary": self.summary}


def parse_dieharder(text: str) -> list[ExternalRow]:
    """Result rows of dieharder's default table output.

    >>> line = "   diehard_birthdays|   0|       100|     100|0.78468844|  PASSED  "
    >>> rows = parse_dieharder(line)
    >>> rows[0].test, rows[0].p_value, rows[0].status
    ('diehard_birthdays', 0.78468844, 'PASSED')
    """
    out = []
    for line in text.splitlines():
        m = _ROW.match(line)
        if m:
            label = m["name"] + (f" (ntup {m['ntup']})" if m["ntup"] != "0" else "")
            out.append(ExternalRow(label, m["assessment"], float(m["p"]),
                                   f"tsamples {m['tsamples']}, psamples {m['psamples']}"))
    return out


@contextlib.contextmanager
def raw_payload(source: BitSource) -> Iterator[Path]:
    """A raw file of the source's whole bytes (the header stripped, partial byte dropped).

    A raw file with no bit limit is passed as is; otherwise the payload is copied
    to a temporary file that is removed afterwards.
    """
    if source.layout.startswith("raw") and source.nbits == 8 * source.path.stat().st_size:
        yield source.path
        return
    fd, tmp = tempfile.mkstemp(prefix="diramp-stats-", suffix=".bin")
    try:
        with os.fdopen(fd, "wb") as f:
            offset = 64 if source.layout.startswith("diramp") else 0
            remaining = source.nbits // 8
            with opened(source.path, "bit file") as src:
                src.seek(offset)
                while remaining:
                    chunk = src.read(min(remaining, 1 << 22))
                    if not chunk:
                        break
                    f.write(chunk)
                    remaining -= len(chunk)
        yield Path(tmp)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def run_dieharder(
    source: BitSource,
    tests: Sequence[int] | None = None,
    timeout: float = 3600.0,
    on_test: Callable[[], None] | None = None,
    which: Callable[[str], str | None] | None = None,
) -> ExternalReport:
    """Run the dieharder tests the file is long enough for; SKIPPED rows for the others."""
    exe = (which or shutil.which)("dieharder")
    if exe is None:
        return ExternalReport("dieharder", False, DIEHARDER_MISSING)
    size = source.nbits // 8
    report = ExternalReport("dieharder", True, summary={"file_bytes": size})
    with raw_payload(source) as path:
        for d in tests if tests is not None else DIEHARDER_DEFAULT_TESTS:
            name, need = DIEHARDER_BYTES.get(d, (f"test -d {d}", 0))
            if d not in DIEHARDER_BYTES:
                report.rows.append(ExternalRow(name, "SKIPPED", None,
                                               "consumption unknown to the size guard"))
            elif size < need:
                report.rows.append(ExternalRow(
                    name, "SKIPPED", None,
                    f"needs ~{need:,} bytes at default tsamples/psamples, file has {size:,}"))
            else:
                report.rows.extend(_dieharder_one(exe, d, name, path, timeout))
            if on_test is not None:
                on_test()
    return report


def _dieharder_one(exe: str, d: int, name: str, path: Path, timeout: float) -> list[ExternalRow]:
    try:
        proc = subprocess.run([exe, "-d", str(d), "-g", "201", "-f", str(path)],
                              capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return [ExternalRow(name, "SKIPPED", None, f"timed out after {timeout:g} s")]
    text = proc.stdout + proc.stderr
    rewound = re.search(r"rewound (\d+) times", text)
    if rewound and int(rewound.group(1)) > 0:
        return [ExternalRow(name, "SKIPPED", None,
                            f"dieharder rewound the file {rewound.group(1)} times: "
                            "results on re-used data discarded")]
    rows = parse_dieharder(text)
    if not rows:
        return [ExternalRow(name, "SKIPPED", None,
                            f"no result parsed (exit {proc.returncode})")]
    return rows


_ENT_PATTERNS = {
    "entropy_bits_per_byte": r"Entropy = ([0-9.]+) bits per byte",
    "compression_percent": r"reduce the size\s+of this \d+ byte file by ([0-9.]+) percent",
    "chi_square": r"samples is ([0-9.]+), and randomly",
    "chi_square_exceed_percent": r"would exceed this value (?:less than |greater than )?([0-9.]+)",
    "mean": r"Arithmetic mean value of data bytes is ([0-9.]+)",
    "monte_carlo_pi": r"Monte Carlo value for Pi is ([0-9.]+)",
    "serial_correlation": r"Serial correlation coefficient is (-?[0-9.]+)",
}


def parse_ent(text: str) -> dict[str, float]:
    """The numbers of ent's default (byte-mode) summary.

    >>> parse_ent("Entropy = 7.999990 bits per byte.\\nArithmetic mean value of data bytes is "
    ...           "127.4966 (127.5 = random).")
    {'entropy_bits_per_byte': 7.99999, 'mean': 127.4966}
    """
    out = {}
    for key, pattern in _ENT_PATTERNS.items():
        m = re.search(pattern, text)
        if m:
            out[key] = float(m.group(1))
    return out


def run_ent(source: BitSource, which: Callable[[str], str | None] | None = None,
            timeout: float = 600.0) -> ExternalReport:
    """Run ``ent`` (byte mode) on the payload: a quick sanity summary, never a verdict."""
    exe = (which or shutil.which)("ent")
    if exe is None:
        return ExternalReport("ent", False, ENT_MISSING)
    with raw_payload(source) as path:
        try:
            proc = subprocess.run([exe, str(path)], capture_output=True, text=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return ExternalReport("ent", True, f"ent timed out after {timeout:g} s")
    summary = parse_ent(proc.stdout)
    if not summary:
        return ExternalReport("ent", True, f"ent output not understood (exit {proc.returncode})")
    return ExternalReport("ent", True, "", summary=summary)
