"""incident.io status pages, read through their own widget API -> drafts and the page's state.

Three document shapes, all served under ``<page>/proxy/<page host>``:

- the summary, ``{"summary": {...}}``: the page's components (``components``, grouped in
  ``structure.items``), ``affected_components``, ``ongoing_incidents`` and
  ``scheduled_maintenances``. It gives the :class:`PageStatus`, and drafts of the listed
  incidents that carry their updates;
- one incident, ``{"incident": {...}}`` (``/incidents/<id>``): ``updates`` (each with
  ``to_status``, ``message_string`` and the ``component_statuses`` it set), ``affected_components``,
  ``component_impacts`` and ``status_summaries``;
- the recent history, ``{"incidents": [...]}`` (``/incidents``): incidents of that same shape.

Incidents name their components by id only. The summary names them, so a document is read
with the page's summary (``summary=``): a component is ``"<group> / <name>"`` when the page
groups it (``"APIs / Login"`` and ``"ChatGPT / Login"`` are two components), its own name when
not, and its id when the summary does not list it (or was not given, as in ``import``).

An incident's key is its ULID, as in the page's Atom feed links, so records of both sources
merge into one incident; its url is ``<page>/incidents/<id>``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from incident_feed.enums import ComponentState, Impact, Kind, component_rank
from incident_feed.errors import PayloadError
from incident_feed.normalize.common import (
    as_list,
    as_mapping,
    collect_items,
    id_field,
    stamp_field,
    text_field,
    thread,
)
from incident_feed.normalize.drafts import (
    MAX_LINE,
    Component,
    ComponentStatus,
    Context,
    IncidentDraft,
    ItemProblem,
    PageStatus,
    ParseResult,
)
from incident_feed.normalize.text import clean_line, clean_text, safe_http_url

# incident.io's component statuses (``full_outage`` where Statuspage says ``major_outage``).
STATES: dict[str, ComponentState] = {
    "operational": ComponentState.OPERATIONAL,
    "degraded_performance": ComponentState.DEGRADED,
    "partial_outage": ComponentState.PARTIAL_OUTAGE,
    "full_outage": ComponentState.MAJOR_OUTAGE,
    "under_maintenance": ComponentState.MAINTENANCE,
}
# A component state -> the impact it means (an incident's, or the page's overall indicator).
IMPACTS: dict[ComponentState, Impact] = {
    ComponentState.OPERATIONAL: Impact.NONE,
    ComponentState.MAINTENANCE: Impact.MAINTENANCE,
    ComponentState.DEGRADED: Impact.MINOR,
    ComponentState.PARTIAL_OUTAGE: Impact.MAJOR,
    ComponentState.MAJOR_OUTAGE: Impact.CRITICAL,
}
# incident.io's summary carries no words of its own for the page's state: these are ours.
DESCRIPTIONS: dict[Impact, str] = {
    Impact.NONE: "All systems operational",
    Impact.MAINTENANCE: "Under maintenance",
    Impact.MINOR: "Degraded performance",
    Impact.MAJOR: "Partial outage",
    Impact.CRITICAL: "Full outage",
}
LISTS = ("ongoing_incidents", "in_progress_maintenances", "scheduled_maintenances")
IN_PROGRESS = "maintenance_in_progress"
_DOCUMENT_KEYS = ("summary", "incident", "incidents")


@dataclass(frozen=True, slots=True)
class Directory:
    """The summary's components, to name what incidents refer to by id."""

    names: Mapping[str, str] = field(default_factory=dict)  # id -> "<group> / <name>" or name
    page_url: str | None = None  # the page's public URL, without a trailing slash

    def component(self, ident: str) -> Component:
        return Component(name=self.names.get(ident, ident), id=ident)


def parse_incidentio(
    document: object,
    context: Context,
    *,
    summary: object = None,
    page_url: str | None = None,
) -> ParseResult:
    """Every incident in one widget API document; the page's state when it is the summary.

    ``summary`` is the page's summary document (for an incident or the history) and
    ``page_url`` the page's address when no summary says it.
    """
    root = as_mapping(document, "document")
    if not any(key in root for key in _DOCUMENT_KEYS):
        raise PayloadError(
            "not an incident.io widget API document (no summary, incident or incidents key)"
        )
    problems: list[ItemProblem] = []
    if "summary" in root:
        page = as_mapping(root["summary"], "summary")
        directory = read_directory(page, page_url)
        status = page_status(page)
        # The lists name ongoing incidents; only those that carry their updates become drafts
        # here (the collector fetches each one's own document).
        items = [
            item
            for key in LISTS
            for item in as_list(page.get(key), key)
            if not isinstance(item, Mapping) or "updates" in item
        ]
        drafts = collect_items(
            items,
            "listed incident",
            lambda item: incident_draft(item, context, directory),
            problems,
            limit=context.max_items,
        )
        return ParseResult(tuple(drafts), tuple(problems), status=status)
    directory = directory_of(summary, page_url)
    if "incident" in root:
        drafts = collect_items(
            [root["incident"]],
            "incident",
            lambda i: incident_draft(i, context, directory),
            problems,
        )
    else:
        drafts = collect_items(
            as_list(root["incidents"], "incidents"),
            "incidents",
            lambda item: incident_draft(item, context, directory),
            problems,
            limit=context.max_items,
        )
    return ParseResult(tuple(drafts), tuple(problems))


def directory_of(summary: object, page_url: str | None = None) -> Directory:
    """The components named by a summary document; an unusable one names none (it is reported
    as its own document's error)."""
    page = summary.get("summary") if isinstance(summary, Mapping) else None
    if not isinstance(page, Mapping):
        return Directory(page_url=_page(page_url))
    try:
        return read_directory(page, page_url)
    except PayloadError:
        return Directory(page_url=_page(page_url))


def read_directory(page: Mapping[str, Any], page_url: str | None = None) -> Directory:
    """Component names (with their group) by id, from a summary's ``components`` and
    ``structure``; the page's URL from its ``public_url``, else ``page_url``."""
    names: dict[str, str] = {}
    for ident, name, group, _hidden in _listed_components(page):
        names[ident] = f"{group} / {name}" if group else name
    return Directory(names, _page(page.get("public_url")) or _page(page_url))


def _page(url: object) -> str | None:
    safe = safe_http_url(url)
    return safe.rstrip("/") if safe else None


def _listed_components(page: Mapping[str, Any]) -> list[tuple[str, str, str | None, bool]]:
    """``(id, name, group, hidden)`` for each component, in the page's order: the structure's
    groups and components first, then any component the structure leaves out."""
    names: dict[str, str] = {}
    for item in as_list(page.get("components"), "components"):
        if isinstance(item, Mapping):
            ident, name = _short(item.get("id")), _short(item.get("name"))
            if ident and name:
                names.setdefault(ident, name)
    found: dict[str, tuple[str, str, str | None, bool]] = {}
    structure = page.get("structure")
    items = structure.get("items") if isinstance(structure, Mapping) else None
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        group = item.get("group")
        if isinstance(group, Mapping):
            group_name = _short(group.get("name")) or None
            members = group.get("components")
            for member in members if isinstance(members, list) else []:
                _structure_entry(member, group_name, bool(group.get("hidden")), names, found)
        else:
            _structure_entry(item.get("component"), None, False, names, found)
    for ident, name in names.items():
        found.setdefault(ident, (ident, name, None, False))
    return list(found.values())


def _structure_entry(
    member: object,
    group: str | None,
    group_hidden: bool,
    names: Mapping[str, str],
    found: dict[str, tuple[str, str, str | None, bool]],
) -> None:
    if not isinstance(member, Mapping):
        return
    ident = _short(member.get("component_id"))
    name = names.get(ident) or _short(member.get("name"))
    if ident and name:
        hidden = group_hidden or bool(member.get("hidden"))
        found.setdefault(ident, (ident, name, group, hidden))


def _short(value: object) -> str:
    """A cleaned one-line string field, or "" when it is not a string or absurdly long."""
    if not isinstance(value, str):
        return ""
    text = clean_line(value)
    return text if len(text) <= MAX_LINE else ""


def page_status(page: Mapping[str, Any]) -> PageStatus:
    """The page's current state: each visible component with the worst state any ongoing
    incident or maintenance (or the summary's ``affected_components``) gives it.

    Every listed item counts (a few dictionary look-ups each; the body size cap bounds them).
    """
    states: dict[str, ComponentState] = {}
    ongoing = 0
    maintenance = False
    affected: list[Any] = list(as_list(page.get("affected_components"), "affected_components"))
    for key in LISTS:
        listed = as_list(page.get(key), key)
        for item in listed:
            if not isinstance(item, Mapping):
                continue
            if key == "ongoing_incidents":
                ongoing += 1
            elif key == "in_progress_maintenances" or text_field(item, "status") == IN_PROGRESS:
                maintenance = True
            else:
                continue  # a maintenance still ahead leaves its components as they are
            impacts = item.get("affected_components")
            affected += impacts if isinstance(impacts, list) else []
    for entry in affected:
        if not isinstance(entry, Mapping):
            continue
        ident = _short(entry.get("component_id"))
        state = _state(entry.get("current_status")) or _state(entry.get("status"))
        if ident and state is not None and _worse(state, states.get(ident)):
            states[ident] = state
    components = tuple(
        ComponentStatus(name, states.get(ident, ComponentState.OPERATIONAL), ident, group)
        for ident, name, group, hidden in _listed_components(page)
        if not hidden
    )
    worst = max((c.state for c in components), key=component_rank, default=None)
    indicator = IMPACTS.get(worst, Impact.UNKNOWN) if worst is not None else Impact.NONE
    if indicator is Impact.NONE and ongoing:
        indicator = Impact.MINOR  # an incident is open, though it lists no component
    elif indicator is Impact.NONE and maintenance:
        indicator = Impact.MAINTENANCE
    description = DESCRIPTIONS.get(indicator, "Unknown")
    if ongoing:
        description += f"; {ongoing} ongoing incident{'s' if ongoing > 1 else ''}"
    return PageStatus(indicator, description, components)


def _state(value: object) -> ComponentState | None:
    return STATES.get(value.strip().lower()) if isinstance(value, str) else None


def _worse(state: ComponentState, than: ComponentState | None) -> bool:
    return than is None or component_rank(state) > component_rank(than)


def incident_draft(
    item: Mapping[str, Any], context: Context, directory: Directory
) -> IncidentDraft:
    """One incident or maintenance in the widget API's shape."""
    native_id = id_field(item)
    status = clean_line(text_field(item, "status")).lower()
    is_maintenance = text_field(item, "type").strip().lower() == "maintenance" or status.startswith(
        "maintenance"
    )
    kind = Kind.MAINTENANCE if is_maintenance else Kind.INCIDENT
    now = context.now
    raw_updates = []
    seen: dict[str, Component] = {}
    for update in as_list(item.get("updates"), "updates"):
        update = as_mapping(update, "update")
        update_id = id_field(update)
        stamp = stamp_field(update, "published_at", now=now)
        if stamp is None:
            raise PayloadError(f"update {update_id} has no published_at")
        statuses = as_list(update.get("component_statuses"), "component_statuses")
        components = _components(statuses, directory)
        for component in components:
            seen.setdefault(component.id or component.name, component)
        raw_updates.append(
            (
                update_id,
                stamp,
                clean_line(text_field(update, "to_status")) or None,
                _message(update),
                {"components": components},
            )
        )
    impacts = as_list(item.get("component_impacts"), "component_impacts")
    affected = as_list(item.get("affected_components"), "affected_components")
    for component in _components([*affected, *impacts], directory):
        seen.setdefault(component.id or component.name, component)
    updates = thread(raw_updates, kind)
    published = stamp_field(item, "published_at", now=now)
    starts = [s for s in (published, *(u.stamp for u in updates)) if s is not None]
    window = _window(item, impacts)
    return IncidentDraft(
        key=native_id,
        native_id=native_id,
        vendor=context.vendor,
        kind=kind,
        title=clean_line(text_field(item, "name")),
        impact=Impact.MAINTENANCE if is_maintenance else _impact(item, affected, impacts),
        updates=updates,
        url=f"{directory.page_url}/incidents/{native_id}" if directory.page_url else None,
        status_label=status or None,
        started=min(starts, key=lambda s: s.at) if starts else None,
        scheduled_for=window[0] if is_maintenance else None,
        scheduled_until=window[1] if is_maintenance else None,
        components=tuple(seen.values()),
    )


def _message(update: Mapping[str, Any]) -> str:
    """The update's text: its plain ``message_string``, else the message's Markdown."""
    text = text_field(update, "message_string")
    if not text:
        message = update.get("message")
        text = text_field(message, "markdown") if isinstance(message, Mapping) else ""
    return clean_text(text)


def _components(entries: Iterable[Any], directory: Directory) -> tuple[Component, ...]:
    """The components ``{"component_id": ...}`` entries name, deduplicated, in order."""
    found: dict[str, Component] = {}
    for entry in entries:
        if isinstance(entry, Mapping):
            ident = _short(entry.get("component_id"))
            if ident:
                found.setdefault(ident, directory.component(ident))
    return tuple(found.values())


def _impact(item: Mapping[str, Any], *lists: list[Any]) -> Impact:
    """The worst state the incident gave any component, as an impact."""
    states: list[ComponentState] = []
    for entries in lists:
        states += [s for e in entries if isinstance(e, Mapping) if (s := _state(e.get("status")))]
    for summary in as_list(item.get("status_summaries"), "status_summaries"):
        if isinstance(summary, Mapping) and (s := _state(summary.get("worst_component_status"))):
            states.append(s)
    if not states:
        return Impact.UNKNOWN
    return IMPACTS[max(states, key=component_rank)]


def _window(
    item: Mapping[str, Any], impacts: list[Any]
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """A maintenance's window: its own ``starts_at``/``ends_at``, else the span of its
    component impacts (scheduled times may lie ahead: not clamped to now)."""
    start = stamp_field(item, "starts_at", now=None)
    end = stamp_field(item, "ends_at", now=None)
    if start is None:
        starts = [stamp_field(i, "start_at", now=None) for i in impacts if isinstance(i, Mapping)]
        start = min((s for s in starts if s), key=lambda s: s.at, default=None)
    if end is None:
        ends = [stamp_field(i, "end_at", now=None) for i in impacts if isinstance(i, Mapping)]
        end = max((e for e in ends if e), key=lambda e: e.at, default=None)
    return (start.at if start else None, end.at if end else None)
