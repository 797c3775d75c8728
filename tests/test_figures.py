"""``diramp figures``: Fig. 2, 4, 10, 11 write a PNG and their data; the data are right (issue 5).

Fig. 2 checks THM-5-DERIVED (via diramp.inverse.min_n) under CONV-DEPOL; Fig. 4 checks DEF-SOBS per block.
"""

from __future__ import annotations

import csv
import itertools
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from diramp.bell import s_mu, s_mu_depolarised
from diramp.cli import main
from diramp.extractor.packed import write_bits
from diramp.inverse import min_n
from diramp.reproduce import figures as F
from diramp.reproduce.fig2 import Fig2Settings, min_n_fast
from diramp.reproduce.sheep import sheep

pytest.importorskip("matplotlib")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def kfile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    bits = np.random.default_rng(20240101).integers(0, 2, 20000, dtype=np.uint8)
    p = tmp_path_factory.mktemp("k") / "k.dbits"
    write_bits(p, bits)
    return p, bits


@pytest.fixture(scope="module")
def trials(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("trials")
    assert main(["simulate", "--n", "40000", "--mu", "0.0075", "--seed", "5", "--out-trials", str(d / "t.dtf"),
                 "--out-z", str(d / "z.dbits")]) == 0
    return d / "t.dtf"


def test_fig2_working_point_matches_inverse_min_n(tmp_path: Path) -> None:
    mu = Fraction(3, 400)
    grid = [Fraction("2.1"), Fraction("2.271")]
    written = F.fig2(tmp_path, [mu], grid)
    assert {p.name for p in written} == {"fig2.json", "fig2.png", "fig2.pdf"}
    assert (tmp_path / "fig2.png").read_bytes()[:8] == PNG
    assert (tmp_path / "fig2.pdf").read_bytes()[:5] == b"%PDF-"
    from PIL import Image

    with Image.open(tmp_path / "fig2.png") as im:  # print resolution
        assert round(im.info["dpi"][0]) == 300 and im.size[0] >= 2400
    data = json.loads((tmp_path / "fig2.json").read_text())
    assert data["eps_s"] == "1e-20" and data["target_m"] == 10**6 and "derived" in data["length_bound"]
    # the paper's curve at 0.75 %, and every other registered bound beside it
    assert [(s["variant"], s["mu"]) for s in data["series"]] == [
        ("derived", "0.0075"), ("as_printed", "0.0075"), ("refined", "0.0075"), ("circulant", "0.0075")]
    pts = {p["chsh"]: p for p in data["series"][0]["points"]}
    assert pts["2.1"]["n"] is None and pts["2.1"]["stops"]  # the curve stops: no n suffices
    st = Fig2Settings()
    s = s_mu_depolarised(Fraction("2.271"), mu)
    want = min_n(10**6, mu=mu, s_mu=s, eps=st.eps, eps_s=st.eps_s, eps_ea=st.eps_ea)
    assert pts["2.271"]["n"] == want
    printed = {p["chsh"]: p for p in data["series"][1]["points"]}["2.271"]["n"]
    assert printed == min_n(10**6, mu=mu, s_mu=s, eps=st.eps, eps_s=st.eps_s, eps_ea=st.eps_ea, variant="as_printed")
    # deterministic, with and without the cache
    first = {p.name: p.read_bytes() for p in written}
    F.fig2(tmp_path, [mu], grid)
    assert {p.name: p.read_bytes() for p in written} == first
    F.fig2(tmp_path / "fresh", [mu], grid, use_cache=False)
    for name in ("fig2.json", "fig2.png", "fig2.pdf"):
        assert (tmp_path / "fresh" / name).read_bytes() == first[name], name
    assert F.points_from_json(data)[0][1][1].n == want


def test_fig2_poisoned_cache_changes_nothing(tmp_path: Path) -> None:
    """Every cached n is proved again before use: a wrong one is recomputed, the data stay the same."""
    grid = [Fraction("2.5"), Fraction("2.8")]
    F.fig2(tmp_path, [Fraction(0)], grid, draw=False)
    good = (tmp_path / "fig2.json").read_bytes()
    cache_file = tmp_path / ".fig2-cache.json"
    cache = json.loads(cache_file.read_text())
    assert len(cache) == 2 and all(isinstance(v, int) for v in cache.values())
    for wrong in (1, "x", True, None):
        cache_file.write_text(json.dumps({k: (v + 1 if wrong == 1 else wrong) for k, v in cache.items()}))
        F.fig2(tmp_path, [Fraction(0)], grid, draw=False)
        assert (tmp_path / "fig2.json").read_bytes() == good, wrong


@pytest.mark.parametrize(("mu", "s", "target"), [(Fraction(0), Fraction(1, 200), 1000),
                                                 (Fraction(1, 100), Fraction(1, 400), 500),
                                                 (Fraction(0), Fraction(1, 1000), 1)])
def test_min_n_fast_equals_min_n(mu: Fraction, s: Fraction, target: int) -> None:
    st = Fig2Settings(eps=Fraction(1, 10**6), eps_s=Fraction(1, 10**8), eps_ea=Fraction(1, 10**6), target_m=target)
    want = min_n(target, mu=mu, s_mu=s, eps=st.eps, eps_s=st.eps_s, eps_ea=st.eps_ea)
    assert min_n_fast(target, mu, s, st) == want
    # a guess changes only the speed: far below, at, just beside and far above the answer
    for guess in (2, want // 3, want - 1, want, want + 1, 10 * want, 2**61):
        assert min_n_fast(target, mu, s, st, guess=guess) == want, guess


def test_min_n_fast_on_a_planted_step_function() -> None:
    """The search finds the crossing of any non-decreasing m(n), also one that m' cannot guide (a step function)."""
    st = Fig2Settings(eps=Fraction(1, 10**6), eps_s=Fraction(1, 10**8), eps_ea=Fraction(1, 10**6), target_m=5)
    for answer in (1025, 77_777, 123_456_789):
        def m(n: int, a: int = answer) -> int:
            return 5 if n >= a else 4 * n // a

        assert min_n_fast(5, Fraction(0), Fraction(1, 100), st, m_of_n=m) == answer
        assert min_n_fast(5, Fraction(0), Fraction(1, 100), st, m_of_n=m, guess=answer // 2 + 3) == answer

    def slow(n: int) -> int:  # m creeps up: one bit per 2^30 trials, the secant alone would crawl
        return min(5, n >> 30)

    assert min_n_fast(5, Fraction(0), Fraction(1, 100), st, m_of_n=slow) == 5 << 30
    assert min_n_fast(5, Fraction(0), Fraction(1, 100), st, m_of_n=lambda n: 0) is None  # never: up to N_CAP


def test_fig2_default_grid_crowds_where_the_curve_bends(monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-curve grid: geometric in the distance to the threshold, stops one point past N_TOP."""
    from diramp.reproduce import fig2 as M

    c0 = M.curve_threshold(Fraction(3, 400), M.BOUNDS["derived"])
    # no n suffices just below the threshold (rate <= 0), some n does just above it
    below, above = c0 - M.GRID_RESOLUTION, c0 + M.GRID_RESOLUTION
    assert M.asymptotic_rate_upper(Fraction(3, 400), s_mu_depolarised(below, Fraction(3, 400))) <= 0
    assert M.asymptotic_rate_upper(Fraction(3, 400), s_mu_depolarised(above, Fraction(3, 400))) > 0
    assert Fraction("2.14") < c0 < Fraction("2.15")
    monkeypatch.setattr(M, "N_TOP", 10**9)
    pts = M.series_points(M.Fig2Series("derived", Fraction(3, 400)))
    xs = [p.chsh for p in pts]
    assert xs == sorted(xs) and xs[-1] == M.CHSH_TOP and all(x > c0 for x in xs)
    gaps = [b - a for a, b in itertools.pairwise(xs)]
    assert gaps[0] < max(gaps) / 10  # denser near the threshold
    ns = [p.n for p in pts]
    assert all(n is not None for n in ns) and ns == sorted(ns, reverse=True)
    assert ns[0] > M.N_TOP >= ns[1]  # one point past the top of the plot


def test_fig2_lines_follow_the_certified_n(monkeypatch: pytest.MonkeyPatch) -> None:
    """The drawn line (PCHIP of log n) is within 2 % of the certified n halfway between grid points."""
    from diramp.reproduce import fig2 as M

    monkeypatch.setattr(M, "N_TOP", 2 * 10**8)
    mu = Fraction(3, 400)
    pts = M.series_points(M.Fig2Series("derived", mu))
    xs, ys = F._pchip_line([float(p.chsh) for p in pts], [float(p.n) for p in pts])  # type: ignore[arg-type]
    st = Fig2Settings()
    for a, b in list(itertools.pairwise(pts))[:3]:  # the steepest part
        mid = (a.chsh + b.chsh) / 2
        n = min_n_fast(10**6, mu, s_mu_depolarised(mid, mu), st)
        assert n is not None
        drawn = float(np.interp(float(mid), xs, np.log10(ys)))
        assert abs(10**drawn / n - 1) < 0.02, (mid, n, 10**drawn)


def test_fig2_registry_adds_a_curve_per_bound(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A new bound is one register(...) call: a curve at mu = 0.75 % beside the paper's, in the data and legend."""
    from diramp.reproduce import fig2 as M

    monkeypatch.setattr(M, "BOUNDS", dict(M.BOUNDS))
    toy = M.LengthBound("toy", "a toy bound (twice eq. 18)", "THM-5", lambda n, mu, s, st: M.theorem5_length(
        "derived")(n // 2, mu, s, st), rate=lambda mu, s: M.asymptotic_rate_upper(mu, s) / 2)
    M.register(toy)
    series = M.default_series([Fraction(0), Fraction(3, 400)])
    assert [(s.variant, s.mu) for s in series] == [("derived", 0), ("derived", Fraction(3, 400))] + [
        (v, Fraction(3, 400)) for v in ("as_printed", "refined", "circulant", "toy")]
    assert M.default_series([Fraction(0)]) == [M.Fig2Series("derived", Fraction(0))]  # 0.75 % not drawn
    F.fig2(tmp_path, [Fraction(3, 400)], [Fraction("2.5")], compare=["toy"], draw=False)
    data = json.loads((tmp_path / "fig2.json").read_text())
    (d, t) = [s["points"][0]["n"] for s in data["series"]]
    assert data["series"][1]["length_bound"] == "a toy bound (twice eq. 18) (THM-5)"
    assert t in (2 * d - 1, 2 * d)  # m_toy(n) = m(n // 2)
    with pytest.raises(Exception, match="registered bound"):
        F.fig2(tmp_path, [Fraction(3, 400)], [Fraction("2.5")], compare=["nope"], draw=False)


def test_fig4_from_trials_per_block_s_mu(tmp_path: Path, trials: Path) -> None:
    from diramp.trials import count_blocks

    assert main(["figures", "fig4", "--trials", str(trials), "--block", "8192", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "fig4.png").read_bytes()[:8] == PNG
    rows = list(csv.DictReader((tmp_path / "fig4.csv").read_text().splitlines()))
    blocks = count_blocks(trials, 8192)
    assert len(rows) == len(blocks) == 5
    for r, c in zip(rows, blocks, strict=True):
        assert Fraction(r["S_mu"]) == s_mu(c, Fraction(3, 400))  # DEF-SOBS, exact
        assert int(r["trials"]) == c.n


def test_fig4_from_a_certificate(tmp_path: Path) -> None:
    from diramp.certificate import Precommit, build_certificate, pretty_json
    from diramp.length import Grid
    from diramp.protocol import ProtocolParams, SimulationConfig, run_files, simulate_files

    params = ProtocolParams(n=2**19, mu=Fraction(0), eps=Fraction(1, 10**6), eps_s=Fraction(1, 10**8),
                            eps_ea=Fraction(1, 10**6), grid=Grid(Fraction("0.0125"), 100), block=2**17)
    simulate_files(params, SimulationConfig(seed=4, chsh=Fraction("2.8")), tmp_path / "t", tmp_path / "z")
    cert = build_certificate(Precommit(params), run_files(params, tmp_path / "t", tmp_path / "z"))
    p = tmp_path / "cert.json"
    p.write_text(pretty_json(cert))
    s = F.fig4_from_certificate(p)
    assert s.mu == 0 and s.s_mu_total == Fraction(cert["statistics"]["s_mu_obs"]) and len(s.blocks) == 4
    F.fig4(s, tmp_path)
    first = cert["statistics"]["blocks"]["s_mu"][0]
    assert (tmp_path / "fig4.csv").read_text().splitlines()[1].startswith(f"0,131072,{first},")
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert main(["figures", "fig4", "--certificate", str(bad), "--out", str(tmp_path)]) == 2


def test_fig10_pixels_are_the_bits(tmp_path: Path, kfile: tuple[Path, np.ndarray]) -> None:
    from PIL import Image

    path, bits = kfile
    assert main(["figures", "fig10", "--k", str(path), "--out", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "fig10.json").read_text())
    w, h = data["width"], data["height"]
    assert (w, h) == F.fig10_layout(bits.size) and w % 8 == 0 and w * h >= bits.size
    assert data["ones"] == int(bits.sum()) and data["pad_pixels"] == w * h - bits.size > 0
    with Image.open(tmp_path / "fig10.png") as im:
        assert im.mode == "P" and im.size == (w, h)
        idx = np.asarray(im).ravel()  # palette indices: the bit, or 2 for padding
        rgb = np.asarray(im.convert("RGB")).reshape(-1, 3)
    assert (idx[: bits.size] == bits).all()  # row by row, exactly K
    assert (idx[bits.size:] == 2).all()
    # as a reader sees it: white = 1, black = 0, and padding in a third colour, the one fig10.json names
    assert (rgb[: bits.size][bits == 1] == 255).all() and (rgb[: bits.size][bits == 0] == 0).all()
    pad = {tuple(int(c) for c in px) for px in rgb[bits.size:]}
    assert pad == {tuple(int(data["palette"]["2"][i:i + 2], 16) for i in (1, 3, 5))}
    assert pad.isdisjoint({(0, 0, 0), (255, 255, 255)})
    with Image.open(tmp_path / "fig10-captioned.png") as cap:  # the reading copy, print resolution
        assert round(cap.info["dpi"][0]) == 300 and cap.size[0] > w
        crgb = np.asarray(cap.convert("RGB")).reshape(-1, 3)
    assert (crgb == pad.pop()).all(axis=1).any()  # the padding is visible in it too


def test_fig10_indices_planted_pad_as_zero_is_caught() -> None:
    """Companion: the old layout (padding drawn as 0-bits) would fail the decoding above."""
    bits = np.array([1, 0, 1, 1, 0], dtype=np.uint8)
    idx = F.fig10_indices(bits, 8).ravel()
    assert idx.tolist() == [1, 0, 1, 1, 0, 2, 2, 2]
    old = np.zeros(8, dtype=np.uint8)
    old[:5] = bits
    assert not (old[5:] == 2).all()


def test_fig11_one_time_pad_twice_gives_the_image(tmp_path: Path, kfile: tuple[Path, np.ndarray]) -> None:
    path, bits = kfile
    assert main(["figures", "fig11", "--k", str(path), "--width", "64", "--height", "48", "--offset", "100",
                 "--out", str(tmp_path)]) == 0
    assert (tmp_path / "fig11.png").read_bytes()[:8] == PNG
    data = json.loads((tmp_path / "fig11.json").read_text())

    def unpack(h: str) -> np.ndarray:
        return np.unpackbits(np.frombuffer(bytes.fromhex(h), dtype=np.uint8))[: 64 * 48].reshape(48, 64)

    img, pad, padded = unpack(data["image_hex"]), unpack(data["pad_hex"]), unpack(data["padded_hex"])
    assert (img == sheep(64, 48)).all()
    assert (pad.ravel() == bits[100:100 + 64 * 48]).all()
    assert (F.one_time_pad(padded, pad.ravel()) == img).all()
    assert not (padded == img).all()
    first = (tmp_path / "fig11.png").read_bytes()
    F.fig11(path, tmp_path, 64, 48, 100)
    assert (tmp_path / "fig11.png").read_bytes() == first  # byte-identical PNG


def test_fig11_needs_enough_bits(tmp_path: Path, kfile: tuple[Path, np.ndarray],
                                 capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = kfile
    assert main(["figures", "fig11", "--k", str(path), "--width", "400", "--height", "300",
                 "--out", str(tmp_path)]) == 2
    assert "too few bits" in capsys.readouterr().err


def test_sheep_is_a_sheep() -> None:
    img = sheep(128, 96)
    assert img.shape == (96, 128)
    assert 0.1 < 1 - img.mean() < 0.5  # some black (face, legs, outline), mostly white
