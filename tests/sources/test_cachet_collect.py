"""A Cachet page collected on 127.0.0.1: incidents read newest first in bounded pages (the
cursor keeps the newest id, so a later run reads one page), Cachet 2.4's schedules stored as
maintenances, a missing /schedules (Cachet 2.3) a note, a wrong body one clear error.

Pages are derived from the andygrunwald/cachet test response
(tests/data/fixtures/platforms/cachet/README.md): the same incident with other ids.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from incident_feed.clock import Clock
from incident_feed.config import SourceConfig
from incident_feed.pipeline import SourceOutcome, collect_source
from incident_feed.sources.cachet import MAX_PAGES, PAGE_SIZE
from incident_feed.sources.http import Fetcher
from incident_feed.store.database import IncidentQuery, Store
from tests.conftest import FIXTURES
from tests.sources.conftest import source
from tests.sources.server import JSON, Exchange, LocalServer, json_reply, respond

FOLDER = FIXTURES / "platforms" / "cachet"
INCIDENT: dict[str, Any] = json.loads((FOLDER / "incidents-2.4-doc-example.json").read_bytes())[
    "data"
][0]

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])


def incidents(total: int, *, claimed_pages: int | None = None) -> Callable[[Exchange], None]:
    """Incidents ``total`` .. 1, newest first, served ``per_page`` at a time by ``page``."""

    def handler(exchange: Exchange) -> None:
        query = parse_qs(urlsplit(exchange.request.target).query)
        per_page = int(query["per_page"][0])
        number = int(query.get("page", ["1"])[0])
        assert (query["sort"], query["order"]) == (["id"], ["desc"])
        top = total - (number - 1) * per_page
        ids = range(top, max(top - per_page, 0), -1)
        pages = claimed_pages or -(-total // per_page)
        data = [
            {**INCIDENT, "id": n, "name": f"Incident {n}", "permalink": f"http://x/incidents/{n}",
             "updates": [{**INCIDENT["updates"][0], "id": n * 10, "incident_id": n}]}
            for n in ids
        ]  # fmt: skip
        body = {"meta": {"pagination": {"total": total, "total_pages": pages}}, "data": data}
        exchange.send(200, json.dumps(body).encode(), {"Content-Type": JSON})

    return handler


def page(server: LocalServer) -> SourceConfig:
    # The page's times carry no offset: the source says which zone they are in.
    return replace(source("acme", "cachet", server.url("/"), "Acme"), timezone="Europe/Berlin")


def run(store: Store, fetcher: Fetcher, src: SourceConfig, clock: Clock) -> SourceOutcome:
    outcome = collect_source(store, fetcher, src, store.source_states().get(src.name), clock)
    assert outcome.status == "ok", outcome.error
    return outcome


def by_native_id(store: Store) -> dict[str, Any]:
    """The stored incidents keyed by the id the page gave them."""
    rows = {row["id"]: row for row in store.incidents(IncidentQuery(limit=None))}
    records = store.records_for(list(rows))
    return {r["native_id"]: rows[i] for i, found in records.items() for r in found}


def pages_read(server: LocalServer) -> list[str]:
    return [
        parse_qs(urlsplit(r.target).query).get("page", ["1"])[0]
        for r in server.requests_to("/api/v1/incidents")
    ]


def test_a_first_run_reads_bounded_pages_and_later_runs_one(
    server: LocalServer, fetcher: Fetcher, store: Store, clock: Clock
) -> None:
    server.route("/api/v1/components", json_reply(FOLDER / "components-doc-example.json"))
    server.route("/api/v1/incidents", incidents(460))
    first = run(store, fetcher, page(server), clock)
    assert pages_read(server) == ["1", "2", "3", "4"]
    assert first.stats.incidents_new == MAX_PAGES * PAGE_SIZE == 200
    assert "incidents: 10 pages; the newest 200 read" in first.problems
    assert "/api/v1/schedules" in " ".join(first.problems)  # Cachet 2.3: none (404), a note
    assert min(int(n) for n in by_native_id(store)) == 261
    # A second run with 3 new incidents: page 1 reaches the newest stored id; nothing more.
    server.route("/api/v1/incidents", incidents(463))
    second = run(store, fetcher, page(server), clock)
    assert pages_read(server)[4:] == ["1"]
    assert second.stats.incidents_new == 3
    # More new incidents than a page holds: the next page too, until a stored id shows.
    server.route("/api/v1/incidents", incidents(463 + 70))
    third = run(store, fetcher, page(server), clock)
    assert pages_read(server)[5:] == ["1", "2"]
    assert third.stats.incidents_new == 70


def test_a_server_ignoring_page_or_claiming_endless_pages_is_bounded(
    server: LocalServer, fetcher: Fetcher, store: Store, clock: Clock
) -> None:
    fixed = json.loads((FOLDER / "incidents-2.4-doc-example.json").read_bytes())
    fixed["meta"]["pagination"]["total_pages"] = 10**12
    server.route("/api/v1/incidents", json_reply(fixed))  # the same page whatever ``page`` says
    outcome = run(store, fetcher, page(server), clock)
    assert pages_read(server) == ["1", "2"]  # page 2 repeats page 1: stop
    assert outcome.stats.incidents_new == 1
    server.route("/api/v1/incidents", incidents(40_000, claimed_pages=10**12))
    store_two = Store.open("sqlite://")
    try:
        run(store_two, fetcher, page(server), clock)
    finally:
        store_two.close()
    assert pages_read(server)[2:] == ["1", "2", "3", "4"]


def test_schedules_are_stored_as_maintenances_with_named_components(
    server: LocalServer, fetcher: Fetcher, store: Store, clock: Clock
) -> None:
    schedules = json.loads((FOLDER / "schedules-2.4-go-client.json").read_bytes())
    schedules["data"][0]["components"] = [{"id": 9, "schedule_id": 1, "component_id": 1}]
    server.route("/api/v1/components", json_reply(FOLDER / "components-doc-example.json"))
    server.route("/api/v1/schedules", json_reply(schedules))
    server.route("/api/v1/incidents", json_reply(FOLDER / "incidents-2.4-doc-example.json"))
    outcome = run(store, fetcher, page(server), clock)
    assert (outcome.documents, outcome.problems) == (3, [])
    (target,) = [r.target for r in server.requests_to("/api/v1/schedules")]
    assert target == "/api/v1/schedules?sort=id&order=desc&per_page=50"
    rows = by_native_id(store)
    assert sorted(rows) == ["1", "schedule-1"]
    maintenance = rows["schedule-1"]
    assert (maintenance["kind"], maintenance["title"], maintenance["phase"]) == (
        "maintenance", "Schedule Name", "completed",
    )  # fmt: skip
    assert maintenance["url"] == server.url("/schedules/1")


@pytest.mark.parametrize(
    "body",
    [
        respond("<!DOCTYPE html><html><body>Cachet</body></html>", content_type="text/html"),
        respond('{"data": {"id": 1}}'),
        respond('{"data": [1, 2'),
    ],
)
def test_a_wrong_incidents_body_is_one_error_naming_it(
    server: LocalServer, fetcher: Fetcher, store: Store, clock: Clock, body: Any
) -> None:
    server.route("/api/v1/incidents", body)
    src = page(server)
    outcome = collect_source(store, fetcher, src, None, clock)
    assert outcome.status == "failed"
    assert outcome.error is not None and "/api/v1/incidents" in outcome.error
    assert store.incidents(IncidentQuery(limit=None)) == []
    assert pages_read(server) == ["1"]
