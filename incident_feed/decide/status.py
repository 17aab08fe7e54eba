"""What is down now: each vendor's current state from its pages' stored summaries and its
active outages, worst first. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from incident_feed.decide.watch import component_watched
from incident_feed.enums import IMPACT_ORDER, ComponentState, Impact, component_rank

_STATES = {state.value: state for state in ComponentState}


@dataclass(frozen=True, slots=True)
class ComponentNow:
    name: str
    state: ComponentState
    id: str | None
    group: str | None


@dataclass(frozen=True, slots=True)
class SourceWatch:
    """What the status view needs of one configured source."""

    name: str
    vendor: str
    components: tuple[str, ...] = ()
    exclude_components: tuple[str, ...] = ()


@dataclass(slots=True)
class VendorState:
    """One vendor's state now: the worst of its pages, their non-operational watched
    components, and its active outages."""

    vendor: str
    indicator: Impact = Impact.UNKNOWN
    description: str = ""
    fetched_at: dt.datetime | None = None  # oldest read among its pages (None: never read)
    updated: dt.datetime | None = None
    components: list[ComponentNow] = field(default_factory=list)  # watched, worst first
    outages: list[Any] = field(default_factory=list)  # store.queries.IncidentRow
    has_summary: bool = False
    collected: bool = False  # one of its sources was collected once (a page state or not)

    @property
    def down(self) -> list[ComponentNow]:
        """The watched components not operational, worst first."""
        return [c for c in self.components if c.state is not ComponentState.OPERATIONAL]

    @property
    def severity(self) -> tuple[int, int, int]:
        """Sort key, higher is worse: the page indicator or an active outage's impact, then the
        worst component, then how many outages are open."""
        impacts = [IMPACT_ORDER.index(self.indicator)]
        impacts += [IMPACT_ORDER.index(_impact(o.impact)) for o in self.outages]
        worst = max((component_rank(c.state) for c in self.components), default=0)
        return (max(impacts), worst, len(self.outages))

    @property
    def quiet(self) -> bool:
        """Nothing to report: the pages say all is well (or say nothing) and nothing is open."""
        calm = self.indicator in (Impact.NONE, Impact.UNKNOWN)
        return calm and not self.outages and not self.down


def vendor_states(
    vendors: Sequence[str],
    sources: Sequence[SourceWatch],
    statuses: Mapping[str, Mapping[str, Any]],
    outages: Sequence[Any],
    collected: Collection[str] = (),
) -> list[VendorState]:
    """Each of ``vendors`` with its state, worst first (then by name).

    ``statuses`` are stored page states by source name; ``outages`` the active outage rows;
    ``collected`` the names of sources collected at least once. Only components the source
    watches count; a page read at different times gives the oldest.
    """
    states = {name.casefold(): VendorState(name) for name in vendors}
    for source in sources:
        state = states.get(source.vendor.casefold())
        if state is None:
            continue
        state.collected = state.collected or source.name in collected
        row = statuses.get(source.name)
        if row is not None:
            state.collected = True
            _add_page(state, source, row)
    for outage in outages:
        state = states.get(str(outage.vendor).casefold())
        if state is not None:
            state.outages.append(outage)
    ordered = sorted(states.values(), key=lambda s: s.vendor.casefold())
    return sorted(ordered, key=lambda s: s.severity, reverse=True)


# A component's state on the page-indicator scale, for a page read through a component filter.
_COMPONENT_IMPACT = {
    ComponentState.OPERATIONAL: Impact.NONE,
    ComponentState.UNKNOWN: Impact.NONE,
    ComponentState.MAINTENANCE: Impact.MAINTENANCE,
    ComponentState.DEGRADED: Impact.MINOR,
    ComponentState.PARTIAL_OUTAGE: Impact.MINOR,
    ComponentState.MAJOR_OUTAGE: Impact.MAJOR,
}


def _add_page(state: VendorState, source: SourceWatch, row: Mapping[str, Any]) -> None:
    indicator, description = _impact(row["indicator"]), str(row["description"])
    watched = _watched(source, row)
    if (source.components or source.exclude_components) and row["components"]:
        # The page's own indicator covers components the team does not watch: judge by the
        # watched ones only.
        worst = max((c.state for c in watched), key=component_rank, default=None)
        indicator = _COMPONENT_IMPACT[worst] if worst is not None else Impact.NONE
        shown = worst.value.replace("_", " ") if worst is not None else "none listed"
        description = "watched components: " + (
            "all operational" if indicator is Impact.NONE and worst is not None else shown
        )
    state.components += watched
    state.components.sort(key=lambda c: component_rank(c.state), reverse=True)
    if not state.has_summary or IMPACT_ORDER.index(indicator) > IMPACT_ORDER.index(state.indicator):
        state.indicator, state.description = indicator, description
    state.has_summary = True
    fetched = row["fetched_at"]
    state.fetched_at = fetched if state.fetched_at is None else min(state.fetched_at, fetched)
    if row.get("updated_at") is not None:
        state.updated = max(filter(None, (state.updated, row["updated_at"])))


def _watched(source: SourceWatch, row: Mapping[str, Any]) -> list[ComponentNow]:
    """The page's components the source watches."""
    kept = []
    for item in row["components"] or []:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            continue
        name, ident, group = item["name"], item.get("id"), item.get("group")
        if component_watched(name, ident, source.components, source.exclude_components, group):
            state = _STATES.get(str(item.get("state")), ComponentState.UNKNOWN)
            kept.append(ComponentNow(name, state, ident, group))
    return kept


def _impact(value: object) -> Impact:
    try:
        return Impact(str(value))
    except ValueError:
        return Impact.UNKNOWN
