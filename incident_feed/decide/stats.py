"""Per-vendor figures over a period: how fast vendors identify, remediate and resolve, and how
far their social posts run ahead of (or behind) their status page.

An *outage* is a status-page incident together with the social threads linked to it and the
incidents grouped with it; an unlinked social thread is an outage of its own. Phase times come
from the outage's whole thread (see :mod:`incident_feed.decide.phase_times`); the lag of each
social post is its time minus the status-page update it matches (:mod:`incident_feed.decide.lag`:
positive, the post came after the status page), and its median is given per channel.

Every median says how many outages it rests on (``time_to_*_n``): an outage that was never
identified, is still open, or was opened and closed by one update (its time to resolve is
unknown, counted in ``time_to_resolve_unknown``) is left out of that median.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from incident_feed.decide.outages import summarize as summarize_outage
from incident_feed.decide.phase_times import phase_times

Row = Mapping[Any, Any]


@dataclass(slots=True)
class Outage:
    """One outage: its incidents' rows and updates, and its social posts' lags."""

    vendor: str
    incidents: list[Row]
    updates: list[Row]
    lags: list[tuple[str, float]] = field(default_factory=list)  # (channel, seconds) per post
    # The outage's summary (decide.outages.summarize): its start and resolution. None: taken
    # from the members (an outage built without the store).
    summary: Row | None = None


@dataclass(slots=True)
class VendorStats:
    vendor: str
    outages: int = 0
    resolved: int = 0
    resolve_unknown: int = 0
    identify: list[float] = field(default_factory=list)
    remediate: list[float] = field(default_factory=list)
    resolve: list[float] = field(default_factory=list)
    lags: dict[str, list[float]] = field(default_factory=dict)  # channel -> post lags

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
            "lag": {
                channel: {
                    "median_s": _median(values),
                    "n": len(values),
                    "posts_first": sum(1 for value in values if value < 0),
                }
                for channel, values in sorted(self.lags.items())
            },
        }


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def summarize(outages: Sequence[Outage]) -> list[VendorStats]:
    """Per vendor (alphabetical), the medians over its outages."""
    by_vendor: dict[str, VendorStats] = {}
    for outage in outages:
        stats = by_vendor.setdefault(outage.vendor, VendorStats(outage.vendor))
        stats.outages += 1
        summary = outage.summary or summarize_outage(outage.incidents, social=set())
        times = phase_times(summary, outage.updates)
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
        for channel, seconds in outage.lags:
            stats.lags.setdefault(channel, []).append(seconds)
    return [by_vendor[v] for v in sorted(by_vendor, key=str.lower)]
