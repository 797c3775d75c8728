"""REQ-DIST-BITEXACT, REQ-DIST-CHECKSUM, REQ-DIST-ERRORS on a local Dask cluster (2 worker processes).

One cluster serves the module (LocalCluster, processes, 2 workers, one thread each).
The one warning filtered here, by message and category:

* ``UserWarning: Creating scratch directories is taking a surprisingly long time``
  -- ``distributed.utils.warn_on_duration`` raises it in this process (the
  LocalCluster's scheduler) when creating its scratch directory takes more than
  1 s, i.e. on a slow or busy disk such as a loaded CI machine; timing-only,
  harmless.  No other warning is filtered.
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from diramp.cli import main  # noqa: E402
from diramp.distributed import InputRef, LeafSpec, compute_table, extract_distributed  # noqa: E402
from diramp.distributed.engine import _check_workers, probe_inputs  # noqa: E402
from diramp.errors import CheckFailed, InputError  # noqa: E402
from diramp.extractor import extract_files, make_plan, write_bits  # noqa: E402
from diramp.extractor.packed import HEADER_SIZE  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:Creating scratch directories is taking a surprisingly long time:UserWarning"
)

N, M, MAX_FFT = 20_011, 3_001, 2_048  # byte-unaligned; 3 chunks x 20 blocks: 57 leaf tasks


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as c:
        yield c.scheduler_address


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """x, y (DEF-PACKED-FILE) and the single-machine K."""
    d = tmp_path_factory.mktemp("dist")
    rng = np.random.default_rng(2024)
    x = rng.integers(0, 2, N, dtype=np.uint8)
    y = rng.integers(0, 2, N, dtype=np.uint8)
    write_bits(d / "x.dbits", x)
    write_bits(d / "y.dbits", y)
    extract_files(d / "x.dbits", d / "y.dbits", M, d / "k_single.dbits", max_fft=MAX_FFT)
    return d / "x.dbits", d / "y.dbits", d / "k_single.dbits"


def test_bit_identical_to_single_machine(cluster: str, inputs: tuple[Path, Path, Path], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """REQ-DIST-BITEXACT: the Dask output file equals extract_files' output; mode 0600; report."""
    x, y, k1 = inputs
    out = tmp_path / "k.dbits"
    rep = extract_distributed(x, y, M, out, scheduler=cluster, max_fft=MAX_FFT, granule=100, fan_in=3,
                              show_progress=True)
    assert out.read_bytes() == k1.read_bytes()
    assert (out.stat().st_mode & 0o777) == 0o600
    assert rep.tasks == make_plan(N, M, max_fft=MAX_FFT).n_tasks() == 57
    assert rep.workers == 2 and rep.extra["engine"] == "dask"
    assert rep.worst_margin < 0.25 and rep.exact_fallbacks == 0
    assert "extract (dask)" in capsys.readouterr().err  # progress bar (forced on)


def test_v3_leaves_bit_identical(cluster: str, inputs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """REQ-DIST-BITEXACT, DEF-DIST-TASKS: leaves on kernel v3 (four-step transforms) write the same K."""
    x, y, k1 = inputs
    out = tmp_path / "k3.dbits"
    rep = extract_distributed(x, y, M, out, scheduler=cluster, max_fft=MAX_FFT, granule=100, kernel="v3")
    assert out.read_bytes() == k1.read_bytes()
    assert rep.worst_margin < 0.25 and rep.exact_fallbacks == 0


def test_raw_bin_inputs(cluster: str, inputs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """REQ-DIST-BITEXACT with raw packed .bin inputs (explicit bit lengths, table only)."""
    x, y, k1 = inputs
    for p in (x, y):
        (tmp_path / p.name).with_suffix(".bin").write_bytes(p.read_bytes()[HEADER_SIZE:])
    out = tmp_path / "k.dbits"
    extract_distributed(tmp_path / "x.bin", tmp_path / "y.bin", M, out, scheduler=cluster, max_fft=MAX_FFT,
                        x_nbits=N, y_nbits=N, granule=7)
    assert out.read_bytes() == k1.read_bytes()


def test_killed_worker_still_bit_identical(cluster: str, inputs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """REQ-DIST-ERRORS, REQ-DIST-BITEXACT: a worker killed (SIGKILL) mid-task; Dask reruns; same bits."""
    x, y, k1 = inputs
    marker = str(tmp_path / "killed")

    def kill_once(spec: LeafSpec) -> None:  # pickled by value to the workers
        if spec.task.block == 5:
            try:
                fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                return
            os.close(fd)
            os.kill(os.getpid(), signal.SIGKILL)

    out = tmp_path / "k.dbits"
    extract_distributed(x, y, M, out, scheduler=cluster, max_fft=MAX_FFT, task_hook=kill_once)
    assert Path(marker).exists(), "the fault was not injected"
    assert out.read_bytes() == k1.read_bytes()
    with distributed.Client(cluster, set_as_default=False) as c:
        c.wait_for_workers(2, timeout=30)  # the nanny restarted the killed worker


def test_input_changed_mid_run_is_detected(cluster: str, inputs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """REQ-DIST-CHECKSUM: a y granule rewritten during the run -> CheckFailed, no output file."""
    x, y, _ = inputs
    yc = tmp_path / "y.bin"
    yc.write_bytes(y.read_bytes()[HEADER_SIZE:])  # raw: no header checksum, the table is the only guard
    marker = str(tmp_path / "flipped")
    path = str(yc)

    def flip_once(spec: LeafSpec) -> None:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.close(fd)
        with open(path, "r+b") as f:  # the last payload byte: read by the last block's tasks only
            f.seek(-1, os.SEEK_END)
            b = f.read(1)
            f.seek(-1, os.SEEK_END)
            f.write(bytes([b[0] ^ 0x40]))

    out = tmp_path / "k.dbits"
    with pytest.raises(CheckFailed, match=r"granule .* differs from the table|changed during the run"):
        extract_distributed(x, yc, M, out, scheduler=cluster, max_fft=MAX_FFT, y_nbits=N, granule=64,
                            retries=0, task_hook=flip_once)
    assert Path(marker).exists()
    assert not out.exists() and not list(tmp_path.glob(".k.dbits.*"))


def test_corrupt_input_detected_up_front(cluster: str, inputs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """DEF-DIST-CHECKSUM-TABLE: a corrupt headered input fails before any task; no output."""
    x, y, _ = inputs
    bad = tmp_path / "x.dbits"
    data = bytearray(x.read_bytes())
    data[HEADER_SIZE + 1000] ^= 1
    bad.write_bytes(bytes(data))
    out = tmp_path / "k.dbits"
    with pytest.raises(CheckFailed, match="digest mismatch"):
        extract_distributed(bad, y, M, out, scheduler=cluster, max_fft=MAX_FFT)
    assert not out.exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_scheduler(inputs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """REQ-DIST-ERRORS: nothing listens at the address -> InputError naming it and the fix; no output."""
    x, y, _ = inputs
    addr = f"tcp://127.0.0.1:{_free_port()}"
    out = tmp_path / "k.dbits"
    with pytest.raises(InputError, match=rf"no Dask scheduler answered at {addr} within 1 s.*dask scheduler"):
        extract_distributed(x, y, M, out, scheduler=addr, timeout=1.0)
    assert not out.exists()


def test_workers_that_cannot_read_the_inputs(cluster: str, inputs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """REQ-DIST-ERRORS: the probe names every worker and the path it cannot read."""
    x, y, _ = inputs
    xr, yr = InputRef.of(compute_table(x)).light(), InputRef.of(compute_table(y)).light()
    assert probe_inputs(xr, yr) is None
    missing = InputRef(str(tmp_path / "not-shared.dbits"), xr.nbits, True, xr.header_sha256, xr.granule, ())
    with distributed.Client(cluster, set_as_default=False) as c:
        with pytest.raises(InputError, match=r"2 of 2 Dask workers cannot read the inputs.*not-shared.*does not exist"):
            _check_workers(c, missing, yr)


def test_cli_scheduler_option(cluster: str, inputs: tuple[Path, Path, Path], tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    """REQ-DIST-BITEXACT via ``diramp extract --scheduler``; REQ-DIST-ERRORS exit 2 on an unreachable scheduler."""
    x, y, k1 = inputs
    out = tmp_path / "k.dbits"
    args = ["extract", "--x", str(x), "--y", str(y), "--m", str(M)]
    rc = main([*args, "--out", str(out), "--scheduler", cluster, "--json"])
    assert rc == 0 and out.read_bytes() == k1.read_bytes()  # another plan (default P), the same bits
    assert '"engine": "dask"' in capsys.readouterr().out
    out2 = tmp_path / "k2.dbits"
    addr = f"tcp://127.0.0.1:{_free_port()}"
    rc = main([*args, "--out", str(out2), "--scheduler", addr, "--scheduler-timeout", "1"])
    assert rc == 2 and not out2.exists()
    assert f"no Dask scheduler answered at {addr}" in capsys.readouterr().err


def test_cli_local_cluster(inputs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """REQ-DIST-BITEXACT with ``--scheduler local --workers 2``: a LocalCluster started and closed by the run."""
    x, y, k1 = inputs
    out = tmp_path / "k.dbits"
    rc = main(["extract", "--x", str(x), "--y", str(y), "--m", str(M), "--out", str(out),
               "--scheduler", "local", "--workers", "2"])
    assert rc == 0 and out.read_bytes() == k1.read_bytes()
