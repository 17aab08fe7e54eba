"""Better Stack ``index.json`` and Instatus ``summary.json`` -> drafts and page states.

The payloads are derived (see tests/data/fixtures/platforms/README.md): no whole real capture
of either was found in public repositories.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from incident_feed.enums import ComponentState, Impact, Kind, Phase
from incident_feed.errors import PayloadError
from incident_feed.normalize.betterstack import parse_betterstack
from incident_feed.normalize.drafts import Context
from incident_feed.normalize.instatus import parse_instatus
from tests.conftest import FIXTURES

FOLDER = FIXTURES / "platforms"
NOW = dt.datetime(2026, 9, 7, 12, 0, tzinfo=dt.UTC)
BS = Context("bs", "betterstack", "Better Stack", NOW)
IS = Context("wistia", "instatus", "Wistia", dt.datetime(2022, 6, 11, 20, 0, tzinfo=dt.UTC))
UTC = dt.UTC


def load(name: str) -> Any:
    return json.loads((FOLDER / name).read_bytes())


def index() -> dict[str, Any]:
    document: dict[str, Any] = load("betterstack/betterstack-index-derived.json")
    return document


def test_better_stack_page_state_components_and_groups() -> None:
    result = parse_betterstack(index(), BS, page_url="https://status.betterstack.com")
    assert result.problems == ()
    status = result.status
    assert status is not None
    assert (status.indicator, status.description) == (Impact.MINOR, "Degraded performance")
    assert [(c.name, c.state, c.id, c.group) for c in status.components] == [
        ("Better Stack", ComponentState.OPERATIONAL, "4018902", "Better Stack"),
        ("Telemetry Europe", ComponentState.DEGRADED, "4188758", "Better Stack"),
        ("Anthropic", ComponentState.UNKNOWN, "8552527", None),
    ]


def test_better_stack_reports_become_incidents_and_maintenances() -> None:
    result = parse_betterstack(index(), BS, page_url="https://status.betterstack.com")
    drafts = {d.native_id: d for d in result.drafts}
    assert sorted(drafts) == ["1050825", "1061234", "1062000"]
    resolved = drafts["1050825"]
    # ends_at is null on a resolved report: the report's own state says it is over.
    assert (resolved.kind, resolved.status_label, resolved.resolved) == (
        Kind.INCIDENT,
        "resolved",
        None,
    )
    # Better Stack links a report as <page>/incident/<id> (its RSS feed: .../incident/766659).
    assert resolved.url == "https://status.betterstack.com/incident/1050825"
    assert [c.name for c in resolved.components] == ["Telemetry Europe"]
    assert resolved.started is not None
    assert resolved.started.at == dt.datetime(2026, 9, 4, 13, 50, tzinfo=UTC)
    ongoing = drafts["1061234"]
    # "identified ... a fix is being implemented" reads as remediating (docs/phases.md).
    assert [u.phase for u in ongoing.updates] == [Phase.INVESTIGATING, Phase.REMEDIATING]
    assert ongoing.impact is Impact.MINOR
    assert ongoing.updates[1].stamp.at == dt.datetime(2026, 9, 6, 8, 40, tzinfo=UTC)
    maintenance = drafts["1062000"]
    assert (maintenance.kind, maintenance.impact) == (Kind.MAINTENANCE, Impact.MAINTENANCE)
    assert maintenance.scheduled_for == dt.datetime(2026, 9, 10, 2, 0, tzinfo=UTC)
    assert maintenance.scheduled_until == dt.datetime(2026, 9, 10, 3, 0, tzinfo=UTC)
    assert [u.phase for u in maintenance.updates] == [Phase.SCHEDULED]


def test_better_stack_update_with_every_resource_resolved_resolves() -> None:
    document = index()
    for item in document["included"]:
        if item["id"] == "5709883":
            item["attributes"]["affected_resources"][0]["status"] = "resolved"
    result = parse_betterstack(document, BS)
    (draft,) = [d for d in result.drafts if d.native_id == "1050825"]
    assert [u.phase for u in draft.updates] == [Phase.RESOLVED]
    assert draft.url is None


def test_better_stack_quiet_page_is_a_state_and_no_drafts() -> None:
    document = index()
    document["data"]["attributes"]["aggregate_state"] = "operational"
    document["included"] = [
        i for i in document["included"] if i["type"] not in ("status_report", "status_update")
    ]
    result = parse_betterstack(document, BS)
    assert (result.drafts, result.problems) == ((), ())
    assert result.status is not None
    assert (result.status.indicator, len(result.status.components)) == (Impact.NONE, 3)


def test_better_stack_automatic_report_is_an_incident() -> None:
    # Better Stack's API documents report_type manual, automatic (a monitor opened it) or
    # maintenance.
    document = index()
    for item in document["included"]:
        if item["id"] == "1061234":
            item["attributes"]["report_type"] = "automatic"
    result = parse_betterstack(document, BS)
    (draft,) = [d for d in result.drafts if d.native_id == "1061234"]
    assert (draft.kind, draft.impact) == (Kind.INCIDENT, Impact.MINOR)
    assert [u.phase for u in draft.updates] == [Phase.INVESTIGATING, Phase.REMEDIATING]


def test_better_stack_wrong_types_in_the_page_give_an_unknown_state_not_a_crash() -> None:
    document = index()
    document["data"]["attributes"] = "operational"
    for item in document["included"]:
        if item["type"] == "status_page_resource":
            item["attributes"]["public_name"] = ["x"] if item["id"] == "4018902" else "ok"
            item["attributes"]["status_page_section_id"] = {"id": 1}
    result = parse_betterstack(document, BS)
    assert result.status is not None
    assert (result.status.indicator, result.status.description) == (Impact.UNKNOWN, "Unknown")
    assert [(c.name, c.group) for c in result.status.components] == [("ok", None), ("ok", None)]
    assert len(result.drafts) == 3
    with pytest.raises(PayloadError, match="included is dict"):
        parse_betterstack({**index(), "included": {"type": "status_report"}}, BS)


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"data": []},
        {"data": {"type": "monitor"}},
        {"errors": [{"title": "Not found"}]},
    ],
)
def test_not_a_better_stack_document_is_refused(document: object) -> None:
    with pytest.raises(PayloadError, match="not a Better Stack status page|document is list"):
        parse_betterstack(document, BS)


def test_better_stack_hostile_reports_are_skipped_by_name() -> None:
    document = index()
    document["included"] += [
        {"type": "status_report", "id": "1", "attributes": {"title": "No time at all"}},
        {"type": "status_report", "attributes": {"title": "No id", "starts_at": "2026-09-01"}},
        {"type": "status_report", "id": "3", "attributes": {"title": 7, "starts_at": "x"}},
        {"type": "status_report", "id": "4", "attributes": "not an object"},
        "not an object",
        {"type": "status_update", "id": "9", "attributes": {"published_at": ["no"]}},
        {
            "type": "status_report",
            "id": "5",
            "attributes": {"title": "\x1b[31mRed\u202e", "starts_at": "2026-09-01T00:00:00Z"},
            "relationships": {"status_updates": {"data": [{"id": "9"}, {"id": "404"}]}},
        },
    ]
    result = parse_betterstack(document, BS)
    assert len(result.drafts) == 3
    assert sorted(p.item for p in result.problems) == [
        "status_report 1",
        "status_report 3",
        "status_report 4",
        "status_report 5",
        "status_report[4]",
    ]
    messages = {p.item: p.message for p in result.problems}
    assert messages["status_report 1"] == "no time"
    assert messages["status_report[4]"] == "missing 'id'"


def test_instatus_summary_with_an_incident_and_a_maintenance() -> None:
    components = load("instatus/instatus-components-wistia.json")
    result = parse_instatus(
        load("instatus/instatus-summary-hasissues-derived.json"), IS, components=components
    )
    assert result.problems == ()
    status = result.status
    assert status is not None
    # HASISSUES is as bad as the worst open incident: a major outage.
    assert status.indicator is Impact.MAJOR
    assert [(c.name, c.state, c.id) for c in status.components] == [
        ("Group Record", ComponentState.OPERATIONAL, "cm86c68hh003drlefrrklqlw1")
    ]
    incident, maintenance = result.drafts
    assert (incident.kind, incident.impact, incident.status_label) == (
        Kind.INCIDENT,
        Impact.MAJOR,
        "investigating",
    )
    (update,) = incident.updates
    assert (update.native_id, update.phase) == (
        "cl4aj8f1k0001cs0hb1u2v3w4@investigating",
        Phase.INVESTIGATING,
    )
    assert update.stamp.at == dt.datetime(2022, 6, 11, 19, 5, tzinfo=UTC)
    assert incident.started is not None
    assert incident.started.at == dt.datetime(2022, 6, 11, 18, 55, 50, tzinfo=UTC)
    assert maintenance.kind is Kind.MAINTENANCE
    assert [u.phase for u in maintenance.updates] == [Phase.SCHEDULED]
    assert maintenance.scheduled_for == dt.datetime(2022, 6, 11, 18, 55, 54, tzinfo=UTC)
    assert maintenance.scheduled_until == dt.datetime(2022, 6, 11, 19, 55, 54, tzinfo=UTC)


def test_instatus_documented_summary_without_ids_is_read() -> None:
    # Instatus's own example (instatus.com/help/api/public-data): no id, no updatedAt, and
    # times as JavaScript's Date.toString(). The item's url names it.
    result = parse_instatus(load("instatus/instatus-summary-doc-example.json"), IS)
    assert result.problems == ()
    incident, maintenance = result.drafts
    assert (incident.native_id, incident.kind, incident.impact) == (
        "cl4a8n3070721qtmzvts760c4",
        Kind.INCIDENT,
        Impact.MAJOR,
    )
    assert incident.title == "We're facing an issue with our API"
    assert incident.started is not None
    assert incident.started.at == dt.datetime(2022, 6, 11, 18, 55, 50, tzinfo=UTC)
    assert incident.started.flags == ()
    (update,) = incident.updates
    assert (update.native_id, update.phase, update.stamp.at) == (
        "cl4a8n3070721qtmzvts760c4@investigating",
        Phase.INVESTIGATING,
        dt.datetime(2022, 6, 11, 18, 55, 50, tzinfo=UTC),
    )
    assert incident.url == (
        "https://testing-widget.instatus.com/incident/cl4a8n3070721qtmzvts760c4"
    )
    assert (maintenance.native_id, maintenance.kind) == (
        "cl4a8nlv50918qtmzdlw60ivu",
        Kind.MAINTENANCE,
    )
    assert (maintenance.scheduled_for, maintenance.scheduled_until) == (
        dt.datetime(2022, 6, 11, 18, 55, 54, tzinfo=UTC),
        dt.datetime(2022, 6, 11, 19, 55, 54, tzinfo=UTC),
    )
    assert result.status is not None
    assert result.status.indicator is Impact.MAJOR


@pytest.mark.parametrize(
    "url",
    [
        None,
        "javascript:alert(1)//incident/cl4a8n3070721qtmzvts760c4",
        "https://status.example.com/incident/",
        "https://status.example.com/incident/x",
        "https://status.example.com/incident/a%2Fb..%2F",
    ],
)
def test_instatus_item_without_id_or_usable_url_is_skipped(url: object) -> None:
    document = load("instatus/instatus-summary-doc-example.json")
    document["activeIncidents"][0]["url"] = url
    result = parse_instatus(document, IS)
    assert [d.kind for d in result.drafts] == [Kind.MAINTENANCE]
    assert [(p.item, p.message) for p in result.problems] == [
        ("activeIncidents[0]", "missing 'id'")
    ]


def test_instatus_quiet_page_is_a_state_and_no_drafts() -> None:
    result = parse_instatus(load("instatus/instatus-summary-wistia-up.json"), IS)
    assert result.drafts == () and result.problems == ()
    assert result.status is not None
    assert (result.status.indicator, result.status.components) == (Impact.NONE, ())


def test_instatus_documented_component_tree_gives_groups() -> None:
    tree = [
        {
            "name": "API",
            "status": "OPERATIONAL",
            "children": [{"id": "c1", "name": "Search", "status": "PARTIALOUTAGE"}],
        }
    ]
    result = parse_instatus({"page": {"status": "UP"}}, IS, components=tree)
    assert result.status is not None
    assert [(c.name, c.state, c.group) for c in result.status.components] == [
        ("Search", ComponentState.PARTIAL_OUTAGE, "API")
    ]


@pytest.mark.parametrize(
    "document", [[], {"page": None}, {"page": {"status": 3}}, {"activeIncidents": []}]
)
def test_not_an_instatus_summary_is_refused(document: object) -> None:
    with pytest.raises(PayloadError, match="not an Instatus summary|document is list"):
        parse_instatus(document, IS)


def test_instatus_hostile_items_are_skipped_and_durations_bounded() -> None:
    document = load("instatus/instatus-summary-hasissues-derived.json")
    document["activeIncidents"] += [
        {"id": "a", "name": "No time", "status": "INVESTIGATING"},
        {"name": "No id", "started": "2022-06-11T18:00:00Z"},
        {"id": "b", "name": "Bad time", "started": "yesterday"},
        "not an object",
    ]
    document["activeMaintenances"][0]["duration"] = "99999999999"
    result = parse_instatus(document, IS)
    assert [d.native_id for d in result.drafts] == [
        "cl4aj8f1k0001cs0hb1u2v3w4",
        "cl4aj8k2m0002cs0h5x6y7z8a",
    ]
    assert sorted(p.item for p in result.problems) == [
        "activeIncidents a",
        "activeIncidents b",
        "activeIncidents[2]",
        "activeIncidents[4]",
    ]
    assert result.drafts[1].scheduled_until is None
    with pytest.raises(PayloadError):
        parse_instatus({"page": {"status": "UP"}, "activeIncidents": {"x": 1}}, IS)
