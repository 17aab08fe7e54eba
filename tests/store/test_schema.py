"""Schema versions: new databases, older databases opened by this version, tables vs migrations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, select, text
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from incident_feed.errors import StoreError
from incident_feed.store import tables
from incident_feed.store.database import Store, create_store_engine
from incident_feed.store.schema import HEAD_REVISION, MIGRATIONS, current_revision, ensure_schema
from tests.store.helpers import API, FEED, NOW, counts, feed_drafts, history_drafts, history_ids

TABLES = ("source", "incident", "incident_source", "incident_update", "collection_run")


# Search objects made by raw SQL in migration 0002, which the table metadata cannot describe:
# SQLite FTS5 virtual tables (with their shadow tables) and a key table kept by triggers;
# PostgreSQL GIN expression indexes. Anything else the migrations make must be in `tables`.
SEARCH_TABLES = frozenset(
    {"incident_search_key"}
    | {
        f"{base}{suffix}"
        for base in ("incident_fts", "update_fts")
        for suffix in ("", "_data", "_idx", "_docsize", "_config", "_content")
    }
)
SEARCH_INDEXES = frozenset({"ix_incident_search", "ix_update_search"})


def _script_head() -> str:
    """The newest revision in incident_feed/migrations, as alembic reads it."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def _snapshot(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of the project's tables, read through the schema the database really has."""
    metadata = MetaData()
    metadata.reflect(engine, only=TABLES)
    out: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for name in TABLES:
            table = metadata.tables[name]
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).mappings()
            out[name] = [dict(row) for row in rows]
    return out


def _utc(value: Any) -> Any:
    """SQLite hands back naive UTC datetimes; PostgreSQL needs to be told they are UTC."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _copy_rows(source: Engine, target: Engine) -> None:
    """Copy the project's rows into an older schema, keeping the columns that schema has (the
    way that version of incident-feed would have written them)."""
    old = MetaData()
    old.reflect(target, only=TABLES)
    rows = _snapshot(source)
    with target.begin() as conn:
        for name in TABLES:
            table = old.tables[name]
            kept = [{k: _utc(v) for k, v in row.items() if k in table.c} for row in rows[name]]
            if kept:
                conn.execute(table.insert(), kept)
            if target.dialect.name == "postgresql" and name in (
                "incident_update",
                "collection_run",
            ):
                # Rows were written with their ids: move the serial past them.
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                         f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)")
                )  # fmt: skip


def test_new_database_records_the_head_revision(any_url: str) -> None:
    store = Store.open(any_url)
    try:
        assert current_revision(store.engine) == HEAD_REVISION
        with store.engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            assert list(versions) == [HEAD_REVISION]
    finally:
        store.close()
    # Opening it again is the fast path: still one row, still head.
    again = Store.open(any_url)
    try:
        assert current_revision(again.engine) == HEAD_REVISION
    finally:
        again.close()


def test_older_database_opens_without_losing_rows(any_url: str, tmp_path: Path) -> None:
    old = Store.open(f"sqlite:///{tmp_path / 'written-by-today.db'}")
    ids = history_ids()[:60]
    old.apply(*API, history_drafts(ids), NOW)
    old.apply(*FEED, feed_drafts(), NOW)
    source = {"name": API[0], "vendor": "GitHub", "kind": API[1], "url": "https://x.test"}
    old.record_source_result(source, now=NOW, error=None, validators={"u": {"etag": '"a"'}})
    run = old.start_run("collect", NOW)
    old.finish_run(run, {"finished_at": NOW, "sources_ok": 1, "updates_new": 3})
    before_counts = counts(old)
    assert before_counts["incident"] > 60
    engine = create_store_engine(any_url)
    ensure_schema(engine, target="0001")
    assert current_revision(engine) == "0001"
    _copy_rows(old.engine, engine)
    old.close()
    before = _snapshot(engine)
    engine.dispose()

    store = Store.open(any_url)
    try:
        assert current_revision(store.engine) == _script_head()
        after = _snapshot(store.engine)
        for name, rows in before.items():
            # Old columns keep their values; columns added since are empty.
            assert [{k: row[k] for k in row if k in rows[0]} for row in after[name]] == rows
        assert all(row["deleted_at"] is None for row in after["incident_update"])
        assert all(row["cursor"] is None for row in after["source"])
        # The migrated database goes on working: unchanged data writes nothing, new data lands.
        assert store.apply(*API, history_drafts(ids), NOW).rows_written == 0
        more = history_ids()[60:70]
        stats = store.apply(*API, history_drafts(more), NOW)
        assert stats.incidents_new == 10
        assert counts(store)["incident"] == before_counts["incident"] + 10
    finally:
        store.close()


def _project_metadata() -> MetaData:
    """Every table the project defines: ``incident_feed.store.tables``, the one schema."""
    return tables.metadata


def test_head_revision_is_the_migrations_head() -> None:
    # The fast path of ensure_schema (no alembic import) only works when these agree.
    assert HEAD_REVISION == _script_head()


def test_models_match_the_migrated_schema(any_store: Store) -> None:
    def include(obj: Any, name: str | None, type_: str, reflected: bool, _: Any) -> bool:
        if type_ == "table" and name in SEARCH_TABLES:
            return False
        return not (type_ == "index" and name in SEARCH_INDEXES)

    with any_store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_object": include,
            },
        )
        differences = compare_metadata(context, _project_metadata())
    assert differences == []
    assert set(TABLES) <= set(tables.metadata.tables)


def test_times_bind_only_when_aware_and_read_back_in_utc() -> None:
    """``tables.UTCDateTime`` binds only aware times and reads them back UTC-aware (PITFALLS.md)."""
    kind, dialect = tables.UTCDateTime(), sqlite_dialect()
    plus_two = dt.datetime(2026, 1, 1, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert kind.process_bind_param(plus_two, dialect) == dt.datetime(
        2026, 1, 1, 12, 0, tzinfo=dt.UTC
    )
    with pytest.raises(ValueError, match="naive"):
        kind.process_bind_param(dt.datetime(2026, 1, 1, 12, 0), dialect)
    read = kind.process_result_value(dt.datetime(2026, 1, 1, 12, 0), dialect)
    assert read is not None and read.tzinfo is dt.UTC


def test_database_from_a_newer_version_is_a_store_error(any_url: str) -> None:
    store = Store.open(any_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    with pytest.raises(StoreError, match="9999"):
        Store.open(any_url)


def test_a_database_another_process_is_creating_is_waited_for() -> None:
    """SQLite can answer "database is locked" to a newcomer while another process switches a new
    file to WAL or writes its first schema, whatever the busy timeout: that is retried."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from incident_feed.store.schema import _while_locked

    calls = []

    def step() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked"))
        return "done"

    assert _while_locked(step) == "done" and len(calls) == 3

    def broken() -> str:
        raise OperationalError("SELECT 1", {}, sqlite3.OperationalError("no such table: x"))

    with pytest.raises(OperationalError, match="no such table"):
        _while_locked(broken)
