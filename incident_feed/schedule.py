"""Unattended collection: the watch loop, the collector lock, graceful stop, structured logs.

- :class:`CollectorLock`: one collector per SQLite database: ``fcntl.flock`` on
  ``<database>.lock`` beside the database file (the kernel drops it when the process dies, even
  by ``kill -9``, so there is never a stale lock to clean up). On PostgreSQL, ``collect`` and
  any number of ``watch`` workers share the sources through leases instead
  (:mod:`incident_feed.store.leases`); the lock (a session advisory lock) still keeps two
  ``import`` runs apart.
- :class:`GracefulStop`: SIGTERM/SIGINT set a flag; the write in progress finishes, nothing new
  starts. A second signal interrupts at once.
- :class:`Watcher`: each source is due on its own clock (:mod:`incident_feed.decide.backoff`:
  its interval plus jitter; after failures, exponential backoff up to a cap; never before a
  server's ``Retry-After``) and is fetched as soon as it is due and a fetch worker is free, so a
  slow source delays no other. A source failing ``stale_after`` times in a row is reported once
  (a warning), and once more when it recovers. Failure counts and due times live in the
  database, so a restart neither forgets nor repeats them.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import logging.handlers
import math
import os
import random
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from incident_feed.clock import Clock, utc_now
from incident_feed.config import Config, SourceConfig
from incident_feed.decide.backoff import JITTER, Backoff
from incident_feed.pipeline import (
    DEFAULT_WORKERS,
    FetchPool,
    FetchResult,
    RunReport,
    Sharing,
    SourceOutcome,
    Stored,
    collect,
    fetch_source,
    finish_run,
    lease_seconds,
)
from incident_feed.redact import redact_urls
from incident_feed.store.database import Store
from incident_feed.store.leases import Leases

if TYPE_CHECKING:
    from incident_feed.sources.http import Fetcher

log = logging.getLogger("incident_feed.watch")
FLUSH = 1.0  # seconds: outcomes stored this close together are reported as one run
IDLE_POLL = 5.0  # seconds: the longest wait before looking at the shared schedule again
STOP_POLL = 0.25  # seconds: the longest wait for a fetch before checking for a stop request
_PG_LOCK_KEY = 0x1F1D_C011  # advisory lock id: one incident-feed collector per database


class RunObserver(Protocol):
    """What the watcher tells after each run (the notifier)."""

    def after_run(self, report: RunReport) -> object: ...


# -- lock -------------------------------------------------------------------------------------


class CollectorLock:
    """Keeps a second collector (``collect`` or ``watch``) off the same database."""

    def __init__(self, path: Path | None = None, store: Store | None = None) -> None:
        self.path = path
        self._store = store if path is None else None
        self._fd: int | None = None
        self._conn: Any = None

    @classmethod
    def for_store(cls, store: Store) -> CollectorLock:
        if store.dialect == "sqlite":
            database = store.engine.url.database
            if not database or database == ":memory:":
                return cls()  # a private database: nobody else can reach it
            return cls(
                Path(database).expanduser().resolve().with_name(Path(database).name + ".lock")
            )
        return cls(store=store)

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another collector holds it."""
        if self.path is not None:
            return self._acquire_file(self.path)
        if self._store is not None:
            return self._acquire_advisory(self._store)
        return True

    def acquire_within(
        self,
        seconds: float,
        on_wait: Callable[[], None] | None = None,
        *,
        poll: float = 0.25,
    ) -> bool:
        """Take the lock, waiting at most ``seconds`` for the holder to finish; False when it
        is still held then. ``on_wait`` is called once, when there is something to wait for."""
        if self.acquire():
            return True
        if on_wait is not None:
            on_wait()
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(poll, left))
            if self.acquire():
                return True
        return False

    def release(self) -> None:
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        if self._conn is not None:
            try:
                self._conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_PG_LOCK_KEY})")
            finally:
                self._conn.close()
                self._conn = None

    def describe(self) -> str:
        if self.path is not None:
            try:
                holder = self.path.read_text(encoding="utf-8").strip()
            except OSError:
                holder = ""
            return f"lock file {self.path}" + (f", held by {holder}" if holder else "")
        return "PostgreSQL advisory lock"

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def _acquire_file(self, path: Path) -> bool:
        import fcntl

        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        # For people reading the file: who holds it. The lock itself is the flock.
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}\n".encode())
        self._fd = fd
        return True

    def _acquire_advisory(self, store: Store) -> bool:
        conn = store.engine.connect()
        try:
            got = conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({_PG_LOCK_KEY})").scalar()
            conn.commit()
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True


# -- signals ----------------------------------------------------------------------------------


class GracefulStop:
    """SIGTERM/SIGINT -> :attr:`event` is set (finish the current write, start nothing new).

    A second signal raises :class:`KeyboardInterrupt` (the transaction in progress rolls back).
    Handlers are installed only on the main thread and restored on exit.
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self) -> None:
        self.event = threading.Event()
        self._previous: dict[int, Any] = {}

    def is_set(self) -> bool:
        return self.event.is_set()

    def __enter__(self) -> GracefulStop:
        if threading.current_thread() is threading.main_thread():
            for number in self.SIGNALS:
                self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous.clear()

    def _handle(self, number: int, _frame: FrameType | None) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt
        log.info("event=stopping signal=%s", signal.Signals(number).name)
        self.event.set()


# -- logs -------------------------------------------------------------------------------------


class _Formatter(logging.Formatter):
    """``ts=2026-11-25T12:00:00Z level=info logger=incident_feed.collect <key=value ...>``."""

    def format(self, record: logging.LogRecord) -> str:
        when = dt.datetime.fromtimestamp(record.created, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = (
            f"ts={when} level={record.levelname.lower()} logger={record.name} {record.getMessage()}"
        )
        if record.exc_info:
            text += " traceback=" + repr(self.formatException(record.exc_info))
        return redact_urls(text)  # a source URL may carry a token in its query


_installed: list[logging.Handler] = []


def setup_logging(log_file: Path | None, *, stream: Any = None) -> logging.Handler:
    """Structured lines from the ``incident_feed`` loggers to ``log_file`` (appended; reopened
    when logrotate moves it) or to stderr. Replaces a handler an earlier call installed."""
    logger = logging.getLogger("incident_feed")
    while _installed:
        old = _installed.pop()
        logger.removeHandler(old)
        old.close()
    handler: logging.Handler
    if log_file is not None:
        handler = logging.handlers.WatchedFileHandler(log_file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(_Formatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    _installed.append(handler)
    return handler


# -- the loop ---------------------------------------------------------------------------------


class Watcher:
    """Collect each source when it is due, on its own clock, until stopped.

    Up to ``workers`` fetches run at once on a pool. Whenever a worker is free, the due sources
    are claimed from the shared schedule (:class:`~incident_feed.store.leases.Leases`) and
    fetched; each result is parsed and stored on this thread as it arrives, and the source is
    handed back with its next due time. A slow, dripping or hanging source holds one fetch
    worker until its deadline and delays no other source. Outcomes are reported (a run row,
    the notifier, a log line) at most every ``flush`` seconds (:data:`FLUSH`).
    """

    def __init__(
        self,
        config: Config,
        store: Store,
        fetcher: Fetcher,
        *,
        sources: Sequence[SourceConfig],
        interval: float,
        stop: GracefulStop | threading.Event,
        stale_after: int = 3,
        max_backoff: float = 3600.0,
        jitter: float = JITTER,
        workers: int | None = None,
        notifier: RunObserver | None = None,
        clock: Clock = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        leases: Leases | None = None,
        flush: float = FLUSH,
    ) -> None:
        self.config = config
        self.flush = flush
        self.store = store
        self.fetcher = fetcher
        self.sources = {s.name: s for s in sources}
        self.interval = interval
        self.stop = stop.event if isinstance(stop, GracefulStop) else stop
        self.stale_after = stale_after
        self.workers = max(1, workers or DEFAULT_WORKERS)
        self.notifier = notifier
        self.clock = clock
        self.monotonic = monotonic
        self.sharing = Sharing(
            leases or Leases(store, seconds=lease_seconds(config)),
            Backoff(interval, max_backoff, jitter),
            rng or random.Random(),
        )
        self.cycles = 0
        self.fetches = 0
        states = store.source_states(list(self.sources))
        self.stale = {
            name for name in self.sources if self._failures(states.get(name)) >= stale_after
        }
        self._registered = False

    @property
    def leases(self) -> Leases:
        return self.sharing.leases

    def interval_for(self, source: SourceConfig) -> float:
        return source.interval or self.interval

    # -- the schedule -----------------------------------------------------------------------

    def register(self) -> None:
        """Give each source a place in the shared schedule: due now when new, and no later
        than one of this worker's intervals (plus jitter) when it was due later."""
        now = self.clock()
        spread = 1 + self.sharing.backoff.jitter
        latest = {
            name: now + dt.timedelta(seconds=self.interval_for(source) * spread)
            for name, source in self.sources.items()
        }
        self.leases.register(list(self.sources), now, latest=latest)
        self._registered = True

    def due(self) -> list[str]:
        """The sources that are due now and free to claim."""
        if not self._registered:
            self.register()
        now = self.clock()
        return [
            name
            for name, state in self.leases.states(list(self.sources)).items()
            if state.due_at <= now and not state.held_at(now)
        ]

    def due_in(self, name: str) -> float:
        """Seconds until ``name`` is next due (negative: overdue)."""
        state = self.leases.states([name])[name]
        return (state.due_at - self.clock()).total_seconds()

    # -- running ----------------------------------------------------------------------------

    def run(self, max_cycles: int | None = None) -> None:
        """Until stopped (or after ``max_cycles`` reports)."""
        log.info(
            "event=started sources=%d interval=%g workers=%d worker=%s",
            len(self.sources),
            self.interval,
            self.workers,
            self.leases.holder,
        )
        self.register()
        pool = FetchPool(self.workers)
        in_flight: set[str] = set()  # being fetched
        ready: deque[FetchResult] = deque()  # fetched, to be stored (still held)
        backlog: deque[str] = deque()  # claimed, to be fetched when a worker frees
        states: dict[str, Mapping[str, Any]] = {}  # the backlog's stored states, read at claim
        pending: list[SourceOutcome] = []  # stored, to be reported
        flush_at: float | None = None  # when the pending outcomes are reported
        claim_at = self.monotonic()  # when to look for due sources next
        try:
            while not self.stop.is_set():
                # A finished fetch frees its worker at once: claim its successor before
                # storing, so the network never waits for the store.
                while (done := pool.get(timeout=0)) is not None:
                    in_flight.discard(done.source.name)
                    ready.append(done)
                # At most 2 x workers fetched bodies wait for the store: memory stays bounded.
                free = self.workers - len(in_flight) if len(ready) < self.workers else 0
                while free > 0 and backlog:
                    name = backlog.popleft()
                    self._start(pool, in_flight, name, states.pop(name, None))
                    free -= 1
                if free > 0 and self.monotonic() >= claim_at:
                    busy = in_flight | {result.source.name for result in ready}
                    # Claim a worker's worth more than the free workers: the next ones start
                    # from this backlog without asking the database again.
                    wanted = free + self.workers
                    claimed = self.leases.claim(
                        [name for name in self.sources if name not in busy], self.clock(), wanted
                    )
                    states.update(self.store.source_states(claimed))
                    for name in claimed[:free]:
                        self._start(pool, in_flight, name, states.pop(name, None))
                    backlog.extend(claimed[free:])
                    # All that was asked for came: more may be due, look when a worker frees.
                    claim_at = self.monotonic() + (
                        0.0 if len(claimed) == wanted else self._until_wake(busy | set(claimed))
                    )
                if pending and (
                    (not in_flight and not ready) or self.monotonic() >= (flush_at or 0.0)
                ):
                    self._report(pending)
                    pending, flush_at = [], None
                    if max_cycles is not None and self.cycles >= max_cycles:
                        break
                if ready:
                    stored = self.sharing.store(self.store, ready.popleft(), self.clock)
                    if stored is not None:
                        self.fetches += 1
                        self._note(stored)
                        pending.append(stored.outcome)
                        if flush_at is None:
                            flush_at = self.monotonic() + self.flush
                        due_in = max(0.0, (stored.due - self.clock()).total_seconds())
                        claim_at = min(claim_at, self.monotonic() + due_in)
                    continue
                now = self.monotonic()
                wake = min(
                    claim_at if len(in_flight) < self.workers else math.inf,
                    flush_at if flush_at is not None else math.inf,
                )
                if not in_flight and not backlog:
                    self.stop.wait(max(0.0, min(wake, now + IDLE_POLL) - now))
                    continue
                result = pool.get(timeout=max(0.0, min(wake - now, STOP_POLL)))
                if result is not None:
                    in_flight.discard(result.source.name)
                    ready.append(result)
        finally:
            pool.close()
            if pending:
                self._report(pending)
            released = self.leases.release_all()  # abandoned fetches: due as they were
            if released:
                log.info("event=released sources=%d", released)

    def run_cycle(self, names: Sequence[str]) -> RunReport:
        """Collect ``names`` now, whether due or not (``collect`` with this worker's schedule),
        then report the run."""
        if not self._registered:
            self.register()
        report = collect(
            self.config,
            self.store,
            self.fetcher,
            names=names,
            clock=self.clock,
            trigger="watch",
            workers=self.workers,
            stop=self.stop.is_set,
            sharing=self.sharing,
            on_stored=self._note,
        )
        self.cycles += 1
        self._after(report)
        return report

    def _start(
        self,
        pool: FetchPool,
        in_flight: set[str],
        name: str,
        state: Mapping[str, Any] | None,
    ) -> None:
        """Fetch the claimed source ``name`` (its stored ``state``: validators, cursor) on the
        pool."""
        in_flight.add(name)
        pool.submit(
            functools.partial(fetch_source, self.fetcher, self.sources[name], state, self.clock)
        )

    def _until_wake(self, busy: set[str]) -> float:
        """Seconds until a source can next be claimed (at most :data:`IDLE_POLL`: other workers
        come and go)."""
        candidates = [name for name in self.sources if name not in busy]
        wake = self.leases.wake_at(candidates, self.clock()) if candidates else None
        if wake is None:
            return IDLE_POLL
        return min(IDLE_POLL, max(0.0, (wake - self.clock()).total_seconds()))

    def _report(self, outcomes: list[SourceOutcome]) -> None:
        """Report outcomes stored since the last report: a run row, the notifier, a log line."""
        report = RunReport(run_id=self.store.start_run("watch", self.clock()))
        report.outcomes = list(outcomes)
        finish_run(self.store, report, self.clock)
        self.cycles += 1
        self._after(report)

    def _after(self, report: RunReport) -> None:
        if self.notifier is not None:
            try:
                self.notifier.after_run(report)
            except Exception:  # notifications never stop collection
                log.exception("event=notify_failed")
        totals = report.totals
        log.info(
            "event=cycle cycle=%d sources=%d failed=%d incidents_new=%d incidents_changed=%d "
            "updates_new=%d",
            self.cycles,
            len(report.outcomes),
            sum(1 for o in report.outcomes if o.failed),
            totals.incidents_new,
            totals.incidents_changed,
            totals.updates_new,
        )

    def _note(self, stored: Stored) -> None:
        """Staleness: a source failing ``stale_after`` times in a row is reported once (a
        warning), and once more when it recovers."""
        outcome = stored.outcome
        name = outcome.name
        if outcome.failed and stored.failures >= self.stale_after and name not in self.stale:
            self.stale.add(name)
            log.warning(
                "event=stale source=%s failures=%d last_error=%r next_attempt_in=%.0f",
                name,
                stored.failures,
                stored.last_error or "",
                (stored.due - self.clock()).total_seconds(),
            )
        elif outcome.status in ("ok", "unchanged") and name in self.stale:
            self.stale.discard(name)
            log.info("event=recovered source=%s", name)

    @staticmethod
    def _failures(state: Mapping[str, Any] | None) -> int:
        return int(state.get("consecutive_failures") or 0) if state else 0
