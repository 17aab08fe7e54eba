"""The AWS dashboard's legacy data.json collected on 127.0.0.1, served as UTF-16 with a BOM."""

from __future__ import annotations

import pytest

from incident_feed.clock import Clock
from incident_feed.pipeline import collect_source
from incident_feed.sources.http import Fetcher
from incident_feed.store.database import IncidentQuery, Store
from tests.conftest import FIXTURES
from tests.sources.conftest import source
from tests.sources.server import LocalServer, respond

DATA = FIXTURES / "platforms" / "aws" / "aws-shd-data-json-2022-06.json"

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])


def test_a_utf_16_data_json_is_stored(
    server: LocalServer, fetcher: Fetcher, store: Store, clock: Clock
) -> None:
    body = DATA.read_bytes().decode("utf-8").encode("utf-16")
    server.route("/data.json", respond(body, content_type="application/json; charset=utf-16"))
    aws = source("aws-status-json", "aws", server.url("/data.json"), "Amazon Web Services")
    outcome = collect_source(store, fetcher, aws, None, clock)
    assert outcome.status == "ok", outcome.error
    assert outcome.stats.incidents_new == 86
    rows = store.incidents(IncidentQuery(limit=None))
    assert {row["phase"] for row in rows} == {"resolved"}
    assert {row["vendor"] for row in rows} == {"Amazon Web Services"}
