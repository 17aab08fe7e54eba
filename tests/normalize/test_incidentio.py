"""incident.io's widget API documents -> drafts and the page's state (real OpenAI payloads).

The payloads are ``tests/data/fixtures/platforms/incidentio/`` (see its README); where a test
needs a shape they lack, it derives it from them and says what it changed.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import time
from typing import Any

import pytest

from incident_feed.enums import ComponentState, Impact, Kind, Phase
from incident_feed.errors import PayloadError
from incident_feed.normalize.drafts import Context, IncidentDraft
from incident_feed.normalize.feed import parse_feed, tidy_link
from incident_feed.normalize.incidentio import parse_incidentio
from incident_feed.sources.incidentio import listed_ids
from tests.conftest import FIXTURES, NOW

FOLDER = FIXTURES / "platforms" / "incidentio"
SUMMARY = FOLDER / "openai-proxy-widget-summary-quiet-2026-09-03.json"
INCIDENT = FOLDER / "openai-proxy-incident-01M1KWEDH417T2CF44YYHZDFCR-resolved.json"
ATOM = FOLDER / "openai-history-atom-4entries-2026-09-03.atom"
INCIDENT_ID = "01M1KWEDH417T2CF44YYHZDFCR"
CONTEXT = Context("openai-status", "incidentio", "OpenAI", NOW)
UTC = dt.UTC


def load(path: Any) -> Any:
    return json.loads(path.read_bytes())


def detail(document: Any = None, *, summary: Any = None) -> IncidentDraft:
    result = parse_incidentio(
        document if document is not None else load(INCIDENT),
        CONTEXT,
        summary=load(SUMMARY) if summary is None else summary,
    )
    assert result.problems == ()
    (draft,) = result.drafts
    return draft


def test_quiet_summary_is_all_operational_with_34_grouped_components() -> None:
    result = parse_incidentio(load(SUMMARY), CONTEXT)
    assert (result.drafts, result.problems) == ((), ())
    status = result.status
    assert status is not None
    assert (status.indicator, status.description) == (Impact.NONE, "All systems operational")
    assert len(status.components) == 34
    assert {c.state for c in status.components} == {ComponentState.OPERATIONAL}
    groups = [c.group for c in status.components]
    assert list(dict.fromkeys(groups)) == ["APIs", "ChatGPT", "Codex", "FedRAMP", "Ads Platform"]
    logins = [(c.group, c.id) for c in status.components if c.name == "Login"]
    assert logins == [
        ("APIs", "01JSM5RTJWHRWDTS6Q604VEW3B"),
        ("ChatGPT", "01JMXBNJXG1S2D9V65P1ZZTD94"),
    ]


def test_incident_phases_utc_times_and_start_at_its_first_update() -> None:
    draft = detail()
    assert (draft.key, draft.native_id) == (INCIDENT_ID, INCIDENT_ID)
    assert draft.kind is Kind.INCIDENT
    assert draft.title == "Elevated errors across ChatGPT and Codex"
    assert draft.status_label == "resolved"
    assert draft.impact is Impact.MINOR  # degraded_performance, the worst it reached
    assert draft.url == f"https://status.openai.com/incidents/{INCIDENT_ID}"
    assert [(u.phase, u.label) for u in draft.updates] == [
        (Phase.INVESTIGATING, "investigating"),
        (Phase.MONITORING, "monitoring"),
        (Phase.RESOLVED, "resolved"),
    ]
    assert [u.stamp.at for u in draft.updates] == [
        dt.datetime(2026, 9, 3, 14, 43, tzinfo=UTC),
        dt.datetime(2026, 9, 3, 15, 17, tzinfo=UTC),
        dt.datetime(2026, 9, 3, 16, 55, 49, 46000, tzinfo=UTC),
    ]
    assert all(u.stamp.at.utcoffset() == dt.timedelta(0) for u in draft.updates)
    assert draft.updates[0].native_id == "01M1KWEDH4HZZS0RR8FK6AFNY8"
    assert draft.updates[0].text == "We are investigating the issue for the listed services."
    # published_at is 14:58:23, after the first update: the start is the earliest of them.
    assert draft.started is not None
    assert draft.started.at == dt.datetime(2026, 9, 3, 14, 43, tzinfo=UTC)


def test_components_are_attributed_by_id_and_named_with_their_group() -> None:
    draft = detail()
    summary = load(SUMMARY)["summary"]
    known = {c["id"] for c in summary["components"]}
    assert len(draft.components) == 19
    assert {c.id for c in draft.components} <= known
    names = {c.name for c in draft.components}
    assert "ChatGPT / Login" in names and "APIs / Login" not in names
    assert {"ChatGPT / Conversations", "Codex / CLI", "Codex / Codex API"} <= names
    assert {n.split(" / ")[0] for n in names} == {"ChatGPT", "Codex"}
    first, second, _ = draft.updates
    assert len(first.components) == 19 and len(second.components) == 19
    assert ("ChatGPT / Voice mode", "01JMXBNJXGGT5SR5DB9J7GYY48") in {
        (c.name, c.id) for c in first.components
    }


def test_without_the_summary_components_keep_their_ids_and_the_url_needs_the_page() -> None:
    result = parse_incidentio(load(INCIDENT), CONTEXT)
    (draft,) = result.drafts
    assert all(c.name == c.id for c in draft.components) and len(draft.components) == 19
    assert draft.url is None
    given = parse_incidentio(load(INCIDENT), CONTEXT, page_url="https://status.openai.com/")
    assert given.drafts[0].url == f"https://status.openai.com/incidents/{INCIDENT_ID}"


def test_the_atom_feed_and_the_api_give_one_key_and_one_url() -> None:
    feed = parse_feed(ATOM.read_bytes(), {"content-type": "application/atom+xml"}, CONTEXT)
    assert feed.problems == ()
    by_key = {d.key: d for d in feed.drafts}
    assert len(by_key) == 4
    api = detail()
    entry = by_key[INCIDENT_ID]
    assert entry.url == api.url == f"https://status.openai.com/incidents/{INCIDENT_ID}"
    assert all("//incidents" not in (d.url or "") for d in feed.drafts)
    # The entry's own id keeps the feed's spelling: stored records stay the same records.
    assert entry.native_id == f"https://status.openai.com//incidents/{INCIDENT_ID}"


def test_tidy_link_only_touches_the_path() -> None:
    assert tidy_link("https://a.example//incidents/X") == "https://a.example/incidents/X"
    assert tidy_link("https://a.example/p?u=https://b//c#x//y") == (
        "https://a.example/p?u=https://b//c#x//y"
    )
    assert tidy_link("https://a.example/a///b/") == "https://a.example/a/b/"
    assert tidy_link(None) is None


def maintenance_variant() -> dict[str, Any]:
    """The real incident made a maintenance: ``type`` "maintenance", ``status``
    "maintenance_complete" and the updates' ``to_status`` maintenance_scheduled /
    maintenance_in_progress / maintenance_complete (the statuses incident.io's widget API
    documents); nothing else changed."""
    document = copy.deepcopy(load(INCIDENT))
    incident = document["incident"]
    incident["type"], incident["status"] = "maintenance", "maintenance_complete"
    statuses = ("maintenance_scheduled", "maintenance_in_progress", "maintenance_complete")
    for update, status in zip(incident["updates"], statuses, strict=True):
        update["to_status"] = status
    return document


def test_a_maintenance_moves_scheduled_in_progress_completed_in_its_window() -> None:
    draft = detail(maintenance_variant())
    assert draft.kind is Kind.MAINTENANCE
    assert draft.impact is Impact.MAINTENANCE
    assert [u.phase for u in draft.updates] == [
        Phase.SCHEDULED,
        Phase.IN_PROGRESS,
        Phase.COMPLETED,
    ]
    # No starts_at/ends_at: the window is the span of its component impacts.
    assert draft.scheduled_for == dt.datetime(2026, 9, 3, 14, 58, 23, 907000, tzinfo=UTC)
    assert draft.scheduled_until == dt.datetime(2026, 9, 3, 16, 55, 49, 46000, tzinfo=UTC)


def ongoing_summary() -> dict[str, Any]:
    """The quiet summary with the real incident listed as ongoing and its
    ``affected_components`` in the summary's, each ``current_status`` set to partial_outage
    (the real ones say operational: the incident was over when captured)."""
    summary = load(SUMMARY)
    incident = load(INCIDENT)["incident"]
    affected = copy.deepcopy(incident["affected_components"])
    for entry in affected:
        entry["current_status"] = "partial_outage"
    summary["summary"]["ongoing_incidents"] = [incident]
    summary["summary"]["affected_components"] = affected
    return summary


def test_an_ongoing_incident_sets_its_components_and_the_indicator() -> None:
    result = parse_incidentio(ongoing_summary(), CONTEXT)
    status = result.status
    assert status is not None
    assert status.indicator is Impact.MAJOR
    assert status.description == "Partial outage; 1 ongoing incident"
    states = {(c.group, c.name): c.state for c in status.components}
    assert states[("ChatGPT", "Login")] is ComponentState.PARTIAL_OUTAGE
    assert states[("APIs", "Login")] is ComponentState.OPERATIONAL
    assert sum(s is ComponentState.PARTIAL_OUTAGE for s in states.values()) == 19
    # The listed incident carries its updates: it is a draft here too, components named.
    (draft,) = result.drafts
    assert draft.key == INCIDENT_ID and "ChatGPT / Login" in {c.name for c in draft.components}


# -- hostile documents ---------------------------------------------------------------------------


def test_not_a_widget_document_is_one_clear_error() -> None:
    with pytest.raises(PayloadError, match="not an incident.io widget API document"):
        parse_incidentio({"page": {}, "incidents_x": []}, CONTEXT)
    with pytest.raises(PayloadError, match="document is list"):
        parse_incidentio([], CONTEXT)
    broken = load(SUMMARY)
    broken["summary"]["components"] = "all of them"
    with pytest.raises(PayloadError, match="components is str, expected a list"):
        parse_incidentio(broken, CONTEXT)


def test_bad_history_items_are_skipped_by_name_and_the_good_one_kept() -> None:
    good = load(INCIDENT)["incident"]
    no_time = copy.deepcopy(good)
    no_time["id"] = "01M1KWEDH417T2CF44YYHZDFC1"
    no_time["updates"][1]["published_at"] = None
    wrong_type = copy.deepcopy(good)
    wrong_type["id"] = "01M1KWEDH417T2CF44YYHZDFC2"
    wrong_type["updates"] = {"not": "a list"}
    untitled = {"id": "01M1KWEDH417T2CF44YYHZDFC3", "updates": []}
    bad_time = copy.deepcopy(good)
    bad_time["id"] = "01M1KWEDH417T2CF44YYHZDFC4"
    bad_time["updates"][0]["published_at"] = "2026-13-45T99:00:00Z"
    history = {
        "incidents": [good, "junk", {"name": "no id"}, no_time, wrong_type, untitled, bad_time]
    }
    result = parse_incidentio(history, CONTEXT, summary=load(SUMMARY))
    assert [d.key for d in result.drafts] == [INCIDENT_ID]
    problems = {p.item: p.message for p in result.problems}
    assert problems["incidents[1]"] == "incidents[1] is str, expected an object"
    assert problems["incidents[2]"] == "missing 'id'"
    assert "has no published_at" in problems["incidents 01M1KWEDH417T2CF44YYHZDFC1"]
    assert "updates is dict, expected a list" in problems["incidents 01M1KWEDH417T2CF44YYHZDFC2"]
    assert problems["incidents 01M1KWEDH417T2CF44YYHZDFC3"] == "no title and no time"
    assert "2026-13-45" in problems["incidents 01M1KWEDH417T2CF44YYHZDFC4"]


def test_hostile_text_and_component_ids_are_cleaned_or_ignored() -> None:
    document = load(INCIDENT)
    incident = document["incident"]
    incident["name"] = "Errors\x1b[31m \u202eevil\u202c\x00"
    incident["updates"][0]["message_string"] = "Look <script>x</script>\x07 here"
    incident["updates"][0]["component_statuses"] = [
        {"component_id": 12345, "status": "degraded_performance"},
        {"component_id": "x" * 5000},
        {"component_id": "01JMXBNJXG1S2D9V65P1ZZTD94", "status": "full_outage"},
        "junk",
    ]
    draft = detail(document)
    assert draft.title == "Errors[31m evil"
    assert draft.updates[0].text == "Look <script>x</script> here"
    assert [c.name for c in draft.updates[0].components] == ["ChatGPT / Login"]


def test_a_summary_listing_10000_incidents_stays_bounded() -> None:
    summary = load(SUMMARY)
    listed = [{"id": f"01M1KWEDH417T2CF44YY{n:06d}", "name": f"n{n}"} for n in range(10_000)]
    summary["summary"]["ongoing_incidents"] = listed
    body = json.dumps(summary).encode()
    started = time.perf_counter()
    ids, notes = listed_ids(body, 10)
    result = parse_incidentio(summary, CONTEXT)
    elapsed = time.perf_counter() - started
    assert ids == [item["id"] for item in listed[:10]]
    assert notes == [
        "10,000 ongoing incidents and maintenances listed; details fetched for the first 10"
    ]
    assert result.drafts == () and result.problems == ()  # entries without updates: ids only
    assert result.status is not None
    assert result.status.description == "Degraded performance; 10000 ongoing incidents"
    assert elapsed < 2.0


def test_listed_ids_refuse_what_cannot_be_an_incident_io_id() -> None:
    summary = load(SUMMARY)
    summary["summary"]["ongoing_incidents"] = [
        {"id": "../../admin"},
        {"id": 1234567890123},
        {"id": "01M1KWEDH417T2CF44YYHZDFCR?x=1"},
        "junk",
        {"id": INCIDENT_ID},
        {"id": INCIDENT_ID},
    ]
    ids, notes = listed_ids(json.dumps(summary).encode(), 10)
    assert ids == [INCIDENT_ID]
    assert notes == ["4 listed items without a usable incident.io id: not fetched"]
    assert listed_ids(b"<html>", 10) == ([], [])
