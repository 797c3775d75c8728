"""Figures 2, 4, 10 and 11 of Kulikov et al. (2024), each with its data file.

Every figure function writes a PNG and the data it plots (CSV or JSON), both
atomically, and returns the paths written.  Output is deterministic: the data
files are byte-identical for identical inputs, and the PNGs (300 dpi, for
print) and Fig. 2's vector PDF are written without timestamps or version
metadata (``Software``, ``CreationDate``, ``Producer`` removed), so they are
byte-identical too on the same matplotlib/Pillow versions.

matplotlib (the ``plots`` extra) is imported only when a figure is drawn,
through the non-interactive Agg canvas (no pyplot, no global state).  Fig. 10's
exact picture is drawn with Pillow (a matplotlib dependency), one pixel per bit
(a palette PNG: 0-bits black, 1-bits white, padding red); its captioned copy
with matplotlib.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from diramp.atomic import atomic_write_bytes, atomic_write_text
from diramp.bell import BlockStat, Counts, block_series, chsh, s_mu
from diramp.errors import InputError
from diramp.exact import decimal_exact, to_fraction
from diramp.outputs import declare, detached, output_directory
from diramp.reproduce.fig2 import (
    MUS,
    WORKING_POINT,
    Fig2Point,
    Fig2Series,
    Fig2Settings,
    cache_key,
)
from diramp.reproduce.sheep import sheep

#: Widest Fig. 10 picture (pixels) and the most pixels of any drawn picture (bounds memory).
MAX_FIG10_WIDTH = 1 << 16
MAX_FIG_PIXELS = 1 << 28
#: Fig. 11 picture sides (pixels).
FIG11_SIDE = (8, 4096)
#: Matplotlib savefig metadata: no "Software" entry (PNG output then has no version string).
PNG_METADATA: dict[str, str | None] = {"Software": None}
FIGURES = ("fig2", "fig4", "fig10", "fig11")


def require_matplotlib() -> None:
    """Raise a helpful :class:`InputError` when matplotlib (the ``plots`` extra) is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError("figures", "need matplotlib, which is not installed", "",
                         "install the plots extra: python -m pip install 'diramp[plots]'") from exc


def _figure(width: float, height: float) -> Any:
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _save_png(fig: Any, path: Path, mode: int = 0o644, dpi: int = 100) -> None:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata=PNG_METADATA, dpi=dpi)
    atomic_write_bytes(path, buf.getvalue(), mode=mode)


#: Matplotlib PDF metadata: no creation date, creator or producer (byte-identical PDFs).
PDF_METADATA: dict[str, str | None] = {"CreationDate": None, "Creator": None, "Producer": None}


def _save_pdf(fig: Any, path: Path, mode: int = 0o644) -> None:
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf", metadata=PDF_METADATA)
    atomic_write_bytes(path, buf.getvalue(), mode=mode)


def _json(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=True) + "\n"


def _exact(x: Fraction) -> str:
    d = decimal_exact(x)
    return d if d is not None and len(d) <= 40 else f"{x.numerator}/{x.denominator}"


def _pct(mu: Fraction) -> str:
    return f"{_exact(mu * 100)} %"


def _prepare(out: str | os.PathLike[str], files: Sequence[tuple[str, str]] = ()) -> Path:
    """The output directory, and every file the figure writes declared before the work (REQ-OUTPUT).

    ``files`` holds (name, kind): "public" for figures of public data, "secret"
    (mode 0600) for anything derived from K (REQ-SECRET-FILES).
    """
    d = output_directory(out)
    for name, kind in files:
        declare(d / name, kind, name)  # type: ignore[arg-type]
    return d


# --------------------------------------------------------------------------- Fig. 2


def _variant_text(variant: str) -> str:
    from diramp.reproduce.fig2 import BOUNDS

    b = BOUNDS.get(variant)
    return f"{b.label} ({b.spec})" if b is not None else variant


def fig2_data(curves: Sequence[tuple[Fig2Series, Sequence[Fig2Point]]], settings: Fig2Settings,
              grid: str = "") -> dict[str, Any]:
    """The JSON-ready data of Fig. 2 (exact values as strings): every curve with all its points."""
    wp = WORKING_POINT
    return {
        "figure": "Fig. 2 of Kulikov et al. (2024): rounds n for >= target_m certified bits vs CHSH S",
        "noise_model": "depolarised |Psi+>, optimal CHSH settings, uniform inputs (CONV-DEPOL)",
        "length_bound": f"paper's curves: {_variant_text(settings.variant)}, variant {settings.variant}",
        "n_definition": "smallest n with certified m(n) >= target_m (diramp.inverse.min_n)",
        "target_m": settings.target_m,
        "eps": _exact(settings.eps),
        "eps_s": _exact(settings.eps_s),
        "eps_EA": _exact(settings.eps_ea),
        "chsh_grid": grid,
        "drawing": "each line is a monotone cubic (PCHIP) interpolation of log10 n through its points; "
                   "a curve stops where no n suffices",
        "working_point": {"chsh": _exact(wp["chsh"]), "n": wp["n"], "mu": _exact(wp["mu"]),  # type: ignore[arg-type]
                          "source": "main text: CHSH 2.271, n = 20 * 2^26, mu = 0.75 %"},
        "series": [
            {"variant": s.variant, "mu": _exact(s.mu), "length_bound": _variant_text(s.variant),
             "points": [{"chsh": _exact(p.chsh), "S_mu": _exact(p.s_mu), "n": p.n, "stops": p.reason}
                        for p in pts]}
            for s, pts in curves
        ],
    }


def load_cache(path: Path) -> dict[str, int | None]:
    """Read a Fig. 2 cache file; anything missing, unreadable, oversized or of another version is dropped.

    Entries are keyed by the software version (:func:`~diramp.reproduce.fig2.cache_key`)
    and each cached n is proved again before it is used, so a stale or edited
    cache can slow a run down but never change its output.
    """
    from diramp import __version__
    from diramp.errors import DirampError
    from diramp.inputs import read_json

    try:
        data = read_json(path, "figure cache", 4 << 20)
    except DirampError:
        return {}
    if not isinstance(data, dict):
        return {}
    prefix = f"diramp {__version__}|"
    return {k: v for k, v in data.items() if isinstance(k, str) and k.startswith(prefix)
            and (v is None or (isinstance(v, int) and not isinstance(v, bool)))}


#: Fig. 2's files: the data, a print-resolution PNG and a vector PDF.
FIG2_FILES = ("fig2.json", "fig2.png", "fig2.pdf")
#: Resolution of every PNG drawn with matplotlib (print).
PRINT_DPI = 300


def fig2(out: str | os.PathLike[str], mus: Sequence[Fraction] = MUS,
         chsh_grid: Sequence[Fraction] | None = None, settings: Fig2Settings | None = None,
         use_cache: bool = True, draw: bool = True, compare: Sequence[str] | None = None,
         show_progress: bool | None = None) -> list[Path]:
    """Fig. 2: write ``fig2.json`` (data), ``fig2.png`` (300 dpi) and ``fig2.pdf`` (vector).

    The curves are :func:`~diramp.reproduce.fig2.default_series`: the paper's
    (``settings.variant`` at every mu) and each bound of ``compare`` (default:
    every other registered bound) at mu = 0.75 %.  ``chsh_grid`` None gives each
    curve its own grid (:func:`~diramp.reproduce.fig2.grid_value`).  n per point
    is cached in ``.fig2-cache.json`` and proved again before use.
    """
    from diramp.progress import progress
    from diramp.reproduce.fig2 import BOUNDS, GRID_RATIO, N_TOP, default_series, series_points

    settings = settings if settings is not None else Fig2Settings()
    for v in [settings.variant, *(compare or ())]:
        if v not in BOUNDS:
            raise InputError("--variant/--compare", f"must name a registered bound ({', '.join(BOUNDS)})",
                             f"got {v!r}")
    d = _prepare(out, [("fig2.json", "public")] + ([(f, "public") for f in FIG2_FILES[1:]] if draw else []))
    cache_path = d / ".fig2-cache.json"
    cache = load_cache(cache_path) if use_cache else {}
    series = default_series(mus, settings, compare)
    curves = []
    with progress(len(series), "fig2 curves", unit="curve", enabled=show_progress) as bar:
        for s in series:
            curves.append((s, series_points(s, settings, chsh_grid, cache)))
            bar.update(1)
    if use_cache:
        with detached():  # a cache, not an output: replaced freely, validated on every read
            atomic_write_text(cache_path, _json(dict(sorted(cache.items()))))
    grid = ("given: " + " ".join(_exact(c) for c in sorted(chsh_grid))) if chsh_grid is not None else (
        f"per curve: CHSH = c0 + (2.828 - c0) f rounded down to 1e-6, f = 1, (1 + r)/2, r, (r + r^2)/2, r^2, "
        f"r^3, ... with r = {GRID_RATIO}, until n > {N_TOP:.0e}; c0 = the CHSH value below which the "
        "bound's rate is not positive (rounded up to 1e-6)")
    data = fig2_data(curves, settings, grid)
    written = [d / "fig2.json"]
    atomic_write_text(written[0], _json(data))
    if draw:
        written += [d / "fig2.png", d / "fig2.pdf"]
        _plot_fig2(curves, settings, written[1], written[2])
    return written


def _pchip_line(xs: Sequence[float], ys: Sequence[float]) -> tuple[Any, Any]:
    """A smooth, shape-preserving line through (xs, log10 ys): PCHIP, monotone where the data are."""
    if len(xs) < 3:
        return np.asarray(xs), np.asarray(ys)
    from scipy.interpolate import PchipInterpolator

    f = PchipInterpolator(np.asarray(xs), np.log10(np.asarray(ys, dtype=float)))
    xx = np.linspace(xs[0], xs[-1], 600)
    return xx, 10 ** f(xx)


def _plot_fig2(curves: Sequence[tuple[Fig2Series, Sequence[Fig2Point]]], st: Fig2Settings, png: Path,
               pdf: Path | None = None) -> None:
    from diramp.reproduce.fig2 import BOUNDS, N_TOP

    fig = _figure(8.4, 4.8)
    ax = fig.add_axes((0.085, 0.115, 0.58, 0.80))
    cmap = ["#1b4f9c", "#2a9d8f", "#e9a03b", "#d1495b", "#7b3f98", "#555555"]
    others = sorted({s.mu for s, _ in curves} - set(MUS))  # the paper's mu keep their colours in every figure
    color = {mu: cmap[i % len(cmap)] for i, mu in enumerate([*MUS, *others])}
    dashes = [(6, 2), (2, 1.5), (6, 2, 2, 2), (1, 1)]
    k = 0
    for s, pts in curves:
        good = [p for p in pts if p.n is not None]
        xs, ys = _pchip_line([float(p.chsh) for p in good], [float(p.n) for p in good])  # type: ignore[arg-type]
        mu_txt = f"$\\mu$ = {_pct(s.mu)}"
        if s.variant == st.variant:
            ax.plot(xs, ys, "-", lw=1.8, color=color.get(s.mu, "black"), label=mu_txt, zorder=3)
        else:
            b = BOUNDS.get(s.variant)
            ax.plot(xs, ys, lw=1.3, color="black", dashes=dashes[k % len(dashes)], zorder=4,
                    label=f"{mu_txt}, {b.label if b else s.variant}")
            k += 1
    wp = WORKING_POINT
    ax.plot([float(wp["chsh"])], [float(wp["n"])], marker="*", ms=15, color="gold", mec="black", mew=0.8,
            ls="none", zorder=5, label="this experiment: CHSH 2.271,\n$n$ = 1.342e9, $\\mu$ = 0.75 %")
    tsirelson = 2 * math.sqrt(2)
    ax.axvline(tsirelson, color="0.35", ls=":", lw=1.1, zorder=2)
    ax.axvline(2, color="0.35", ls=":", lw=1.1, zorder=2)
    ax.text(tsirelson - 0.006, 0.4 * N_TOP, "Tsirelson bound $2\\sqrt{2}$", color="0.25", fontsize=8,
            rotation=90, va="top", ha="right")
    ax.text(2.006, 2e6, "local bound $S$ = 2", color="0.25", fontsize=8, rotation=90, va="bottom", ha="left")
    ax.set_yscale("log")
    ax.set_xlim(1.98, 2.85)
    ax.set_ylim(1e6, N_TOP)
    ax.set_xlabel("CHSH violation $S$ (dimensionless)", fontsize=10)
    ax.set_ylabel(f"rounds $n$ (trials) for $m \\geq$ {st.target_m:,} bits", fontsize=10)
    ax.tick_params(labelsize=9)
    ax.grid(True, which="major", color="0.88", lw=0.6)
    ax.grid(True, which="minor", axis="y", color="0.95", lw=0.4)
    ax.set_title("Fig. 2 (reproduced): rounds needed for a million certified bits", fontsize=11, loc="left")
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.685, 0.925), fontsize=8, frameon=False,
               title="depolarising noise", title_fontsize=8, alignment="left")
    note = (f"$\\mu$ curves: {_variant_text(st.variant)}\n"
            f"$\\varepsilon$ = {_exact(st.eps)}, $\\varepsilon_s$ = {_exact(st.eps_s)}, "
            f"$\\varepsilon_{{EA}}$ = {_exact(st.eps_ea)}\n"
            "each point: a certified minimum $n$ (fig2.json);\n"
            "lines: monotone interpolation of log $n$ (PCHIP);\n"
            "a curve ends where no $n$ suffices")
    fig.text(0.70, 0.115, note, fontsize=7, color="0.3", va="bottom", linespacing=1.4)
    _save_png(fig, png, dpi=PRINT_DPI)
    if pdf is not None:
        _save_pdf(fig, pdf)


# --------------------------------------------------------------------------- Fig. 4


@dataclass(frozen=True)
class Fig4Series:
    """Per-block S_mu (and CHSH) and the whole-run averages."""

    mu: Fraction
    blocks: tuple[BlockStat, ...]
    s_mu_total: Fraction | None
    chsh_total: Fraction | None
    source: str


def fig4_from_trials(path: str | os.PathLike[str], mu: Fraction, block: int = 2**22) -> Fig4Series:
    """Fig. 4 series from a trial file (DEF-TRIAL-FILE, ``count_blocks``; DEF-SOBS per block)."""
    from diramp.trials import count_blocks

    blocks = count_blocks(path, block)
    if not blocks:
        raise InputError(str(path), "holds no trials", "", "Fig. 4 needs at least one block")
    total = sum(blocks, Counts.zero())
    try:
        ch: Fraction | None = chsh(total)
    except InputError:
        ch = None
    return Fig4Series(mu, tuple(block_series(blocks, mu)), s_mu(total, mu), ch,
                      f"trial file {Path(path).name}, blocks of {block} trials")


def fig4_from_certificate(path: str | os.PathLike[str], mu: Fraction | None = None) -> Fig4Series:
    """Fig. 4 series from a run certificate (DEF-CERT, written by ``diramp run``).

    Reads ``statistics.blocks`` (columns ``n``, ``s_mu``, ``chsh``: exact strings),
    the totals ``statistics.s_mu_obs`` and ``statistics.chsh``, and mu from
    ``precommit.parameters.mu`` unless ``mu`` is given.
    """
    from diramp.certificate import load_certificate

    p = Path(path)
    data = load_certificate(p)  # schema-checked before use
    stats = data.get("statistics") if isinstance(data, dict) else None
    blk = stats.get("blocks") if isinstance(stats, dict) else None
    if not isinstance(blk, dict) or not isinstance(blk.get("s_mu"), list) or not blk["s_mu"]:
        raise InputError(str(p), "has no per-block series (statistics.blocks.s_mu)", "",
                         "pass the certificate written by `diramp run`, or the trial file with --trials")
    assert isinstance(stats, dict)
    s_list = blk["s_mu"]
    n_list = blk.get("n") or [0] * len(s_list)
    c_list = blk.get("chsh") or [None] * len(s_list)
    if not len(s_list) == len(n_list) == len(c_list):
        raise InputError(str(p), "per-block columns differ in length", "statistics.blocks",
                         "the certificate is corrupt; regenerate it")
    if mu is None:
        try:
            mu = to_fraction(data["precommit"]["parameters"]["mu"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError("--mu", "is needed: the certificate does not state mu", str(p)) from exc
    try:
        blocks = tuple(BlockStat(i, int(n), to_fraction(s), None if c is None else to_fraction(c))
                       for i, (n, s, c) in enumerate(zip(n_list, s_list, c_list, strict=True)))
        s_tot = stats.get("s_mu_obs")
        c_tot = stats.get("chsh")
        s_total = to_fraction(s_tot) if s_tot is not None else _weighted([(b.n, b.s_mu) for b in blocks])
        c_total = None if c_tot is None else to_fraction(c_tot)
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        raise InputError(str(p), "holds a malformed per-block value", str(exc),
                         "the certificate is corrupt; regenerate it") from exc
    return Fig4Series(mu, blocks, s_total, c_total, f"certificate {p.name}")


def _weighted(pairs: Sequence[tuple[int, Fraction]]) -> Fraction | None:
    tot = sum(n for n, _ in pairs)
    return None if tot == 0 else sum((n * v for n, v in pairs), Fraction(0)) / tot


def fig4_csv(series: Fig4Series) -> str:
    """The Fig. 4 data as CSV: exact values and 17-digit floats (exact strings are authoritative)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["block", "trials", "S_mu", "S_mu_float", "CHSH", "CHSH_float"])
    for b in series.blocks:
        w.writerow([b.index, b.n, _exact(b.s_mu), f"{float(b.s_mu):.17g}",
                    "" if b.chsh is None else _exact(b.chsh),
                    "" if b.chsh is None else f"{float(b.chsh):.17g}"])
    return buf.getvalue()


def fig4(series: Fig4Series, out: str | os.PathLike[str], draw: bool = True) -> list[Path]:
    """Fig. 4: write ``fig4.csv`` (per block) and ``fig4.png`` (CHSH and S_mu per block)."""
    d = _prepare(out, [("fig4.csv", "public")] + ([("fig4.png", "public")] if draw else []))
    written = [d / "fig4.csv"]
    atomic_write_text(written[0], fig4_csv(series))
    if not draw:
        return written
    fig = _figure(7.5, 5.5)
    ax1 = fig.add_subplot(2, 1, 1)
    ax2 = fig.add_subplot(2, 1, 2, sharex=ax1)
    xs = [b.index for b in series.blocks]
    ch = [float(b.chsh) if b.chsh is not None else math.nan for b in series.blocks]
    ax1.plot(xs, ch, "o", ms=2.5, color="#1f4e79")
    ax1.axhline(2, color="0.6", lw=1.2, label="classical bound S = 2")
    if series.chsh_total is not None:
        ax1.axhline(float(series.chsh_total), color="red", lw=1.2,
                    label=f"average {float(series.chsh_total):.4f}")
    ax1.set_ylabel("CHSH S")
    ax1.legend(fontsize=7, loc="lower right")
    ax2.plot(xs, [float(b.s_mu) for b in series.blocks], "o", ms=2.5, color="#1f4e79")
    ax2.axhline(0, color="0.6", lw=1.2, label="MDL bound S_mu = 0")
    if series.s_mu_total is not None:
        ax2.axhline(float(series.s_mu_total), color="red", lw=1.2,
                    label=f"average {float(series.s_mu_total):.6f}")
    ax2.set_ylabel(f"S_mu (mu = {_pct(series.mu)})")
    ax2.set_xlabel("block (iteration)")
    ax2.legend(fontsize=7, loc="lower right")
    n_blk = series.blocks[0].n if series.blocks else 0
    ax1.set_title(f"Fig. 4 (reproduced): S per block of {n_blk:,} trials; {series.source}", fontsize=8)
    fig.tight_layout()
    written.append(d / "fig4.png")
    _save_png(fig, written[1], dpi=PRINT_DPI)
    return written


# --------------------------------------------------------------------------- Fig. 10


def _read_bits(path: str | os.PathLike[str], start: int, count: int | None,
               limit: int | None = None) -> tuple[npt.NDArray[np.uint8], int, str]:
    """Bits [start, start + count) of a packed bit file (DEF-PACKED-FILE or raw), its length, its digest.

    ``count=None`` reads to the end, at most ``limit`` bits.
    """
    from diramp.stats.bitfile import open_bits

    src = open_bits(path)
    digest = src.sha256
    stop = src.nbits if count is None else start + count
    if count is None and limit is not None:
        stop = min(stop, start + limit)
    if start < 0 or stop > src.nbits:
        raise InputError(str(path), "holds too few bits", f"{src.nbits} bits, need bits {start}..{stop - 1}",
                         "use a longer K file, a smaller picture or a smaller --offset")
    return src.read(start, stop), src.nbits, digest


def fig10_layout(nbits: int, width: int | None = None) -> tuple[int, int]:
    """(width, height) of the Fig. 10 picture: near-square, width a multiple of 8, rows filled in order.

    >>> fig10_layout(20431465)
    (4528, 4513)
    >>> fig10_layout(100, 16)
    (16, 7)
    """
    if nbits < 1:
        raise InputError("K", "holds no bits", "", "Fig. 10 needs at least one bit")
    w = width if width is not None else max(8, 8 * math.ceil(math.sqrt(nbits) / 8))
    if not 1 <= w <= MAX_FIG10_WIDTH:
        raise InputError("--width", f"must lie in [1, {MAX_FIG10_WIDTH}]", f"got {w}")
    h = math.ceil(nbits / w)
    if w * h > MAX_FIG_PIXELS:
        raise InputError("--width/--max-bits", f"give a picture of {w} x {h} pixels (at most {MAX_FIG_PIXELS})",
                         "", "choose a wider picture or show fewer bits with --max-bits")
    return w, h


#: Fig. 10 palette: index 0 = a 0-bit (black), 1 = a 1-bit (white), 2 = padding after the last bit (red).
FIG10_PALETTE: tuple[tuple[int, int, int], ...] = ((0, 0, 0), (255, 255, 255), (214, 39, 40))
FIG10_PAD = 2


def fig10_indices(bits: npt.NDArray[np.uint8], width: int | None = None) -> npt.NDArray[np.uint8]:
    """The Fig. 10 picture as palette indices, row by row: the bits, then FIG10_PAD to fill the last row.

    >>> fig10_indices(np.array([1, 0, 1], dtype=np.uint8), 2).tolist()
    [[1, 0], [1, 2]]
    """
    nb = int(bits.size)
    w, h = fig10_layout(nb, width)
    canvas = np.full(w * h, FIG10_PAD, dtype=np.uint8)
    canvas[:nb] = bits
    return canvas.reshape(h, w)


def fig10(k_path: str | os.PathLike[str], out: str | os.PathLike[str], width: int | None = None,
          max_bits: int | None = None) -> list[Path]:
    """Fig. 10: the output bits K, one pixel each, row by row (white = 1, black = 0, red = padding).

    Writes ``fig10.png`` (one pixel per bit: a 2-bit palette PNG whose index is
    the bit, and FIG10_PAD, red, for the pixels after the last bit),
    ``fig10-captioned.png`` (the same picture with the paper's caption, at
    print resolution, for reading; downsampled when K is large) and
    ``fig10.json`` (layout, palette, counts).  All three show K itself, so all
    are owner-only (mode 0600, REQ-SECRET-FILES), and none holds a digest of K.
    """
    require_matplotlib()
    from PIL import Image

    d = _prepare(out, [(f, "secret") for f in FIG10_FILES])
    if max_bits is not None and max_bits < 1:
        raise InputError("--max-bits", "must be >= 1", f"got {max_bits}")
    if width is not None and not 1 <= width <= MAX_FIG10_WIDTH:
        raise InputError("--width", f"must lie in [1, {MAX_FIG10_WIDTH}]", f"got {width}")
    bits, total, _digest = _read_bits(k_path, 0, None, max_bits)
    if max_bits is not None:
        bits = bits[:max_bits]
    nb = int(bits.size)
    idx = fig10_indices(bits, width)
    h, w = idx.shape
    img = Image.fromarray(idx, mode="P")
    img.putpalette([c for rgb in FIG10_PALETTE for c in rgb])
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False, bits=2)
    ones = int(bits.sum())
    data = {
        "figure": "Fig. 10 of Kulikov et al. (2024): output bits row by row, left to right, top to bottom",
        "pixel": "white = 1, black = 0; pixels after the last bit are red (padding, not bits)",
        "png": "fig10.png: one pixel per bit, palette PNG (2 bits per pixel) whose index is the pixel's value: "
               "0 = a 0-bit, 1 = a 1-bit, 2 = padding",
        "palette": {"0": "#000000", "1": "#ffffff", str(FIG10_PAD): _hex(FIG10_PALETTE[FIG10_PAD])},
        "captioned": "fig10-captioned.png: the picture with its caption, for reading (downsampled when large)",
        "k_file": Path(k_path).name,
        "k_bits": total,
        "secret": "these files show K: keep them owner-only (mode 0600), as K",
        "bits_shown": nb,
        "width": w,
        "height": h,
        "pad_pixels": w * h - nb,
        "ones": ones,
        "zeros": nb - ones,
    }
    written = [d / f for f in FIG10_FILES]
    atomic_write_text(written[0], _json(data), mode=0o600)
    atomic_write_bytes(written[1], buf.getvalue(), mode=0o600)
    _plot_fig10(idx, nb, total, written[2])
    return written


#: Fig. 10's files: the data, the exact picture and the captioned picture (all show K: owner-only).
FIG10_FILES = ("fig10.json", "fig10.png", "fig10-captioned.png")


def _plot_fig10(idx: npt.NDArray[np.uint8], nb: int, total: int, path: Path) -> None:
    import textwrap

    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Rectangle

    h, w = idx.shape
    pad = w * h - nb
    side = 5.6  # inches of picture width
    pic_h = side * h / w
    cap_h = 0.95  # inches of caption
    fig = _figure(side + 0.4, pic_h + cap_h + 0.3)
    total_h = pic_h + cap_h + 0.3
    ax = fig.add_axes((0.2 / (side + 0.4), (cap_h + 0.1) / total_h, side / (side + 0.4), pic_h / total_h))
    cmap = ListedColormap([tuple(c / 255 for c in rgb) for rgb in FIG10_PALETTE])
    display_px = side * PRINT_DPI
    step = max(1, math.ceil(w / display_px))  # a large K is shown as every step-th row and column (memory)
    ax.imshow(idx[::step, ::step], cmap=cmap, vmin=0, vmax=len(FIG10_PALETTE) - 1, interpolation="nearest",
              aspect="equal", extent=(-0.5, w - 0.5, h - 0.5, -0.5))
    ax.set_xticks([])
    ax.set_yticks([])
    for sp in ax.spines.values():
        sp.set_color("0.5")
    if pad:  # the padding stays visible when the picture is downsampled: a red bar under its columns
        first = nb % w
        rows = 8 * w / display_px  # 8 printed pixels
        ax.add_patch(Rectangle((first - 0.5, h - 0.5), w - first, rows, fill=True,
                               fc=_hex(FIG10_PALETTE[FIG10_PAD]), ec="none", clip_on=False))
    shown = f"the first {nb:,} of the {total:,} bits of K" if nb < total else f"the {nb:,} bits of K"
    pad_txt = (f" The {pad:,} red pixels after the last bit are padding, not bits." if pad
               else " No padding.")
    res = (f" Shown downsampled (one row and one column in {step}); fig10.png has one pixel per bit."
           if step > 1 else " fig10.png has one pixel per bit.")
    caption = (f"Fig. 10 (reproduced): {shown}, arranged row by row from left to right, and from top to "
               f"bottom ({w:,} x {h:,} pixels). A white pixel represents a \"1\", a black pixel marks a "
               f"\"0\".{pad_txt}{res} Owner-only: this picture is K.")
    fig.text(0.2 / (side + 0.4), cap_h / total_h, textwrap.fill(caption, 100), fontsize=8, va="top", ha="left",
             linespacing=1.35)
    _save_png(fig, path, mode=0o600, dpi=PRINT_DPI)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb)


# --------------------------------------------------------------------------- Fig. 11


def one_time_pad(image: npt.NDArray[np.uint8], pad_bits: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """XOR a 0/1 image with pad bits taken row by row (the same call decrypts).

    >>> img = np.array([[1, 0], [0, 1]], dtype=np.uint8)
    >>> pad = np.array([1, 1, 0, 1], dtype=np.uint8)
    >>> one_time_pad(img, pad).tolist()
    [[0, 1], [0, 0]]
    >>> bool((one_time_pad(one_time_pad(img, pad), pad) == img).all())
    True
    """
    if pad_bits.size != image.size:
        raise InputError("pad", "must hold one bit per pixel", f"{pad_bits.size} bits for {image.size} pixels")
    return (image ^ pad_bits.reshape(image.shape)).astype(np.uint8)


def fig11(k_path: str | os.PathLike[str], out: str | os.PathLike[str], width: int = 128, height: int = 96,
          offset: int = 0) -> list[Path]:
    """Fig. 11: the synthetic sheep and the sheep one-time padded with K bits [offset, offset + w h).

    Writes ``fig11.png`` (the two pictures) and ``fig11.json`` (image, pad and
    padded image as packed hex, MSB-first, row by row).  The pad is K and the
    picture is known, so both files are owner-only (mode 0600, REQ-SECRET-FILES).
    A one-time pad uses each key bit once: bits used here must not be used for
    anything else.
    """
    lo_side, hi_side = FIG11_SIDE
    for name, v in (("--width", width), ("--height", height)):
        if not lo_side <= v <= hi_side:
            raise InputError(name, f"must lie in [{lo_side}, {hi_side}] pixels", f"got {v}")
    if offset < 0:
        raise InputError("--offset", "must be >= 0", f"got {offset}")
    d = _prepare(out, [("fig11.json", "secret"), ("fig11.png", "secret")])
    img = sheep(width, height)
    pad, total, _digest = _read_bits(k_path, offset, img.size)
    padded = one_time_pad(img, pad)
    assert (one_time_pad(padded, pad) == img).all()

    def packed(a: npt.NDArray[np.uint8]) -> str:
        return bytes(np.packbits(a.ravel())).hex()

    data = {
        "figure": "Fig. 11 of Kulikov et al. (2024): a picture and the same picture one-time padded with output bits",
        "picture": "synthetic Valais Blacknose sheep drawn by diramp.reproduce.sheep (no image file)",
        "pixel": "1 = white, 0 = black; packed MSB-first, row by row",
        "width": width,
        "height": height,
        "k_file": Path(k_path).name,
        "k_bits": total,
        "secret": "pad_hex is K and the padded image reveals K: keep this file and fig11.png owner-only",
        "pad_bits": {"offset": offset, "count": int(img.size)},
        "image_hex": packed(img),
        "pad_hex": packed(pad),
        "padded_hex": packed(padded),
        "image_sha256": hashlib.sha256(bytes(np.packbits(img.ravel()))).hexdigest(),
        "padded_sha256": hashlib.sha256(bytes(np.packbits(padded.ravel()))).hexdigest(),
        "decrypts": True,
    }
    written = [d / "fig11.json", d / "fig11.png"]
    atomic_write_text(written[0], _json(data), mode=0o600)
    fig = _figure(8, 3.6)
    for i, (a, title) in enumerate(((img, "sheep"), (padded, f"one-time padded with K bits {offset}.."
                                                             f"{offset + img.size - 1}"))):
        ax = fig.add_subplot(1, 2, i + 1)
        ax.imshow(a, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("Fig. 11 (reproduced): sheep and one-time padded sheep", fontsize=10)
    fig.tight_layout()
    _save_png(fig, written[1], mode=0o600, dpi=PRINT_DPI)
    return written


def points_from_json(data: dict[str, Any]) -> list[tuple[Fig2Series, list[Fig2Point]]]:
    """Fig. 2 curves back from ``fig2.json`` (for re-plotting without recomputation)."""
    out = []
    for s in data["series"]:
        mu = to_fraction(s["mu"])
        out.append((Fig2Series(s["variant"], mu),
                    [Fig2Point(mu, to_fraction(p["chsh"]), to_fraction(p["S_mu"]), p["n"], p["stops"])
                     for p in s["points"]]))
    return out


__all__ = [
    "FIGURES",
    "Fig4Series",
    "cache_key",
    "fig2",
    "fig2_data",
    "fig4",
    "fig4_from_certificate",
    "fig4_from_trials",
    "fig10",
    "fig10_indices",
    "fig10_layout",
    "fig11",
    "one_time_pad",
    "points_from_json",
]
