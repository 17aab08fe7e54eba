"""A document is whole or it is an error: a truncated payload served after the full one, from a
real server on 127.0.0.1, changes no row and is one recorded error for its source.

The GitHub feed is a real ``history.atom``; its first half (36,957 of 73,915 bytes) still parses
with feedparser, 13 entries, the last one empty: applied, it reopened a resolved incident.
"""

from __future__ import annotations

from typing import Any

import pytest

from incident_feed.pipeline import Clock, collect
from incident_feed.sources.http import Fetcher
from incident_feed.store.database import IncidentQuery, Store
from tests.conftest import FIXTURES, make_config
from tests.sources.server import LocalServer, respond, sequence

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])

FEED = FIXTURES / "feeds" / "githubstatus" / "history-2024-04-13.atom"
SUMMARY = FIXTURES / "statuspage" / "githubstatus-summary" / "summary-2022-11-25.json"
ATOM = "application/atom+xml; charset=utf-8"


def rows(store: Store) -> dict[str, Any]:
    """Every incident, update and source record, row for row."""
    incidents = store.incidents(IncidentQuery(limit=None))
    ids = [row["id"] for row in incidents]
    return {
        "incidents": {row["id"]: dict(row) for row in incidents},
        "updates": {
            incident_id: [dict(row) for row in updates]
            for incident_id, updates in store.updates_for(ids).items()
        },
        "records": store.count("record"),
    }


@pytest.mark.parametrize(
    ("kind", "path", "body", "content_type", "message"),
    [
        pytest.param(
            "feed", "/history.atom", FEED, ATOM, "malformed XML at line 113", id="atom-feed"
        ),
        pytest.param(
            "statuspage",
            "/api/v2/incidents.json",
            SUMMARY,
            "application/json",
            "invalid JSON",
            id="statuspage-json",
        ),
    ],
)
def test_truncated_document_after_the_full_one_changes_nothing(
    server: LocalServer,
    fetcher: Fetcher,
    store: Store,
    clock: Clock,
    kind: str,
    path: str,
    body: Any,
    content_type: str,
    message: str,
) -> None:
    full = body.read_bytes()
    half = full[: len(full) // 2]
    if kind == "feed":
        assert (len(full), len(half)) == (73_915, 36_957)
    server.route(
        path,
        sequence(
            respond(full, content_type=content_type), respond(half, content_type=content_type)
        ),
    )
    url = server.url(path if kind == "feed" else "/")
    config = make_config({"name": "github", "vendor": "GitHub", "kind": kind, "url": url})

    first = collect(config, store, fetcher, clock=clock)
    assert first.ok, first.outcomes[0].error
    before = rows(store)
    assert before["incidents"]
    if kind == "feed":
        # The incident the half feed used to reopen is resolved.
        assert before["incidents"]["github-q3gl44chgxwv"]["phase"] == "resolved"

    second = collect(config, store, fetcher, clock=clock)
    (outcome,) = second.outcomes
    assert outcome.status == "failed"
    assert outcome.stats.rows_written == 0
    assert outcome.error is not None
    assert outcome.error.startswith("github: ")
    assert message in outcome.error
    assert rows(store) == before

    state = store.source_states()["github"]
    assert state["consecutive_failures"] == 1
    assert state["last_error"] == outcome.error
    (run, _) = store.last_runs(2)
    assert run["errors"] == [{"source": "github", "message": outcome.error}]
    assert server.count(path) == 2
