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

Delivery is on one background thread with a bounded queue; each send is retried with backoff
and logged; collection never waits for it. Phases are noted before sending (at most once: a
crash may lose a notification, never repeat one).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from incident_feed.clock import Clock, format_duration, utc_now
from incident_feed.config import Config, NotifyConfig
from incident_feed.decide.watch import (
    PageComponents,
    VendorWatch,
    outage_kept,
    page_components,
    vendor_watches,
)
from incident_feed.enums import FINAL_PHASES, IMPACT_ORDER, Impact, Kind, Phase
from incident_feed.outputs.json_contract import incident_json, update_json
from incident_feed.outputs.markdown import inline
from incident_feed.pipeline import RunReport
from incident_feed.store.database import Store

log = logging.getLogger("incident_feed.outputs.notify")
NEW, PHASE, RESOLVED = "new", "phase", "resolved"
MAX_AGE = dt.timedelta(hours=24)
RETRY_DELAYS = (1.0, 5.0, 15.0)  # seconds before the 2nd, 3rd and 4th attempts
COMMAND_TIMEOUT = 30.0
WEBHOOK_TIMEOUT = 10.0
QUEUE_SIZE = 1000
DISCORD_LIMIT = 2000
_PHASE_WORDS = {phase: phase.value.replace("_", " ") for phase in Phase}


@dataclass(frozen=True, slots=True)
class Event:
    """One transition of one incident."""

    kind: str  # new | phase | resolved
    incident: Mapping[str, Any]
    previous_phase: str | None
    records: Sequence[Mapping[str, Any]] = ()
    latest_update: Mapping[str, Any] | None = None


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


def headline(event: Event) -> str:
    """One plain line: what happened to which incident."""
    incident = event.incident
    vendor, title = incident["vendor"], incident["title"]
    thing = "maintenance" if incident["kind"] == Kind.MAINTENANCE else "incident"
    phase = _PHASE_WORDS.get(Phase(incident["phase"]), str(incident["phase"]))
    if event.kind == NEW:
        return f"New {thing} at {vendor}: {title} ({incident['impact']} impact, {phase})"
    if event.kind == RESOLVED:
        took = ""
        if incident.get("resolved_at") is not None:
            took = f" after {format_duration(incident['resolved_at'] - incident['started_at'])}"
        return f"{phase.capitalize()} at {vendor}{took}: {title}"
    previous = _PHASE_WORDS.get(Phase(event.previous_phase or "investigating"), "?")
    return f"{vendor}: {title} is now {phase} (was {previous})"


def command_payload(event: Event) -> dict[str, Any]:
    """What a ``command`` target reads on stdin."""
    return {
        "event": event.kind,
        "previous_phase": event.previous_phase,
        "summary": headline(event),
        "incident": incident_json(event.incident, event.records),
        "latest_update": update_json(event.latest_update) if event.latest_update else None,
    }


def webhook_payload(event: Event) -> dict[str, Any]:
    """Slack reads ``text`` (mrkdwn), Discord reads ``content`` (Markdown); each ignores the
    other's keys. ``allowed_mentions`` keeps Discord from pinging anyone."""
    url = _http_url(event.incident.get("url"))
    body = _update_text(event)
    slack = f"*{_slack_escape(headline(event))}*"
    discord = f"**{inline(headline(event))}**"
    if body:
        slack += "\n" + _slack_escape(body)
        discord += "\n" + inline(body)
    if url:
        slack += f"\n<{_slack_escape(url)}|Status page>"
        discord += f"\n<{url}>"
    if len(discord) > DISCORD_LIMIT:
        discord = discord[: DISCORD_LIMIT - 1] + "…"
    return {
        "text": slack,
        "content": discord,
        "username": "incident-feed",
        "allowed_mentions": {"parse": []},
    }


def _update_text(event: Event) -> str:
    if not event.latest_update:
        return ""
    text = " ".join(str(event.latest_update["text"]).split())
    return text if len(text) <= 500 else text[:499] + "…"


def _slack_escape(text: str) -> str:
    # Slack's own escaping: with <, > and & escaped no link, mention (<!channel>) or markup
    # token can be formed from vendor text.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _http_url(value: object) -> str | None:
    from incident_feed.normalize.text import safe_http_url

    return safe_http_url(value)


# -- delivering -------------------------------------------------------------------------------


class Dispatcher:
    """Sends on one background thread; retries with backoff; logs every outcome."""

    def __init__(
        self,
        *,
        delays: Sequence[float] = RETRY_DELAYS,
        environ: Mapping[str, str] | None = None,
        client_factory: Callable[[], httpx.Client] | None = None,
    ) -> None:
        self.delays = tuple(delays)
        self.environ = environ if environ is not None else os.environ
        self.client_factory = client_factory or (
            lambda: httpx.Client(timeout=WEBHOOK_TIMEOUT, follow_redirects=False)
        )
        self.sent = 0
        self.failed = 0
        self._queue: queue.Queue[tuple[NotifyConfig, Event] | None] = queue.Queue(QUEUE_SIZE)
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._work, name="incident-feed-notify", daemon=True)
        self._thread.start()

    def submit(self, target: NotifyConfig, event: Event) -> None:
        """Queue one send; never blocks (a full queue drops it, with a log line)."""
        try:
            self._queue.put_nowait((target, event))
        except queue.Full:
            self.failed += 1
            log.error(
                "event=notify_dropped target=%s incident=%s reason=queue_full",
                target.name,
                event.incident["id"],
            )

    def close(self, timeout: float = 15.0) -> None:
        """Send what is queued (retries cut short), for at most ``timeout`` seconds."""
        self._closing.set()
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            pass
        self._thread.join(timeout)

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until everything queued so far was handled (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def _work(self) -> None:
        client: httpx.Client | None = None
        try:
            while True:
                item = self._queue.get()
                try:
                    if item is None:
                        return
                    target, event = item
                    if target.webhook_env is not None and client is None:
                        client = self.client_factory()
                    self._send(target, event, client)
                finally:
                    self._queue.task_done()
        finally:
            if client is not None:
                client.close()

    def _send(self, target: NotifyConfig, event: Event, client: httpx.Client | None) -> None:
        channels: list[tuple[str, Callable[[], None]]] = []
        if target.command:
            channels.append(("command", lambda: self._run_command(target, event)))
        if target.webhook_env is not None and client is not None:
            channels.append(("webhook", lambda: self._post(target, event, client)))
        for channel, send in channels:
            for attempt in range(len(self.delays) + 1):
                try:
                    send()
                except _Permanent as exc:
                    self.failed += 1
                    log.error(_FAILED, target.name, channel, event.incident["id"], attempt + 1, exc)
                    break
                except _Retry as exc:
                    last = attempt == len(self.delays)
                    if last or self._closing.is_set():
                        self.failed += 1
                        log.error(
                            _FAILED, target.name, channel, event.incident["id"], attempt + 1, exc
                        )
                        break
                    log.warning(
                        "event=notify_retry target=%s channel=%s incident=%s attempt=%d "
                        "error=%r retry_in=%.1f",
                        target.name,
                        channel,
                        event.incident["id"],
                        attempt + 1,
                        str(exc),
                        self.delays[attempt],
                    )
                    self._closing.wait(self.delays[attempt])
                else:
                    self.sent += 1
                    log.info(
                        "event=notified target=%s channel=%s kind=%s incident=%s attempt=%d",
                        target.name,
                        channel,
                        event.kind,
                        event.incident["id"],
                        attempt + 1,
                    )
                    break

    def _run_command(self, target: NotifyConfig, event: Event) -> None:
        data = json.dumps(command_payload(event), ensure_ascii=False).encode("utf-8")
        try:
            done = subprocess.run(
                list(target.command),
                input=data,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
        except FileNotFoundError:
            raise _Permanent(f"command not found: {target.command[0]}") from None
        except subprocess.TimeoutExpired:
            raise _Retry(f"command timed out after {COMMAND_TIMEOUT:g}s") from None
        except OSError as exc:
            raise _Retry(f"cannot run the command: {exc.strerror}") from None
        if done.returncode != 0:
            raise _Retry(f"command exited with {done.returncode}")

    def _post(self, target: NotifyConfig, event: Event, client: httpx.Client) -> None:
        assert target.webhook_env is not None
        url = self.environ.get(target.webhook_env, "").strip()
        if not url:
            raise _Permanent(f"environment variable {target.webhook_env} is not set")
        if not url.startswith(("https://", "http://")):
            raise _Permanent(f"{target.webhook_env} does not hold an http(s) URL")
        try:
            response = client.post(url, json=webhook_payload(event))
        except httpx.HTTPError as exc:
            # The message may carry the URL (a secret): only the error's type is logged.
            raise _Retry(f"{type(exc).__name__} posting to the webhook") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retry(f"webhook answered HTTP {response.status_code}")
        if response.status_code >= 300:
            raise _Permanent(f"webhook answered HTTP {response.status_code}")


_FAILED = "event=notify_failed target=%s channel=%s incident=%s attempts=%d error=%r"


class _Retry(Exception):
    """Worth another attempt."""


class _Permanent(Exception):
    """Another attempt would fail the same way."""


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
