"""Cachet pages: ``/api/v1/incidents`` and ``/api/v1/components`` -> drafts and the page's state.

``GET /api/v1/incidents`` answers ``{"meta": {"pagination": ...}, "data": [...]}``; an incident
is ``{id, component_id, name, status, message, occurred_at | scheduled_at, created_at,
updated_at, human_status, permalink, updates?}``. ``status`` is a number: 0 scheduled (Cachet
2.3's maintenance), 1 investigating, 2 identified, 3 watching, 4 fixed. Cachet 2.4 embeds the
incident's ``updates`` (``{id, status, message, created_at, human_status, permalink}``); 2.3 has
none, and the incident itself is its one update. Times carry no offset: they are read in the
page's zone (the source's ``timezone``), else as UTC, flagged either way.

``GET /api/v1/schedules`` (Cachet 2.4's maintenances, out of the incidents since 2.4) lists
``{id, name, message, status, scheduled_at, completed_at, created_at, components}``; ``status``
0 upcoming, 1 in progress, 2 complete. Each state a schedule is seen in is one update,
``schedule-<id>@<state>``; ``completed_at`` is read only when complete (Cachet's presenter
writes the current time when there is none).

``GET /api/v1/components`` lists ``{id, name, status, group_id, enabled}``; a component's
``status``: 0 unknown, 1 operational, 2 performance issues, 3 partial outage, 4 major outage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_feed.enums import ComponentState, Impact, Kind, component_rank
from incident_feed.errors import PayloadError
from incident_feed.normalize.common import (
    RawUpdate,
    as_list,
    as_mapping,
    collect_items,
    id_field,
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
from incident_feed.normalize.text import clean_line, clean_text, safe_http_url
from incident_feed.normalize.times import clamp_future, parse_local_time

# An incident's (or update's) status -> the label the phase rules read.
STATUSES = {0: "scheduled", 1: "investigating", 2: "identified", 3: "monitoring", 4: "resolved"}
# A schedule's status -> the maintenance label.
SCHEDULES = {0: "scheduled", 1: "in_progress", 2: "completed"}
MAX_NAME = 200
# A component's status -> its state, and the page indicator it means.
COMPONENTS: dict[int, tuple[ComponentState, Impact]] = {
    0: (ComponentState.UNKNOWN, Impact.NONE),
    1: (ComponentState.OPERATIONAL, Impact.NONE),
    2: (ComponentState.DEGRADED, Impact.MINOR),
    3: (ComponentState.PARTIAL_OUTAGE, Impact.MINOR),
    4: (ComponentState.MAJOR_OUTAGE, Impact.MAJOR),
}
DESCRIPTIONS = {
    Impact.NONE: "All systems operational",
    Impact.MINOR: "Some systems degraded",
    Impact.MAJOR: "Major outage",
}


def parse_cachet(
    document: object, context: Context, components: object = None, *, page_url: str | None = None
) -> ParseResult:
    """The incidents, the schedules or the components' state in one Cachet API document (told
    apart by their items' fields, so a saved file reads as a fetched one).

    ``components`` is the page's components document, when fetched in the same run: it names
    the component each incident or schedule is about (else the component is named by its id).
    ``page_url`` (the page's root) makes a schedule's link.
    """
    root = as_mapping(document, "document")
    data = _data(root)
    items = [item for item in data if isinstance(item, Mapping)]
    problems: list[ItemProblem] = []
    if items and _components(items):
        shown = _shown(root, len(data))
        if shown:
            problems.append(ItemProblem("components", shown))
        return ParseResult(problems=tuple(problems), status=page_status(items))
    names = _names(components)
    if items and _schedules(items):
        drafts = collect_items(
            data, "schedule", lambda item: _schedule(item, context, names, page_url), problems,
            limit=context.max_items,
        )  # fmt: skip
    else:
        drafts = collect_items(
            data, "incident", lambda item: _incident(item, context, names), problems,
            limit=context.max_items,
        )  # fmt: skip
    return ParseResult(tuple(drafts), tuple(problems))


def _names(components: object) -> dict[int, str]:
    """Component id -> name, from the components document (nothing when it is unusable)."""
    if components is None:
        return {}
    try:
        return {
            _number(c.get("id")): clean_line(text_field(c, "name"))[:MAX_NAME]
            for c in _data(components)
            if isinstance(c, Mapping)
        }
    except PayloadError:
        return {}


def _shown(root: Mapping[str, Any], count: int) -> str | None:
    """A note when ``meta.pagination`` says the page has more components than one page holds."""
    meta = root.get("meta")
    pagination = meta.get("pagination") if isinstance(meta, Mapping) else None
    total = _number(pagination.get("total")) if isinstance(pagination, Mapping) else -1
    if total > count:
        return f"{count:,} of {total:,} components read (one page)"
    return None


def _data(document: object) -> list[Any]:
    root = as_mapping(document, "document")
    data = root.get("data")
    if not isinstance(data, list):
        raise PayloadError("not a Cachet API list (no data array)")
    return data


def _schedules(items: list[Mapping[str, Any]]) -> bool:
    """A schedules list: items with ``completed_at``, none with an incident's fields."""
    return all("completed_at" in i for i in items) and not any(
        "visible" in i or "component_id" in i for i in items
    )


def _components(items: list[Mapping[str, Any]]) -> bool:
    """A components list: items with a component's fields, none with an incident's."""
    return all("enabled" in i or "group_id" in i for i in items) and not any(
        "message" in i for i in items
    )


def page_status(items: list[Mapping[str, Any]]) -> PageStatus:
    """The page's state from its components: the worst component decides the indicator."""
    components = []
    for item in items:
        if item.get("enabled") is False:
            continue
        name = clean_line(text_field(item, "name"))
        if not name:
            continue
        state, _ = COMPONENTS.get(_number(item.get("status")), COMPONENTS[0])
        ident = item.get("id")
        components.append(
            ComponentStatus(name[:200], state, str(ident) if ident is not None else None)
        )
    worst = max(components, key=lambda c: component_rank(c.state), default=None)
    indicator = Impact.NONE
    if worst is not None:
        indicator = next(i for s, i in COMPONENTS.values() if s is worst.state)
    return PageStatus(indicator, DESCRIPTIONS.get(indicator, ""), tuple(components))


def _incident(item: Mapping[str, Any], context: Context, names: Mapping[int, str]) -> IncidentDraft:
    native_id = id_field(item)
    status = _number(item.get("status"))
    kind = Kind.MAINTENANCE if status == 0 else Kind.INCIDENT
    opened = _stamp(item, context, "occurred_at", "created_at")
    if opened is None:
        raise PayloadError(f"incident {native_id} has no time")
    scheduled = _stamp(item, context, "scheduled_at", future=True) if status == 0 else None
    url = safe_http_url(item.get("permalink"))
    raw: list[RawUpdate] = []
    updates = as_list(item.get("updates"), "updates") if "updates" in item else None
    # The incident's own message is its first report; with no updates (Cachet 2.3), it is the
    # whole thread and carries the incident's status.
    first_label = STATUSES.get(status) if not updates else None
    raw.append(
        (f"{native_id}#0", opened, first_label, clean_text(text_field(item, "message")),
         {"url": url})
    )  # fmt: skip
    for update in updates or []:
        update = as_mapping(update, "update")
        stamp = _stamp(update, context, "created_at")
        if stamp is None:
            raise PayloadError(f"update {id_field(update)} has no time")
        label = STATUSES.get(_number(update.get("status")))
        text = clean_text(text_field(update, "message"))
        link = safe_http_url(update.get("permalink"))
        # Update ids are the incident's, then the update's: "1#0" (the report) sorts first.
        raw.append((f"{native_id}#{id_field(update)}", stamp, label, text, {"url": link}))
    drafts = thread(raw, kind)
    resolved = drafts[-1].stamp if drafts and drafts[-1].label == "resolved" else None
    name = clean_line(text_field(item, "name"))
    component_id = _number(item.get("component_id"))
    return IncidentDraft(
        key=native_id,
        native_id=native_id,
        vendor=context.vendor,
        kind=kind,
        title=name,
        impact=Impact.MAINTENANCE if kind is Kind.MAINTENANCE else Impact.UNKNOWN,
        updates=drafts,
        url=url,
        status_label=STATUSES.get(status),
        started=scheduled or opened,
        resolved=resolved,
        scheduled_for=scheduled.at if scheduled else None,
        components=(
            (Component(names.get(component_id) or f"component {component_id}", str(component_id)),)
            if component_id > 0
            else ()
        ),
    )


def _schedule(
    item: Mapping[str, Any], context: Context, names: Mapping[int, str], page_url: str | None
) -> IncidentDraft:
    """A Cachet 2.4 schedule as a maintenance; its state seen now is one update."""
    ident = id_field(item)
    native_id = f"schedule-{ident}"
    code = _number(item.get("status"))
    label = SCHEDULES.get(code)
    if label is None:
        raise PayloadError(f"unknown schedule status {clean_line(str(item.get('status')))[:20]!r}")
    planned = _stamp(item, context, "scheduled_at", future=True)
    if planned is None:
        raise PayloadError(f"schedule {ident} has no scheduled_at")
    # Upcoming: announced when created; in progress: since its planned start; complete: when it
    # completed. completed_at means nothing before then (the presenter writes "now").
    if code == 0:
        seen = _stamp(item, context, "created_at", "updated_at") or clamp_future(
            planned, context.now
        )
    elif code == 1:
        seen = clamp_future(planned, context.now)
    else:
        seen = _stamp(item, context, "completed_at", "updated_at") or clamp_future(
            planned, context.now
        )
    url = safe_http_url(f"{page_url.rstrip('/')}/schedules/{ident}") if page_url else None
    text = clean_text(text_field(item, "message"))
    updates = thread([(f"{native_id}@{label}", seen, label, text, {"url": url})], Kind.MAINTENANCE)
    affected: dict[int, Component] = {}
    for entry in as_list(item.get("components"), "components"):
        number = _number(entry.get("component_id")) if isinstance(entry, Mapping) else -1
        if number > 0:
            name = names.get(number) or f"component {number}"
            affected.setdefault(number, Component(name, str(number)))
    return IncidentDraft(
        key=native_id,
        native_id=native_id,
        vendor=context.vendor,
        kind=Kind.MAINTENANCE,
        title=clean_line(text_field(item, "name")),
        impact=Impact.MAINTENANCE,
        updates=updates,
        url=url,
        status_label=label,
        resolved=seen if code == 2 else None,
        scheduled_for=planned.at,
        components=tuple(affected.values()),
    )


def _stamp(
    item: Mapping[str, Any], context: Context, *keys: str, future: bool = False
) -> Stamp | None:
    for key in keys:
        value = item.get(key)
        if value is None or value == "":
            continue
        stamp = parse_local_time(value, context.zone)
        return stamp if future else clamp_future(stamp, context.now)
    return None


def _number(value: object) -> int:
    """Cachet's numbers (sometimes strings: ``"per_page": "20"``); -1 for anything else, and
    for a number no id or count reaches."""
    if isinstance(value, bool):
        return -1
    if isinstance(value, int):
        return value if abs(value) < 10**15 else -1
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 10:
        return int(value.strip())
    return -1
