"""Per-vendor figures over a period: how fast vendors identify, remediate and resolve, and how
far their social posts run ahead of (or behind) their status page.

An *outage* is a status-page incident together with the social threads linked to it and the
incidents grouped with it; an unlinked social thread is an outage of its own. Phase times come
from the outage's whole thread (see :mod:`incident_feed.decide.phase_times`); the
announcement lag is the first status-page update minus the first social post (positive: social
was first).

Every median says how many outages it rests on (``time_to_*_n``): an outage that was never
identified, is still open, or was opened and closed by one update (its time to resolve is
unknown, counted in ``time_to_resolve_unknown``) is left out of that median.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select

from incident_feed.decide.links import GROUP, REJECTED, SAME, channels_for
from incident_feed.decide.phase_times import phase_times
from incident_feed.enums import Kind
from incident_feed.store.database import INCIDENT, LINK, Store

Row = Mapping[Any, Any]


@dataclass(slots=True)
class Outage:
    """One outage: its incidents' rows and updates, and when each channel first spoke."""

    vendor: str
    incidents: list[Row]
    updates: list[Row]
    first_social_at: dt.datetime | None = None
    first_status_at: dt.datetime | None = None


@dataclass(slots=True)
class VendorStats:
    vendor: str
    outages: int = 0
    resolved: int = 0
    resolve_unknown: int = 0
    identify: list[float] = field(default_factory=list)
    remediate: list[float] = field(default_factory=list)
    resolve: list[float] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "vendor": self.vendor,
            "incidents": self.outages,
            "resolved": self.resolved,
            "median_time_to_identify_s": _median(self.identify),
            "time_to_identify_n": len(self.identify),
            "median_time_to_remediate_s": _median(self.remediate),
            "time_to_remediate_n": len(self.remediate),
            "median_time_to_resolve_s": _median(self.resolve),
            "time_to_resolve_n": len(self.resolve),
            "time_to_resolve_unknown": self.resolve_unknown,
            "median_announcement_lag_s": _median(self.lags),
            "with_both_channels": len(self.lags),
            "social_first": sum(1 for lag in self.lags if lag > 0),
        }


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def summarize(outages: Sequence[Outage]) -> list[VendorStats]:
    """Per vendor (alphabetical), the medians over its outages."""
    by_vendor: dict[str, VendorStats] = {}
    for outage in outages:
        stats = by_vendor.setdefault(outage.vendor, VendorStats(outage.vendor))
        stats.outages += 1
        started = min(r["started_at"] for r in outage.incidents)
        resolved_values = [r["resolved_at"] for r in outage.incidents if r["resolved_at"]]
        unresolved = any(r["resolved_at"] is None for r in outage.incidents)
        resolved = None if unresolved or not resolved_values else max(resolved_values)
        times = phase_times({"started_at": started, "resolved_at": resolved}, outage.updates)
        if times.identify is not None:
            stats.identify.append(times.identify.total_seconds())
        if times.remediate is not None:
            stats.remediate.append(times.remediate.total_seconds())
        if times.resolved:
            stats.resolved += 1
        if times.resolve is not None:
            stats.resolve.append(times.resolve.total_seconds())
        elif times.resolve_unknown:
            stats.resolve_unknown += 1
        if outage.first_social_at is not None and outage.first_status_at is not None:
            stats.lags.append((outage.first_status_at - outage.first_social_at).total_seconds())
    return [by_vendor[v] for v in sorted(by_vendor, key=str.lower)]


def load_outages(
    store: Store,
    *,
    since: dt.datetime | None,
    until: dt.datetime | None = None,
    vendors: Sequence[str] = (),
) -> list[Outage]:
    """The period's incidents (not maintenance) gathered into outages."""
    conditions = [INCIDENT.c.kind == Kind.INCIDENT.value]
    if since is not None:
        conditions.append(INCIDENT.c.started_at >= since)
    if until is not None:
        conditions.append(INCIDENT.c.started_at < until)
    if vendors:
        conditions.append(func.lower(INCIDENT.c.vendor).in_([v.lower() for v in vendors]))
    with store.read() as conn:
        rows = {
            r["id"]: r for r in conn.execute(select(INCIDENT).where(and_(*conditions))).mappings()
        }
        ids = list(rows)
        edges: list[tuple[str, str]] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            statement = select(LINK.c.incident_id, LINK.c.target_id).where(
                and_(
                    LINK.c.state != REJECTED,
                    LINK.c.kind.in_([SAME, GROUP]),
                    or_(LINK.c.incident_id.in_(chunk), LINK.c.target_id.in_(chunk)),
                )
            )
            edges += [(a, b) for a, b in conn.execute(statement) if a in rows and b in rows]
    groups = _components(ids, edges)
    updates = store.updates_for(ids)
    channels = channels_for(store, ids)
    outages = []
    for members in groups:
        first = rows[members[0]]
        socials = [c for m in members if (c := channels[m].first_social_at) is not None]
        statuses = [c for m in members if (c := channels[m].first_status_at) is not None]
        outages.append(
            Outage(
                vendor=first["vendor"],
                incidents=[rows[m] for m in members],
                updates=[u for m in members for u in updates.get(m, [])],
                first_social_at=min(socials) if socials else None,
                first_status_at=min(statuses) if statuses else None,
            )
        )
    return outages


def _components(ids: Sequence[str], edges: Sequence[tuple[str, str]]) -> list[list[str]]:
    """Connected groups of incident ids (union-find), each sorted, in order of first id."""
    parent = {i: i for i in ids}

    def root(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in edges:
        parent[root(a)] = root(b)
    groups: dict[str, list[str]] = defaultdict(list)
    for i in ids:
        groups[root(i)].append(i)
    return [sorted(g) for g in groups.values()]
