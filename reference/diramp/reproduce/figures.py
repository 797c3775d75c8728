"""Figures 2, 4, 10 and 11 of Kulikov et al. (2024), each with its data file.

Every figure function writes a PNG and the data it plots (CSV or JSON), both
atomically, and returns the paths written.  Output is deterministic: the data
files are byte-identical for identical inputs, and the PNGs are written
without timestamps or version metadata (``Software`` removed), so they are
byte-identical too on the same matplotlib/Pillow versions.

matplotlib (the ``plots`` extra) is imported only when a figure is drawn,
through the non-interactive Agg canvas (no pyplot, no global state).  Fig. 10
is drawn with Pillow (a matplotlib dependency), one pixel per bit.
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
    Fig2Settings,
    cache_key,
    fig2_points,
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


def _save_png(fig: Any, path: Path, mode: int = 0o644) -> None:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata=PNG_METADATA)
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


def fig2_data(points: Sequence[Fig2Point], settings: Fig2Settings,
              variants: dict[str, list[Fig2Point]] | None = None) -> dict[str, Any]:
    """The JSON-ready data of Fig. 2 (exact values as strings); ``variants``: a curve per named bound."""
    wp = WORKING_POINT
    extra: dict[str, Any] = {}
    if variants:
        extra["variants"] = {v: [{"mu": _exact(p.mu), "chsh": _exact(p.chsh), "n": p.n, "stops": p.reason}
                                 for p in pts] for v, pts in variants.items()}
        extra["variants_note"] = ("CONV-VARIANTS: the same curve at mu = 0.75 % for every named bound "
                                  "(spec/bounds.md); circulant needs Z of p > 2n bits")
    return {**extra,
        "figure": "Fig. 2 of Kulikov et al. (2024): rounds n for >= target_m certified bits vs CHSH S",
        "noise_model": "depolarised |Psi+>, optimal CHSH settings, uniform inputs (CONV-DEPOL)",
        "length_bound": f"Theorem 5, variant {settings.variant} (THM-5-DERIVED)"
        if settings.variant == "derived" else f"Theorem 5, variant {settings.variant} (THM-5)",
        "n_definition": "smallest n with certified m(n) >= target_m (diramp.inverse.min_n)",
        "target_m": settings.target_m,
        "eps": _exact(settings.eps),
        "eps_s": _exact(settings.eps_s),
        "eps_EA": _exact(settings.eps_ea),
        "working_point": {"chsh": _exact(wp["chsh"]), "n": wp["n"], "mu": _exact(wp["mu"]),  # type: ignore[arg-type]
                          "source": "main text: CHSH 2.271, n = 20 * 2^26, mu = 0.75 %"},
        "points": [
            {"mu": _exact(p.mu), "chsh": _exact(p.chsh), "S_mu": _exact(p.s_mu), "n": p.n, "stops": p.reason}
            for p in points
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


def fig2(out: str | os.PathLike[str], mus: Sequence[Fraction] = MUS,
         chsh_grid: Sequence[Fraction] | None = None, settings: Fig2Settings | None = None,
         use_cache: bool = True, draw: bool = True) -> list[Path]:
    """Fig. 2: write ``fig2.json`` (data) and ``fig2.png``; cache n per point in ``.fig2-cache.json``."""
    from diramp.reproduce.fig2 import CHSH_GRID

    settings = settings if settings is not None else Fig2Settings()
    d = _prepare(out, [("fig2.json", "public")] + ([("fig2.png", "public")] if draw else []))
    grid = tuple(CHSH_GRID if chsh_grid is None else chsh_grid)
    cache_path = d / ".fig2-cache.json"
    cache = load_cache(cache_path) if use_cache else {}
    points = fig2_points(mus, grid, settings, cache)
    from diramp.reproduce.fig2 import variant_points

    variants = variant_points(grid, settings, cache=cache)
    if use_cache:
        with detached():  # a cache, not an output: replaced freely, validated on every read
            atomic_write_text(cache_path, _json(dict(sorted(cache.items()))))
    data = fig2_data(points, settings, variants)
    written = [d / "fig2.json"]
    atomic_write_text(written[0], _json(data))
    if draw:
        written.append(d / "fig2.png")
        _plot_fig2(points, mus, settings, written[1], variants)
    return written


def _plot_fig2(points: Sequence[Fig2Point], mus: Sequence[Fraction], st: Fig2Settings, path: Path,
               variants: dict[str, list[Fig2Point]] | None = None) -> None:
    fig = _figure(7.5, 5.2)
    ax = fig.add_subplot(1, 1, 1)
    colors = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#666666"]
    for i, mu in enumerate(mus):
        pts = [p for p in points if p.mu == mu]
        xs = [float(p.chsh) for p in pts]
        ys = [float(p.n) if p.n is not None else math.nan for p in pts]
        ax.plot(xs, ys, "o-", ms=3, lw=1.5, color=colors[i % len(colors)], label=f"mu = {_pct(mu)}")
    for v, pts in (variants or {}).items():  # CONV-VARIANTS: a dashed line per named bound at mu = 0.75 %
        if v == st.variant:
            continue
        ax.plot([float(p.chsh) for p in pts], [float(p.n) if p.n is not None else math.nan for p in pts],
                "--", lw=1, color="0.35" if v != "circulant" else "black", label=f"mu = 0.75 %, {v}")
    wp = WORKING_POINT
    ax.plot([float(wp["chsh"])], [float(wp["n"])], marker="*", ms=14, color="gold", mec="black",
            ls="none", label="this experiment: CHSH 2.271, n = 1.342e9, mu = 0.75 %")
    ax.axvline(2 * math.sqrt(2), color="0.6", ls=":", lw=1)
    ax.text(2 * math.sqrt(2), 2e12, "2 sqrt 2 ", color="0.4", fontsize=8, rotation=90, va="top", ha="right")
    ax.set_yscale("log")
    ax.set_xlim(2.08, 2.84)
    ax.set_ylim(1e6, 1e13)
    ax.set_xlabel("CHSH value S")
    ax.set_ylabel(f"rounds n for m >= {st.target_m:,} certified bits")
    ax.set_title("Fig. 2 (reproduced): depolarising noise, Theorem 5 "
                 f"({st.variant}), eps = {_exact(st.eps)}, eps_s = {_exact(st.eps_s)}, "
                 f"eps_EA = {_exact(st.eps_ea)}", fontsize=8)
    ax.grid(True, which="both", color="0.9", lw=0.5)
    ax.legend(fontsize=8, loc="upper right")
    fig.text(0.01, 0.005, "curves stop where no n suffices; coarse CHSH grid; diramp reproduce / figures fig2",
             fontsize=6, color="0.4")
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    _save_png(fig, path)


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
    _save_png(fig, written[1])
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


def fig10(k_path: str | os.PathLike[str], out: str | os.PathLike[str], width: int | None = None,
          max_bits: int | None = None) -> list[Path]:
    """Fig. 10: the output bits K, one pixel each, row by row (white = 1, black = 0).

    Writes ``fig10.png`` (1-bit PNG; pixels after the last bit are black and
    counted in the data file) and ``fig10.json`` (layout and counts).  Both
    show K itself, so both are owner-only (mode 0600, REQ-SECRET-FILES), and
    neither holds a digest of K.
    """
    require_matplotlib()
    from PIL import Image

    d = _prepare(out, [("fig10.json", "secret"), ("fig10.png", "secret")])
    if max_bits is not None and max_bits < 1:
        raise InputError("--max-bits", "must be >= 1", f"got {max_bits}")
    if width is not None and not 1 <= width <= MAX_FIG10_WIDTH:
        raise InputError("--width", f"must lie in [1, {MAX_FIG10_WIDTH}]", f"got {width}")
    bits, total, _digest = _read_bits(k_path, 0, None, max_bits)
    if max_bits is not None:
        bits = bits[:max_bits]
    nb = int(bits.size)
    w, h = fig10_layout(nb, width)
    canvas = np.zeros(w * h, dtype=np.uint8)
    canvas[:nb] = bits
    img = Image.frombytes("1", (w, h), np.packbits(canvas.reshape(h, w), axis=1).tobytes())
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    ones = int(bits.sum())
    data = {
        "figure": "Fig. 10 of Kulikov et al. (2024): output bits row by row, left to right, top to bottom",
        "pixel": "white = 1, black = 0; pixels after the last bit are black (pad)",
        "k_file": Path(k_path).name,
        "k_bits": total,
        "secret": "this file and fig10.png show K: keep them owner-only (mode 0600), as K",
        "bits_shown": nb,
        "width": w,
        "height": h,
        "pad_pixels": w * h - nb,
        "ones": ones,
        "zeros": nb - ones,
    }
    written = [d / "fig10.json", d / "fig10.png"]
    atomic_write_text(written[0], _json(data), mode=0o600)
    atomic_write_bytes(written[1], buf.getvalue(), mode=0o600)
    return written


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
    _save_png(fig, written[1], mode=0o600)
    return written


def points_from_json(data: dict[str, Any]) -> list[Fig2Point]:
    """Fig. 2 points back from ``fig2.json`` (for re-plotting without recomputation)."""
    out = []
    for p in data["points"]:
        out.append(Fig2Point(to_fraction(p["mu"]), to_fraction(p["chsh"]), to_fraction(p["S_mu"]),
                             p["n"], p["stops"]))
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
    "fig10_layout",
    "fig11",
    "one_time_pad",
    "points_from_json",
]
