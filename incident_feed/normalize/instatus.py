"""Instatus pages: ``<page>/summary.json`` (and ``<page>/v3/components.json``) -> drafts and
the page's current state.

``summary.json`` is ``{"page": {name, url, status}, "activeIncidents": [...],
"activeMaintenances": [...]}``; the two lists are left out when empty. ``page.status`` is UP,
HASISSUES or UNDERMAINTENANCE. An incident is ``{id, name, started, status, impact, url,
updatedAt}`` (status INVESTIGATING, IDENTIFIED, MONITORING, RESOLVED; impact OPERATIONAL,
DEGRADEDPERFORMANCE, PARTIALOUTAGE, MAJOROUTAGE); a maintenance is ``{id, name, start,
duration, status, url, updatedAt}`` (status NOTSTARTEDYET, INPROGRESS, COMPLETED; ``duration``
in minutes, a string; no end). Instatus's own documentation shows items without ``id`` or
``updatedAt`` and times as JavaScript's ``Date.toString()``; the item's ``url`` then names it.
``components.json`` is ``{"components": [{id, name, status, group}]}`` (component status as an
incident's impact, plus UNDERMAINTENANCE).

The summary lists items without their updates: each state an item is seen in becomes one
update, ``<id>@<state>`` timed at the item's ``updatedAt`` (its start when it has none), so a
thread grows by one update per state change across runs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

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
    ComponentStatus,
    Context,
    IncidentDraft,
    ItemProblem,
    PageStatus,
    ParseResult,
)
from incident_feed.normalize.text import clean_line, safe_http_url

PAGE_STATES: dict[str, tuple[Impact, str]] = {
    "UP": (Impact.NONE, "All systems operational"),
    "HASISSUES": (Impact.MINOR, "Some systems have issues"),
    "UNDERMAINTENANCE": (Impact.MAINTENANCE, "Under maintenance"),
}
# An incident's impact or a component's status -> (component state, impact).
IMPACTS: dict[str, tuple[ComponentState, Impact]] = {
    "OPERATIONAL": (ComponentState.OPERATIONAL, Impact.NONE),
    "DEGRADEDPERFORMANCE": (ComponentState.DEGRADED, Impact.MINOR),
    "PARTIALOUTAGE": (ComponentState.PARTIAL_OUTAGE, Impact.MINOR),
    "MINOROUTAGE": (ComponentState.PARTIAL_OUTAGE, Impact.MINOR),
    "MAJOROUTAGE": (ComponentState.MAJOR_OUTAGE, Impact.MAJOR),
    "UNDERMAINTENANCE": (ComponentState.MAINTENANCE, Impact.MAINTENANCE),
}
# Instatus states -> the labels docs/phases.md reads.
LABELS: dict[str, str] = {
    "INVESTIGATING": "investigating",
    "IDENTIFIED": "identified",
    "MONITORING": "monitoring",
    "RESOLVED": "resolved",
    "NOTSTARTEDYET": "scheduled",
    "INPROGRESS": "in_progress",
    "COMPLETED": "completed",
}
MAX_DURATION = 60 * 24 * 366  # minutes: a maintenance longer than a year is not read
MAX_COMPONENTS = 2000
MAX_NAME = 200
_WORST = (Impact.MAJOR, Impact.MINOR)
# An id as Instatus writes them (a cuid: 25 letters and digits), never a word of the path.
_URL_ID = re.compile(r"^(?=[A-Za-z_-]*[0-9])[A-Za-z0-9_-]{8,200}$")


def parse_instatus(document: object, context: Context, *, components: object = None) -> ParseResult:
    """The active incidents and maintenances of one ``summary.json``, and the page's state
    (with each component when ``components``, the page's ``components.json``, is given)."""
    root = as_mapping(document, "document")
    page = root.get("page")
    if not isinstance(page, Mapping) or not isinstance(page.get("status"), str):
        raise PayloadError("not an Instatus summary (no page.status)")
    page_url = safe_http_url(page.get("url"))
    problems: list[ItemProblem] = []
    drafts: list[IncidentDraft] = []
    for key, kind in (("activeIncidents", Kind.INCIDENT), ("activeMaintenances", Kind.MAINTENANCE)):
        drafts += collect_items(
            as_list(root.get(key), key),
            key,
            lambda item, kind=kind: _draft(item, kind, context, page_url),  # type: ignore[misc]
            problems,
            limit=context.max_items,
        )
    status = _page_status(page, drafts, components, problems)
    return ParseResult(tuple(drafts), tuple(problems), status=status)


def _page_status(
    page: Mapping[str, Any],
    drafts: list[IncidentDraft],
    components: object,
    problems: list[ItemProblem],
) -> PageStatus:
    state = clean_line(text_field(page, "status")).upper()
    indicator, description = PAGE_STATES.get(state, (Impact.UNKNOWN, "Unknown"))
    if indicator is Impact.MINOR:
        # HASISSUES: as bad as the worst open incident says.
        impacts = [d.impact for d in drafts if d.kind is Kind.INCIDENT]
        indicator = next((i for i in _WORST if i in impacts), Impact.MINOR)
    return PageStatus(indicator, description, _components(components, problems))


def _components(document: object, problems: list[ItemProblem]) -> tuple[ComponentStatus, ...]:
    """``{"components": [...]}`` (live) or a bare list with ``children`` (documented)."""
    if isinstance(document, Mapping):
        document = document.get("components")
    if not isinstance(document, list):
        return ()
    items = [c for c in document if isinstance(c, Mapping)]
    flat: list[tuple[Mapping[str, Any], str | None]] = []
    for item in items:
        children = item.get("children")
        if isinstance(children, list) and children:
            parent = clean_line(text_field(item, "name"))[:MAX_NAME] or None
            flat += [(c, parent) for c in children if isinstance(c, Mapping)]
        else:
            group = item.get("group")
            name = text_field(group, "name") if isinstance(group, Mapping) else ""
            flat.append((item, clean_line(name)[:MAX_NAME] or None))
    if len(flat) > MAX_COMPONENTS:
        problems.append(
            ItemProblem(
                "components", f"{len(flat):,} components; the first {MAX_COMPONENTS:,} read"
            )
        )
        flat = flat[:MAX_COMPONENTS]
    out = []
    for item, group in flat:
        name = clean_line(text_field(item, "name"))[:MAX_NAME]
        if not name:
            continue
        code = clean_line(text_field(item, "status")).upper()
        state = IMPACTS.get(code, (ComponentState.UNKNOWN, Impact.UNKNOWN))[0]
        ident = clean_line(text_field(item, "id"))[:MAX_NAME] or None
        out.append(ComponentStatus(name, state, ident, group))
    return tuple(out)


def _native_id(item: Mapping[str, Any]) -> str:
    """The item's ``id``; without one (Instatus's documented summary lists none), the last
    segment of its ``url`` (``.../incident/<id>``), which names it as steadily."""
    if item.get("id") is None:
        url = safe_http_url(item.get("url"))
        tail = urlsplit(url).path.rstrip("/").rpartition("/")[2] if url else ""
        if _URL_ID.match(tail):
            return tail
    return id_field(item)


def _draft(
    item: Mapping[str, Any], kind: Kind, context: Context, page_url: str | None
) -> IncidentDraft:
    native_id = _native_id(item)
    now = context.now
    code = clean_line(text_field(item, "status")).upper()
    label = LABELS.get(code)
    begins = "started" if kind is Kind.INCIDENT else "start"
    start = stamp_field(item, begins, now=now if kind is Kind.INCIDENT else None)
    seen = stamp_field(item, "updatedAt", now=now) or (
        stamp_field(item, begins, now=now) if start is not None else None
    )
    updates: list[RawUpdate] = []
    if seen is not None and code:
        state_id = f"{native_id}@{code.lower()[:40]}"
        updates.append((state_id, seen, label or code.lower(), "", {}))
    scheduled_until = None
    if kind is Kind.MAINTENANCE and start is not None:
        minutes = _minutes(item.get("duration"))
        if minutes is not None:
            scheduled_until = start.at + dt.timedelta(minutes=minutes)
    impact_code = clean_line(text_field(item, "impact")).upper()
    impact = (
        Impact.MAINTENANCE
        if kind is Kind.MAINTENANCE
        else IMPACTS.get(impact_code, (ComponentState.UNKNOWN, Impact.UNKNOWN))[1]
    )
    url = safe_http_url(item.get("url")) or (
        f"{page_url.rstrip('/')}/incident/{native_id}"
        if page_url and kind is Kind.INCIDENT
        else None
    )
    return IncidentDraft(
        key=native_id,
        native_id=native_id,
        vendor=context.vendor,
        kind=kind,
        title=clean_line(text_field(item, "name")),
        impact=impact,
        updates=thread(updates, kind),
        url=url,
        status_label=label or (code.lower() or None),
        started=start if kind is Kind.INCIDENT else None,
        scheduled_for=start.at if kind is Kind.MAINTENANCE and start else None,
        scheduled_until=scheduled_until,
    )


def _minutes(value: object) -> int | None:
    """A duration in minutes, given as a string (live) or a number; None when unusable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip()) if len(value.strip()) < 10 else None
    if isinstance(value, int) and 0 <= value <= MAX_DURATION:
        return value
    return None
