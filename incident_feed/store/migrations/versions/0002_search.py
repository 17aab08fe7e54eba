"""Full-text search over incident titles, vendors and update texts.

SQLite: two FTS5 tables kept current by triggers.

- ``update_fts`` indexes ``incident_update.text`` as an external-content table keyed by the
  update's ``INTEGER PRIMARY KEY`` (stable across VACUUM).
- ``incident_fts`` indexes ``incident.title`` and ``incident.vendor``. ``incident`` has a text
  primary key, and VACUUM may renumber the implicit rowid of such a table, which would silently
  point an external-content index at the wrong rows. So ``incident_fts`` is contentless and keyed
  by ``incident_search_key.id``, an explicit integer id per incident kept by the triggers.

The incident triggers fire only when the title or vendor really changed (the store's upsert sets
every column, so ``UPDATE OF title`` alone would rewrite the index on every collection).

PostgreSQL: GIN indexes on ``to_tsvector('simple', ...)`` of the same texts; the expressions
must stay identical to the ones in ``incident_feed.store.queries``.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TOKENIZE = "tokenize='unicode61 remove_diacritics 2', prefix='2 3'"

SQLITE_UPGRADE = [
    "CREATE TABLE incident_search_key ("
    " id INTEGER PRIMARY KEY, incident_id VARCHAR NOT NULL UNIQUE)",
    f"CREATE VIRTUAL TABLE incident_fts USING fts5(title, vendor, content='', {_TOKENIZE})",
    "CREATE VIRTUAL TABLE update_fts USING fts5("
    f"text, content='incident_update', content_rowid='id', {_TOKENIZE})",
    # Incidents.
    """CREATE TRIGGER incident_fts_insert AFTER INSERT ON incident BEGIN
        INSERT INTO incident_search_key (incident_id) VALUES (new.id);
        INSERT INTO incident_fts (rowid, title, vendor) VALUES (
            (SELECT id FROM incident_search_key WHERE incident_id = new.id),
            new.title, new.vendor);
    END""",
    """CREATE TRIGGER incident_fts_update AFTER UPDATE OF title, vendor ON incident
    WHEN old.title IS NOT new.title OR old.vendor IS NOT new.vendor BEGIN
        INSERT INTO incident_fts (incident_fts, rowid, title, vendor) VALUES ('delete',
            (SELECT id FROM incident_search_key WHERE incident_id = old.id),
            old.title, old.vendor);
        INSERT INTO incident_fts (rowid, title, vendor) VALUES (
            (SELECT id FROM incident_search_key WHERE incident_id = new.id),
            new.title, new.vendor);
    END""",
    """CREATE TRIGGER incident_fts_delete AFTER DELETE ON incident BEGIN
        INSERT INTO incident_fts (incident_fts, rowid, title, vendor) VALUES ('delete',
            (SELECT id FROM incident_search_key WHERE incident_id = old.id),
            old.title, old.vendor);
        DELETE FROM incident_search_key WHERE incident_id = old.id;
    END""",
    # Updates.
    """CREATE TRIGGER update_fts_insert AFTER INSERT ON incident_update BEGIN
        INSERT INTO update_fts (rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER update_fts_update AFTER UPDATE OF text ON incident_update
    WHEN old.text IS NOT new.text BEGIN
        INSERT INTO update_fts (update_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO update_fts (rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER update_fts_delete AFTER DELETE ON incident_update BEGIN
        INSERT INTO update_fts (update_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END""",
    # What is already stored.
    "INSERT INTO incident_search_key (incident_id) SELECT id FROM incident ORDER BY started_at",
    "INSERT INTO incident_fts (rowid, title, vendor) SELECT k.id, i.title, i.vendor"
    " FROM incident AS i JOIN incident_search_key AS k ON k.incident_id = i.id",
    "INSERT INTO update_fts (update_fts) VALUES ('rebuild')",
]

SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS incident_fts_insert",
    "DROP TRIGGER IF EXISTS incident_fts_update",
    "DROP TRIGGER IF EXISTS incident_fts_delete",
    "DROP TRIGGER IF EXISTS update_fts_insert",
    "DROP TRIGGER IF EXISTS update_fts_update",
    "DROP TRIGGER IF EXISTS update_fts_delete",
    "DROP TABLE IF EXISTS incident_fts",
    "DROP TABLE IF EXISTS update_fts",
    "DROP TABLE IF EXISTS incident_search_key",
]

# Keep these expressions identical to INCIDENT_TSVECTOR / UPDATE_TSVECTOR in queries.py, or
# PostgreSQL will not use the indexes.
POSTGRESQL_UPGRADE = [
    "CREATE INDEX ix_incident_search ON incident USING gin "
    "(to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(vendor, '')))",
    "CREATE INDEX ix_update_search ON incident_update USING gin "
    "(to_tsvector('simple', coalesce(text, '')))",
]

POSTGRESQL_DOWNGRADE = [
    "DROP INDEX IF EXISTS ix_incident_search",
    "DROP INDEX IF EXISTS ix_update_search",
]


def _statements(sqlite: list[str], postgresql: list[str]) -> list[str]:
    name = op.get_bind().dialect.name
    if name == "sqlite":
        return sqlite
    if name == "postgresql":
        return postgresql
    return []


def upgrade() -> None:
    for statement in _statements(SQLITE_UPGRADE, POSTGRESQL_UPGRADE):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(SQLITE_DOWNGRADE, POSTGRESQL_DOWNGRADE):
        op.execute(statement)
