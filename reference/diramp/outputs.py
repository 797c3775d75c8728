"""REQ-OUTPUT, REQ-SECRET-FILES: the one way diramp writes an output file.

A command declares every output before it does any work, in one
:class:`Transaction`:

* each output is checked at once: not an input of the command (same file,
  through a symbolic or a hard link), not a directory, its directory exists and
  is writable, and it does not exist already unless ``force``;
* each output has a *kind*: ``"secret"`` (mode 0600: anything holding A, B, K
  or a function of K) or ``"public"`` (mode 0644: pre-commitments,
  certificates, figures of public data); the mode is set on the new file before
  any byte is written, whatever the umask (REQ-SECRET-FILES);
* writers write into unnamed temporary files in the target's directory
  (``O_TMPFILE``: a killed process leaves nothing behind), and nothing appears
  until the whole command has succeeded; then all outputs are published
  together: created exclusively (``link``: a file that appeared meanwhile is
  never replaced, so two concurrent runs cannot mix their outputs) or, with
  ``force``, replaced with the old files kept aside until every output is in
  place, and restored if any step fails.

On any error, interruption or abort, no output is created or changed.
Library code writes through :func:`diramp.atomic.atomic_open`, which joins the
active transaction (the file must have been declared: an undeclared output is
a programming error) or, outside any transaction, behaves as a one-file
transaction that may replace its target.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from diramp.errors import InputError
from diramp.inputs import file_identity, input_error

Kind = Literal["secret", "public"]
#: REQ-SECRET-FILES: the mode of each kind of output.
MODES: dict[str, int] = {"secret": 0o600, "public": 0o644}

_ACTIVE: contextvars.ContextVar[Transaction | None] = contextvars.ContextVar("diramp_transaction", default=None)
#: Every output published by this process, in order (what an interruption after a commit must not deny).
PUBLISHED: list[Path] = []

PathLike = str | os.PathLike[str]


def _tmpfile_supported(directory: str) -> int | None:
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None:
        return None
    return int(flag)


class _SlotFile:
    """A writer's view of an output's temporary file: OS errors name the output path."""

    def __init__(self, f: IO[bytes], path: Path) -> None:
        self._f, self._path = f, path

    def write(self, data: Any) -> int:
        try:
            return self._f.write(data)
        except OSError as exc:
            raise input_error(self._path, exc) from None

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._f.seek(offset, whence)

    def tell(self) -> int:
        return self._f.tell()

    def flush(self) -> None:
        try:
            self._f.flush()
        except OSError as exc:
            raise input_error(self._path, exc) from None

    def fileno(self) -> int:
        return self._f.fileno()

    def __enter__(self) -> _SlotFile:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


@dataclass
class _Slot:
    path: Path
    kind: str
    what: str
    fd: int = -1
    tmp_name: str | None = None  #: named temporary file (when O_TMPFILE is unavailable)
    state: str = "declared"  #: declared -> writing -> written


class Transaction:
    """REQ-OUTPUT: the outputs of one command, checked first, written together or not at all."""

    def __init__(self, *, force: bool = False, inputs: Iterable[PathLike | None] = ()) -> None:
        self.force = force
        self._inputs: list[tuple[str, tuple[int, int]]] = []
        self._slots: dict[str, _Slot] = {}
        self._made_dirs: list[Path] = []
        self._token: contextvars.Token[Transaction | None] | None = None
        self.published: list[tuple[Path, str]] = []
        for p in inputs:
            if p is not None:
                self.add_input(p)

    # ------------------------------------------------------------ declaring

    def add_input(self, path: PathLike) -> None:
        """Declare an input of the command: no output may be the same file."""
        ident = file_identity(path)
        if ident is None:
            return  # a missing input is reported by its reader
        for key, slot in self._slots.items():
            if file_identity(key) == ident:
                raise InputError(str(slot.path), f"the {slot.what} would overwrite an input of this command "
                                 f"({path})", "", "choose another output path")
        self._inputs.append((str(path), ident))

    def output(self, path: PathLike, kind: Kind, what: str = "output") -> Path:
        """Declare an output file of ``kind`` ("secret" 0600 or "public" 0644) and check it now."""
        if kind not in MODES:
            raise ValueError(f"unknown output kind {kind!r}")
        p = Path(os.path.abspath(os.fspath(path)))
        key = str(p)
        if key in self._slots:
            raise InputError(str(path), f"is named twice as an output (the {self._slots[key].what} and the {what})",
                             "", "give each output its own path")
        parent = p.parent
        if not parent.is_dir():
            raise InputError(str(path), f"cannot be written: the directory {parent} does not exist", "",
                             "create it first or choose another path")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise InputError(str(path), f"cannot be written: the directory {parent} is not writable", "",
                             "choose a writable directory")
        try:
            name_max = os.pathconf(parent, "PC_NAME_MAX")
        except (OSError, ValueError):
            name_max = 255
        if len(os.fsencode(p.name)) > name_max:
            raise InputError(str(path)[:200], "is not a valid path: the name is too long", "", "use a shorter name")
        ident = file_identity(p)
        if os.path.lexists(p):
            if os.path.isdir(p):
                raise InputError(str(path), f"is a directory, not a {what} file", "", "give a file path")
            for other, oid in self._inputs:
                if ident is not None and oid == ident:
                    raise InputError(str(path), f"the {what} would overwrite an input of this command ({other})",
                                     "", "choose another output path")
            if not self.force:
                raise InputError(str(path), "exists already", "",
                                 "choose another path, or pass --force (the old file is replaced only if the "
                                 "whole command succeeds)")
            if ident is not None:
                for k2, s2 in self._slots.items():
                    if file_identity(k2) == ident:
                        raise InputError(str(path), f"is the same file as the {s2.what} output ({s2.path})", "",
                                         "give each output its own path")
        self._slots[key] = _Slot(p, kind, what)
        return p

    def directory(self, path: PathLike, what: str = "output directory") -> Path:
        """Make sure ``path`` is a directory for outputs (created if missing; its parent must exist)."""
        p = Path(os.path.abspath(os.fspath(path)))
        if p.exists():
            if not p.is_dir():
                raise InputError(str(path), f"is not a directory (the {what})", "", "choose a directory path")
            return p
        if not p.parent.is_dir():
            raise InputError(str(path), f"cannot be created: the directory {p.parent} does not exist", "",
                             "create the parent directory first")
        try:
            os.mkdir(p)
        except OSError as exc:
            raise input_error(path, exc) from None
        self._made_dirs.append(p)
        return p

    # ------------------------------------------------------------ writing

    @contextlib.contextmanager
    def open(self, path: PathLike, mode: int | None = None) -> Iterator[_SlotFile]:
        """Write a declared output: yields a binary file; it is published only when the transaction commits."""
        key = str(Path(os.path.abspath(os.fspath(path))))
        slot = self._slots.get(key)
        if slot is None:
            raise RuntimeError(f"diramp bug: output {path} was not declared before the work (REQ-OUTPUT)")
        if slot.state != "declared":
            raise RuntimeError(f"diramp bug: output {path} is written twice")
        final_mode = MODES[slot.kind]
        if mode is not None and mode & 0o077 == 0:
            final_mode = 0o600  # a writer asking for owner-only gets it, whatever the declared kind
        slot.state = "writing"
        self._create(slot, final_mode)
        f = os.fdopen(os.dup(slot.fd), "wb")
        try:
            yield _SlotFile(f, slot.path)
            try:
                f.flush()
                os.fsync(f.fileno())
            except OSError as exc:
                raise input_error(slot.path, exc) from None
        finally:
            f.close()
        slot.state = "written"

    def _create(self, slot: _Slot, mode: int) -> None:
        d = str(slot.path.parent)
        flag = _tmpfile_supported(d)
        fd = -1
        if flag is not None:
            try:
                fd = os.open(d, flag | os.O_RDWR | os.O_CLOEXEC, 0o600)
            except OSError as exc:
                if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
                    raise input_error(slot.path, exc) from None
                fd = -1
        if fd < 0:
            try:
                fd, name = tempfile.mkstemp(prefix=f".{slot.path.name[:100]}.", suffix=".tmp", dir=d)
            except OSError as exc:
                raise input_error(slot.path, exc) from None
            slot.tmp_name = name
        try:
            os.fchmod(fd, mode)  # before any byte: the umask plays no part (REQ-SECRET-FILES)
        except OSError as exc:
            os.close(fd)
            raise input_error(slot.path, exc) from None
        slot.fd = fd

    # ------------------------------------------------------------ publishing

    def _src(self, slot: _Slot) -> str:
        return slot.tmp_name if slot.tmp_name is not None else f"/proc/self/fd/{slot.fd}"

    def commit(self) -> None:
        """Publish every written output together (exclusive create, or replace with rollback under force)."""
        pending = [s for _, s in sorted(self._slots.items()) if s.state == "written"]
        unwritten = [s for s in self._slots.values() if s.state != "written"]
        for s in unwritten:
            if s.state == "writing":
                raise RuntimeError(f"diramp bug: output {s.path} is still being written at commit")
        created: list[_Slot] = []
        replaced: list[tuple[_Slot, str | None]] = []
        try:
            for s in pending:
                if not self.force:
                    try:
                        _link(self._src(s), s.path)
                    except FileExistsError:
                        raise InputError(str(s.path), "exists already (it appeared while the command ran)", "",
                                         "nothing was written; choose another path or pass --force") from None
                    created.append(s)
                else:
                    backup = None
                    if os.path.lexists(s.path):
                        backup = self._aside(s.path)
                    staged = self._stage(s)
                    try:
                        os.replace(staged, s.path)
                    except BaseException:
                        with contextlib.suppress(OSError):
                            os.unlink(staged)
                        if backup is not None:
                            with contextlib.suppress(OSError):
                                os.unlink(backup)
                        raise
                    replaced.append((s, backup))
        except OSError as exc:
            self._rollback(created, replaced)
            bad = next((s for s in pending if s not in created and all(s is not r for r, _ in replaced)), None)
            raise input_error(bad.path if bad else None, exc) from None
        except BaseException:
            self._rollback(created, replaced)
            raise
        for _, backup in replaced:
            if backup is not None:
                with contextlib.suppress(OSError):
                    os.unlink(backup)
        self.published = [(s.path, s.kind) for s in pending]
        PUBLISHED.extend(s.path for s in pending)
        self._fsync_dirs({s.path.parent for s in pending})
        self._close_all()

    def _aside(self, path: Path) -> str:
        for i in range(100):
            name = str(path.parent / f".{path.name[:100]}.diramp-old-{os.getpid()}-{i}")
            try:
                os.link(path, name, follow_symlinks=False)
                return name
            except FileExistsError:
                continue
        raise InputError(str(path), "cannot be replaced safely", "no free backup name", "remove stale backups")

    def _stage(self, s: _Slot) -> str:
        if s.tmp_name is not None:
            return s.tmp_name
        for i in range(100):
            name = str(s.path.parent / f".{s.path.name[:100]}.diramp-new-{os.getpid()}-{i}")
            try:
                _link(self._src(s), Path(name))
                return name
            except FileExistsError:
                continue
        raise InputError(str(s.path), "cannot be written safely", "no free temporary name", "")

    def _rollback(self, created: list[_Slot], replaced: list[tuple[_Slot, str | None]]) -> None:
        for s in created:
            with contextlib.suppress(OSError):
                if _same_inode(s.path, s.fd):
                    os.unlink(s.path)
        for s, backup in reversed(replaced):
            with contextlib.suppress(OSError):
                if backup is not None:
                    os.replace(backup, s.path)
                elif _same_inode(s.path, s.fd):
                    os.unlink(s.path)

    def _fsync_dirs(self, dirs: set[Path]) -> None:
        for d in dirs:
            with contextlib.suppress(OSError):
                fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)

    def _close_all(self) -> None:
        for s in self._slots.values():
            if s.fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(s.fd)
                s.fd = -1
            if s.tmp_name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(s.tmp_name)
                s.tmp_name = None

    def abort(self) -> None:
        """Discard every temporary file; remove directories this transaction created if they are empty."""
        self._close_all()
        for d in reversed(self._made_dirs):
            with contextlib.suppress(OSError):
                os.rmdir(d)

    # ------------------------------------------------------------ context

    def __enter__(self) -> Transaction:
        self._token = _ACTIVE.set(self)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None:
                try:
                    self.commit()
                except BaseException:
                    self.abort()
                    raise
            else:
                self.abort()
        finally:
            if self._token is not None:
                _ACTIVE.reset(self._token)
                self._token = None


def _link(src: str, target: Path) -> None:
    """link(2) ``src`` to ``target``, following the /proc/self/fd magic link of an O_TMPFILE file.

    ``os.link`` uses linkat(..., AT_SYMLINK_FOLLOW) only when a directory
    descriptor is given, so the target's directory is passed as one.
    """
    dfd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.link(src, target.name, dst_dir_fd=dfd, follow_symlinks=True)
    finally:
        os.close(dfd)


def _same_inode(path: Path, fd: int) -> bool:
    try:
        a, b = os.stat(path, follow_symlinks=False), os.fstat(fd)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino) and stat.S_ISREG(a.st_mode)


def active() -> Transaction | None:
    """The transaction of the running command, if any."""
    return _ACTIVE.get()


def declare(path: PathLike, kind: Kind, what: str = "output") -> Path:
    """Declare an output in the active transaction (library code that knows its file names); no-op outside one."""
    tx = _ACTIVE.get()
    return tx.output(path, kind, what) if tx is not None else Path(path)


def output_directory(path: PathLike, what: str = "output directory") -> Path:
    """A directory for outputs: through the active transaction (created if missing, removed on abort), else mkdir."""
    tx = _ACTIVE.get()
    if tx is not None:
        return tx.directory(path, what)
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InputError(str(path), f"is not a directory (the {what})", "", "choose a directory path")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise input_error(path, exc) from None
    return p


@contextlib.contextmanager
def detached() -> Iterator[None]:
    """Write outside the active transaction (caches, which may be replaced at any time)."""
    token = _ACTIVE.set(None)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def describe(published: Iterable[tuple[Path, str]]) -> list[str]:
    """One line per published output, saying who may read it (REQ-SECRET-FILES: the command says so)."""
    return [f"{p} (mode {'0600, owner only' if k == 'secret' else '0644, public'})" for p, k in published]
