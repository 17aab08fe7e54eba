"""Slack Status API v2.0.0 (``/history``, ``/current``) -> incident drafts.

Notes carry neither ids nor statuses: a note is named by its incident and time, and its phase is
read from its text; the incident's own ``status`` (active/resolved/completed) closes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_feed.enums import Impact, Kind
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
from incident_feed.normalize.drafts import Context, IncidentDraft, ItemProblem, ParseResult
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
    return ParseResult(tuple(drafts), tuple(problems))


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
