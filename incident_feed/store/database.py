"""The only module that opens database connections.

SQLite by default (WAL, a busy timeout, write transactions that take the write lock up front
with ``BEGIN IMMEDIATE``); PostgreSQL for teams sharing one database (writers serialised by a
transaction-level advisory lock). Writes are batched upserts, one transaction per source.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    select,
    update,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from incident_feed.enums import FINAL_PHASES
from incident_feed.errors import StoreError
from incident_feed.redact import redact_url, redact_urls
from incident_feed.store.bulk import execute_many

# Core tables only: the read path (`incidents`, `show`, `sources`) must not import
# pydantic or the ORM (tests/test_cli.py checks). Writes import the merge logic when they run.
from incident_feed.store.tables import INCIDENT, LINK, RECORD, RUN, SOURCE, UPDATE

if TYPE_CHECKING:
    from incident_feed.normalize.drafts import IncidentDraft, Seen

__all__ = [
    "INCIDENT",
    "LINK",
    "RECORD",
    "RUN",
    "SOURCE",
    "UPDATE",
    "ApplyStats",
    "IncidentQuery",
    "MissingDatabase",
    "Store",
    "create_store_engine",
    "normalize_database_url",
    "sqlite_path",
]

_CHUNK = 1000  # keys per IN list, rows per statement: a batch of drafts reads each table at once
_SURROGATE = re.compile("[\ud800-\udfff]")  # cannot be encoded, so cannot be stored
_WRITE_LOCK_KEY = 0x1F1D_F33D  # PostgreSQL advisory lock id for incident-feed writers
BUSY_TIMEOUT_MS = 10_000
KEEP_RUNS = 1000  # collection_run rows kept


@dataclass(slots=True)
class ApplyStats:
    """What one batch of drafts changed."""

    incidents_new: int = 0
    incidents_changed: int = 0
    updates_new: int = 0
    updates_changed: int = 0
    changed_ids: list[str] = field(default_factory=list)

    @property
    def rows_written(self) -> int:
        return self.incidents_new + self.incidents_changed + self.updates_new + self.updates_changed

    def add(self, other: ApplyStats) -> None:
        self.incidents_new += other.incidents_new
        self.incidents_changed += other.incidents_changed
        self.updates_new += other.updates_new
        self.updates_changed += other.updates_changed
        self.changed_ids += other.changed_ids


@dataclass(frozen=True, slots=True)
class IncidentQuery:
    """Which incident *records* to read (tests, tools, the empty-listing message). The views
    list outages through the one filter and search, :class:`incident_feed.store.queries.
    IncidentFilter`; this one has no free text on purpose."""

    vendors: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    active_only: bool = False
    limit: int | None = 50
    ids: tuple[str, ...] = ()


def normalize_database_url(url: str) -> URL:
    """``postgresql://`` -> the psycopg 3 driver; a bare path -> SQLite, taken literally.

    A path is never parsed as a URL: ``we?ird.db`` is a file of that name, not ``we`` with a
    query string.
    """
    if "://" not in url:
        return URL.create("sqlite", database=str(Path(url).expanduser()))
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"not a database URL: {url!r}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def sqlite_path(url: URL) -> Path | None:
    """The file a SQLite URL names; None for other databases and in-memory ones."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).expanduser()


class MissingDatabase(StoreError):
    """A read command named a SQLite database that does not exist (nothing was created)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no database at {path}; run `incident-feed collect` or `make demo` first")
        self.path = path


class Store:
    """Incidents, their updates and sources' health, in one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    @classmethod
    def open(cls, url: str, *, migrate: bool = True, create: bool = True) -> Store:
        """Open (creating and migrating as needed) the database at ``url``.

        With ``create=False`` (the read commands) a SQLite file that does not exist is
        :class:`MissingDatabase`, and neither the file nor its directory is created.
        """
        engine = create_store_engine(url, create=create)
        store = cls(engine)
        if migrate:
            from incident_feed.store.schema import ensure_schema

            ensure_schema(engine)
        return store

    def close(self) -> None:
        self.engine.dispose()

    # -- transactions -------------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction holding the database's write lock from its first statement."""
        try:
            with self.engine.connect().execution_options(incident_feed_write=True) as conn:
                with conn.begin():
                    if self.dialect == "postgresql":
                        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_WRITE_LOCK_KEY})")
                    yield conn
        except OperationalError as exc:
            raise StoreError(f"database write failed: {exc.orig}") from None

    @contextmanager
    def read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn, conn.begin():
                yield conn
        except OperationalError as exc:
            raise StoreError(f"database read failed: {exc.orig}") from None

    # -- writes -------------------------------------------------------------------------------

    def apply(
        self,
        source_name: str,
        source_kind: str,
        drafts: Sequence[IncidentDraft],
        now: dt.datetime,
        *,
        also: Callable[[Connection], None] | None = None,
    ) -> ApplyStats:
        """Store one source's drafts in one transaction; unchanged data writes nothing.
        ``also`` writes more in the same transaction, after the drafts (a collection's page
        state), so both are stored or neither."""
        from incident_feed.decide.merge import incident_id_for, plan_incident
        from incident_feed.store.outages import refresh_outages

        stats = ApplyStats()
        if not drafts:
            if also is not None:
                with self.write() as conn:
                    also(conn)
            return stats
        with self.write() as conn:
            known = self._record_map(conn, source_name, [d.native_id for d in drafts])
            groups: dict[str, list[IncidentDraft]] = defaultdict(list)
            for draft in drafts:
                incident_id = known.get(draft.native_id) or incident_id_for(draft.vendor, draft.key)
                groups[incident_id].append(draft)
            ids = list(groups)
            incidents = {row["id"]: row for row in self._rows(conn, INCIDENT, INCIDENT.c.id, ids)}
            updates: dict[str, list[Mapping[Any, Any]]] = defaultdict(list)
            for row in self._rows(conn, UPDATE, UPDATE.c.incident_id, ids):
                updates[row["incident_id"]].append(row)
            records: dict[str, set[str]] = defaultdict(set)
            for row in self._rows(conn, RECORD, RECORD.c.incident_id, ids):
                if row["source_name"] == source_name:
                    records[row["incident_id"]].add(row["native_id"])
            incident_rows, new_updates, changed_updates, new_records = [], [], [], []
            for incident_id, group in groups.items():
                plan = plan_incident(
                    incident_id,
                    group,
                    incidents.get(incident_id),
                    updates.get(incident_id, []),
                    records.get(incident_id, set()),
                    source_name=source_name,
                    source_kind=source_kind,
                    now=now,
                )
                if plan.incident is not None:
                    incident_rows.append(plan.incident)
                    if plan.is_new:
                        stats.incidents_new += 1
                    else:
                        stats.incidents_changed += 1
                    stats.changed_ids.append(incident_id)
                elif plan.new_updates or plan.changed_updates:
                    stats.changed_ids.append(incident_id)
                new_updates += plan.new_updates
                changed_updates += plan.changed_updates
                new_records += plan.new_records
            # Parents first: updates and records reference the incident row.
            self._upsert(conn, INCIDENT, incident_rows, ["id"])
            self._upsert(conn, UPDATE, new_updates, ["source_name", "native_id"])
            if changed_updates:
                self._update_rows(conn, changed_updates)
            self._insert_ignore(conn, RECORD, new_records, ["source_name", "native_id"])
            touched = {*stats.changed_ids, *(r["incident_id"] for r in new_records)}
            refresh_outages(conn, touched, {row["id"]: row for row in incident_rows})
            if also is not None:
                also(conn)
            stats.updates_new += len(new_updates)
            stats.updates_changed += len(changed_updates)
        return stats

    def record_source_result(
        self,
        source: Mapping[Any, Any],
        *,
        now: dt.datetime,
        error: str | None,
        warning: str | None = None,
        validators: Mapping[str, Mapping[str, str]] | None = None,
        retry_after_until: dt.datetime | None = None,
        cursor: str | None = None,
        also: Callable[[Connection, Mapping[str, Any]], None] | None = None,
    ) -> Mapping[str, Any]:
        """Remember one source's attempt: success resets its failure count, failure bumps it.
        A ``cursor`` (social sources' paging position) replaces the stored one; None keeps it.
        The URL and the messages are stored redacted and cleaned (they may quote a secret or a
        value a payload carried). ``also`` writes more in the same transaction, given the
        values stored (the schedule's next due time). Returns the values stored."""
        error = _message(error)
        warning = _message(warning)
        with self.write() as conn:
            row = (
                conn.execute(select(SOURCE).where(SOURCE.c.name == source["name"]))
                .mappings()
                .first()
            )
            merged_validators = dict(row["validators"]) if row else {}
            if validators:
                merged_validators.update(validators)
            values: dict[str, Any] = {
                "name": source["name"],
                "vendor": source["vendor"],
                "kind": source["kind"],
                "url": redact_url(source["url"]),
                "last_attempt_at": now,
                "validators": merged_validators,
                "retry_after_until": retry_after_until,
            }
            if cursor is not None:
                values["cursor"] = cursor
            if error is None:
                values |= {"last_success_at": now, "consecutive_failures": 0}
                if warning:
                    values |= {"last_error": f"warning: {warning}"[:2000], "last_error_at": now}
            else:
                failures = (row["consecutive_failures"] if row else 0) + 1
                values |= {
                    "consecutive_failures": failures,
                    "last_error": error[:2000],
                    "last_error_at": now,
                    "last_success_at": row["last_success_at"] if row else None,
                }
            if row is None:
                values.setdefault("consecutive_failures", 0)
                conn.execute(SOURCE.insert().values(**values))
            else:
                conn.execute(update(SOURCE).where(SOURCE.c.name == source["name"]).values(**values))
            if also is not None:
                also(conn, values)
        return values

    def mark_deleted(self, source_name: str, seen: Seen, now: dt.datetime) -> int:
        """Mark deleted the source's updates timed within ``seen``'s span but not listed in it
        (the post was deleted upstream), and unmark listed ones (seen again). Rows are kept.
        Returns how many were newly marked."""
        listed = sorted(seen.native_ids)
        source = UPDATE.c.source_name == source_name
        with self.write() as conn:
            back: list[int] = []
            for start in range(0, len(listed), _CHUNK):
                chunk = listed[start : start + _CHUNK]
                marked = UPDATE.c.deleted_at.is_not(None)
                statement = select(UPDATE.c.id).where(source, UPDATE.c.native_id.in_(chunk), marked)
                found = list(conn.execute(statement).scalars())
                if found:
                    back += found
                    conn.execute(
                        update(UPDATE).where(UPDATE.c.id.in_(found)).values(deleted_at=None)
                    )
            gone = [
                row.id
                for row in conn.execute(
                    select(UPDATE.c.id, UPDATE.c.native_id).where(
                        source, UPDATE.c.at >= seen.since, UPDATE.c.deleted_at.is_(None)
                    )
                )
                if row.native_id not in seen.native_ids
            ]
            for start in range(0, len(gone), _CHUNK):
                conn.execute(
                    update(UPDATE)
                    .where(UPDATE.c.id.in_(gone[start : start + _CHUNK]))
                    .values(deleted_at=now)
                )
            self._resummarize(conn, [*gone, *back], now)
        return len(gone)

    def _resummarize(self, conn: Connection, update_ids: list[int], now: dt.datetime) -> None:
        """Bring the incidents of these updates up to date with which of them are deleted."""
        from incident_feed.decide.merge import resummarize
        from incident_feed.store.outages import refresh_outages

        affected: set[str] = set()
        for start in range(0, len(update_ids), _CHUNK):
            chunk = update_ids[start : start + _CHUNK]
            statement = select(UPDATE.c.incident_id).where(UPDATE.c.id.in_(chunk))
            affected.update(conn.execute(statement).scalars())
        ids = sorted(affected)
        updates: dict[str, list[Mapping[Any, Any]]] = defaultdict(list)
        for row in self._rows(conn, UPDATE, UPDATE.c.incident_id, ids):
            updates[row["incident_id"]].append(row)
        rows = []
        for incident in self._rows(conn, INCIDENT, INCIDENT.c.id, ids):
            summary = resummarize(incident, updates[incident["id"]], now)
            if summary is not None:
                rows.append(summary)
        self._upsert(conn, INCIDENT, rows, ["id"])
        refresh_outages(conn, [row["id"] for row in rows])

    def start_run(self, trigger: str, now: dt.datetime) -> int:
        """Record a run's start; only the latest :data:`KEEP_RUNS` runs are kept (a watcher
        adds one every cycle, forever)."""
        with self.write() as conn:
            result = conn.execute(RUN.insert().values(trigger=trigger, started_at=now, errors=[]))
            key = result.inserted_primary_key
            assert key is not None
            run_id = int(key[0])
            conn.execute(delete(RUN).where(RUN.c.id <= run_id - KEEP_RUNS))
            return run_id

    def finish_run(self, run_id: int, values: Mapping[Any, Any]) -> None:
        with self.write() as conn:
            conn.execute(update(RUN).where(RUN.c.id == run_id).values(**values))

    # -- reads --------------------------------------------------------------------------------

    def source_states(self, names: Sequence[str] | None = None) -> dict[str, Mapping[Any, Any]]:
        """Each source's stored state (every source's, or those ``names``)."""
        with self.read() as conn:
            if names is None:
                rows = conn.execute(select(SOURCE)).mappings()
                return {row["name"]: row for row in rows}
            out: dict[str, Mapping[Any, Any]] = {}
            for start in range(0, len(names), _CHUNK):
                chunk = list(names[start : start + _CHUNK])
                rows = conn.execute(select(SOURCE).where(SOURCE.c.name.in_(chunk))).mappings()
                out.update({row["name"]: row for row in rows})
            return out

    def incidents(self, query: IncidentQuery) -> list[Mapping[Any, Any]]:
        """Incidents matching ``query``, newest first."""
        statement = select(INCIDENT)
        conditions: list[ColumnElement[bool]] = []
        if query.ids:
            conditions.append(INCIDENT.c.id.in_(query.ids))
        if query.vendors:
            conditions.append(func.lower(INCIDENT.c.vendor).in_([v.lower() for v in query.vendors]))
        if query.phases:
            conditions.append(INCIDENT.c.phase.in_(query.phases))
        if query.kinds:
            conditions.append(INCIDENT.c.kind.in_(query.kinds))
        if query.active_only:
            conditions.append(INCIDENT.c.phase.not_in([p.value for p in FINAL_PHASES]))
        if query.since is not None:
            conditions.append(INCIDENT.c.started_at >= query.since)
        if query.until is not None:
            conditions.append(INCIDENT.c.started_at < query.until)
        if conditions:
            statement = statement.where(and_(*conditions))
        statement = statement.order_by(INCIDENT.c.started_at.desc(), INCIDENT.c.id)
        if query.limit is not None:
            statement = statement.limit(query.limit)
        with self.read() as conn:
            return list(conn.execute(statement).mappings())

    def updates_for(self, ids: Sequence[str]) -> dict[str, list[Mapping[Any, Any]]]:
        """Each incident's updates in time order."""
        out: dict[str, list[Mapping[Any, Any]]] = defaultdict(list)
        with self.read() as conn:
            rows = self._rows(conn, UPDATE, UPDATE.c.incident_id, list(ids))
        for row in sorted(rows, key=lambda r: (r["at"], r["id"])):
            out[row["incident_id"]].append(row)
        return out

    def records_for(self, ids: Sequence[str]) -> dict[str, list[Mapping[Any, Any]]]:
        """The source records each incident was built from."""
        out: dict[str, list[Mapping[Any, Any]]] = defaultdict(list)
        with self.read() as conn:
            rows = self._rows(conn, RECORD, RECORD.c.incident_id, list(ids))
        for row in sorted(rows, key=lambda r: (r["first_seen_at"], r["source_name"])):
            out[row["incident_id"]].append(row)
        return out

    def count(self, table: str) -> int:
        tables = {"incident": INCIDENT, "update": UPDATE, "record": RECORD, "run": RUN}
        with self.read() as conn:
            return int(conn.execute(select(func.count()).select_from(tables[table])).scalar_one())

    def last_runs(self, limit: int = 10) -> list[Mapping[Any, Any]]:
        with self.read() as conn:
            statement = select(RUN).order_by(RUN.c.id.desc()).limit(limit)
            return list(conn.execute(statement).mappings())

    # -- helpers ------------------------------------------------------------------------------

    def _record_map(self, conn: Connection, source_name: str, natives: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for start in range(0, len(natives), _CHUNK):
            chunk = natives[start : start + _CHUNK]
            statement = select(RECORD.c.native_id, RECORD.c.incident_id).where(
                RECORD.c.source_name == source_name, RECORD.c.native_id.in_(chunk)
            )
            out.update({row.native_id: row.incident_id for row in conn.execute(statement)})
        return out

    @staticmethod
    def _rows(
        conn: Connection, table: Any, column: Any, keys: list[str]
    ) -> list[Mapping[Any, Any]]:
        rows: list[Mapping[Any, Any]] = []
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            rows += conn.execute(select(table).where(column.in_(chunk))).mappings().all()
        return rows

    def _insert(self, table: Any) -> Any:
        if self.dialect == "postgresql":
            from sqlalchemy.dialects import postgresql

            return postgresql.insert(table)
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)

    def _upsert(
        self, conn: Connection, table: Any, rows: list[dict[str, Any]], keys: list[str]
    ) -> None:
        if not rows:
            return
        statement = self._insert(table)
        columns = {c.name for c in table.columns} - set(keys) - {"id"}
        statement = statement.on_conflict_do_update(
            index_elements=keys,
            set_={name: statement.excluded[name] for name in columns if name in rows[0]},
        )
        for start in range(0, len(rows), _CHUNK):
            execute_many(conn, statement, rows[start : start + _CHUNK])

    def _insert_ignore(
        self, conn: Connection, table: Any, rows: list[dict[str, Any]], keys: list[str]
    ) -> None:
        if not rows:
            return
        statement = self._insert(table).on_conflict_do_nothing(index_elements=keys)
        for start in range(0, len(rows), _CHUNK):
            execute_many(conn, statement, rows[start : start + _CHUNK])

    @staticmethod
    def _update_rows(conn: Connection, rows: list[dict[str, Any]]) -> None:
        columns = [k for k in rows[0] if k not in ("id", "incident_id", "source_name", "native_id")]
        statement = (
            update(UPDATE)
            .where(UPDATE.c.id == bindparam("row_id"))
            .values({name: bindparam(f"v_{name}") for name in columns})
        )
        conn.execute(
            statement,
            [{"row_id": row["id"], **{f"v_{k}": row[k] for k in columns}} for row in rows],
        )


def create_store_engine(url: str, *, create: bool = True) -> Engine:
    """An engine with the project's SQLite settings (or plain PostgreSQL).

    ``create=False``: a SQLite file that does not exist is :class:`MissingDatabase` (nothing is
    created); PostgreSQL is unaffected.
    """
    parsed = normalize_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(parsed)
        if path is not None and not create and not path.exists():
            raise MissingDatabase(path)
        if path is not None and create:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create {path.parent}: {exc.strerror or exc}") from None
        try:
            engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open {url}: {exc}") from None
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise StoreError(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql"
        )
    return create_engine(parsed, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred-only).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A deferred transaction that reads and then writes fails with "database is locked" when
        # another writer committed in between, whatever the busy timeout: take the lock up front.
        immediate = conn.get_execution_options().get("incident_feed_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _message(text: str | None) -> str | None:
    """An error or warning as stored: URLs redacted, and storable on both backends (no NUL, no
    lone surrogate); other controls are left for the views, which show or strip them."""
    if text is None:
        return None
    return _SURROGATE.sub("\ufffd", redact_urls(text).replace("\x00", ""))
