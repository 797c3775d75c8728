"""(c) CONV-DEPOL: S_mu of a depolarised |Psi+> as a function of CHSH."""

from __future__ import annotations

import itertools
from fractions import Fraction

import sympy as sp

from diramp import bell, sv
from proofs_check import check
from proofs_check._common import s_value

#: Rational CHSH values of the agreement test (2.271 is the paper's observed value).
CHSH_VALUES = (Fraction(0), Fraction(2), Fraction("2.271"), Fraction(5, 2), Fraction("2.8284"))
#: Biases of the agreement test (3/400 is the paper's 0.75 %).
MU_VALUES = (Fraction(0), Fraction(3, 400), Fraction(1, 10))

_I2 = sp.eye(2)
_X = sp.Matrix([[0, 1], [1, 0]])
_Z = sp.Matrix([[1, 0], [0, -1]])


def _observable(theta: sp.Expr) -> sp.Matrix:
    """cos(theta) Z + sin(theta) X: a +-1-valued qubit observable in the X-Z plane."""
    return sp.cos(theta) * _Z + sp.sin(theta) * _X


def depolarised_box(v: sp.Symbol) -> tuple[dict[tuple[int, int, int, int], sp.Expr], sp.Expr]:
    """P(ab|xy) of v|Psi+><Psi+| + (1 - v) I/4 at settings giving correlators (+E, +E, +E, -E).

    Settings A_0 = Z, A_1 = X, B_0 = B(3pi/4), B_1 = B(-3pi/4) (on |Psi+>,
    <A(a) B(b)> = -cos(a + b)).  Returns (P(ab|xy), E) with E = v/sqrt 2.
    """
    psi = sp.Matrix([0, 1, 1, 0]) / sp.sqrt(2)
    rho = v * psi * psi.T + (1 - v) * sp.eye(4) / 4
    alice = (_observable(sp.Integer(0)), _observable(sp.pi / 2))
    bob = (_observable(3 * sp.pi / 4), _observable(-3 * sp.pi / 4))
    box = {}
    for a, b, x, y in itertools.product((0, 1), repeat=4):
        pa = (_I2 + (-1) ** a * alice[x]) / 2
        pb = (_I2 + (-1) ** b * bob[y]) / 2
        box[a, b, x, y] = sp.simplify((rho * sp.kronecker_product(pa, pb)).trace())
    return box, v / sp.sqrt(2)


@check("CONV-DEPOL", "DEF-MDL", "DEF-CHSH")
def depolarised_map() -> str:
    """CONV-DEPOL (Kulikov et al. 2024, eq. 4 applied to a noisy singlet): the S_mu(CHSH) map.

    From the quantum model (density matrix and projectors, sympy): zero
    marginals, correlators (+E, +E, +E, -E) with E = v/sqrt 2, CHSH = 2 sqrt2 v,
    and with uniform inputs S_mu = (mu_min (1 + E) - 3 mu_max (1 - E))/16,
    E = CHSH/4, symbolically in v and mu.  Then ``diramp.bell.s_mu_depolarised``
    agrees exactly at rational CHSH values including 2.271 and mu = 3/400.
    """
    v, mu = sp.symbols("v mu", real=True)
    box, E = depolarised_box(v)
    for x, y in itertools.product((0, 1), repeat=2):
        ma = sp.simplify(sum((-1) ** a * box[a, b, x, y] for a in (0, 1) for b in (0, 1)))
        mb = sp.simplify(sum((-1) ** b * box[a, b, x, y] for a in (0, 1) for b in (0, 1)))
        assert ma == 0 and mb == 0, f"marginals at (x, y) = ({x}, {y}) are {ma}, {mb}, not 0"
    corr = {
        (x, y): sp.simplify(sum((-1) ** (a + b) * box[a, b, x, y] for a in (0, 1) for b in (0, 1)))
        for x, y in itertools.product((0, 1), repeat=2)
    }
    want = {(0, 0): E, (0, 1): E, (1, 0): E, (1, 1): -E}
    for xy, e in corr.items():
        assert sp.simplify(e - want[xy]) == 0, f"E{xy} = {e}, expected {want[xy]}"
    chsh = corr[0, 0] + corr[0, 1] + corr[1, 0] - corr[1, 1]
    assert sp.simplify(chsh - 2 * sp.sqrt(2) * v) == 0, f"CHSH = {chsh}, not 2 sqrt2 v"

    m_lo = (sp.Rational(1, 2) - mu) ** 2
    m_hi = (sp.Rational(1, 2) + mu) ** 2
    joint = {k: p / 4 for k, p in box.items()}  # uniform inputs p(x, y) = 1/4
    s = s_value(joint, m_lo, m_hi)  # type: ignore[arg-type]
    e_of_chsh = chsh / 4
    closed = (m_lo * (1 + e_of_chsh) - 3 * m_hi * (1 - e_of_chsh)) / 16
    diff = sp.simplify(sp.expand(s - closed))
    assert diff == 0, f"S_mu - (mu_min (1+E) - 3 mu_max (1-E))/16 = {diff} != 0"

    # Agreement with the implementation (which takes the exact sv.mu_min / mu_max).
    c_sym = sp.Symbol("CHSH")
    formula = (m_lo * (1 + c_sym / 4) - 3 * m_hi * (1 - c_sym / 4)) / 16
    for c, m in itertools.product(CHSH_VALUES, MU_VALUES):
        ref = formula.subs({c_sym: sp.Rational(c), mu: sp.Rational(m)})
        got = bell.s_mu_depolarised(c, m)
        assert sp.Rational(got) == ref, (
            f"diramp.bell.s_mu_depolarised({c}, {m}) = {got}, the derived map gives {ref}"
        )
        # and the implementation's mu_min / mu_max are the ones the map uses
        assert sp.Rational(sv.mu_min(m)) == m_lo.subs(mu, sp.Rational(m)), f"mu_min({m})"
        assert sp.Rational(sv.mu_max(m)) == m_hi.subs(mu, sp.Rational(m)), f"mu_max({m})"
    paper = bell.s_mu_depolarised(Fraction("2.271"), Fraction(3, 400))
    return (
        "depolarised |Psi+> (v, sympy): zero marginals, correlators (+E,+E,+E,-E), E = v/sqrt2, "
        "CHSH = 2 sqrt2 v; S_mu = (mu_min(1+E) - 3 mu_max(1-E))/16 with E = CHSH/4, symbolic in "
        f"v and mu; diramp.bell.s_mu_depolarised agrees exactly at {len(CHSH_VALUES)} CHSH x "
        f"{len(MU_VALUES)} mu values (CHSH 2.271, mu 3/400: {paper} = {float(paper):.10g})"
    )
