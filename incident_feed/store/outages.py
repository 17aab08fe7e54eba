"""Keeping the ``outage`` and ``outage_member`` tables true to incidents and links.

Every write that changes an incident or a link calls :func:`refresh_outages` with the ids it
touched, inside its own transaction: the outages those ids belong to now, and belonged to before
(an undone link splits one), are summarised again by :func:`incident_feed.decide.outages.summarize`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, delete, or_, select

from incident_feed.config import SOCIAL_KINDS
from incident_feed.decide.links import GROUP, REJECTED, SAME
from incident_feed.decide.outages import connected, summarize
from incident_feed.store.tables import INCIDENT, LINK, MEMBER, OUTAGE, RECORD

__all__ = ["members_of", "outage_of", "refresh_outages", "rebuild_outages", "social_ids"]
_CHUNK = 500


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


def _co_members(conn: Connection, ids: Iterable[str]) -> tuple[set[str], set[str]]:
    """The outages ``ids`` belong to now, and all of those outages' members."""
    outages: set[str] = set()
    for chunk in _chunks(ids):
        statement = select(MEMBER.c.outage_id).where(MEMBER.c.incident_id.in_(chunk))
        outages.update(conn.execute(statement).scalars())
    members: set[str] = set()
    for chunk in _chunks(outages):
        statement = select(MEMBER.c.incident_id).where(MEMBER.c.outage_id.in_(chunk))
        members.update(conn.execute(statement).scalars())
    return outages, members


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


def refresh_outages(conn: Connection, ids: Iterable[str]) -> None:
    """Summarise again every outage that any of ``ids`` belongs to, before or after the change."""
    pending = set(ids)
    closure: set[str] = set()
    old_outages: set[str] = set()
    edges: set[tuple[str, str]] = set()
    while pending:
        closure |= pending
        found = _edges(conn, pending)
        edges |= found
        outages, members = _co_members(conn, pending)
        old_outages |= outages
        pending = ({i for edge in found for i in edge} | members) - closure
    if not closure:
        return
    rows: dict[str, Any] = {}
    for chunk in _chunks(closure):
        for row in conn.execute(select(INCIDENT).where(INCIDENT.c.id.in_(chunk))).mappings():
            rows[row["id"]] = row
    social = social_ids(conn, rows)
    summaries, members_rows = [], []
    for group in connected(rows, edges):
        outage = summarize([rows[i] for i in group], social)
        summaries.append(outage)
        members_rows += [{"incident_id": i, "outage_id": outage["id"]} for i in group]
    for chunk in _chunks(closure):
        conn.execute(delete(MEMBER).where(MEMBER.c.incident_id.in_(chunk)))
    for chunk in _chunks(old_outages | {s["id"] for s in summaries}):
        conn.execute(delete(OUTAGE).where(OUTAGE.c.id.in_(chunk)))
    for start in range(0, len(summaries), _CHUNK):
        conn.execute(OUTAGE.insert(), summaries[start : start + _CHUNK])
    for start in range(0, len(members_rows), _CHUNK):
        conn.execute(MEMBER.insert(), members_rows[start : start + _CHUNK])


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
