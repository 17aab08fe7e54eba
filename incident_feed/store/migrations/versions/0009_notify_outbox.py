"""Notification outbox: each notification recorded in the transaction that notes its transition.

Several ``watch`` processes on one PostgreSQL decide notifications at once. ``notify_incident``
gains ``seq``, bumped with every phase noted, so a notifier notes a transition only if nobody
noted one since it read the row (compare-and-set). The transition's notifications are written to
``notify_outbox`` in the same transaction, one row per target, channel, outage and ``seq``
(unique): only the notifier whose rows were inserted sends them. A row is claimed before each
attempt (``pending`` -> ``sending``) and settled after it (``sent``, ``failed``, or ``pending``
again with ``last_error``).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "notify_incident",
        sa.Column("seq", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "notify_outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("incident_id", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(), nullable=False),
        sa.Column("previous_phase", sa.String(), nullable=True),
        sa.Column("phase", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.UniqueConstraint(
            "target", "channel", "incident_id", "seq", name="uq_notify_outbox_transition"
        ),
    )
    op.create_index("ix_notify_outbox_state", "notify_outbox", ["state", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_notify_outbox_state", table_name="notify_outbox")
    op.drop_table("notify_outbox")
    with op.batch_alter_table("notify_incident") as batch:
        batch.drop_column("seq")
