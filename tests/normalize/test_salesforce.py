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
    assert len(release.updates) == 5
    ahead = by_name["Database Maintenance with Site Switch"]
    assert ahead.status_label is None and ahead.resolved is None
    assert [u.phase for u in ahead.updates] == [Phase.SCHEDULED]


@pytest.mark.parametrize("document", [{"incidents": []}, "x", None])
def test_not_a_trust_list_is_one_clear_error(document: object) -> None:
    with pytest.raises(PayloadError):
        parse_salesforce(document, CONTEXT)


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
