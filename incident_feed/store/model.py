"""The table models: sqlmodel classes over the Core tables of ``tables`` (the one schema).

Each class maps onto its table (``__table__``) and each field onto its column, so the columns,
types, indexes and defaults are written once, in ``tables``; a test checks the fields and the
columns agree. The read path uses the Core tables directly and never imports this module.

``__table__`` is set outside type checking: to mypy these remain SQLModel classes without a
declared ``__table__`` (as code written against sqlmodel expects); typed code that needs a table
takes it from ``tables``.

Every datetime stored is timezone-aware UTC (``tables.UTCDateTime`` refuses naive values).
The phases, kinds and impacts live in ``enums`` and are re-exported here.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlmodel import Field, SQLModel

from incident_feed.enums import (
    FINAL_PHASES,
    IMPACT_ORDER,
    INCIDENT_PHASES,
    MAINTENANCE_PHASES,
    Impact,
    Kind,
    Phase,
    phase_rank,
)
from incident_feed.store import tables

__all__ = [
    "FINAL_PHASES",
    "IMPACT_ORDER",
    "INCIDENT_PHASES",
    "MAINTENANCE_PHASES",
    "CollectionRun",
    "Impact",
    "Incident",
    "IncidentLink",
    "IncidentRecord",
    "IncidentUpdate",
    "Kind",
    "Phase",
    "SourceState",
    "phase_rank",
]


_source, _incident, _record = tables.SOURCE.c, tables.INCIDENT.c, tables.RECORD.c
_update, _link, _run = tables.UPDATE.c, tables.LINK.c, tables.RUN.c


class SourceState(SQLModel, table=True):
    """A configured source and its health, as the last collection runs left it."""

    if not TYPE_CHECKING:
        __table__ = tables.SOURCE

    name: str = Field(sa_column=_source.name)
    vendor: str = Field(sa_column=_source.vendor)
    kind: str = Field(sa_column=_source.kind)
    url: str = Field(sa_column=_source.url)
    last_attempt_at: dt.datetime | None = Field(default=None, sa_column=_source.last_attempt_at)
    last_success_at: dt.datetime | None = Field(default=None, sa_column=_source.last_success_at)
    consecutive_failures: int = Field(default=0, sa_column=_source.consecutive_failures)
    last_error: str | None = Field(default=None, sa_column=_source.last_error)
    last_error_at: dt.datetime | None = Field(default=None, sa_column=_source.last_error_at)
    retry_after_until: dt.datetime | None = Field(default=None, sa_column=_source.retry_after_until)
    validators: dict[str, dict[str, str]] = Field(
        default_factory=dict, sa_column=_source.validators
    )
    cursor: str | None = Field(default=None, sa_column=_source.cursor)


class IncidentBase(SQLModel):
    """Fields an incident shares with its API form."""

    vendor: str = Field(sa_column=_incident.vendor)
    kind: str = Field(sa_column=_incident.kind)
    title: str = Field(sa_column=_incident.title)
    impact: str = Field(sa_column=_incident.impact)
    phase: str = Field(sa_column=_incident.phase)
    postmortem: bool = Field(default=False, sa_column=_incident.postmortem)
    started_at: dt.datetime = Field(sa_column=_incident.started_at)
    resolved_at: dt.datetime | None = Field(default=None, sa_column=_incident.resolved_at)
    updated_at: dt.datetime = Field(sa_column=_incident.updated_at)
    scheduled_for: dt.datetime | None = Field(default=None, sa_column=_incident.scheduled_for)
    scheduled_until: dt.datetime | None = Field(default=None, sa_column=_incident.scheduled_until)
    url: str | None = Field(default=None, sa_column=_incident.url)


class Incident(IncidentBase, table=True):
    """One incident or maintenance, merged from every source record that describes it."""

    if not TYPE_CHECKING:
        __table__ = tables.INCIDENT

    id: str = Field(sa_column=_incident.id)
    components: list[dict[str, str | None]] = Field(
        default_factory=list, sa_column=_incident.components
    )
    first_seen_at: dt.datetime = Field(sa_column=_incident.first_seen_at)
    fingerprint: str = Field(sa_column=_incident.fingerprint)


class IncidentRecord(SQLModel, table=True):
    """A source's own record that an incident was built from."""

    if not TYPE_CHECKING:
        __table__ = tables.RECORD

    source_name: str = Field(sa_column=_record.source_name)
    native_id: str = Field(sa_column=_record.native_id)
    incident_id: str = Field(sa_column=_record.incident_id)
    source_kind: str = Field(sa_column=_record.source_kind)
    url: str | None = Field(default=None, sa_column=_record.url)
    first_seen_at: dt.datetime = Field(sa_column=_record.first_seen_at)


class UpdateBase(SQLModel):
    """Fields an update shares with its API form."""

    source_name: str = Field(sa_column=_update.source_name)
    native_id: str = Field(sa_column=_update.native_id)
    at: dt.datetime = Field(sa_column=_update.at)
    at_raw: str = Field(sa_column=_update.at_raw)
    time_flags: str = Field(default="", sa_column=_update.time_flags)
    phase: str = Field(sa_column=_update.phase)
    label: str | None = Field(default=None, sa_column=_update.label)
    evidence: str = Field(sa_column=_update.evidence)
    text: str = Field(sa_column=_update.text)
    url: str | None = Field(default=None, sa_column=_update.url)


class IncidentUpdate(UpdateBase, table=True):
    """One entry of an incident's update thread, as one source published it."""

    if not TYPE_CHECKING:
        __table__ = tables.UPDATE

    id: int | None = Field(default=None, sa_column=_update.id)
    incident_id: str = Field(sa_column=_update.incident_id)
    components: list[dict[str, str | None]] = Field(
        default_factory=list, sa_column=_update.components
    )
    refs: list[str] = Field(default_factory=list, sa_column=_update.refs)
    first_seen_at: dt.datetime = Field(sa_column=_update.first_seen_at)
    content_hash: str = Field(sa_column=_update.content_hash)
    deleted_at: dt.datetime | None = Field(default=None, sa_column=_update.deleted_at)


class IncidentLink(SQLModel, table=True):
    """A social thread joined to a status-page incident, or incidents grouped as one outage.

    ``kind`` is ``same`` (the thread announces that incident) or ``group`` (one outage published
    as several incidents). ``state`` is ``auto`` (the linker decided), ``manual`` (a user linked)
    or ``rejected`` (a user undid it: the linker never proposes it again).
    """

    if not TYPE_CHECKING:
        __table__ = tables.LINK

    incident_id: str = Field(sa_column=_link.incident_id)
    target_id: str = Field(sa_column=_link.target_id)
    kind: str = Field(sa_column=_link.kind)
    confidence: float = Field(sa_column=_link.confidence)
    reason: str = Field(sa_column=_link.reason)
    state: str = Field(default="auto", sa_column=_link.state)
    created_at: dt.datetime = Field(sa_column=_link.created_at)


class CollectionRun(SQLModel, table=True):
    """One collection or import run and what it changed."""

    if not TYPE_CHECKING:
        __table__ = tables.RUN

    id: int | None = Field(default=None, sa_column=_run.id)
    trigger: str = Field(sa_column=_run.trigger)
    started_at: dt.datetime = Field(sa_column=_run.started_at)
    finished_at: dt.datetime | None = Field(default=None, sa_column=_run.finished_at)
    sources_ok: int = Field(default=0, sa_column=_run.sources_ok)
    sources_failed: int = Field(default=0, sa_column=_run.sources_failed)
    incidents_new: int = Field(default=0, sa_column=_run.incidents_new)
    incidents_changed: int = Field(default=0, sa_column=_run.incidents_changed)
    updates_new: int = Field(default=0, sa_column=_run.updates_new)
    updates_changed: int = Field(default=0, sa_column=_run.updates_changed)
    errors: list[dict[str, str]] = Field(default_factory=list, sa_column=_run.errors)
