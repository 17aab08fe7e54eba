"""Source leases: each source is due on its own clock and fetched by one worker at a time.

One row per source (table ``source_lease``, migration 0008): when it is next due, and which
worker holds it until when. A worker *claims* due sources it is not already fetching (on
PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so workers on several machines never claim the same
source and never wait for each other), fetches and stores them, then *releases* each one with
its next due time. A worker that dies (``kill -9``, a lost machine) releases nothing: its
claims end when their lease does, and another worker takes them up.

Nothing is fetched twice within an interval: the next due time is written when the source is
handed back, and a source held by a live lease is never claimed. A worker whose lease ended
before it stored (a paused or partitioned machine) does not store: :meth:`Leases.holds` says
so first.

Lease writes are short transactions of their own, never behind the store's write lock: a
claim never waits for another worker's write. Times are UTC from the caller's clock; workers on
several machines need their clocks in step (NTP) to well within a lease.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, and_, func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.expression import Executable

from incident_feed.errors import StoreError
from incident_feed.store.database import Store
from incident_feed.store.tables import SOURCE_LEASE

_CHUNK = 5000  # names per IN list (SQLite allows 32,766 variables a statement)


def worker_id() -> str:
    """``host:pid:random``: unique per process, and says where a holder runs."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class LeaseState:
    """One source's row, as read."""

    source_name: str
    due_at: dt.datetime
    holder: str | None
    lease_until: dt.datetime | None

    def held_at(self, now: dt.datetime) -> bool:
        return self.holder is not None and self.lease_until is not None and self.lease_until > now

    def fetching_by(self, now: dt.datetime) -> str | None:
        """The worker fetching the source at ``now``: the holder of a live lease, else None."""
        return self.holder if self.held_at(now) else None


class Leases:
    """One worker's view of the shared schedule."""

    def __init__(self, store: Store, *, holder: str | None = None, seconds: float = 300.0) -> None:
        if seconds <= 0:
            raise ValueError("a lease lasts a positive time")
        self.store = store
        self.holder = holder or worker_id()
        self.seconds = seconds
        self._claimed: dict[str, float] = {}  # monotonic time of each claim this worker made

    # -- transactions -----------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        if self.store.dialect == "sqlite":
            with self.store.write() as conn:  # BEGIN IMMEDIATE: one writer at a time
                yield conn
            return
        try:
            with self.store.engine.connect() as conn, conn.begin():
                yield conn
        except OperationalError as exc:
            raise StoreError(f"database write failed: {exc.orig}") from None

    # -- the schedule -----------------------------------------------------------------------

    def register(
        self,
        names: Sequence[str],
        now: dt.datetime,
        *,
        latest: Mapping[str, dt.datetime] | None = None,
    ) -> None:
        """Give every source in ``names`` a row, due ``now`` when it has none. A source whose
        stored due time lies past ``latest[name]`` (an interval shortened since) is due then.
        Leases of dead workers on this machine end here."""
        with self._transaction() as conn:
            known = set()
            for chunk in _chunks(names):
                rows = conn.execute(
                    select(SOURCE_LEASE.c.source_name, SOURCE_LEASE.c.due_at).where(
                        SOURCE_LEASE.c.source_name.in_(chunk)
                    )
                ).all()
                for name, due_at in rows:
                    known.add(name)
                    cap = (latest or {}).get(name)
                    if cap is not None and due_at > cap:
                        conn.execute(
                            update(SOURCE_LEASE)
                            .where(SOURCE_LEASE.c.source_name == name)
                            .values(due_at=cap)
                        )
            self._reap(conn, now)
            missing = [
                {"source_name": n, "due_at": now} for n in dict.fromkeys(names) if n not in known
            ]
            if missing:
                conn.execute(_insert_ignoring_conflicts(self.store.dialect), missing)

    def _reap(self, conn: Connection, now: dt.datetime) -> None:
        """End the leases of workers on this machine whose process is gone (``kill -9``, a
        crash): their sources need not wait for the lease to run out. Workers on other machines
        lose theirs only when the lease ends."""
        lease = SOURCE_LEASE.c
        here = f"{socket.gethostname()}:"
        holders = conn.execute(
            select(lease.holder)
            .where(lease.holder.startswith(here, autoescape=True), lease.lease_until > now)
            .distinct()
        ).scalars()
        for holder in list(holders):
            if holder != self.holder and not _alive(holder):
                conn.execute(
                    update(SOURCE_LEASE)
                    .where(lease.holder == holder)
                    .values(holder=None, lease_until=None)
                )

    def claim(
        self,
        names: Collection[str],
        now: dt.datetime,
        limit: int,
        *,
        due_only: bool = True,
    ) -> list[str]:
        """Claim up to ``limit`` of ``names`` that are due (or any, ``due_only=False``) and not
        held by a live lease, earliest due first. Returns the names claimed."""
        if limit <= 0 or not names:
            return []
        lease = SOURCE_LEASE.c
        free = or_(lease.holder.is_(None), lease.lease_until <= now)
        claimed: list[str] = []
        with self._transaction() as conn:
            for chunk in _chunks(list(names)):
                wanted = limit - len(claimed)
                if wanted <= 0:
                    break
                condition = and_(lease.source_name.in_(chunk), free)
                if due_only:
                    condition = and_(condition, lease.due_at <= now)
                query = (
                    select(lease.source_name)
                    .where(condition)
                    .order_by(lease.due_at, lease.source_name)
                    .limit(wanted)
                )
                if self.store.dialect == "postgresql":
                    query = query.with_for_update(skip_locked=True)
                picked = list(conn.execute(query).scalars())
                if not picked:
                    continue
                conn.execute(
                    update(SOURCE_LEASE)
                    .where(lease.source_name.in_(picked))
                    .values(
                        holder=self.holder,
                        lease_until=now + dt.timedelta(seconds=self.seconds),
                        claimed_at=now,
                    )
                )
                claimed += picked
        at = time.monotonic()  # after the commit: the lease began no later than this
        self._claimed.update(dict.fromkeys(claimed, at))
        return claimed

    def release(self, name: str, due_at: dt.datetime) -> bool:
        """Hand ``name`` back, next due at ``due_at``. False when this worker no longer held it
        (its lease ended and another worker claimed it): the other worker's schedule stands."""
        with self._transaction() as conn:
            return self.release_in(conn, name, due_at)

    def release_in(self, conn: Connection, name: str, due_at: dt.datetime) -> bool:
        """:meth:`release` inside the caller's transaction (the one recording the attempt)."""
        lease = SOURCE_LEASE.c
        self._claimed.pop(name, None)
        done = conn.execute(
            update(SOURCE_LEASE)
            .where(lease.source_name == name, lease.holder == self.holder)
            .values(holder=None, lease_until=None, due_at=due_at)
        )
        return bool(done.rowcount)

    def release_all(self) -> int:
        """Hand back every source this worker still holds, due as before (a clean stop)."""
        self._claimed.clear()
        with self._transaction() as conn:
            done = conn.execute(
                update(SOURCE_LEASE)
                .where(SOURCE_LEASE.c.holder == self.holder)
                .values(holder=None, lease_until=None)
            )
        return int(done.rowcount or 0)

    def holds(self, name: str, now: dt.datetime) -> bool:
        """Whether this worker still holds ``name`` by a live lease (checked before storing).

        Within the first half of a lease this worker claimed, no other worker can have taken
        it (a lease ends only when its time is up, or when its process is gone): that is known
        without asking the database."""
        claimed = self._claimed.get(name)
        if claimed is not None and time.monotonic() - claimed < self.seconds / 2:
            return True
        lease = SOURCE_LEASE.c
        with self.store.read() as conn:
            found = conn.execute(
                select(func.count())
                .select_from(SOURCE_LEASE)
                .where(
                    lease.source_name == name,
                    lease.holder == self.holder,
                    lease.lease_until > now,
                )
            ).scalar()
        return bool(found)

    def wake_at(self, names: Collection[str], now: dt.datetime) -> dt.datetime | None:
        """When the next of ``names`` can be claimed: the earliest due time of a free source,
        or the end of another worker's lease. None when there is no row."""
        lease = SOURCE_LEASE.c
        times: list[dt.datetime] = []
        with self.store.read() as conn:
            for chunk in _chunks(list(names)):
                free_due, held_until = conn.execute(
                    select(
                        func.min(lease.due_at).filter(
                            or_(lease.holder.is_(None), lease.lease_until <= now)
                        ),
                        func.min(lease.lease_until).filter(
                            and_(lease.holder != self.holder, lease.lease_until > now)
                        ),
                    ).where(lease.source_name.in_(chunk))
                ).one()
                times += [t for t in (free_due, held_until) if t is not None]
        return min((_aware(t) for t in times), default=None)

    def states(self, names: Collection[str] = ()) -> dict[str, LeaseState]:
        """The rows of ``names`` (every row when empty)."""
        lease = SOURCE_LEASE.c
        out: dict[str, LeaseState] = {}
        with self.store.read() as conn:
            chunks: list[list[str] | None] = list(_chunks(list(names))) if names else [None]
            for chunk in chunks:
                query = select(lease.source_name, lease.due_at, lease.holder, lease.lease_until)
                if chunk is not None:
                    query = query.where(lease.source_name.in_(chunk))
                for name, due_at, holder, until in conn.execute(query):
                    out[name] = LeaseState(name, _aware(due_at), holder, _aware_or_none(until))
        return out


def _alive(holder: str) -> bool:
    """Whether the process a ``host:pid:random`` holder names (on this host) still runs."""
    try:
        pid = int(holder.split(":")[-2])
    except (IndexError, ValueError):
        return True  # not ours to judge
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def _insert_ignoring_conflicts(dialect: str) -> Executable:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(SOURCE_LEASE).on_conflict_do_nothing(index_elements=["source_name"])
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(SOURCE_LEASE).on_conflict_do_nothing(index_elements=["source_name"])


def _chunks(names: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(names), _CHUNK):
        yield list(names[start : start + _CHUNK])


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.utcoffset() is not None else value.replace(tzinfo=dt.UTC)


def _aware_or_none(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else _aware(value)
