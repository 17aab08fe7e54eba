"""AWS Health Dashboard, ``/public/currentevents`` -> incident drafts and the page's state.

``https://health.aws.amazon.com/public/currentevents`` answers a JSON array (served as UTF-16,
with or without a BOM: the collector's JSON reading takes both) of the events on the dashboard
now. No real answer is in our fixtures; the shape below is the one public clients read (see
``tests/data/fixtures/platforms/aws/README.md``). An event is ``{arn, date, region_name,
service, service_name, status, summary, event_log, impacted_services}``:

- ``arn``: its id; ``date``: its first post, epoch seconds (a string, or a number);
- ``status``: severity as a string, read like the legacy ``data.json``'s (``"1"`` minor,
  ``"2"`` major, ``"3"`` critical), never a phase: clients disagree on what the codes mean;
- ``summary``: its title, ``[RESOLVED]`` in front once it is over;
- ``event_log``: its updates, ``{summary, message, status, timestamp}``, ``timestamp`` epoch
  seconds (UTC, so no time-zone guessing), ``message`` plain text or HTML;
- ``impacted_services``: ``{service key: {service_name, current, max}}``, the components.

Phases come from the update texts (normalize/phases.py); a ``[RESOLVED]`` tag on the event or
its last update closes it. The document is the dashboard's current state: the services of its
open events are degraded, and an empty array is a quiet dashboard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from incident_feed.enums import ComponentState, Impact, Kind, Phase
from incident_feed.errors import PayloadError
from incident_feed.normalize.common import (
    RawUpdate,
    as_list,
    as_mapping,
    collect_items,
    text_field,
    thread,
)
from incident_feed.normalize.drafts import (
    Component,
    ComponentStatus,
    Context,
    IncidentDraft,
    ItemProblem,
    PageStatus,
    ParseResult,
    Stamp,
)
from incident_feed.normalize.text import clean_line, html_to_text
from incident_feed.normalize.times import EARLIEST, clamp_future

DASHBOARD = "https://health.aws.amazon.com/health/status"
SEVERITY = {"0": Impact.NONE, "1": Impact.MINOR, "2": Impact.MAJOR, "3": Impact.CRITICAL}
MAX_LOG = 500  # updates of one event read
MAX_MESSAGE = 200_000  # characters of one update
MAX_SERVICES = 200  # impacted services of one event
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)  # past this an epoch value is not seconds
_WORST = (Impact.CRITICAL, Impact.MAJOR, Impact.MINOR)


def epoch_stamp(value: object, what: str, now: dt.datetime) -> Stamp:
    """Epoch seconds (digits in a string, or an integer) -> a UTC stamp keeping the raw value;
    anything else, or a time before 1990 or after 2200 (milliseconds, say), is a payload error
    naming ``what``. A time after ``now`` is clamped to it, flagged."""
    if isinstance(value, int) and not isinstance(value, bool):
        raw = str(value)
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        raw = value.strip()
    else:
        shown = clean_line(repr(value))[:40]
        raise PayloadError(f"{what} {shown} is not epoch seconds")
    seconds = int(raw) if len(raw) <= 12 else -1
    if not EARLIEST.timestamp() <= seconds < LATEST.timestamp():
        raise PayloadError(f"{what} {raw[:20]} is out of range for epoch seconds")
    at = dt.datetime.fromtimestamp(seconds, dt.UTC)
    return clamp_future(Stamp(at, raw), now)


def parse_current_events(document: list[Any], context: Context) -> ParseResult:
    """Every event of a ``currentevents`` array, and the dashboard's state from the open ones."""
    problems: list[ItemProblem] = []
    drafts: list[IncidentDraft] = collect_items(
        document, "event", lambda item: _event(item, context), problems, limit=context.max_items
    )
    return ParseResult(tuple(drafts), tuple(problems), status=dashboard_status(drafts))


def dashboard_status(drafts: list[IncidentDraft]) -> PageStatus:
    """Open events make their services degraded and the page as bad as the worst of them."""
    open_events = [d for d in drafts if d.resolved is None and d.status_label != "resolved"]
    if not open_events:
        return PageStatus(Impact.NONE, "No open events")
    impacts = {d.impact for d in open_events}
    indicator = next((i for i in _WORST if i in impacts), Impact.MINOR)
    components: dict[str, ComponentStatus] = {}
    for draft in open_events:
        for component in draft.components:
            key = component.id or component.name
            components.setdefault(
                key, ComponentStatus(component.name, ComponentState.DEGRADED, component.id)
            )
    count = len(open_events)
    description = f"{count} open event{'s' if count != 1 else ''}"
    return PageStatus(indicator, description, tuple(components.values()))


def _event(item: Mapping[str, Any], context: Context) -> IncidentDraft:
    first = epoch_stamp(item.get("date"), "date", context.now)
    service = clean_line(text_field(item, "service"))
    arn = clean_line(text_field(item, "arn"))[:300]
    native_id = arn or (f"{service}@{first.raw}" if service else "")
    if not native_id:
        raise PayloadError("an event needs an arn or a service")
    summary = clean_line(text_field(item, "summary"))
    title, resolved_tag = _untagged(summary)
    region = clean_line(text_field(item, "region_name"))
    name = clean_line(text_field(item, "service_name")) or service
    raw = _updates(native_id, item.get("event_log"), context.now)
    if not raw:
        raw = [(f"{native_id}#0", first, None, title or name, {})]
    updates = thread(raw, Kind.INCIDENT)
    last_label = clean_line(updates[-1].label or "")
    resolved = resolved_tag or _untagged(last_label)[1] or updates[-1].phase is Phase.RESOLVED
    return IncidentDraft(
        key=native_id,
        native_id=native_id,
        vendor=context.vendor,
        kind=Kind.INCIDENT,
        title=(title or name)[:300],
        impact=_severity(item.get("status")),
        updates=updates,
        url=DASHBOARD,
        status_label="resolved" if resolved else None,
        started=first,
        resolved=updates[-1].stamp if resolved else None,
        components=_components(item.get("impacted_services"), service, name, region),
    )


def _updates(native_id: str, log: object, now: dt.datetime) -> list[RawUpdate]:
    """One update per ``event_log`` entry, timed by its epoch-seconds ``timestamp``."""
    entries = as_list(log, "event_log") if log is not None else []
    if len(entries) > MAX_LOG:
        raise PayloadError(f"event_log of {len(entries):,} entries")
    raw: list[RawUpdate] = []
    for number, entry in enumerate(entries, 1):
        fields = as_mapping(entry, f"event_log[{number - 1}]")
        stamp = epoch_stamp(fields.get("timestamp"), f"event_log[{number - 1}] timestamp", now)
        message = text_field(fields, "message")
        if len(message) > MAX_MESSAGE:
            raise PayloadError(f"event_log[{number - 1}] message of {len(message):,} characters")
        label = clean_line(text_field(fields, "summary"))[:200] or None
        text = html_to_text(message) or label or ""
        raw.append((f"{native_id}#{number}", stamp, label, text, {}))
    return raw


def _untagged(summary: str) -> tuple[str, bool]:
    """``[RESOLVED] Increased Error Rates`` -> (``Increased Error Rates``, True)."""
    if summary.startswith("[") and "]" in summary[:22]:
        tag, rest = summary[1:].split("]", 1)
        return rest.strip(), tag.strip().lower() == "resolved"
    return summary, False


def _severity(value: object) -> Impact:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return SEVERITY.get(value.strip(), Impact.UNKNOWN) if isinstance(value, str) else Impact.UNKNOWN


def _components(impacted: object, service: str, name: str, region: str) -> tuple[Component, ...]:
    """The impacted services, or the event's own service; named with the region."""
    found: list[Component] = []
    if isinstance(impacted, Mapping):
        for key, fields in list(impacted.items())[:MAX_SERVICES]:
            if not isinstance(key, str) or not isinstance(fields, Mapping):
                continue
            label = clean_line(text_field(fields, "service_name")) or clean_line(key)
            found.append(Component(_with_region(label, region)[:200], clean_line(key)[:200]))
    if not found and (name or service):
        found.append(Component(_with_region(name, region)[:200], service[:200] or None))
    return tuple(found)


def _with_region(name: str, region: str) -> str:
    return f"{name} ({region})" if region and region not in name else name
