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
    "ComponentState",
    "Impact",
    "Kind",
    "Phase",
    "component_rank",
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


class ComponentState(StrEnum):
    """A component's current state on its status page (Statuspage's scale; others map onto it)."""

    OPERATIONAL = "operational"
    MAINTENANCE = "under_maintenance"
    DEGRADED = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"
    UNKNOWN = "unknown"


COMPONENT_STATE_ORDER: tuple[ComponentState, ...] = (
    ComponentState.OPERATIONAL,
    ComponentState.UNKNOWN,
    ComponentState.MAINTENANCE,
    ComponentState.DEGRADED,
    ComponentState.PARTIAL_OUTAGE,
    ComponentState.MAJOR_OUTAGE,
)


def component_rank(state: ComponentState) -> int:
    """How bad a component state is (0 = operational); "worst first" sorts on it."""
    return COMPONENT_STATE_ORDER.index(state)
