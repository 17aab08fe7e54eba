"""Google Cloud's ``incidents.json`` -> incident drafts.

Updates carry no ids: an update is named by its incident, its ``when`` and an occurrence number
counted oldest first. ``status`` is an availability label (AVAILABLE reads as resolved; the
disruption labels say nothing about progress, so the text decides).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_feed.enums import Impact, Kind
from incident_feed.errors import PayloadError
from incident_feed.normalize.common import (
    RawUpdate,
    as_list,
    collect_items,
    components_from,
    id_field,
    stamp_field,
    text_field,
    thread,
)
from incident_feed.normalize.drafts import Context, IncidentDraft, ItemProblem, ParseResult
from incident_feed.normalize.text import clean_line, clean_text, safe_http_url

BASE_URL = "https://status.cloud.google.com/"
_IMPACT = {"high": Impact.MAJOR, "medium": Impact.MINOR, "low": Impact.NONE}


def parse_gcp(document: object, context: Context) -> ParseResult:
    if not isinstance(document, list):
        raise PayloadError("not a Google Cloud incidents.json document (expected a list)")
    problems: list[ItemProblem] = []
    drafts = collect_items(
        document,
        "incident",
        lambda item: _incident(item, context),
        problems,
        limit=context.max_items,
    )
    return ParseResult(tuple(drafts), tuple(problems))


def _incident(item: Mapping[str, Any], context: Context) -> IncidentDraft:
    native_id = id_field(item)
    now = context.now
    raw_updates: list[RawUpdate] = []
    counts: dict[str, int] = {}
    stamped = []
    for update in as_list(item.get("updates"), "updates"):
        if not isinstance(update, Mapping):
            raise PayloadError("an update is not an object")
        stamp = stamp_field(update, "when", "created", now=now)
        if stamp is None:
            raise PayloadError("an update has no time")
        stamped.append((stamp, update))
    for stamp, update in sorted(stamped, key=lambda pair: pair[0].at):
        when = stamp.at.strftime("%Y%m%dT%H%M%S")
        counts[when] = counts.get(when, 0) + 1
        raw_updates.append(
            (
                f"{native_id}@{when}#{counts[when]}",
                stamp,
                clean_line(text_field(update, "status")) or None,
                clean_text(text_field(update, "text")),
                {},
            )
        )
    severity = text_field(item, "severity").lower()
    impact = _IMPACT.get(severity, Impact.UNKNOWN)
    if text_field(item, "status_impact") == "SERVICE_OUTAGE":
        impact = Impact.CRITICAL if severity == "high" else Impact.MAJOR
    uri = text_field(item, "uri")
    products = as_list(item.get("affected_products"), "affected_products")
    return IncidentDraft(
        key=native_id,
        native_id=native_id,
        vendor=context.vendor,
        kind=Kind.INCIDENT,
        title=clean_line(text_field(item, "external_desc"))[:300],
        impact=impact,
        updates=thread(raw_updates, Kind.INCIDENT),
        url=safe_http_url(BASE_URL + uri) if uri else None,
        status_label="resolved" if item.get("end") else None,
        started=stamp_field(item, "begin", "created", now=now),
        resolved=stamp_field(item, "end", now=now),
        components=components_from(
            {"id": p.get("id"), "name": p.get("title")} for p in products if isinstance(p, Mapping)
        ),
    )
