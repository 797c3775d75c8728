"""REQ-INPUT: the one way diramp opens an input file, and the one JSON reader.

Every reader (trial files, packed bit files, JSON records, counts, certificates,
vector files, imports, K for figures and statistics) opens its file through
:func:`open_input`: a regular file only (a FIFO, a device such as /dev/zero, a
directory or a socket is refused before any byte is read, so nothing hangs), and
every :class:`OSError` becomes a one-line :class:`~diramp.errors.InputError`
naming the path, the problem and the fix (:func:`input_error`).

:func:`read_json` reads a JSON document with a size cap and bounded numbers:
nesting too deep, integers longer than :data:`MAX_JSON_INT_DIGITS`, ``NaN`` and
``Infinity``, invalid UTF-8 and syntax errors are all input errors.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from diramp.errors import InputError

#: Largest JSON document read (bytes): records, certificates and vector files are far smaller.
MAX_JSON_BYTES = 64 << 20
#: Longest integer literal accepted in a JSON document (digits).
MAX_JSON_INT_DIGITS = 400
#: Longest floating-point literal accepted in a JSON document (characters).
MAX_JSON_FLOAT_CHARS = 400

PathLike = str | os.PathLike[str]

_ERRNO_TEXT = {
    errno.ENOENT: ("does not exist", "check the path"),
    errno.EACCES: ("cannot be read: permission denied", "check the file's permissions"),
    errno.EPERM: ("cannot be read: operation not permitted", "check the file's permissions"),
    errno.ENOTDIR: ("is not a valid path: a component is not a directory", "check the path"),
    errno.ENAMETOOLONG: ("is not a valid path: the name is too long", "use a shorter path"),
    errno.ELOOP: ("is not a valid path: too many levels of symbolic links", "fix the symbolic link"),
    errno.EISDIR: ("is a directory", "pass a file"),
    errno.ENOSPC: ("cannot be written: no space left on the device", "free space and run again"),
    errno.EDQUOT: ("cannot be written: disk quota exceeded", "free space and run again"),
    errno.EROFS: ("cannot be written: read-only file system", "choose another location"),
    errno.EEXIST: ("exists already", "choose another path, or pass --force"),
    errno.EXDEV: ("is on another file system than its temporary file", "choose another location"),
    errno.EIO: ("could not be read or written: I/O error", "check the device"),
}


def input_error(path: PathLike | None, exc: OSError, what: str = "file") -> InputError:
    """REQ-INPUT: an :class:`OSError` as a one-line input error naming ``path`` (exit 2)."""
    problem, fix = _ERRNO_TEXT.get(exc.errno or 0, (f"cannot be accessed ({exc.strerror or exc})", "check the path"))
    name = str(path) if path is not None else (exc.filename or what)
    return InputError(_clip(str(name)), f"{what} {problem}" if what != "file" else problem, "", fix)


def _clip(text: str, n: int = 200) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_input(path: PathLike, what: str = "input file") -> int:
    """REQ-INPUT: open a regular file read-only and return its descriptor; anything else is an InputError.

    The file is opened non-blocking (a FIFO cannot hang the open), checked with
    ``fstat`` to be a regular file, then switched back to blocking reads.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise input_error(path, exc) from None
    except ValueError as exc:  # embedded NUL byte
        raise InputError(_clip(repr(str(path))), "is not a valid path", str(exc)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(_clip(str(path)), f"is {_kind(st.st_mode)}, not a regular {what}", "", "pass a file")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextlib.contextmanager
def opened(path: PathLike, what: str = "input file") -> Iterator[IO[bytes]]:
    """REQ-INPUT: :func:`open_input` as a binary file object; read errors become InputErrors too."""
    fd = open_input(path, what)
    f = os.fdopen(fd, "rb")
    try:
        with f:
            yield f
    except OSError as exc:
        raise input_error(path, exc) from None


def check_input(path: PathLike, what: str = "input file") -> os.stat_result:
    """REQ-INPUT: stat a would-be input (regular file, readable) without keeping it open."""
    fd = open_input(path, what)
    try:
        return os.fstat(fd)
    finally:
        os.close(fd)


def read_capped(path: PathLike, what: str, max_bytes: int) -> bytes:
    """REQ-INPUT: the whole file, refusing files larger than ``max_bytes`` before reading them."""
    with opened(path, what) as f:
        size = os.fstat(f.fileno()).st_size
        if size > max_bytes:
            raise InputError(_clip(str(path)), f"is too large for a {what}", f"{size} bytes, at most {max_bytes}",
                             "pass the right file")
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(_clip(str(path)), f"is too large for a {what}", f"more than {max_bytes} bytes")
    return data


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid JSON number here")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_INT_DIGITS:
        raise ValueError(f"an integer of {len(text)} digits (at most {MAX_JSON_INT_DIGITS})")
    return int(text)


def _bounded_float(text: str) -> float:
    if len(text) > MAX_JSON_FLOAT_CHARS:
        raise ValueError(f"a number of {len(text)} characters (at most {MAX_JSON_FLOAT_CHARS})")
    return float(text)


def parse_json(data: bytes | str, where: str) -> Any:
    """REQ-INPUT: parse a JSON document with bounded numbers; every failure is one InputError naming ``where``."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise InputError(_clip(where), "is not UTF-8 text", f"byte {exc.start}", "pass a JSON file") from None
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_int=_bounded_int, parse_float=_bounded_float)
    except json.JSONDecodeError as exc:
        raise InputError(_clip(where), "is not valid JSON", f"{exc.msg} at line {exc.lineno} column {exc.colno}",
                         "pass a JSON file written by diramp") from None
    except RecursionError:
        raise InputError(_clip(where), "is nested too deeply to be a diramp JSON document", "",
                         "pass a JSON file written by diramp") from None
    except ValueError as exc:
        raise InputError(_clip(where), "holds an invalid JSON value", _clip(str(exc), 120),
                         "pass a JSON file written by diramp") from None


def read_json(path: PathLike, what: str = "JSON file", max_bytes: int = MAX_JSON_BYTES) -> Any:
    """REQ-INPUT: read and parse a JSON file through :func:`open_input` and :func:`parse_json`."""
    return parse_json(read_capped(path, what, max_bytes), str(path))


def file_identity(path: PathLike) -> tuple[int, int] | None:
    """(device, inode) of an existing path, following symbolic links; None if it does not exist."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def resolve(path: PathLike) -> Path:
    """The absolute path with symbolic links resolved as far as they exist."""
    return Path(os.path.realpath(os.fspath(path)))
