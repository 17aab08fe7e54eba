"""Slack Status API v2.0.0 (``/history``, ``/current``) -> incident drafts, and from ``/current``
the page's state.

Notes carry neither ids nor statuses: a note is named by its incident and time, and its phase is
read from its text; the incident's own ``status`` (active/resolved/completed) closes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_feed.enums import IMPACT_ORDER, ComponentState, Impact, Kind, component_rank
from incident_feed.errors import PayloadError
from incident_feed.normalize.common import (
    RawUpdate,
    as_list,
    as_mapping,
    collect_items,
    components_from,
    id_field,
    stamp_field,
    text_field,
    thread,
)
from incident_feed.normalize.drafts import (
    ComponentStatus,
    Context,
    IncidentDraft,
    ItemProblem,
    PageStatus,
    ParseResult,
)
from incident_feed.normalize.text import clean_line, clean_text, safe_http_url

_IMPACT = {"outage": Impact.MAJOR, "incident": Impact.MINOR, "notice": Impact.NONE}


def parse_slack(document: object, context: Context) -> ParseResult:
    if isinstance(document, Mapping) and "active_incidents" in document:
        items = as_list(document.get("active_incidents"), "active_incidents")
    elif isinstance(document, list):
        items = document
    else:
        raise PayloadError("not a Slack status document (expected /history or /current)")
    problems: list[ItemProblem] = []
    drafts = collect_items(
        items, "incident", lambda item: _incident(item, context), problems, limit=context.max_items
    )
    status = _page_status(document, drafts) if isinstance(document, Mapping) else None
    return ParseResult(tuple(drafts), tuple(problems), status=status)


# A service named by an active incident, by the incident's type.
_SERVICE_STATE = {
    Impact.MAJOR: ComponentState.MAJOR_OUTAGE,  # type "outage"
    Impact.MINOR: ComponentState.PARTIAL_OUTAGE,  # type "incident"
    Impact.MAINTENANCE: ComponentState.MAINTENANCE,
}


def _page_status(document: Mapping[str, Any], drafts: list[IncidentDraft]) -> PageStatus:
    """``/current``: Slack's state now. Its ``status`` is ``ok`` when nothing is active; the
    active incidents' types give the indicator and their ``services`` the components (Slack
    lists no other services: a quiet page has none). A notice marks no service."""
    active = [d for d in drafts if d.status_label not in ("resolved", "completed")]
    if active:
        indicator = max((d.impact for d in active), key=IMPACT_ORDER.index)
        count = len(active)
        description = f"{count} active incident{'s' if count != 1 else ''}"
    else:
        said = clean_line(text_field(document, "status")).lower()
        indicator = Impact.NONE if said == "ok" else Impact.UNKNOWN
        description = (
            "No active incidents"
            if said == "ok"
            else (f"status {said[:40]!r}" if said else "no status given")
        )
    states: dict[str, ComponentState] = {}
    for draft in active:
        state = _SERVICE_STATE.get(draft.impact)
        if state is None:
            continue
        for component in draft.components:
            seen = states.get(component.name, ComponentState.OPERATIONAL)
            states[component.name] = max(seen, state, key=component_rank)
    updated = stamp_field(document, "date_updated", now=None)
    return PageStatus(
        indicator,
        description,
        tuple(ComponentStatus(name, state) for name, state in states.items()),
        updated.at if updated else None,
    )


def _incident(item: Mapping[str, Any], context: Context) -> IncidentDraft:
    native_id = id_field(item)
    kind_text = text_field(item, "type").lower()
    kind = Kind.MAINTENANCE if kind_text == "maintenance" else Kind.INCIDENT
    raw_updates: list[RawUpdate] = []
    for index, note in enumerate(as_list(item.get("notes"), "notes")):
        note = as_mapping(note, f"note {index}")
        stamp = stamp_field(note, "date_created", now=context.now)
        if stamp is None:
            raise PayloadError(f"note {index} has no date_created")
        raw_updates.append(
            (
                f"{native_id}@{stamp.raw}",
                stamp,
                None,
                clean_text(text_field(note, "body")),
                {},
            )
        )
    status = text_field(item, "status").lower()
    final = status in ("resolved", "completed")
    updated = stamp_field(item, "date_updated", now=context.now)
    return IncidentDraft(
        key=native_id,
        native_id=native_id,
        vendor=context.vendor,
        kind=kind,
        title=clean_line(text_field(item, "title")),
        impact=Impact.MAINTENANCE
        if kind is Kind.MAINTENANCE
        else _IMPACT.get(kind_text, Impact.UNKNOWN),
        updates=thread(raw_updates, kind),
        url=safe_http_url(item.get("url")),
        status_label=("completed" if kind is Kind.MAINTENANCE else "resolved")
        if final
        else status or None,
        started=stamp_field(item, "date_created", now=context.now),
        resolved=updated if final else None,
        components=components_from(as_list(item.get("services"), "services")),
    )
