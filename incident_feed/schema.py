"""Schema versions: the database records its alembic revision; an older one is migrated in place.

The fast path (already at head) reads one row and never imports alembic, so read-only commands
stay quick.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from incident_feed.errors import StoreError

HEAD_REVISION = "0004"
MIGRATIONS = Path(__file__).parent / "migrations"


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the database: {exc}") from None


def ensure_schema(engine: Engine, target: str = "head") -> None:
    """Create or migrate the schema to ``target``; never drops data."""
    if target == "head" and current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.connect().execution_options(incident_feed_write=True) as conn:
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    # Two processes opening a new shared database at once: one migrates.
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(1718437)")
                config.attributes["connection"] = conn
                command.upgrade(config, target)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot migrate the database: {exc}") from None
    except CommandError as exc:
        # E.g. a database already migrated by a newer incident-feed: its revision is unknown here.
        raise StoreError(
            f"cannot migrate the database: {exc} (this incident-feed knows revisions up to"
            f" {HEAD_REVISION}; was the database created by a newer version?)"
        ) from None
