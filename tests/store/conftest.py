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
from collections.abc import Iterator
from pathlib import Path

import pytest

from incident_feed.normalize.drafts import IncidentDraft
from incident_feed.store.database import Store
from tests.store.helpers import history_drafts, history_ids
from tests.store.pg_server import (
    PostgresFailed,
    PostgresServer,
    PostgresUnavailable,
    admin_connect,
    running_postgres,
)

REQUIRE_POSTGRES = "INCIDENT_FEED_REQUIRE_POSTGRES"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of our own, on 127.0.0.1 only, for the whole session."""
    try:
        with running_postgres() as server:
            yield server
    except PostgresUnavailable as exc:
        if os.environ.get(REQUIRE_POSTGRES) == "1":
            pytest.fail(f"{REQUIRE_POSTGRES}=1 but {exc}", pytrace=False)
        pytest.skip(str(exc))
    except PostgresFailed as exc:
        pytest.fail(str(exc), pytrace=False)


_database_numbers = itertools.count(1)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A new, empty database on the session's server; dropped after the test."""
    name = f"incidents_t{next(_database_numbers)}"
    with admin_connect(postgres_server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_server.url_for(name)
    with admin_connect(postgres_server) as conn:
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
