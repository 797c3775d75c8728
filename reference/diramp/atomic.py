"""Atomic file output: write to a temporary file beside the target, then rename.

No partial output file is ever left behind (house rule): on any exception the
temporary file is removed and the target is untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: int = 0o644, text: bool = False) -> Iterator[IO]:
    """Open ``path`` for writing atomically; the file appears only on success.

    ``mode`` is applied to the temporary file before any byte is written, so a
    secret written with ``mode=0o600`` is never readable by others, not even briefly.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_open(d / "k.bin", mode=0o600) as f:
    ...     _ = f.write(b"1")
    >>> oct((d / "k.bin").stat().st_mode & 0o777)
    '0o600'
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w" if text else "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` atomically with permissions ``mode``."""
    with atomic_open(path, mode=mode) as f:
        f.write(data)


def atomic_write_text(path: str | os.PathLike[str], text: str, mode: int = 0o644) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically with permissions ``mode``."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)
