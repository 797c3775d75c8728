"""DEF-DIST-TASKS, LEM-DIST-XOR, DEF-DIST-CHECKSUM-TABLE, REQ-DIST-CHECKSUM, REQ-DIST-BITEXACT without Dask.

The leaves and the XOR tree that the Dask engine runs are executed in-process
(:func:`diramp.distributed.run_serial`) against the definition
(``extract_loop``) and the single-machine path, exhaustively at tiny N and on
byte-unaligned sizes; the checksum table and verified reads are tested on
planted corruptions; the Dask-free fallback and import hygiene are checked.
"""

from __future__ import annotations

import itertools
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import proofs_check  # noqa: E402
from proofs_check import dist_decomposition  # noqa: E402

from diramp.distributed import (  # noqa: E402
    InputRef,
    RemoteError,
    chunk_tasks,
    compute_table,
    engine,
    read_verified_bits,
    reduction_tree,
    run_leaf,
    run_serial,
)
from diramp.distributed import checksum as dchecksum  # noqa: E402
from diramp.distributed.tasks import leaf_spec  # noqa: E402
from diramp.errors import CheckFailed, InputError  # noqa: E402
from diramp.extractor import extract_files, extract_loop, make_plan, read_bits, write_bits  # noqa: E402
from diramp.extractor.packed import HEADER_SIZE  # noqa: E402
from diramp.extractor.tasks import Plan  # noqa: E402


def _refs(tmp: Path, x: np.ndarray, y: np.ndarray, granule: int, raw: bool = False) -> tuple[InputRef, InputRef]:
    paths = []
    for name, bits in (("x", x), ("y", y)):
        p = tmp / f"{name}.{'bin' if raw else 'dbits'}"
        if raw:
            p.write_bytes(np.packbits(bits).tobytes())
        else:
            write_bits(p, bits)
        paths.append(p)
    nb = int(x.size) if raw else None
    return (InputRef.of(compute_table(paths[0], nb, granule)), InputRef.of(compute_table(paths[1], nb, granule)))


def test_exhaustive_tiny_real_leaves(tmp_path: Path) -> None:
    """REQ-DIST-BITEXACT, DEF-DIST-TASKS: all x, y with N <= 3, all m, every split, real files and leaves."""
    for N in range(1, 4):
        for xs in itertools.product((0, 1), repeat=N):
            for ys in itertools.product((0, 1), repeat=N):
                x, y = np.array(xs, np.uint8), np.array(ys, np.uint8)
                xr, yr = _refs(tmp_path, x, y, granule=1)
                for m in range(1, N + 1):
                    want = extract_loop(x, y, m)
                    for L in range(1, m + 1):
                        for B in range(1, N + 1):
                            plan = Plan(N, m, max(8, B + L - 1), L, B)
                            got = run_serial(plan, xr, yr, fan_in=2)
                            assert got.tolist() == want.tolist(), (xs, ys, m, L, B)


@pytest.mark.parametrize(("N", "m", "max_fft", "granule", "fan_in", "raw"), [
    (1003, 301, 128, 1, 2, False),
    (1003, 301, 128, 7, 3, True),
    (4099, 37, 64, 5, 8, False),
    (4099, 4099, 1024, 64, 2, False),
    (777, 1, 8, 3, 2, True),
    (20001, 5000, 2048, 100, 4, False),
])
def test_serial_matches_definition_and_single_machine(
    tmp_path: Path, N: int, m: int, max_fft: int, granule: int, fan_in: int, raw: bool
) -> None:
    """REQ-DIST-BITEXACT: in-process leaves + XOR tree == extract_loop == extract_files, unaligned sizes."""
    rng = np.random.default_rng(N + m + granule)
    x = rng.integers(0, 2, N, dtype=np.uint8)
    y = rng.integers(0, 2, N, dtype=np.uint8)
    xr, yr = _refs(tmp_path, x, y, granule, raw)
    plan = make_plan(N, m, max_fft=max_fft)
    assert plan.n_tasks() > 1
    got = run_serial(plan, xr, yr, fan_in=fan_in)
    assert np.array_equal(got, extract_loop(x, y, m))
    # The same leaves on kernel v3 (four-step transforms): the same K.
    assert np.array_equal(run_serial(plan, xr, yr, fan_in=fan_in, kernel="v3"), got)
    extract_files(xr.path, yr.path, m, tmp_path / "k", max_fft=max_fft,
                  x_nbits=N if raw else None, y_nbits=N if raw else None)
    assert np.array_equal(got, read_bits(tmp_path / "k"))


def test_chunk_tasks_partition_plan_tasks() -> None:
    """DEF-DIST-TASKS: chunk_tasks over all chunks lists exactly Plan.tasks() (LEM-EXT-BLOCKED)."""
    for N, m, P in [(10_000, 3000, 256), (2**16, 2**9, 1024), (999, 999, 64)]:
        plan = make_plan(N, m, max_fft=P)
        by_chunk = [t for c in range(plan.n_chunks) for t in chunk_tasks(plan, c)]
        assert sorted(by_chunk, key=lambda t: (t.block, t.chunk)) == list(plan.tasks())


def test_reduction_tree_uses_each_leaf_once() -> None:
    """LEM-DIST-XOR: every level's groups partition the level below; one root."""
    for n, k in itertools.product(range(1, 40), (2, 3, 8)):
        levels = reduction_tree(n, k)
        width = n
        for groups in levels:
            assert sorted(i for g in groups for i in g) == list(range(width))
            assert all(1 <= len(g) <= k for g in groups)
            width = len(groups)
        assert width == 1
    with pytest.raises(InputError):
        reduction_tree(4, 1)


def test_table_and_verified_read(tmp_path: Path) -> None:
    """DEF-DIST-CHECKSUM-TABLE: granule digests; REQ-DIST-CHECKSUM: a changed granule is refused."""
    rng = np.random.default_rng(5)
    x = rng.integers(0, 2, 1001, dtype=np.uint8)
    p = tmp_path / "x.dbits"
    write_bits(p, x)
    t = compute_table(p, granule=10)
    assert len(t.digests) == 13 and t.payload_size == 126
    ref = InputRef.of(t)
    for a, b in [(0, 1001), (3, 9), (79, 81), (800, 1001), (1000, 1001)]:
        assert np.array_equal(read_verified_bits(ref, ref.check(a, b), a, b), x[a:b])
    data = bytearray(p.read_bytes())
    data[HEADER_SIZE + 55] ^= 0x10  # granule 5 = payload bytes [50, 60)
    p.write_bytes(bytes(data))
    assert np.array_equal(read_verified_bits(ref, ref.check(0, 400), 0, 400), x[:400])  # granules 0..4
    with pytest.raises(CheckFailed, match=r"bytes \[50, 60\) \(granule 5\)"):
        read_verified_bits(ref, ref.check(400, 480), 400, 480)
    with pytest.raises(CheckFailed, match="digest mismatch"):
        compute_table(p, granule=10)  # up front: the header's checksum catches it


def test_leaf_errors_pickle_and_map(tmp_path: Path) -> None:
    """REQ-DIST-ERRORS: leaf errors cross processes as RemoteError and map to CheckFailed/InputError."""
    rng = np.random.default_rng(6)
    x = rng.integers(0, 2, 500, dtype=np.uint8)
    xr, yr = _refs(tmp_path, x, x[::-1].copy(), granule=8, raw=True)
    plan = make_plan(500, 100, max_fft=64)
    t = next(iter(plan.tasks()))
    spec = leaf_spec(t, plan, "auto", xr, yr)
    Path(yr.path).write_bytes(bytes(Path(yr.path).read_bytes()[0:1]) * 63)  # same size, other bytes
    with pytest.raises(RemoteError) as ei:
        run_leaf(spec, xr.light(), yr.light())
    err = pickle.loads(pickle.dumps(ei.value))
    assert err.kind == "check" and isinstance(err.to_local(), CheckFailed)
    Path(yr.path).unlink()
    with pytest.raises(RemoteError) as ei:
        run_leaf(spec, xr.light(), yr.light())
    assert ei.value.kind == "input" and isinstance(ei.value.to_local(), InputError)
    assert "does not exist" in str(ei.value)


def test_proofs_check_fails_on_a_planted_cut_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """LEM-DIST-XOR check can fail: an off-by-one in the MSB-first cut is caught."""
    real = dchecksum.unpack_range

    def shifted(raw: np.ndarray, a: int, start: int, stop: int) -> np.ndarray:
        return real(raw, a, start + 1, stop + 1) if start % 8 == 3 else real(raw, a, start, stop)

    monkeypatch.setattr(dchecksum, "unpack_range", shifted)
    monkeypatch.setattr(dist_decomposition, "MAX_N", 6)
    (out,) = proofs_check.run(["dist_decomposition"])
    assert not out.passed and "differs from DEF-EXT" in out.text


def test_import_does_not_need_dask() -> None:
    """Importing diramp and diramp.distributed never imports dask."""
    code = ("import sys, diramp, diramp.distributed, diramp.extractor; "
            "print(any(k == 'dask' or k.startswith(('dask.', 'distributed')) for k in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_without_dask_falls_back_or_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """REQ-DIST-ERRORS: no Dask: --workers runs the single-machine path with a message; --scheduler explains."""
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    assert not engine.dask_available()
    rng = np.random.default_rng(7)
    x, y = (rng.integers(0, 2, 999, dtype=np.uint8) for _ in range(2))
    xr, yr = _refs(tmp_path, x, y, granule=16)
    rep = engine.extract_distributed(xr.path, yr.path, 100, tmp_path / "k", workers=2)
    assert "single-machine" in str(rep.extra["engine"])
    assert "pip install 'diramp[dask]'" in capsys.readouterr().err
    assert np.array_equal(read_bits(tmp_path / "k"), extract_loop(x, y, 100))
    with pytest.raises(InputError, match=r"dask.distributed is not installed.*pip install"):
        engine.extract_distributed(xr.path, yr.path, 100, tmp_path / "k2", scheduler="tcp://127.0.0.1:1")
    assert not (tmp_path / "k2").exists()


def test_cost_model_counts_match_the_plan() -> None:
    """DEF-DIST-TASKS: the cost model's task count and bytes read are those of the actual leaves."""
    from diramp.distributed.checksum import granule_range
    from diramp.distributed.cost import cost_model

    for N, m, P, G in [(20_011, 3_001, 2_048, 100), (2**20, 2**13, 1 << 14, 1000), (10**6 + 3, 5000, 4096, 7)]:
        c = cost_model(N, m, max_fft=P, granule=G, fan_in=3, sec_per_plogp=1e-9)
        plan = make_plan(N, m, max_fft=P)
        S = (N + 7) // 8
        leaves = [t for k in range(plan.n_chunks) for t in chunk_tasks(plan, k)]
        read = 0
        for t in leaves:
            for a, b in ((t.j0, t.j1), (t.x0, t.x1)):
                g0, g1 = granule_range(a, b, G)
                read += min(S, g1 * G) - g0 * G
        assert (c.tasks, c.bytes_read, c.ffts) == (plan.n_tasks(), read, 3 * len(leaves))
        assert c.reductions == sum(len(g) for k in range(plan.n_chunks)
                                   for g in reduction_tree(len(chunk_tasks(plan, k)), 3))
        assert c.task_memory >= 24 * c.P and c.core_hours > 0
