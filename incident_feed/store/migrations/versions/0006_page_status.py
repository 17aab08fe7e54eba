"""Page status: each source's current state, from its summary document.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_status",
        sa.Column("source_name", sa.String(), primary_key=True),
        sa.Column("vendor", sa.String(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("indicator", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("components", sa.JSON(), nullable=False),
    )
    op.create_index("ix_page_status_vendor", "page_status", ["vendor"])


def downgrade() -> None:
    op.drop_index("ix_page_status_vendor", table_name="page_status")
    op.drop_table("page_status")
