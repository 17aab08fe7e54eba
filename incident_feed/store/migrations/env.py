"""Alembic environment: always run on the connection the store hands over."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "incident-feed migrations run through incident_feed.store.schema.ensure_schema"
    )
context.configure(connection=connection, render_as_batch=True)
context.run_migrations()
