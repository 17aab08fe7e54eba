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
