"""LEM-EXT-BLOCKED (speed only): keep freed FFT work memory in the process heap during a run.

numpy's FFT allocates its P-length work arrays anew in every call.  glibc
serves allocations that large with fresh ``mmap`` pages and returns them on
``free``, so every call page-faults about 2 x 8P bytes in again (measured at
P = 5*2^23: 160,000 minor faults and 0.6 s of system time per FFT).  Inside
:func:`retained_heap` glibc is told (``mallopt``) to serve them from the heap
and not to trim it, so the same pages are reused by the next call.  Peak RSS
is unchanged: what is kept is what the previous call used.  On exit the
defaults are restored and the heap is trimmed (``malloc_trim``).  A no-op
where glibc is absent.  Results do not depend on it.

Worker threads: glibc gives a thread its own arena, and a thread arena maps
a request that large with ``mmap`` whatever ``M_MMAP_MAX`` says (glibc 2.36).
So the first use also sets ``M_ARENA_MAX = 1``: threads created afterwards
share the main arena (whose heap is retained).  That limit stays for the
life of the process (glibc fixes it when the next arena would be created),
and threads that already own an arena keep it: in a process that ran other
threads before, the retention may then cover the calling thread only (the
CLI and the benchmarks run in fresh processes).

>>> with retained_heap() as active:
...     isinstance(active, bool)
True
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_M_ARENA_MAX = -8
#: glibc defaults (malloc(3)): restored when the last user leaves.
_DEFAULT_MMAP_MAX = 65536
_DEFAULT_TRIM_THRESHOLD = 128 * 1024
#: Largest trim threshold mallopt accepts (a C int).
_KEEP = (1 << 31) - 1

_lock = threading.Lock()
_users = 0
_arena_set = False


def _libc() -> ctypes.CDLL | None:
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    if not (hasattr(lib, "mallopt") and hasattr(lib, "malloc_trim")):
        return None
    return lib


@contextmanager
def retained_heap() -> Iterator[bool]:
    """Serve large allocations from a heap that is not trimmed; yields whether glibc took it."""
    global _users, _arena_set
    lib = _libc()
    if lib is None:
        yield False
        return
    with _lock:
        if not _arena_set:
            lib.mallopt(_M_ARENA_MAX, 1)
            _arena_set = True
        if _users == 0:
            ok = bool(lib.mallopt(_M_MMAP_MAX, 0)) and bool(lib.mallopt(_M_TRIM_THRESHOLD, _KEEP))
        else:
            ok = True
        _users += 1
    try:
        yield ok
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                lib.mallopt(_M_MMAP_MAX, _DEFAULT_MMAP_MAX)
                lib.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM_THRESHOLD)
                lib.malloc_trim(0)
