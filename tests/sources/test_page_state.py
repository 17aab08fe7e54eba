"""A page's stored state through collection runs on 127.0.0.1: stored with the run's incidents,
kept when a document of the run is broken, confirmed (its time moved on) when the page answers
304 for it, left as it was when the summary is not served. GitHub's real summary of 2022-11-25
(Packages in partial outage, one incident investigating)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from incident_feed.pipeline import collect_source
from incident_feed.sources.http import Fetcher
from incident_feed.store.database import IncidentQuery, Store
from incident_feed.store.page_status import read_page_statuses
from tests.conftest import FIXTURES, NOW
from tests.sources.conftest import source
from tests.sources.server import LocalServer, conditional, not_found, respond, sequence

SUMMARY = FIXTURES / "statuspage" / "githubstatus-summary" / "summary-2022-11-25.json"
pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])


def incidents_envelope() -> bytes:
    """``incidents.json`` as the page served it alongside the summary: its page and incidents."""
    summary = json.loads(SUMMARY.read_bytes())
    return json.dumps({"page": summary["page"], "incidents": summary["incidents"]}).encode()


def run(store: Store, fetcher: Fetcher, server: LocalServer, at: dt.datetime) -> Any:
    src = source("github-status", "statuspage", server.url("/"), vendor="GitHub")
    state = store.source_states().get("github-status")
    return collect_source(store, fetcher, src, state, lambda: at)


def page(store: Store) -> dict[str, Any]:
    return dict(read_page_statuses(store)["github-status"])


def test_the_page_state_is_kept_confirmed_by_304_and_never_replaced_by_a_broken_run(
    server: LocalServer, fetcher: Fetcher, store: Store
) -> None:
    server.route("/api/v2/summary.json", conditional(SUMMARY.read_bytes(), '"s1"'))
    server.route("/api/v2/incidents.json", conditional(incidents_envelope(), '"i1"'))
    server.route("/api/v2/scheduled-maintenances.json", conditional(b'{"scheduled_maintenances": []}', '"m1"'))  # fmt: skip
    first = run(store, fetcher, server, NOW)
    assert first.status == "ok", first.error
    assert (page(store)["indicator"], page(store)["fetched_at"]) == ("minor", NOW)
    # One incident: summary.json repeats the one incidents.json lists, read once.
    (incident,) = store.incidents(IncidentQuery(limit=None))
    assert incident["title"] == "Incident with Packages and Pages"
    assert first.stats.incidents_new == 1 and first.stats.updates_new == 7

    # Every document unchanged (304): the stored state holds at the time of the run.
    later = NOW + dt.timedelta(minutes=5)
    second = run(store, fetcher, server, later)
    assert (second.status, second.documents) == ("unchanged", 0)
    assert page(store)["fetched_at"] == later
    assert server.requests_to("/api/v2/summary.json")[-1].headers["if-none-match"] == '"s1"'

    # summary.json says all is well, but incidents.json is cut short: nothing of the run is
    # stored, the page state included.
    quiet = json.loads(SUMMARY.read_bytes())
    quiet["status"] = {"indicator": "none", "description": "All Systems Operational"}
    server.route("/api/v2/summary.json", respond(json.dumps(quiet).encode()))
    server.route("/api/v2/incidents.json", respond(incidents_envelope()[:500]))
    broken = run(store, fetcher, server, later + dt.timedelta(minutes=5))
    assert broken.status == "failed"
    assert "incidents.json" in str(broken.error)
    assert (page(store)["indicator"], page(store)["fetched_at"]) == ("minor", later)

    # The same summary with incidents.json whole again: the new state is stored.
    server.route("/api/v2/incidents.json", respond(incidents_envelope()))
    fixed = run(store, fetcher, server, later + dt.timedelta(minutes=10))
    assert fixed.status == "ok", fixed.error
    assert page(store)["indicator"] == "none"
    assert page(store)["description"] == "All Systems Operational"


def test_a_summary_no_longer_served_leaves_the_stored_state_as_old_as_it_is(
    server: LocalServer, fetcher: Fetcher, store: Store
) -> None:
    server.route("/api/v2/summary.json", sequence(respond(SUMMARY.read_bytes()), not_found()))
    server.route("/api/v2/incidents.json", conditional(incidents_envelope(), '"i1"'))
    server.route("/api/v2/scheduled-maintenances.json", not_found())
    assert run(store, fetcher, server, NOW).status == "ok"
    later = NOW + dt.timedelta(hours=1)
    outcome = run(store, fetcher, server, later)
    assert outcome.status == "unchanged"  # incidents.json 304, the summary 404 (a note)
    assert any("summary.json not served (404)" in p for p in outcome.problems)
    assert page(store)["fetched_at"] == NOW  # not confirmed: nothing said it still holds
