"""Set-aside social posts: what a social source posted that is not an incident update.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "set_aside_post",
        sa.Column("source_name", sa.String(), primary_key=True),
        sa.Column("native_id", sa.String(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("phase", sa.String(), nullable=True),
        sa.Column("evidence", sa.String(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_set_aside_post_source_at", "set_aside_post", ["source_name", "at"])


def downgrade() -> None:
    op.drop_index("ix_set_aside_post_source_at", table_name="set_aside_post")
    op.drop_table("set_aside_post")
