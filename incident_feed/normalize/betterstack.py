"""Better Stack status pages: ``<page>/index.json`` -> drafts and the page's current state.

The document is JSON:API. ``data`` is the ``status_page`` (``attributes.aggregate_state``:
operational, degraded, downtime or maintenance); ``included`` holds its resources by ``type``:

- ``status_page_section``: ``{name}``, the groups the page lists resources under;
- ``status_page_resource``: ``{public_name, status, status_page_section_id}``, the components
  (``status``: operational, degraded, downtime, maintenance, not_monitored);
- ``status_report``: ``{title, report_type, starts_at, ends_at, aggregate_state,
  affected_resources}`` with ``relationships.status_updates.data`` naming its updates;
  ``report_type`` is ``manual`` (an incident) or ``maintenance``; ``aggregate_state`` is
  ``resolved`` once it is over (``ends_at`` stays null on a resolved incident);
- ``status_update``: ``{message, published_at, affected_resources}``. An update carries no
  state label: its affected resources' statuses say what it means (all ``resolved``: the
  report is over), otherwise its text decides (docs/phases.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from incident_feed.enums import ComponentState, Impact, Kind
from incident_feed.errors import PayloadError
from incident_feed.normalize.common import (
    RawUpdate,
    as_list,
    as_mapping,
    collect_items,
    id_field,
    stamp_field,
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
)
from incident_feed.normalize.text import clean_line, clean_text, safe_http_url
from incident_feed.normalize.times import clamp_future

PAGE_STATES: dict[str, tuple[Impact, str]] = {
    "operational": (Impact.NONE, "All services are online"),
    "degraded": (Impact.MINOR, "Degraded performance"),
    "downtime": (Impact.MAJOR, "Downtime"),
    "maintenance": (Impact.MAINTENANCE, "Maintenance"),
}
RESOURCE_STATES: dict[str, ComponentState] = {
    "operational": ComponentState.OPERATIONAL,
    "degraded": ComponentState.DEGRADED,
    "downtime": ComponentState.MAJOR_OUTAGE,
    "maintenance": ComponentState.MAINTENANCE,
    "not_monitored": ComponentState.UNKNOWN,
}
# An affected resource's status in a report or update -> the impact it means.
AFFECTED_IMPACT: dict[str, Impact] = {
    "degraded": Impact.MINOR,
    "downtime": Impact.MAJOR,
    "maintenance": Impact.MAINTENANCE,
}
MAX_COMPONENTS = 2000
MAX_NAME = 200


def parse_betterstack(
    document: object, context: Context, *, page_url: str | None = None
) -> ParseResult:
    """The page's state and every status report of one ``index.json``; ``page_url`` (the
    page's root) makes each report's link."""
    root = as_mapping(document, "document")
    data = root.get("data")
    if not isinstance(data, Mapping) or data.get("type") != "status_page":
        raise PayloadError("not a Better Stack status page document (no data of type status_page)")
    included = [i for i in as_list(root.get("included"), "included") if isinstance(i, Mapping)]
    by_type: dict[str, list[Mapping[str, Any]]] = {}
    for item in included:
        kind = item.get("type")
        if isinstance(kind, str):
            by_type.setdefault(kind, []).append(item)
    problems: list[ItemProblem] = []
    resources = _resources(by_type.get("status_page_resource", []))
    updates = {
        str(u["id"]): u
        for u in by_type.get("status_update", [])
        if isinstance(u.get("id"), str | int) and not isinstance(u.get("id"), bool)
    }
    status = _page_status(data, by_type, problems, context)
    drafts = collect_items(
        by_type.get("status_report", []),
        "status_report",
        lambda item: _report(item, context, updates, resources, page_url),
        problems,
        limit=context.max_items,
    )
    return ParseResult(tuple(drafts), tuple(problems), status=status)


def _attributes(item: Mapping[str, Any]) -> Mapping[str, Any]:
    attributes = item.get("attributes")
    return attributes if isinstance(attributes, Mapping) else {}


def _ident(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = clean_line(str(value))
    return text[:MAX_NAME] or None


def _resources(items: list[Mapping[str, Any]]) -> dict[str, str]:
    """Resource id -> its public name (reports name resources by id)."""
    names: dict[str, str] = {}
    for item in items:
        ident = _ident(item.get("id"))
        name = clean_line(text_field(_attributes(item), "public_name"))[:MAX_NAME]
        if ident and name:
            names[ident] = name
    return names


def _page_status(
    data: Mapping[str, Any],
    by_type: Mapping[str, list[Mapping[str, Any]]],
    problems: list[ItemProblem],
    context: Context,
) -> PageStatus:
    attributes = _attributes(data)
    state = text_field(attributes, "aggregate_state").strip().lower()
    indicator, description = PAGE_STATES.get(state, (Impact.UNKNOWN, "Unknown"))
    sections = {
        ident: clean_line(text_field(_attributes(s), "name"))[:MAX_NAME]
        for s in by_type.get("status_page_section", [])
        if (ident := _ident(s.get("id"))) is not None
    }
    items = by_type.get("status_page_resource", [])
    if len(items) > MAX_COMPONENTS:
        message = f"{len(items):,} resources; the first {MAX_COMPONENTS:,} read"
        problems.append(ItemProblem("status_page_resource", message))
        items = items[:MAX_COMPONENTS]
    components = []
    for item in items:
        resource = _attributes(item)
        name = clean_line(text_field(resource, "public_name"))[:MAX_NAME]
        if not name:
            continue
        status = text_field(resource, "status").strip().lower()
        group = sections.get(_ident(resource.get("status_page_section_id")) or "") or None
        components.append(
            ComponentStatus(
                name,
                RESOURCE_STATES.get(status, ComponentState.UNKNOWN),
                _ident(item.get("id")),
                group,
            )
        )
    try:
        updated = stamp_field(attributes, "updated_at", now=context.now)
    except ValueError:
        updated = None
    return PageStatus(indicator, description, tuple(components), updated.at if updated else None)


def _affected(
    value: object, resources: Mapping[str, str]
) -> list[tuple[str, str | None, str | None]]:
    """``affected_resources`` -> (status, resource id, resource name) for each usable entry."""
    found = []
    for entry in as_list(value, "affected_resources"):
        if not isinstance(entry, Mapping):
            continue
        ident = _ident(entry.get("status_page_resource_id"))
        status = text_field(entry, "status").strip().lower()
        name = resources.get(ident or "")
        if status:
            found.append((status, ident, name))
    return found


def _components(affected: list[tuple[str, str | None, str | None]]) -> tuple[Component, ...]:
    seen: dict[tuple[str | None, str], Component] = {}
    for _, ident, name in affected:
        if name:
            seen.setdefault((ident, name), Component(name, ident))
    return tuple(seen.values())


def _report(
    item: Mapping[str, Any],
    context: Context,
    updates: Mapping[str, Mapping[str, Any]],
    resources: Mapping[str, str],
    page_url: str | None,
) -> IncidentDraft:
    native_id = id_field(item)
    attributes = _attributes(item)
    report_type = text_field(attributes, "report_type").strip().lower()
    kind = Kind.MAINTENANCE if report_type == "maintenance" else Kind.INCIDENT
    now = context.now
    starts = stamp_field(attributes, "starts_at", now=None)
    ends = stamp_field(attributes, "ends_at", now=None)
    state = text_field(attributes, "aggregate_state").strip().lower()
    over = state == "resolved"
    affected = _affected(attributes.get("affected_resources"), resources)
    relationships = item.get("relationships")
    linked = []
    if isinstance(relationships, Mapping):
        refs = relationships.get("status_updates")
        if isinstance(refs, Mapping):
            linked = [
                r for r in as_list(refs.get("data"), "status_updates") if isinstance(r, Mapping)
            ]
    raw_updates: list[RawUpdate] = []
    impacts: list[Impact] = [AFFECTED_IMPACT.get(s, Impact.UNKNOWN) for s, _, _ in affected]
    for ref in linked:
        update_id = _ident(ref.get("id"))
        update = updates.get(update_id or "")
        if update_id is None or update is None:
            continue  # named but not included: nothing to read
        fields = _attributes(update)
        stamp = stamp_field(fields, "published_at", "created_at", now=now)
        if stamp is None:
            raise PayloadError(f"status_update {update_id} has no time")
        touched = _affected(fields.get("affected_resources"), resources)
        impacts += [AFFECTED_IMPACT.get(s, Impact.UNKNOWN) for s, _, _ in touched]
        label = _label(kind, [s for s, _, _ in touched], stamp.at, starts.at if starts else None)
        text = clean_text(text_field(fields, "message"))
        raw_updates.append((update_id, stamp, label, text, {"components": _components(touched)}))
    final = "completed" if kind is Kind.MAINTENANCE else "resolved"
    url = safe_http_url(f"{page_url.rstrip('/')}/incident/{native_id}") if page_url else None
    return IncidentDraft(
        key=native_id,
        native_id=native_id,
        vendor=context.vendor,
        kind=kind,
        title=clean_line(text_field(attributes, "title")),
        impact=Impact.MAINTENANCE if kind is Kind.MAINTENANCE else _worst(impacts),
        updates=thread(raw_updates, kind),
        url=url,
        status_label=final if over else (state or None),
        started=stamp_field(attributes, "starts_at", now=now) if kind is Kind.INCIDENT else None,
        resolved=clamp_future(ends, now) if over and ends is not None else None,
        scheduled_for=starts.at if kind is Kind.MAINTENANCE and starts else None,
        scheduled_until=ends.at if kind is Kind.MAINTENANCE and ends else None,
        components=_components(affected),
    )


def _label(
    kind: Kind, statuses: list[str], at: dt.datetime, starts: dt.datetime | None
) -> str | None:
    """What an update's affected resources say: all resolved -> over; a maintenance update
    before its window -> scheduled, within it -> in progress. None: the text decides."""
    if statuses and all(s == "resolved" for s in statuses):
        return "completed" if kind is Kind.MAINTENANCE else "resolved"
    if kind is Kind.MAINTENANCE and starts is not None:
        return "scheduled" if at < starts else "in_progress"
    return None


def _worst(impacts: list[Impact]) -> Impact:
    order = (Impact.MAJOR, Impact.MINOR)
    for impact in order:
        if impact in impacts:
            return impact
    return Impact.UNKNOWN
