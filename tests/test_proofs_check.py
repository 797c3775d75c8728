"""The mechanical checks of proofs_check/ pass, and each cross-check can fail.

Every registered check runs (so a check added to proofs_check/ is tested with
no change here); then, per cross-check, an error is planted in the
implementation with monkeypatch and the check must report FAIL.
"""

from __future__ import annotations

import doctest
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # plain `pytest` does not put the repo root on sys.path
    sys.path.insert(0, str(ROOT))

import proofs_check  # noqa: E402
from proofs_check import _common  # noqa: E402

from diramp import bell, sv  # noqa: E402

CHECKS = proofs_check.load_all()


def _run_one(name: str) -> proofs_check.Outcome:
    (outcome,) = proofs_check.run([name])
    return outcome


def test_expected_checks_registered() -> None:
    assert {"mdl_local_bound", "s0_equals_chsh", "depolarised_map", "sv_bounds"} <= set(CHECKS)
    for c in CHECKS.values():
        assert c.spec_ids, f"{c.name} names no spec ID"
        assert c.summary, f"{c.name} has no docstring"


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_check_passes(name: str) -> None:
    outcome = _run_one(name)
    assert outcome.passed, outcome.line()
    assert outcome.line().startswith(f"PASS {name}: ")


def test_common_doctests() -> None:
    result = doctest.testmod(_common)
    assert result.failed == 0 and result.attempted > 0


def test_mdl_xyab_reading_value() -> None:
    """LEM-MDL-LOCAL: 0 for the (a,b,x,y) reading;
    the note's +0.0625 for the (x,y,a,b) reading at mu = 0, and 0 for (a,b,x,y)."""
    from proofs_check.mdl_local_bound import max_over_local

    z = Fraction(0)
    assert max_over_local(sv.mu_min(z), sv.mu_max(z), z, "xyab") == Fraction(1, 16)
    assert max_over_local(sv.mu_min(z), sv.mu_max(z), z, "abxy") == 0


# ---- planted errors: each cross-check must be able to fail ------------------------------


def test_mdl_fails_with_wrong_mu_max(monkeypatch: pytest.MonkeyPatch) -> None:
    # mu_max slightly too small for mu > 0: the positive event then outweighs the
    # negative ones for some local model, and the local bound is no longer 0.
    monkeypatch.setattr(sv, "mu_max", lambda mu: (Fraction(1, 2) + mu) ** 2 - mu / 2)
    out = _run_one("mdl_local_bound")
    assert not out.passed and "not 0" in out.text


def test_mdl_fails_with_wrong_events(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bell, "MDL_NEGATIVE", ((0, 1, 0, 1), (1, 0, 1, 0), (1, 1, 0, 0)))
    out = _run_one("mdl_local_bound")
    assert not out.passed and "MDL_NEGATIVE" in out.text


def test_s0_fails_with_other_chsh_convention(monkeypatch: pytest.MonkeyPatch) -> None:
    def chsh_other(counts: bell.Counts) -> Fraction:
        e = bell.correlators(counts)
        return e[0, 0] - e[0, 1] + e[1, 0] + e[1, 1]

    monkeypatch.setattr(bell, "chsh", chsh_other)
    out = _run_one("s0_equals_chsh")
    assert not out.passed and "CHSH" in out.text


def test_s0_fails_with_wrong_mu_min(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sv, "mu_min", lambda mu: Fraction(1, 2) - mu)
    assert not _run_one("s0_equals_chsh").passed


def test_depol_fails_with_wrong_map(monkeypatch: pytest.MonkeyPatch) -> None:
    # a plausible slip: correlator E = CHSH/(2 sqrt2) rounded as CHSH/3
    def wrong(chsh_value: Fraction, mu: Fraction) -> Fraction:
        e = chsh_value / 3
        return (sv.mu_min(mu) * (1 + e) - 3 * sv.mu_max(mu) * (1 - e)) / 16

    monkeypatch.setattr(bell, "s_mu_depolarised", wrong)
    out = _run_one("depolarised_map")
    assert not out.passed and "s_mu_depolarised" in out.text


def test_sv_pair_fails_with_wrong_mu_max(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sv, "mu_max", lambda mu: Fraction(1, 4) + mu)
    out = _run_one("sv_bounds")
    assert not out.passed and "mu_max" in out.text


def test_sv_seed_fails_with_wrong_seed_entropy(monkeypatch: pytest.MonkeyPatch) -> None:
    from diramp.exact import log2, q

    # the slip 1/(1/2 - mu) for 1/(1/2 + mu): overstates H_min
    monkeypatch.setattr(
        sv, "seed_min_entropy", lambda d, mu: q(d) * -log2(q(Fraction(1, 2) - mu))
    )
    out = _run_one("sv_bounds")
    assert not out.passed and "not a valid lower bound" in out.text


def test_crash_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(mu: Fraction) -> Fraction:
        raise ZeroDivisionError("planted")

    monkeypatch.setattr(sv, "mu_min", boom)
    out = _run_one("mdl_local_bound")
    assert not out.passed and out.text.startswith("ZeroDivisionError")


def test_unknown_name() -> None:
    with pytest.raises(KeyError):
        proofs_check.run(["no_such_check"])


def test_cli_from_repo_root() -> None:
    """`python -m proofs_check --list` and one named check, as a user runs them."""
    listed = subprocess.run(
        [sys.executable, "-m", "proofs_check", "--list"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert listed.returncode == 0, listed.stderr
    assert set(CHECKS) <= {line.split()[0] for line in listed.stdout.splitlines()}
    one = subprocess.run(
        [sys.executable, "-m", "proofs_check", "s0_equals_chsh"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert one.returncode == 0, one.stderr
    assert one.stdout.startswith("PASS s0_equals_chsh: ")
    bad = subprocess.run(
        [sys.executable, "-m", "proofs_check", "no_such_check"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert bad.returncode == 2 and "unknown" in bad.stderr


def test_thm5_correction_detects_wrong_split(monkeypatch: pytest.MonkeyPatch) -> None:
    """(d) fails when the package's optimal split is not the Lagrange optimum."""
    from diramp import composition

    monkeypatch.setattr(composition, "OPTIMAL_SPLIT", (Fraction(1, 3), Fraction(1, 3), Fraction(1, 3)))
    outcome = _run_one("thm5_correction")
    assert not outcome.passed and "OPTIMAL_SPLIT" in outcome.text


def test_eta_monotonicity_detects_nonconvex_g(monkeypatch: pytest.MonkeyPatch) -> None:
    """(f) fails when g' is not increasing (a planted sign error in THM-1-G)."""
    from diramp import entropy

    real = entropy.g_prime
    monkeypatch.setattr(entropy, "g_prime", lambda s, mu: -real(s, mu))
    outcome = _run_one("eta_monotonicity")
    assert not outcome.passed and "g' not increasing" in outcome.text
