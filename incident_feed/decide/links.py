"""Social threads <-> status-page incidents of the same vendor.

A thread is linked to the incident it announces by explicit references first (a link to the
incident in a post, or the post's id named on a Statuspage update as ``tweet_id``), then by
time: within :data:`CLOSE` of each other on time alone, further apart only with product and
component words both sides use (more words, more confidence). Each link keeps its confidence
and reason. Status-page incidents that the same thread announces within :data:`GROUP_WINDOW` of
each other are grouped as one outage. A link a user undid (``state = rejected``) is never
proposed again; a link a user made (``manual``) is never replaced.

Only incidents of the vendor inside :data:`WINDOW` of a changed incident are read: linking a
new batch never rescans the history.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, delete, func, or_, select

from incident_feed.config import SOCIAL_KINDS
from incident_feed.errors import IncidentFeedError, LinkRefused
from incident_feed.store.database import INCIDENT, LINK, RECORD, UPDATE, Store
from incident_feed.store.outages import refresh_outages

WINDOW = dt.timedelta(hours=6)
CLOSE = dt.timedelta(minutes=30)  # a thread and an incident this close are linked on time alone
GROUP_WINDOW = dt.timedelta(minutes=30)
THRESHOLD = 0.6
SAME, GROUP = "same", "group"
AUTO, MANUAL, REJECTED = "auto", "manual", "rejected"
_WORD = re.compile(r"[a-z0-9][a-z0-9+.#-]*[a-z0-9+#]|[a-z0-9]", re.IGNORECASE)
# Words every outage message uses: sharing them says nothing about which incident it is.
_GENERIC = frozenset(
    """a an and are as at be been being but by can for from has have in is it its of on or our
    some that the this to we were with you your all any issue issues problem problems error errors
    elevated degraded degradation performance outage outages partial major minor disruption
    incident incidents investigating identified monitoring resolved fix fixed users customers
    service services affecting affected experiencing impact impacted increased rates latency
    access accessing currently working looking into update updates more details soon now right
    some being are facing availability""".split()
)


@dataclass(slots=True)
class Side:
    """One incident, as linking sees it."""

    id: str
    vendor: str
    started_at: dt.datetime
    ended_at: dt.datetime
    social: bool
    title: str
    texts: list[str] = field(default_factory=list)
    refs: set[str] = field(default_factory=set)
    urls: set[str] = field(default_factory=set)
    natives: set[str] = field(default_factory=set)
    components: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Link:
    incident_id: str
    target_id: str
    kind: str
    confidence: float
    reason: str


def score(thread: Side, incident: Side) -> Link | None:
    """How surely ``thread`` (social) announces ``incident`` (status page); None: not at all."""
    explicit = _explicit(thread, incident)
    if explicit is not None:
        return Link(thread.id, incident.id, SAME, 1.0, explicit)
    gap = abs(thread.started_at - incident.started_at)
    overlaps = (
        incident.started_at - dt.timedelta(hours=1)
        <= thread.started_at
        <= (incident.ended_at + dt.timedelta(hours=1))
    )
    if gap > WINDOW and not overlaps:
        return None
    shared = sorted(_words(thread.texts) & _incident_words(incident))
    time_score = 0.6 if gap <= CLOSE else 0.45 if gap <= dt.timedelta(hours=2) else 0.3
    word_score = min(0.35, 0.2 + 0.1 * (len(shared) - 1)) if shared else 0.0
    confidence = round(min(0.95, time_score + word_score), 2)
    if confidence < THRESHOLD:
        return None
    minutes = int(gap.total_seconds() // 60)
    reason = f"started {_span(minutes)} apart; " + (
        f"both name {', '.join(shared[:5])}" if shared else "no product or component named"
    )
    return Link(thread.id, incident.id, SAME, confidence, reason)


def _explicit(thread: Side, incident: Side) -> str | None:
    for ref in sorted(thread.refs):
        url = ref.rstrip("/")
        if url in incident.urls:
            return f"a post links to {url}"
        for native in incident.natives:
            if url.endswith(f"/incidents/{native}") or f"/incidents/{native}?" in url:
                return f"a post links to {url}"
    for native in sorted(thread.natives):
        if f"tweet:{native}" in incident.refs:
            return f"the status page names post {native} (tweet_id)"
    return None


def _span(minutes: int) -> str:
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"


def _words(texts: Iterable[str]) -> set[str]:
    return {w.lower() for text in texts for w in _WORD.findall(text)} - _GENERIC


def _incident_words(incident: Side) -> set[str]:
    return _words([incident.title, *incident.components])


def plan_links(thread: Side, candidates: Sequence[Side], rejected: set[str]) -> list[Link]:
    """The thread's best incident, plus the other incidents it announces as one outage."""
    scored = [
        link
        for candidate in candidates
        if candidate.id not in rejected and (link := score(thread, candidate)) is not None
    ]
    if not scored:
        return []
    starts = {c.id: c.started_at for c in candidates}
    best = max(
        scored,
        key=lambda link: (
            link.confidence,
            -abs((starts[link.target_id] - thread.started_at).total_seconds()),
        ),
    )
    links = [best]
    for other in scored:
        if other is best or abs(starts[other.target_id] - starts[best.target_id]) > GROUP_WINDOW:
            continue
        links.append(
            Link(
                other.target_id,
                best.target_id,
                GROUP,
                other.confidence,
                f"one outage: {thread.id} announces both ({other.reason})",
            )
        )
    return links


# -- store ------------------------------------------------------------------------------------


def link_changed(store: Store, vendor: str, changed_ids: Sequence[str], now: dt.datetime) -> int:
    """(Re)link the social threads among ``changed_ids``, and the threads near changed
    status-page incidents. Returns the number of links written.

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
                if _within(at, status_starts, WINDOW):
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
            if not social and _within(at, thread_starts, WINDOW + _longest(threads.values()))
        ]
        candidates = list(_load(conn, near).values())
        decided = _decided(conn, sorted(thread_ids))
    rows: list[dict[str, Any]] = []
    for thread in threads.values():
        if any(state == MANUAL for _, state in decided.get(thread.id, [])):
            continue
        rejected = {target for target, state in decided.get(thread.id, []) if state == REJECTED}
        for link in plan_links(thread, candidates, rejected):
            rows.append(_row(link, AUTO, now))
    with store.write() as conn:
        conn.execute(
            delete(LINK).where(and_(LINK.c.state == AUTO, LINK.c.incident_id.in_(list(threads))))
        )
        targets = {r["target_id"] for r in rows if r["kind"] == SAME}
        if targets:
            conn.execute(
                delete(LINK).where(
                    and_(LINK.c.state == AUTO, LINK.c.kind == GROUP, LINK.c.target_id.in_(targets))
                )
            )
        _insert(conn, rows)
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
        _insert(conn, [_row(Link(thread_id, target_id, SAME, 1.0, "linked by hand"), MANUAL, now)])
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


def _row(link: Link, state: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "incident_id": link.incident_id,
        "target_id": link.target_id,
        "kind": link.kind,
        "confidence": link.confidence,
        "reason": link.reason,
        "state": state,
        "created_at": now,
    }


def _insert(conn: Connection, rows: list[dict[str, Any]]) -> None:
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


def _within(at: dt.datetime, sorted_times: Sequence[dt.datetime], span: dt.timedelta) -> bool:
    """Whether ``at`` is within ``span`` of one of ``sorted_times``."""
    index = bisect.bisect_left(sorted_times, at - span)
    return index < len(sorted_times) and sorted_times[index] <= at + span


def _longest(threads: Iterable[Side]) -> dt.timedelta:
    """How long the longest thread ran: an incident may start while a thread is still open."""
    return max((t.ended_at - t.started_at for t in threads), default=dt.timedelta())


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


# -- reads ------------------------------------------------------------------------------------


def other_end(link: Mapping[Any, Any], incident_id: str) -> str:
    """The incident at the other end of ``link`` from ``incident_id``."""
    return str(link["target_id"] if link["incident_id"] == incident_id else link["incident_id"])


def joined(
    links: Iterable[Mapping[Any, Any]], incident_id: str, kinds: Iterable[str] = (SAME, GROUP)
) -> list[str]:
    """The incidents ``links`` join to ``incident_id`` (links of ``kinds``, not undone)."""
    wanted = set(kinds)
    return [
        other_end(link, incident_id)
        for link in links
        if link["kind"] in wanted and link["state"] != REJECTED
    ]


def read_links(conn: Connection, ids: Sequence[str]) -> dict[str, list[Mapping[Any, Any]]]:
    """Every link touching each of ``ids``, in either direction."""
    links: dict[str, list[Mapping[Any, Any]]] = defaultdict(list)
    statement = select(LINK).where(or_(LINK.c.incident_id.in_(ids), LINK.c.target_id.in_(ids)))
    for row in conn.execute(statement).mappings():
        links[row["incident_id"]].append(row)
        links[row["target_id"]].append(row)
    return links


def links_for(store: Store, incident_id: str) -> list[Mapping[Any, Any]]:
    """The links of one incident, undone ones last, then by confidence."""
    with store.read() as conn:
        found = read_links(conn, [incident_id])[incident_id]
    return _ordered(found)


def _ordered(links: Iterable[Mapping[Any, Any]]) -> list[Mapping[Any, Any]]:
    return sorted(links, key=lambda r: (r["state"] == REJECTED, -r["confidence"]))


@dataclass(frozen=True, slots=True)
class Channels:
    """When each channel first spoke about an incident (its own and its linked incidents')."""

    first_social_at: dt.datetime | None
    first_status_at: dt.datetime | None
    links: tuple[Mapping[Any, Any], ...] = ()


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
            tuple(_ordered(links[i])),
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
