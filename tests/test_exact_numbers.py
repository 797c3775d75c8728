"""CONV-NUMBER, CONV-API-ORDER: the one exact-number parser and the one argument order of the API."""

from __future__ import annotations

import time
from decimal import Decimal
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diramp.entropy import eta
from diramp.errors import InputError
from diramp.exact import MAX_EXPONENT, exact_int, exact_value, parse_exact
from diramp.inverse import max_mu, min_n, min_s_mu
from diramp.length import Grid, theorem5, theorem6


@pytest.mark.parametrize(("text", "want"), [
    ("0.0075", F(3, 400)), ("1e-12", F(1, 10**12)), ("-3/6", F(-1, 2)), (".5", F(1, 2)), ("5.", F(5)),
    ("1_000", F(1000)), ("  2.5e+3 ", F(2500)), ("1E2", F(100)), ("0", F(0)), ("-0", F(0)),
])
def test_parse_exact_accepts(text: str, want: F) -> None:
    """CONV-NUMBER: integers, decimals with exponents and ratios, exactly (hand-computed values)."""
    assert parse_exact(text) == want


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "abc", "", " ", "1/0", "0x10", "1e", "e5", ".", "+-1",
                                  "1.5/2", "1 000", "--1", "1e+10000", "1e-99999999", "1/", "/2", "1__0", "_1",
                                  "٣", "1e5.5", "0b1"])
def test_parse_exact_refuses(text: str) -> None:
    """CONV-NUMBER: everything else is one InputError naming the parameter."""
    with pytest.raises(InputError, match=r"^eps: "):
        parse_exact(text, "eps")


def test_huge_exponent_fails_fast() -> None:
    """CONV-NUMBER (red team F4): 1e-99999999 and a 10,000-digit number fail in milliseconds."""
    for text in ("1e-99999999", "1e" + "9" * 900, "9" * 5000, "1/" + "7" * 1200):
        t0 = time.perf_counter()
        with pytest.raises(InputError):
            parse_exact(text, "x")
        assert time.perf_counter() - t0 < 0.5, text  # a hang would take minutes; generous bound
    assert parse_exact(f"1e-{MAX_EXPONENT}") == F(1, 10**MAX_EXPONENT)


@given(st.fractions(max_denominator=10**30))
def test_parse_exact_reads_what_fractions_render(x: F) -> None:
    """CONV-NUMBER: p/q renderings round-trip (the certificate writes exact values so)."""
    assert parse_exact(f"{x.numerator}/{x.denominator}") == x


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None, min_value=-10**9, max_value=10**9))
def test_parse_exact_agrees_with_decimal(d: Decimal) -> None:
    """CONV-NUMBER against the standard library's exact Decimal reading (an independent parser)."""
    assert parse_exact(str(d)) == F(d)


def test_exact_value_types() -> None:
    """CONV-NUMBER: the API takes int, str, Fraction and Decimal alike; a float gets a clear error."""
    assert exact_value(3) == exact_value("3") == exact_value(F(3)) == exact_value(Decimal("3")) == F(3)
    with pytest.raises(InputError, match=r"not a float.*stored as"):
        exact_value(0.0075, "mu")
    with pytest.raises(InputError, match="not a bool"):
        exact_value(True, "eps")
    with pytest.raises(InputError, match="finite"):
        exact_value(Decimal("NaN"), "eps")
    assert exact_int("1e9") == 10**9
    with pytest.raises(InputError, match="must be an integer"):
        exact_int("1.5", "n")


def test_api_takes_every_exact_type_and_one_order() -> None:
    """CONV-API-ORDER: n, mu, S_mu, eps, eps_s, eps_EA everywhere; the same m from int, str, Fraction, Decimal."""
    base = (1342177280, F(3, 400), F("0.00296"), F(1, 10**12), F(1, 10**20), F(1, 10**12))
    as_str = ("1342177280", "0.0075", "0.00296", "1e-12", "1e-20", "1e-12")
    as_dec = tuple(Decimal(s) for s in as_str)
    ms = {theorem5(*args).m for args in (base, as_str, as_dec)}
    assert ms == {20511023}  # the numerics audit's independent value at the paper's point
    assert eta(*base[:3], base[4], base[5]) == eta(*as_str[:3], as_str[4], as_str[5])
    g = Grid(F("0.0125"), 1000)
    assert theorem6(*as_str, grid=g).m == theorem6(*base, grid=g).m == 20389435  # ibid.
    with pytest.raises(TypeError):
        theorem6(*base, g)  # type: ignore[misc]  # grid is keyword-only
    with pytest.raises(InputError, match="not a float"):
        theorem5(1342177280, 0.0075, "0.00296", "1e-12", "1e-20")
    with pytest.raises(TypeError):
        min_n(10**6, F(3, 400), F("0.00296"), F(1, 10**12), F(1, 10**20))  # type: ignore[misc]
    n = min_n(10**6, mu="0.0075", s_mu="0.00296", eps="1e-12", eps_s="1e-20")
    assert theorem5(n, "0.0075", "0.00296", "1e-12", "1e-20").m >= 10**6 > theorem5(n - 1, "0.0075", "0.00296",
                                                                                         "1e-12", "1e-20").m
    assert min_s_mu(10**6, n=n, mu="0.0075", eps="1e-12", eps_s="1e-20") > 0
    from diramp.inverse import depolarised

    assert max_mu(10**6, n=n, s_of_mu=depolarised("2.4"), eps="1e-12", eps_s="1e-20") > 0


def test_string_parameters_are_not_repeated_strings() -> None:
    """CONV-NUMBER (newcomer problem 10): 6 * '1e-20' was string repetition, a false 6*eps_s < eps error."""
    r = theorem5(1342177280, "0.0075", "0.00296", "1e-12", "1e-20", "1e-12")
    assert r.m == 20511023
