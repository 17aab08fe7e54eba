"""Notification state: the phase each incident was last noted in, and baseline markers.

``notify_incident`` holds, per incident, the phase the notifier last saw (notified or taken
silently as baseline); a change is an incident missing here or in another phase now.
``notify_meta`` marks the first run's baseline (``baseline``) and each source whose first
successful collection was taken as baseline (``source:<name>``), so neither a first run, a
restart nor a newly added source sends a flood of old incidents.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_incident",
        sa.Column("incident_id", sa.String(), primary_key=True),
        sa.Column("phase", sa.String(), nullable=False),
        sa.Column("noted_at", sa.String(), nullable=False),
    )
    op.create_table(
        "notify_meta",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("value", sa.String(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notify_meta")
    op.drop_table("notify_incident")
