"""``diramp figures``: Fig. 2, 4, 10, 11 write a PNG and their data; the data are right (issue 5).

Fig. 2 checks THM-5-DERIVED (via diramp.inverse.min_n) under CONV-DEPOL; Fig. 4 checks DEF-SOBS per block.
"""

from __future__ import annotations

import csv
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
    assert {p.name for p in written} == {"fig2.json", "fig2.png"}
    assert (tmp_path / "fig2.png").read_bytes()[:8] == PNG
    data = json.loads((tmp_path / "fig2.json").read_text())
    assert data["eps_s"] == "1e-20" and data["target_m"] == 10**6 and "derived" in data["length_bound"]
    pts = {p["chsh"]: p for p in data["points"]}
    assert pts["2.1"]["n"] is None and pts["2.1"]["stops"]  # the curve stops: no n suffices
    st = Fig2Settings()
    want = min_n(10**6, mu=mu, s_mu=s_mu_depolarised(Fraction("2.271"), mu), eps=st.eps, eps_s=st.eps_s,
                 eps_ea=st.eps_ea)
    assert pts["2.271"]["n"] == want
    # deterministic, with and without the cache
    first = {p.name: p.read_bytes() for p in written}
    F.fig2(tmp_path, [mu], grid)
    assert {p.name: p.read_bytes() for p in written} == first
    F.fig2(tmp_path / "fresh", [mu], grid, use_cache=False)
    assert (tmp_path / "fresh" / "fig2.json").read_bytes() == first["fig2.json"]
    assert (tmp_path / "fresh" / "fig2.png").read_bytes() == first["fig2.png"]


@pytest.mark.parametrize(("mu", "s", "target"), [(Fraction(0), Fraction(1, 200), 1000),
                                                 (Fraction(1, 100), Fraction(1, 400), 500),
                                                 (Fraction(0), Fraction(1, 1000), 1)])
def test_min_n_fast_equals_min_n(mu: Fraction, s: Fraction, target: int) -> None:
    st = Fig2Settings(eps=Fraction(1, 10**6), eps_s=Fraction(1, 10**8), eps_ea=Fraction(1, 10**6), target_m=target)
    assert min_n_fast(target, mu, s, st) == min_n(target, mu=mu, s_mu=s, eps=st.eps, eps_s=st.eps_s, eps_ea=st.eps_ea)


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
    assert data["ones"] == int(bits.sum()) and data["pad_pixels"] == w * h - bits.size
    img = np.asarray(Image.open(tmp_path / "fig10.png").convert("L"))
    assert img.shape == (h, w)
    shown = (img.ravel()[: bits.size] == 255).astype(np.uint8)  # white = 1, row by row
    assert (shown == bits).all()
    assert (img.ravel()[bits.size:] == 0).all()


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
