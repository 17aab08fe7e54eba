"""status.io's public status document -> drafts and the page's state (GitLab's real document of
2023-06-29; variants derived from it say what they change)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from incident_feed.enums import ComponentState, Impact, Kind, Phase
from incident_feed.errors import PayloadError
from incident_feed.normalize.drafts import Context
from incident_feed.normalize.feed import incident_key
from incident_feed.normalize.statusio import parse_statusio
from incident_feed.sources.statusio import page_id_of
from tests.conftest import FIXTURES

GITLAB = FIXTURES / "platforms" / "statusio" / "gitlab-status-2023-06-29.json"
PAGE_ID = "5b36dc6502d06804c08349f7"
MAINTENANCE_ID = "649d8d7a6c2f36053b37055d"
NOW = dt.datetime(2023, 6, 30, 12, 0, tzinfo=dt.UTC)
CONTEXT = Context("gitlab-status", "statusio", "GitLab", NOW)
UTC = dt.UTC


def gitlab() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(GITLAB.read_bytes())
    return document


def test_the_real_document_gives_the_page_state_and_its_upcoming_maintenance() -> None:
    result = parse_statusio(gitlab(), CONTEXT, page_id=PAGE_ID)
    assert result.problems == ()
    status = result.status
    assert status is not None
    assert (status.indicator, status.description) == (Impact.NONE, "Operational")
    assert status.updated == dt.datetime(2023, 6, 29, 15, 20, 28, 798000, tzinfo=UTC)
    assert len(status.components) == 17
    assert {c.state for c in status.components} == {ComponentState.OPERATIONAL}
    assert status.components[1].name == "API"
    assert status.components[1].id == "5b36e05f02d06804c0834a09"
    (draft,) = result.drafts
    assert (draft.key, draft.kind, draft.impact) == (
        MAINTENANCE_ID,
        Kind.MAINTENANCE,
        Impact.MAINTENANCE,
    )
    assert draft.title == "CI Cluster PostgreSQL 14 Upgrade"
    assert draft.url == f"https://status.io/pages/maintenance/{PAGE_ID}/{MAINTENANCE_ID}"
    assert draft.scheduled_for == dt.datetime(2023, 7, 8, 14, 0, tzinfo=UTC)
    assert draft.scheduled_until == dt.datetime(2023, 7, 8, 19, 0, tzinfo=UTC)
    assert draft.started is not None
    assert draft.started.at == dt.datetime(2023, 6, 29, 13, 56, 10, 250000, tzinfo=UTC)
    (update,) = draft.updates
    assert update.native_id == f"{MAINTENANCE_ID}@2023-06-29T13:56:10.282Z"
    assert (update.phase, update.label) == (Phase.SCHEDULED, "scheduled")
    assert update.text.startswith("We will be undergoing scheduled maintenance to our CI")
    assert [(c.name, c.id) for c in draft.components][:2] == [
        ("Website", "5b36dc6502d06804c0834a07"),
        ("API", "5b36e05f02d06804c0834a09"),
    ]
    assert len(draft.components) == 5


def test_an_active_maintenance_is_in_progress_from_its_planned_start() -> None:
    """Derived: the real maintenance moved to ``active`` with a second message at 14:01 on its
    planned day (text ours)."""
    document = gitlab()
    maintenance = document["result"]["maintenance"]
    item = maintenance["upcoming"].pop()
    item["messages"].append(
        {
            "details": "Work has begun.",
            "state": 100,
            "status": 200,
            "datetime": "2023-07-08T14:01:00.000Z",
        }
    )
    maintenance["active"] = [item]
    later = Context("gitlab-status", "statusio", "GitLab", dt.datetime(2023, 7, 8, 15, tzinfo=UTC))
    (draft,) = parse_statusio(document, later).drafts
    assert [u.phase for u in draft.updates] == [Phase.SCHEDULED, Phase.IN_PROGRESS]
    assert draft.url is None  # no page id given


def incident_document(states: list[object]) -> dict[str, Any]:
    """Derived: the real document with one incident whose messages have ``states`` (ids, times
    and texts ours; fields as status.io documents them)."""
    document = gitlab()
    document["result"]["incidents"] = [
        {
            "name": "API errors",
            "_id": "649d8d7a6c2f36053b37056a",
            "datetime_open": "2023-06-29T14:05:00.000Z",
            "messages": [
                {
                    "details": f"Message {n}.",
                    "state": state,
                    "status": 400,
                    "datetime": f"2023-06-29T14:{10 + n:02d}:00.000Z",
                }
                for n, state in enumerate(states)
            ],
            "components_affected": [{"name": "API", "_id": "5b36e05f02d06804c0834a09"}],
            "containers_affected": [],
        }
    ]
    return document


def test_incident_message_states_are_its_phases() -> None:
    result = parse_statusio(incident_document([100, 200, 300]), CONTEXT, page_id=PAGE_ID)
    incident = next(d for d in result.drafts if d.kind is Kind.INCIDENT)
    assert [u.phase for u in incident.updates] == [
        Phase.INVESTIGATING,
        Phase.IDENTIFIED,
        Phase.MONITORING,
    ]
    assert incident.impact is Impact.MAJOR  # message status 400: partial service disruption
    assert incident.status_label == "monitoring"
    assert incident.url == f"https://status.io/pages/incident/{PAGE_ID}/649d8d7a6c2f36053b37056a"
    assert [u.stamp.at.utcoffset() for u in incident.updates] == [dt.timedelta(0)] * 3


def test_unknown_states_leave_the_phase_to_the_text() -> None:
    result = parse_statusio(incident_document(["100", None, 999]), CONTEXT)
    incident = next(d for d in result.drafts if d.kind is Kind.INCIDENT)
    assert [u.label for u in incident.updates] == [None, None, None]
    assert [u.phase for u in incident.updates] == [Phase.INVESTIGATING] * 3


def test_messages_of_one_time_get_distinct_ids() -> None:
    document = incident_document([100, 200])
    messages = document["result"]["incidents"][0]["messages"]
    messages[1]["datetime"] = messages[0]["datetime"]
    incident = next(d for d in parse_statusio(document, CONTEXT).drafts if d.kind is Kind.INCIDENT)
    ids = [u.native_id for u in incident.updates]
    assert ids == [
        "649d8d7a6c2f36053b37056a@2023-06-29T14:10:00.000Z",
        "649d8d7a6c2f36053b37056a@2023-06-29T14:10:00.000Z#2",
    ]


# -- hostile documents ---------------------------------------------------------------------------


def test_not_a_status_document_is_one_clear_error() -> None:
    with pytest.raises(PayloadError, match="not a status.io public status document"):
        parse_statusio({"status": {"error": "yes", "code": 404}}, CONTEXT)
    broken = gitlab()
    broken["result"]["status_overall"] = "fine"
    with pytest.raises(PayloadError, match="status_overall is str, expected an object"):
        parse_statusio(broken, CONTEXT)
    broken = gitlab()
    broken["result"]["maintenance"] = []
    with pytest.raises(PayloadError, match="maintenance is list, expected an object"):
        parse_statusio(broken, CONTEXT)


def test_bad_items_are_skipped_by_name_and_values_cleaned() -> None:
    document = incident_document([100])
    good = document["result"]["incidents"][0]
    no_time = copy.deepcopy(good) | {"_id": "649d8d7a6c2f36053b37056b"}
    no_time["messages"][0]["datetime"] = None
    bad_time = copy.deepcopy(good) | {"_id": "649d8d7a6c2f36053b37056c"}
    bad_time["messages"][0]["datetime"] = "yesterday"
    hostile = copy.deepcopy(good) | {"_id": "649d8d7a6c2f36053b37056d"}
    hostile["name"] = "API\x1b]8;;http://evil\x07 errors\u202e"
    hostile["status_code"] = "500"
    document["result"]["incidents"] += [no_time, bad_time, hostile, "junk", {"name": "no id"}]
    document["result"]["status"].append({"name": 7, "status_code": 100})
    document["result"]["status"][0]["status_code"] = "100"
    result = parse_statusio(document, CONTEXT)
    keys = [d.key for d in result.drafts if d.kind is Kind.INCIDENT]
    assert keys == ["649d8d7a6c2f36053b37056a", "649d8d7a6c2f36053b37056d"]
    problems = {p.item: p.message for p in result.problems}
    assert problems["incidents 649d8d7a6c2f36053b37056b"] == "a message has no datetime"
    assert "yesterday" in problems["incidents 649d8d7a6c2f36053b37056c"]
    assert problems["incidents[4]"] == "incidents[4] is str, expected an object"
    assert problems["incidents[5]"] == "missing '_id'"
    cleaned = result.drafts[1]
    assert cleaned.title == "API]8;;http://evil errors"
    assert cleaned.impact is Impact.MAJOR  # "500" as text is no code: the messages' 400 decides
    status = result.status
    assert status is not None and len(status.components) == 17
    assert status.components[0].state is ComponentState.UNKNOWN


def test_a_document_listing_10000_incidents_reads_the_first_5000() -> None:
    document = incident_document([100])
    (item,) = document["result"]["incidents"]
    document["result"]["incidents"] = [{**item, "_id": f"{n:024x}"} for n in range(10_000)]
    result = parse_statusio(document, CONTEXT)
    assert sum(d.kind is Kind.INCIDENT for d in result.drafts) == 5000
    (problem,) = result.problems
    assert (problem.item, problem.dropped) == ("incidents", 5000)


def test_page_ids_and_feed_links_give_the_api_s_keys() -> None:
    assert page_id_of(f"https://api.status.io/1.0/status/{PAGE_ID}") == PAGE_ID
    assert page_id_of(f"https://api.status.io/1.0/status/{PAGE_ID}/") == PAGE_ID
    assert page_id_of("https://api.status.io/1.0/status/../x") is None
    assert page_id_of("/tmp/saved.json") is None
    link = "https://status.io/pages/incident/533c6539221ae15e3f000031/6a216c468614df05b0372d0d"
    assert incident_key(link) == "6a216c468614df05b0372d0d"
    assert incident_key(link.replace("/incident/", "/maintenance/")) == "6a216c468614df05b0372d0d"
    assert incident_key("https://www.githubstatus.com/incidents/f0mhbz9xn497") == "f0mhbz9xn497"
    assert incident_key("https://status.io/pages/incident/x") is None
