"""Social sources: a paging cursor per source, updates marked deleted upstream, incident links.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.add_column(sa.Column("cursor", sa.String(), nullable=True))
    with op.batch_alter_table("incident_update") as batch:
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "incident_link",
        sa.Column("incident_id", sa.String(), sa.ForeignKey("incident.id"), primary_key=True),
        sa.Column("target_id", sa.String(), sa.ForeignKey("incident.id"), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_incident_link_target_id", "incident_link", ["target_id"])


def downgrade() -> None:
    op.drop_index("ix_incident_link_target_id", table_name="incident_link")
    op.drop_table("incident_link")
    with op.batch_alter_table("incident_update") as batch:
        batch.drop_column("deleted_at")
    with op.batch_alter_table("source") as batch:
        batch.drop_column("cursor")
