"""Store queries for notifications (tables of migrations 0003 and 0009), through
``Store.read``/``write``.

The notifier keeps, per outage, the phase it last noted; a change is an outage that is missing
there or now in another phase. Several notifiers (one per ``watch`` process) may decide at once
over one database, so :func:`record` notes a transition only if the noted row is still the one
the notifier read (its ``seq``), and writes the transition's notifications to the outbox in the
same transaction: whoever noted it sends it, once. Every function takes the :class:`Store`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, inspect, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from incident_feed.store.database import SOURCE, Store
from incident_feed.store.outages import members_of
from incident_feed.store.tables import NOTIFY_INCIDENT, NOTIFY_META, NOTIFY_OUTBOX, OUTAGE

__all__ = [
    "NOTIFY_INCIDENT",
    "NOTIFY_META",
    "NOTIFY_OUTBOX",
    "Note",
    "Outgoing",
    "baseline_taken",
    "changed_incidents",
    "claim",
    "ensure_notify_tables",
    "give_up_interrupted",
    "known_sources",
    "outages_by_id",
    "prune",
    "record",
    "settle",
    "stale_pending",
    "succeeded_sources",
]

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"

BASELINE_KEY = "baseline"
_SOURCE_PREFIX = "source:"
_CHUNK = 500


def ensure_notify_tables(store: Store) -> None:
    """Migrate when the tables are missing (a database at an older schema head)."""
    with store.read() as conn:
        present = inspect(conn).has_table("notify_outbox")
    if not present:
        from incident_feed.store.schema import ensure_schema

        ensure_schema(store.engine, target="heads")


def baseline_taken(store: Store) -> bool:
    with store.read() as conn:
        statement = select(NOTIFY_META.c.value).where(NOTIFY_META.c.key == BASELINE_KEY)
        return conn.execute(statement).first() is not None


def changed_incidents(store: Store) -> list[Mapping[str, Any]]:
    """Outages never noted or noted in another phase, each with ``noted_phase`` (or None),
    ``noted_seq`` (the noted row's ``seq``; None when no row is noted under its id) and
    ``members`` (its incident ids).

    Phases are noted per outage id. When an outage's id changes (a status-page incident joins a
    social thread noted before it, and becomes the head), the phase noted under any of its
    members' ids counts as noted for it: one outage, one stream of notifications.
    """
    noted = NOTIFY_INCIDENT.c
    joined = OUTAGE.outerjoin(NOTIFY_INCIDENT, noted.incident_id == OUTAGE.c.id)
    statement = (
        select(OUTAGE, noted.phase.label("noted_phase"), noted.seq.label("noted_seq"))
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


@dataclass(frozen=True, slots=True)
class Note:
    """An outage's phase to note, with the ``seq`` of the noted row as it was read."""

    incident_id: str
    phase: str
    seq: int | None  # None: nothing noted under this id when read


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One notification to queue with its outage's transition."""

    incident_id: str
    target: str
    channel: str
    event: str
    previous_phase: str | None
    phase: str


@dataclass(frozen=True, slots=True)
class Recorded:
    """What :func:`record` won: outages whose transition this call noted, and the outbox rows
    it inserted, by ``(incident_id, target, channel)``."""

    noted: frozenset[str]
    outbox: Mapping[tuple[str, str, str], int]


def record(
    store: Store,
    notes: Sequence[Note],
    outgoing: Sequence[Outgoing] = (),
    *,
    sources: Iterable[str] = (),
    baseline: bool = False,
    now: dt.datetime,
) -> Recorded:
    """Note phases and queue their notifications, in one transaction.

    A phase is noted only where the row still has the ``seq`` that was read (or, read as
    missing, is still missing): another notifier that noted it first wins, and this call
    queues nothing for that outage. Outbox rows are unique per target, channel, outage and
    ``seq``, inserted only when absent, so only their inserter sends them.
    """
    stamp = now.astimezone(dt.UTC).isoformat()
    module: Any = postgresql if store.dialect == "postgresql" else sqlite
    noted: set[str] = set()
    seqs: dict[str, int] = {}
    new = [n for n in notes if n.seq is None]
    with store.write() as conn:
        won = _insert_missing(conn, store.dialect, [_noted_row(n, stamp, 1) for n in new])
        noted |= won
        seqs.update((i, 1) for i in won)
        for n in notes:
            if n.seq is not None and _compare_and_set(conn, n, stamp):
                noted.add(n.incident_id)
                seqs[n.incident_id] = n.seq + 1
        queued: dict[tuple[str, str, str], int] = {}
        for out in outgoing:
            if out.incident_id in noted:
                row_id = _queue(conn, store.dialect, _outbox_row(out, seqs[out.incident_id], now))
                if row_id is not None:
                    queued[(out.incident_id, out.target, out.channel)] = row_id
        meta = [{"key": _SOURCE_PREFIX + name, "value": stamp} for name in sources]
        if baseline:
            meta.append({"key": BASELINE_KEY, "value": stamp})
        ignore = module.insert(NOTIFY_META).on_conflict_do_nothing(index_elements=["key"])
        for chunk in _chunks(meta):
            conn.execute(ignore, chunk)
    return Recorded(frozenset(noted), queued)


def _insert_missing(conn: Connection, dialect: str, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert the noted rows whose incident is not noted yet; the ids inserted.

    PostgreSQL: ``ON CONFLICT DO NOTHING RETURNING``, so a notifier inserting the same row at the
    same moment waits for the other's commit and then skips it. SQLite (whose ``RETURNING``
    needs 3.35, newer than some distributions ship): the write transaction began IMMEDIATE, so
    nobody else writes until it ends, and reading what exists, then inserting the rest, is as
    good.
    """
    inserted: set[str] = set()
    if dialect == "postgresql":
        insert = (
            postgresql.insert(NOTIFY_INCIDENT)
            .on_conflict_do_nothing(index_elements=["incident_id"])
            .returning(NOTIFY_INCIDENT.c.incident_id)
        )
        for chunk in _chunks(rows):
            inserted |= set(conn.execute(insert, chunk).scalars())
        return inserted
    for chunk in _chunks(rows):
        ids = [row["incident_id"] for row in chunk]
        present = select(NOTIFY_INCIDENT.c.incident_id).where(
            NOTIFY_INCIDENT.c.incident_id.in_(ids)
        )
        existing = set(conn.execute(present).scalars())
        missing = [row for row in chunk if row["incident_id"] not in existing]
        if missing:
            conn.execute(NOTIFY_INCIDENT.insert(), missing)
            inserted |= {row["incident_id"] for row in missing}
    return inserted


def _queue(conn: Connection, dialect: str, row: dict[str, Any]) -> int | None:
    """Insert one outbox row unless its key exists; its id, or None when it existed."""
    key = ("target", "channel", "incident_id", "seq")
    if dialect == "postgresql":
        insert = (
            postgresql.insert(NOTIFY_OUTBOX)
            .on_conflict_do_nothing(index_elements=list(key))
            .returning(NOTIFY_OUTBOX.c.id)
        )
        inserted: int | None = conn.execute(insert, row).scalar_one_or_none()
        return inserted
    ignore = sqlite.insert(NOTIFY_OUTBOX).on_conflict_do_nothing(index_elements=list(key))
    if conn.execute(ignore, row).rowcount != 1:
        return None
    o = NOTIFY_OUTBOX.c
    row_id: int = conn.execute(select(o.id).where(*(o[k] == row[k] for k in key))).scalar_one()
    return row_id


def _noted_row(note: Note, stamp: str, seq: int) -> dict[str, Any]:
    return {"incident_id": note.incident_id, "phase": note.phase, "noted_at": stamp, "seq": seq}


def _compare_and_set(conn: Connection, note: Note, stamp: str) -> bool:
    """Note ``note`` if its row still has the seq read: the row lock serialises two notifiers,
    and the second finds the seq moved on (PostgreSQL re-checks the condition after the
    first commits)."""
    statement = (
        update(NOTIFY_INCIDENT)
        .where(
            and_(
                NOTIFY_INCIDENT.c.incident_id == note.incident_id,
                NOTIFY_INCIDENT.c.seq == note.seq,
            )
        )
        .values(phase=note.phase, noted_at=stamp, seq=NOTIFY_INCIDENT.c.seq + 1)
    )
    return conn.execute(statement).rowcount == 1


def _outbox_row(out: Outgoing, seq: int, now: dt.datetime) -> dict[str, Any]:
    return {
        "target": out.target,
        "channel": out.channel,
        "incident_id": out.incident_id,
        "seq": seq,
        "event": out.event,
        "previous_phase": out.previous_phase,
        "phase": out.phase,
        "state": PENDING,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
        "sent_at": None,
        "last_error": None,
    }


# -- the outbox ---------------------------------------------------------------------------------


def claim(store: Store, outbox_id: int, now: dt.datetime) -> bool:
    """Take a pending row for one attempt (``pending`` -> ``sending``); False when it is not
    pending any more (sent, given up, or taken by another worker)."""
    statement = (
        update(NOTIFY_OUTBOX)
        .where(and_(NOTIFY_OUTBOX.c.id == outbox_id, NOTIFY_OUTBOX.c.state == PENDING))
        .values(state=SENDING, attempts=NOTIFY_OUTBOX.c.attempts + 1, updated_at=now)
    )
    with store.write() as conn:
        return conn.execute(statement).rowcount == 1


def settle(
    store: Store, outbox_id: int, state: str, now: dt.datetime, error: str | None = None
) -> None:
    """Record how an attempt ended: ``sent``, ``failed`` (given up), or ``pending`` (to be
    tried again), with the error if any."""
    values: dict[str, Any] = {"state": state, "updated_at": now}
    if state == SENT:
        values["sent_at"] = now
    if error is not None:
        values["last_error"] = error[:500]
    statement = update(NOTIFY_OUTBOX).where(NOTIFY_OUTBOX.c.id == outbox_id).values(**values)
    with store.write() as conn:
        conn.execute(statement)


def stale_pending(
    store: Store, *, untouched_since: dt.datetime, created_since: dt.datetime
) -> list[Mapping[str, Any]]:
    """Pending rows nobody has touched since ``untouched_since``, created since
    ``created_since``: left by a process that stopped before sending them."""
    o = NOTIFY_OUTBOX.c
    statement = (
        select(NOTIFY_OUTBOX)
        .where(o.state == PENDING, o.updated_at < untouched_since, o.created_at >= created_since)
        .order_by(o.id)
    )
    with store.read() as conn:
        return [dict(row) for row in conn.execute(statement).mappings()]


def give_up_interrupted(
    store: Store, *, untouched_since: dt.datetime, created_before: dt.datetime, now: dt.datetime
) -> int:
    """Give up rows that cannot be sent at most once any more: an attempt cut off mid-send (a
    crash; it may have arrived) and pending rows older than ``created_before``. Returns how
    many."""
    o = NOTIFY_OUTBOX.c
    cut = (
        update(NOTIFY_OUTBOX)
        .where(o.state == SENDING, o.updated_at < untouched_since)
        .values(state=FAILED, updated_at=now, last_error="interrupted while sending; not resent")
    )
    old = (
        update(NOTIFY_OUTBOX)
        .where(o.state == PENDING, o.updated_at < untouched_since, o.created_at < created_before)
        .values(state=FAILED, updated_at=now, last_error="not sent in time; too old to send now")
    )
    with store.write() as conn:
        return int(conn.execute(cut).rowcount) + int(conn.execute(old).rowcount)


def prune(store: Store, *, settled_before: dt.datetime) -> int:
    """Forget rows sent or given up before ``settled_before``; returns how many. Safe: a
    transition's ``seq`` only grows, so a forgotten row's key never comes back."""
    o = NOTIFY_OUTBOX.c
    statement = NOTIFY_OUTBOX.delete().where(
        o.state.in_((SENT, FAILED)), o.updated_at < settled_before
    )
    with store.write() as conn:
        return int(conn.execute(statement).rowcount)


def outages_by_id(store: Store, ids: Sequence[str]) -> dict[str, Mapping[str, Any]]:
    """Outage rows by id, each with ``members`` (its incident ids)."""
    out: dict[str, Mapping[str, Any]] = {}
    with store.read() as conn:
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            found = conn.execute(select(OUTAGE).where(OUTAGE.c.id.in_(chunk))).mappings()
            rows = [dict(r) for r in found]
            members = members_of(conn, [r["id"] for r in rows])
            for row in rows:
                row["members"] = members[row["id"]]
                out[row["id"]] = row
    return out


def _chunks(rows: Sequence[dict[str, Any]]) -> Iterable[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), _CHUNK):
        yield rows[start : start + _CHUNK]
