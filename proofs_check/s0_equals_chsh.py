"""(b) LEM-S0-CHSH: at mu = 0, S_0 = (CHSH - 2)/64 for every no-signalling box."""

from __future__ import annotations

import itertools
from fractions import Fraction

import sympy as sp

from diramp import bell, sv
from proofs_check import check
from proofs_check._common import s_value


def chsh_signs_of_implementation() -> dict[tuple[int, int], int]:
    """The sign of E_xy in ``diramp.bell.chsh`` (DEF-CHSH), read off by probing it.

    For each setting (x, y) build counts with E_xy = 1 and the other three
    correlators 0; ``chsh`` of them is the coefficient of E_xy.
    """
    signs = {}
    for xy in ((0, 0), (0, 1), (1, 0), (1, 1)):
        m: dict[str, int] = {}
        for x, y in itertools.product((0, 1), repeat=2):
            m[f"00{x}{y}"] = 1  # a = b: +1
            if (x, y) != xy:
                m[f"01{x}{y}"] = 1  # a != b: -1, so E = 0
        c = bell.chsh(bell.Counts.from_mapping(m))
        assert c in (-1, 1), f"diramp.bell.chsh: coefficient of E{xy} is {c}, expected +-1"
        signs[xy] = int(c)
    return signs


@check("LEM-S0-CHSH", "DEF-MDL", "DEF-CHSH")
def s0_equals_chsh() -> str:
    """Eq. (4) at mu = 0 (Kulikov et al. 2024, Methods), LEM-S0-CHSH: S_0 = (CHSH - 2)/64.

    General no-signalling box, P(ab|xy) = (1 + (-1)^a A_x + (-1)^b B_y +
    (-1)^(a+b) E_xy)/4, uniform inputs p(x, y) = 1/4; CHSH in the sign
    convention of ``diramp.bell.chsh`` (DEF-CHSH: E00 + E01 + E10 - E11).
    Symbolic identity in the 8 parameters, with mu_min(0), mu_max(0) taken from
    ``diramp.sv``.
    """
    A = sp.symbols("A0 A1")
    B = sp.symbols("B0 B1")
    E = {(x, y): sp.Symbol(f"E{x}{y}") for x in (0, 1) for y in (0, 1)}
    joint = {
        (a, b, x, y): sp.Rational(1, 4)
        * (1 + (-1) ** a * A[x] + (-1) ** b * B[y] + (-1) ** (a + b) * E[x, y])
        / 4
        for a, b, x, y in itertools.product((0, 1), repeat=4)
    }
    # The parametrisation is a normalised, no-signalling box.
    for x, y in itertools.product((0, 1), repeat=2):
        tot = sum(joint[a, b, x, y] for a in (0, 1) for b in (0, 1))
        assert sp.simplify(tot - sp.Rational(1, 4)) == 0, f"P(.,.|{x}{y}) does not sum to 1"
    zero = Fraction(0)
    m_lo, m_hi = sv.mu_min(zero), sv.mu_max(zero)
    s0 = s_value(joint, sp.Rational(m_lo), sp.Rational(m_hi))  # type: ignore[arg-type]
    signs = chsh_signs_of_implementation()
    chsh = sum(signs[xy] * E[xy] for xy in E)
    diff = sp.expand(s0 - (chsh - 2) / 64)
    assert diff == 0, (
        f"S_0 - (CHSH - 2)/64 = {diff} != 0 with CHSH = {chsh} (diramp.bell.chsh's convention) "
        f"and mu_min(0) = {m_lo}, mu_max(0) = {m_hi}"
    )
    return (
        f"S_0 = (CHSH - 2)/64 identically in (A_x, B_y, E_xy) for no-signalling boxes with "
        f"uniform inputs, CHSH = {chsh} (probed from diramp.bell.chsh)"
    )
