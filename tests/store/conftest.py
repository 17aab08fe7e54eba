"""Store fixtures: a throwaway PostgreSQL server on 127.0.0.1, a fresh database per test, and
``any_store``, which runs a test on SQLite and on PostgreSQL.

The PostgreSQL server is started from the binaries installed on this machine (Debian's
``/usr/lib/postgresql/<version>/bin`` or ``initdb``/``pg_ctl`` on PATH). Without them the
PostgreSQL tests are skipped, unless ``INCIDENT_FEED_REQUIRE_POSTGRES=1`` (CI), which makes a
missing server a failure. As root (initdb refuses root), the server runs as the ``postgres``
system user created by Debian's postgresql package.

The server's ``TimeZone`` is deliberately not UTC (America/Tijuana, a zone a real Statuspage
serves), so a test sees it if times came back in the session's zone instead of UTC.
"""

from __future__ import annotations

import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from incident_feed.normalize.drafts import IncidentDraft
from incident_feed.store.database import Store
from tests.store.helpers import history_drafts, history_ids

REQUIRE_POSTGRES = "INCIDENT_FEED_REQUIRE_POSTGRES"
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
    pytest.fail("running as root, and neither runuser nor setpriv exists to drop to postgres")


def _run(command: list[str], what: str, timeout: float = WAIT_SECONDS * 2) -> None:
    try:
        done = subprocess.run(
            _as_server_user(command), capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{what} took more than {timeout:.0f} s: {command}")
    if done.returncode != 0:
        pytest.fail(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def _admin_connect(server: PostgresServer) -> psycopg.Connection[Any]:
    return psycopg.connect(
        host=server.host,
        port=server.port,
        user=server.user,
        dbname="postgres",
        autocommit=True,
        connect_timeout=10,
    )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of our own, on 127.0.0.1 only, for the whole session."""
    binaries = find_postgres_binaries()
    if binaries is None:
        reason = "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin or initdb on PATH)"
        if os.environ.get(REQUIRE_POSTGRES) == "1":
            pytest.fail(f"{REQUIRE_POSTGRES}=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    initdb, pg_ctl = binaries
    base = Path(tempfile.mkdtemp(prefix="incident-feed-pg-"))
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam(SERVER_USER)
        except KeyError:
            shutil.rmtree(base, ignore_errors=True)
            pytest.fail(f"running as root and there is no {SERVER_USER!r} user to run the server")
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
                pytest.fail(f"pg_ctl start failed:\n{done.stdout}\n{done.stderr}\n{log}")
        else:
            pytest.fail("pg_ctl start: no free port after 3 attempts")
        server = PostgresServer("127.0.0.1", port, DB_USER, "incidents")
        with _admin_connect(server) as conn:
            conn.execute("CREATE DATABASE incidents")
        yield server
    finally:
        if (data / "postmaster.pid").exists():  # started, or half-started by a failed attempt
            command = [str(pg_ctl), "-D", str(data), "-m", "fast", "-w", "-t", str(WAIT_SECONDS)]
            _run([*command, "stop"], "pg_ctl stop")
        shutil.rmtree(base, ignore_errors=True)


_database_numbers = itertools.count(1)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A new, empty database on the session's server; dropped after the test."""
    name = f"incidents_t{next(_database_numbers)}"
    with _admin_connect(postgres_server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_server.url_for(name)
    with _admin_connect(postgres_server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a new, empty database: a SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'incidents.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def any_store(any_url: str) -> Iterator[Store]:
    """A migrated store on a new database, on each backend in turn."""
    store = Store.open(any_url)
    yield store
    store.close()


@pytest.fixture(scope="session")
def all_history_drafts() -> list[IncidentDraft]:
    """Drafts of all 1,282 GitHub incident files (parsed once per session)."""
    return history_drafts(history_ids())
