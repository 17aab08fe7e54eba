"""Fixtures for the social collectors: cassette replays, a scripted 127.0.0.1 server, helpers.

The HTTP fixtures are the ones of ``tests/sources`` (imported so pytest finds them here too).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from incident_feed.clock import Clock
from incident_feed.config import Limits, SourceConfig
from incident_feed.pipeline import SourceOutcome, collect_source
from incident_feed.sources.http import Fetcher, make_client
from incident_feed.store.database import IncidentQuery, Store
from tests.conftest import CASSETTES
from tests.sources.conftest import client, make_fetcher, public_resolver, server

__all__ = ["client", "make_fetcher", "server"]


@pytest.fixture
def replay_fetcher() -> Iterator[Fetcher]:
    """Production limits and address policy over a fresh client; only DNS is a stand-in."""
    with make_client() as opened:
        yield Fetcher(opened, Limits(), resolver=public_resolver())


def social_source(
    name: str, kind: str, url: str, vendor: str = "OpenAI", token_env: str | None = None
) -> SourceConfig:
    return SourceConfig(name=name, vendor=vendor, kind=kind, url=url, token_env=token_env)


def run(store: Store, fetcher: Fetcher, src: SourceConfig, clock: Clock) -> SourceOutcome:
    """One collection of ``src`` with its stored state, as ``collect`` does it."""
    states = store.source_states()
    state = dict(states[src.name]) if src.name in states else None
    return collect_source(store, fetcher, src, state, clock)


def cassette_json(name: str, index: int = 0) -> Any:
    """The JSON body of one recorded response of a cassette under ``cassettes/``."""
    data = yaml.safe_load((CASSETTES / name).read_text(encoding="utf-8"))
    return json.loads(data["interactions"][index]["response"]["body"]["string"])


def updates_of(store: Store, source_name: str) -> dict[str, dict[str, Any]]:
    """Every stored update of one source, by native id."""
    ids = [row["id"] for row in store.incidents(IncidentQuery(limit=None))]
    return {
        u["native_id"]: dict(u)
        for rows in store.updates_for(ids).values()
        for u in rows
        if u["source_name"] == source_name
    }


def incidents_by_native(store: Store, source_name: str) -> dict[str, dict[str, Any]]:
    rows = {row["id"]: dict(row) for row in store.incidents(IncidentQuery(limit=None))}
    out = {}
    for incident_id, records in store.records_for(list(rows)).items():
        for record in records:
            if record["source_name"] == source_name:
                out[record["native_id"]] = rows[incident_id]
    return out
