"""LEM-CIRC-WRAP on the Dask path: REQ-DIST-BITEXACT and REQ-DIST-CHECKSUM for the circulant extractor.

The wrapped inputs exist only as ranges of the real files: the leaves read Z twice (its
first p bits, then again its first m - 1) and AB once, checking every granule against the
real files' checksum tables. Warning filter as in tests/test_distributed.py (scratch
directory timing only).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from diramp.distributed.checksum import InputRef, compute_table
from diramp.distributed.circulant import run_serial_circulant
from diramp.distributed.tasks import RemoteError
from diramp.extractor import write_bits
from diramp.extractor.circulant import circulant_loop, circulant_prime
from diramp.extractor.packed import HEADER_SIZE
from diramp.extractor.stream import plan_for

pytestmark = pytest.mark.filterwarnings(
    "ignore:Creating scratch directories is taking a surprisingly long time:UserWarning"
)

N, M, MAX_FFT = 20_011, 3_001, 2_048


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, np.ndarray]:
    d = tmp_path_factory.mktemp("distcirc")
    rng = np.random.default_rng(20251202)
    p = circulant_prime(N)
    x = rng.integers(0, 2, N, dtype=np.uint8)
    z = rng.integers(0, 2, p + 123, dtype=np.uint8)
    write_bits(d / "x.dbits", x)
    write_bits(d / "z.dbits", z)
    return d / "x.dbits", d / "z.dbits", circulant_loop(x, z[:p], M)


def test_serial_leaves_equal_the_loop(files: tuple[Path, Path, np.ndarray]) -> None:
    """REQ-DIST-BITEXACT: the wrapped leaves and XOR tree (in process) give Circ(AB, Z[0:p]) exactly."""
    x, z, want = files
    p = circulant_prime(N)
    plan = plan_for(p + M - 1, M, False, MAX_FFT)
    assert plan.n_tasks() > 20
    got = run_serial_circulant(plan, InputRef.of(compute_table(z, None, 64)), InputRef.of(compute_table(x, None, 64)),
                               p)
    assert np.array_equal(got, want)


def test_a_changed_granule_of_z_is_caught(files: tuple[Path, Path, np.ndarray], tmp_path: Path) -> None:
    """REQ-DIST-CHECKSUM: a Z byte changed after the table was made fails the leaf that reads it."""
    x, z, _ = files
    zc = tmp_path / "z.bin"
    zc.write_bytes(z.read_bytes()[HEADER_SIZE:])
    p = circulant_prime(N)
    nb = 8 * ((p + 123 + 7) // 8)
    zt = compute_table(zc, nb, 64)
    with open(zc, "r+b") as f:  # a byte in the wrapped tail's source: Z[0:m-1] is read twice
        f.seek(10)
        b = f.read(1)
        f.seek(10)
        f.write(bytes([b[0] ^ 0x01]))
    plan = plan_for(p + M - 1, M, False, MAX_FFT)
    with pytest.raises(RemoteError, match="granule"):
        run_serial_circulant(plan, InputRef.of(zt), InputRef.of(compute_table(x, None, 64)), p)
    os.unlink(zc)


def test_on_a_local_dask_cluster(files: tuple[Path, Path, np.ndarray], tmp_path: Path) -> None:
    """REQ-DIST-BITEXACT: extract --extractor circulant on Dask equals the single-machine K."""
    pytest.importorskip("distributed")
    from diramp.distributed.circulant import extract_distributed_circulant
    from diramp.extractor import read_bits

    x, z, want = files
    out = tmp_path / "k.dbits"
    rep = extract_distributed_circulant(x, z, M, out, workers=1, max_fft=MAX_FFT, granule=100, fan_in=3)
    assert rep.extra["engine"] == "dask" and rep.extra["p"] == circulant_prime(N)
    assert np.array_equal(read_bits(out), want)
