"""Notifications on change: a new incident, a phase change, a resolution.

After each run the notifier compares every outage's phase with the phase it last noted (table
``notify_incident``) and sends one event per transition to each ``[[notify]]`` target whose
routing matches (``vendors``, ``components``, ``phases``, ``min_impact``, ``events``): a
command (JSON on stdin, no shell), a generic webhook, or a native Slack, Discord, Microsoft
Teams or ntfy message (URLs and tokens read from environment variables, never logged).

Never sent:
- the first run's baseline: the first pass notes every incident silently;
- a restart: what was noted is in the database, so nothing is sent twice;
- a newly added (or imported) source's history: incidents that no already-baselined source
  reports are noted silently, and the source joins the baseline after its first success;
- a "new" incident whose last update is older than ``max_age`` (old history surfacing);
- anything for a failed fetch: a failure changes no incident, so it cannot look like a recovery.

Exactly once with several workers: each ``watch`` process on one database runs a notifier,
often at the same moment over the same outages. A transition is noted with compare-and-set
and its notifications written to the outbox in the same transaction
(:func:`incident_feed.store.notify_state.record`): the notifier that noted it sends it, the
others see it noted and send nothing. Each attempt claims its outbox row first, so a row is
sent by one process only, and a crash mid-send never repeats it (at most once); a row a stopped
process never got to send is sent by a later pass of any notifier while younger than
``max_age`` (:meth:`Notifier.resume`).

Delivery (:mod:`incident_feed.outputs.notify_delivery`) is on one background thread with a
bounded queue; each send is retried with backoff and logged; collection never waits for it.
What each target receives is :mod:`incident_feed.outputs.notify_payloads`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from incident_feed.clock import Clock, utc_now
from incident_feed.config import Config, NotifyConfig
from incident_feed.decide.watch import (
    PageComponents,
    VendorWatch,
    outage_kept,
    page_components,
    vendor_watches,
)
from incident_feed.enums import FINAL_PHASES, IMPACT_ORDER, Impact, Phase
from incident_feed.outputs.notify_delivery import Delivery, Dispatcher
from incident_feed.outputs.notify_payloads import NEW, PHASE, RESOLVED, Event
from incident_feed.pipeline import RunReport
from incident_feed.store.database import Store

if TYPE_CHECKING:
    from incident_feed.store.notify_state import Outgoing

log = logging.getLogger("incident_feed.outputs.notify")
MAX_AGE = dt.timedelta(hours=24)
# An outbox row untouched this long was left by a process that stopped (an attempt takes at
# most 30 s, a wait between retries 15 s); resuming is looked at this often.
RESUME_AFTER = dt.timedelta(minutes=2)
RESUME_EVERY = dt.timedelta(minutes=1)
KEEP_SENT = dt.timedelta(days=30)  # how long the outbox keeps rows sent or given up


# -- deciding (pure) --------------------------------------------------------------------------


def plan_events(
    changed: Iterable[Mapping[str, Any]],
    sources_of: Mapping[str, set[str]],
    known_sources: set[str],
    *,
    now: dt.datetime,
    max_age: dt.timedelta = MAX_AGE,
) -> list[Event]:
    """Which changed incidents are worth an event (see the module docstring for what is not)."""
    events = []
    for row in changed:
        if row.get("renoted_only"):
            continue  # the outage's id changed (a new head), its phase did not
        if not sources_of.get(row["id"], set()) & known_sources:
            continue  # only reported by a source still being baselined
        previous = row.get("noted_phase")
        if previous is None:
            if row["updated_at"] < now - max_age:
                continue
            kind = NEW
        else:
            kind = RESOLVED if Phase(row["phase"]) in FINAL_PHASES else PHASE
        events.append(Event(kind, row, previous))
    return events


def matches(target: NotifyConfig, event: Event) -> bool:
    """Whether ``target``'s routing lets ``event`` through: its event kind, vendor, a component
    named, the phase the outage is now in, and its impact."""
    incident = event.incident
    if event.kind not in target.events:
        return False
    if target.vendors and str(incident["vendor"]).lower() not in {
        v.lower() for v in target.vendors
    }:
        return False
    if target.components:
        names = {str(c.get("name") or "").lower() for c in incident.get("components") or []}
        if not names & {c.lower() for c in target.components}:
            return False
    if target.phases and str(incident["phase"]) not in target.phases:
        return False
    if target.min_impact is not None:
        impact = _impact(incident["impact"])
        if IMPACT_ORDER.index(impact) < IMPACT_ORDER.index(Impact(target.min_impact)):
            return False
    return True


def _impact(value: object) -> Impact:
    try:
        return Impact(str(value))
    except ValueError:
        return Impact.UNKNOWN


# -- the notifier -----------------------------------------------------------------------------


class Notifier:
    """Turns each run's changes into events for the ``[[notify]]`` targets."""

    def __init__(
        self,
        store: Store,
        targets: Sequence[NotifyConfig],
        dispatcher: Dispatcher,
        *,
        clock: Clock = utc_now,
        max_age: dt.timedelta = MAX_AGE,
        watch: tuple[VendorWatch, ...] = (),
    ) -> None:
        from incident_feed.store.notify_state import ensure_notify_tables

        self.store = store
        self.targets = tuple(targets)
        self.dispatcher = dispatcher
        self.clock = clock
        self.max_age = max_age
        self.watch = watch  # component watching (config ``components`` / ``exclude_components``)
        self._caught_up = False
        self._resumed_at: dt.datetime | None = None
        ensure_notify_tables(store)
        if dispatcher.ledger is None:
            dispatcher.ledger = OutboxLedger(store, clock)

    @classmethod
    def from_config(cls, config: Config, store: Store, **options: Any) -> Notifier:
        dispatcher_options = {
            k: options.pop(k) for k in ("delays", "environ", "client_factory") if k in options
        }
        options.setdefault("watch", vendor_watches(config.sources))
        return cls(store, config.notify, Dispatcher(**dispatcher_options), **options)

    def after_run(self, report: RunReport) -> list[Event]:
        """Note what changed since the last pass and queue its events; returns the events this
        notifier noted (another notifier that noted a transition first sends it instead)."""
        from incident_feed.store.notify_state import (
            Note,
            baseline_taken,
            changed_incidents,
            known_sources,
            record,
            succeeded_sources,
        )

        self.resume()
        if self._caught_up and not report.totals.changed_ids:
            return []  # nothing written since the last pass: nothing can have changed
        now = self.clock()
        changed = changed_incidents(self.store)
        succeeded = succeeded_sources(self.store)
        notes = [Note(str(r["id"]), str(r["phase"]), r.get("noted_seq")) for r in changed]
        if not baseline_taken(self.store):
            record(self.store, notes, sources=succeeded, baseline=True, now=now)
            self._caught_up = True
            log.info("event=notify_baseline incidents=%d sources=%d", len(changed), len(succeeded))
            return []
        known = known_sources(self.store)
        # An outage's records and updates are its members' (its whole thread).
        members = {row["id"]: list(row.get("members") or [row["id"]]) for row in changed}
        member_ids = [m for ms in members.values() for m in ms]
        member_records = self.store.records_for(member_ids) if member_ids else {}
        records = {
            i: [r for m in ms for r in member_records.get(m, [])] for i, ms in members.items()
        }
        sources_of = {i: {str(r["source_name"]) for r in rs} for i, rs in records.items()}
        events = plan_events(changed, sources_of, known, now=now, max_age=self.max_age)
        if events:
            wanted = [m for e in events for m in members[e.incident["id"]]]
            updates = self.store.updates_for(wanted)
            events = [
                Event(
                    e.kind,
                    e.incident,
                    e.previous_phase,
                    records.get(e.incident["id"], []),
                    _latest([u for m in members[e.incident["id"]] for u in updates.get(m, [])]),
                )
                for e in events
            ]
        # Outside the components the team watches: noted all the same, never sent.
        if events and self.watch:
            pages = self._page_components()
            events = [e for e in events if self._watched(e.incident, pages)]
        deliveries = [
            Delivery(target, channel, event)
            for event in events
            for target in self.targets
            if matches(target, event)
            for channel in target.channels()
        ]
        recorded = record(
            self.store,
            notes,
            [_outgoing(d) for d in deliveries],
            sources=succeeded - known,
            now=now,
        )
        self._caught_up = True
        events = [e for e in events if e.incident["id"] in recorded.noted]
        for delivery in deliveries:
            key = (str(delivery.event.incident["id"]), delivery.target.name, delivery.channel)
            if key in recorded.outbox:
                self.dispatcher.submit(replace(delivery, outbox_id=recorded.outbox[key]))
        if changed:
            log.info(
                "event=notify_pass changed=%d noted=%d events=%d queued=%d",
                len(changed),
                len(recorded.noted),
                len(events),
                len(recorded.outbox),
            )
        return events

    def resume(self, *, force: bool = False) -> int:
        """Send what a stopped process left in the outbox; give up what can no longer be sent
        at most once; forget rows settled more than :data:`KEEP_SENT` ago. Runs at most every
        :data:`RESUME_EVERY`; returns how many were queued.

        A row still pending (never attempted, or between retries) and untouched for
        :data:`RESUME_AFTER` is queued again while younger than ``max_age``; its attempts claim
        it, so another worker resuming it at the same time sends nothing. A row caught
        mid-attempt ("sending", untouched that long) may have arrived: it is marked failed, not
        resent.
        """
        from incident_feed.store.notify_state import (
            give_up_interrupted,
            outages_by_id,
            prune,
            stale_pending,
        )

        now = self.clock()
        if not force and self._resumed_at is not None and now - self._resumed_at < RESUME_EVERY:
            return 0
        self._resumed_at = now
        untouched = now - RESUME_AFTER
        given_up = give_up_interrupted(
            self.store, untouched_since=untouched, created_before=now - self.max_age, now=now
        )
        if given_up:
            log.warning("event=notify_given_up rows=%d reason=interrupted_or_too_old", given_up)
        prune(self.store, settled_before=now - KEEP_SENT)
        targets = {t.name: t for t in self.targets}
        rows = [
            r
            for r in stale_pending(
                self.store, untouched_since=untouched, created_since=now - self.max_age
            )
            if r["target"] in targets and r["channel"] in targets[r["target"]].channels()
        ]
        if not rows:
            return 0
        outages = outages_by_id(self.store, sorted({str(r["incident_id"]) for r in rows}))
        member_ids = [m for o in outages.values() for m in o["members"]]
        updates = self.store.updates_for(member_ids) if member_ids else {}
        member_records = self.store.records_for(member_ids) if member_ids else {}
        queued = 0
        for row in rows:
            outage = outages.get(str(row["incident_id"]))
            if outage is None:
                continue  # merged into another outage since: its own rows say it
            # As noted then: the phase of the transition, not where the outage is now.
            incident = dict(outage) | {"phase": row["phase"]}
            event = Event(
                str(row["event"]),
                incident,
                row["previous_phase"],
                [r for m in outage["members"] for r in member_records.get(m, [])],
                _latest([u for m in outage["members"] for u in updates.get(m, [])]),
            )
            delivery = Delivery(targets[row["target"]], str(row["channel"]), event, row["id"])
            self.dispatcher.submit(delivery)
            queued += 1
        log.info("event=notify_resumed rows=%d", queued)
        return queued

    def _watched(self, outage: Mapping[str, Any], pages: Mapping[str, PageComponents]) -> bool:
        components = outage.get("components") or []
        return outage_kept(self.watch, str(outage["vendor"]), components, pages)

    def _page_components(self) -> dict[str, dict[str, tuple[str, str | None]]]:
        """Each vendor's page components (names and groups by id), as the listing reads them."""
        from incident_feed.store.page_status import read_page_statuses

        return page_components(read_page_statuses(self.store).values())

    def close(self, timeout: float = 15.0) -> None:
        self.dispatcher.close(timeout)


class OutboxLedger:
    """The dispatcher's claims and outcomes, written to the outbox (``notify_outbox``)."""

    def __init__(self, store: Store, clock: Clock = utc_now) -> None:
        self.store = store
        self.clock = clock

    def claim(self, outbox_id: int) -> bool:
        from incident_feed.store.notify_state import claim

        return claim(self.store, outbox_id, self.clock())

    def settle(self, outbox_id: int, state: str, error: str | None = None) -> None:
        from incident_feed.store.notify_state import settle

        settle(self.store, outbox_id, state, self.clock(), error)


def _outgoing(delivery: Delivery) -> Outgoing:
    from incident_feed.store.notify_state import Outgoing

    event = delivery.event
    return Outgoing(
        incident_id=str(event.incident["id"]),
        target=delivery.target.name,
        channel=delivery.channel,
        event=event.kind,
        previous_phase=event.previous_phase,
        phase=str(event.incident["phase"]),
    )


def _latest(updates: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    if not updates:
        return None
    return max(updates, key=lambda u: (u["at"], str(u["source_name"]), str(u["native_id"])))
