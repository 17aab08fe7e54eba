"""Outages: incidents joined by links are one outage, with its own summary row.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outage",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("vendor", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("impact", sa.String(), nullable=False),
        sa.Column("phase", sa.String(), nullable=False),
        sa.Column("postmortem", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scheduled_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
    )
    op.create_index("ix_outage_vendor", "outage", ["vendor"])
    op.create_index("ix_outage_phase", "outage", ["phase"])
    op.create_index("ix_outage_started_at", "outage", ["started_at"])
    op.create_table(
        "outage_member",
        sa.Column("incident_id", sa.String(), sa.ForeignKey("incident.id"), primary_key=True),
        sa.Column("outage_id", sa.String(), sa.ForeignKey("outage.id"), nullable=False),
    )
    op.create_index("ix_outage_member_outage_id", "outage_member", ["outage_id"])
    # Existing incidents and links -> outages, with the same code every write uses.
    from incident_feed.store.outages import rebuild_outages

    rebuild_outages(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_outage_member_outage_id", table_name="outage_member")
    op.drop_table("outage_member")
    op.drop_index("ix_outage_started_at", table_name="outage")
    op.drop_index("ix_outage_phase", table_name="outage")
    op.drop_index("ix_outage_vendor", table_name="outage")
    op.drop_table("outage")
