"""Links in the database: (re)linking changed threads, links made and undone by hand, and the
reads the views need. The decisions are :mod:`incident_feed.decide.links`'s; this module reads
what they need and writes what they decide, refreshing the outages it touches."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, bindparam, delete, func, or_, select

from incident_feed.config import SOCIAL_KINDS
from incident_feed.decide.links import (
    AUTO,
    GROUP,
    MANUAL,
    REJECTED,
    SAME,
    WINDOW,
    Channels,
    Link,
    Side,
    joined,
    link_row,
    longest_thread,
    near_any,
    ordered_links,
    plan_links,
)
from incident_feed.errors import IncidentFeedError, LinkRefused
from incident_feed.store.database import INCIDENT, LINK, RECORD, UPDATE, Store
from incident_feed.store.outages import refresh_outages


def link_changed(store: Store, vendor: str, changed_ids: Sequence[str], now: dt.datetime) -> int:
    """(Re)link the social threads among ``changed_ids``, and the threads near changed
    status-page incidents. Returns the number of automatic links planned for them (a link
    planned again as it is stored is kept, not rewritten).

    A first pass reads only ids, start times and source kinds; full incidents are loaded only
    for the threads concerned and the status-page incidents near them.
    """
    with store.read() as conn:
        changed = _starts(conn, list(changed_ids))
        thread_ids = {i for i, (_, social) in changed.items() if social}
        status_starts = sorted(at for at, social in changed.values() if not social)
        if status_starts:
            lo, hi = status_starts[0] - WINDOW, status_starts[-1] + WINDOW
            nearby = _starts_between(conn, vendor, lo, hi, social=True)
            for i, (at, _) in nearby.items():
                if near_any(at, status_starts, WINDOW):
                    thread_ids.add(i)
        if not thread_ids:
            return 0
        threads = _load(conn, sorted(thread_ids))
        lo = min(t.started_at for t in threads.values()) - WINDOW
        hi = max(t.ended_at for t in threads.values()) + WINDOW
        thread_starts = sorted(t.started_at for t in threads.values())
        near = [
            i
            for i, (at, social) in _starts_between(conn, vendor, lo, hi, social=False).items()
            if not social and near_any(at, thread_starts, WINDOW + longest_thread(threads.values()))
        ]
        candidates = list(_load(conn, near).values())
        decided = _decided(conn, sorted(thread_ids))
    rows: list[dict[str, Any]] = []
    for thread in threads.values():
        if any(state == MANUAL for _, state in decided.get(thread.id, [])):
            continue
        rejected = {target for target, state in decided.get(thread.id, []) if state == REJECTED}
        for link in plan_links(thread, candidates, rejected):
            rows.append(link_row(link, AUTO, now))
    with store.write() as conn:
        # A link made or undone by hand since the read above wins over what was planned from it.
        by_hand = _decided(conn, sorted(threads))
        rows = [
            r
            for r in rows
            if not any(state == MANUAL for _, state in by_hand.get(r["incident_id"], []))
            and (r["target_id"], REJECTED) not in by_hand.get(r["incident_id"], [])
        ]
        targets = {r["target_id"] for r in rows if r["kind"] == SAME}
        if _replace_auto_links(conn, list(threads), targets, rows):
            refresh_outages(conn, {*threads, *(r["target_id"] for r in rows)})
    return len(rows)


def manual_link(
    store: Store, thread_id: str, target_id: str, now: dt.datetime, *, force: bool = False
) -> None:
    """A user says ``thread_id`` announces ``target_id``: replaces the thread's automatic links.

    Refused (:class:`LinkRefused`): a link of an incident to itself; a link between two vendors'
    incidents, unless ``force``; a link the two already have in either direction (an undone one
    aside: linking again by hand restores it).
    """
    if thread_id == target_id:
        raise LinkRefused(f"cannot link {thread_id!r} to itself")
    with store.write() as conn:
        vendors = dict(
            conn.execute(
                select(INCIDENT.c.id, INCIDENT.c.vendor).where(
                    INCIDENT.c.id.in_([thread_id, target_id])
                )
            ).all()
        )
        missing = [i for i in (thread_id, target_id) if i not in vendors]
        if missing:
            raise IncidentFeedError(f"no incident {', '.join(map(repr, missing))}")
        ours, theirs = vendors[thread_id], vendors[target_id]
        if ours.casefold() != theirs.casefold() and not force:
            raise LinkRefused(
                f"{thread_id} is {ours}'s and {target_id} is {theirs}'s: one outage has one "
                "vendor (--force links them anyway)"
            )
        pair = or_(
            and_(LINK.c.incident_id == thread_id, LINK.c.target_id == target_id),
            and_(LINK.c.incident_id == target_id, LINK.c.target_id == thread_id),
        )
        existing = conn.execute(
            select(LINK.c.incident_id, LINK.c.target_id, LINK.c.state).where(
                and_(pair, LINK.c.state != REJECTED)
            )
        ).first()
        if existing is not None:
            source, target, state = existing
            raise LinkRefused(f"already linked: {source} -> {target} ({state})")
        conn.execute(
            delete(LINK).where(and_(LINK.c.incident_id == thread_id, LINK.c.state == AUTO))
        )
        conn.execute(delete(LINK).where(pair))  # only undone links are left between the two
        by_hand = Link(thread_id, target_id, SAME, 1.0, "linked by hand")
        _insert(conn, [link_row(by_hand, MANUAL, now)])
        refresh_outages(conn, [thread_id, target_id])


def unlink(store: Store, incident_id: str, target_id: str | None, now: dt.datetime) -> int:
    """Undo links of ``incident_id`` (to ``target_id`` or to any incident), in either direction.

    The link is kept as ``rejected`` so that later collections never propose it again.
    Returns how many links were undone.
    """
    with store.write() as conn:
        mine = or_(LINK.c.incident_id == incident_id, LINK.c.target_id == incident_id)
        statement = select(LINK).where(and_(mine, LINK.c.state != REJECTED))
        if target_id is not None:
            theirs = or_(LINK.c.incident_id == target_id, LINK.c.target_id == target_id)
            statement = statement.where(theirs)
        found = list(conn.execute(statement).mappings())
        for row in found:
            conn.execute(
                LINK.update()
                .where(
                    and_(
                        LINK.c.incident_id == row["incident_id"],
                        LINK.c.target_id == row["target_id"],
                    )
                )
                .values(
                    state=REJECTED, reason=f"undone by hand; was: {row['reason']}", created_at=now
                )
            )
        refresh_outages(conn, {i for row in found for i in (row["incident_id"], row["target_id"])})
    return len(found)


def _replace_auto_links(
    conn: Connection, threads: list[str], targets: set[str], rows: list[dict[str, Any]]
) -> bool:
    """Make ``rows`` the automatic links of ``threads`` (and the only automatic group links to
    ``targets``), writing only what differs: a link planned again as it is stored is kept as it
    is (with its creation time). True when a link was written or deleted."""
    replaced: ColumnElement[bool] = LINK.c.incident_id.in_(threads)
    if targets:
        replaced = or_(replaced, and_(LINK.c.kind == GROUP, LINK.c.target_id.in_(targets)))
    stored = conn.execute(select(LINK).where(and_(LINK.c.state == AUTO, replaced))).mappings()
    planned: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        planned.setdefault((row["incident_id"], row["target_id"]), row)
    kept: set[tuple[str, str]] = set()
    stale: list[dict[str, str]] = []
    for link in stored:
        pair = (link["incident_id"], link["target_id"])
        again = planned.get(pair)
        if again is not None and all(link[k] == again[k] for k in ("kind", "confidence", "reason")):
            kept.add(pair)
        else:
            stale.append({"from_id": pair[0], "to_id": pair[1]})
    if stale:
        conn.execute(
            delete(LINK).where(
                and_(
                    LINK.c.incident_id == bindparam("from_id"),
                    LINK.c.target_id == bindparam("to_id"),
                )
            ),
            stale,
        )
    written = _insert(conn, [row for pair, row in planned.items() if pair not in kept])
    return bool(stale or written)


def _insert(conn: Connection, rows: list[dict[str, Any]]) -> int:
    seen: set[tuple[str, str]] = set()
    unique = []
    for row in rows:
        pair = (row["incident_id"], row["target_id"])
        if pair not in seen:
            seen.add(pair)
            unique.append(row)
    existing = set()
    if unique:
        statement = select(LINK.c.incident_id, LINK.c.target_id).where(
            LINK.c.incident_id.in_({r["incident_id"] for r in unique})
        )
        existing = {(r.incident_id, r.target_id) for r in conn.execute(statement)}
    fresh = [r for r in unique if (r["incident_id"], r["target_id"]) not in existing]
    if fresh:
        conn.execute(LINK.insert(), fresh)
    return len(fresh)


def _decided(conn: Connection, ids: list[str]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    statement = select(LINK.c.incident_id, LINK.c.target_id, LINK.c.state).where(
        and_(LINK.c.incident_id.in_(ids), LINK.c.state != AUTO)
    )
    for row in conn.execute(statement):
        out[row.incident_id].append((row.target_id, row.state))
    return out


def _starts(conn: Connection, ids: list[str]) -> dict[str, tuple[dt.datetime, bool]]:
    """Start time and whether it is a social thread, per incident."""
    out: dict[str, tuple[dt.datetime, bool]] = {}
    for start in range(0, len(ids), 500):
        out.update(_kinds(conn, INCIDENT.c.id.in_(ids[start : start + 500])))
    return out


def _starts_between(
    conn: Connection, vendor: str, lo: dt.datetime, hi: dt.datetime, *, social: bool
) -> dict[str, tuple[dt.datetime, bool]]:
    """The vendor's incidents started in ``[lo, hi]`` that have records of that channel.

    Exact vendor match (the name comes from the config) so that the vendor index is used; a
    vendor without social sources costs one indexed lookup that finds nothing.
    """
    kinds = sorted(SOCIAL_KINDS)
    channel = RECORD.c.source_kind.in_(kinds) if social else RECORD.c.source_kind.not_in(kinds)
    return _kinds(
        conn,
        and_(
            INCIDENT.c.vendor == vendor,
            INCIDENT.c.started_at >= lo,
            INCIDENT.c.started_at <= hi,
            channel,
        ),
    )


def _kinds(conn: Connection, condition: Any) -> dict[str, tuple[dt.datetime, bool]]:
    statement = (
        select(INCIDENT.c.id, INCIDENT.c.started_at, RECORD.c.source_kind)
        .select_from(INCIDENT.join(RECORD, RECORD.c.incident_id == INCIDENT.c.id))
        .where(condition)
    )
    kinds: dict[str, set[str]] = defaultdict(set)
    starts: dict[str, dt.datetime] = {}
    for incident_id, started_at, kind in conn.execute(statement):
        kinds[incident_id].add(kind)
        starts[incident_id] = started_at
    return {i: (starts[i], kinds[i] <= SOCIAL_KINDS) for i in starts}


def _load(conn: Connection, ids: list[str]) -> dict[str, Side]:
    sides: dict[str, Side] = {}
    kinds: dict[str, set[str]] = defaultdict(set)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for row in conn.execute(select(INCIDENT).where(INCIDENT.c.id.in_(chunk))).mappings():
            started = row["started_at"]
            ended = row["resolved_at"] or row["updated_at"]
            sides[row["id"]] = Side(
                row["id"], row["vendor"], started, ended, False, row["title"],
                texts=[row["title"]],
                urls={str(row["url"]).rstrip("/")} if row["url"] else set(),
                components={str(c.get("name")) for c in row["components"] if c.get("name")},
            )  # fmt: skip
        for row in conn.execute(select(RECORD).where(RECORD.c.incident_id.in_(chunk))).mappings():
            side = sides[row["incident_id"]]
            kinds[side.id].add(row["source_kind"])
            side.natives.add(row["native_id"])
            if row["url"]:
                side.urls.add(str(row["url"]).rstrip("/"))
        columns = (UPDATE.c.incident_id, UPDATE.c.native_id, UPDATE.c.text, UPDATE.c.refs)
        for update in conn.execute(select(*columns).where(UPDATE.c.incident_id.in_(chunk))):
            side = sides[update.incident_id]
            side.texts.append(update.text)
            side.refs.update(str(r) for r in update.refs)
            side.natives.add(update.native_id)
    for side in sides.values():
        side.social = bool(kinds[side.id]) and kinds[side.id] <= SOCIAL_KINDS
    return sides


def read_links(conn: Connection, ids: Sequence[str]) -> dict[str, list[Mapping[Any, Any]]]:
    """Every link touching each of ``ids``, in either direction."""
    links: dict[str, list[Mapping[Any, Any]]] = defaultdict(list)
    statement = select(LINK).where(or_(LINK.c.incident_id.in_(ids), LINK.c.target_id.in_(ids)))
    for row in conn.execute(statement).mappings():
        links[row["incident_id"]].append(row)
        links[row["target_id"]].append(row)
    return links


def channels_for(store: Store, ids: Sequence[str]) -> dict[str, Channels]:
    """First social post and first status-page update per incident, with its links."""
    if not ids:
        return {}
    with store.read() as conn:
        links = read_links(conn, ids)
        related = {i: {i, *joined(links[i], i)} for i in ids}
        everyone = sorted(set().union(*related.values()))
        firsts = _channel_starts(conn, everyone)
    out: dict[str, Channels] = {}
    for i in ids:
        social = [t for j in related[i] if (t := firsts.get(j, (None, None))[0]) is not None]
        status = [t for j in related[i] if (t := firsts.get(j, (None, None))[1]) is not None]
        out[i] = Channels(
            min(social) if social else None,
            min(status) if status else None,
            tuple(ordered_links(links[i])),
        )
    return out


def _channel_starts(
    conn: Connection, ids: list[str]
) -> dict[str, tuple[dt.datetime | None, dt.datetime | None]]:
    """Per incident: its first update from a social source, and from any other source."""
    kinds: dict[tuple[str, str], str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        statement = select(RECORD.c.incident_id, RECORD.c.source_name, RECORD.c.source_kind).where(
            RECORD.c.incident_id.in_(chunk)
        )
        for row in conn.execute(statement):
            kinds[(row.incident_id, row.source_name)] = row.source_kind
    firsts: dict[str, list[dt.datetime | None]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        statement = (
            select(UPDATE.c.incident_id, UPDATE.c.source_name, func.min(UPDATE.c.at))
            .where(UPDATE.c.incident_id.in_(chunk))
            .group_by(UPDATE.c.incident_id, UPDATE.c.source_name)
        )
        for incident_id, source_name, at in conn.execute(statement):
            slot = firsts.setdefault(incident_id, [None, None])
            index = 0 if kinds.get((incident_id, source_name)) in SOCIAL_KINDS else 1
            current = slot[index]
            slot[index] = at if current is None or at < current else current
    return {i: (v[0], v[1]) for i, v in firsts.items()}
