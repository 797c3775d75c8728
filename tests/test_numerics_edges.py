"""Numerics audit F1-F9 (2026-12-02).

Spec: THM-1-OPT, THM-1-G, CONV-SMAX, THM-6-EPS, REQ-INVERSE-HEADLINE, CONV-PRESET-OVERRIDE.
"""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction as F

import pytest

from diramp.bell import exceeds_quantum_max, mu_max, mu_min, s_mu_quantum_max_bound
from diramp.cli import main
from diramp.entropy import eta, piece_end
from diramp.errors import InputError
from diramp.length import Grid, theorem5, theorem6, worst_bin_eps

PAPER = {"n": 1342177280, "mu": F(3, 400), "eps": F(1, 10**12), "eps_s": F(1, 10**20)}
GRID = Grid(F("0.0125"), 1000)


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "diramp", *argv], capture_output=True, text=True, timeout=120)


# ---------------------------------------------------------------- F1: pieces at the ceil jumps

def test_f1_no_drop_when_s_sits_inside_a_piece_bracket() -> None:
    """THM-1-OPT (F1): S inside the certified bracket of t_13 keeps piece 13; eta does not drop (monotone in S)."""
    mu = PAPER["mu"]
    t_lo, t_hi = piece_end(mu, 13)
    assert t_lo < t_hi
    s_in = (t_lo + t_hi) / 2
    below = eta(PAPER["n"], mu, t_lo * (1 - F(1, 10**12)), PAPER["eps_s"], PAPER["eps"])
    inside = eta(PAPER["n"], mu, s_in, PAPER["eps_s"], PAPER["eps"])
    assert inside.lo >= below.lo  # before the fix: 7.98e-4 lower (the numerics audit's reproduction)
    assert inside.lo <= inside.hi


# ---------------------------------------------------------------- F2/F3: the quantum maximum

def test_f2_quantum_maximum_is_decided_exactly() -> None:
    """CONV-SMAX (F2): S between the true maximum and the old sqrt-2-rounded bound is refused, not a crash."""
    mu = PAPER["mu"]
    mm = mu_min(mu) * mu_max(mu)
    just_above = mm * (F("1.41421356237309505") - 1) / 2  # sqrt 2 = 1.41421356237309504880...
    just_below = mm * (F("1.41421356237309504") - 1) / 2
    assert just_above < s_mu_quantum_max_bound(mu)  # inside the old rounded bound
    assert exceeds_quantum_max(just_above, mu) and not exceeds_quantum_max(just_below, mu)
    with pytest.raises(InputError, match="quantum maximum"):
        theorem5(10**9, mu, just_above, "1e-12", "1e-20")
    assert theorem5(10**9, mu, just_below, "1e-12", "1e-20").m >= 0  # evaluates without a complex log
    proc = _cli("audit", "--n", "1000000000", "--mu", "0.0075", "--s-mu", str(just_above), "--eps", "1e-12",
                "--eps-s", "1e-20", "--json")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_f3_observed_s_above_the_maximum_falls_in_bin_m(capsys: pytest.CaptureFixture[str]) -> None:
    """CONV-SMAX (F3): with a grid, the CLI and the API both put S_obs above the maximum in bin M."""
    api = theorem6(PAPER["n"], PAPER["mu"], "0.0135", PAPER["eps"], PAPER["eps_s"], grid=GRID)
    assert api.bin_index == 1000 and api.s_grid == GRID.s_max and api.m > 0
    assert main(["audit", "--n", str(PAPER["n"]), "--mu", "0.0075", "--s-mu", "0.0135", "--eps", "1e-12",
                 "--eps-s", "1e-20", "--bins", "1000", "--s-max", "0.0125", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["theorem6"]["derived"]["bin"] == 1000 and out["m_derived"] == api.m
    assert out["theorem5"] == {} and any("quantum maximum" in n for n in out["notes"])


# ---------------------------------------------------------------- F4/F5: mu near 1/2, tiny S

@pytest.mark.parametrize(("mu", "s"), [("0.49", "1e-5"), ("0.4999", "1e-10"), ("0.4999999", "1e-16")])
def test_f4_mu_near_half_answers_m0_without_scanning_pieces(mu: str, s: str) -> None:
    """THM-1-OPT (F4): millions of ceil pieces, but the bound g(S) - v(k_first)/sqrt n <= 0 settles m = 0."""
    r = theorem5(10**9, mu, s, "1e-12", "1e-20")
    assert r.m == 0 and r.eta is not None and r.eta.pieces <= 2 and r.eta.hi <= 0


def test_f4_many_pieces_with_positive_rate_stay_rigorous() -> None:
    """THM-1-OPT: at most 64 pieces from each end; the enclosure contains the t = S candidate and stays ordered."""
    r = eta(10**30, "0.4999", "1e-10", "1e-12", "1e-12")
    assert r.pieces <= 129 and 0 < r.lo <= r.hi
    full = eta(10**30, "0.4999", "1e-10", "1e-12", "1e-12")
    assert full == r  # deterministic


@pytest.mark.parametrize("s", ["1e-48", "1e-50", "1e-100", "1e-300"])
def test_f5_tiny_s_gives_m0_without_a_crash(s: str) -> None:
    """THM-1-G (F5): exact u^2 and raised precision: no 'interval endpoint is not finite', no complex log."""
    r = theorem5(10**11, "0.0075", s, "1e-12", "1e-20")
    assert r.m == 0 and r.eta is not None and r.eta.lo <= r.eta.hi


def test_f6_nan_and_inf_are_input_errors() -> None:
    """CONV-NUMBER (F6): --s-mu nan/inf is a one-line exit 2."""
    for bad in ("nan", "inf", "-inf", "1/0"):
        proc = _cli("audit", "--n", "1000000000", "--mu", "0.0075", "--s-mu", bad, "--eps", "1e-12",
                    "--eps-s", "1e-20")
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, (bad, proc.stderr)


def test_m_prime_upper_end_from_eta_upper_end() -> None:
    """THM-5: the enclosure of m' takes its upper end from eta's upper end (numerics audit, labelling note)."""
    r = theorem5(PAPER["n"], PAPER["mu"], "0.00296", PAPER["eps"], PAPER["eps_s"])
    assert r.eta is not None
    assert r.m_prime_hi - r.m_prime_lo >= PAPER["n"] * (r.eta.hi - r.eta.lo) / 6


# ---------------------------------------------------------------- F8/F9: protocol-level eps

def test_f9_worst_bin_bounds_every_bin() -> None:
    """THM-6-EPS (F9): the per-bin eps achieved in any bin is at most worst_bin_eps; M x it is eps_protocol."""
    worst = {v: worst_bin_eps(v, PAPER["eps"], PAPER["eps_s"]) for v in ("derived", "as_printed")}
    assert worst["derived"] == PAPER["eps"]  # the allocation spends exactly eps
    seen = {"derived": F(0), "as_printed": F(0)}
    for s_obs in ("0.0012", "0.00148", "0.0019", "0.00231", "0.00296", "0.0037", "0.0051", "0.0087", "0.0125"):
        for v in seen:
            a = theorem6(PAPER["n"], PAPER["mu"], s_obs, PAPER["eps"], PAPER["eps_s"], grid=GRID, variant=v)
            assert a.eps_protocol == 1000 * max(worst[v], PAPER["eps"])
            if a.length.eps_achieved is not None:
                assert a.length.eps_achieved <= worst[v]
                seen[v] = max(seen[v], a.length.eps_achieved)
    # the numerics audit's independent maximum over all bins: 7.27e-5 / M (as printed), 9.99e-10 / M (derived)
    assert F("7.27e-8") < worst["as_printed"] < F("7.28e-8")
    assert worst["as_printed"] - seen["as_printed"] < worst["as_printed"] / 2


def test_f8_meets_claim_is_protocol_level(capsys: pytest.CaptureFixture[str]) -> None:
    """THM-6-EPS (F8): the preset's 1e-12 against the 1e-9 Theorem 6 gives is a finding: meets_claim false, WARNING."""
    assert main(["audit", "--preset", "kulikov2024", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["eps_protocol"] == "1e-9" and out["meets_claim"] is False
    assert any("secures the protocol only to eps <= 1e-09" in w for w in out["warnings"])
    assert main(["audit", "--preset", "kulikov2024"]) == 0
    assert "MISSES the claimed eps = 1e-12" in capsys.readouterr().out
    # with per-bin eps = 1e-12 / M the paper's claim (kept as the protocol-level claim) holds
    assert main(["audit", "--preset", "kulikov2024", "--eps", "1e-15", "--eps-s", "1e-20", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["meets_claim"] is True and out["eps_protocol"] == "1e-12"
    assert not any("variant derived" in w for w in out["warnings"])
    # without a preset the claim defaults to eps itself, which M > 1 bins can never meet
    assert main(["audit", "--n", "1342177280", "--mu", "0.0075", "--s-mu", "0.00296", "--eps", "1e-12", "--eps-s",
                 "1e-20", "--bins", "1000", "--s-max", "0.0125", "--eps-protocol", "1e-9", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["meets_claim"] is True


# ---------------------------------------------------------------- one truth across commands

def test_target_m_answers_for_the_headline_theorem(capsys: pytest.CaptureFixture[str]) -> None:
    """REQ-INVERSE-HEADLINE (newcomer problem 3): with a grid, min n is Theorem 6's; it reaches the target there."""
    args = ["audit", "--n", "1342177280", "--mu", "0.0075", "--s-mu", "0.00296", "--eps", "1e-12", "--eps-s",
            "1e-20", "--target-m", "1000000", "--json"]
    assert main([*args, "--bins", "1000", "--s-max", "0.0125"]) == 0
    inv6 = json.loads(capsys.readouterr().out)["inverse"]
    assert main(args) == 0
    inv5 = json.loads(capsys.readouterr().out)["inverse"]
    assert inv6["theorem"].startswith("Theorem 6") and inv5["theorem"].startswith("Theorem 5")
    n6, n5 = int(inv6["min_n"]), int(inv5["min_n"])
    assert n5 == 105540523  # the newcomer's (Theorem 5) value, reached independently by the numerics audit's check
    m6 = theorem6(n6, "0.0075", "0.00296", "1e-12", "1e-20", grid=GRID).m
    m6_before = theorem6(n6 - 1, "0.0075", "0.00296", "1e-12", "1e-20", grid=GRID).m
    assert m6 >= 10**6 > m6_before and n6 > n5
    s6 = F(inv6["min_S_mu"])
    assert s6 % GRID.delta == 0  # a grid point, exactly
    assert theorem6(1342177280, "0.0075", s6, "1e-12", "1e-20", grid=GRID).m >= 10**6
    assert theorem6(1342177280, "0.0075", s6 - GRID.delta, "1e-12", "1e-20", grid=GRID).m < 10**6


def test_preset_override_keeps_published_m_and_spread(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    """CONV-PRESET-OVERRIDE: audit --preset with --eps: marked, m_published kept, spread over the rest; commit alike."""
    assert main(["audit", "--preset", "kulikov2024", "--eps", "1e-10", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["overridden"] == ["eps"] and out["origins"]["eps"].startswith("OVERRIDDEN")
    assert out["eps_EA"] == "1e-10" and out["origins"]["eps_EA"].startswith("= eps")
    assert out["m_published"] == 20431465 and "eps_EA" not in out["spread"]["derived"]["varied"]
    assert "eps_s" in out["spread"]["derived"]["varied"] and out["n"] == 1342177280
    direct = theorem6(1342177280, "0.0075", "0.00296", "1e-10", "1e-20", "1e-10", grid=GRID).m
    assert out["m_derived"] == direct
    c = tmp_path / "c.json"
    assert main(["commit", "--preset", "kulikov2024", "--eps", "1e-10", "--out", str(c)]) == 0
    committed = json.loads(c.read_text())["parameters"]
    assert committed["eps"] == "1e-10" and committed["eps_EA"] == "1e-10" and committed["n"] == 1342177280
    assert "OVERRIDDEN" in capsys.readouterr().out
