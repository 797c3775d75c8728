"""Atomic file output for library code, on top of the one output mechanism (REQ-OUTPUT).

:func:`atomic_open` writes a file that appears only on success.  Inside a
command's :class:`diramp.outputs.Transaction` it writes the declared output
(published when the whole command succeeds); outside one it is a one-file
transaction that replaces its target on success.  ``mode=0o600`` makes the
file owner-only from its creation, whatever the umask.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from diramp import outputs


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: int = 0o644, text: bool = False) -> Iterator[Any]:
    """Open ``path`` for writing atomically; the file appears only on success.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_open(d / "k.bin", mode=0o600) as f:
    ...     _ = f.write(b"1")
    >>> oct((d / "k.bin").stat().st_mode & 0o777)
    '0o600'
    """
    if text:
        raise ValueError("atomic_open writes bytes; encode text first")
    tx = outputs.active()
    if tx is not None:
        with tx.open(path, mode) as f:
            yield f
        return
    with outputs.Transaction(force=True) as solo:
        solo.output(path, "secret" if mode & 0o077 == 0 else "public", "output")
        with solo.open(path, mode) as f:
            yield f


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` atomically with permissions ``mode``."""
    with atomic_open(path, mode=mode) as f:
        f.write(data)


def atomic_write_text(path: str | os.PathLike[str], text: str, mode: int = 0o644) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically with permissions ``mode``."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)
