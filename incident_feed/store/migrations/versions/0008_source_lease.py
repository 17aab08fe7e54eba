"""Source leases: which worker fetches which source, and when each source is next due.

Several ``watch`` processes share one PostgreSQL: a worker claims a due source by writing its
name and a lease end here (``FOR UPDATE SKIP LOCKED``), and hands it back with its next due time
once stored. A worker that dies loses its claims when the lease ends.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_lease",
        sa.Column("source_name", sa.String(), primary_key=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("holder", sa.String(), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_source_lease_due_at", "source_lease", ["due_at"])


def downgrade() -> None:
    op.drop_index("ix_source_lease_due_at", table_name="source_lease")
    op.drop_table("source_lease")
