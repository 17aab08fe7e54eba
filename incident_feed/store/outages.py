"""Keeping the ``outage`` and ``outage_member`` tables true to incidents and links.

Every write that changes an incident or a link calls :func:`refresh_outages` with the ids it
touched, inside its own transaction: the outages those ids belong to now, and belonged to before
(an undone link splits one), are summarised again by :func:`incident_feed.decide.outages.summarize`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, or_, select, update

from incident_feed.config import SOCIAL_KINDS
from incident_feed.decide.links import GROUP, REJECTED, SAME
from incident_feed.decide.outages import connected, summarize
from incident_feed.store.bulk import execute_many
from incident_feed.store.tables import INCIDENT, LINK, MEMBER, OUTAGE, RECORD

__all__ = ["members_of", "outage_of", "refresh_outages", "rebuild_outages", "social_ids"]
_CHUNK = 1000  # ids per IN list: a batch of drafts refreshes in one statement per table


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    items = sorted(set(values))
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _edges(conn: Connection, ids: Iterable[str]) -> set[tuple[str, str]]:
    """Links that join (not undone, of a joining kind) touching any of ``ids``."""
    edges: set[tuple[str, str]] = set()
    for chunk in _chunks(ids):
        statement = select(LINK.c.incident_id, LINK.c.target_id).where(
            LINK.c.state != REJECTED,
            LINK.c.kind.in_((SAME, GROUP)),
            or_(LINK.c.incident_id.in_(chunk), LINK.c.target_id.in_(chunk)),
        )
        edges.update((a, b) for a, b in conn.execute(statement))
    return edges


def _co_members(conn: Connection, ids: Iterable[str]) -> tuple[dict[str, str], set[str]]:
    """Which outage each of ``ids`` belongs to now, and all of those outages' members."""
    belongs: dict[str, str] = {}
    for chunk in _chunks(ids):
        statement = select(MEMBER.c.incident_id, MEMBER.c.outage_id).where(
            MEMBER.c.incident_id.in_(chunk)
        )
        belongs.update(
            (incident_id, outage_id) for incident_id, outage_id in conn.execute(statement)
        )
    members: set[str] = set()
    for chunk in _chunks(set(belongs.values())):
        statement = select(MEMBER.c.incident_id).where(MEMBER.c.outage_id.in_(chunk))
        members.update(conn.execute(statement).scalars())
    return belongs, members


def social_ids(conn: Connection, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` are social threads (every source record behind them is social)."""
    kinds: dict[str, set[str]] = {}
    for chunk in _chunks(ids):
        statement = select(RECORD.c.incident_id, RECORD.c.source_kind).where(
            RECORD.c.incident_id.in_(chunk)
        )
        for incident_id, kind in conn.execute(statement):
            kinds.setdefault(incident_id, set()).add(kind)
    return {i for i, found in kinds.items() if found and found <= set(SOCIAL_KINDS)}


def refresh_outages(
    conn: Connection, ids: Iterable[str], written: Mapping[str, Mapping[str, Any]] | None = None
) -> None:
    """Summarise again every outage that any of ``ids`` belongs to, before or after the change;
    only the outage and member rows whose values change are written. ``written``: incident rows
    the caller has just written in this transaction, by id (not read again)."""
    pending = set(ids)
    closure: set[str] = set()
    before: dict[str, str] = {}  # incident id -> the outage it belonged to
    edges: set[tuple[str, str]] = set()
    while pending:
        closure |= pending
        found = _edges(conn, pending)
        edges |= found
        belongs, members = _co_members(conn, pending)
        before |= belongs
        pending = ({i for edge in found for i in edge} | members) - closure
    if not closure:
        return
    rows: dict[str, Any] = {i: row for i, row in (written or {}).items() if i in closure}
    for chunk in _chunks(closure - rows.keys()):
        for row in conn.execute(select(INCIDENT).where(INCIDENT.c.id.in_(chunk))).mappings():
            rows[row["id"]] = row
    social = social_ids(conn, rows)
    summaries: dict[str, dict[str, Any]] = {}
    after: dict[str, str] = {}
    for group in connected(rows, edges):
        outage = summarize([rows[i] for i in group], social)
        summaries[outage["id"]] = outage
        after.update((i, outage["id"]) for i in group)
    # New outages before the members that point at them, and old ones deleted after.
    gone = _write_outages(conn, summaries, set(before.values()))
    _write_members(conn, before, after)
    for chunk in _chunks(gone):
        conn.execute(delete(OUTAGE).where(OUTAGE.c.id.in_(chunk)))


def _write_outages(
    conn: Connection, summaries: Mapping[str, Mapping[str, Any]], old: set[str]
) -> set[str]:
    """Insert the new outages and update the changed ones; returns the ids of ``old`` outages
    no longer summarised (to delete once no member points at them)."""
    stored: dict[str, Any] = {}
    for chunk in _chunks(summaries.keys() | old):
        for row in conn.execute(select(OUTAGE).where(OUTAGE.c.id.in_(chunk))).mappings():
            stored[row["id"]] = row
    new = [s for i, s in summaries.items() if i not in stored]
    changed = [
        s
        for i, s in summaries.items()
        if i in stored and any(stored[i][k] != v for k, v in s.items())
    ]
    for start in range(0, len(new), _CHUNK):
        execute_many(conn, OUTAGE.insert(), new[start : start + _CHUNK])
    if changed:
        columns = [c.name for c in OUTAGE.columns if c.name != "id"]
        statement = (
            update(OUTAGE)
            .where(OUTAGE.c.id == bindparam("outage_id"))
            .values({name: bindparam(f"v_{name}") for name in columns})
        )
        values = [{"outage_id": s["id"], **{f"v_{k}": s[k] for k in columns}} for s in changed]
        for start in range(0, len(values), _CHUNK):
            conn.execute(statement, values[start : start + _CHUNK])
    return stored.keys() - summaries.keys()


def _write_members(conn: Connection, before: Mapping[str, str], after: Mapping[str, str]) -> None:
    """The member rows of the incidents refreshed: added, moved or (the incident gone) deleted."""
    added = [{"incident_id": i, "outage_id": o} for i, o in after.items() if i not in before]
    moved = [
        {"member_id": i, "v_outage_id": o}
        for i, o in after.items()
        if i in before and before[i] != o
    ]
    dropped = [i for i in before if i not in after]
    for start in range(0, len(added), _CHUNK):
        execute_many(conn, MEMBER.insert(), added[start : start + _CHUNK])
    if moved:
        statement = (
            update(MEMBER)
            .where(MEMBER.c.incident_id == bindparam("member_id"))
            .values(outage_id=bindparam("v_outage_id"))
        )
        conn.execute(statement, moved)
    for chunk in _chunks(dropped):
        conn.execute(delete(MEMBER).where(MEMBER.c.incident_id.in_(chunk)))


def rebuild_outages(conn: Connection) -> None:
    """Every outage from scratch (the migration that made the tables; a repair)."""
    conn.execute(delete(MEMBER))
    conn.execute(delete(OUTAGE))
    refresh_outages(conn, conn.execute(select(INCIDENT.c.id)).scalars().all())


def outage_of(conn: Connection, incident_id: str) -> str | None:
    """The outage an incident belongs to."""
    statement = select(MEMBER.c.outage_id).where(MEMBER.c.incident_id == incident_id)
    found: str | None = conn.execute(statement).scalar()
    return found


def members_of(conn: Connection, outage_ids: Sequence[str]) -> dict[str, list[str]]:
    """Each outage's member incident ids, sorted."""
    out: dict[str, list[str]] = {i: [] for i in outage_ids}
    for chunk in _chunks(outage_ids):
        statement = select(MEMBER.c.outage_id, MEMBER.c.incident_id).where(
            MEMBER.c.outage_id.in_(chunk)
        )
        for outage_id, incident_id in conn.execute(statement):
            out[outage_id].append(incident_id)
    return {k: sorted(v) for k, v in out.items()}
