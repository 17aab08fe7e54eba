"""An update thread -> the phases it went through and how long each lasted. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from incident_feed.tui.formatting import is_final


@dataclass(frozen=True, slots=True)
class PhaseSpan:
    """One stretch of an incident spent in ``phase``; a final phase has ``end`` = ``start``."""

    phase: str
    start: dt.datetime
    end: dt.datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def phase_spans(updates: Iterable[Mapping[Any, Any]], now: dt.datetime) -> list[PhaseSpan]:
    """Consecutive updates in one phase become one span, ending where the next phase begins;
    the last span runs until ``now`` unless its phase is final (resolved/completed)."""
    changes: list[tuple[str, dt.datetime]] = []
    for update in sorted(updates, key=lambda u: (u["at"], u["id"] or 0)):
        if not changes or changes[-1][0] != update["phase"]:
            changes.append((update["phase"], update["at"]))
    spans = []
    for index, (phase, start) in enumerate(changes):
        if index + 1 < len(changes):
            end = changes[index + 1][1]
        else:
            end = start if is_final(phase) else max(start, now)
        spans.append(PhaseSpan(phase, start, end))
    return spans
