"""Phases, kinds and impacts, and the tables that store incidents and their update threads.

Every datetime stored is timezone-aware UTC (sqlmodel refuses naive values on bind).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = [
    "INCIDENT_PHASES",
    "MAINTENANCE_PHASES",
    "CollectionRun",
    "Impact",
    "Incident",
    "IncidentRecord",
    "IncidentUpdate",
    "Kind",
    "Phase",
    "SourceState",
    "phase_rank",
]


class Phase(StrEnum):
    """Where an incident (or a maintenance) stands."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    REMEDIATING = "remediating"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"


INCIDENT_PHASES: tuple[Phase, ...] = (
    Phase.INVESTIGATING,
    Phase.IDENTIFIED,
    Phase.REMEDIATING,
    Phase.MONITORING,
    Phase.RESOLVED,
)
MAINTENANCE_PHASES: tuple[Phase, ...] = (
    Phase.SCHEDULED,
    Phase.IN_PROGRESS,
    Phase.VERIFYING,
    Phase.COMPLETED,
)
FINAL_PHASES = frozenset({Phase.RESOLVED, Phase.COMPLETED})


def phase_rank(phase: Phase) -> int:
    """Position of a phase along its own progression (0 = first)."""
    if phase in INCIDENT_PHASES:
        return INCIDENT_PHASES.index(phase)
    return MAINTENANCE_PHASES.index(phase)


class Kind(StrEnum):
    INCIDENT = "incident"
    MAINTENANCE = "maintenance"


class Impact(StrEnum):
    """The vendor's own impact rating (Statuspage's scale; others map onto it)."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"
    MAINTENANCE = "maintenance"
    UNKNOWN = "unknown"


IMPACT_ORDER: tuple[Impact, ...] = (
    Impact.UNKNOWN,
    Impact.NONE,
    Impact.MAINTENANCE,
    Impact.MINOR,
    Impact.MAJOR,
    Impact.CRITICAL,
)


class SourceState(SQLModel, table=True):
    """A configured source and its health, as the last collection runs left it."""

    __tablename__ = "source"

    name: str = Field(primary_key=True)
    vendor: str
    kind: str
    url: str
    last_attempt_at: dt.datetime | None = None
    last_success_at: dt.datetime | None = None
    consecutive_failures: int = 0
    last_error: str | None = None
    last_error_at: dt.datetime | None = None
    retry_after_until: dt.datetime | None = None
    # Conditional-GET validators per fetched URL: {url: {"etag": ..., "last_modified": ...}}.
    validators: dict[str, dict[str, str]] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    # Paging position of sources that page by id (social timelines): ask only for what is new.
    cursor: str | None = None


class IncidentBase(SQLModel):
    """Fields an incident shares with its API form."""

    vendor: str = Field(index=True)
    kind: str
    title: str
    impact: str
    phase: str = Field(index=True)
    postmortem: bool = False
    started_at: dt.datetime = Field(index=True)
    resolved_at: dt.datetime | None = None
    updated_at: dt.datetime
    scheduled_for: dt.datetime | None = None
    scheduled_until: dt.datetime | None = None
    url: str | None = None


class Incident(IncidentBase, table=True):
    """One incident or maintenance, merged from every source record that describes it."""

    __tablename__ = "incident"

    id: str = Field(primary_key=True)
    components: list[dict[str, str | None]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    first_seen_at: dt.datetime
    fingerprint: str


class IncidentRecord(SQLModel, table=True):
    """A source's own record that an incident was built from."""

    __tablename__ = "incident_source"

    source_name: str = Field(primary_key=True)
    native_id: str = Field(primary_key=True)
    incident_id: str = Field(foreign_key="incident.id", index=True)
    source_kind: str
    url: str | None = None
    first_seen_at: dt.datetime


class UpdateBase(SQLModel):
    """Fields an update shares with its API form."""

    source_name: str
    native_id: str
    at: dt.datetime
    at_raw: str
    time_flags: str = ""
    phase: str
    label: str | None = None
    evidence: str
    text: str
    url: str | None = None


class IncidentUpdate(UpdateBase, table=True):
    """One entry of an incident's update thread, as one source published it."""

    __tablename__ = "incident_update"
    __table_args__ = (
        UniqueConstraint("source_name", "native_id", name="uq_update_source_native"),
        Index("ix_update_incident_at", "incident_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: str = Field(foreign_key="incident.id")
    components: list[dict[str, str | None]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    refs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    first_seen_at: dt.datetime
    content_hash: str
    # When the source was seen to have deleted the post/update; the row is kept, marked.
    deleted_at: dt.datetime | None = None


class IncidentLink(SQLModel, table=True):
    """A social thread joined to a status-page incident, or incidents grouped as one outage.

    ``kind`` is ``same`` (the thread announces that incident) or ``group`` (one outage published
    as several incidents). ``state`` is ``auto`` (the linker decided), ``manual`` (a user linked)
    or ``rejected`` (a user undid it: the linker never proposes it again).
    """

    __tablename__ = "incident_link"

    incident_id: str = Field(foreign_key="incident.id", primary_key=True)
    target_id: str = Field(foreign_key="incident.id", primary_key=True, index=True)
    kind: str
    confidence: float
    reason: str
    state: str = Field(default="auto")
    created_at: dt.datetime


class CollectionRun(SQLModel, table=True):
    """One collection or import run and what it changed."""

    __tablename__ = "collection_run"

    id: int | None = Field(default=None, primary_key=True)
    trigger: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    sources_ok: int = 0
    sources_failed: int = 0
    incidents_new: int = 0
    incidents_changed: int = 0
    updates_new: int = 0
    updates_changed: int = 0
    errors: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
