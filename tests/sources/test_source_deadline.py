"""One deadline for a source's whole fetch (``[settings.limits] source_deadline``), on 127.0.0.1.

A source whose documents each arrive within the per-request deadline, but not all of them within
the source's, fails at the source's deadline with nothing stored; a paging source stops asking
for pages; a detail cut by it fails the source instead of becoming a note; a fast source beside
them is unaffected. Each test bounds its own run time.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from incident_feed.clock import Clock
from incident_feed.errors import FetchError, SourceDeadlinePassed
from incident_feed.pipeline import collect, collect_source
from incident_feed.sources.incidentio import IncidentioCollector
from incident_feed.store.database import IncidentQuery, Store
from incident_feed.store.page_status import read_page_statuses
from tests.conftest import FIXTURES, make_config
from tests.sources.conftest import FetcherFactory, source
from tests.sources.server import (
    JSON,
    Exchange,
    Handler,
    LocalServer,
    drip,
    drip_headers,
    json_reply,
    not_found,
    respond,
)
from tests.sources.test_faults import timed

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])

SCOPE = 1.5  # the source deadline of these tests
MARGIN = 1.0  # room for a slow, shared machine; far below what the faults take unchecked
SUMMARY = FIXTURES / "statuspage" / "githubstatus-summary" / "summary-2022-11-25.json"
IO_SUMMARY = (
    FIXTURES / "platforms" / "incidentio" / "openai-proxy-widget-summary-quiet-2026-09-03.json"
)
INSTATUS = FIXTURES / "platforms" / "instatus" / "instatus-summary-wistia-up.json"
# 17 bytes at one byte per 0.06 s: about 1 s, inside the 1.3 s per-request deadline below.
SLOW_BODY = b'{"incidents": []}'


def later(handler: Handler, seconds: float) -> Handler:
    """``handler``'s answer, after ``seconds`` of silence."""

    def delayed(exchange: Exchange) -> None:
        if exchange.wait(seconds):
            handler(exchange)

    return delayed


def failed_with_the_source_deadline(outcome: Any, name: str) -> None:
    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error.startswith(f"{name}: the whole-source deadline of {SCOPE:g}s"), (
        outcome.error
    )


def test_two_dripping_documents_end_at_the_source_deadline(
    server: LocalServer, make_fetcher: FetcherFactory, store: Store, clock: Clock
) -> None:
    server.route("/slow/api/v2/incidents.json", drip(SLOW_BODY, interval=0.06))
    server.route("/slow/api/v2/scheduled-maintenances.json", drip(SLOW_BODY, interval=0.06))
    fetcher = make_fetcher(deadline=1.3, source_deadline=SCOPE)
    src = source("slow", "statuspage", server.url("/slow"))
    with timed(SCOPE + MARGIN) as elapsed:
        outcome = collect_source(store, fetcher, src, None, clock)
    assert elapsed[0] >= SCOPE * 0.95
    failed_with_the_source_deadline(outcome, "slow")
    assert "scheduled-maintenances.json" in outcome.error
    # The first document came whole (each is within its own deadline); the second was cut.
    assert server.count("/slow/api/v2/incidents.json") == 1
    assert server.count("/slow/api/v2/scheduled-maintenances.json") == 1
    assert server.count("/slow/api/v2/summary.json") == 0
    assert store.incidents(IncidentQuery(limit=None)) == []
    state = store.source_states()["slow"]
    assert (state["validators"], state["consecutive_failures"]) == ({}, 1)
    assert state["last_error"] == outcome.error


def test_a_slow_source_fails_at_its_deadline_and_a_fast_one_beside_it_is_unaffected(
    server: LocalServer, make_fetcher: FetcherFactory, store: Store, clock: Clock
) -> None:
    server.route("/slow/api/v2/incidents.json", drip(SLOW_BODY, interval=0.06))
    server.route("/slow/api/v2/scheduled-maintenances.json", drip(SLOW_BODY, interval=0.06))
    server.route("/fast/api/v2/incidents.json", respond(SUMMARY.read_bytes()))
    server.route(
        "/fast/api/v2/scheduled-maintenances.json", json_reply({"scheduled_maintenances": []})
    )
    server.route("/fast/api/v2/summary.json", respond(SUMMARY.read_bytes()))
    config = make_config(
        {"name": "slow", "vendor": "GitHub", "kind": "statuspage", "url": server.url("/slow")},
        {"name": "fast", "vendor": "GitHub", "kind": "statuspage", "url": server.url("/fast")},
    )
    with timed(SCOPE + MARGIN):
        report = collect(
            config, store, make_fetcher(deadline=1.3, source_deadline=SCOPE), clock=clock
        )
    slow, fast = report.outcomes
    failed_with_the_source_deadline(slow, "slow")
    assert (fast.status, fast.error, fast.documents) == ("ok", None, 3)
    assert fast.seconds < 1.0
    (incident,) = store.incidents(IncidentQuery(limit=None))
    assert incident["title"] == "Incident with Packages and Pages"
    assert list(read_page_statuses(store)) == ["fast"]


def paged(exchange: Exchange) -> None:
    """Cachet incidents, 50 a page, a page number's ids below the previous page's, 4 pages."""
    number = int(parse_qs(urlsplit(exchange.request.target).query).get("page", ["1"])[0])
    top = 200 - (number - 1) * 50
    data = [{"id": n, "name": f"Incident {n}"} for n in range(top, top - 50, -1)]
    body = {"meta": {"pagination": {"total": 200, "total_pages": 4}}, "data": data}
    exchange.send(200, json.dumps(body).encode(), {"Content-Type": JSON})


def test_a_paging_source_stops_asking_for_pages_at_the_deadline(
    server: LocalServer, make_fetcher: FetcherFactory, store: Store, clock: Clock
) -> None:
    # Each page answers after 0.6 s: pages 1 and 2 arrive, page 3 is cut, page 4 never asked for
    # (unscoped, all 4 pages would be read: 2.4 s).
    server.route("/api/v1/incidents", later(paged, 0.6))
    server.route("/api/v1/components", not_found())
    server.route("/api/v1/schedules", not_found())
    fetcher = make_fetcher(deadline=1.0, source_deadline=SCOPE)
    with timed(SCOPE + MARGIN):
        outcome = collect_source(
            store, fetcher, source("acme", "cachet", server.url("/")), None, clock
        )
    failed_with_the_source_deadline(outcome, "acme")
    pages = [
        parse_qs(urlsplit(r.target).query).get("page", ["1"])[0]
        for r in server.requests_to("/api/v1/incidents")
    ]
    assert pages == ["1", "2", "3"]
    assert store.incidents(IncidentQuery(limit=None)) == []
    assert store.source_states()["acme"]["cursor"] is None


def test_a_detail_cut_by_the_source_deadline_fails_the_source_instead_of_a_note(
    server: LocalServer,
    make_fetcher: FetcherFactory,
    store: Store,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # incident.io details that fail are notes, the rest stored; one cut by the source's deadline
    # is not: the source fails and its summary (fetched in time) is not stored either.
    ids = [f"01M1KWEDH417T2CF44YY{n:06d}" for n in range(3)]
    summary = json.loads(IO_SUMMARY.read_bytes())
    summary["summary"]["ongoing_incidents"] = [{"id": ident} for ident in ids]
    server.route("/proxy/127.0.0.1", json_reply(summary))
    server.route("/proxy/127.0.0.1/incidents", json_reply({"incidents": []}))
    for ident in ids:
        server.route(f"/proxy/127.0.0.1/incidents/{ident}", later(not_found(), 0.6))
    from incident_feed.sources import registry

    monkeypatch.setitem(registry.COLLECTORS, "incidentio", IncidentioCollector(max_details=3))
    fetcher = make_fetcher(deadline=1.0, source_deadline=SCOPE)
    src = source("local-io", "incidentio", server.url(), vendor="OpenAI")
    with timed(SCOPE + MARGIN):
        outcome = collect_source(store, fetcher, src, None, clock)
    failed_with_the_source_deadline(outcome, "local-io")
    assert outcome.problems == []
    assert [server.count(f"/proxy/127.0.0.1/incidents/{ident}") for ident in ids] == [1, 1, 1]
    assert read_page_statuses(store) == {}


def test_instatus_components_cut_by_the_source_deadline_fail_the_source_instead_of_a_note(
    server: LocalServer, make_fetcher: FetcherFactory, store: Store, clock: Clock
) -> None:
    server.route("/summary.json", respond(INSTATUS.read_bytes()))
    server.route("/v3/components.json", later(json_reply([]), 5.0))
    fetcher = make_fetcher(read_timeout=3.0, deadline=3.0, source_deadline=SCOPE)
    src = source("wistia", "instatus", server.url("/"), vendor="Wistia")
    with timed(SCOPE + MARGIN):
        outcome = collect_source(store, fetcher, src, None, clock)
    failed_with_the_source_deadline(outcome, "wistia")
    assert "components.json" in outcome.error
    assert read_page_statuses(store) == {}


def test_the_watchdog_cuts_a_header_drip_at_the_source_deadline(
    server: LocalServer, make_fetcher: FetcherFactory
) -> None:
    # The headers never finish and every read is inside the read timeout: only the watchdog ends
    # the request, at the source's deadline (1 s), not at the request's own (5 s).
    url = server.route("/drip-headers", drip_headers(interval=0.2, count=50))
    scoped = make_fetcher(deadline=5.0).scoped(1.0)
    with timed(1.0 + MARGIN) as elapsed, pytest.raises(SourceDeadlinePassed) as caught:
        scoped.get(url)
    assert elapsed[0] >= 0.95
    assert str(caught.value) == (
        f"the whole-source deadline of 1s (all its documents and pages) passed while fetching {url}"
    )


def test_the_request_deadline_still_holds_within_a_longer_scope(
    server: LocalServer, make_fetcher: FetcherFactory
) -> None:
    url = server.route("/drip", drip(b"x" * 50, interval=0.2))
    scoped = make_fetcher(deadline=1.0).scoped(10.0)
    with timed(1.0 + MARGIN), pytest.raises(FetchError) as caught:
        scoped.get(url)
    assert type(caught.value) is FetchError
    assert "took longer than the 1s deadline" in str(caught.value)


def test_a_spent_scope_sends_nothing_and_scoping_again_never_extends_it(
    server: LocalServer, make_fetcher: FetcherFactory
) -> None:
    url = server.route("/doc", json_reply({"incidents": []}))
    now = [100.0]
    fetcher = make_fetcher(deadline=30.0, clock=lambda: now[0])
    outer = fetcher.scoped(5.0)
    inner = outer.scoped(10.0)  # ends with the outer scope, at 105
    shorter = outer.scoped(2.0)  # ends at 102
    assert inner.get(url).status == 200
    now[0] = 103.0
    assert inner.get(url).status == 200
    with pytest.raises(SourceDeadlinePassed, match="whole-source deadline of 2s"):
        shorter.get(url)
    now[0] = 105.0
    with pytest.raises(SourceDeadlinePassed, match="whole-source deadline of 5s"):
        inner.get(url)
    assert fetcher.get(url).status == 200  # the fetcher itself has no scope
    assert server.count("/doc") == 3
