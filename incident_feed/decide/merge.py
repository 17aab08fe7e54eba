"""Drafts + what is stored -> the rows to write. Pure: no I/O, ``now`` passed in.

The rules that keep the store honest live here:
- an update is identified by (source, native id): seen again unchanged, nothing is written;
  changed, it is updated in place; absent from a later payload, it is kept;
- the same update published by a second source of the same incident (same minute, phase and
  text) is not stored twice;
- a time clamped because it was in the future keeps the value it was first clamped to;
- a maintenance window is clamped to two years after the incident was first seen (a stable bound,
  so a far-future window is not rewritten on every collection);
- the incident's phase, start, resolution and last update are derived from all its updates;
- an incident never moves backwards on weaker evidence: once resolved, it is reopened only by an
  update that says so and is later than its resolution, to the minute (sources give update times
  to the minute, so a same-minute update is not later), never by one timed at or before it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from incident_feed.config import slugify
from incident_feed.enums import FINAL_PHASES, Impact, Kind, Phase
from incident_feed.normalize.drafts import Component, IncidentDraft, UpdateDraft
from incident_feed.normalize.phases import LABELS
from incident_feed.normalize.times import FUTURE_CLAMPED, SCHEDULE_HORIZON

Row = Mapping[Any, Any]
_FINAL_VALUES = frozenset(p.value for p in FINAL_PHASES)


@dataclass(slots=True)
class IncidentPlan:
    """What to write for one incident; empty lists and ``incident=None`` mean nothing changed."""

    incident_id: str
    incident: dict[str, Any] | None = None
    is_new: bool = False
    new_updates: list[dict[str, Any]] = field(default_factory=list)
    changed_updates: list[dict[str, Any]] = field(default_factory=list)
    new_records: list[dict[str, Any]] = field(default_factory=list)


def incident_id_for(vendor: str, key: str) -> str:
    """Stable, shell-safe incident id: ``<vendor-slug>-<key>`` (hashed when the key is not tidy)."""
    tidy = key if re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", key) else None
    suffix = tidy or hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]
    return f"{slugify(vendor)}-{suffix}"


def merge_drafts(drafts: Sequence[IncidentDraft]) -> IncidentDraft:
    """Several records of one incident from one source (e.g. listed twice) -> one draft."""
    if len(drafts) == 1:
        return drafts[0]
    updates: dict[str, UpdateDraft] = {}
    for draft in drafts:
        for update in draft.updates:
            updates[update.native_id] = update
    last = drafts[-1]
    ordered = tuple(sorted(updates.values(), key=lambda u: (u.stamp.at, u.native_id)))
    return replace(last, updates=ordered)


def plan_incident(
    incident_id: str,
    drafts: Sequence[IncidentDraft],
    existing: Row | None,
    existing_updates: Sequence[Row],
    known_records: Iterable[str],
    *,
    source_name: str,
    source_kind: str,
    now: dt.datetime,
) -> IncidentPlan:
    """The writes that bring one incident up to date with one source's drafts."""
    draft = merge_drafts(drafts)
    plan = IncidentPlan(incident_id)
    known = set(known_records)
    for record in drafts:
        if record.native_id not in known:
            known.add(record.native_id)
            plan.new_records.append(
                {
                    "source_name": source_name,
                    "native_id": record.native_id,
                    "incident_id": incident_id,
                    "source_kind": source_kind,
                    "url": record.url,
                    "first_seen_at": now,
                }
            )
    by_key = {(row["source_name"], row["native_id"]): row for row in existing_updates}
    others = [row for row in existing_updates if row["source_name"] != source_name]
    merged: list[Row] = list(existing_updates)
    for update in draft.updates:
        row = by_key.get((source_name, update.native_id))
        values = _update_values(update, incident_id, source_name)
        if row is None:
            if any(_same_update(values, other) for other in others):
                continue
            values["first_seen_at"] = now
            plan.new_updates.append(values)
            merged.append(values)
            continue
        if FUTURE_CLAMPED in str(row["time_flags"]) and row["at_raw"] == values["at_raw"]:
            values["at"] = row["at"]  # keep the time it was first clamped to
        if row["content_hash"] != values["content_hash"]:
            values["id"] = row["id"]
            values["first_seen_at"] = row["first_seen_at"]
            plan.changed_updates.append(values)
            merged = [values if r is row else r for r in merged]
    summary = _summarize(incident_id, draft, existing, merged, now, new_evidence=True)
    if existing is None or existing["fingerprint"] != summary["fingerprint"]:
        plan.incident = summary
        plan.is_new = existing is None
    return plan


def resummarize(existing: Row, updates: Sequence[Row], now: dt.datetime) -> dict[str, Any] | None:
    """The incident row again after some of its updates were marked deleted (or seen again);
    None when nothing about it changed."""
    draft = IncidentDraft(
        key=existing["id"],
        native_id=existing["id"],
        vendor=existing["vendor"],
        kind=Kind(existing["kind"]),
        title=existing["title"],
        impact=Impact(existing["impact"]),
        updates=(),
        url=existing["url"],
        postmortem=bool(existing["postmortem"]),
    )
    # Not new evidence: a deleted update can withdraw the resolution it brought.
    summary = _summarize(existing["id"], draft, existing, updates, now, new_evidence=False)
    return summary if summary["fingerprint"] != existing["fingerprint"] else None


def _update_values(update: UpdateDraft, incident_id: str, source_name: str) -> dict[str, Any]:
    flags = ",".join(update.stamp.flags)
    components = [c.as_json() for c in update.components]
    content = {
        "at": None if FUTURE_CLAMPED in update.stamp.flags else update.stamp.at.isoformat(),
        "raw": update.stamp.raw,
        "flags": flags,
        "phase": update.phase.value,
        "label": update.label,
        "evidence": update.evidence,
        "text": update.text,
        "url": update.url,
        "components": components,
        "refs": list(update.refs),
    }
    return {
        "incident_id": incident_id,
        "source_name": source_name,
        "native_id": update.native_id,
        "at": update.stamp.at,
        "at_raw": update.stamp.raw,
        "time_flags": flags,
        "phase": update.phase.value,
        "label": update.label,
        "evidence": update.evidence,
        "text": update.text,
        "url": update.url,
        "components": components,
        "refs": list(update.refs),
        "content_hash": _digest(content),
    }


def _same_update(values: Row, other: Row) -> bool:
    """The same update seen through another source (e.g. the API and the Atom feed).

    Same minute and same text: the phase is not compared, because it is our reading of each
    source's label, and sources label one update differently (GitHub's Atom feed says "Update"
    where its API says "investigating", so the text decides the feed's phase).
    """
    return values["at"].replace(second=0, microsecond=0) == other["at"].replace(
        second=0, microsecond=0
    ) and " ".join(values["text"].split()) == " ".join(other["text"].split())


def _summarize(
    incident_id: str,
    draft: IncidentDraft,
    existing: Row | None,
    updates: Sequence[Row],
    now: dt.datetime,
    *,
    new_evidence: bool,
) -> dict[str, Any]:
    # Updates deleted upstream stay in the thread, marked, but no longer move the incident.
    live = [u for u in updates if not u.get("deleted_at")] or list(updates)
    ordered = sorted(live, key=_phase_order)
    kind = draft.kind
    phase = Phase(ordered[-1]["phase"]) if ordered else _first_phase(kind)
    declared = LABELS.get((draft.status_label or "").lower())
    final = Phase.COMPLETED if kind is Kind.MAINTENANCE else Phase.RESOLVED
    if declared in FINAL_PHASES and phase not in FINAL_PHASES:
        phase = final
    resolution = _known_resolution(draft, existing if new_evidence else None)
    if (
        phase not in FINAL_PHASES
        and resolution is not None
        and _minute(ordered[-1]["at"]) <= _minute(resolution)
    ):
        # Evidence timed at or before the resolution does not reopen the incident.
        finals = [Phase(u["phase"]) for u in ordered if Phase(u["phase"]) in FINAL_PHASES]
        phase = finals[-1] if finals else final
    starts = [min(u["at"] for u in ordered)] if ordered else []
    if draft.started is not None:
        starts.append(draft.started.at)
    if existing is not None:
        starts.append(existing["started_at"])
    started_at = min(starts) if starts else now
    resolved_at = None
    if phase in FINAL_PHASES:
        resolved_at = draft.resolved.at if draft.resolved else None
        if resolved_at is None:
            # The start of the final run of resolved/completed updates: an earlier "resolved"
            # update followed by more work (a reopened incident, or one component recovering
            # while others are still down) does not resolve the incident.
            trailing: list[dt.datetime] = []
            for u in reversed(ordered):
                if u["phase"] not in _FINAL_VALUES:
                    break
                trailing.append(u["at"])
            resolved_at = trailing[-1] if trailing else None
            kept = existing["resolved_at"] if existing is not None else None
            if kept is not None and (resolved_at is None or kept >= resolved_at):
                # Another source declared the resolution time within this final run: keep it,
                # or the incident would flip between the two values on every collection.
                resolved_at = kept
    updated_at = max([started_at, *(u["at"] for u in ordered)])
    impact = draft.impact
    if impact is Impact.UNKNOWN and existing is not None:
        impact = Impact(existing["impact"])
    components = _union_components(
        existing["components"] if existing is not None else [],
        [c.as_json() for c in draft.components],
        [c for u in ordered for c in u["components"]],
    )
    horizon = (existing["first_seen_at"] if existing is not None else now) + SCHEDULE_HORIZON
    summary: dict[str, Any] = {
        "id": incident_id,
        "vendor": draft.vendor,
        "kind": kind.value,
        "title": draft.title,
        "impact": impact.value,
        "phase": phase.value,
        "postmortem": bool(draft.postmortem or (existing is not None and existing["postmortem"])),
        "started_at": started_at,
        "resolved_at": resolved_at,
        "updated_at": updated_at,
        "scheduled_for": _clamp_schedule(
            draft.scheduled_for or (existing["scheduled_for"] if existing is not None else None),
            horizon,
        ),
        "scheduled_until": _clamp_schedule(
            draft.scheduled_until
            or (existing["scheduled_until"] if existing is not None else None),
            horizon,
        ),
        "url": (existing["url"] if existing is not None else None) or draft.url,
        "components": components,
    }
    summary["fingerprint"] = _digest({k: _jsonable(v) for k, v in summary.items()})
    summary["first_seen_at"] = existing["first_seen_at"] if existing is not None else now
    return summary


def _phase_order(update: Row) -> tuple[dt.datetime, bool, dt.datetime, str]:
    """Updates in the order that decides the phase: by minute, and within a minute a final
    update last, so an update of the same minute as the resolution does not reopen it."""
    return (
        _minute(update["at"]),
        update["phase"] in _FINAL_VALUES,
        update["at"],
        update["native_id"],
    )


def _known_resolution(draft: IncidentDraft, existing: Row | None) -> dt.datetime | None:
    """When the incident is known to be resolved: declared by this source, or already stored."""
    if draft.resolved is not None:
        return draft.resolved.at
    if existing is not None and existing["phase"] in _FINAL_VALUES:
        resolved_at: dt.datetime | None = existing["resolved_at"]
        return resolved_at
    return None


def _clamp_schedule(value: dt.datetime | None, horizon: dt.datetime) -> dt.datetime | None:
    """A scheduled time no later than ``horizon``: views and durations stay in range."""
    return min(value, horizon) if value is not None else None


def _minute(value: dt.datetime) -> dt.datetime:
    return value.replace(second=0, microsecond=0)


def _first_phase(kind: Kind) -> Phase:
    return Phase.SCHEDULED if kind is Kind.MAINTENANCE else Phase.INVESTIGATING


def _union_components(*groups: Iterable[Mapping[str, Any]]) -> list[dict[str, str | None]]:
    seen: dict[tuple[Any, Any], dict[str, str | None]] = {}
    for group in groups:
        for item in group:
            key = (item.get("id"), item.get("name"))
            seen.setdefault(key, {"id": item.get("id"), "name": item.get("name")})
    return list(seen.values())


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value


# One encoder for every digest: json.dumps with options builds a new one per call.
_DIGEST_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


def _digest(value: Any) -> str:
    blob = _DIGEST_JSON.encode(value)
    return hashlib.sha1(blob.encode("utf-8")).hexdigest()


__all__ = ["Component", "IncidentPlan", "incident_id_for", "merge_drafts", "plan_incident"]
