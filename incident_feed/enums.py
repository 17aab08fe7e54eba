"""Phases, kinds and impacts: the vocabulary every layer shares.

Free of dependencies: importing a phase imports nothing else.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "FINAL_PHASES",
    "IMPACT_ORDER",
    "INCIDENT_PHASES",
    "MAINTENANCE_PHASES",
    "Impact",
    "Kind",
    "Phase",
    "phase_rank",
]


class Phase(StrEnum):
    """Where an incident (or a maintenance) stands."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    REMEDIATING = "remediating"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"


INCIDENT_PHASES: tuple[Phase, ...] = (
    Phase.INVESTIGATING,
    Phase.IDENTIFIED,
    Phase.REMEDIATING,
    Phase.MONITORING,
    Phase.RESOLVED,
)
MAINTENANCE_PHASES: tuple[Phase, ...] = (
    Phase.SCHEDULED,
    Phase.IN_PROGRESS,
    Phase.VERIFYING,
    Phase.COMPLETED,
)
FINAL_PHASES = frozenset({Phase.RESOLVED, Phase.COMPLETED})


def phase_rank(phase: Phase) -> int:
    """Position of a phase along its own progression (0 = first)."""
    if phase in INCIDENT_PHASES:
        return INCIDENT_PHASES.index(phase)
    return MAINTENANCE_PHASES.index(phase)


class Kind(StrEnum):
    INCIDENT = "incident"
    MAINTENANCE = "maintenance"


class Impact(StrEnum):
    """The vendor's own impact rating (Statuspage's scale; others map onto it)."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"
    MAINTENANCE = "maintenance"
    UNKNOWN = "unknown"


IMPACT_ORDER: tuple[Impact, ...] = (
    Impact.UNKNOWN,
    Impact.NONE,
    Impact.MAINTENANCE,
    Impact.MINOR,
    Impact.MAJOR,
    Impact.CRITICAL,
)
