"""Incidents joined by links -> outages, and one outage's summary. Pure: rows in, rows out.

An *outage* is everything that describes one event: a status-page incident, the social threads
linked to it as the same event (``same`` links) and the incidents grouped with it (``group``
links); links undone by hand join nothing. An incident linked to nothing is an outage of its own.

The summary follows one rule, documented in ``docs/operations.md``:

- **head**: the earliest status-page member (ties: the smaller id); with no status-page member,
  the earliest social thread. The outage's id, title, kind, URL and schedule are the head's.
- **phase**: the status page speaks for the vendor. While a status-page member is open, the
  outage has the phase of the open status-page member updated last; when all of them are final
  it is resolved (or completed) at the latest of their resolutions. With no status-page member,
  the same rule over the social threads.
- **started_at**: the earliest start of any member (a post often comes first);
  **updated_at**: the latest change of any member; **impact**: the highest of the status-page
  members' (of all members' when there is none); **components**: every member's, once each.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from incident_feed.enums import FINAL_PHASES, IMPACT_ORDER, Impact, Phase

Row = Mapping[str, Any]

__all__ = ["connected", "head_of", "summarize"]


def connected(ids: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Connected groups of ``ids`` (union-find), each sorted, in order of first id. Edges to ids
    outside ``ids`` are ignored."""
    parent = {i: i for i in ids}

    def root(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in edges:
        if a in parent and b in parent:
            parent[root(a)] = root(b)
    groups: dict[str, list[str]] = defaultdict(list)
    for i in parent:
        groups[root(i)].append(i)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


def head_of(members: Sequence[Row], social: set[str]) -> Row:
    """The member whose id, title and URL the outage takes (see the module docstring)."""
    status = [m for m in members if m["id"] not in social] or list(members)
    return min(status, key=lambda m: (m["started_at"], m["id"]))


def summarize(members: Sequence[Row], social: set[str]) -> dict[str, Any]:
    """The outage row of ``members`` (incident rows); ``social`` holds the ids of social
    threads."""
    if not members:
        raise ValueError("an outage has at least one member")
    head = head_of(members, social)
    speaking = [m for m in members if m["id"] not in social] or list(members)
    open_members = [m for m in speaking if _phase(m) not in FINAL_PHASES]
    if open_members:
        latest = max(open_members, key=lambda m: (m["updated_at"], m["id"]))
        phase, resolved_at = latest["phase"], None
    else:
        last = max(speaking, key=lambda m: (_resolved(m), m["id"]))
        phase, resolved_at = last["phase"], _resolved(last)
    return {
        "id": head["id"],
        "vendor": head["vendor"],
        "kind": head["kind"],
        "title": head["title"],
        "impact": _highest(m["impact"] for m in speaking),
        "phase": phase,
        "postmortem": any(bool(m.get("postmortem")) for m in members),
        "started_at": min(m["started_at"] for m in members),
        "resolved_at": resolved_at,
        "updated_at": max(m["updated_at"] for m in members),
        "scheduled_for": head["scheduled_for"],
        "scheduled_until": head["scheduled_until"],
        "url": head["url"],
        "components": _components(members, head),
        "members": len(members),
    }


def _phase(row: Row) -> Phase | None:
    try:
        return Phase(row["phase"])
    except ValueError:
        return None


def _resolved(row: Row) -> dt.datetime:
    value: dt.datetime = row["resolved_at"] or row["updated_at"]
    return value


def _highest(impacts: Iterable[object]) -> str:
    rank = {impact.value: number for number, impact in enumerate(IMPACT_ORDER)}
    values = [str(i) for i in impacts]
    known = [v for v in values if v in rank]
    return max(known, key=rank.__getitem__) if known else Impact.UNKNOWN.value


def _components(members: Sequence[Row], head: Row) -> list[dict[str, Any]]:
    """Every member's components once (same id and name), the head's first."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for member in [head, *(m for m in members if m is not head)]:
        for component in member.get("components") or []:
            if not isinstance(component, Mapping):
                continue
            key = f"{component.get('id')}\x00{component.get('name')}"
            if key not in seen:
                seen.add(key)
                out.append(dict(component))
    return out
