"""Salesforce Trust API, real answers for instance EU48 (2022-11): incidents with Spanish impact
texts and English events, resolved when every impact ended; maintenances with their windows."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from incident_feed.enums import Impact, Kind, Phase
from incident_feed.errors import PayloadError
from incident_feed.normalize.drafts import Context
from incident_feed.normalize.salesforce import parse_salesforce
from incident_feed.sources.salesforce import trust_url
from tests.conftest import FIXTURES

FOLDER = FIXTURES / "platforms" / "salesforce"
NOW = dt.datetime(2022, 11, 6, 12, 0, tzinfo=dt.UTC)
CONTEXT = Context("salesforce-status", "salesforce", "Salesforce", NOW)


def load(name: str) -> Any:
    return json.loads((FOLDER / f"salesforce-trust-{name}.json").read_bytes())


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_incidents_are_titled_by_their_impact_and_resolved_when_every_impact_ended() -> None:
    result = parse_salesforce(load("incidents-EU48-es-2022-11"), CONTEXT)
    assert result.problems == ()
    assert [(d.key, d.title, d.impact) for d in result.drafts] == [
        ("10012", "Slow data processing (EU48)", Impact.MINOR),
        ("10013", "Page load delays (EU48)", Impact.MINOR),
        ("10294", "Feature service disruption (EU48)", Impact.MINOR),
    ]
    first, quiet, late = result.drafts
    assert first.started is not None and first.started.at == utc("2022-10-04T12:31:00Z")
    assert first.resolved is not None and first.resolved.at == utc("2022-10-04T12:37:00Z")
    assert first.status_label == "resolved"
    (update,) = first.updates
    assert (update.native_id, update.phase) == ("8226", Phase.INVESTIGATING)
    assert update.text.startswith("We are continuing to investigate the cause")
    assert update.stamp.at == utc("2022-10-04T13:01:42.406Z")
    # No event: the impact's own (Spanish) text is the one update.
    (only,) = quiet.updates
    assert only.native_id == "impact-10908"
    assert only.text.startswith("Hay una degradación del rendimiento")
    assert [c.name for c in first.components] == ["Core service"]
    assert late.updates[0].text.startswith("At 19:47 UTC on November 3, 2022")
    assert all(d.kind is Kind.INCIDENT and d.url for d in result.drafts)


def test_maintenances_keep_their_window_and_end_once_it_passed() -> None:
    result = parse_salesforce(load("maintenances-EU48-2022-11"), CONTEXT)
    assert len(result.drafts) == 9 and result.problems == ()
    by_name = {d.title: d for d in result.drafts}
    release = by_name["Winter '23 Major Release"]
    assert release.kind is Kind.MAINTENANCE and release.key == "maintenance-220184"
    assert release.scheduled_for == utc("2022-10-14T23:00:00Z")
    assert release.scheduled_until == utc("2022-10-14T23:05:00Z")
    assert release.status_label == "completed"  # its window ended before NOW
    assert release.resolved is not None and release.resolved.at == utc("2022-10-14T23:05:00Z")
    ahead = by_name["Database Maintenance with Site Switch"]
    assert ahead.status_label is None and ahead.resolved is None
    assert [u.phase for u in ahead.updates] == [Phase.SCHEDULED]


def test_a_major_release_reads_its_event_types_and_its_impact_as_phases() -> None:
    """Events are labelled by their type (a reminder is scheduled, 'release is live' and
    'features enabled' are the work going on); the impact 'deployingRelease' is the vendor's
    record of the work starting: an in-progress update at its own start time."""
    drafts = parse_salesforce(load("maintenances-EU48-2022-11"), CONTEXT).drafts
    release = next(d for d in drafts if d.key == "maintenance-220184")
    assert [(u.native_id, u.stamp.at, u.phase) for u in release.updates] == [
        ("140343", utc("2022-08-14T23:00:51.502Z"), Phase.SCHEDULED),
        ("145983", utc("2022-10-03T23:03:13.381Z"), Phase.SCHEDULED),
        ("148375", utc("2022-10-14T22:50:06.279Z"), Phase.SCHEDULED),
        ("impact-12089", utc("2022-10-14T23:00:13Z"), Phase.IN_PROGRESS),
        ("148419", utc("2022-10-14T23:01:25.084Z"), Phase.IN_PROGRESS),
        ("148452", utc("2022-10-14T23:19:24.278Z"), Phase.IN_PROGRESS),
    ]
    assert release.updates[3].text == "Deploying release"
    assert [u.label for u in release.updates[:3]] == ["scheduled"] * 3


def test_work_running_past_the_window_keeps_a_maintenance_open_until_it_ends() -> None:
    """Health Cloud's Winter '23 window ended 2022-10-15 23:00; its 'featuresActivated' impact
    ran until 2022-10-16 14:43: open in between, then completed at the impact's end."""

    def health_cloud(now: str) -> Any:
        context = Context("s", "salesforce", "Salesforce", utc(now))
        drafts = parse_salesforce(load("maintenances-EU48-2022-11"), context).drafts
        return next(d for d in drafts if d.key == "maintenance-525695")

    during = health_cloud("2022-10-16T00:00:00Z")
    assert (during.status_label, during.resolved) == (None, None)
    assert [u.phase for u in during.updates][-1] is Phase.IN_PROGRESS
    after = health_cloud("2022-10-16T15:00:00Z")
    assert after.status_label == "completed"
    assert after.resolved is not None and after.resolved.at == utc("2022-10-16T14:43:00Z")
    before = health_cloud("2022-10-14T22:00:00Z")  # the impact has not begun: not an update yet
    assert [u.native_id for u in before.updates] == ["140413", "145856"]
    # An impact never closed keeps it open for at most MAX_OVERRUN past the window's end.
    document = load("maintenances-EU48-2022-11")
    for item in document:
        for impact in item["MaintenanceImpacts"]:
            impact["endTime"] = None
    late = Context("s", "salesforce", "Salesforce", utc("2022-10-18T00:00:00Z"))
    stuck = next(d for d in parse_salesforce(document, late).drafts if d.native_id.endswith("695"))
    assert stuck.status_label == "completed" and stuck.resolved is not None
    assert stuck.resolved.at == utc("2022-10-15T23:00:00Z")


@pytest.mark.parametrize("document", [{"incidents": []}, "x", None])
def test_not_a_trust_list_is_one_clear_error(document: object) -> None:
    with pytest.raises(PayloadError):
        parse_salesforce(document, CONTEXT)


def test_an_investigating_event_type_is_its_label() -> None:
    (first, *_) = parse_salesforce(load("incidents-EU48-es-2022-11"), CONTEXT).drafts
    (update,) = first.updates
    assert (update.label, update.phase) == ("investigating", Phase.INVESTIGATING)


def test_hostile_items_are_skipped_by_name() -> None:
    good = load("incidents-EU48-es-2022-11")[0]
    document = [
        {**good, "id": 1, "IncidentEvents": [{"id": 1, "createdAt": "someday"}]},
        {**good, "id": 2, "IncidentEvents": [], "IncidentImpacts": []},
        {"id": 3, "what": "nothing"},
        {**good, "id": 4, "instanceKeys": ["\x1b[31mEU48\u202e"]},
    ]
    result = parse_salesforce(document, CONTEXT)
    assert [d.key for d in result.drafts] == ["4"]
    assert "\x1b" not in result.drafts[0].title and "\u202e" not in result.drafts[0].title
    assert len(result.problems) == 3


def test_the_documents_are_named_from_the_configured_url_its_query_kept() -> None:
    base = "https://api.status.salesforce.com/v1?instance=EU48&locale=es"
    assert trust_url(base, "incidents") == (
        "https://api.status.salesforce.com/v1/incidents?instance=EU48&locale=es"
    )
    assert trust_url("https://api.status.salesforce.com/v1/", "maintenances") == (
        "https://api.status.salesforce.com/v1/maintenances"
    )


def test_hostile_values_are_named_problems_and_text_stays_inert() -> None:
    """Numbers where strings were, times out of range, inverted windows, markup and controls."""
    incident = load("incidents-EU48-es-2022-11")[0]
    event, impact = incident["IncidentEvents"][0], incident["IncidentImpacts"][0]
    release = load("maintenances-EU48-2022-11")[2]
    document = [
        {**incident, "id": 1.5},
        {**incident, "id": 11, "IncidentEvents": [{**event, "createdAt": 1664888502}]},
        {**incident, "id": 12, "IncidentEvents": [{**event, "createdAt": "99999-10-04T13:01Z"}]},
        {**incident, "id": 13, "IncidentEvents": [{**event, "createdAt": "2022-13-45T99:00Z"}]},
        {**incident, "id": 14, "IncidentImpacts": "EU48"},
        {**incident, "id": 15, "IncidentImpacts": [{**impact, "endTime": "1900-01-01T00:00Z"}]},
        {**release, "id": 16, "plannedEndTime": "2022-10-13T23:00:00.000Z"},
        {**release, "id": 17, "plannedStartTime": 1665788400},
        {**release, "id": 18, "MaintenanceImpacts": [
            {**release["MaintenanceImpacts"][0], "endTime": "2022-10-14T22:00:00Z"}]},
        {**incident, "id": "19", "IncidentEvents": [
            {**event, "message": "<script>alert(1)</script>\x1b]0;x\x07 ok \u202e"}]},
        {**incident, "id": 20, "IncidentImpacts": [{**impact, "severity": 3}]},
    ]  # fmt: skip
    result = parse_salesforce(document, CONTEXT)
    assert {p.item: p.message for p in result.problems} == {
        "item[0]": "unusable (float) 'id'",
        "item 11": "missing or non-text time 1664888502",
        "item 12": "unreadable time '99999-10-04T13:01Z'",
        "item 13": "unreadable time '2022-13-45T99:00Z': month must be in 1..12",
        "item 14": "IncidentImpacts is str, expected a list",
        "item 15": "implausibly early time '1900-01-01T00:00Z'",
        "item 16": "planned end before its planned start",
        "item 17": "missing or non-text time 1665788400",
        "item 18": "impact 12089 ends before it starts",
    }
    marked, unranked = result.drafts
    # Trust messages are plain text: markup is kept as text (outputs escape it), controls and
    # bidi overrides go.
    assert marked.updates[0].text == "<script>alert(1)</script>]0;x ok"
    assert (marked.key, unranked.key, unranked.impact) == ("19", "20", Impact.UNKNOWN)
