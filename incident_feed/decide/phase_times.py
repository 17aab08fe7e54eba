"""Phase times of an incident, from its update thread. Pure: rows in, durations out.

The thread is a step function: each update holds its phase until the next one.

- *time to identify*: start -> first update in ``identified``, ``remediating`` or ``monitoring``;
- *time to remediate*: start -> first update in ``remediating`` or ``monitoring`` (a fix is
  being rolled out, or in place);
- *time to resolve*: start -> ``resolved_at``.

A milestone the vendor never reported is None, never guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from incident_feed.enums import Phase

__all__ = ["PhaseTimes", "duration", "ordered_updates", "phase_times"]

Row = Mapping[str, Any]

_IDENTIFY = frozenset({Phase.IDENTIFIED, Phase.REMEDIATING, Phase.MONITORING})
_REMEDIATE = frozenset({Phase.REMEDIATING, Phase.MONITORING})


@dataclass(frozen=True, slots=True)
class PhaseTimes:
    """Milestones after the incident's start (None: the vendor never reported it)."""

    identify: dt.timedelta | None
    remediate: dt.timedelta | None
    resolve: dt.timedelta | None


def _phase(value: object) -> Phase | None:
    try:
        return Phase(str(value))
    except ValueError:
        return None


def ordered_updates(updates: Iterable[Row]) -> list[Row]:
    """Updates in time order, ties broken by source and native id."""
    # Not by row id: ids depend on insertion order, and the same data must give the same bytes.
    return sorted(updates, key=lambda u: (u["at"], str(u["source_name"]), str(u["native_id"])))


def phase_times(incident: Row, updates: Sequence[Row]) -> PhaseTimes:
    """Time to identify, to remediate and to resolve (see the module docstring)."""
    start: dt.datetime = incident["started_at"]
    identify = remediate = None
    for update in ordered_updates(updates):
        phase = _phase(update["phase"])
        if identify is None and phase in _IDENTIFY:
            identify = update["at"] - start
        if remediate is None and phase in _REMEDIATE:
            remediate = update["at"] - start
    resolved = incident["resolved_at"]
    return PhaseTimes(identify, remediate, resolved - start if resolved is not None else None)


def duration(incident: Row) -> dt.timedelta | None:
    """Start to resolution; None while unresolved."""
    resolved = incident["resolved_at"]
    return resolved - incident["started_at"] if resolved is not None else None
