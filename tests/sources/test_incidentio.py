"""The incidentio collector: real OpenAI payloads replayed from ``cassettes/incidentio/``, and
faults from the scripted server on 127.0.0.1 (a detail that 404s, a summary listing 10,000
incidents, ids that must not reach a URL, rate limiting)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from incident_feed.clock import Clock
from incident_feed.config import Limits, SourceConfig
from incident_feed.enums import ComponentState, Impact
from incident_feed.errors import ConfigError
from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.pipeline import SourceOutcome, collect_source
from incident_feed.sources.http import Fetcher, make_client
from incident_feed.sources.incidentio import (
    IncidentioCollector,
    detail_url,
    history_url,
    page_of,
    summary_url,
)
from incident_feed.store.database import IncidentQuery, Store
from incident_feed.store.queries import IncidentFilter, count_incidents
from tests.conftest import FIXTURES, NOW
from tests.sources.conftest import public_resolver, replay, source
from tests.sources.server import LocalServer, json_reply, not_found, respond

FOLDER = FIXTURES / "platforms" / "incidentio"
SUMMARY = FOLDER / "openai-proxy-widget-summary-quiet-2026-09-03.json"
INCIDENT = FOLDER / "openai-proxy-incident-01M1KWEDH417T2CF44YYHZDFCR-resolved.json"
INCIDENT_ID = "01M1KWEDH417T2CF44YYHZDFCR"
PAGE = "https://status.openai.com"
OPENAI = source("openai-status", "incidentio", PAGE, vendor="OpenAI")
FEED = source("openai-feed", "feed", f"{PAGE}/history.atom", vendor="OpenAI")


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
    return collect_source(store, fetcher, src, dict(state) if state else None, clock)


def summary_result(collector: IncidentioCollector, fetcher: Fetcher) -> ParseResult:
    """What the run's first document, the summary, gives."""
    fetched = collector.fetch(OPENAI, fetcher, {})
    context = Context(OPENAI.name, OPENAI.kind, OPENAI.vendor, NOW)
    return collector.parse(fetched.documents[0], context)


def test_urls_come_from_the_page_address() -> None:
    assert summary_url(PAGE) == f"{PAGE}/proxy/status.openai.com"
    assert summary_url(f"{PAGE}/history?x=1") == f"{PAGE}/proxy/status.openai.com"
    assert history_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080/proxy/127.0.0.1/incidents"
    assert detail_url(PAGE, "X1") == f"{PAGE}/proxy/status.openai.com/incidents/X1"
    assert page_of(f"{PAGE}/proxy/status.openai.com/incidents") == PAGE
    assert page_of("/tmp/saved.json") is None
    with pytest.raises(ConfigError, match="not an http"):
        summary_url("ftp://status.openai.com")


@pytest.mark.block_network
def test_the_quiet_page_is_a_success_with_a_page_status_and_its_history(
    store: Store, fetcher: Fetcher, clock: Clock
) -> None:
    with replay("incidentio/openai-quiet.yaml") as cassette:
        outcome = run(store, fetcher, OPENAI, clock)
        assert cassette.all_played  # the summary and the history, no detail
    assert (outcome.status, outcome.error, outcome.problems) == ("ok", None, [])
    assert outcome.documents == 2
    # The history's one (resolved) incident; the quiet summary itself lists nothing.
    assert (outcome.stats.incidents_new, outcome.stats.updates_new) == (1, 3)
    (row,) = store.incidents(IncidentQuery(limit=None))
    assert (row["phase"], row["url"]) == ("resolved", f"{PAGE}/incidents/{INCIDENT_ID}")
    with replay("incidentio/openai-quiet.yaml"):
        summary = summary_result(IncidentioCollector(), fetcher)
    assert (summary.drafts, summary.problems) == ((), ())  # the quiet page: no incident
    status = summary.status
    assert status is not None
    assert status.indicator is Impact.NONE
    assert len(status.components) == 34
    assert {c.state for c in status.components} == {ComponentState.OPERATIONAL}


@pytest.mark.block_network
def test_an_ongoing_incident_is_fetched_and_stored_once_with_its_components(
    store: Store, fetcher: Fetcher, clock: Clock
) -> None:
    with replay("incidentio/openai-ongoing.yaml") as cassette:
        outcome = run(store, fetcher, OPENAI, clock)
        assert cassette.all_played  # summary, history and the listed incident's detail
    assert (outcome.status, outcome.error, outcome.problems) == ("ok", None, [])
    assert outcome.documents == 3
    (row,) = store.incidents(IncidentQuery(limit=None))
    assert row["title"] == "Elevated errors across ChatGPT and Codex"
    assert (row["kind"], row["phase"], row["impact"]) == ("incident", "resolved", "minor")
    assert row["started_at"] == dt.datetime(2026, 9, 3, 14, 43, tzinfo=dt.UTC)
    assert row["resolved_at"] == dt.datetime(2026, 9, 3, 16, 55, 49, 46000, tzinfo=dt.UTC)
    names = {c["name"] for c in row["components"]}
    assert len(names) == 19 and "ChatGPT / Login" in names and "Codex / CLI" in names
    updates = store.updates_for([row["id"]])[row["id"]]
    assert [u["phase"] for u in updates] == ["investigating", "monitoring", "resolved"]
    assert [u["at"].utcoffset() for u in updates] == [dt.timedelta(0)] * 3
    assert {len(u["components"]) for u in updates} == {19}
    # The outage filter finds it by a group: the group is part of each component's name.
    assert count_incidents(store, IncidentFilter(components=("chatgpt",), now=NOW)) == 1
    assert count_incidents(store, IncidentFilter(components=("fedramp",), now=NOW)) == 0
    with replay("incidentio/openai-ongoing.yaml"):
        status = summary_result(IncidentioCollector(), fetcher).status
    assert status is not None and status.indicator is Impact.MINOR
    assert status.description == "Degraded performance; 1 ongoing incident"
    with replay("incidentio/openai-ongoing.yaml"):
        again = run(store, fetcher, OPENAI, clock)
    assert again.stats.rows_written == 0


@pytest.mark.block_network
def test_the_atom_feed_and_the_api_make_one_incident(
    store: Store, fetcher: Fetcher, clock: Clock
) -> None:
    with replay("incidentio/openai-history-atom.yaml"):
        feed = run(store, fetcher, FEED, clock)
    assert feed.stats.incidents_new == 4
    with replay("incidentio/openai-ongoing.yaml"):
        api = run(store, fetcher, OPENAI, clock)
    assert api.stats.incidents_new == 0  # the API's incident is the feed's incident
    rows = store.incidents(IncidentQuery(limit=None))
    assert len(rows) == 4
    (row,) = [r for r in rows if r["title"] == "Elevated errors across ChatGPT and Codex"]
    assert row["url"] == f"{PAGE}/incidents/{INCIDENT_ID}"
    records = store.records_for([row["id"]])[row["id"]]
    assert sorted(r["source_name"] for r in records) == ["openai-feed", "openai-status"]
    assert all("//incidents" not in (r["url"] or "") for r in records)


# -- faults, on 127.0.0.1 --------------------------------------------------------------------------

pytest_local = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])


def local_summary(ongoing: list[Any]) -> dict[str, Any]:
    """The real quiet summary, listing ``ongoing`` as its ongoing incidents."""
    summary = json.loads(SUMMARY.read_bytes())
    summary["summary"]["ongoing_incidents"] = ongoing
    return summary


def local_source(server: LocalServer) -> SourceConfig:
    return source("local-io", "incidentio", server.url(), vendor="OpenAI")


@pytest_local
def test_a_detail_that_404s_is_a_note_and_the_rest_is_stored(
    store: Store, server: LocalServer, make_fetcher: Any, clock: Clock
) -> None:
    gone = "01M1KWEDH417T2CF44YYHZDFC9"
    server.route("/proxy/127.0.0.1", json_reply(local_summary([{"id": gone}, {"id": INCIDENT_ID}])))
    server.route("/proxy/127.0.0.1/incidents", not_found())
    server.route(f"/proxy/127.0.0.1/incidents/{gone}", not_found())
    server.route(f"/proxy/127.0.0.1/incidents/{INCIDENT_ID}", json_reply(INCIDENT))
    outcome = run(store, make_fetcher(), local_source(server), clock)
    assert (outcome.status, outcome.error) == ("ok", None)
    assert outcome.problems == [
        f"the history not served (404): {server.url('/proxy/127.0.0.1/incidents')}",
        f"incident {gone} not served (404): {server.url(f'/proxy/127.0.0.1/incidents/{gone}')}",
    ]
    (row,) = store.incidents(IncidentQuery(limit=None))
    assert row["title"] == "Elevated errors across ChatGPT and Codex"
    assert "ChatGPT / Login" in {c["name"] for c in row["components"]}


@pytest_local
def test_a_summary_listing_10000_incidents_fetches_at_most_max_details(
    store: Store, server: LocalServer, make_fetcher: Any, clock: Clock, monkeypatch: Any
) -> None:
    listed = [{"id": f"01M1KWEDH417T2CF44YY{n:06d}"} for n in range(10_000)]
    listed += [{"id": "../../admin"}, {"id": "x?y=1"}, {"id": 7}]
    server.route("/proxy/127.0.0.1", json_reply(local_summary(listed)))
    for item in listed[:3]:
        server.route(f"/proxy/127.0.0.1/incidents/{item['id']}", json_reply(INCIDENT))
    from incident_feed.sources import registry

    monkeypatch.setitem(registry.COLLECTORS, "incidentio", IncidentioCollector(max_details=3))
    outcome = run(store, make_fetcher(), local_source(server), clock)
    assert (outcome.status, outcome.error) == ("ok", None)
    details = [r.path for r in server.requests if "/incidents/" in r.path]
    assert details == [f"/proxy/127.0.0.1/incidents/{item['id']}" for item in listed[:3]]
    assert server.count() == 5  # summary, history (404), three details
    assert (
        "10,000 ongoing incidents and maintenances listed; details fetched for the first 3"
        in outcome.problems
    )
    assert "3 listed items without a usable incident.io id: not fetched" in outcome.problems
    assert len(store.incidents(IncidentQuery(limit=None))) == 1


@pytest_local
def test_a_broken_summary_fails_the_source_and_stores_nothing(
    store: Store, server: LocalServer, make_fetcher: Any, clock: Clock
) -> None:
    server.route("/proxy/127.0.0.1", respond(b'{"summary": {"components": [', 200))
    server.route("/proxy/127.0.0.1/incidents", json_reply({"incidents": []}))
    outcome = run(store, make_fetcher(), local_source(server), clock)
    assert outcome.status == "failed"
    assert outcome.error is not None and "invalid JSON" in outcome.error
    assert store.incidents(IncidentQuery(limit=None)) == []


@pytest_local
def test_a_rate_limited_detail_defers_the_source(
    store: Store, server: LocalServer, make_fetcher: Any, clock: Clock
) -> None:
    server.route("/proxy/127.0.0.1", json_reply(local_summary([{"id": INCIDENT_ID}])))
    server.route("/proxy/127.0.0.1/incidents", json_reply({"incidents": []}))
    server.route(
        f"/proxy/127.0.0.1/incidents/{INCIDENT_ID}",
        respond(b"slow down", 429, {"Retry-After": "120"}, content_type="text/plain"),
    )
    outcome = run(store, make_fetcher(), local_source(server), clock)
    assert outcome.status == "failed"
    assert outcome.error is not None and "HTTP 429" in outcome.error
    assert outcome.error.endswith("retry after 120s")
    until = store.source_states()["local-io"]["retry_after_until"]
    assert until == NOW + dt.timedelta(seconds=120)
