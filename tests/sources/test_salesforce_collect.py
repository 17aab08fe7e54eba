"""A Salesforce Trust source collected on 127.0.0.1 from the real EU48 answers: its query kept,
incidents and maintenances stored, a second run writing nothing new."""

from __future__ import annotations

import pytest

from incident_feed.clock import Clock
from incident_feed.pipeline import collect_source
from incident_feed.sources.http import Fetcher
from incident_feed.store.database import IncidentQuery, Store
from tests.conftest import FIXTURES
from tests.sources.conftest import source
from tests.sources.server import LocalServer, json_reply

FOLDER = FIXTURES / "platforms" / "salesforce"

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])


def test_incidents_and_maintenances_are_stored(
    server: LocalServer, fetcher: Fetcher, store: Store, clock: Clock
) -> None:
    server.route(
        "/v1/incidents", json_reply(FOLDER / "salesforce-trust-incidents-EU48-es-2022-11.json")
    )
    server.route(
        "/v1/maintenances", json_reply(FOLDER / "salesforce-trust-maintenances-EU48-2022-11.json")
    )
    trust = source("salesforce-eu48", "salesforce", server.url("/v1?instance=EU48"), "Salesforce")
    outcome = collect_source(store, fetcher, trust, None, clock)
    assert outcome.status == "ok", outcome.error
    assert (outcome.stats.incidents_new, outcome.documents) == (12, 2)
    assert [r.target for r in server.requests_to("/v1/incidents")] == [
        "/v1/incidents?instance=EU48"
    ]
    assert [r.target for r in server.requests_to("/v1/maintenances")] == [
        "/v1/maintenances?instance=EU48"
    ]
    rows = store.incidents(IncidentQuery(limit=None))
    kinds = sorted(row["kind"] for row in rows)
    assert kinds.count("incident") == 3 and kinds.count("maintenance") == 9
    again = collect_source(store, fetcher, trust, store.source_states()[trust.name], clock)
    assert (again.stats.incidents_new, again.stats.updates_new) == (0, 0)


def test_the_catalogue_form_without_an_instance_reads_both_lists(
    server: LocalServer, fetcher: Fetcher, store: Store, clock: Clock
) -> None:
    """The catalogue's ``https://api.status.salesforce.com/v1`` (no query, trailing slash or not)
    names ``/v1/incidents`` and ``/v1/maintenances``."""
    server.route(
        "/v1/incidents", json_reply(FOLDER / "salesforce-trust-incidents-EU48-es-2022-11.json")
    )
    server.route(
        "/v1/maintenances", json_reply(FOLDER / "salesforce-trust-maintenances-EU48-2022-11.json")
    )
    for number, url in enumerate((server.url("/v1"), server.url("/v1/")), 1):
        trust = source(f"salesforce-{number}", "salesforce", url, "Salesforce")
        outcome = collect_source(store, fetcher, trust, None, clock)
        assert outcome.status == "ok", outcome.error
        assert outcome.documents == 2
    assert [r.target for r in server.requests_to("/v1/incidents")] == ["/v1/incidents"] * 2
    assert [r.target for r in server.requests_to("/v1/maintenances")] == ["/v1/maintenances"] * 2
