"""Stored rows -> the JSON contract (documented in the README). Times: ISO 8601 UTC with ``Z``.

On the read path of ``incidents --json``: imports no ORM (``normalize.times`` is plain Python).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from incident_feed.links import Channels, other_end
from incident_feed.normalize.times import format_utc
from incident_feed.redact import redact_url, redact_urls


def when(value: dt.datetime | None) -> str | None:
    return format_utc(value) if value is not None else None


def incident_json(
    incident: Mapping[str, Any],
    records: Sequence[Mapping[str, Any]],
    updates: Sequence[Mapping[str, Any]] | None = None,
    *,
    channels: Channels | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": incident["id"],
        "vendor": incident["vendor"],
        "kind": incident["kind"],
        "title": incident["title"],
        "phase": incident["phase"],
        "impact": incident["impact"],
        "postmortem": bool(incident["postmortem"]),
        "started_at": when(incident["started_at"]),
        "resolved_at": when(incident["resolved_at"]),
        "updated_at": when(incident["updated_at"]),
        "scheduled_for": when(incident["scheduled_for"]),
        "scheduled_until": when(incident["scheduled_until"]),
        "url": incident["url"],
        "components": list(incident["components"]),
        "sources": [
            {
                "name": r["source_name"],
                "kind": r["source_kind"],
                "native_id": r["native_id"],
                "url": r["url"],
            }
            for r in records
        ],
    }
    out["first_social_at"] = when(channels.first_social_at) if channels else None
    out["first_status_at"] = when(channels.first_status_at) if channels else None
    out["links"] = [link_json(link, incident["id"]) for link in channels.links] if channels else []
    if updates is not None:
        out["updates"] = [update_json(u) for u in updates]
    return out


def link_json(link: Mapping[str, Any], incident_id: str) -> dict[str, Any]:
    """A link as seen from ``incident_id``: the other incident, and why they are linked."""
    mine = link["incident_id"] == incident_id
    return {
        "incident": other_end(link, incident_id),
        "kind": link["kind"],
        "role": ("announces" if mine else "announced_by") if link["kind"] == "same" else "grouped",
        "confidence": link["confidence"],
        "reason": link["reason"],
        "state": link["state"],
    }


def update_json(update: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": update["id"],
        "at": when(update["at"]),
        "at_raw": update["at_raw"],
        "time_flags": [f for f in update["time_flags"].split(",") if f],
        "phase": update["phase"],
        "label": update["label"],
        "source": update["source_name"],
        "native_id": update["native_id"],
        "text": update["text"],
        "url": update["url"],
        "evidence": update["evidence"],
        "components": list(update["components"]),
        "deleted_at": when(update.get("deleted_at")),
    }


def source_json(
    state: Mapping[str, Any] | None, name: str, vendor: str, kind: str, url: str
) -> dict[str, Any]:
    state = state or {}
    return {
        "name": name,
        "vendor": vendor,
        "kind": kind,
        "url": redact_url(url),
        "last_attempt_at": when(state.get("last_attempt_at")),
        "last_success_at": when(state.get("last_success_at")),
        "consecutive_failures": state.get("consecutive_failures", 0),
        "last_error": redact_urls(state["last_error"]) if state.get("last_error") else None,
        "last_error_at": when(state.get("last_error_at")),
        "retry_after_until": when(state.get("retry_after_until")),
    }
