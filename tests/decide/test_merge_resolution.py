"""The merge never moves an incident backwards on weaker evidence (pure: no store).

A resolved incident is reopened only by a later update that says so: not by one of the same
minute as its resolution (the truncated GitHub feed's empty last entry was 49 s after it), not
by one timed before a resolution stored or declared, not by a record with no updates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from incident_feed.decide.merge import IncidentPlan, plan_incident
from incident_feed.enums import Phase
from incident_feed.normalize.drafts import IncidentDraft
from tests.store.helpers import make_draft

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
T0 = dt.datetime(2024, 3, 13, 0, 10, tzinfo=dt.UTC)
ID = "github-q3gl44chgxwv"


def t(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


INVESTIGATING = (t(0), Phase.INVESTIGATING, "We are investigating reports of degraded performance.")
RESOLVED = (t(108), Phase.RESOLVED, "This incident has been resolved.")


class Incident:
    """One incident's stored rows, brought up to date plan by plan as the store would."""

    def __init__(self) -> None:
        self.row: dict[str, Any] | None = None
        self.updates: list[dict[str, Any]] = []

    def apply(self, draft: IncidentDraft, source: str = "github-atom") -> IncidentPlan:
        plan = plan_incident(
            ID, [draft], self.row, self.updates, (), source_name=source, source_kind="feed", now=NOW
        )
        if plan.incident is not None:
            self.row = plan.incident
        changed = {row["native_id"]: row for row in plan.changed_updates}
        self.updates = [changed.get(row["native_id"], row) for row in self.updates]
        self.updates += plan.new_updates
        return plan

    @property
    def state(self) -> tuple[str, dt.datetime | None]:
        assert self.row is not None
        return self.row["phase"], self.row["resolved_at"]


def resolved_incident() -> Incident:
    incident = Incident()
    incident.apply(make_draft("q3gl44chgxwv", [INVESTIGATING, RESOLVED]))
    assert incident.state == ("resolved", t(108))
    return incident


def test_an_update_of_the_resolutions_minute_does_not_reopen() -> None:
    incident = resolved_incident()
    # As the half feed's last entry: its own time, 49 s into the minute of the resolution.
    late = make_draft("q3gl44chgxwv", [(t(108.8), Phase.INVESTIGATING, "Incident with Actions")])
    incident.apply(late)
    assert incident.state == ("resolved", t(108))
    assert len(incident.updates) == 3  # kept in the thread, as history


def test_an_update_before_a_stored_resolution_does_not_reopen() -> None:
    incident = Incident()
    # The API declared the resolution at t(120), after its last update.
    incident.apply(
        make_draft(
            "q3gl44chgxwv", [INVESTIGATING, RESOLVED], status_label="resolved", resolved=t(120)
        ),
        source="github-status",
    )
    assert incident.state == ("resolved", t(120))
    # Another source's update of t(115): later than the resolved update, not than the resolution.
    incident.apply(make_draft("q3gl44chgxwv", [(t(115), Phase.MONITORING, "Monitoring.")]))
    assert incident.state == ("resolved", t(120))


def test_a_record_without_updates_does_not_reopen() -> None:
    incident = resolved_incident()
    bare = replace(make_draft("q3gl44chgxwv", []), status_label="investigating")
    incident.apply(bare, source="github-status")
    assert incident.state == ("resolved", t(108))


def test_a_later_update_that_says_so_reopens() -> None:
    incident = resolved_incident()
    again = (t(110), Phase.INVESTIGATING, "We are seeing the errors again and are investigating.")
    incident.apply(make_draft("q3gl44chgxwv", [INVESTIGATING, RESOLVED, again]))
    assert incident.state == ("investigating", None)
    # And resolved again later.
    final = (t(150), Phase.RESOLVED, "This incident has been resolved.")
    incident.apply(make_draft("q3gl44chgxwv", [INVESTIGATING, RESOLVED, again, final]))
    assert incident.state == ("resolved", t(150))


def test_a_declared_resolution_holds_against_the_records_own_earlier_updates() -> None:
    incident = Incident()
    incident.apply(make_draft("q3gl44chgxwv", [INVESTIGATING], resolved=t(30)))
    assert incident.state == ("resolved", t(30))
