"""Crash-safe file publishing: write a temp file, fsync it, link it to its final name, fsync the folder.

`os.link` fails when the final name exists, so publishing never overwrites anyone's file, and an exclusive
create (`O_CREAT | O_EXCL`) claims a name for one writer among many processes. Both are atomic on local
POSIX file systems and on NFSv3+.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durable(path: Path, data: bytes) -> None:
    """Write `data` to `path` (a private temp name) and fsync it."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(tmp: Path, final: Path) -> bool:
    """Give the fsynced file `tmp` the name `final` unless that name exists; True when published."""
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(tmp, final)
    except FileExistsError:
        return False
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    fsync_dir(final.parent)
    return True


def claim(path: Path) -> bool:
    """Create the empty file `path` exclusively; True when this process now owns the name."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    os.close(fd)
    fsync_dir(path.parent)
    return True
