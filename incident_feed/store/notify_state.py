"""Store queries for notifications (tables of migration 0003), through ``Store.read``/``write``.

The notifier keeps, per incident, the phase it last noted; a change is an incident that is
missing there or now in another phase. Every function takes the :class:`Store`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from incident_feed.store.database import SOURCE, Store
from incident_feed.store.outages import members_of
from incident_feed.store.tables import NOTIFY_INCIDENT, NOTIFY_META, OUTAGE

__all__ = [
    "NOTIFY_INCIDENT",
    "NOTIFY_META",
    "baseline_taken",
    "changed_incidents",
    "ensure_notify_tables",
    "known_sources",
    "note",
    "succeeded_sources",
]

BASELINE_KEY = "baseline"
_SOURCE_PREFIX = "source:"
_CHUNK = 500


def ensure_notify_tables(store: Store) -> None:
    """Migrate when the tables are missing (a database at an older schema head)."""
    with store.read() as conn:
        present = inspect(conn).has_table("notify_incident")
    if not present:
        from incident_feed.store.schema import ensure_schema

        ensure_schema(store.engine, target="heads")


def baseline_taken(store: Store) -> bool:
    with store.read() as conn:
        statement = select(NOTIFY_META.c.value).where(NOTIFY_META.c.key == BASELINE_KEY)
        return conn.execute(statement).first() is not None


def changed_incidents(store: Store) -> list[Mapping[str, Any]]:
    """Outages never noted or noted in another phase, each with ``noted_phase`` (or None) and
    ``members`` (its incident ids).

    Phases are noted per outage id. When an outage's id changes (a status-page incident joins a
    social thread noted before it, and becomes the head), the phase noted under any of its
    members' ids counts as noted for it: one outage, one stream of notifications.
    """
    noted = NOTIFY_INCIDENT.c
    joined = OUTAGE.outerjoin(NOTIFY_INCIDENT, noted.incident_id == OUTAGE.c.id)
    statement = (
        select(OUTAGE, noted.phase.label("noted_phase"))
        .select_from(joined)
        .where(or_(noted.incident_id.is_(None), noted.phase != OUTAGE.c.phase))
        .order_by(OUTAGE.c.started_at, OUTAGE.c.id)
    )
    with store.read() as conn:
        rows = [dict(row) for row in conn.execute(statement).mappings()]
        members = members_of(conn, [row["id"] for row in rows])
        unnoted = [m for row in rows if row["noted_phase"] is None for m in members[row["id"]]]
        earlier: dict[str, tuple[str, str]] = {}
        for start in range(0, len(unnoted), 500):
            chunk = unnoted[start : start + 500]
            found = select(noted.incident_id, noted.noted_at, noted.phase).where(
                noted.incident_id.in_(chunk)
            )
            earlier.update({str(i): (str(when), str(ph)) for i, when, ph in conn.execute(found)})
    out: list[Mapping[str, Any]] = []
    for row in rows:
        row["members"] = members[row["id"]]
        if row["noted_phase"] is None:
            previous = sorted(earlier[m] for m in row["members"] if m in earlier)
            if previous:
                row["noted_phase"] = previous[-1][1]  # the phase noted last
                if row["noted_phase"] == row["phase"]:
                    row["renoted_only"] = True
        out.append(row)
    return out


def known_sources(store: Store) -> set[str]:
    """Sources whose first successful collection was already taken as baseline."""
    statement = select(NOTIFY_META.c.key).where(NOTIFY_META.c.key.startswith(_SOURCE_PREFIX))
    with store.read() as conn:
        return {key.removeprefix(_SOURCE_PREFIX) for key in conn.execute(statement).scalars()}


def succeeded_sources(store: Store) -> set[str]:
    """Sources that have been collected successfully at least once."""
    statement = select(SOURCE.c.name).where(SOURCE.c.last_success_at.is_not(None))
    with store.read() as conn:
        return set(conn.execute(statement).scalars())


def note(
    store: Store,
    phases: Iterable[tuple[str, str]],
    *,
    sources: Iterable[str] = (),
    baseline: bool = False,
    now: dt.datetime,
) -> None:
    """Remember incidents' phases (and new baseline sources) in one transaction."""
    stamp = now.astimezone(dt.UTC).isoformat()
    rows = [{"incident_id": i, "phase": p, "noted_at": stamp} for i, p in phases]
    meta = [{"key": _SOURCE_PREFIX + name, "value": stamp} for name in sources]
    if baseline:
        meta.append({"key": BASELINE_KEY, "value": stamp})
    with store.write() as conn:
        module: Any = postgresql if store.dialect == "postgresql" else sqlite
        upsert = module.insert(NOTIFY_INCIDENT)
        upsert = upsert.on_conflict_do_update(
            index_elements=["incident_id"],
            set_={"phase": upsert.excluded.phase, "noted_at": upsert.excluded.noted_at},
        )
        for chunk in _chunks(rows):
            conn.execute(upsert, chunk)
        ignore = module.insert(NOTIFY_META).on_conflict_do_nothing(index_elements=["key"])
        for chunk in _chunks(meta):
            conn.execute(ignore, chunk)


def _chunks(rows: Sequence[dict[str, Any]]) -> Iterable[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), _CHUNK):
        yield rows[start : start + _CHUNK]
