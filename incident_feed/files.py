"""Reading a file a user named (a config file, a payload to import) without trusting it.

A name can point at a directory, a FIFO (opening it for reading blocks until a writer comes),
a device (``/dev/zero`` never ends) or a file far bigger than anything we would parse. The
file is checked with ``stat`` before it is opened, opened without blocking, checked again on
the open descriptor (it may have been swapped in between), and read up to a cap.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from incident_feed.errors import ConfigError

__all__ = ["check_regular_file", "read_regular_file"]


def check_regular_file(path: Path, limit: int) -> int:
    """The size of ``path`` when it is a regular file of at most ``limit`` bytes.

    Raises :class:`ConfigError` naming the path and the problem; never opens the file.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    _check(path, info, limit)
    return info.st_size


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` after :func:`check_regular_file`; at most ``limit`` are read."""
    check_regular_file(path, limit)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        _check(path, os.fstat(fd), limit)  # replaced between the stat and the open?
        try:
            body = handle.read(limit + 1)
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(body) > limit:
        raise ConfigError(f"{path}: grew past {limit:,} bytes while being read")
    return body


def _check(path: Path, info: os.stat_result, limit: int) -> None:
    mode = info.st_mode
    if not stat.S_ISREG(mode):
        raise ConfigError(f"{path}: is {_kind(mode)}, not a regular file")
    if info.st_size > limit:
        raise ConfigError(f"{path}: is {info.st_size:,} bytes, over the {limit:,}-byte limit")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"
