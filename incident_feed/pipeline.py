"""One collection run: sources -> normalize -> store, and a report of what happened.

A source that fails is one recorded error; the run goes on for the others. Validators for
conditional GET are saved only after what they describe has been stored, so a failed write is
fetched again next time instead of being skipped as "not modified".
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from incident_feed.config import Config, SourceConfig
from incident_feed.errors import IncidentFeedError, RateLimited, SourceError
from incident_feed.normalize.drafts import Context, IncidentDraft, ItemProblem
from incident_feed.sources.base import Collector, Document
from incident_feed.sources.http import Fetcher, Validators
from incident_feed.sources.registry import collector_for
from incident_feed.store import ApplyStats, Store

log = logging.getLogger("incident_feed.collect")
Clock = Callable[[], dt.datetime]
APPLY_BATCH = 1000


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(slots=True)
class SourceOutcome:
    """How one source's part of a run went."""

    name: str
    vendor: str
    kind: str
    status: str  # ok | unchanged | failed | deferred
    error: str | None = None
    problems: list[str] = field(default_factory=list)
    stats: ApplyStats = field(default_factory=ApplyStats)
    documents: int = 0
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass(slots=True)
class Ingested:
    """What storing a batch of documents did, and what could not be used."""

    stats: ApplyStats = field(default_factory=ApplyStats)
    problems: list[ItemProblem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


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
) -> Ingested:
    """Parse documents and store their drafts; shared by ``collect`` and ``import``.

    A document that is not what the kind expects is one error naming it; the drafts of the
    other documents are still stored.
    """
    drafts: list[IncidentDraft] = []
    result = Ingested()
    context = Context(source.name, source.kind, source.vendor, clock())
    for document in documents:
        try:
            parsed = collector.parse(document, context)
        except SourceError as exc:
            result.errors.append(f"{document.url}: {exc}")
        else:
            drafts += parsed.drafts
            result.problems += parsed.problems
        if on_document is not None:
            on_document(document)
    for start in range(0, len(drafts), APPLY_BATCH):
        batch = drafts[start : start + APPLY_BATCH]
        result.stats.add(store.apply(source.name, source.kind, batch, context.now))
    return result


def collect_source(
    store: Store,
    fetcher: Fetcher,
    source: SourceConfig,
    state: dict[str, Any] | None,
    clock: Clock,
) -> SourceOutcome:
    """Fetch, parse and store one source; never raises for the source's own failures."""
    started = time.monotonic()
    outcome = SourceOutcome(source.name, source.vendor, source.kind, "ok")
    now = clock()
    until = state.get("retry_after_until") if state else None
    if until is not None and until > now:
        outcome.status = "deferred"
        outcome.error = f"rate limited: next attempt after {until:%Y-%m-%d %H:%M:%S}Z"
        return outcome
    validators = {
        url: Validators.from_json(value)
        for url, value in (state.get("validators", {}) if state else {}).items()
    }
    source_row = {
        "name": source.name,
        "vendor": source.vendor,
        "kind": source.kind,
        "url": source.url,
    }
    retry_until: dt.datetime | None = None
    kept: dict[str, dict[str, str]] = {}
    try:
        collector = collector_for(source.kind)
        fetched = collector.fetch(source, fetcher, validators)
        outcome.documents = len(fetched.documents)
        if not fetched.documents:
            outcome.status = "unchanged"
        ingested = ingest(store, source, collector, fetched.documents, clock)
        outcome.stats = ingested.stats
        outcome.problems = [str(p) for p in ingested.problems] + list(fetched.notes)
        if ingested.errors:
            outcome.status, outcome.error = "failed", "; ".join(ingested.errors)
        else:
            kept = {url: v.as_json() for url, v in fetched.validators.items()}
    except RateLimited as exc:
        outcome.status, outcome.error = "failed", str(exc)
        retry_until = clock() + dt.timedelta(seconds=exc.retry_after)
    except IncidentFeedError as exc:
        outcome.status, outcome.error = "failed", str(exc)
    except Exception as exc:  # a bug in one parser must not stop the other sources
        log.exception("internal error collecting %s", source.name)
        outcome.status = "failed"
        outcome.error = f"internal error ({type(exc).__name__}: {exc}); please report it"
    if outcome.error and not outcome.error.startswith(source.name):
        outcome.error = f"{source.name}: {outcome.error}"
    warning = "; ".join(outcome.problems[:5]) if outcome.problems else None
    store.record_source_result(
        source_row,
        now=clock(),
        error=outcome.error,
        warning=warning,
        validators=kept,
        retry_after_until=retry_until,
    )
    outcome.seconds = time.monotonic() - started
    log.info(
        "source=%s status=%s documents=%d incidents_new=%d updates_new=%d updates_changed=%d "
        "problems=%d seconds=%.2f%s",
        source.name,
        outcome.status,
        outcome.documents,
        outcome.stats.incidents_new,
        outcome.stats.updates_new,
        outcome.stats.updates_changed,
        len(outcome.problems),
        outcome.seconds,
        f" error={outcome.error!r}" if outcome.error else "",
    )
    return outcome


def collect(
    config: Config,
    store: Store,
    fetcher: Fetcher,
    *,
    names: Sequence[str] = (),
    clock: Clock = utc_now,
    trigger: str = "collect",
    on_outcome: Callable[[SourceOutcome], None] | None = None,
) -> RunReport:
    """One run over the configured (active) sources, or the ones named."""
    sources = (
        [config.source(n) for n in names] if names else [s for s in config.sources if s.active]
    )
    report = RunReport(run_id=store.start_run(trigger, clock()))
    states = store.source_states()
    for source in sources:
        state = dict(states[source.name]) if source.name in states else None
        outcome = collect_source(store, fetcher, source, state, clock)
        report.outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    finish_run(store, report, clock)
    return report


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
