"""Numbers in the prose come from the data: regenerate or check the marked spans of the docs.

Usage:  python docs/prose_numbers.py          (rewrite every marked span from its data)
        python docs/prose_numbers.py --check  (exit 1, listing each span that disagrees with its data)

A *number span* in a Markdown page (invisible on GitHub and in the site):

    <!-- num: SOURCE#PATH [fmt=SPEC] [scale=Q] [re=REGEX] -->519<!-- /num -->
    <!-- num: derived:NAME [fmt=SPEC] -->26<!-- /num -->

* SOURCE is a JSON file relative to the repository root (``benchmarks/results/
  extractor.json``, ``spec/params/kulikov2024.json``) or ``reproduce:PRESET``,
  the report ``diramp reproduce PRESET`` writes as report.json (computed here,
  no file needed);
* PATH is a JSON Pointer (RFC 6901: ``/results/paper_scale~1default/seconds``,
  ``~1`` is ``/``); on a list, a segment ``key=value`` selects the one element
  whose ``key`` is ``value`` (``/rows/key=m_derived/ours``);
* ``derived:NAME`` is one of the quantities in :data:`DERIVED` below (ratios,
  ranges over runs), each computed from the same files;
* ``scale=Q`` multiplies by the rational Q first (``1/1024``: MiB to GiB;
  ``100``: a fraction as a percentage); ``re=REGEX`` takes group 1 of a
  regular expression applied to a string value (spaces as ``\\s``);
* ``fmt`` is a Python format spec (``.0f``, ``,d``, ``.2g``, ``.8s``), or
  ``sciN`` (N significant digits, ``1.1e8``, ``5e-8``), or ``trunc2``
  (truncated to 2 decimals); a (lo, hi) pair is written ``lo-hi``.

A *table span* ``<!-- table: NAME -->`` ... ``<!-- /table -->`` holds a whole
Markdown table rendered by :data:`TABLES` from the data.

Pages checked: :data:`PAGES`. Besides the spans, :func:`unmarked` lists every
number with a unit of time, memory or ratio (s, min, MiB, GiB, %, x, ns, ...)
in the prose of those pages that is neither in a span nor in :data:`NOT_DATA`
(values that are not measurements: targets, parameters, the paper's own
printed numbers, each with its reason). Fenced and indented code, inline code
and the ``bench:start``/``bench:end`` block (written by
``benchmarks/bench_extractor.py --markdown`` from the same JSON) are not prose.
``tests/test_numbers.py`` fails when a span disagrees with its data or a
number is unmarked.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("README.md", "docs/index.md", "docs/extractor.md", "docs/distributed.md", "docs/tutorial.md",
         "docs/auditors-guide.md", "docs/variants.md")

NUM = re.compile(r"<!-- num: (?P<spec>.*?) -->(?P<text>.*?)<!-- /num -->", re.S)
TABLE = re.compile(r"(?P<open><!-- table: (?P<name>[\w.-]+) -->\n)(?P<text>.*?)(?P<close><!-- /table -->)", re.S)


# --- data ------------------------------------------------------------------------------------

@cache
def load(source: str) -> Any:
    """The data behind a span: a JSON file of the repository, or a reproduction report."""
    if source.startswith("reproduce:"):
        sys.path.insert(0, str(ROOT / "reference"))
        from diramp.reproduce import compute, to_json_text

        return json.loads(to_json_text(compute(source.split(":", 1)[1])))
    path = (ROOT / source).resolve()
    if not path.is_relative_to(ROOT) or path.suffix != ".json":
        raise ValueError(f"{source}: not a JSON file of the repository")
    return json.loads(path.read_text("utf-8"))


def pointer(data: Any, path: str) -> Any:
    """Resolve an RFC 6901 pointer, with ``key=value`` selecting an element of a list."""
    if path in ("", "/"):
        return data
    if not path.startswith("/"):
        raise ValueError(f"pointer {path!r} must start with '/'")
    for raw in path[1:].split("/"):
        seg = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(data, list):
            if re.fullmatch(r"\d+", seg):
                data = data[int(seg)]
                continue
            key, _, want = seg.partition("=")
            hits = [d for d in data if isinstance(d, dict) and str(d.get(key)) == want]
            if len(hits) != 1:
                raise KeyError(f"{seg}: {len(hits)} list elements match")
            data = hits[0]
        elif isinstance(data, dict):
            if seg not in data:
                raise KeyError(f"{seg}: no such key (have {sorted(data)[:12]})")
            data = data[seg]
        else:
            raise KeyError(f"{seg}: cannot index a {type(data).__name__}")
    return data


def _x(key: str) -> dict[str, Any]:
    res: dict[str, Any] = load("benchmarks/results/extractor.json")["results"]
    return res[key]


def _dist_runs(engine: str | None = None) -> list[dict[str, Any]]:
    data = load("benchmarks/results/distributed.json")
    return [{**r, "size": s} for s in data["sizes"] for r in s["runs"] if engine in (None, r["engine"])]


def _span(values: list[float]) -> tuple[float, float]:
    return min(values), max(values)


def _load_averages() -> tuple[float, float]:
    data = load("benchmarks/results/distributed.json")
    return _span([s["loadavg_1min_before"] for s in data["sizes"]] + [r["loadavg_1min_after"] for r in _dist_runs()])


#: Quantities derived from the data, each from the files named in its body.
DERIVED: dict[str, Callable[[], Any]] = {
    # extractor.json: the 2^24 comparison against cryptomite
    "extractor.speedup_wall_2^24": lambda: _x("2^24/cryptomite-dodis-cyclic")["seconds_median"]
    / _x("2^24/diramp-default")["seconds_median"],
    "extractor.speedup_cpu_2^24": lambda: _x("2^24/cryptomite-dodis-cyclic")["cpu_seconds_median"]
    / _x("2^24/diramp-default")["cpu_seconds_median"],
    "extractor.memory_fraction_2^24": lambda: _x("2^24/cryptomite-dodis-cyclic")["peak_rss_mib"]
    / _x("2^24/diramp-default")["peak_rss_mib"],
    # paper-scale default run against the 8-minute target, in per cent over it
    "extractor.paper_default_over_8min_pct": lambda: 100 * (_x("paper_scale/default")["seconds"] / 480 - 1),
    # distributed.json
    "distributed.loadavg_range": _load_averages,
    "distributed.checksum_s_range": lambda: _span([r["checksum_seconds"] for r in _dist_runs("dask")]),
    "distributed.cluster_start_s_range": lambda: _span([r["cluster_start_seconds"] for r in _dist_runs("dask")]),
    "distributed.tasks": lambda: _one({s["plan"]["tasks"] for s in load("benchmarks/results/distributed.json")
                                       ["sizes"]}),
    # model CPU time against the workers' summed CPU time, per cent of the model
    "distributed.cpu_model_error_pct_range": lambda: _span(
        [100 * abs(r["worker_cpu_seconds"] - r["model_cpu_seconds"]) / r["model_cpu_seconds"]
         for r in _dist_runs("dask")]),
    "distributed.wall_model_error_1worker_pct_max": lambda: max(
        100 * abs(r["seconds"] - r["model_seconds"]) / r["model_seconds"]
        for r in _dist_runs("dask") if r["workers"] == 1),
    "distributed.wall_excess_2workers_pct_range": lambda: _span(
        [100 * (r["seconds"] / r["model_seconds"] - 1) for r in _dist_runs("dask") if r["workers"] == 2]),
    "distributed.rss_model_error_pct_max": lambda: max(
        100 * abs(r["worker_peak_rss_mib"] - (r["model_task_memory_mib"] + r["worker_idle_rss_mib"]))
        / r["worker_peak_rss_mib"] for r in _dist_runs("dask")),
    "distributed.idle_worker_mib": lambda: sum(r["worker_idle_rss_mib"] for r in _dist_runs("dask"))
    / len(_dist_runs("dask")),
    # the n = 1e11, Theorem 5 row of the cost model
    "distributed.leaves_in_flight_max": lambda: 2 * max(s["blocks"] for s in _scale()),
    "distributed.leaf_fft_s_default_P": lambda: load("benchmarks/results/distributed.json")["fit"]["a_seconds"]
    * _scale()[0]["P"] * math.log2(_scale()[0]["P"]),
    # reproduction report
    # the published numbers compared: not the rows of our own further variants (CONV-VARIANTS, CONV-OPT)
    "reproduce.rows": lambda: len([r for r in load("reproduce:kulikov2024")["rows"]
                                   if r["group"] != "more bits from the same data"]),
    "reproduce.t_d_ns": lambda: Fraction(load("reproduce:kulikov2024")["details"]["locality"]["t_d_ns"]),
    # the audit inside the report: Theorem 5 at the printed S_mu, and Theorem 6 against the published m
    "reproduce.theorem5_eta": lambda: _term("derived", "eta"),
    "reproduce.as_printed_penalty_bits": lambda: _term("as_printed", "log2(6/"),
    "reproduce.as_printed_minus_derived_bits": lambda: _audit()["theorem5"]["as_printed"]["m"]
    - _audit()["theorem5"]["derived"]["m"],
    "reproduce.m_derived_minus_published": lambda: _audit()["m_derived"] - _audit()["m_published"],
    "reproduce.m_derived_minus_published_pct": lambda: 100 * Fraction(_audit()["m_derived"] - _audit()["m_published"],
                                                                      _audit()["m_published"]),
}


def _serial_cpu(key: str) -> float:
    """CPU seconds of a paper-scale v3 run's calling thread outside the parallel passes."""
    r = _x(key)
    return float(r["main_thread_cpu_s"] - r["extra"]["main_parallel_cpu_s"])


def _quiet_wall(key: str) -> float:
    """Two-core wall-time estimate of a v3 run from CPU time: serial CPU + parallel CPU / 2
    (the passes split evenly over both threads; docs/extractor.md says what it leaves out)."""
    serial = _serial_cpu(key)
    return serial + (float(_x(key)["cpu_seconds"]) - serial) / 2


def _sys_pct(key: str) -> float:
    tv = _x(key)["time_v"]
    return 100 * float(tv["sys_s"]) / (float(tv["user_s"]) + float(tv["sys_s"]))


def _load_range(key: str) -> tuple[float, float]:
    r = _x(key)
    return _span([r["loadavg_before"][0], r["loadavg_after"][0], *r.get("loadavg_samples", [])])


#: The paper-scale v3 runs (extractor.json keys) with derived quantities, by short name.
V3_RUNS = {"default": "paper_scale/default-v3", "default1": "paper_scale/default-v3-run1",
           "lean": "paper_scale/lean-v3", "circulant": "circulant_paper_scale/default-v3"}
for _name, _key in V3_RUNS.items():
    DERIVED[f"extractor.v3_{_name}_quiet_wall_s"] = lambda k=_key: _quiet_wall(k)
    DERIVED[f"extractor.v3_{_name}_serial_cpu_s"] = lambda k=_key: _serial_cpu(k)
    DERIVED[f"extractor.v3_{_name}_sys_pct"] = lambda k=_key: _sys_pct(k)
    DERIVED[f"extractor.v3_{_name}_load_range"] = lambda k=_key: _load_range(k)
DERIVED["extractor.paper_default_cpu_v2_over_v3"] = lambda: _x("paper_scale/default-v2")["cpu_seconds"] \
    / _x("paper_scale/default-v3")["cpu_seconds"]
DERIVED["extractor.circulant_cpu_v2_over_v3"] = lambda: _x("circulant_paper_scale/default-v2")["cpu_seconds"] \
    / _x("circulant_paper_scale/default-v3")["cpu_seconds"]
DERIVED["extractor.exact_check_configs"] = lambda: len(_x("check/2^24-prefix-exact")["configs"])
DERIVED["extractor.exact_check_same"] = lambda: sum(
    c["same_as_exact"] for c in _x("check/2^24-prefix-exact")["configs"].values())


def _audit() -> dict[str, Any]:
    audit: dict[str, Any] = load("reproduce:kulikov2024")["audit"]
    return audit


def _term(variant: str, prefix: str) -> Fraction:
    """The lower end of the Theorem 5 term whose name starts with prefix (the audit's term table)."""
    terms = [t for t in _audit()["theorem5"][variant]["terms"] if t["name"].startswith(prefix)]
    return Fraction(_one({t["lo"] for t in terms}))


def _one(values: set[Any]) -> Any:
    if len(values) != 1:
        raise ValueError(f"expected one value, found {sorted(values)}")
    return values.pop()


def _scale() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = load("benchmarks/results/distributed.json")["scale"]
    return rows


# --- formatting ------------------------------------------------------------------------------

def _number(value: Any) -> Fraction | float:
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        return Fraction(value)  # exact decimal or p/q strings of the reports
    raise TypeError(f"not a number: {value!r}")


def fmt(value: Any, spec: str = "", scale: str | None = None) -> str:
    """Format one value (see the module docstring).

    >>> fmt(518.94, ".0f"), fmt(20389435, ",d"), fmt("4.9318e-8", "sci1"), fmt(110221833, "sci2")
    ('519', '20,389,435', '5e-8', '1.1e8')
    >>> fmt(3454.79, ".1f", "1/1024"), fmt("0.013064096", ".2f", "100"), fmt((1.32, 2.38), ".1f")
    ('3.4', '1.31', '1.3-2.4')
    >>> fmt(Fraction(2352000000, 21413747), "trunc2"), fmt("86f93dc2f419", ".8s")
    ('109.83', '86f93dc2')
    """
    if isinstance(value, tuple):
        return "-".join(fmt(v, spec, scale) for v in value)
    if spec.endswith("s") and not spec.startswith("sci"):
        return format(str(value), spec)
    x = _number(value)
    if scale is not None:
        x = x * (Fraction(scale) if isinstance(x, Fraction) else float(Fraction(scale)))
    if spec.startswith("sci"):
        digits = int(spec[3:])
        mant, exp = f"{float(x):.{digits - 1}e}".split("e")
        return f"{mant}e{int(exp)}"
    if spec == "trunc2":
        q = math.floor(Fraction(x) * 100)
        return f"{q // 100}.{q % 100:02d}"
    if spec.endswith("d"):
        if x != int(x):
            raise ValueError(f"{value!r} is not an integer (fmt {spec})")
        return format(int(x), spec)
    return format(float(x) if isinstance(x, Fraction) else x, spec or "g")


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    what, *opts = spec.split()
    options = {}
    for o in opts:
        k, sep, v = o.partition("=")
        if not sep or k not in {"fmt", "scale", "re"}:
            raise ValueError(f"bad option {o!r} (known: fmt=, scale=, re=)")
        options[k] = v
    return what, options


def value_of(spec: str) -> str:
    """The text a span with this spec must hold."""
    what, opt = parse_spec(spec)
    if what.startswith("derived:"):
        name = what.split(":", 1)[1]
        if name not in DERIVED:
            raise KeyError(f"unknown derived quantity {name!r}")
        value = DERIVED[name]()
    else:
        source, sep, path = what.partition("#")
        if not sep:
            raise ValueError(f"{what!r}: expected SOURCE#PATH or derived:NAME")
        value = pointer(load(source), path)
    if "re" in opt:
        m = re.search(opt["re"], str(value))
        if not m:
            raise ValueError(f"re={opt['re']!r} does not match {value!r}")
        value = m.group(1)
        if "fmt" not in opt:
            return str(value)
    return fmt(value, opt.get("fmt", ""), opt.get("scale"))


# --- tables ----------------------------------------------------------------------------------

def _dist_runs_table() -> str:
    head = ["| N | m | engine | workers | wall s | Mbit/s of input | model s | worker CPU s | model CPU s | "
            "worker peak RSS MiB (model) | same K |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    rows = []
    for r in _dist_runs():
        s = r["size"]
        dask = r["engine"] == "dask"
        model = f"{r['worker_peak_rss_mib']} ({r['model_task_memory_mib'] + r['worker_idle_rss_mib']:.0f})" \
            if dask else "-"
        cells = [f"2^{s['log2N']}", f"{s['m']:,}", r["engine"], str(r["workers"]), str(r["seconds"]),
                 str(r["Mbit_per_s"]), str(r["model_seconds"]) if dask else "-",
                 str(r["worker_cpu_seconds"]) if dask else "-", str(r["model_cpu_seconds"]) if dask else "-",
                 model, "yes" if r["identical"] else "**no**"]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(head + rows) + "\n"


def _dist_scale_table() -> str:
    head = ["| n | m | chunks x blocks | leaf tasks | XOR tasks | input read | partials moved (at most) | "
            "memory per leaf | core-hours | hours on 100 cores |", "|---|---|---|---|---|---|---|---|---|---|"]
    rows = []
    for r in _scale():
        src = {"theorem5": "Theorem 5"}.get(r["m_source"], r["m_source"])
        cells = [f"{r['n']:.0e}", f"{r['m']:,} ({src})", f"{r['chunks']} x {r['blocks']:,}", f"{r['tasks']:,}",
                 f"{r['reductions']:,}", f"{r['bytes_read'] / 1e12:.2f} TB", f"{r['bytes_partials'] / 1e12:.2f} TB",
                 f"{r['task_memory'] / 2**30:.2f} GiB", f"{r['core_hours']:,.0f}", f"{r['hours_on_100_cores']:.2f}"]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(head + rows) + "\n"


#: extractor.json profile entries of the round-1 profile table: (key, column title).
PROFILE_RUNS = (("profile/2^28-v1", "2^28, m = 2^21, v1"), ("profile/2^28-v2", "2^28, v2"),
                ("profile/paper-prefix-2^28-v1", "paper prefix, v1"), ("profile/paper-prefix-2^28-v2",
                                                                        "paper prefix, v2"))


def _extractor_profile_table() -> str:
    """The per-phase profile (benchmarks/profile_extractor.py) of kernels v1 and v2."""
    runs = [_x(k) for k, _ in PROFILE_RUNS]

    def ph(r: dict[str, Any], name: str, key: str) -> float:
        return float(r["phases"].get(name, {}).get(key, 0.0))

    def cells(f: Callable[[dict[str, Any]], str]) -> str:
        return " | ".join(f(r) for r in runs)

    def total(r: dict[str, Any]) -> float:
        return float(r["user_s"] + r["sys_s"])

    def rest(r: dict[str, Any]) -> float:
        return total(r) - ph(r, "fft_forward", "cpu_s") - ph(r, "fft_inverse", "cpu_s") \
            - ph(r, "read_unpack", "cpu_s") - float(r["other_cpu_s"])

    lines = [
        "| phase (CPU s, of which system) | " + " | ".join(t for _, t in PROFILE_RUNS) + " |",
        "|---|" + "---|" * len(runs),
        "| forward FFTs | " + cells(lambda r: f"{ph(r, 'fft_forward', 'cpu_s'):.1f} "
                                   f"({ph(r, 'fft_forward', 'sys_s'):.1f})") + " |",
        "| inverse FFTs | " + cells(lambda r: f"{ph(r, 'fft_inverse', 'cpu_s'):.1f} "
                                   f"({ph(r, 'fft_inverse', 'sys_s'):.1f})") + " |",
        "| staging, allocation, conjugation, products, rounding and margin | "
        + cells(lambda r: f"{rest(r):.1f}") + " |",
        "| reading and unpacking bits | " + cells(lambda r: f"{ph(r, 'read_unpack', 'cpu_s'):.1f}") + " |",
        "| other (Python, planning) | " + cells(lambda r: f"{r['other_cpu_s']:.1f}") + " |",
        "| total CPU (system share) | " + cells(lambda r: f"{total(r):.1f} "
                                              f"({100 * r['sys_s'] / total(r):.2g} %)") + " |",
        "| minor page faults | " + cells(lambda r: f"{r['minor_faults'] / 1e6:.2f} M") + " |",
        "| transforms | " + cells(lambda r: str(r["extra"].get("transforms", 3 * r["tasks"]))) + " |",
        "| wall (thread idle = 2 x wall - CPU) | " + cells(lambda r: f"{r['wall_s']:.1f} s "
                                                          f"({r['thread_idle_s']:.0f} s)") + " |",
    ]
    return "\n".join(lines) + "\n"


def _extractor_fft_table() -> str:
    """Per-element CPU cost of one forward transform, numpy whole-length beside v3 (bench_fft_lengths.py)."""
    res = load("benchmarks/results/extractor.json")["results"]
    rows = sorted((v for k, v in res.items() if k.startswith("fft_lengths/")), key=lambda v: v["P"])
    lines = ["| P | P1 x P2 | numpy rfft (v1, v2) | v3, one thread | v3, two threads (CPU) | numpy / v3 | "
             "load |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        load_ = ", ".join(f"{v:.1f}" for v in r["loadavg_1min_all"])
        lines.append(f"| {r['P']:,} | {r['split'][0]} x {r['split'][1]} | {r['numpy_rfft_ns']:.1f} | "
                     f"{r['v3_1thread_ns']:.1f} | {r['v3_2threads_ns']:.1f} | {r['numpy_over_v3_cpu']:.2f} | "
                     f"{load_} |")
    return "\n".join(lines) + "\n"


def _extractor_fft_libraries_table() -> str:
    """Round 1's comparison of FFT libraries (extractor.json ``fft_libraries/round1``)."""
    r = _x("fft_libraries/round1")
    lines = ["| length | numpy 2.4 (pocketfft) | ducc0 0.42 | pyFFTW 0.15 FFTW_ESTIMATE | "
             "pyFFTW FFTW_MEASURE (planning time) |", "|---|---|---|---|---|"]
    for row in r["ns_per_element"]:
        meas = "not planned" if row["pyfftw_measure"] is None else \
            f"{row['pyfftw_measure']} ({row['pyfftw_measure_planning_s']} s)"
        lines.append(f"| {row['length']} | {row['numpy']} | {row['ducc0']} | {row['pyfftw_estimate']} | {meas} |")
    pair = r["pair_5x2^23"]
    lines.append(f"| 5·2^23, r2c + c2r, 5 pairs, s per transform (user / system) | {pair['numpy'][0]} / "
                 f"{pair['numpy'][1]} ({pair['numpy_retained_heap'][0]} / {pair['numpy_retained_heap'][1]} "
                 f"with the heap retained) | {pair['ducc0'][0]} / {pair['ducc0'][1]} | "
                 f"{pair['pyfftw_estimate'][0]} / {pair['pyfftw_estimate'][1]} | - |")
    return "\n".join(lines) + "\n"


#: Markdown tables rendered from the data.
TABLES: dict[str, Callable[[], str]] = {
    "extractor.fft_libraries": _extractor_fft_libraries_table,
    "extractor.profile": _extractor_profile_table,
    "extractor.fft_lengths": _extractor_fft_table,
    "distributed.runs": _dist_runs_table,
    "distributed.scale": _dist_scale_table,
}


# --- pages -----------------------------------------------------------------------------------

def render(text: str) -> str:
    """The page with every span regenerated from its data."""
    text = NUM.sub(lambda m: f"<!-- num: {m['spec']} -->{value_of(m['spec'])}<!-- /num -->", text)
    return TABLE.sub(lambda m: m["open"] + TABLES[m["name"]]() + m["close"], text)


def disagreements(text: str, page: str = "") -> list[str]:
    """One line per span whose text differs from its data (or whose data cannot be read)."""
    out = []
    for m in NUM.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        try:
            want = value_of(m["spec"])
        except Exception as e:  # a span whose data cannot be read fails, never passes
            out.append(f"{page}:{line}: {m['spec']}: {type(e).__name__}: {e}")
            continue
        if m["text"] != want:
            out.append(f"{page}:{line}: says {m['text']!r}, data says {want!r} ({m['spec']})")
    for m in TABLE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        if m["name"] not in TABLES:
            out.append(f"{page}:{line}: unknown table {m['name']!r}")
        elif m["text"] != TABLES[m["name"]]():
            out.append(f"{page}:{line}: table {m['name']} differs from its data")
    return out


UNIT = re.compile(
    r"(?<![\w.^/·*-])(?:~|about |below |near )?(-?\d[\d,]*(?:\.\d+)?(?:e-?\d+)?(?:\s?-\s?\d[\d,]*(?:\.\d+)?)?)"
    r"(?:(?:\s|-)?(?:s|ms|ns|min|minutes?|h|hours?|core-hours|MiB|GiB|KiB|MB|GB|TB|%|Mbit/s|MB/s)|x)(?![\w/])")

#: Numbers with units in the prose that are not measurements: (page, the exact text matched, reason).
NOT_DATA: tuple[tuple[str, str, str], ...] = (
    ("docs/extractor.md", "1 GiB",
     "the lean mode's memory target (issue 12), met by the measured peak quoted beside it"),
    ("docs/extractor.md", "4 GiB", "the memory target of the extractor issue"),
    ("docs/extractor.md", "35x", "the speed target of the extractor issue (against cryptomite at 2^24)"),
    ("docs/extractor.md", "1.5x", "the speed target of the extractor issue (against the previous kernel at 2^28)"),
    ("docs/extractor.md", "3 minutes", "the paper-scale wall-time target of the extractor issue (issue 12)"),
    ("docs/extractor.md", "10 %", "the system-time target of the extractor issue (issue 12)"),
    ("docs/extractor.md", "15 minutes", "the lean-mode time target of the extractor issue (issue 12)"),
    ("docs/extractor.md", "20 minutes", "the circulant time target of the extractor issue (issue 12)"),
    ("docs/extractor.md", "3.5 GiB", "the planner's default memory budget (DEFAULT_MEMORY), a parameter"),
    ("docs/extractor.md", "0.85 GiB", "the planner's lean memory budget (LEAN_MEMORY), a parameter"),
    ("docs/extractor.md", "160 MiB", "the fixed part of the memory models (BASE_MEMORY), a parameter"),
    ("docs/extractor.md", "335 MB", "one generated paper-scale input, N/8 bytes: arithmetic on a parameter"),
    ("docs/distributed.md", "1 MiB", "the checksum granule, a parameter (DEF-DIST-CHECKSUM-TABLE)"),
    ("docs/distributed.md", "4 MiB", "the granules' worst case in the memory formula, a parameter"),
    ("docs/distributed.md", "1 ms", "the scheduler's per-task overhead, Dask's documented order of magnitude"),
    ("docs/distributed.md", "1.8 GiB", "the advised worker memory limit, above the model's 1.65 GiB"),
    ("docs/distributed.md", "0.8 GiB", "the advised worker memory limit with --lean"),
    ("docs/distributed.md", "2.5GiB", "the example --memory-limit of the cluster guide"),
    ("docs/distributed.md", "200-500 MB/s", "an assumed sequential read speed of a shared file system"),
    ("docs/distributed.md", "2.5 GB", "N/8 bytes of packed input at n = 1e10: arithmetic on a parameter"),
    ("docs/distributed.md", "25 GB", "N/8 bytes of packed input at n = 1e11: arithmetic on a parameter"),
    ("docs/distributed.md", "5 MB", "P/8 bytes at the default P: arithmetic on a parameter"),
    ("docs/distributed.md", "4 MB", "L/8 bytes: arithmetic on a parameter"),
    ("docs/distributed.md", "1 MB/s", "order of magnitude: 5 MB of input per ~8 s leaf"),
    ("docs/distributed.md", "24 GiB", "the machine's memory (the brief), not recorded in distributed.json"),
    ("docs/distributed.md", "1-minute", "the window of the load average"),
    ("docs/distributed.md", "0.66 GiB", "the memory model at the lean P = 2^24 (cost_model), not a measurement"),
    ("docs/index.md", "0.75 %", "the paper's mu, quoted in the paper's words"),
    ("docs/index.md", "3.1 ns", "the paper's printed margin (row margin, reproduced)"),
    ("docs/index.md", "2.8 %", "the paper's printed fraction (row budget_fraction, reproduced)"),
    ("docs/tutorial.md", "0.75 %", "the paper's mu, an input"),
    ("README.md", "0.75 %", "the paper's mu, an input"),
)


def _prose(text: str) -> str:
    """The page with code, generated blocks and spans blanked out (same length, so positions keep)."""
    def blank(m: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", m.group(0))

    text = re.sub(r"<!-- bench:start -->.*?<!-- bench:end -->", blank, text, flags=re.S)
    text = TABLE.sub(blank, text)
    text = re.sub(r"^```.*?^```[ \t]*$", blank, text, flags=re.S | re.M)
    # indented code before the spans are blanked: a line that starts with a span is prose, not code
    text = re.sub(r"(?:^(?: {4}|\t).*\n)+", blank, text, flags=re.M)
    text = NUM.sub(blank, text)
    text = re.sub(r"`[^`\n]+`", blank, text)
    text = re.sub(r"<!--.*?-->", blank, text, flags=re.S)
    text = re.sub(r"\]\([^)]*\)", blank, text)
    return text


def unmarked(text: str, page: str) -> list[str]:
    """Numbers with a unit in the prose that are neither in a span nor listed in NOT_DATA."""
    allowed = {t for p, t, _ in NOT_DATA if p == page}
    out = []
    for m in UNIT.finditer(_prose(text)):
        found = m.group(0).strip()
        core = found.removeprefix("~").removeprefix("about ").removeprefix("below ").removeprefix("near ")
        if core in allowed:
            continue
        line = text.count("\n", 0, m.start()) + 1
        out.append(f"{page}:{line}: unmarked number {core!r}: mark it (<!-- num: ... -->) or list it in NOT_DATA")
    return out


def stale_allowances(text: str, page: str) -> list[str]:
    """NOT_DATA entries of a page that no longer match anything in its prose."""
    found = {m.group(0).strip().removeprefix("~").removeprefix("about ").removeprefix("below ")
             .removeprefix("near ") for m in UNIT.finditer(_prose(text))}
    return [f"{page}: NOT_DATA entry {t!r} matches nothing: remove it" for p, t, _ in NOT_DATA
            if p == page and t not in found]


def check(root: Path = ROOT) -> list[str]:
    """Every problem of the checked pages: disagreeing spans, unmarked numbers, stale NOT_DATA entries."""
    problems = []
    for page in PAGES:
        text = (root / page).read_text("utf-8")
        problems += disagreements(text, page) + unmarked(text, page) + stale_allowances(text, page)
    return problems


def main(argv: list[str]) -> int:
    if "--check" in argv:
        problems = check()
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    for page in PAGES:
        path = ROOT / page
        old = path.read_text("utf-8")
        new = render(old)
        if new != old:
            path.write_text(new, "utf-8")
            print(f"updated {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
