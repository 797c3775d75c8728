"""``diramp reproduce``: files, published values, statuses, determinism, unknown preset (issue 5).

Rows cite THM-5, THM-5-DERIVED, THM-6, CONV-DEPOL, EQ-6-8, CONV-TABLE-II, CONV-PRESET-KULIKOV2024.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from diramp.cli import main
from diramp.reproduce import PRESETS, STATUSES, check_preset, reproduce
from diramp.reproduce.kulikov2024 import implied_eta


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("repro")
    assert main(["reproduce", "kulikov2024", "--out", str(d), "--no-figures"]) == 0
    return d


@pytest.fixture(scope="module")
def report(report_dir: Path) -> dict:
    return json.loads((report_dir / "report.json").read_text())


def _rows(report: dict) -> dict[str, dict[str, str]]:
    return {r["key"]: r for r in report["rows"]}


def test_writes_report_files(report_dir: Path) -> None:
    assert (report_dir / "report.md").stat().st_size > 1000
    assert (report_dir / "report.json").stat().st_size > 1000
    assert not list(report_dir.glob(".*.tmp")), "no temporary files left behind"
    assert not (report_dir / "fig2.png").exists()  # --no-figures


def test_published_values_present(report_dir: Path, report: dict) -> None:
    md = (report_dir / "report.md").read_text()
    for text in ("20,431,465", "0.00296", "5,368,709,120", "1,342,177,280", "106.65", "106.45", "109.83",
                 "3.1 ns", "2.8 %", "1e-12"):
        assert text in md, text
    rows = _rows(report)
    assert rows["m_derived"]["paper"] == "20,431,465"
    assert rows["weak_input_bits"]["ours"].startswith("5,368,709,120")


def test_every_row_has_source_reason_and_a_known_status(report: dict) -> None:
    assert report["rows"], "no rows"
    for r in report["rows"]:
        assert r["status"] in STATUSES
        assert r["source"] and r["reason"] and r["spec"], r["key"]
    assert sum(report["summary"].values()) == len(report["rows"])


def test_statuses_are_sensible(report: dict) -> None:
    rows = _rows(report)
    expect = {
        "n": "reproduced",
        "weak_input_bits": "reproduced",
        "s_mu_depolarised": "differs",  # CONV-DEPOL: model vs measured, an expected gap
        "m_derived": "within spread",
        "m_as_printed": "within spread",
        "eta_implied": "within spread",
        "eps_as_printed": "differs",  # THM-5: printed last term misses the sqrt of Theorem 3
        "t_d": "reproduced",
        "t_protocol_AB": "differs",  # EQ-6-8 sum 115.65 vs printed 106.65
        "t_protocol_BA": "differs",
        "margin": "reproduced",
        "budget_fraction": "reproduced",
        "locality_closed": "differs",
        "fig2_working_point": "reproduced",
    }
    for k, v in expect.items():
        assert rows[k]["status"] == v, (k, rows[k])
    assert "0.002892593359375" in rows["s_mu_depolarised"]["ours"]
    assert "115.65" in rows["t_protocol_AB"]["ours"]
    # the differing rows say why
    for r in report["rows"]:
        if r["status"] == "differs":
            assert len(r["reason"]) > 40, r["key"]


def test_report_json_carries_the_audit_and_assumptions(report: dict) -> None:
    assert report["audit"]["m_published"] == 20431465
    assert report["audit"]["spread"]["derived"]["published_inside"] is True
    assert set(report["assumptions"]) >= {"eps_s", "eps_EA", "grid_delta_s"}
    assert report["details"]["fig2_working_point"]["n"] == 1342177280


def test_implied_eta_brackets_the_published_m() -> None:
    lo_e, hi_e = implied_eta(20431465, 1342177280, Fraction(3, 400), Fraction(1, 10**12), Fraction(1, 10**20))
    assert lo_e < hi_e and hi_e - lo_e < Fraction(1, 10**7)


def test_deterministic_and_json_flag(tmp_path: Path, report_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["reproduce", "kulikov2024", "--out", str(tmp_path), "--no-figures", "--json"]) == 0
    for name in ("report.json", "report.md"):
        assert (tmp_path / name).read_bytes() == (report_dir / name).read_bytes(), name
    assert capsys.readouterr().out == (report_dir / "report.json").read_text()


def test_unknown_preset_exits_2_with_the_known_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "never"
    assert main(["reproduce", "kulikov2023", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "unknown preset" in err and "known presets: kulikov2024" in err
    assert "Traceback" not in err
    assert not out.exists()
    with pytest.raises(ValueError, match="known presets"):
        check_preset("nope")
    assert PRESETS == ("kulikov2024",)


def test_out_must_be_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["reproduce", "kulikov2024", "--out", str(f), "--no-figures"]) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_with_figures_on_a_coarse_grid(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    rep = reproduce("kulikov2024", tmp_path, figures=True, fig2_grid=[Fraction("2.1"), Fraction("2.4")],
                    fig2_mus=[Fraction(3, 400)])
    names = {p.name for p in rep.files}
    assert {"report.md", "report.json", "fig2.png", "fig2.json"} <= names
    assert (tmp_path / "fig2.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (tmp_path / "report.md").read_text()
    assert "![Fig. 2 reproduced](fig2.png)" in md
    data = json.loads((tmp_path / "report.json").read_text())
    assert "fig2.json" in data["data_sha256"] and "fig2.png" in data["figures"]
