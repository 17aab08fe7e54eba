"""A throwaway PostgreSQL server on 127.0.0.1, started from the binaries on this machine: for
the store fixtures and the benchmarks (which run outside pytest).

The server's ``TimeZone`` is deliberately not UTC (America/Tijuana, a zone a real Statuspage
serves), so a test sees it if times came back in the session's zone instead of UTC. As root
(initdb refuses root), the server runs as the ``postgres`` system user.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg


class PostgresUnavailable(Exception):
    """No PostgreSQL server binaries on this machine."""


class PostgresFailed(Exception):
    """The server could not be set up or started."""


SERVER_USER = "postgres"  # the system user that runs the server when we are root
DB_USER = "incident_feed"  # the server's superuser (trust auth, 127.0.0.1 only)
SERVER_TIMEZONE = "America/Tijuana"
WAIT_SECONDS = 30


@dataclass(frozen=True, slots=True)
class PostgresServer:
    host: str
    port: int
    user: str
    database: str

    def url_for(self, database: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    @property
    def url(self) -> str:
        return self.url_for(self.database)


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path))


def find_postgres_binaries() -> tuple[Path, Path] | None:
    """``(initdb, pg_ctl)`` of the newest server installed, or None."""
    for initdb in sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: _version_key(p.parent.parent.name),
        reverse=True,
    ):
        pg_ctl = initdb.with_name("pg_ctl")
        if pg_ctl.exists() and initdb.with_name("postgres").exists():
            return initdb, pg_ctl
    initdb_path, pg_ctl_path = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb_path and pg_ctl_path:
        return Path(initdb_path), Path(pg_ctl_path)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    """``command`` run as the ``postgres`` system user when we are root."""
    if os.geteuid() != 0:
        return command
    if runuser := shutil.which("runuser"):
        return [runuser, "-u", SERVER_USER, "--", *command]
    if setpriv := shutil.which("setpriv"):
        return [
            setpriv,
            f"--reuid={SERVER_USER}",
            f"--regid={SERVER_USER}",
            "--init-groups",
            *command,
        ]
    raise PostgresFailed(
        "running as root, and neither runuser nor setpriv exists to drop to postgres"
    )


def _run(command: list[str], what: str, timeout: float = WAIT_SECONDS * 2) -> None:
    try:
        done = subprocess.run(
            _as_server_user(command), capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise PostgresFailed(f"{what} took more than {timeout:.0f} s: {command}") from None
    if done.returncode != 0:
        raise PostgresFailed(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def admin_connect(server: PostgresServer) -> psycopg.Connection[Any]:
    return psycopg.connect(
        host=server.host,
        port=server.port,
        user=server.user,
        dbname="postgres",
        autocommit=True,
        connect_timeout=10,
    )


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of our own, on 127.0.0.1 only, with an empty ``incidents``
    database; stopped and removed on exit."""
    binaries = find_postgres_binaries()
    if binaries is None:
        raise PostgresUnavailable(
            "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin or initdb on PATH)"
        )
    initdb, pg_ctl = binaries
    base = Path(tempfile.mkdtemp(prefix="incident-feed-pg-"))
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam(SERVER_USER)
        except KeyError:
            shutil.rmtree(base, ignore_errors=True)
            raise PostgresFailed(
                f"running as root and there is no {SERVER_USER!r} user to run the server"
            ) from None
        os.chown(base, account.pw_uid, account.pw_gid)
    data = base / "data"
    try:
        _run(
            [str(initdb), "-D", str(data), "-A", "trust", "-U", DB_USER]
            + ["-E", "UTF8", "--no-locale", "--no-sync"],
            "initdb",
        )
        for _attempt in range(3):  # another process may take the free port before we bind it
            port = _free_port()
            options = " ".join(
                [
                    "-c listen_addresses=127.0.0.1",
                    f"-c port={port}",
                    f"-c unix_socket_directories='{base}'",  # pg_ctl hands -o to a shell
                    f"-c timezone={SERVER_TIMEZONE}",
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                ]
            )
            command = [str(pg_ctl), "-D", str(data), "-l", str(base / "server.log"), "-w"]
            command += ["-t", str(WAIT_SECONDS), "-o", options, "start"]
            done = subprocess.run(
                _as_server_user(command),
                capture_output=True,
                text=True,
                timeout=WAIT_SECONDS * 2,
                check=False,
            )
            if done.returncode == 0:
                break
            log = (base / "server.log").read_text(errors="replace")
            (base / "server.log").unlink()
            if "could not bind" not in log and "already in use" not in log:
                raise PostgresFailed(f"pg_ctl start failed:\n{done.stdout}\n{done.stderr}\n{log}")
        else:
            raise PostgresFailed("pg_ctl start: no free port after 3 attempts")
        server = PostgresServer("127.0.0.1", port, DB_USER, "incidents")
        with admin_connect(server) as conn:
            conn.execute("CREATE DATABASE incidents")
        yield server
    finally:
        if (data / "postmaster.pid").exists():  # started, or half-started by a failed attempt
            command = [str(pg_ctl), "-D", str(data), "-m", "fast", "-w", "-t", str(WAIT_SECONDS)]
            _run([*command, "stop"], "pg_ctl stop")
        shutil.rmtree(base, ignore_errors=True)
