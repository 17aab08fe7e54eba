"""Collection runs replayed from the vcrpy cassettes in ``cassettes/`` (record mode ``none``).

The real Fetcher and httpx client run; vcrpy answers at the transport, so nothing connects
(``block_network`` makes sure). The Fetcher's address check resolves host names, and there is no
DNS here: the fetchers get a resolver answering one public address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from incident_feed.clock import Clock
from incident_feed.config import Limits, SourceConfig
from incident_feed.pipeline import SourceOutcome, collect, collect_source
from incident_feed.sources.http import Fetcher, make_client
from incident_feed.store.database import IncidentQuery, Store
from incident_feed.store.page_status import read_page_statuses
from tests.conftest import CASSETTES, FIXTURES, make_config
from tests.sources.conftest import public_resolver, replay, source

pytestmark = pytest.mark.block_network

GITHUB_API = "statuspage/githubstatus-api.yaml"
GITHUB_FEED_3_DAYS = "feeds/githubstatus-history-2026-03-04-to-06.yaml"
GCP_URL = "https://status.cloud.google.com/incidents.json"
SLACK_URL = "https://status.slack.com/api/v2.0.0/history"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client() as opened:
        yield opened


@pytest.fixture
def fetcher(client: httpx.Client) -> Fetcher:
    """Production limits and address policy; only the resolver is a stand-in."""
    return Fetcher(client, Limits(), resolver=public_resolver())


def run(store: Store, fetcher: Fetcher, src: SourceConfig, clock: Clock) -> SourceOutcome:
    states = store.source_states()
    state = dict(states[src.name]) if src.name in states else None
    outcome = collect_source(store, fetcher, src, state, clock)
    assert outcome.status in ("ok", "unchanged"), outcome.error
    assert outcome.error is None
    return outcome


def recorded_body(cassette: str, index: int = 0) -> bytes:
    """The body of one recorded response, as the fetcher reads it."""
    data = yaml.safe_load((CASSETTES / cassette).read_text(encoding="utf-8"))
    body = data["interactions"][index]["response"]["body"]["string"]
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def recorded_json(cassette: str, index: int = 0) -> Any:
    """The JSON body of one recorded response."""
    return json.loads(recorded_body(cassette, index))


def utc(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    assert value.tzinfo is not None
    return value.astimezone(dt.UTC)


def everything(store: Store) -> dict[str, Any]:
    """Incidents and their updates keyed by update native id, for before/after comparisons."""
    incidents = store.incidents(IncidentQuery(limit=None))
    ids = [row["id"] for row in incidents]
    updates = store.updates_for(ids)
    return {
        row["id"]: {
            "incident": dict(row),
            "updates": {u["native_id"]: dict(u) for u in updates.get(row["id"], [])},
        }
        for row in incidents
    }


def assert_no_duplicates(store: Store, source_name: str) -> None:
    incidents = store.incidents(IncidentQuery(limit=None))
    ids = [row["id"] for row in incidents]
    records = [r for rows in store.records_for(ids).values() for r in rows]
    natives = [r["native_id"] for r in records if r["source_name"] == source_name]
    assert len(natives) == len(set(natives)) == len(incidents)
    for incident_id, rows in store.updates_for(ids).items():
        seen = [(u["at"], u["text"]) for u in rows]
        assert len(seen) == len(set(seen)), f"duplicate updates in {incident_id}"


# -- Statuspage API -------------------------------------------------------------------------------


def test_statuspage_api_collects_50_incidents_with_phases_and_utc_times(
    store: Store, fetcher: Fetcher, clock: Clock
) -> None:
    github = source("github", "statuspage", "https://www.githubstatus.com", vendor="GitHub")
    with replay(GITHUB_API) as cassette:
        outcome = run(store, fetcher, github, clock)
        assert cassette.all_played  # incidents.json, scheduled-maintenances.json, summary.json
    assert outcome.status == "ok"
    assert outcome.documents == 3
    assert (outcome.stats.incidents_new, outcome.stats.updates_new) == (50, 252)
    (state,) = read_page_statuses(store).values()  # summary.json: the page's state, kept
    assert (state["source_name"], state["vendor"], state["indicator"]) == (
        "github",
        "GitHub",
        "minor",
    )
    assert state["description"] == "Minor Service Outage"
    assert [c["name"] for c in state["components"] if c["state"] != "operational"] == ["Packages"]
    assert state["components"][7] == {
        "name": "Packages", "state": "partial_outage", "id": "st3j38cctv9l", "group": None,
    }  # fmt: skip
    assert state["fetched_at"] == clock()

    expected = {item["id"]: item for item in recorded_json(GITHUB_API)["incidents"]}
    rows = store.incidents(IncidentQuery(limit=None))
    assert len(rows) == 50
    ids = [row["id"] for row in rows]
    records = store.records_for(ids)
    updates = store.updates_for(ids)
    for row in rows:
        (record,) = records[row["id"]]
        item = expected[record["native_id"]]
        assert row["vendor"] == "GitHub"
        assert row["kind"] == "incident"
        assert row["title"] == item["name"]
        assert row["phase"] == "resolved"
        assert row["impact"] == item["impact"]
        assert row["started_at"] == utc(item["started_at"])
        assert row["resolved_at"] == utc(item["resolved_at"])
        assert row["started_at"].utcoffset() == dt.timedelta(0)
        thread = updates[row["id"]]
        assert len(thread) == len(item["incident_updates"])
        recorded_times = {u["id"]: utc(u["display_at"]) for u in item["incident_updates"]}
        for update in thread:
            assert update["at"] == recorded_times[update["native_id"]]
            assert update["at"].utcoffset() == dt.timedelta(0)
            if update["label"] == "resolved":
                assert update["phase"] == "resolved"
        assert thread[0]["phase"] == "investigating"
        assert thread[-1]["phase"] == "resolved"
    assert {expected[r["native_id"]]["id"] for rows_ in records.values() for r in rows_} == set(
        expected
    )
    state = store.source_states()["github"]
    assert state["consecutive_failures"] == 0
    body = recorded_body(GITHUB_API)
    assert state["validators"]["https://www.githubstatus.com/api/v2/incidents.json"] == {
        "etag": '"7c786d8f2830e0ef6a4634699fe7466b"',
        "last_modified": "Fri, 06 Oct 2023 02:59:36 GMT",
        "digest": hashlib.sha256(body).hexdigest(),
    }


def test_statuspage_api_second_collect_changes_nothing(
    store: Store, fetcher: Fetcher, clock: Clock
) -> None:
    github = source("github", "statuspage", "https://www.githubstatus.com", vendor="GitHub")
    with replay(GITHUB_API):
        first = run(store, fetcher, github, clock)
    before = everything(store)
    # The cassette answers 200 with the same body whatever the conditional headers say: the
    # stored digests tell the bodies are the same, so nothing is parsed.
    with replay(GITHUB_API) as cassette:
        second = run(store, fetcher, github, clock)
        assert cassette.all_played
    assert first.stats.rows_written == 50 + 252
    assert (second.status, second.documents) == ("unchanged", 0)
    assert everything(store) == before
    # Without the digests (a database from before them), the same bodies are parsed and merged
    # again, and writing them changes nothing either.
    state = dict(store.source_states()["github"])
    state["validators"] = {
        url: {k: v for k, v in kept.items() if k != "digest"}
        for url, kept in state["validators"].items()
    }
    with replay(GITHUB_API) as cassette:
        third = collect_source(store, fetcher, github, state, clock)
        assert cassette.all_played
    assert (third.status, third.error, third.documents) == ("ok", None, 3)
    assert third.stats.rows_written == 0
    assert third.stats.changed_ids == []
    assert everything(store) == before


# -- Atom feed over three days --------------------------------------------------------------------


@pytest.mark.vcr(GITHUB_FEED_3_DAYS)
def test_feed_replayed_over_three_runs_grows_without_losing_anything(
    store: Store, fetcher: Fetcher, clock: Clock, vcr: Any
) -> None:
    feed = source(
        "github-feed", "feed", "https://www.githubstatus.com/history.atom", vendor="GitHub"
    )
    outcomes: list[SourceOutcome] = []
    snapshots: list[dict[str, Any]] = []
    for _day in range(3):
        outcomes.append(run(store, fetcher, feed, clock))
        snapshots.append(everything(store))
        assert_no_duplicates(store, "github-feed")
    assert vcr.all_played  # each day's snapshot served once, in order

    first, second, third = outcomes
    assert first.stats.incidents_new == 25  # every snapshot holds 25 entries
    update_counts = [sum(len(s["updates"]) for s in snap.values()) for snap in snapshots]
    assert update_counts[0] < update_counts[1] < update_counts[2]

    for earlier, later, outcome in zip(snapshots[:-1], snapshots[1:], outcomes[1:], strict=True):
        # New incidents appear...
        new_ids = set(later) - set(earlier)
        assert len(new_ids) == outcome.stats.incidents_new >= 1
        # ...nothing stored from an earlier snapshot is lost, even entries that left the feed...
        assert set(earlier) <= set(later)
        edited = 0
        for incident_id, old in earlier.items():
            assert set(old["updates"]) <= set(later[incident_id]["updates"])
            for native_id, update in old["updates"].items():
                if later[incident_id]["updates"][native_id]["text"] != update["text"]:
                    edited += 1
        # ...and incidents already stored take their entries' edits (in these three days GitHub
        # rewrote "resolved" updates into root-cause summaries).
        assert edited == outcome.stats.updates_changed >= 1
    assert len(snapshots[2]) == 25 + second.stats.incidents_new + third.stats.incidents_new
    assert len(snapshots[2]) > 25  # more than the last feed holds: entries that left it stay

    (board,) = [
        row
        for row in store.incidents(IncidentQuery(limit=None))
        if row["title"].startswith("Delayed visibility of newly added issues")
    ]
    resolved = [
        u for u in store.updates_for([board["id"]])[board["id"]] if u["label"] == "Resolved"
    ]
    assert [u["phase"] for u in resolved] == ["resolved"]
    assert resolved[0]["text"].startswith("Between March 2, 21:42 UTC and March 3, 05:54 UTC")
    assert store.source_states()["github-feed"]["consecutive_failures"] == 0


# -- GCP and Slack --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.vcr(f"gcp/incidents-{name}.yaml"), id=name)
        for name in (
            "full",
            "low_severity_incident",
            "multizone",
            "small",
            "missing_available_status",
        )
    ],
)
def test_gcp_incidents_collect(
    store: Store, fetcher: Fetcher, clock: Clock, vcr: Any, name: str
) -> None:
    gcp = source("gcp", "gcp", GCP_URL, vendor="Google Cloud")
    outcome = run(store, fetcher, gcp, clock)
    assert vcr.all_played
    data = json.loads((FIXTURES / "gcp" / f"incidents-{name}.json").read_bytes())
    assert outcome.stats.incidents_new == len(data)
    assert outcome.stats.updates_new == sum(len(item["updates"]) for item in data)
    assert outcome.problems == []
    rows = store.incidents(IncidentQuery(limit=None))
    assert {row["vendor"] for row in rows} == {"Google Cloud"}
    begins = sorted(utc(item["begin"]) for item in data)
    assert sorted(row["started_at"] for row in rows) == begins
    ended = sum(1 for item in data if item.get("end"))
    assert Counter(row["phase"] for row in rows)["resolved"] >= ended
    assert_no_duplicates(store, "gcp")


@pytest.mark.vcr("gcp/incidents-full.yaml", "slack/history.yaml", "slack/current-ok.yaml")
def test_gcp_and_slack_in_one_run(store: Store, fetcher: Fetcher, clock: Clock, vcr: Any) -> None:
    config = make_config(
        {"name": "gcp", "vendor": "Google Cloud", "kind": "gcp", "url": GCP_URL},
        {"name": "slack", "vendor": "Slack", "kind": "slack", "url": SLACK_URL},
    )
    report = collect(config, store, fetcher, clock=clock)
    assert report.ok, [o.error for o in report.outcomes]
    assert vcr.all_played
    by_name = {o.name: o for o in report.outcomes}
    assert by_name["gcp"].stats.incidents_new == 139
    assert by_name["slack"].stats.incidents_new == 1

    gcp_rows = store.incidents(IncidentQuery(vendors=("Google Cloud",), limit=None))
    assert len(gcp_rows) == 139
    assert {row["phase"] for row in gcp_rows} == {"resolved"}

    (slack,) = store.incidents(IncidentQuery(vendors=("Slack",), limit=None))
    assert slack["title"] == "Slack’s forwarding email feature is failing for some customers"
    # 2018-09-07T14:35:00-07:00 in UTC
    assert slack["started_at"] == dt.datetime(2018, 9, 7, 21, 35, tzinfo=dt.UTC)
    (update,) = store.updates_for([slack["id"]])[slack["id"]]
    assert update["at"] == dt.datetime(2018, 9, 8, 1, 34, 15, tzinfo=dt.UTC)
    assert update["text"].startswith("Technical Summary:")
    (run_row,) = store.last_runs(1)
    assert (run_row["sources_ok"], run_row["sources_failed"]) == (2, 0)
    # /current said "ok": Slack's page state, with no service named (Slack lists none then).
    state = read_page_statuses(store)["slack"]
    assert (state["indicator"], state["description"], state["components"]) == (
        "none", "No active incidents", [],
    )  # fmt: skip
    assert state["updated_at"] == dt.datetime(2018, 9, 8, 1, 34, 15, tzinfo=dt.UTC)
    assert "gcp" not in read_page_statuses(store)  # its incidents.json gives no page state


@pytest.mark.vcr("slack/history.yaml", "slack/current-active.yaml")
def test_slack_current_during_an_incident_gives_its_state_and_the_incident_once(
    store: Store, fetcher: Fetcher, clock: Clock, vcr: Any
) -> None:
    slack = source("slack", "slack", SLACK_URL, vendor="Slack")
    outcome = run(store, fetcher, slack, clock)
    assert vcr.all_played and outcome.documents == 2
    assert (outcome.stats.incidents_new, outcome.stats.updates_new) == (1, 1)  # listed twice
    assert_no_duplicates(store, "slack")
    state = read_page_statuses(store)["slack"]
    assert (state["indicator"], state["description"]) == ("minor", "1 active incident")
    assert state["components"] == [
        {"name": "Apps/Integrations/APIs", "state": "partial_outage", "id": None, "group": None}
    ]
    assert state["updated_at"] == dt.datetime(2019, 4, 9, 14, 35, 46, tzinfo=dt.UTC)


def test_a_request_missing_from_the_cassette_fails_the_source_not_the_run(
    store: Store, fetcher: Fetcher, clock: Clock
) -> None:
    # record mode "none": an unrecorded URL raises inside the transport instead of going out.
    stray = source("stray", "gcp", "https://status.cloud.google.com/other.json", vendor="Google")
    with replay("gcp/incidents-small.yaml"):
        outcome = collect_source(store, fetcher, stray, None, clock)
    assert outcome.status == "failed"
    assert outcome.error is not None
    assert "CannotOverwriteExistingCassetteException" in outcome.error
