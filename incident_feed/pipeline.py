"""One collection run: sources -> normalize -> store, and a report of what happened.

A source that fails is one recorded error; the run goes on for the others. Validators for
conditional GET, and a social source's paging cursor, are saved only after what they describe has
been stored, so a failed write is fetched again next time instead of being skipped as "not
modified" or paged past. Social timelines also tell which stored posts were deleted upstream;
those updates are marked, never removed.

Sources are fetched concurrently on a bounded thread pool (:func:`fetch_source`, network only);
their documents are parsed and stored on the calling thread (:func:`store_source`).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import operator
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from incident_feed.clock import Clock, utc_now
from incident_feed.config import SOCIAL_KINDS, Config, SourceConfig
from incident_feed.decide.backoff import Backoff
from incident_feed.errors import IncidentFeedError, RateLimited, SourceError
from incident_feed.normalize.drafts import (
    MAX_ITEMS,
    Context,
    IncidentDraft,
    ItemProblem,
    PageStatus,
    Seen,
    SetAside,
    one_per_record,
    unstorable,
)
from incident_feed.normalize.text import clean_line
from incident_feed.redact import redact_url, redact_urls
from incident_feed.sources.base import Collector, Document, Fetched
from incident_feed.sources.registry import collector_for
from incident_feed.store.database import ApplyStats, Store
from incident_feed.store.leases import Leases
from incident_feed.store.links import link_changed
from incident_feed.store.page_status import (
    confirm_page_status_in,
    record_page_status,
    write_page_status,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from incident_feed.sources.http import Fetcher

log = logging.getLogger("incident_feed.collect")
APPLY_BATCH = 1000
DEFAULT_WORKERS = 16  # sources fetched at once by `collect`
LOGGED_PROBLEMS = 20  # problems (skipped items, notes) logged per source and run; all counted


@dataclass(slots=True)
class SourceOutcome:
    """How one source's part of a run went."""

    name: str
    vendor: str
    kind: str
    status: str  # ok | unchanged | failed | deferred (rate limited) | skipped (another worker)
    error: str | None = None
    problems: list[str] = field(default_factory=list)
    stats: ApplyStats = field(default_factory=ApplyStats)
    documents: int = 0
    seconds: float = 0.0
    deleted: int = 0  # stored posts found deleted upstream in this run (social sources)
    ignored: int = 0  # posts read fine that are not incident updates (social sources)

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass(slots=True)
class Ingested:
    """What storing a batch of documents did, and what could not be used."""

    stats: ApplyStats = field(default_factory=ApplyStats)
    problems: list[ItemProblem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)  # urls of the documents the errors are about
    ignored: int = 0  # items read fine that are not incident updates
    deleted: int = 0  # stored updates marked deleted upstream
    status: PageStatus | None = None  # the page's current state, when a summary was read


@dataclass(slots=True)
class RunReport:
    outcomes: list[SourceOutcome] = field(default_factory=list)
    run_id: int | None = None

    @property
    def ok(self) -> bool:
        return not any(o.failed for o in self.outcomes)

    @property
    def totals(self) -> ApplyStats:
        total = ApplyStats()
        for outcome in self.outcomes:
            total.add(outcome.stats)
        return total


def ingest(
    store: Store,
    source: SourceConfig,
    collector: Collector,
    documents: Iterable[Document],
    clock: Clock,
    on_document: Callable[[Document], None] | None = None,
    *,
    mark_deleted: bool = False,
    max_items: int | None = MAX_ITEMS,
) -> Ingested:
    """Parse documents and store their drafts; shared by ``collect`` and ``import``.

    A document that is not what the kind expects, or whose drafts cannot be stored, is one
    error naming it; the drafts of the other documents are still stored. With ``mark_deleted``
    (a live collection, not an import of old files), stored updates missing from the span of a
    social timeline the documents cover are marked deleted; only when every document was read
    whole. ``max_items`` bounds the items read from one document (None: all of them, for
    imports); items dropped over it are an error naming the document and the count, while the
    items read are still stored.
    """
    drafts: list[IncidentDraft] = []
    origin: dict[str, str] = {}  # draft native id -> the document it came from
    result = Ingested()
    context = Context(
        source.name, source.kind, source.vendor, clock(), max_items, zone=source.timezone
    )
    spans: list[Seen | None] = []
    set_aside: list[SetAside] = []
    for document in documents:
        try:
            parsed = collector.parse(document, context)
        except SourceError as exc:
            result.errors.append(f"{redact_url(document.url)}: {exc}")
            result.failed.add(document.url)
        except Exception as exc:  # a bug on one document must not lose the others
            # The traceback for a log file (INFO: not printed when logging is not set up);
            # the error itself is reported with the others.
            log.info("internal error parsing %s", redact_url(document.url), exc_info=True)
            result.errors.append(f"{redact_url(document.url)}: {_internal(exc)}")
            result.failed.add(document.url)
        else:
            for draft in parsed.drafts:
                if (reason := unstorable(draft)) is None:
                    drafts.append(draft)
                    origin[draft.native_id] = document.url
                else:
                    label = f"{draft.kind.value} {clean_line(draft.native_id)[:60]}"
                    result.problems.append(ItemProblem(label, reason))
            dropped = sum(p.dropped for p in parsed.problems)
            if dropped:
                result.errors.append(
                    f"{redact_url(document.url)}: {dropped:,} items dropped, over the limit of "
                    f"{max_items:,} items read from one document"
                )
            result.problems += parsed.problems
            result.ignored += parsed.ignored
            set_aside += parsed.set_aside
            spans.append(parsed.seen)
            result.status = parsed.status or result.status
        if on_document is not None:
            on_document(document)
    drafts = one_per_record(drafts)  # a summary repeats the incidents incidents.json lists
    if source.kind in SOCIAL_KINDS:
        from incident_feed.decide.threads import held_post  # social sources only
        from incident_feed.store.threads import thread_posts

        planned = thread_posts(
            store, source.name, source.vendor, drafts, brand=source.role == "brand"
        )
        drafts = planned.drafts
        set_aside += [held_post(draft) for draft in planned.held]
        result.ignored += len(planned.held)
    # The page state is stored in the last batch's transaction, and only when every document
    # so far was read and stored whole: a run with an error keeps the previous state.
    status = result.status if not result.errors else None
    batches = [drafts[start : start + APPLY_BATCH] for start in range(0, len(drafts), APPLY_BATCH)]
    for number, batch in enumerate(batches or [[]], start=1):
        also = None
        if status is not None and number >= len(batches) and not result.errors:
            also = functools.partial(
                write_page_status,
                source_name=source.name, vendor=source.vendor, status=status, now=context.now,
            )  # fmt: skip
        if _apply(store, source, batch, origin, context.now, result, also=also) and also:
            status = None  # stored with its batch
    if source.kind in SOCIAL_KINDS:
        _keep_set_aside(store, source.name, set_aside, drafts, context.now)
    known = [span for span in spans if span is not None]
    if mark_deleted and known and len(known) == len(spans) and not result.errors:
        seen = functools.reduce(operator.or_, known)  # the pages are contiguous: one span
        result.deleted = store.mark_deleted(source.name, seen, context.now)
    if result.stats.changed_ids:
        link_changed(store, source.vendor, result.stats.changed_ids, context.now)
    if status is not None and not result.errors:  # its batch was stored document by document
        record_page_status(store, source.name, source.vendor, status, context.now)
    return result


def _apply(
    store: Store,
    source: SourceConfig,
    batch: list[IncidentDraft],
    origin: Mapping[str, str],
    now: dt.datetime,
    result: Ingested,
    *,
    also: Callable[[Connection], None] | None = None,
) -> bool:
    """Store one batch in one transaction (with ``also``); when a value in it cannot be stored,
    store it again document by document (without ``also``), so only the documents holding bad
    values fail (each one named). A database that fails (locked, gone, full) is not a
    document's fault: that still raises. True when the batch was stored in one transaction."""
    try:
        result.stats.add(store.apply(source.name, source.kind, batch, now, also=also))
        return True
    except IncidentFeedError:
        raise
    except Exception:
        log.info("a batch of %s could not be stored; storing it document by document", source.name)
    by_document: dict[str | None, list[IncidentDraft]] = {}
    for draft in batch:
        by_document.setdefault(origin.get(draft.native_id), []).append(draft)
    for url, drafts in by_document.items():
        try:
            result.stats.add(store.apply(source.name, source.kind, drafts, now))
        except IncidentFeedError:
            raise
        except Exception as exc:
            log.info("cannot store the drafts of %s", redact_url(url or source.name), exc_info=True)
            result.errors.append(
                f"{redact_url(url or source.name)}: cannot store it: {_internal(exc)}"
            )
            result.failed.add(url or source.name)
    return False


def _keep_set_aside(
    store: Store,
    source_name: str,
    set_aside: list[SetAside],
    drafts: list[IncidentDraft],
    now: dt.datetime,
) -> None:
    """Keep the posts that are no incident updates; forget those that now are (an edit)."""
    from incident_feed.store.posts import forget_set_aside, keep_set_aside

    keep_set_aside(store, source_name, set_aside, now)
    forget_set_aside(store, source_name, (d.native_id for d in drafts))


def _internal(exc: BaseException) -> str:
    return f"internal error ({type(exc).__name__}: {str(exc)[:300]}); please report it"


@dataclass(slots=True)
class FetchResult:
    """The network half of one source's collection: what came back, or why nothing did."""

    source: SourceConfig
    outcome: SourceOutcome
    started: float
    collector: Collector | None = None
    fetched: Fetched | None = None
    retry_until: dt.datetime | None = None


def fetch_source(
    fetcher: Fetcher,
    source: SourceConfig,
    state: Mapping[str, Any] | None,
    clock: Clock,
    *,
    deadline: float | None = None,
) -> FetchResult:
    """Fetch one source's documents (network only: no parsing, no store); never raises for the
    source's own failures. Safe to run on a worker thread. ``state`` is the source's stored row:
    its validators, its retry time and (social sources) its paging cursor.

    The whole fetch, every document and page, ends within ``deadline`` seconds (default: the
    limits' ``source_deadline``); past it the source fails and brings nothing to store."""
    result = FetchResult(
        source, SourceOutcome(source.name, source.vendor, source.kind, "ok"), time.monotonic()
    )
    outcome = result.outcome
    now = clock()
    until = state.get("retry_after_until") if state else None
    if until is not None and until > now:
        outcome.status = "deferred"
        outcome.error = f"rate limited: next attempt after {until:%Y-%m-%d %H:%M:%S}Z"
        return result
    from incident_feed.sources.http import Validators  # the network side: not for ``import``

    validators = {
        url: Validators.from_json(value)
        for url, value in (state.get("validators", {}) if state else {}).items()
    }
    try:
        result.collector = collector_for(source.kind)
        cursor = state.get("cursor") if state else None
        scoped = fetcher.scoped(fetcher.limits.source_deadline if deadline is None else deadline)
        result.fetched = result.collector.fetch(source, scoped, validators, cursor=cursor)
    except RateLimited as exc:
        outcome.status, outcome.error = "failed", str(exc)
        result.retry_until = clock() + dt.timedelta(seconds=exc.retry_after)
    except IncidentFeedError as exc:
        outcome.status, outcome.error = "failed", str(exc)
    except Exception as exc:  # a bug in one collector must not stop the other sources
        log.exception("internal error fetching %s", source.name)
        outcome.status = "failed"
        outcome.error = f"internal error ({type(exc).__name__}: {exc}); please report it"
    return result


def store_source(
    store: Store,
    result: FetchResult,
    clock: Clock,
    *,
    on_record: Callable[[Connection, Mapping[str, Any]], None] | None = None,
) -> SourceOutcome:
    """Parse and store what :func:`fetch_source` brought, and remember the attempt (with
    ``on_record`` in the same transaction: the schedule's hand-back)."""
    source, outcome = result.source, result.outcome
    if outcome.status == "deferred":
        _log_outcome(outcome)
        return outcome
    kept: dict[str, dict[str, str]] = {}
    cursor: str | None = None
    confirm: Callable[[Connection], object] | None = None
    if result.fetched is not None and result.collector is not None:
        fetched = result.fetched
        outcome.documents = len(fetched.documents)
        if not fetched.documents:
            outcome.status = "unchanged"
        try:
            ingested = ingest(
                store, source, result.collector, fetched.documents, clock, mark_deleted=True
            )
        except IncidentFeedError as exc:
            outcome.status, outcome.error = "failed", str(exc)
        except Exception as exc:  # a bug in one parser must not stop the other sources
            log.exception("internal error collecting %s", source.name)
            outcome.status = "failed"
            outcome.error = f"internal error ({type(exc).__name__}: {exc}); please report it"
        else:
            outcome.stats = ingested.stats
            outcome.deleted, outcome.ignored = ingested.deleted, ingested.ignored
            outcome.problems = [str(p) for p in ingested.problems] + list(fetched.notes)
            if ingested.errors:
                outcome.status, outcome.error = "failed", "; ".join(ingested.errors)
            else:
                kept = {url: v.as_json() for url, v in fetched.validators.items()}
                cursor = fetched.cursor
                if ingested.status is None and fetched.not_modified and not fetched.notes:
                    # Its summary unchanged (304): the stored page state still holds now.
                    confirm = functools.partial(
                        confirm_page_status_in, source_name=source.name, now=clock()
                    )
    if outcome.error and not outcome.error.startswith(source.name):
        outcome.error = f"{source.name}: {outcome.error}"
    if outcome.error:
        outcome.error = redact_urls(outcome.error)  # an internal error may quote a URL
    warning = "; ".join(outcome.problems[:5]) if outcome.problems else None
    store.record_source_result(
        {
            "name": source.name,
            "vendor": source.vendor,
            "kind": source.kind,
            "url": redact_url(source.url),
        },
        now=clock(),
        error=outcome.error,
        warning=warning,
        validators=kept,
        retry_after_until=result.retry_until,
        cursor=cursor,
        also=_both(confirm, on_record),
    )
    outcome.seconds = time.monotonic() - result.started
    _log_outcome(outcome)
    return outcome


def _both(
    confirm: Callable[[Connection], object] | None,
    on_record: Callable[[Connection, Mapping[str, Any]], None] | None,
) -> Callable[[Connection, Mapping[str, Any]], None] | None:
    """One ``also`` for the attempt's transaction: the page state's confirmation, then the
    caller's own writes."""
    if confirm is None:
        return on_record

    def both(conn: Connection, recorded: Mapping[str, Any]) -> None:
        confirm(conn)
        if on_record is not None:
            on_record(conn, recorded)

    return both


def _log_outcome(outcome: SourceOutcome) -> None:
    for problem in outcome.problems[:LOGGED_PROBLEMS]:
        log.warning("event=problem source=%s problem=%r", outcome.name, problem)
    log.info(
        "source=%s status=%s documents=%d incidents_new=%d updates_new=%d updates_changed=%d "
        "problems=%d seconds=%.2f%s%s",
        outcome.name,
        outcome.status,
        outcome.documents,
        outcome.stats.incidents_new,
        outcome.stats.updates_new,
        outcome.stats.updates_changed,
        len(outcome.problems),
        outcome.seconds,
        f" updates_deleted={outcome.deleted}" if outcome.deleted else "",
        f" error={outcome.error!r}" if outcome.error else "",
    )


def collect_source(
    store: Store,
    fetcher: Fetcher,
    source: SourceConfig,
    state: Mapping[str, Any] | None,
    clock: Clock,
) -> SourceOutcome:
    """Fetch, parse and store one source; never raises for the source's own failures."""
    return store_source(store, fetch_source(fetcher, source, state, clock), clock)


def collect(
    config: Config,
    store: Store,
    fetcher: Fetcher,
    *,
    names: Sequence[str] = (),
    clock: Clock = utc_now,
    trigger: str = "collect",
    on_outcome: Callable[[SourceOutcome], None] | None = None,
    workers: int | None = None,
    stop: Callable[[], bool] | None = None,
    sharing: Sharing | None = None,
    on_stored: Callable[[Stored], None] | None = None,
) -> RunReport:
    """One run over the configured (active) sources, or the ones named.

    Up to ``workers`` sources are fetched at once on a bounded thread pool; parsing and writing
    happen on the calling thread as fetches complete, so the store sees one writer and the
    network never waits on the parser. When ``stop()`` turns true, the write in progress
    finishes, nothing new starts, and fetched-but-unstored sources are simply fetched again
    next time (their validators were not saved).

    Sources are claimed through the shared schedule first (``sharing``, or the default
    policy's): a source a ``watch`` worker is fetching right now is skipped (status
    ``skipped``), and each source collected is next due for ``watch`` one interval later.
    """
    sources = (
        [config.source(n) for n in names] if names else [s for s in config.sources if s.active]
    )
    sharing = sharing or Sharing.for_config(config, store)
    report = RunReport(run_id=store.start_run(trigger, clock()))
    wanted = [source.name for source in sources]
    sharing.leases.register(wanted, clock())
    claimed = set(sharing.leases.claim(wanted, clock(), len(wanted), due_only=False))
    outcomes: list[SourceOutcome] = [
        SourceOutcome(s.name, s.vendor, s.kind, "skipped", error="another worker is fetching it")
        for s in sources
        if s.name not in claimed
    ]
    for outcome in outcomes:
        _log_outcome(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    mine = [source for source in sources if source.name in claimed]
    stopped = stop or (lambda: False)
    try:
        states = store.source_states([source.name for source in mine])
        for result in _fetch_all(fetcher, mine, states, clock, workers, stopped):
            stored = sharing.store(store, result, clock)
            if stored is None:
                continue
            if on_stored is not None:
                on_stored(stored)
            outcomes.append(stored.outcome)
            if on_outcome is not None:
                on_outcome(stored.outcome)
    finally:
        sharing.leases.release_all()  # stopped before their turn: due as they were
    # Stored (and reported through on_outcome) as fetches complete; listed in config order.
    order = {source.name: index for index, source in enumerate(sources)}
    report.outcomes = sorted(outcomes, key=lambda o: order[o.name])
    finish_run(store, report, clock)
    return report


def _fetch_all(
    fetcher: Fetcher,
    sources: Sequence[SourceConfig],
    states: Mapping[str, Mapping[str, Any]],
    clock: Clock,
    workers: int | None,
    stopped: Callable[[], bool],
) -> Iterator[FetchResult]:
    """Each source's fetch, in the order they complete, up to ``workers`` at once."""
    size = max(1, min(workers or DEFAULT_WORKERS, len(sources)))
    if size == 1:
        for source in sources:
            if stopped():
                return
            yield fetch_source(fetcher, source, states.get(source.name), clock)
        return
    pending = iter(sources)
    pool = FetchPool(size)
    in_flight = 0
    try:
        while True:
            # At most 2 x size fetched bodies wait for the parser: memory stays bounded.
            while in_flight < 2 * size and not stopped():
                waiting = next(pending, None)
                if waiting is None:
                    break
                pool.submit(functools.partial(
                    fetch_source, fetcher, waiting, states.get(waiting.name), clock
                ))  # fmt: skip
                in_flight += 1
            if not in_flight or stopped():
                return
            # A timeout so that a stop request is seen even while every fetch is slow.
            result = pool.get(timeout=0.25)
            if result is None:
                continue
            in_flight -= 1
            if stopped():
                return
            yield result
    finally:
        pool.close()


@dataclass(frozen=True, slots=True)
class Stored:
    """A claimed source stored and handed back: how it went and when it is next due."""

    outcome: SourceOutcome
    due: dt.datetime
    failures: int
    last_error: str | None


@dataclass(slots=True)
class Sharing:
    """A worker's share of the sources: its leases on the shared schedule and the policy that
    says when each source is next due. ``collect`` and ``watch`` store through it."""

    leases: Leases
    backoff: Backoff = field(default_factory=Backoff)
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def for_config(cls, config: Config, store: Store, **options: Any) -> Sharing:
        """Leases lasting the source deadline plus :data:`STORE_MARGIN` seconds."""
        return cls(Leases(store, seconds=lease_seconds(config)), **options)

    def store(self, store: Store, result: FetchResult, clock: Clock) -> Stored | None:
        """Store a fetch of a claimed source and hand the source back with its next due time.
        None, storing nothing, when this worker's lease ended before (another worker has it)."""
        source = result.source
        if not self.leases.holds(source.name, clock()):
            log.warning(
                "event=lease_lost source=%s seconds=%.1f (not stored: another worker has it)",
                source.name,
                time.monotonic() - result.started,
            )
            return None
        handed_back: dict[str, Any] = {}

        def hand_back(conn: Connection, recorded: Mapping[str, Any]) -> None:
            failures = int(recorded.get("consecutive_failures") or 0)  # 0 after a success
            due = self._due(clock(), source, failures, recorded.get("retry_after_until"))
            self.leases.release_in(conn, source.name, due)
            handed_back.update(due=due, failures=failures, error=recorded.get("last_error"))

        outcome = store_source(store, result, clock, on_record=hand_back)
        if not handed_back:  # deferred (rate limited): nothing recorded, due when allowed
            state = store.source_states([source.name]).get(source.name) or {}
            due = self._due(clock(), source, 0, state.get("retry_after_until"))
            self.leases.release(source.name, due)
            handed_back.update(due=due, failures=0, error=None)
        return Stored(outcome, handed_back["due"], handed_back["failures"], handed_back["error"])

    def _due(
        self,
        now: dt.datetime,
        source: SourceConfig,
        failures: int,
        retry_after_until: dt.datetime | None,
    ) -> dt.datetime:
        return self.backoff.next_due(
            now,
            source.interval,
            failures=failures,
            draw=self.rng.random(),
            retry_after_until=retry_after_until,
        )


STORE_MARGIN = 120.0  # seconds a lease outlasts the source deadline, for parsing and storing


def lease_seconds(config: Config) -> float:
    """How long a claim lasts: the source deadline (its whole fetch), plus a margin."""
    return config.settings.limits.source_deadline + STORE_MARGIN


class FetchPool:
    """Fetch workers on daemon threads: a fetch still in flight when the process exits (after a
    stop) is abandoned instead of awaited. Workers only fetch; they never touch the store.
    ``collect`` and ``watch`` both fetch through one; the caller parses and stores each result
    on its own thread as results arrive."""

    def __init__(self, size: int) -> None:
        self._tasks: queue.SimpleQueue[Callable[[], FetchResult] | None] = queue.SimpleQueue()
        self._results: queue.SimpleQueue[FetchResult] = queue.SimpleQueue()
        self.size = size
        for index in range(size):
            name = f"incident-feed-fetch-{index}"
            threading.Thread(target=self._work, name=name, daemon=True).start()

    def submit(self, job: Callable[[], FetchResult]) -> None:
        """Run ``job`` (a :func:`fetch_source` call) on the next free worker."""
        self._tasks.put(job)

    def get(self, timeout: float) -> FetchResult | None:
        """The next finished fetch, waiting at most ``timeout`` seconds (0: only one ready)."""
        try:
            if timeout <= 0:
                return self._results.get_nowait()
            return self._results.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        for _ in range(self.size):
            self._tasks.put(None)

    def _work(self) -> None:
        while (job := self._tasks.get()) is not None:
            self._results.put(job())


def finish_run(store: Store, report: RunReport, clock: Clock) -> None:
    if report.run_id is None:
        return
    totals = report.totals
    store.finish_run(
        report.run_id,
        {
            "finished_at": clock(),
            "sources_ok": sum(1 for o in report.outcomes if not o.failed),
            "sources_failed": sum(1 for o in report.outcomes if o.failed),
            "incidents_new": totals.incidents_new,
            "incidents_changed": totals.incidents_changed,
            "updates_new": totals.updates_new,
            "updates_changed": totals.updates_changed,
            "errors": [{"source": o.name, "message": o.error} for o in report.outcomes if o.error],
        },
    )
