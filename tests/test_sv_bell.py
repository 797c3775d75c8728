"""DEF-SV, DEF-SV-PAIR, THM-SV-SEED, DEF-MDL, DEF-SOBS, DEF-CHSH, CONV-DEPOL, CONV-SMAX."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from diramp.bell import (
    Counts,
    block_series,
    chsh,
    s_mu,
    s_mu_depolarised,
    s_mu_quantum_max_bound,
)
from diramp.errors import InputError
from diramp.exact import hi, ivprec, lo
from diramp.sv import check_mu, mu_max, mu_min, seed_min_entropy

mus = st.fractions(min_value=0, max_value=F(49, 100))


@pytest.mark.parametrize("bad", ["0.5", "0.7", "-0.01", "abc", "1/0"])
def test_check_mu_rejects_outside_range(bad: str) -> None:
    """DEF-SV: mu outside [0, 1/2) is an InputError naming mu."""
    with pytest.raises(InputError, match=r"^mu: "):
        check_mu(bad)


def test_pair_bounds_paper_value() -> None:
    """DEF-SV-PAIR at mu = 0.75%: (0.4925)^2 and (0.5075)^2, by hand."""
    assert mu_min(F(3, 400)) == F("0.24255625")
    assert mu_max(F(3, 400)) == F("0.25755625")


@given(mus)
def test_pair_bounds_bracket_quarter(mu: F) -> None:
    """DEF-SV-PAIR: mu_min <= 1/4 <= mu_max, and mu_min + mu_max = 1/2 + 2 mu^2."""
    assert mu_min(mu) <= F(1, 4) <= mu_max(mu)
    assert mu_min(mu) + mu_max(mu) == F(1, 2) + 2 * mu * mu


@given(st.integers(0, 10**12), mus)
def test_seed_min_entropy_encloses_closed_form(d: int, mu: F) -> None:
    """THM-SV-SEED: the interval encloses d*log2(1/(1/2+mu)) computed independently."""
    import mpmath

    with mpmath.workdps(60):
        ref = d * -mpmath.log(mpmath.mpf(mu.numerator) / mu.denominator + mpmath.mpf(1) / 2, 2)
        with ivprec():
            h = seed_min_entropy(d, mu)
        assert lo(h) <= F(str(ref)) + F(1, 10**40) * (d + 1)
        assert hi(h) >= F(str(ref)) - F(1, 10**40) * (d + 1)
        assert hi(h) - lo(h) <= F(1, 10**30) * (d + 1)


def test_paper_weak_input_bits() -> None:
    """The paper's 5,368,709,120 weak bits are 4n: 2n for X, Y and d = 2n for Z."""
    n = 20 * 2**26
    assert n == 1_342_177_280 and 4 * n == 5_368_709_120


def test_s_mu_digit_order_is_abxy() -> None:
    """DEF-MDL: only N(0000) counts positively; N(0101), N(1010), N(0011) negatively (a,b,x,y)."""
    mu = F(3, 400)
    for key in range(16):
        digits = f"{key:04b}"
        c = Counts.from_mapping({digits: 1})
        expected = {"0000": mu_min(mu), "0101": -mu_max(mu), "1010": -mu_max(mu),
                    "0011": -mu_max(mu)}.get(digits, F(0))
        assert s_mu(c, mu) == expected, digits


def test_counts_validation() -> None:
    """Negative counts, wrong length and non-binary arrays are rejected."""
    with pytest.raises(InputError, match="non-negative"):
        Counts((-1,) + (0,) * 15)
    with pytest.raises(InputError, match="16 entries"):
        Counts((0,) * 15)
    with pytest.raises(InputError, match="0 or 1"):
        Counts.from_arrays([0, 2], [0, 0], [0, 0], [0, 0])
    with pytest.raises(InputError, match="no trials"):
        s_mu(Counts.zero(), F(0))


@given(st.lists(st.integers(0, 1), min_size=4, max_size=4).map(tuple), st.integers(1, 200))
def test_from_arrays_matches_manual_count(abxy: tuple[int, ...], reps: int) -> None:
    arrs = [np.full(reps, v, dtype=np.uint8) for v in abxy]
    c = Counts.from_arrays(*arrs)
    assert c[abxy] == reps and c.n == reps  # type: ignore[index]


def _depolarised_counts(e: F, scale: int) -> Counts:
    """Counts proportional to P(ab|xy) = (1 + s_xy (-1)^(a+b) E)/4 at uniform inputs."""
    vals = {}
    for a in (0, 1):
        for b in (0, 1):
            for x in (0, 1):
                for y in (0, 1):
                    sign = -1 if (x, y) == (1, 1) else 1
                    p = (1 + sign * (-1) ** (a + b) * e) / 4 / 4
                    v = p * scale
                    assert v.denominator == 1
                    vals[f"{a}{b}{x}{y}"] = int(v)
    return Counts.from_mapping(vals)


def test_chsh_and_s_mu_of_exact_depolarised_counts() -> None:
    """DEF-CHSH, CONV-DEPOL: counts built from the model reproduce CHSH = 4E and the closed S_mu."""
    e = F("0.56775")  # CHSH 2.271 / 4
    c = _depolarised_counts(e, 16 * 10**5)
    assert chsh(c) == F("2.271")
    mu = F(3, 400)
    assert s_mu(c, mu) == s_mu_depolarised(F("2.271"), mu)


def test_paper_s_mu_from_chsh() -> None:
    """CONV-DEPOL at the paper's CHSH 2.271, mu = 0.75%.

    By hand: E = 2.271/4 = 0.56775; mu_min (1+E) = 0.24255625 * 1.56775 = 0.3802674...;
    3 mu_max (1-E) = 3 * 0.25755625 * 0.43225 = 0.3339891...; difference / 16 =
    0.002892593359375 (the notes say 0.0028926; the paper's 0.00296 is from real data).
    """
    assert s_mu_depolarised(F("2.271"), F("0.0075")) == F("0.002892593359375")


def test_s0_is_chsh_minus_two_over_64() -> None:
    """LEM-S0-CHSH on a concrete box: at mu = 0, S_0 = (CHSH - 2)/64."""
    c = _depolarised_counts(F(1, 2), 16 * 100)
    assert s_mu(c, F(0)) == (chsh(c) - 2) / 64


@given(mus)
def test_quantum_max_bound_is_tsirelson(mu: F) -> None:
    """CONV-SMAX: the bound is at least the depolarised S_mu at CHSH = 2 sqrt 2 (any mu)."""
    tsirelson_up = F(28284271247461903, 10**16)
    assert s_mu_depolarised(tsirelson_up, mu) <= s_mu_quantum_max_bound(mu) + F(1, 10**15)


def test_block_series() -> None:
    """DEF-SOBS per block: each block's S_mu is its own estimator; a missing setting gives CHSH None."""
    c1 = Counts.from_mapping({"0000": 3, "0101": 1})
    c2 = _depolarised_counts(F(1, 2), 1600)
    out = list(block_series([c1, c2], F(0)))
    assert out[0].s_mu == F(1, 8) and out[0].chsh is None
    assert out[1].chsh == 2 and out[1].s_mu == 0
