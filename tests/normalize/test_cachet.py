"""Cachet: the API reference's examples -> incidents with phases from the numeric statuses,
times without an offset read in the page's configured zone (flagged), the page's state from its
components; hostile documents give item problems or one clear error."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from incident_feed.enums import ComponentState, Impact, Kind, Phase
from incident_feed.errors import PayloadError
from incident_feed.normalize.cachet import parse_cachet
from incident_feed.normalize.drafts import Context
from tests.conftest import FIXTURES

FOLDER = FIXTURES / "platforms" / "cachet"
NOW = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)


def load(name: str) -> Any:
    return json.loads((FOLDER / name).read_bytes())


def context(zone: str | None = None) -> Context:
    return Context("acme-cachet", "cachet", "Acme", NOW, zone=zone)


def test_a_2_4_incident_reads_its_updates_in_the_pages_zone() -> None:
    result = parse_cachet(load("incidents-2.4-doc-example.json"), context("Europe/Berlin"),
                          load("components-doc-example.json"))  # fmt: skip
    (draft,) = result.drafts
    assert (draft.key, draft.kind, draft.title) == ("1", Kind.INCIDENT, "Incident Name")
    # The incident's own message is its first report, then its update (Identified).
    assert [(u.native_id, u.phase, u.label, u.text) for u in draft.updates] == [
        ("1#0", Phase.INVESTIGATING, None, "Incident Message"),
        ("1#1", Phase.IDENTIFIED, "identified", "Incident Update #1"),
    ]
    first = min(draft.updates, key=lambda u: u.stamp.at)
    # 12:00 in Berlin (CEST, +02:00) on 2015-08-01 is 10:00 UTC; the raw string is kept.
    assert first.stamp.at == dt.datetime(2015, 8, 1, 10, 0, tzinfo=dt.UTC)
    assert (first.stamp.raw, first.stamp.flags) == ("2015-08-01 12:00:00", ("zone_configured",))
    assert draft.components[0].name == "Example"  # named by the components document
    assert draft.url == "http://localhost/incidents/1"
    assert draft.resolved is None


def test_without_a_configured_zone_the_time_is_utc_and_flagged_assumed() -> None:
    (draft,) = parse_cachet(load("incidents-2.3-doc-example.json"), context()).drafts
    (update,) = draft.updates
    assert update.stamp.at == dt.datetime(2015, 8, 1, 12, 0, tzinfo=dt.UTC)
    assert update.stamp.flags == ("zone_assumed",)
    # Cachet 2.3: no updates; the incident itself, status 4 (Fixed), is its one update.
    assert (update.phase, update.label) == (Phase.RESOLVED, "resolved")
    assert draft.resolved is not None and draft.components == ()


def test_a_scheduled_incident_is_a_maintenance() -> None:
    document = load("incidents-2.3-doc-example.json")
    document["data"][0]["status"] = 0
    (draft,) = parse_cachet(document, context("UTC")).drafts
    assert (draft.kind, draft.updates[0].phase) == (Kind.MAINTENANCE, Phase.SCHEDULED)
    assert draft.scheduled_for == dt.datetime(2015, 8, 1, 12, 0, tzinfo=dt.UTC)


def test_the_components_give_the_pages_state() -> None:
    result = parse_cachet(load("components-doc-example.json"), context())
    assert result.drafts == ()
    assert result.status is not None
    assert (result.status.indicator, result.status.description) == (
        Impact.NONE, "All systems operational",
    )  # fmt: skip
    (component,) = result.status.components
    assert (component.name, component.state, component.id) == (
        "Example", ComponentState.OPERATIONAL, "1",
    )  # fmt: skip
    document = load("components-doc-example.json")
    document["data"][0]["status"] = 4
    status = parse_cachet(document, context()).status
    assert status is not None and status.indicator is Impact.MAJOR
    assert status.components[0].state is ComponentState.MAJOR_OUTAGE


@pytest.mark.parametrize("document", [[], {"data": {}}, {"meta": {}}, "x"])
def test_not_a_cachet_list_is_one_clear_error(document: object) -> None:
    with pytest.raises(PayloadError):
        parse_cachet(document, context())


def test_hostile_items_are_skipped_by_name_and_the_rest_kept() -> None:
    document = load("incidents-2.4-doc-example.json")
    good = document["data"][0]
    document["data"] = [
        {**good, "id": 2, "occurred_at": "yesterday", "created_at": "yesterday"},
        {**good, "id": 3, "occurred_at": None, "created_at": None},
        {**good, "id": 4, "name": "\x1b]52;c;cGF3bmVk\x07Pwned\u202e", "updates": "x"},
        {**good, "id": 5, "status": "4", "per_page": True},
        "not an incident",
    ]
    result = parse_cachet(document, context("Europe/Berlin"))
    assert [d.key for d in result.drafts] == ["5"]
    assert len(result.problems) == 4
    assert all(p.item for p in result.problems)


def test_a_2_4_schedule_is_a_completed_maintenance() -> None:
    # The Go client's /api/v1/schedules answer: status 2 (Complete), times in the page's zone.
    result = parse_cachet(
        load("schedules-2.4-go-client.json"),
        context("Europe/Berlin"),
        page_url="https://status.example.com",
    )
    assert result.problems == ()
    (draft,) = result.drafts
    assert (draft.key, draft.kind, draft.impact, draft.title) == (
        "schedule-1", Kind.MAINTENANCE, Impact.MAINTENANCE, "Schedule Name",
    )  # fmt: skip
    # 12:30 and 13:00 in Berlin (CEST) on 2015-08-01: 10:30 and 11:00 UTC.
    assert draft.scheduled_for == dt.datetime(2015, 8, 1, 10, 30, tzinfo=dt.UTC)
    (update,) = draft.updates
    assert (update.native_id, update.phase, update.label, update.text) == (
        "schedule-1@completed", Phase.COMPLETED, "completed", "Schedule Message",
    )  # fmt: skip
    assert update.stamp.at == dt.datetime(2015, 8, 1, 11, 0, tzinfo=dt.UTC)
    assert update.stamp.flags == ("zone_configured",)
    assert draft.resolved is not None
    assert draft.resolved.at == dt.datetime(2015, 8, 1, 11, 0, tzinfo=dt.UTC)
    assert draft.url == "https://status.example.com/schedules/1"


def test_an_open_schedule_ignores_the_completed_at_cachet_writes_as_now() -> None:
    document = load("schedules-2.4-go-client.json")
    item = document["data"][0]
    names = load("components-doc-example.json")
    # Upcoming, announced (created) 2026-11-30, planned for 2026-12-10; Cachet's presenter writes
    # completed_at as the current time when the schedule has none.
    upcoming = {**item, "id": 7, "status": 0, "scheduled_at": "2026-12-10 02:00:00",
                "created_at": "2026-11-30 09:00:00", "completed_at": "2026-12-04 00:00:00",
                "components": [{"id": 3, "schedule_id": 7, "component_id": 1}]}  # fmt: skip
    running = {**upcoming, "id": 8, "status": 1, "scheduled_at": "2026-12-03 22:00:00"}
    document["data"] = [upcoming, running]
    result = parse_cachet(document, context("UTC"), names)
    first, second = result.drafts
    assert (first.status_label, first.resolved) == ("scheduled", None)
    assert first.scheduled_for == dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC)
    assert [(u.phase, u.stamp.at) for u in first.updates] == [
        (Phase.SCHEDULED, dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC))
    ]
    assert [(c.name, c.id) for c in first.components] == [("Example", "1")]
    assert (second.status_label, second.resolved) == ("in_progress", None)
    assert [(u.native_id, u.phase, u.stamp.at) for u in second.updates] == [
        ("schedule-8@in_progress", Phase.IN_PROGRESS, dt.datetime(2026, 12, 3, 22, tzinfo=dt.UTC))
    ]


def test_hostile_schedules_are_skipped_by_name() -> None:
    document = load("schedules-2.4-go-client.json")
    good = document["data"][0]
    document["data"] = [
        {**good, "id": 2, "status": 7},
        {**good, "id": 3, "scheduled_at": None},
        {**good, "id": 4, "components": "all"},
        {**good, "id": 5, "scheduled_at": "2015-02-30 12:00:00"},
        {**good, "id": 6, "components": [None, {"component_id": "x"}, {"component_id": 10**40}]},
    ]
    result = parse_cachet(document, context("UTC"))
    assert [(d.key, d.components) for d in result.drafts] == [("schedule-6", ())]
    assert sorted(p.item for p in result.problems) == [
        "schedule 2", "schedule 3", "schedule 4", "schedule 5",
    ]  # fmt: skip
    messages = {p.item: p.message for p in result.problems}
    assert messages["schedule 2"] == "unknown schedule status '7'"
    assert messages["schedule 3"] == "schedule 3 has no scheduled_at"


def test_a_status_written_as_a_string_and_a_second_page_of_components() -> None:
    # WWW-Cachet's replay of a 2016 Cachet: "status": "1", a string.
    document = load("components-www-cachet.json")
    result = parse_cachet(document, context())
    assert result.status is not None
    assert [(c.name, c.state) for c in result.status.components] == [
        ("Test Component", ComponentState.OPERATIONAL)
    ]
    assert result.problems == ()
    document["meta"]["pagination"]["total"] = 130
    result = parse_cachet(document, context())
    assert [(p.item, p.message) for p in result.problems] == [
        ("components", "1 of 130 components read (one page)")
    ]


def test_a_quiet_page_is_no_incident_and_no_problem() -> None:
    quiet = load("incidents-2.4-doc-example.json")
    quiet["data"] = []
    quiet["meta"]["pagination"].update(total=0, count=0)
    result = parse_cachet(quiet, context("UTC"), load("components-doc-example.json"))
    assert (result.drafts, result.problems, result.status) == ((), (), None)
