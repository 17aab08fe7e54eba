"""Unattended collection: the watch loop, the collector lock, graceful stop, structured logs.

- :class:`CollectorLock`: one collector per database. SQLite: ``fcntl.flock`` on
  ``<database>.lock`` beside the database file (the kernel drops it when the process dies, even
  by ``kill -9``, so there is never a stale lock to clean up); PostgreSQL: a session advisory
  lock held on a dedicated connection.
- :class:`GracefulStop`: SIGTERM/SIGINT set a flag; the write in progress finishes, nothing new
  starts. A second signal interrupts at once.
- :class:`Watcher`: repeats collection. Each source has its own next-due time: its interval
  (``[[source]] interval`` or the default) plus up to 10% jitter; after failures, exponential
  backoff from the interval up to a cap, and never before a server's ``Retry-After``. A source
  failing ``stale_after`` times in a row is reported once (a warning), and once more when it
  recovers. Failure counts live in the database, so a restart neither forgets nor repeats them.
"""

from __future__ import annotations

import datetime as dt
import logging
import logging.handlers
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Protocol

from incident_feed.config import Config, SourceConfig
from incident_feed.pipeline import Clock, RunReport, collect, utc_now
from incident_feed.redact import redact_urls
from incident_feed.sources.http import Fetcher
from incident_feed.store.database import Store

log = logging.getLogger("incident_feed.watch")
JITTER = 0.1  # fraction of the interval added at random, so many watchers do not align
COALESCE = 1.0  # seconds: sources due this close together are collected in one run
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


@dataclass(slots=True)
class _Track:
    """One source's place in the schedule."""

    due: float  # monotonic time of the next attempt
    stale: bool = False


class Watcher:
    """Collect due sources, schedule each one's next attempt, repeat until stopped."""

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
    ) -> None:
        self.config = config
        self.store = store
        self.fetcher = fetcher
        self.sources = {s.name: s for s in sources}
        self.interval = interval
        self.stop = stop.event if isinstance(stop, GracefulStop) else stop
        self.stale_after = stale_after
        self.max_backoff = max_backoff
        self.jitter = jitter
        self.workers = workers
        self.notifier = notifier
        self.clock = clock
        self.monotonic = monotonic
        self.rng = rng or random.Random()
        self.cycles = 0
        now = monotonic()
        states = store.source_states()
        self.tracks = {
            name: _Track(now, stale=self._failures(states.get(name)) >= stale_after)
            for name in self.sources
        }

    def interval_for(self, source: SourceConfig) -> float:
        return source.interval or self.interval

    def run(self, max_cycles: int | None = None) -> None:
        """Until stopped (or after ``max_cycles`` runs)."""
        log.info(
            "event=started sources=%d interval=%g workers=%s",
            len(self.sources),
            self.interval,
            self.workers or "default",
        )
        while not self.stop.is_set():
            due = self.due()
            if not due:
                self.stop.wait(max(0.0, self.next_due() - self.monotonic()))
                continue
            self.run_cycle(due)
            if max_cycles is not None and self.cycles >= max_cycles:
                break

    def due(self) -> list[str]:
        """Sources due now, with the ones due within a second (one run, not a trickle)."""
        horizon = self.monotonic() + COALESCE
        if self.next_due() > self.monotonic():
            return []
        return [name for name, track in self.tracks.items() if track.due <= horizon]

    def next_due(self) -> float:
        return min(track.due for track in self.tracks.values())

    def run_cycle(self, names: Sequence[str]) -> RunReport:
        """One collection run over ``names``, then their next attempts are scheduled."""
        started = self.monotonic()
        report = collect(
            self.config,
            self.store,
            self.fetcher,
            names=names,
            clock=self.clock,
            trigger="watch",
            workers=self.workers,
            stop=self.stop.is_set,
        )
        self.cycles += 1
        states = self.store.source_states()
        done = {outcome.name for outcome in report.outcomes}
        # One jitter draw per run: sources collected together stay together.
        factor = 1 + self.rng.uniform(0, self.jitter)
        for outcome in report.outcomes:
            self._schedule(outcome.name, outcome.status, states.get(outcome.name), factor)
        for name in names:
            if name not in done:  # stopped before its turn: first in line next time
                self.tracks[name].due = self.monotonic()
        if self.notifier is not None:
            try:
                self.notifier.after_run(report)
            except Exception:  # notifications never stop collection
                log.exception("event=notify_failed")
        totals = report.totals
        log.info(
            "event=cycle cycle=%d sources=%d failed=%d incidents_new=%d incidents_changed=%d "
            "updates_new=%d seconds=%.2f next_in=%.1f",
            self.cycles,
            len(report.outcomes),
            sum(1 for o in report.outcomes if o.failed),
            totals.incidents_new,
            totals.incidents_changed,
            totals.updates_new,
            self.monotonic() - started,
            max(0.0, self.next_due() - self.monotonic()),
        )
        return report

    def _schedule(
        self, name: str, status: str, state: Mapping[str, Any] | None, factor: float
    ) -> None:
        track = self.tracks[name]
        source = self.sources[name]
        interval = self.interval_for(source)
        failures = self._failures(state)
        delay = interval
        if status == "failed" and failures:
            # Doubling stops long past any cap: 2 ** 1024 no longer fits a float.
            doublings = min(failures - 1, 64)
            delay = max(interval, min(self.max_backoff, interval * 2.0**doublings))
        delay *= factor
        until = state.get("retry_after_until") if state else None
        if until is not None:
            delay = max(delay, (until - self.clock()).total_seconds())
        track.due = self.monotonic() + delay
        if status == "failed" and failures >= self.stale_after and not track.stale:
            track.stale = True
            log.warning(
                "event=stale source=%s failures=%d last_error=%r next_attempt_in=%.0f",
                name,
                failures,
                (state or {}).get("last_error") or "",
                delay,
            )
        elif status in ("ok", "unchanged") and track.stale:
            track.stale = False
            log.info("event=recovered source=%s", name)

    @staticmethod
    def _failures(state: Mapping[str, Any] | None) -> int:
        return int(state.get("consecutive_failures") or 0) if state else 0
