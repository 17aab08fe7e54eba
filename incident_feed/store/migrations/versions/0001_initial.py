"""Initial schema: sources, incidents, their source records and updates, collection runs.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "source",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("vendor", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        _time("last_attempt_at"),
        _time("last_success_at"),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        _time("last_error_at"),
        _time("retry_after_until"),
        sa.Column("validators", sa.JSON(), nullable=False),
    )
    op.create_table(
        "incident",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("vendor", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("impact", sa.String(), nullable=False),
        sa.Column("phase", sa.String(), nullable=False),
        sa.Column("postmortem", sa.Boolean(), nullable=False),
        _time("started_at", nullable=False),
        _time("resolved_at"),
        _time("updated_at", nullable=False),
        _time("scheduled_for"),
        _time("scheduled_until"),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("components", sa.JSON(), nullable=False),
        _time("first_seen_at", nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
    )
    op.create_index("ix_incident_vendor", "incident", ["vendor"])
    op.create_index("ix_incident_phase", "incident", ["phase"])
    op.create_index("ix_incident_started_at", "incident", ["started_at"])
    op.create_table(
        "incident_source",
        sa.Column("source_name", sa.String(), primary_key=True),
        sa.Column("native_id", sa.String(), primary_key=True),
        sa.Column("incident_id", sa.String(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("source_kind", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=True),
        _time("first_seen_at", nullable=False),
    )
    op.create_index("ix_incident_source_incident_id", "incident_source", ["incident_id"])
    op.create_table(
        "incident_update",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.String(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("source_name", sa.String(), nullable=False),
        sa.Column("native_id", sa.String(), nullable=False),
        _time("at", nullable=False),
        sa.Column("at_raw", sa.String(), nullable=False),
        sa.Column("time_flags", sa.String(), nullable=False),
        sa.Column("phase", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=True),
        sa.Column("evidence", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("refs", sa.JSON(), nullable=False),
        _time("first_seen_at", nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.UniqueConstraint("source_name", "native_id", name="uq_update_source_native"),
    )
    op.create_index("ix_update_incident_at", "incident_update", ["incident_id", "at"])
    op.create_table(
        "collection_run",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("trigger", sa.String(), nullable=False),
        _time("started_at", nullable=False),
        _time("finished_at"),
        sa.Column("sources_ok", sa.Integer(), nullable=False),
        sa.Column("sources_failed", sa.Integer(), nullable=False),
        sa.Column("incidents_new", sa.Integer(), nullable=False),
        sa.Column("incidents_changed", sa.Integer(), nullable=False),
        sa.Column("updates_new", sa.Integer(), nullable=False),
        sa.Column("updates_changed", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
    )
