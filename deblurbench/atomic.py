"""Files written whole or not at all: write to a temporary file beside the target, then rename.

A run killed while it writes (kill -9, a full disk) leaves the previous file or none, never a
truncated one that a resumed run would take for finished work. The temporary name keeps the
target's suffix, so that writers choosing a format by suffix (Pillow, matplotlib) still do.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed over ``path`` when the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_once(path.parent.resolve())
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:  # name the file being written, not its hidden temporary
        if exc.filename is None or Path(exc.filename) != tmp:
            raise
        raise type(exc)(exc.errno, exc.strerror, str(path)) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


_TEMPORARY = re.compile(r"^\..+\.(\d+)\.tmp(\.[^.]*)?$")  # what atomic_path names: .STEM.PID.tmp.SUFFIX


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


_STALE_S = 60.0  # a temporary untouched this long whose process is gone here (not one of another host's)


@functools.cache
def _remove_stale_once(folder: Path) -> None:
    """:func:`remove_stale` once per folder per process: the first write there cleans up."""
    remove_stale(folder)


def remove_stale(folder: Path) -> list[Path]:
    """Remove the temporaries of ``folder`` left by processes that are gone (a kill -9 mid-write)."""
    removed = []
    try:
        names = [entry.name for entry in os.scandir(folder) if entry.name.startswith(".")]
    except OSError:
        return removed
    for name in names:
        match = _TEMPORARY.match(name)
        if match and int(match.group(1)) != os.getpid() and not _alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                if time.time() - (folder / name).lstat().st_mtime < _STALE_S:
                    continue
                (folder / name).unlink()
                removed.append(folder / name)
    return removed


def write_text(path: str | Path, text: str) -> Path:
    """``path.write_text(text)`` (UTF-8), atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
