"""(a) LEM-MDL-LOCAL: the local bound of the MDL inequality (eq. 4) is exactly 0."""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from diramp import bell, sv
from proofs_check import check
from proofs_check._common import (
    EQ4_NEGATIVE,
    EQ4_POSITIVE,
    MUS,
    deterministic_strategies,
    digits,
    local_joint,
    s_value,
    sv_pair_vertices,
)


def _multilinear_in_box_coordinates() -> None:
    """S_mu of a fixed strategy has degree <= 1 in each of p(x=0), p(y=0|x=0), p(y=0|x=1).

    So over the box of SV conditionals its maximum sits at a box vertex, i.e. at
    one of the 8 vertex distributions (the image of the box is the SV input
    polytope of DEF-SV-PAIR, whose vertices are among those 8 products).
    """
    p0, q0, q1, m1, m2 = sp.symbols("p0 q0 q1 m_min m_max")
    pxy = {
        (0, 0): p0 * q0,
        (0, 1): p0 * (1 - q0),
        (1, 0): (1 - p0) * q1,
        (1, 1): (1 - p0) * (1 - q1),
    }
    for f, g in deterministic_strategies():
        joint = local_joint(f, g, pxy)  # type: ignore[arg-type]
        s = sp.expand(s_value(joint, m1, m2))  # type: ignore[arg-type]
        for var in (p0, q0, q1):
            deg = sp.degree(s, var)
            assert deg <= 1, f"S_mu of strategy f={f}, g={g} has degree {deg} in {var}"


def max_over_local(mu_min: Fraction, mu_max: Fraction, mu: Fraction, order: str) -> Fraction:
    """max of S (digits in ``order``) over 16 deterministic strategies x 8 SV vertices."""
    return max(
        s_value(local_joint(f, g, p), mu_min, mu_max, order)
        for f, g in deterministic_strategies()
        for p in sv_pair_vertices(mu)
    )


def _fires(f: tuple[int, int], g: tuple[int, int], a: int, b: int, x: int, y: int) -> bool:
    return f[x] == a and g[y] == b


@check("LEM-MDL-LOCAL", "DEF-MDL", "DEF-SV-PAIR")
def mdl_local_bound() -> str:
    """Eq. (4) (Kulikov et al. 2024), LEM-MDL-LOCAL: max S_mu over local models is exactly 0.

    Local models are mixtures of the 16 deterministic strategies (a = f(x),
    b = g(y)) with a hidden-variable-dependent input law inside the SV input
    polytope; S_mu is linear in each, so the maximum is attained at a
    (deterministic strategy, SV vertex) pair.  Coefficients are the
    implementation's exact ``diramp.sv.mu_min`` / ``mu_max``.  Also: reading
    the digits as (x, y, a, b) gives an expression that local strategies
    violate, so the digit order (a, b, x, y) of DEF-MDL is essential.
    """
    # The implementation's events are eq. (4)'s, read (a, b, x, y).
    assert digits(EQ4_POSITIVE, "abxy") == bell.MDL_POSITIVE, (
        f"diramp.bell.MDL_POSITIVE = {bell.MDL_POSITIVE}, eq. (4) read abxy gives "
        f"{digits(EQ4_POSITIVE, 'abxy')}"
    )
    expected_neg = tuple(digits(e, "abxy") for e in EQ4_NEGATIVE)
    assert tuple(bell.MDL_NEGATIVE) == expected_neg, (
        f"diramp.bell.MDL_NEGATIVE = {bell.MDL_NEGATIVE}, eq. (4) read abxy gives {expected_neg}"
    )
    _multilinear_in_box_coordinates()

    # The combinatorial core: whenever the positive event fires, a negative one fires too
    # (then S_mu = mu_min p(00) - mu_max (...) <= mu_min mu_max - mu_max mu_min = 0).
    for f, g in deterministic_strategies():
        if f[0] == 0 and g[0] == 0:
            fired = [
                e for e in EQ4_NEGATIVE if _fires(f, g, *digits(e, "abxy"))
            ]
            assert fired, f"strategy f={f}, g={g}: positive event fires, no negative event does"

    swapped = {}
    for mu in MUS:
        lo, hi = sv.mu_min(mu), sv.mu_max(mu)
        best = max_over_local(lo, hi, mu, "abxy")
        assert best == 0, (
            f"mu = {mu}: max S_mu over local deterministic strategies and SV vertices is "
            f"{best}, not 0 (mu_min = {lo}, mu_max = {hi})"
        )
        for p in sv_pair_vertices(mu):
            at_11 = s_value(local_joint((1, 1), (1, 1), p), lo, hi)
            assert at_11 == 0, f"mu = {mu}: a = b = 1 gives S_mu = {at_11}, expected 0"
        wrong = max_over_local(lo, hi, mu, "xyab")
        assert wrong > 0, f"mu = {mu}: the (x,y,a,b) reading has local maximum {wrong} <= 0"
        # Its value: the positive event at p(00) = mu_max with no negative event firing.
        assert wrong == lo * hi, f"mu = {mu}: (x,y,a,b) local maximum {wrong} != mu_min mu_max"
        swapped[mu] = wrong
    assert swapped[MUS[0]] == Fraction(1, 16), f"(x,y,a,b) at mu = 0: {swapped[MUS[0]]} != 1/16"
    mus = ", ".join(str(m) for m in MUS)
    return (
        f"max S_mu = 0 exactly over 16 deterministic strategies x 8 SV vertices for mu in "
        f"{{{mus}}} (attained, e.g. a = b = 1); S_mu multilinear in the SV conditionals; "
        f"positive event => some negative event; (x,y,a,b) reading: local max = "
        f"mu_min*mu_max > 0 (= 1/16 = 0.0625 at mu = 0, {swapped[MUS[1]]} at mu = 3/400)"
    )
