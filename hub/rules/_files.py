"""Crash- and race-safe file primitives for the file-backed profile registry.

Two processes may write one state directory at once (an officer's
``hub profiles activate`` while a sync job imports edited files), so every
write happens under one exclusive ``fcntl`` lock; whole files appear by
``os.replace`` or ``os.link`` after ``fsync``, so a reader never sees half a
file; logs only ever grow by whole lines, and a reader ignores a last line
still being written.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["append_line", "exclusive", "read_lines", "write_atomic", "write_new"]


@contextlib.contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    """Hold the directory's write lock; other writers, in any process, wait."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _temporary(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` as one step: readers see the old or the new file."""
    temporary = _temporary(path, data)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


def write_new(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data``; ``FileExistsError`` if it exists, never overwrite.

    Immutable records (a profile version) are written this way, so even a bug
    in the locking could not replace a version that findings already cite.
    """
    temporary = _temporary(path, data)
    try:
        os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _sync_directory(path.parent)


def append_line(path: Path, line: str) -> None:
    """Append one line and flush it to disk before returning (call under the lock)."""
    if "\n" in line:
        raise ValueError("a log line cannot contain a newline")
    data = (line + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        _drop_torn_tail(fd)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _drop_torn_tail(fd: int) -> None:
    """Cut a last line a crashed writer left without its newline: it was never committed."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return
    content = os.pread(fd, size, 0)
    os.ftruncate(fd, content.rfind(b"\n") + 1)


def read_lines(path: Path) -> list[str]:
    """The complete lines of a log; a last line without its newline is still being written."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return []
    lines = text.split("\n")
    return [line for line in lines[:-1] if line]
