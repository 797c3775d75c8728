"""(g) THM-CIRC-UNIVERSAL, CONV-CIRC-PRIME: when the circulant family is two-universal (exhaustive, GF(2) ranks)."""

from __future__ import annotations

import itertools

import sympy

from diramp.extractor import circulant as circ
from proofs_check import check
from proofs_check._common import gf2_insert

#: Primes enumerated exhaustively (every nonzero input difference d): 2 is a primitive root mod 3, 5, 11, 13,
#: not mod 7 (ord 3), which must show up as a failure of two-universality for m > 3.
EXHAUSTIVE_PRIMES = (3, 5, 7, 11, 13)
#: Primes whose factorisation of t^p - 1 over GF(2) is checked (the algebraic fact behind the proof).
FACTOR_PRIMES = tuple(int(p) for p in sympy.primerange(3, 110))


def _row(d: tuple[int, ...], p: int, i: int) -> int:
    """Row i of the map y -> Circ(d, y) as a bit mask over y: DEF-CIRC's sum_k d'[k] y[(k + i) mod p]."""
    r = 0
    for k, dk in enumerate(d):  # d' = d followed by a zero: k < p - 1
        if dk:
            r ^= 1 << ((k + i) % p)
    return r


def _prefix_ranks(rows: list[int]) -> list[int]:
    """GF(2) rank of the first m rows, for m = 1 .. len(rows) (incremental elimination on bit masks)."""
    basis: dict[int, int] = {}  # leading bit -> row
    out = []
    for r in rows:
        gf2_insert(basis, r)
        out.append(len(basis))
    return out


def min_ranks(p: int) -> list[int]:
    """min over nonzero d in {0,1}^(p-1) of rank(first m rows), m = 1 .. p - 1: -log2 of the worst collision."""
    best = [p] * (p - 1)
    for d in itertools.product((0, 1), repeat=p - 1):
        if not any(d):
            continue
        ranks = _prefix_ranks([_row(d, p, i) for i in range(p - 1)])
        best = [min(a, b) for a, b in zip(best, ranks, strict=True)]
    return best


def _code_agrees(p: int) -> None:
    """The implementation's function is the linear map the ranks are taken of (columns = images of unit seeds)."""
    for d in ((1,) + (0,) * (p - 2), (0, 1) * ((p - 1) // 2), (1,) * (p - 1)):
        for j in range(p):
            e = [0] * p
            e[j] = 1
            col = circ.circulant_loop(list(d), e, p - 1).tolist()
            want = [(_row(d, p, i) >> j) & 1 for i in range(p - 1)]
            assert col == want, f"circulant_loop is not DEF-CIRC's map at p = {p}, d = {d}, seed e_{j}"


@check("THM-CIRC-UNIVERSAL", "CONV-CIRC-PRIME", "DEF-CIRC")
def circulant_universal() -> str:
    """THM-CIRC-UNIVERSAL: two-universal iff m <= ord_p(2); the protocol's prime makes it so for all m."""
    for p in EXHAUSTIVE_PRIMES:
        _code_agrees(p)
        r = int(sympy.ntheory.n_order(2, p))
        got = min_ranks(p)
        want = [min(m, r) for m in range(1, p)]
        assert got == want, f"p = {p}: worst-case ranks {got}, THM-CIRC-UNIVERSAL says {want}"
        assert circ.order_of_two(p) == r, f"order_of_two({p}) = {circ.order_of_two(p)}, not {r}"
    # a non-primitive prime is not two-universal above its order (so the protocol must avoid it)
    assert min_ranks(7)[3] == 3 < 4
    # the protocol's prime (CONV-CIRC-PRIME) gives full two-universality for every input length it serves
    for n_bits in range(1, 13):
        p = circ.circulant_prime(n_bits)
        assert p >= n_bits + 1 and sympy.isprime(p), f"circulant_prime({n_bits}) = {p}"
        assert p in EXHAUSTIVE_PRIMES, f"circulant_prime({n_bits}) = {p} is outside the exhaustive set"
        assert min_ranks(p) == list(range(1, p)), \
            f"circulant_prime({n_bits}) = {p} is not two-universal for every m <= p - 1"
    # the algebra of the proof: t^p - 1 = (t + 1) * (irreducibles of degree ord_p(2)) over GF(2)
    t = sympy.symbols("t")
    for p in FACTOR_PRIMES:
        _, factors = sympy.Poly(t**p - 1, t, modulus=2).factor_list()
        degs = sorted(int(f.degree()) for f, e in factors for _ in range(e))
        r = int(sympy.ntheory.n_order(2, p))
        assert degs == [1] + [r] * ((p - 1) // r), f"p = {p}: factor degrees {degs}, ord_p(2) = {r}"
        assert circ.two_is_primitive_root(p) == (r == p - 1), f"two_is_primitive_root({p}) wrong"
    return (f"every nonzero input difference for p in {EXHAUSTIVE_PRIMES}: worst collision 2^-min(m, ord_p(2)) "
            "for every m (p = 7, ord 3: not two-universal for m > 3); circulant_prime(N) two-universal for all "
            f"m <= p - 1 (N <= 12); t^p - 1 factors as (t+1) x degree-ord_p(2) irreducibles for {len(FACTOR_PRIMES)} "
            "primes < 110")
