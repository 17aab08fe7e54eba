"""status.io pages: the public status document -> drafts and the page's current state.

``GET https://api.status.io/1.0/status/<page id>`` answers ``{"result": {...}}``:

- ``status_overall``: ``{updated, status, status_code}``, the page's state and its own words;
- ``status``: the components, ``{id, name, status, status_code, updated, containers}`` (a
  component's containers are where it runs, e.g. regions; its code is the worst of theirs);
- ``incidents``: the open incidents, ``{_id, name, datetime_open, messages, components_affected,
  containers_affected}``, each message ``{details, state, status, datetime}``;
- ``maintenance``: ``{active: [...], upcoming: [...]}``, the same shape plus
  ``datetime_planned_start`` and ``datetime_planned_end``.

Codes are numbers. ``status_code`` (and a message's ``status``): 100 operational, 200 planned
maintenance, 300 degraded performance, 400 partial service disruption, 500 service disruption,
600 security event. An incident message's ``state``: 100 investigating, 200 identified, 300
monitoring. A maintenance message's phase comes from where the document lists it: upcoming ->
scheduled; active -> in progress from its planned start (scheduled before it).

Messages have no ids: an update's id is ``<incident id>@<its time as given>`` (``#2``... when
two share a time). The document lists only what is open: a resolved incident leaves it, and the
document never says so (see docs/phases.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from incident_feed.enums import ComponentState, Impact, Kind
from incident_feed.errors import PayloadError
from incident_feed.normalize.common import (
    RawUpdate,
    as_list,
    as_mapping,
    collect_items,
    components_from,
    id_field,
    stamp_field,
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
from incident_feed.normalize.text import clean_line, html_to_text

# status_code -> (a component's state, the impact it means)
CODES: dict[int, tuple[ComponentState, Impact]] = {
    100: (ComponentState.OPERATIONAL, Impact.NONE),
    200: (ComponentState.MAINTENANCE, Impact.MAINTENANCE),
    300: (ComponentState.DEGRADED, Impact.MINOR),
    400: (ComponentState.PARTIAL_OUTAGE, Impact.MAJOR),
    500: (ComponentState.MAJOR_OUTAGE, Impact.CRITICAL),
    # A security event says nothing of availability; the page flags it all the same.
    600: (ComponentState.UNKNOWN, Impact.MAJOR),
}
# An incident message's state -> the label it means.
STATES: dict[int, str] = {100: "investigating", 200: "identified", 300: "monitoring"}
INCIDENT_PAGE = "https://status.io/pages/incident"
MAINTENANCE_PAGE = "https://status.io/pages/maintenance"


def parse_statusio(
    document: object, context: Context, *, page_id: str | None = None
) -> ParseResult:
    """The open incidents and maintenances of one status document, and the page's state.

    ``page_id`` (from the document's URL) makes each incident's link on status.io.
    """
    root = as_mapping(document, "document")
    if not isinstance(root.get("result"), Mapping):
        raise PayloadError("not a status.io public status document (no result object)")
    result = root["result"]
    status = page_status(result, context)
    problems: list[ItemProblem] = []
    drafts = collect_items(
        as_list(result.get("incidents"), "incidents"),
        "incidents",
        _builder(context, page_id, None),
        problems,
        limit=context.max_items,
    )
    maintenance = result.get("maintenance")
    maintenance = as_mapping(maintenance, "maintenance") if maintenance is not None else {}
    for key in ("active", "upcoming"):
        drafts += collect_items(
            as_list(maintenance.get(key), f"maintenance.{key}"),
            f"maintenance.{key}",
            _builder(context, page_id, key),
            problems,
            limit=context.max_items,
        )
    return ParseResult(tuple(drafts), tuple(problems), status=status)


def _builder(
    context: Context, page_id: str | None, listed: str | None
) -> Callable[[Mapping[str, Any]], IncidentDraft]:
    return lambda item: _draft(item, context, page_id, listed)


def page_status(result: Mapping[str, Any], context: Context) -> PageStatus:
    """The page's overall state, in its own words, and each component's."""
    overall = as_mapping(result.get("status_overall"), "status_overall")
    indicator = _impact_of(overall.get("status_code"))
    words = overall.get("status")
    description = clean_line(words)[:200] if isinstance(words, str) else ""
    updated = stamp_field(overall, "updated", now=context.now)
    components = []
    for item in as_list(result.get("status"), "status"):
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            continue
        name = clean_line(item["name"])[:200]
        ident = item.get("id")
        state = _state(item.get("status_code"))
        if name:
            components.append(
                ComponentStatus(
                    name, state, clean_line(ident)[:200] if isinstance(ident, str) else None
                )
            )
    return PageStatus(
        indicator, description or "Unknown", tuple(components), updated.at if updated else None
    )


def _code(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _state(code: object) -> ComponentState:
    known = CODES.get(_code(code) or 0)
    return known[0] if known else ComponentState.UNKNOWN


def _impact_of(code: object) -> Impact:
    known = CODES.get(_code(code) or 0)
    return known[1] if known else Impact.UNKNOWN


def _draft(
    item: Mapping[str, Any], context: Context, page_id: str | None, listed: str | None
) -> IncidentDraft:
    """An incident (``listed`` None) or a maintenance (``listed`` "active" or "upcoming")."""
    native_id = id_field(item, "_id")
    kind = Kind.INCIDENT if listed is None else Kind.MAINTENANCE
    now = context.now
    planned_start = stamp_field(item, "datetime_planned_start", now=None)
    planned_end = stamp_field(item, "datetime_planned_end", now=None)
    raw_updates: list[RawUpdate] = []
    seen: dict[str, int] = {}
    codes: list[int] = []
    for message in as_list(item.get("messages"), "messages"):
        message = as_mapping(message, "message")
        stamp = stamp_field(message, "datetime", now=now)
        if stamp is None:
            raise PayloadError("a message has no datetime")
        seen[stamp.raw] = seen.get(stamp.raw, 0) + 1
        number = seen[stamp.raw]
        update_id = f"{native_id}@{stamp.raw}" + (f"#{number}" if number > 1 else "")
        if listed is None:
            label = STATES.get(_code(message.get("state")) or 0)
        elif listed == "upcoming" or (planned_start and stamp.at < planned_start.at):
            label = "scheduled"
        else:
            label = "in_progress"
        if (code := _code(message.get("status"))) is not None:
            codes.append(code)
        details = message.get("details")
        text = html_to_text(details) if isinstance(details, str) else ""
        raw_updates.append((update_id, stamp, label, text, {}))
    updates = thread(raw_updates, kind)
    opened = stamp_field(item, "datetime_open", now=now)
    starts = [s for s in (opened, *(u.stamp for u in updates)) if s is not None]
    base = INCIDENT_PAGE if kind is Kind.INCIDENT else MAINTENANCE_PAGE
    affected = [
        {"id": c.get("_id"), "name": c.get("name")}
        for c in as_list(item.get("components_affected"), "components_affected")
        if isinstance(c, Mapping)
    ]
    return IncidentDraft(
        key=native_id,
        native_id=native_id,
        vendor=context.vendor,
        kind=kind,
        title=clean_line(item["name"]) if isinstance(item.get("name"), str) else "",
        impact=_impact(item, codes) if kind is Kind.INCIDENT else Impact.MAINTENANCE,
        updates=updates,
        url=f"{base}/{page_id}/{native_id}" if page_id else None,
        status_label=updates[-1].label if updates else None,
        started=min(starts, key=lambda s: s.at) if starts else None,
        scheduled_for=planned_start.at if planned_start else None,
        scheduled_until=planned_end.at if planned_end else None,
        components=components_from(affected),
    )


def _impact(item: Mapping[str, Any], message_codes: list[int]) -> Impact:
    """The incident's own status code, else the worst its messages gave."""
    own = _impact_of(item.get("status_code"))
    if own is not Impact.UNKNOWN:
        return own
    known = [c for c in message_codes if c in CODES and c != 600]
    return _impact_of(max(known)) if known else Impact.UNKNOWN
