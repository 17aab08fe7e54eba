"""Schema versions: the database records its alembic revision; an older one is migrated in place.

The fast path (already at head) reads one row and never imports alembic, so read-only commands
stay quick.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from incident_feed.errors import StoreError

HEAD_REVISION = "0009"
MIGRATIONS = Path(__file__).parent / "migrations"


OPEN_RETRY_SECONDS = 10.0
T = TypeVar("T")


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""

    def read() -> str | None:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            revision: str | None = conn.execute(
                text("SELECT version_num FROM alembic_version")
            ).scalar()
            return revision

    try:
        return _while_locked(read)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the database: {exc}") from None


def _while_locked(step: Callable[[], T]) -> T:
    """``step()``, again while a SQLite file another process is creating right now (switching it
    to WAL, writing its first schema) answers "database is locked" whatever the busy timeout;
    for up to :data:`OPEN_RETRY_SECONDS`."""
    deadline = time.monotonic() + OPEN_RETRY_SECONDS
    while True:
        try:
            return step()
        except OperationalError as exc:
            if "locked" not in str(exc.orig) or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def ensure_schema(engine: Engine, target: str = "head") -> None:
    """Create or migrate the schema to ``target``; never drops data."""
    if target == "head" and current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))

    def upgrade() -> None:
        with engine.connect().execution_options(incident_feed_write=True) as conn:
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    # Two processes opening a new shared database at once: one migrates.
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(1718437)")
                config.attributes["connection"] = conn
                command.upgrade(config, target)

    try:
        _while_locked(upgrade)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot migrate the database: {exc}") from None
    except CommandError as exc:
        # E.g. a database already migrated by a newer incident-feed: its revision is unknown here.
        raise StoreError(
            f"cannot migrate the database: {exc} (this incident-feed knows revisions up to"
            f" {HEAD_REVISION}; was the database created by a newer version?)"
        ) from None
