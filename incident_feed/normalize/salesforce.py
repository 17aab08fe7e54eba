"""Salesforce Trust API: ``/incidents`` and ``/maintenances`` -> incident and maintenance drafts.

Both answer a JSON array. An incident is ``{id, createdAt, updatedAt, message: {rootCause, ...},
IncidentImpacts: [{type, severity, startTime, endTime, label, text}], IncidentEvents: [{id,
type, message, createdAt}], instanceKeys, serviceKeys}``: it has no title (one is made from its
first impact's type and its instances: "Slow data processing (EU48)"), and no status: it is over
when every impact has an ``endTime`` (resolved at the latest). Events are its updates (English
``message``; ``label`` is in the page's locale); an incident with no event reads its first
impact's ``text``. A maintenance is ``{id, name, plannedStartTime, plannedEndTime, message:
{eventStatus, maintenanceType, availability}, MaintenanceImpacts, MaintenanceEvents}``. Times are
UTC.
"""

from __future__ import annotations

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
)
from incident_feed.normalize.text import clean_line, clean_text

TRUST = "https://status.salesforce.com"
_SEVERITY = {"minor": Impact.MINOR, "major": Impact.MAJOR, "maintenance": Impact.MAINTENANCE}
# An event's type -> the label the phase rules read (anything else: the text decides).
_EVENTS = {"resolved": "resolved", "fixed": "resolved", "identified": "identified"}
# A maintenance event's type -> its label (Trust's reminders and schedule notes are "scheduled").
_MAINTENANCE_EVENTS = {"scheduled": "scheduled", "reminder": "scheduled", "cancelled": "completed"}


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
    start = stamp_field(item, "plannedStartTime", now=None)
    end = stamp_field(item, "plannedEndTime", now=None)
    raw: list[RawUpdate] = []
    for event in as_list(item.get("MaintenanceEvents"), "MaintenanceEvents"):
        if not isinstance(event, Mapping):
            raise PayloadError("an event is not an object")
        stamp = stamp_field(event, "createdAt", now=context.now)
        if stamp is None:
            raise PayloadError(f"event {id_field(event)} has no time")
        kind = text_field(event, "type").strip().lower()
        label = _MAINTENANCE_EVENTS.get(kind)
        raw.append((id_field(event), stamp, label, clean_text(text_field(event, "message")), {}))
    if not raw:
        stamp = stamp_field(item, "createdAt", now=context.now)
        if stamp is None:
            raise PayloadError("a maintenance with no event and no time")
        text = clean_text(text_field(item, "additionalInformation"))
        raw.append((f"{native_id}#planned", stamp, "scheduled", text, {}))
    message = item.get("message")
    status = text_field(message, "eventStatus").lower() if isinstance(message, Mapping) else ""
    over = end is not None and end.at <= context.now
    return IncidentDraft(
        key=f"maintenance-{native_id}",
        native_id=f"maintenance-{native_id}",
        vendor=context.vendor,
        kind=Kind.MAINTENANCE,
        title=clean_line(text_field(item, "name"))[:300] or "Maintenance",
        impact=Impact.MAINTENANCE,
        updates=thread(raw, Kind.MAINTENANCE),
        url=f"{TRUST}/maintenances/{native_id}",
        status_label="completed" if over or status == "cancelled" else None,
        started=start,
        resolved=end if over else None,
        scheduled_for=start.at if start else None,
        scheduled_until=end.at if end else None,
        components=_components(item),
    )


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
