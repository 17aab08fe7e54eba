"""Stored rows -> the JSON contract (documented in the README). Times: ISO 8601 UTC with ``Z``.

Pure: rows in, plain dicts out; imports no database library (``normalize.times`` is plain
Python), so it stays on the fast read path of ``incidents --json``.

Contract version 2 (:data:`CONTRACT_VERSION`): ``incidents --json`` and ``show --json`` print
*outages*, each with its ``members`` and, with updates, every member's updates in one thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from incident_feed.normalize.times import format_utc
from incident_feed.redact import redact_url, redact_urls

if TYPE_CHECKING:
    from incident_feed.store.queries import IncidentDetail

CONTRACT_VERSION = 2


def when(value: dt.datetime | None) -> str | None:
    return format_utc(value) if value is not None else None


def incident_json(
    incident: Mapping[str, Any],
    records: Sequence[Mapping[str, Any]],
    updates: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """One incident record (contract version 1's item; :func:`outage_json` builds on it)."""
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
    out["first_social_at"] = None
    out["first_status_at"] = None
    out["links"] = []
    if updates is not None:
        out["updates"] = [update_json(u) for u in updates]
    return out


def link_json(link: Mapping[str, Any], incident_id: str) -> dict[str, Any]:
    """A link as seen from ``incident_id``: the other incident, and why they are linked."""
    mine = link["incident_id"] == incident_id
    return {
        "incident": link["target_id"] if mine else link["incident_id"],
        "kind": link["kind"],
        "role": ("announces" if mine else "announced_by") if link["kind"] == "same" else "grouped",
        "confidence": link["confidence"],
        "reason": link["reason"],
        "state": link["state"],
    }


def outage_json(detail: IncidentDetail, *, with_updates: bool) -> dict[str, Any]:
    """One outage (contract version 2): the summary, its members, every member's source
    records and links, and (``with_updates``) one thread of every member's updates."""
    outage = detail.incident
    out = incident_json(outage, detail.records)
    out["first_social_at"] = when(detail.first_at("social"))
    out["first_status_at"] = when(detail.first_at("status"))
    out["links"] = [
        link_json(link, _seen_from(link, outage["id"])) | {"from": _seen_from(link, outage["id"])}
        for link in detail.links
    ]
    out["members"] = [_member_json(detail, member) for member in detail.members]
    out["contract"] = CONTRACT_VERSION
    if with_updates:
        lags = detail.lags()
        out["updates"] = [
            update_json(u)
            | {
                "incident": u["incident_id"],
                "channel": detail.channel(u["incident_id"]),
                "platform": detail.platform(u),
                "lag_s": lags[u["id"]].seconds if u["id"] in lags else None,
            }
            for u in detail.updates
        ]
    return out


def _seen_from(link: Mapping[str, Any], head: str) -> str:
    """The end a link is described from: the outage's head when it is one, else its source."""
    return head if head in (link["incident_id"], link["target_id"]) else str(link["incident_id"])


def _member_json(detail: IncidentDetail, member: Mapping[str, Any]) -> dict[str, Any]:
    records = [r for r in detail.records if r["incident_id"] == member["id"]]
    record = records[0] if records else None
    return {
        "id": member["id"],
        "kind": record["source_kind"] if record else None,
        "source": record["source_name"] if record else None,
        "channel": detail.channel(member["id"]),
        "url": member["url"],
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
