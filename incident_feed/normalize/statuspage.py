"""Atlassian Statuspage v2 documents -> incident drafts.

Reads every document shape the API serves: ``incidents.json``, ``incidents/<id>.json``,
``summary.json`` and ``scheduled-maintenances.json`` (also served by incident.io pages).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_feed.enums import ComponentState, Impact, Kind
from incident_feed.errors import PayloadError
from incident_feed.normalize.common import (
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

_MAINTENANCE_STATUSES = frozenset({"scheduled", "in_progress", "verifying", "completed"})
_DOCUMENT_KEYS = ("incidents", "scheduled_maintenances", "incident")
_STATES = {state.value: state for state in ComponentState}
MAX_COMPONENTS = 2000  # components read from one summary; a page with more is not a real page


def parse_statuspage(document: object, context: Context) -> ParseResult:
    """All incidents and maintenances in one Statuspage API document."""
    root = as_mapping(document, "document")
    if not any(key in root for key in _DOCUMENT_KEYS):
        raise PayloadError(
            "not a Statuspage API document (no incidents, scheduled_maintenances or incident key)"
        )
    page = root.get("page")
    page_url = safe_http_url(page.get("url")) if isinstance(page, Mapping) else None
    problems: list[ItemProblem] = []
    drafts: list[IncidentDraft] = []
    for key in ("incidents", "scheduled_maintenances"):
        items = as_list(root.get(key), key)
        drafts += collect_items(
            items, key, lambda item: _incident(item, context, page_url), problems,
            limit=context.max_items,
        )  # fmt: skip
    if "incident" in root:
        drafts += collect_items(
            [root["incident"]],
            "incident",
            lambda item: _incident(item, context, page_url),
            problems,
        )
    status = page_status(root, problems) if "components" in root and "status" in root else None
    return ParseResult(tuple(drafts), tuple(problems), status=status)


def page_status(root: Mapping[str, Any], problems: list[ItemProblem]) -> PageStatus:
    """A ``summary.json``'s current state: its status indicator and description, and each
    component (group containers give their name to their members, and are not listed)."""
    status = root.get("status")
    status = status if isinstance(status, Mapping) else {}
    indicator = _impact(text_field(status, "indicator").strip().lower())
    page = root.get("page")
    updated = stamp_field(page, "updated_at", now=None) if isinstance(page, Mapping) else None
    items = [c for c in as_list(root.get("components"), "components") if isinstance(c, Mapping)]
    if len(items) > MAX_COMPONENTS:
        message = f"{len(items):,} components; the first {MAX_COMPONENTS:,} read"
        problems.append(ItemProblem("components", message))
        items = items[:MAX_COMPONENTS]
    groups = {
        clean_line(text_field(c, "id")): clean_line(text_field(c, "name"))
        for c in items
        if c.get("group") is True
    }
    components = []
    for item in items:
        name = clean_line(text_field(item, "name"))
        if item.get("group") is True or not name:
            continue
        state = _STATES.get(clean_line(text_field(item, "status")).lower(), ComponentState.UNKNOWN)
        ident = clean_line(text_field(item, "id")) or None
        group = groups.get(clean_line(text_field(item, "group_id"))) or None
        components.append(ComponentStatus(name[:MAX_NAME], state, ident, group))
    description = clean_line(text_field(status, "description"))[:MAX_NAME]
    return PageStatus(indicator, description, tuple(components), updated.at if updated else None)


MAX_NAME = 200


def _incident(item: Mapping[str, Any], context: Context, page_url: str | None) -> IncidentDraft:
    native_id = id_field(item)
    status = clean_line(text_field(item, "status")).lower()
    impact_text = text_field(item, "impact").strip().lower()
    is_maintenance = (
        status in _MAINTENANCE_STATUSES
        or impact_text == "maintenance"
        or item.get("scheduled_for") is not None
    )
    kind = Kind.MAINTENANCE if is_maintenance else Kind.INCIDENT
    now = context.now
    scheduled_for = stamp_field(item, "scheduled_for", now=None)
    scheduled_until = stamp_field(item, "scheduled_until", now=None)
    components = components_from(as_list(item.get("components"), "components"))
    raw_updates = []
    for update in as_list(item.get("incident_updates"), "incident_updates"):
        update = as_mapping(update, "incident update")
        stamp = stamp_field(update, "display_at", "created_at", now=now)
        if stamp is None:
            raise PayloadError(f"update {id_field(update)} has no time")
        affected = [
            {"id": c.get("code"), "name": c.get("name")}
            for c in as_list(update.get("affected_components"), "affected_components")
            if isinstance(c, Mapping)
        ]
        refs = []
        tweet_id = update.get("tweet_id")
        if isinstance(tweet_id, str | int) and not isinstance(tweet_id, bool):
            refs.append(f"tweet:{tweet_id}")
        label = clean_line(text_field(update, "status")) or None
        raw_updates.append(
            (
                id_field(update),
                stamp,
                label,
                clean_text(text_field(update, "body")),
                {"components": components_from(affected), "refs": tuple(refs)},
            )
        )
    url = safe_http_url(item.get("shortlink")) or (
        f"{page_url.rstrip('/')}/incidents/{native_id}" if page_url else None
    )
    return IncidentDraft(
        key=native_id,
        native_id=native_id,
        vendor=context.vendor,
        kind=kind,
        title=clean_line(text_field(item, "name")),
        impact=_impact(impact_text),
        updates=thread(raw_updates, kind),
        url=url,
        status_label=status or None,
        postmortem=status == "postmortem" or item.get("postmortem_published_at") is not None,
        started=stamp_field(item, "started_at", "created_at", now=now),
        resolved=stamp_field(item, "resolved_at", now=now),
        scheduled_for=scheduled_for.at if scheduled_for else None,
        scheduled_until=scheduled_until.at if scheduled_until else None,
        components=components,
    )


def _impact(text: str) -> Impact:
    try:
        return Impact(text)
    except ValueError:
        return Impact.UNKNOWN
