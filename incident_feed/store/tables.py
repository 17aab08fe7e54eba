"""The schema, defined once: SQLAlchemy Core tables.

The migrations must build the same schema (``tests/store/test_schema.py`` compares them).
Core alone, not the ORM: the read-only commands (``incidents --json``) import only this, which
keeps a cold start fast. Queries return plain rows mapped by these columns.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.types import Interval, TypeEngine

__all__ = [
    "INCIDENT",
    "LINK",
    "MEMBER",
    "NOTIFY_INCIDENT",
    "NOTIFY_META",
    "NOTIFY_OUTBOX",
    "OUTAGE",
    "RECORD",
    "RUN",
    "SET_ASIDE",
    "SOURCE",
    "UPDATE",
    "UTCDateTime",
    "metadata",
]

metadata = MetaData()


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Binds only timezone-aware datetimes (a naive one raises) and reads them back UTC-aware.

    SQLite keeps no offset: values are stored in UTC.
    """

    impl = DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def __repr__(self) -> str:
        return "UTCDateTime()"

    def coerce_compared_value(self, op: Any, value: Any) -> TypeEngine[Any]:
        if isinstance(value, dt.timedelta):
            return Interval()
        return self

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware UTC times")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _time(name: str, *, nullable: bool = True, index: bool = False) -> Column[dt.datetime]:
    return Column(name, UTCDateTime(), nullable=nullable, index=index)


def _text(name: str, *args: Any, nullable: bool = False, **kwargs: Any) -> Column[str]:
    return Column(name, String(), *args, nullable=nullable, **kwargs)


def _json(name: str) -> Column[Any]:
    return Column(name, JSON(), nullable=False)


SOURCE = Table(
    "source",
    metadata,
    _text("name", primary_key=True),
    _text("vendor"),
    _text("kind"),
    _text("url"),
    _time("last_attempt_at"),
    _time("last_success_at"),
    Column("consecutive_failures", Integer(), nullable=False, default=0),
    _text("last_error", nullable=True),
    _time("last_error_at"),
    _time("retry_after_until"),
    # Per fetched URL, what tells whether it changed: {url: {"etag": ..., "last_modified": ...,
    # "digest": <SHA-256 hex of the body>}}.
    _json("validators"),
    # Paging position of sources that page by id (social timelines): ask only for what is new.
    _text("cursor", nullable=True),
)
"""A configured source and its health, as the last collection runs left it."""


def _summary() -> list[Column[Any]]:
    """The columns an incident and an outage share: what a row of the listing shows."""
    return [
        _text("vendor", index=True),
        _text("kind"),
        _text("title"),
        _text("impact"),
        _text("phase", index=True),
        Column("postmortem", Boolean(), nullable=False, default=False),
        # Listing is newest first (`ORDER BY started_at DESC, id LIMIT n`): this index serves it.
        _time("started_at", nullable=False, index=True),
        _time("resolved_at"),
        _time("updated_at", nullable=False),
        _time("scheduled_for"),
        _time("scheduled_until"),
        _text("url", nullable=True),
        _json("components"),
    ]


INCIDENT = Table(
    "incident",
    metadata,
    _text("id", primary_key=True),
    *_summary(),
    _time("first_seen_at", nullable=False),
    _text("fingerprint"),
)
"""One incident or maintenance, merged from every source record that describes it."""

RECORD = Table(
    "incident_source",
    metadata,
    _text("source_name", primary_key=True),
    _text("native_id", primary_key=True),
    _text("incident_id", ForeignKey("incident.id"), index=True),
    _text("source_kind"),
    _text("url", nullable=True),
    _time("first_seen_at", nullable=False),
)
"""A source's own record that an incident was built from."""

UPDATE = Table(
    "incident_update",
    metadata,
    Column("id", Integer(), primary_key=True),
    _text("incident_id", ForeignKey("incident.id")),
    _text("source_name"),
    _text("native_id"),
    _time("at", nullable=False),
    _text("at_raw"),
    Column("time_flags", String(), nullable=False, default=""),
    _text("phase"),
    _text("label", nullable=True),
    _text("evidence"),
    _text("text"),
    _text("url", nullable=True),
    _json("components"),
    _json("refs"),
    _time("first_seen_at", nullable=False),
    _text("content_hash"),
    # When the source was seen to have deleted the post/update; the row is kept, marked.
    _time("deleted_at"),
    UniqueConstraint("source_name", "native_id", name="uq_update_source_native"),
    Index("ix_update_incident_at", "incident_id", "at"),
)
"""One entry of an incident's update thread, as one source published it."""

LINK = Table(
    "incident_link",
    metadata,
    _text("incident_id", ForeignKey("incident.id"), primary_key=True),
    _text("target_id", ForeignKey("incident.id"), primary_key=True, index=True),
    _text("kind"),
    Column("confidence", Float(), nullable=False),
    _text("reason"),
    Column("state", String(), nullable=False, default="auto"),
    _time("created_at", nullable=False),
)
"""A social thread joined to a status-page incident, or incidents grouped as one outage."""

OUTAGE = Table(
    "outage",
    metadata,
    # The id of its head member: the earliest status-page incident (a lone thread: itself).
    _text("id", primary_key=True),
    *_summary(),
    Column("members", Integer(), nullable=False, default=1),
)
"""One outage: the incidents joined by links (same event, or grouped), summarised by
:func:`incident_feed.decide.outages.summarize`. Derived: rebuilt from incidents and links."""

MEMBER = Table(
    "outage_member",
    metadata,
    _text("incident_id", ForeignKey("incident.id"), primary_key=True),
    _text("outage_id", ForeignKey("outage.id"), index=True),
)
"""Which outage each incident belongs to (every incident belongs to exactly one)."""

RUN = Table(
    "collection_run",
    metadata,
    Column("id", Integer(), primary_key=True),
    _text("trigger"),
    _time("started_at", nullable=False),
    _time("finished_at"),
    *(
        Column(name, Integer(), nullable=False, default=0)
        for name in (
            "sources_ok",
            "sources_failed",
            "incidents_new",
            "incidents_changed",
            "updates_new",
            "updates_changed",
        )
    ),
    _json("errors"),
)
"""One collection or import run and what it changed."""

SET_ASIDE = Table(
    "set_aside_post",
    metadata,
    _text("source_name", primary_key=True),
    _text("native_id", primary_key=True),
    _time("at", nullable=False),
    _text("text"),
    _text("url", nullable=True),
    _text("reason"),
    _text("phase", nullable=True),
    _text("evidence"),
    _time("first_seen_at", nullable=False),
    Index("ix_set_aside_post_source_at", "source_name", "at"),
)
"""A social post that is not an incident update (a repost, news, a brand account's post read
without confidence): kept to be shown on demand (``posts SOURCE``), never an incident."""

SOURCE_LEASE = Table(
    "source_lease",
    metadata,
    _text("source_name", primary_key=True),
    _time("due_at", nullable=False),
    _text("holder", nullable=True),
    _time("lease_until", nullable=True),
    _time("claimed_at", nullable=True),
    Index("ix_source_lease_due_at", "due_at"),
)
"""Per source: when it is next due, and which worker holds it until when (migration 0008).
Several ``watch`` processes on one PostgreSQL share the sources through these rows."""

# The notifier's state (migration 0003): per outage, the phase it last noted; and settings such
# as when the baseline was taken. Times here are ISO text, as that migration made them.
NOTIFY_INCIDENT = Table(
    "notify_incident",
    metadata,
    Column("incident_id", String(), primary_key=True),
    Column("phase", String(), nullable=False),
    Column("noted_at", String(), nullable=False),
    # Bumped with every phase noted (migration 0009): a notifier notes a transition only if the
    # row still has the seq it read (compare-and-set), so two notifiers never both notify it.
    Column("seq", Integer(), nullable=False, server_default="0"),
)
NOTIFY_META = Table(
    "notify_meta",
    metadata,
    Column("key", String(), primary_key=True),
    Column("value", String(), nullable=False),
)
# One row per notification to send (migration 0009): per target, channel, outage and noted
# transition (``seq``), inserted with the transition; claimed before each attempt.
NOTIFY_OUTBOX = Table(
    "notify_outbox",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    _text("target"),
    _text("channel"),
    _text("incident_id"),
    Column("seq", Integer(), nullable=False),
    _text("event"),
    _text("previous_phase", nullable=True),
    _text("phase"),
    _text("state"),  # pending | sending | sent | failed
    Column("attempts", Integer(), nullable=False),
    _time("created_at", nullable=False),
    _time("updated_at", nullable=False),
    _time("sent_at"),
    _text("last_error", nullable=True),
    UniqueConstraint("target", "channel", "incident_id", "seq", name="uq_notify_outbox_transition"),
    Index("ix_notify_outbox_state", "state", "updated_at"),
)


# A page's current state, as its summary document gave it at the last run that read it whole
# (migration 0006): one row per source, replaced each time.
PAGE_STATUS = Table(
    "page_status",
    metadata,
    _text("source_name", primary_key=True),
    _text("vendor", index=True),
    _time("fetched_at", nullable=False),
    _text("indicator"),
    _text("description"),
    _time("updated_at"),
    # [{"name", "state", "id", "group"}] in the page's order.
    _json("components"),
)
