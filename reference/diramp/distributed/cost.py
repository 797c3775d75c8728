"""DEF-DIST-TASKS: the cost model of a distributed run (tasks, bytes, memory, core-hours).

Counts are exact functions of the extractor's plan (LEM-EXT-BLOCKED); the
time per task is a fitted model ``t(P) = a P log2 P + b`` whose coefficients
come from measured runs (benchmarks/bench_distributed.py,
benchmarks/results/distributed.json).  docs/distributed.md explains each term.

>>> c = cost_model(2**26, 2**19, granule=1 << 20)
>>> (c.P, c.chunks, c.blocks, c.tasks)
(6291456, 1, 12, 12)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from diramp.distributed.checksum import DEFAULT_GRANULE
from diramp.distributed.tasks import chunk_tasks, reduction_tree
from diramp.extractor.tasks import DEFAULT_MAX_FFT, make_plan

#: Bytes per P of a leaf's FFT working set: the three float64 arrays the kernel holds (x buffer,
#: its rfft, y's rfft: 24 P) plus numpy pocketfft's internal copies (about 16 P).  Calibrated:
#: worker VmHWM minus idle RSS was 42.5 and 42.2 bytes per P at P = 6,291,456 and 25,165,824
#: (benchmarks/results/distributed.json), of which about 2 P are the unpacked input bits.
FFT_BYTES_PER_P = 40


@dataclass(frozen=True)
class Cost:
    """DEF-DIST-TASKS: the modelled cost of one distributed extraction."""

    N: int
    m: int
    P: int
    L: int
    B: int
    chunks: int
    blocks: int
    tasks: int  #: leaf tasks (non-empty (chunk, block) pairs)
    reductions: int  #: XOR tasks (fan-in ``fan_in``)
    bytes_read: int  #: input bytes read by all leaves (whole granules)
    bytes_partials: int  #: bytes of packed partials moved into the XOR trees
    bytes_table: int  #: bytes the driver hashes up front (both inputs, once)
    task_memory: int  #: peak bytes of one leaf (buffers only, no interpreter)
    ffts: int  #: FFTs of length P (3 per leaf: y, x, inverse)
    core_hours: float  #: leaves x t(P) / 3600 (0 when no time model is given)

    def as_dict(self) -> dict[str, object]:
        """Plain dict (JSON)."""
        return asdict(self)


def _cover(a_bit: int, b_bit: int, granule: int, payload: int) -> int:
    a, b = a_bit // 8, (b_bit + 7) // 8
    g0, g1 = a // granule, -(-b // granule)
    return min(payload, g1 * granule) - g0 * granule


def cost_model(
    N: int,
    m: int,
    *,
    max_fft: int = DEFAULT_MAX_FFT,
    granule: int = DEFAULT_GRANULE,
    fan_in: int = 8,
    sec_per_plogp: float = 0.0,
    sec_per_task: float = 0.0,
) -> Cost:
    """DEF-DIST-TASKS: exact counts for the plan of (N, m); core-hours from ``t(P) = a P log2 P + b``."""
    plan = make_plan(N, m, max_fft=max_fft)
    P, L, B = plan.P, plan.L, plan.B
    payload = (N + 7) // 8
    tasks = reductions = bytes_read = bytes_partials = 0
    for c in range(plan.n_chunks):
        s0, s1 = plan.chunk(c)
        nodes = 0
        for t in chunk_tasks(plan, c):
            tasks += 1
            nodes += 1
            bytes_read += _cover(t.j0, t.j1, granule, payload) + _cover(t.x0, t.x1, granule, payload)
        for groups in reduction_tree(nodes, fan_in):
            reductions += len(groups)
            nodes += len(groups)
        bytes_partials += nodes * ((s1 - s0 + 7) // 8)  # every leaf and XOR node outputs one packed partial
    reductions_total = reductions
    unpacked = 2 * B + L  # uint8 bits of y block and x segment
    packed_in = (2 * B + L) // 8 + 4 * granule
    task_memory = FFT_BYTES_PER_P * P + unpacked + packed_in + L + L // 8
    t_task = sec_per_plogp * P * math.log2(P) + sec_per_task
    return Cost(N, m, P, L, B, plan.n_chunks, plan.n_blocks, tasks, reductions_total, bytes_read,
                bytes_partials, 2 * payload, task_memory, 3 * tasks, tasks * t_task / 3600.0)
