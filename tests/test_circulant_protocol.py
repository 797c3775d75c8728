"""DEF-BOX-I with the circulant extractor: CONV-CIRC-ARGS, CONV-CIRC-PRIME, CONV-VARIANTS in the protocol and CLI.

The committed extractor is a pre-committed choice (DEF-PRECOMMIT); Z must hold p bits;
simulated runs draw p bits of Z; the certificate records the extractor and verify
re-derives it; mismatches and missing inputs are clear errors (REQ-BAD-INPUT, exit 2,
nothing written).
"""

from __future__ import annotations

import json
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest

from diramp.certificate import Precommit, build_certificate, verify
from diramp.cli import main
from diramp.errors import InputError
from diramp.extractor import circulant as circ
from diramp.extractor import extract, read_bits
from diramp.length import Grid
from diramp.protocol import (
    ProtocolParams,
    SimulationConfig,
    check_inputs,
    run_arrays,
    run_files,
    seed_bits,
    simulate_arrays,
    simulate_files,
)

N = 2**18  # the smallest power of two at which circulant certifies bits at eps = 1e-3, CHSH 2.8


def params(extractor: str = "circulant", variant: str = "circulant", n: int = N) -> ProtocolParams:
    return ProtocolParams(n=n, mu=F(0), eps=F(1, 10**3), eps_s=F(1, 10**5), eps_ea=F(1, 10**3),
                          grid=Grid(F(1, 100), 100), block=2**12, variant=variant,  # type: ignore[arg-type]
                          extractor=extractor)


def test_pairing_and_seed_length() -> None:
    """CONV-VARIANTS: extractor and variant pair; CONV-CIRC-PRIME: Z supplies p > 2n bits."""
    p = params()
    assert seed_bits(p) == circ.circulant_prime(2 * N) > 2 * N
    assert seed_bits(params("dodis", "derived")) == 2 * N
    with pytest.raises(InputError, match="does not belong"):
        params("circulant", "derived")
    with pytest.raises(InputError, match="does not belong"):
        params("dodis", "circulant")
    pc = Precommit(p)
    assert pc.extractor == "circulant" and Precommit.from_dict(pc.to_dict()) == pc
    body = pc.to_dict()["parameters"]
    assert body["extractor"]["name"] == "circulant" and body["variant"] == "circulant"
    assert f"first p = {seed_bits(p)} bits" in body["extractor"]["y"]
    # the extractor named beside dodis parameters must pair with their variant
    with pytest.raises(InputError, match="does not belong"):
        Precommit(params("dodis", "derived"), extractor="circulant")


def test_in_memory_run_is_circ_of_ab_and_z() -> None:
    """DEF-BOX-I step 4 with DEF-CIRC: K = Circ(AB, Z[0:p]); the simulation draws exactly p bits of Z."""
    p = params()
    x, y, a, b, z = simulate_arrays(p, SimulationConfig(seed=3, chsh=F("2.8")))
    assert z.size == seed_bits(p)
    r = run_arrays(p, x, y, a, b, z)
    assert r.m > 0 and set(r.analysis.lengths) == {"circulant"}
    ab = np.empty(2 * N, np.uint8)
    ab[0::2], ab[1::2] = a, b
    assert np.array_equal(r.k, extract(ab, z, r.m, extractor="circulant", method="exact"))
    with pytest.raises(InputError, match="shorter than p bits"):
        run_arrays(p, x, y, a, b, z[: 2 * N])
    # the Dodis run of the same data draws the prefix of the same Z stream and certifies less
    d = params("dodis", "derived")
    xd, yd, ad, bd, zd = simulate_arrays(d, SimulationConfig(seed=3, chsh=F("2.8")))
    assert np.array_equal(zd, z[: 2 * N]) and np.array_equal(ad, a)
    assert run_arrays(d, xd, yd, ad, bd, zd).m * 5 < r.m


def test_file_run_certificate_and_verify(tmp_path: Path) -> None:
    """DEF-CERT records the circulant extractor and p bits of Z; REQ-VERIFY re-derives it, K bit for bit."""
    p = params()
    pc = Precommit(p)
    t, z = tmp_path / "t.trials", tmp_path / "z.dbits"
    simulate_files(p, SimulationConfig(seed=5, chsh=F("2.8")), t, z)
    res = run_files(p, t, z)
    cert = build_certificate(pc, res)
    assert cert["inputs"]["z"]["used_bits"] == seed_bits(p) == cert["inputs"]["z"]["nbits"]
    assert cert["precommit"]["parameters"]["extractor"]["name"] == "circulant"
    assert set(cert["theorem6"]["variants"]) == {"circulant"} and cert["theorem6"]["variant_used"] == "circulant"
    (tmp_path / "k.dbits").write_bytes(b"")  # replaced below
    from diramp.protocol import write_key

    write_key(tmp_path / "k.dbits", res.k)
    rep = verify(cert, t, z, k=tmp_path / "k.dbits")
    assert rep.k_checked and rep.m == res.m
    # a Dodis-committed verifier of the same data gives another certificate: it does not verify
    bad = dict(cert)
    bad["precommit"] = Precommit(params("dodis", "derived")).body()
    from diramp.errors import CheckFailed

    with pytest.raises(CheckFailed):
        verify(bad, t, z)


def test_short_z_is_refused_before_any_payload(tmp_path: Path) -> None:
    """CONV-CIRC-ARGS: a Z of 2n bits for a circulant commitment is an input error from the headers alone."""
    d = params("dodis", "derived")
    t, z = tmp_path / "t.trials", tmp_path / "z.dbits"
    simulate_files(d, SimulationConfig(seed=5, chsh=F("2.8")), t, z)  # Z of 2n bits
    check_inputs(d, t, z)
    with pytest.raises(InputError, match="shorter than p bits"):
        check_inputs(params(), t, z)


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        rc = main(argv)
    except SystemExit as exc:
        rc = int(exc.code or 0)
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_cli_commit_simulate_run_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """commit --extractor circulant, simulate --extractor circulant, run, verify: end to end on the CLI."""
    c, t, z = tmp_path / "c.json", tmp_path / "t.trials", tmp_path / "z.dbits"
    rc, out, err = _cli(["commit", "--n", str(N), "--mu", "0", "--eps", "1e-3", "--eps-s", "1e-5", "--bins", "100",
                         "--s-max", "0.01", "--block-trials", "4096", "--extractor", "circulant", "--out", str(c)],
                        capsys)
    assert rc == 0, err
    assert json.loads(c.read_text())["parameters"]["variant"] == "circulant"
    rc, out, err = _cli(["simulate", "--n", str(N), "--mu", "0", "--chsh", "2.8", "--seed", "9", "--out-trials",
                         str(t), "--out-z", str(z), "--extractor", "circulant"], capsys)
    assert rc == 0, err
    assert json.loads(out)["d"] == circ.circulant_prime(2 * N)
    # a run whose command line names another extractor than the commitment: exit 2, nothing written
    rc, out, err = _cli(["run", "--trials", str(t), "--seed-z", str(z), "--commit", str(c), "--extractor", "dodis"],
                        capsys)
    assert rc == 2 and "differ from the pre-commitment" in err and "extractor" in err
    assert not (tmp_path / "t.k.dbits").exists() and not (tmp_path / "t.cert.json").exists()
    rc, out, err = _cli(["run", "--trials", str(t), "--seed-z", str(z), "--commit", str(c), "--variant", "refined"],
                        capsys)
    assert rc == 2 and "variant" in err and not (tmp_path / "t.k.dbits").exists()
    rc, out, err = _cli(["run", "--trials", str(t), "--seed-z", str(z), "--commit", str(c)], capsys)
    assert rc == 0, err
    rc, out, err = _cli(["verify", str(tmp_path / "t.cert.json"), "--trials", str(t), "--seed-z", str(z), "--k",
                         str(tmp_path / "t.k.dbits")], capsys)
    assert rc == 0, err
    k = read_bits(tmp_path / "t.k.dbits")
    # diramp extract --x-trials --extractor circulant gives the same K from the same files
    rc, out, err = _cli(["extract", "--x-trials", str(t), "--y", str(z), "--m", str(k.size), "--out",
                         str(tmp_path / "k2.dbits"), "--extractor", "circulant"], capsys)
    assert rc == 0, err
    assert np.array_equal(read_bits(tmp_path / "k2.dbits"), k)


def test_cli_bad_input_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """REQ-BAD-INPUT: mismatched pair, --optimize without an expectation or with chosen values, --prime not prime."""
    out = tmp_path / "c.json"
    cases = [
        (["commit", "--preset", "kulikov2024", "--extractor", "circulant", "--variant", "derived"], "does not belong"),
        (["commit", "--preset", "kulikov2024", "--variant", "circulant", "--extractor", "dodis"], "does not belong"),
        (["commit", "--preset", "kulikov2024", "--optimize"], "--expect-s-mu"),
        (["commit", "--preset", "kulikov2024", "--optimize", "--expect-s-mu", "0.00296", "--eps", "1e-12"],
         "chosen by --optimize"),
        (["commit", "--preset", "kulikov2024", "--expect-s-mu", "0.00296"], "only with --optimize"),
    ]
    for argv, msg in cases:
        rc, _, err = _cli([*argv, "--out", str(out)], capsys)
        assert rc == 2 and msg in err, (argv, err)
        assert len(err.strip().splitlines()) == 1 and not out.exists()
    x, y = tmp_path / "x.dbits", tmp_path / "y.dbits"
    from diramp.extractor import write_bits

    write_bits(x, np.ones(10, np.uint8))
    write_bits(y, np.ones(12, np.uint8))
    rc, _, err = _cli(["extract", "--x", str(x), "--y", str(y), "--m", "3", "--out", str(tmp_path / "k"),
                       "--extractor", "circulant", "--prime", "12"], capsys)
    assert rc == 2 and "prime" in err and not (tmp_path / "k").exists()
    rc, _, err = _cli(["extract", "--x", str(x), "--y", str(y), "--m", "3", "--out", str(tmp_path / "k"),
                       "--extractor", "circulant"], capsys)
    assert rc == 0, err  # p = 11 (the protocol prime for N = 10), Z holds 12 >= 11 bits
    assert np.array_equal(read_bits(tmp_path / "k"), circ.circulant_loop(np.ones(10, np.uint8),
                                                                        np.ones(11, np.uint8), 3))
