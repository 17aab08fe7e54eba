"""Salesforce Trust API: ``/incidents`` and ``/maintenances`` -> incident and maintenance drafts.

Both answer a JSON array. An incident is ``{id, createdAt, updatedAt, message: {rootCause, ...},
IncidentImpacts: [{type, severity, startTime, endTime, label, text}], IncidentEvents: [{id,
type, message, createdAt}], instanceKeys, serviceKeys}``: it has no title (one is made from its
first impact's type and its instances: "Slow data processing (EU48)"), and no status: it is over
when every impact has an ``endTime`` (resolved at the latest). Events are its updates (English
``message``; ``label`` is in the page's locale); an incident with no event reads its first
impact's ``text``. A maintenance is ``{id, name, plannedStartTime, plannedEndTime, message:
{eventStatus, maintenanceType, availability}, MaintenanceImpacts, MaintenanceEvents}``: its
events are its updates, labelled by their type, and its impacts are the work as it happened
(``startTime``..``endTime``), which may run past the planned window. Times are UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from incident_feed.enums import IMPACT_ORDER, Impact, Kind
from incident_feed.errors import PayloadError
from incident_feed.normalize.common import (
    RawUpdate,
    as_list,
    collect_items,
    id_field,
    stamp_field,
    text_field,
    thread,
)
from incident_feed.normalize.drafts import (
    Component,
    Context,
    IncidentDraft,
    ItemProblem,
    ParseResult,
    Stamp,
)
from incident_feed.normalize.text import clean_line, clean_text

TRUST = "https://status.salesforce.com"
_SEVERITY = {"minor": Impact.MINOR, "major": Impact.MAJOR, "maintenance": Impact.MAINTENANCE}
# An event's type (by its start) -> the label the phase rules read; anything else ("update"):
# the text decides. Real EU48 types: investigatingCauseNewEngineers, update.
_EVENTS = {
    "resolved": "resolved",
    "fixed": "resolved",
    "identified": "identified",
    "investigating": "investigating",
}
# A maintenance event's type (a word in it, lower-cased) -> its label; anything else: the text
# decides. Real EU48 types: scheduled, reminder ("will happen in 10 days"),
# majorRelease10MinutesToZdt ("about to begin"), majorReleaseReleaseIsLive ("now live ... as we
# continue to perform upgrade activities") and majorReleaseFeaturesEnabled ("features are being
# enabled gradually"): the last two are the work going on, not its end.
_MAINTENANCE_EVENTS = (
    ("cancel", "completed"),
    ("complete", "completed"),
    ("islive", "in_progress"),
    ("featuresenabled", "in_progress"),
    ("minutesto", "scheduled"),
    ("reminder", "scheduled"),
    ("scheduled", "scheduled"),
)
# How long an impact left open keeps a maintenance in progress past its planned end (the real
# EU48 "featuresActivated" impacts ran 15 h 43 min past theirs); beyond that the window's end
# completes it, as a window that ended long ago is over.
MAX_OVERRUN = dt.timedelta(days=2)
_Work = tuple[str, str, Stamp, Stamp | None]  # a maintenance impact: id, what, began, ended


def parse_salesforce(document: object, context: Context) -> ParseResult:
    """The incidents or maintenances of one Trust API answer."""
    if not isinstance(document, list):
        raise PayloadError("not a Salesforce Trust API list (expected an array)")
    problems: list[ItemProblem] = []
    drafts = collect_items(
        document, "item", lambda item: _item(item, context), problems, limit=context.max_items
    )
    return ParseResult(tuple(drafts), tuple(problems))


def _item(item: Mapping[str, Any], context: Context) -> IncidentDraft:
    if "plannedStartTime" in item or "MaintenanceEvents" in item:
        return _maintenance(item, context)
    if "IncidentImpacts" in item or "IncidentEvents" in item:
        return _incident(item, context)
    raise PayloadError("neither an incident nor a maintenance (no impacts, events or plan)")


def _incident(item: Mapping[str, Any], context: Context) -> IncidentDraft:
    native_id = id_field(item)
    now = context.now
    impacts = [
        i for i in as_list(item.get("IncidentImpacts"), "IncidentImpacts") if isinstance(i, Mapping)
    ]
    raw: list[RawUpdate] = []
    for event in as_list(item.get("IncidentEvents"), "IncidentEvents"):
        if not isinstance(event, Mapping):
            raise PayloadError("an event is not an object")
        stamp = stamp_field(event, "createdAt", now=now)
        if stamp is None:
            raise PayloadError(f"event {id_field(event)} has no time")
        kind = text_field(event, "type").strip()
        label = next((v for k, v in _EVENTS.items() if kind.lower().startswith(k)), None)
        raw.append((id_field(event), stamp, label, clean_text(text_field(event, "message")), {}))
    if not raw and impacts:
        first = impacts[0]
        stamp = stamp_field(first, "createdAt", "startTime", now=now)
        if stamp is not None:
            text = clean_text(text_field(first, "text") or text_field(first, "label"))
            raw.append((f"impact-{id_field(first)}", stamp, None, text, {}))
    if not raw:
        raise PayloadError("no event and no impact to read")
    ends = [stamp_field(i, "endTime", now=now) for i in impacts]
    resolved = max((e for e in ends if e is not None), key=lambda s: s.at, default=None)
    over = bool(impacts) and all(e is not None for e in ends)
    severities = [_SEVERITY.get(text_field(i, "severity").lower(), Impact.UNKNOWN) for i in impacts]
    started = min(
        (s for s in (stamp_field(i, "startTime", now=now) for i in impacts) if s is not None),
        key=lambda s: s.at,
        default=None,
    ) or stamp_field(item, "createdAt", now=now)
    instances = [
        clean_line(str(k))
        for k in as_list(item.get("instanceKeys"), "instanceKeys")
        if isinstance(k, str)
    ]
    kinds = [_words(text_field(i, "type")) for i in impacts if text_field(i, "type")]
    title = (kinds[0] if kinds else "Incident") + (
        f" ({', '.join(instances[:5])})" if instances else ""
    )
    return IncidentDraft(
        key=native_id,
        native_id=native_id,
        vendor=context.vendor,
        kind=Kind.INCIDENT,
        title=title[:300],
        impact=max(severities, key=_rank, default=Impact.UNKNOWN),
        updates=thread(raw, Kind.INCIDENT),
        url=f"{TRUST}/incidents/{native_id}",
        status_label="resolved" if over else None,
        started=started,
        resolved=resolved if over else None,
        components=_components(item),
    )


def _maintenance(item: Mapping[str, Any], context: Context) -> IncidentDraft:
    native_id = id_field(item)
    now = context.now
    start = stamp_field(item, "plannedStartTime", now=None)
    end = stamp_field(item, "plannedEndTime", now=None)
    if start is not None and end is not None and end.at < start.at:
        raise PayloadError("planned end before its planned start")
    raw: list[RawUpdate] = []
    for event in as_list(item.get("MaintenanceEvents"), "MaintenanceEvents"):
        if not isinstance(event, Mapping):
            raise PayloadError("an event is not an object")
        stamp = stamp_field(event, "createdAt", now=now)
        if stamp is None:
            raise PayloadError(f"event {id_field(event)} has no time")
        kind = text_field(event, "type").strip().lower()
        label = next((v for k, v in _MAINTENANCE_EVENTS if k in kind), None)
        raw.append((id_field(event), stamp, label, clean_text(text_field(event, "message")), {}))
    work = _work(item, now)
    raw += [(f"impact-{i}", began, "in_progress", what, {}) for i, what, began, _ in work]
    if not raw:
        stamp = stamp_field(item, "createdAt", now=now)
        if stamp is None:
            raise PayloadError("a maintenance with no event and no time")
        text = clean_text(text_field(item, "additionalInformation"))
        raw.append((f"{native_id}#planned", stamp, "scheduled", text, {}))
    message = item.get("message")
    status = text_field(message, "eventStatus").lower() if isinstance(message, Mapping) else ""
    running = any(ended is None for *_, ended in work)
    over = end is not None and end.at <= now and not (running and now < end.at + MAX_OVERRUN)
    resolved = None
    if over and end is not None:
        resolved = max([end, *(e for *_, e in work if e is not None)], key=lambda s: s.at)
    return IncidentDraft(
        key=f"maintenance-{native_id}",
        native_id=f"maintenance-{native_id}",
        vendor=context.vendor,
        kind=Kind.MAINTENANCE,
        title=clean_line(text_field(item, "name"))[:300] or "Maintenance",
        impact=Impact.MAINTENANCE,
        updates=thread(raw, Kind.MAINTENANCE),
        url=f"{TRUST}/maintenances/{native_id}",
        status_label="completed" if over or status in ("cancelled", "canceled") else None,
        started=start,
        resolved=resolved,
        scheduled_for=start.at if start else None,
        scheduled_until=end.at if end else None,
        components=_components(item),
    )


def _work(item: Mapping[str, Any], now: dt.datetime) -> list[_Work]:
    """The maintenance's impacts begun by ``now``: ``(id, what, began, ended)``, ``ended`` None
    while the work goes on. Each is the vendor's record of the work starting ("Deploying
    release" at 23:00:13), so it is an in-progress update of its own."""
    work: list[_Work] = []
    for impact in as_list(item.get("MaintenanceImpacts"), "MaintenanceImpacts"):
        if not isinstance(impact, Mapping):
            raise PayloadError("an impact is not an object")
        began = stamp_field(impact, "startTime", now=None)
        if began is None or began.at > now:
            continue
        ended = stamp_field(impact, "endTime", now=None)
        if ended is not None and ended.at < began.at:
            raise PayloadError(f"impact {id_field(impact)} ends before it starts")
        what = _words(text_field(impact, "type")) or "Maintenance work"
        work.append((id_field(impact), what, began, ended if ended and ended.at <= now else None))
    return work


def _components(item: Mapping[str, Any]) -> tuple[Component, ...]:
    """The services an item touches (``coreService`` -> "Core Service")."""
    keys = [k for k in as_list(item.get("serviceKeys"), "serviceKeys") if isinstance(k, str)]
    return tuple(Component(_words(k), clean_line(k)) for k in dict.fromkeys(keys) if clean_line(k))


def _words(key: str) -> str:
    """``slowDataProcessing`` -> "Slow data processing"."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", clean_line(key)).strip().lower()
    return spaced[:1].upper() + spaced[1:]


def _rank(impact: Impact) -> int:
    return IMPACT_ORDER.index(impact)
