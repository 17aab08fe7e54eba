"""Notifications on change: a new incident, a phase change, a resolution.

After each watch run the notifier compares every incident's phase with the phase it last noted
(table ``notify_incident``, migration 0003) and sends one event per transition to each
``[[notify]]`` target whose filters match: a command (JSON on stdin, no shell) and/or a webhook
(Slack- and Discord-compatible JSON; the URL is read from the environment variable
``webhook_env`` and never logged).

Never sent:
- the first run's baseline: the first pass notes every incident silently;
- a restart: what was noted is in the database, so nothing is sent twice;
- a newly added (or imported) source's history: incidents that no already-baselined source
  reports are noted silently, and the source joins the baseline after its first success;
- a "new" incident whose last update is older than ``max_age`` (old history surfacing);
- anything for a failed fetch: a failure changes no incident, so it cannot look like a recovery.

Delivery (:mod:`incident_feed.outputs.notify_delivery`) is on one background thread with a
bounded queue; each send is retried with backoff and logged; collection never waits for it.
What each target receives is :mod:`incident_feed.outputs.notify_payloads`. Phases are noted
before sending (at most once: a crash may lose a notification, never repeat one).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

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
from incident_feed.outputs.notify_delivery import Dispatcher
from incident_feed.outputs.notify_payloads import NEW, PHASE, RESOLVED, Event
from incident_feed.pipeline import RunReport
from incident_feed.store.database import Store

log = logging.getLogger("incident_feed.outputs.notify")
MAX_AGE = dt.timedelta(hours=24)


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
    """Whether ``target``'s filters let ``event`` through."""
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
        ensure_notify_tables(store)

    @classmethod
    def from_config(cls, config: Config, store: Store, **options: Any) -> Notifier:
        dispatcher_options = {
            k: options.pop(k) for k in ("delays", "environ", "client_factory") if k in options
        }
        options.setdefault("watch", vendor_watches(config.sources))
        return cls(store, config.notify, Dispatcher(**dispatcher_options), **options)

    def after_run(self, report: RunReport) -> list[Event]:
        """Note what changed since the last pass and queue its events; returns them."""
        from incident_feed.store.notify_state import (
            baseline_taken,
            changed_incidents,
            known_sources,
            note,
            succeeded_sources,
        )

        if self._caught_up and not report.totals.changed_ids:
            return []  # nothing written since the last pass: nothing can have changed
        now = self.clock()
        changed = changed_incidents(self.store)
        succeeded = succeeded_sources(self.store)
        if not baseline_taken(self.store):
            note(self.store, _phases(changed), sources=succeeded, baseline=True, now=now)
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
        note(self.store, _phases(changed), sources=succeeded - known, now=now)
        self._caught_up = True
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
        # Outside the components the team watches: noted above all the same, never sent.
        if events and self.watch:
            pages = self._page_components()
            events = [e for e in events if self._watched(e.incident, pages)]
        for event in events:
            for target in self.targets:
                if matches(target, event):
                    self.dispatcher.submit(target, event)
        if changed:
            log.info(
                "event=notify_pass changed=%d events=%d silent=%d",
                len(changed),
                len(events),
                len(changed) - len(events),
            )
        return events

    def _watched(self, outage: Mapping[str, Any], pages: Mapping[str, PageComponents]) -> bool:
        components = outage.get("components") or []
        return outage_kept(self.watch, str(outage["vendor"]), components, pages)

    def _page_components(self) -> dict[str, dict[str, tuple[str, str | None]]]:
        """Each vendor's page components (names and groups by id), as the listing reads them."""
        from incident_feed.store.page_status import read_page_statuses

        return page_components(read_page_statuses(self.store).values())

    def close(self, timeout: float = 15.0) -> None:
        self.dispatcher.close(timeout)


def _phases(rows: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    return [(str(row["id"]), str(row["phase"])) for row in rows]


def _latest(updates: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    if not updates:
        return None
    return max(updates, key=lambda u: (u["at"], str(u["source_name"]), str(u["native_id"])))
