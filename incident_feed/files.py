"""Files a user named: reading them without trusting them, writing them without surprises.

Reading (a config file, a payload to import): a name can point at a directory, a FIFO
(opening it for reading blocks until a writer comes), a device (``/dev/zero`` never ends) or a
file far bigger than anything we would parse. The file is checked with ``stat`` before it is
opened, opened without blocking, checked again on the open descriptor (it may have been
swapped in between), and read up to a cap.

Writing (``export -o``): see :func:`write_output`.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from incident_feed.errors import ConfigError, IncidentFeedError

__all__ = ["check_regular_file", "read_regular_file", "write_output"]


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


def write_output(path: Path, text: str) -> str:
    """Write ``text`` to ``path``; returns how ("replaced atomically", "written in place").

    A new path or a regular file is written atomically: a sibling temporary file renamed over
    it, so readers never see half a report (the file's permission bits are kept). Anything
    else that is not a directory (``/dev/null``, a device, a FIFO) is written in place, never
    replaced by a regular file. A symbolic link is refused (:class:`ConfigError`): replacing
    it would silently turn the link into a file, and following it would write somewhere the
    command line does not say; the message names the link's target to use instead.
    """
    try:
        info: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise IncidentFeedError(f"cannot write {path}: {exc.strerror or exc}") from None
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise ConfigError(
            f"{path} is a symbolic link (to {os.readlink(path)}); "
            "not replaced or followed: give the path of the file to write"
        )
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"{path} is a directory; give a file name")
    if info is not None and not stat.S_ISREG(info.st_mode):
        try:
            with open(path, "w", encoding="utf-8", newline="\n") as out:
                out.write(text)
        except OSError as exc:
            raise IncidentFeedError(f"cannot write {path}: {exc.strerror or exc}") from None
        return "written in place"
    folder = path.parent if str(path.parent) else Path(".")
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(temporary, stat.S_IMODE(info.st_mode) if info is not None else _new_file_mode())
        os.replace(temporary, path)
        temporary = None
    except OSError as exc:
        raise IncidentFeedError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
    return "replaced atomically" if info is not None else "written atomically"


def _new_file_mode() -> int:
    """What ``open(path, "w")`` would give a new file: 0o666 less the umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


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
