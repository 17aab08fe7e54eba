"""Better Stack, Instatus and Cachet runs replayed from ``cassettes/{betterstack,instatus,cachet}``
through ``pipeline.collect_source`` into a Store (record mode ``none``; nothing connects).

What each cassette holds, and which parts are derived, is in ``cassettes/README.md``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from incident_feed.clock import Clock
from incident_feed.config import Limits, SourceConfig
from incident_feed.pipeline import SourceOutcome, collect_source
from incident_feed.sources.http import Fetcher, make_client
from incident_feed.store.database import IncidentQuery, Store
from incident_feed.store.page_status import read_page_statuses
from tests.sources.conftest import public_resolver, replay, source

pytestmark = pytest.mark.block_network

UTC = dt.UTC
BETTERSTACK = source(
    "betterstack", "betterstack", "https://status.betterstack.com/", "Better Stack"
)
WISTIA = source("wistia", "instatus", "https://status.wistia.com", "Wistia")
INSTATUS_DOC = source("instatus", "instatus", "https://instat.us", "Instatus")
CACHET = source("acme", "cachet", "https://cachet.example.com", "Acme")


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client() as opened:
        yield opened


@pytest.fixture
def fetcher(client: httpx.Client) -> Fetcher:
    """Production limits and address policy; only the resolver is a stand-in (no DNS here)."""
    return Fetcher(client, Limits(), resolver=public_resolver())


def run(store: Store, fetcher: Fetcher, src: SourceConfig, clock: Clock) -> SourceOutcome:
    state = store.source_states().get(src.name)
    outcome = collect_source(store, fetcher, src, dict(state) if state else None, clock)
    assert (outcome.status, outcome.error) == ("ok", None)
    return outcome


def stored(store: Store) -> dict[str, dict[str, Any]]:
    """Each stored incident by the id its page gave it, with its updates (oldest first)."""
    rows = {row["id"]: dict(row) for row in store.incidents(IncidentQuery(limit=None))}
    updates = store.updates_for(list(rows))
    found: dict[str, dict[str, Any]] = {}
    for incident_id, records in store.records_for(list(rows)).items():
        for record in records:
            found[record["native_id"]] = {
                **rows[incident_id],
                "updates": sorted(updates.get(incident_id, []), key=lambda u: u["at"]),
            }
    return found


def state(store: Store, name: str) -> dict[str, Any]:
    page = read_page_statuses(store)[name]
    return {
        "indicator": page["indicator"],
        "components": [(c["name"], c["state"], c["group"]) for c in page["components"]],
    }


def test_better_stack_two_runs_resolve_the_open_report(
    store: Store, fetcher: Fetcher, clock: Clock
) -> None:
    with replay("betterstack/status-betterstack-runs.yaml") as cassette:
        first = run(store, fetcher, BETTERSTACK, clock)
        after_first = stored(store)
        page_first = state(store, "betterstack")
        second = run(store, fetcher, BETTERSTACK, clock)
        assert cassette.all_played
    assert (first.stats.incidents_new, first.stats.updates_new, first.problems) == (3, 4, [])
    assert {k: v["phase"] for k, v in after_first.items()} == {
        "1050825": "resolved",  # aggregate_state resolved, though ends_at is null
        "1061234": "remediating",
        "1062000": "scheduled",
    }
    assert after_first["1062000"]["scheduled_for"] == dt.datetime(2026, 9, 10, 2, 0, tzinfo=UTC)
    assert after_first["1061234"]["url"] == "https://status.betterstack.com/incident/1061234"
    assert page_first == {
        "indicator": "minor",
        "components": [
            ("Better Stack", "operational", "Better Stack"),
            ("Telemetry Europe", "degraded_performance", "Better Stack"),
            ("Anthropic", "unknown", None),
        ],
    }
    assert (second.stats.incidents_new, second.stats.updates_new) == (0, 1)
    report = stored(store)["1061234"]
    assert report["phase"] == "resolved"
    last = report["updates"][-1]
    assert (last["native_id"], last["phase"], last["at"]) == (
        "5720003", "resolved", dt.datetime(2026, 9, 6, 9, 25, tzinfo=UTC),
    )  # fmt: skip
    assert state(store, "betterstack")["indicator"] == "none"


def test_instatus_three_runs_build_the_thread_and_a_quiet_page_is_a_success(
    store: Store, fetcher: Fetcher, clock: Clock
) -> None:
    with replay("instatus/wistia-runs.yaml") as cassette:
        outcomes = [run(store, fetcher, WISTIA, clock) for _ in range(3)]
        assert cassette.all_played
    first, second, third = outcomes
    assert (first.stats.incidents_new, first.stats.updates_new, first.problems) == (2, 2, [])
    assert (second.stats.incidents_new, second.stats.updates_new) == (0, 2)
    assert (third.stats.incidents_new, third.stats.updates_new, third.documents) == (0, 0, 1)
    found = stored(store)
    incident = found["cl4aj8f1k0001cs0hb1u2v3w4"]
    assert [(u["native_id"], u["phase"], u["at"]) for u in incident["updates"]] == [
        ("cl4aj8f1k0001cs0hb1u2v3w4@investigating", "investigating",
         dt.datetime(2022, 6, 11, 19, 5, tzinfo=UTC)),
        ("cl4aj8f1k0001cs0hb1u2v3w4@monitoring", "monitoring",
         dt.datetime(2022, 6, 11, 19, 40, tzinfo=UTC)),
    ]  # fmt: skip
    # The quiet summary no longer lists it: it keeps its last phase from this source alone.
    assert incident["phase"] == "monitoring"
    assert found["cl4aj8k2m0002cs0h5x6y7z8a"]["phase"] == "in_progress"
    assert state(store, "wistia") == {
        "indicator": "none",
        "components": [("Group Record", "operational", None)],
    }


def test_instatus_documented_summary_is_stored_and_a_missing_components_is_a_note(
    store: Store, fetcher: Fetcher, clock: Clock
) -> None:
    with replay("instatus/instatus-doc-example.yaml") as cassette:
        outcome = run(store, fetcher, INSTATUS_DOC, clock)
        assert cassette.all_played
    assert outcome.stats.incidents_new == 2
    assert len(outcome.problems) == 1 and "components not fetched" in outcome.problems[0]
    incident = stored(store)["cl4a8n3070721qtmzvts760c4"]
    assert (incident["kind"], incident["impact"], incident["phase"]) == (
        "incident", "major", "investigating",
    )  # fmt: skip
    assert incident["started_at"] == dt.datetime(2022, 6, 11, 18, 55, 50, tzinfo=UTC)
    assert state(store, "instatus") == {"indicator": "major", "components": []}


def test_cachet_2_4_run_in_the_pages_zone(store: Store, fetcher: Fetcher, clock: Clock) -> None:
    berlin = replace(CACHET, timezone="Europe/Berlin")
    with replay("cachet/api-2.4.yaml") as cassette:
        outcome = run(store, fetcher, berlin, clock)
        assert cassette.all_played
    assert (outcome.stats.incidents_new, outcome.stats.updates_new, outcome.problems) == (2, 3, [])
    found = stored(store)
    incident = found["1"]
    # 12:00 in Berlin (CEST) on 2015-08-01 is 10:00 UTC; the raw time and the flag are kept.
    assert incident["started_at"] == dt.datetime(2015, 8, 1, 10, 0, tzinfo=UTC)
    assert [(u["phase"], u["at_raw"], u["time_flags"]) for u in incident["updates"]] == [
        ("investigating", "2015-08-01 12:00:00", "zone_configured"),
        ("identified", "2015-08-01 12:00:00", "zone_configured"),
    ]
    assert incident["components"] == [{"id": "1", "name": "Example"}]  # named by /components
    maintenance = found["schedule-1"]
    assert (maintenance["kind"], maintenance["phase"], maintenance["url"]) == (
        "maintenance", "completed", "https://cachet.example.com/schedules/1",
    )  # fmt: skip
    assert maintenance["resolved_at"] == dt.datetime(2015, 8, 1, 11, 0, tzinfo=UTC)
    assert state(store, "acme") == {
        "indicator": "none",
        "components": [("Example", "operational", None)],
    }
    assert json.loads(store.source_states()["acme"]["cursor"]) == {
        "account": "https://cachet.example.com",
        "newest": "1",
    }


def test_cachet_2_3_run_without_a_zone_and_without_schedules(
    store: Store, fetcher: Fetcher, clock: Clock
) -> None:
    with replay("cachet/api-2.3.yaml") as cassette:
        outcome = run(store, fetcher, CACHET, clock)
        assert cassette.all_played
    assert outcome.problems == [
        "https://cachet.example.com/api/v1/schedules?sort=id&order=desc&per_page=50 "
        "not served (404)"
    ]
    (incident,) = stored(store).values()
    assert (incident["title"], incident["phase"]) == ("Incident Name", "resolved")
    (update,) = incident["updates"]
    assert (update["at"], update["time_flags"]) == (
        dt.datetime(2015, 8, 1, 12, 0, tzinfo=UTC), "zone_assumed",
    )  # fmt: skip
    # "status": "1", a string, is operational.
    assert state(store, "acme") == {
        "indicator": "none",
        "components": [("Test Component", "operational", None)],
    }
