"""A body served again unchanged, by a server that sends no validators (or ignores them), is
taken as not modified from its SHA-256: nothing parsed, nothing written but the source's
bookkeeping, the page state confirmed as for a 304. A changed body is parsed; a run that did not
store whole keeps no digest, so its documents are read again. On 127.0.0.1, with GitHub's real
summary of 2022-11-25."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from incident_feed.errors import PayloadError
from incident_feed.pipeline import SourceOutcome, collect_source
from incident_feed.sources.http import Fetcher, Validators, body_digest
from incident_feed.sources.incidentio import IncidentioCollector
from incident_feed.sources.statuspage import StatuspageCollector
from incident_feed.store.database import IncidentQuery, Store
from incident_feed.store.page_status import read_page_statuses
from tests.conftest import FIXTURES, NOW
from tests.sources.conftest import source
from tests.sources.server import Exchange, LocalServer, json_reply, respond, sequence

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])

SUMMARY = FIXTURES / "statuspage" / "githubstatus-summary" / "summary-2022-11-25.json"
IO = FIXTURES / "platforms" / "incidentio"
IO_SUMMARY = IO / "openai-proxy-widget-summary-quiet-2026-09-03.json"
IO_INCIDENT = IO / "openai-proxy-incident-01M1KWEDH417T2CF44YYHZDFCR-resolved.json"
IO_ID = "01M1KWEDH417T2CF44YYHZDFCR"
MAINTENANCES = b'{"scheduled_maintenances": []}'
_WRITE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)


def incidents_envelope(incidents: list[Any] | None = None) -> bytes:
    """``incidents.json`` as the page served it with the summary: its page and incidents."""
    summary = json.loads(SUMMARY.read_bytes())
    listed = summary["incidents"] if incidents is None else incidents
    return json.dumps({"page": summary["page"], "incidents": listed}).encode()


def summary_without_incidents() -> bytes:
    """The real summary with its incident left out (incidents.json alone brings it)."""
    summary = json.loads(SUMMARY.read_bytes())
    summary["incidents"] = []
    return json.dumps(summary).encode()


@pytest.fixture
def written(store: Store) -> Iterator[Counter[str]]:
    """Rows changed per table (``rowcount`` of every INSERT, UPDATE and DELETE) from now on."""
    rows: Counter[str] = Counter()

    def seen(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        match = _WRITE.match(statement)
        if match and cursor.rowcount and cursor.rowcount > 0:
            rows[match.group(1).lower()] += cursor.rowcount

    event.listen(store.engine, "after_cursor_execute", seen)
    yield rows
    event.remove(store.engine, "after_cursor_execute", seen)


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the documents the Statuspage and incident.io collectors parse."""
    seen: list[str] = []
    for collector in (StatuspageCollector, IncidentioCollector):
        original = collector.parse

        def counting(self: Any, document: Any, context: Any, original: Any = original) -> Any:
            seen.append(document.url.split("/", 3)[3])
            return original(self, document, context)

        monkeypatch.setattr(collector, "parse", counting)
    return seen


def run(store: Store, fetcher: Fetcher, server: LocalServer, at: dt.datetime) -> SourceOutcome:
    src = source("github-status", "statuspage", server.url("/"), vendor="GitHub")
    state = store.source_states().get(src.name)
    return collect_source(store, fetcher, src, state, lambda: at)


def serve_github(server: LocalServer, incidents: Any = None) -> None:
    server.route("/api/v2/summary.json", respond(SUMMARY.read_bytes()))
    server.route("/api/v2/incidents.json", incidents or respond(incidents_envelope()))
    server.route("/api/v2/scheduled-maintenances.json", respond(MAINTENANCES))


def test_the_same_bodies_without_validators_are_not_parsed_and_write_only_bookkeeping(
    server: LocalServer, fetcher: Fetcher, store: Store, parsed: list[str], written: Counter[str]
) -> None:
    serve_github(server)
    first = run(store, fetcher, server, NOW)
    assert (first.status, first.stats.incidents_new, first.stats.updates_new) == ("ok", 1, 7)
    assert len(parsed) == 3
    state = store.source_states()["github-status"]
    assert state["validators"][server.url("/api/v2/incidents.json")] == {
        "digest": body_digest(incidents_envelope())
    }
    incidents = store.incidents(IncidentQuery(limit=None))
    updates = store.updates_for([row["id"] for row in incidents])
    parsed.clear()
    written.clear()

    later = NOW + dt.timedelta(minutes=5)
    second = run(store, fetcher, server, later)
    assert (second.status, second.error, second.documents) == ("unchanged", None, 0)
    assert parsed == []
    assert server.count() == 6  # every body was fetched again: the digest spared the parse
    # The source's bookkeeping row, and the page state confirmed as for a 304; nothing else.
    assert written == Counter({"source": 1, "page_status": 1})
    assert read_page_statuses(store)["github-status"]["fetched_at"] == later
    assert store.incidents(IncidentQuery(limit=None)) == incidents
    assert store.updates_for([row["id"] for row in incidents]) == updates
    assert store.source_states()["github-status"]["last_success_at"] == later


def test_a_changed_body_is_parsed_and_its_new_digest_kept(
    server: LocalServer, fetcher: Fetcher, store: Store, parsed: list[str]
) -> None:
    empty = incidents_envelope([])
    serve_github(server, sequence(respond(empty), respond(incidents_envelope())))
    server.route("/api/v2/summary.json", respond(summary_without_incidents()))
    assert run(store, fetcher, server, NOW).stats.incidents_new == 0
    parsed.clear()
    second = run(store, fetcher, server, NOW + dt.timedelta(minutes=5))
    assert (second.status, second.stats.incidents_new, second.stats.updates_new) == ("ok", 1, 7)
    assert parsed == ["api/v2/incidents.json"]  # the other two came back the same
    kept = store.source_states()["github-status"]["validators"]
    assert kept[server.url("/api/v2/incidents.json")]["digest"] == body_digest(incidents_envelope())


def test_a_server_ignoring_if_none_match_is_judged_by_the_body_not_the_etag(
    server: LocalServer, fetcher: Fetcher, store: Store, parsed: list[str]
) -> None:
    """A new ETag on every answer over the same body is unchanged; the same ETag over a changed
    body is a change."""
    answers = [0]

    def fresh_etag(exchange: Exchange) -> None:
        answers[0] += 1
        headers = {"Content-Type": "application/json", "ETag": f'"r{answers[0]}"'}
        exchange.send(200, incidents_envelope(), headers)

    serve_github(server, fresh_etag)
    assert run(store, fetcher, server, NOW).status == "ok"
    parsed.clear()
    assert run(store, fetcher, server, NOW).status == "unchanged"
    assert parsed == []
    assert server.requests_to("/api/v2/incidents.json")[-1].headers["if-none-match"] == '"r1"'

    stuck = {"ETag": '"same"'}
    server.route(
        "/api/v2/incidents.json",
        sequence(
            respond(incidents_envelope([]), headers=stuck),
            respond(incidents_envelope(), headers=stuck),
        ),
    )
    server.route("/api/v2/summary.json", respond(summary_without_incidents()))
    assert run(store, fetcher, server, NOW).status == "ok"
    parsed.clear()
    changed = run(store, fetcher, server, NOW)
    assert parsed == ["api/v2/incidents.json"]
    assert changed.status == "ok" and changed.stats.updates_changed + changed.stats.updates_new == 0


def test_a_run_that_did_not_store_keeps_no_digest_so_its_bodies_are_read_again(
    server: LocalServer,
    fetcher: Fetcher,
    store: Store,
    parsed: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    serve_github(server)
    original = StatuspageCollector.parse  # the counting one

    def refuse_incidents(self: Any, document: Any, context: Any) -> Any:
        if document.url.endswith("incidents.json"):
            raise PayloadError("refused by the test")
        return original(self, document, context)

    monkeypatch.setattr(StatuspageCollector, "parse", refuse_incidents)
    failed = run(store, fetcher, server, NOW)
    assert failed.status == "failed" and "refused by the test" in (failed.error or "")
    assert store.source_states()["github-status"]["validators"] == {}
    monkeypatch.setattr(StatuspageCollector, "parse", original)
    parsed.clear()
    again = run(store, fetcher, server, NOW)
    assert (again.status, again.documents) == ("ok", 3)
    assert sorted(parsed) == [
        "api/v2/incidents.json",
        "api/v2/scheduled-maintenances.json",
        "api/v2/summary.json",
    ]
    (incident,) = store.incidents(IncidentQuery(limit=None))
    assert incident["title"] == "Incident with Packages and Pages"


def test_incidentio_reads_its_summary_every_run_and_skips_a_same_history_and_detail(
    server: LocalServer, fetcher: Fetcher, store: Store, parsed: list[str]
) -> None:
    summary = json.loads(IO_SUMMARY.read_bytes())
    summary["summary"]["ongoing_incidents"] = [{"id": IO_ID}]
    server.route("/proxy/127.0.0.1", json_reply(summary))
    server.route("/proxy/127.0.0.1/incidents", json_reply({"incidents": []}))
    server.route(f"/proxy/127.0.0.1/incidents/{IO_ID}", respond(IO_INCIDENT.read_bytes()))
    src = source("local-io", "incidentio", server.url(), vendor="OpenAI")
    first = collect_source(store, fetcher, src, None, lambda: NOW)
    assert (first.status, first.documents, first.stats.incidents_new) == ("ok", 3, 1)
    parsed.clear()
    state = store.source_states()["local-io"]
    second = collect_source(store, fetcher, src, state, lambda: NOW)
    assert (second.status, second.error, second.documents) == ("ok", None, 1)
    assert parsed == ["proxy/127.0.0.1"]  # the summary says what to fetch: always read
    assert second.stats.rows_written == 0
    assert set(store.source_states()["local-io"]["validators"]) == {
        server.url("/proxy/127.0.0.1/incidents"),
        server.url(f"/proxy/127.0.0.1/incidents/{IO_ID}"),
    }


def test_validators_read_back_only_a_well_formed_digest() -> None:
    digest = body_digest(b"{}")
    assert Validators.from_json({"etag": '"e"', "digest": digest}) == Validators(
        '"e"', None, digest
    )
    assert Validators(digest=digest).as_json() == {"digest": digest}
    for bad in ("", "0" * 63, "G" * 64, digest.upper(), 5, None):
        assert Validators.from_json({"digest": bad}).digest is None
