"""The aws and salesforce collectors replayed from ``cassettes/aws/`` and
``cassettes/salesforce/`` through ``pipeline.collect_source`` into a store: the legacy data.json,
the current dashboard's UTF-16 currentevents (open and quiet) with its page state, and the real
Trust API answers of EU48."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
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

AWS = "Amazon Web Services"
CURRENT = source(
    "aws-health", "aws", "https://health.aws.amazon.com/public/currentevents", vendor=AWS
)
LEGACY = source("aws-legacy", "aws", "https://status.aws.amazon.com/data.json", vendor=AWS)
TRUST = source(
    "salesforce-eu48",
    "salesforce",
    "https://api.status.salesforce.com/v1?instance=EU48",
    vendor="Salesforce",
)
NOW = dt.datetime(2026, 3, 8, 18, 0, tzinfo=dt.UTC)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client() as opened:
        yield opened


@pytest.fixture
def fetcher(client: httpx.Client) -> Fetcher:
    return Fetcher(client, Limits(), resolver=public_resolver())


def run(store: Store, fetcher: Fetcher, src: SourceConfig, now: dt.datetime) -> SourceOutcome:
    clock: Clock = lambda: now  # noqa: E731
    state = store.source_states().get(src.name)
    outcome = collect_source(store, fetcher, src, dict(state) if state else None, clock)
    assert (outcome.status, outcome.error, outcome.problems) == ("ok", None, [])
    return outcome


def test_currentevents_in_utf_16_stores_events_and_the_page_state(
    store: Store, fetcher: Fetcher
) -> None:
    with replay("aws/currentevents-open.yaml") as cassette:
        outcome = run(store, fetcher, CURRENT, NOW)
        assert cassette.all_played
    assert (outcome.stats.incidents_new, outcome.stats.updates_new) == (2, 4)
    rows = {row["title"]: row for row in store.incidents(IncidentQuery(limit=None))}
    assert {title: row["phase"] for title, row in rows.items()} == {
        "Increased API Error Rates": "identified",
        "Increased Invocation Latencies": "resolved",
    }
    assert rows["Increased API Error Rates"]["started_at"] == dt.datetime(
        2026, 3, 8, 15, 0, tzinfo=dt.UTC
    )
    state = read_page_statuses(store)["aws-health"]
    assert (state["indicator"], state["description"]) == ("major", "1 open event")
    assert [(c["name"], c["state"]) for c in state["components"]] == [
        ("Amazon Elastic Compute Cloud (N. Virginia)", "degraded_performance"),
        ("Amazon EC2 Auto Scaling (N. Virginia)", "degraded_performance"),
    ]


def test_a_quiet_dashboard_is_success_and_an_all_clear(store: Store, fetcher: Fetcher) -> None:
    with replay("aws/currentevents-quiet.yaml") as cassette:
        outcome = run(store, fetcher, CURRENT, NOW)
        assert cassette.all_played
    assert (outcome.stats.incidents_new, outcome.documents) == (0, 1)
    state = read_page_statuses(store)["aws-health"]
    assert (state["indicator"], state["description"], state["components"]) == (
        "none", "No open events", [],
    )  # fmt: skip


def test_the_legacy_data_json_is_stored_without_a_page_state(
    store: Store, fetcher: Fetcher
) -> None:
    with replay("aws/data-json-2022-06.yaml") as cassette:
        outcome = run(store, fetcher, LEGACY, dt.datetime(2022, 7, 1, tzinfo=dt.UTC))
        assert cassette.all_played
    assert outcome.stats.incidents_new == 86
    assert {row["phase"] for row in store.incidents(IncidentQuery(limit=None))} == {"resolved"}
    assert "aws-legacy" not in read_page_statuses(store)


def test_the_trust_api_answers_of_eu48(store: Store, fetcher: Fetcher) -> None:
    with replay("salesforce/eu48-2022-11.yaml") as cassette:
        outcome = run(store, fetcher, TRUST, dt.datetime(2022, 11, 6, 12, 0, tzinfo=dt.UTC))
        assert cassette.all_played  # /v1/incidents?instance=EU48 and /v1/maintenances?...
    assert (outcome.stats.incidents_new, outcome.documents) == (12, 2)
    rows = store.incidents(IncidentQuery(limit=None))
    assert sorted(row["kind"] for row in rows).count("maintenance") == 9


def trust_rows(store: Store, fetcher: Fetcher, now: dt.datetime) -> dict[str, Any]:
    with replay("salesforce/eu48-2022-11.yaml") as cassette:
        run(store, fetcher, TRUST, now)
        assert cassette.all_played
    return {row["title"]: row for row in store.incidents(IncidentQuery(limit=None))}


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_trust_incidents_are_resolved_at_their_impacts_end(store: Store, fetcher: Fetcher) -> None:
    rows = trust_rows(store, fetcher, dt.datetime(2022, 11, 6, 12, 0, tzinfo=dt.UTC))
    slow = rows["Slow data processing (EU48)"]
    assert (slow["kind"], slow["phase"], slow["impact"]) == ("incident", "resolved", "minor")
    assert (slow["started_at"], slow["resolved_at"]) == (
        utc("2022-10-04 12:31"),
        utc("2022-10-04 12:37"),
    )
    (update,) = store.updates_for([slow["id"]])[slow["id"]]
    assert (update["phase"], update["at"]) == ("investigating", utc("2022-10-04 13:01:42.406"))
    pages = rows["Page load delays (EU48)"]
    assert (pages["phase"], pages["resolved_at"]) == ("resolved", utc("2022-10-04 13:18"))


def test_trust_maintenances_are_scheduled_running_or_completed_by_their_payload(
    store: Store, fetcher: Fetcher
) -> None:
    """The day after the Winter '23 release: the release itself completed, Health Cloud's
    feature activation (window ended 10-15 23:00, its impact runs until 10-16 14:43) running."""
    rows = trust_rows(store, fetcher, dt.datetime(2022, 10, 16, 0, 0, tzinfo=dt.UTC))
    release = rows["Winter '23 Major Release"]
    assert (release["kind"], release["phase"]) == ("maintenance", "completed")
    assert release["resolved_at"] == utc("2022-10-14 23:05")
    thread = store.updates_for([release["id"]])[release["id"]]
    assert [(u["phase"], u["at"]) for u in thread] == [
        ("scheduled", utc("2022-08-14 23:00:51.502")),
        ("scheduled", utc("2022-10-03 23:03:13.381")),
        ("scheduled", utc("2022-10-14 22:50:06.279")),
        ("in_progress", utc("2022-10-14 23:00:13")),
        ("in_progress", utc("2022-10-14 23:01:25.084")),
        ("in_progress", utc("2022-10-14 23:19:24.278")),
    ]
    health = rows["Health Cloud - Winter '23 - Major Release"]
    assert (health["phase"], health["resolved_at"]) == ("in_progress", None)
    assert health["scheduled_until"] == utc("2022-10-15 23:00")
    ahead = rows["Database Maintenance with Site Switch"]
    assert (ahead["phase"], ahead["scheduled_for"]) == ("scheduled", utc("2022-12-18 03:00"))
