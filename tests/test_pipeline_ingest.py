"""``pipeline.ingest``: one document that cannot be parsed or stored fails alone."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from incident_feed.config import SourceConfig
from incident_feed.errors import StoreError
from incident_feed.normalize.drafts import IncidentDraft
from incident_feed.pipeline import ingest
from incident_feed.sources.base import Document
from incident_feed.sources.registry import collector_for
from incident_feed.store.database import Store
from tests.conftest import FIXTURES

HISTORY = FIXTURES / "statuspage" / "github-incident-history"
SOURCE = SourceConfig(name="github", vendor="GitHub", kind="statuspage", url="file://import")


class FailingStore:
    """A real store whose ``apply`` fails like a bad value would, for drafts of one id."""

    def __init__(self, store: Store, bad_id: str, error: Exception) -> None:
        self._store, self.bad_id, self.error = store, bad_id, error

    def apply(self, name: str, kind: str, drafts: Sequence[IncidentDraft], now: Any) -> Any:
        if any(d.native_id == self.bad_id for d in drafts):
            raise self.error
        return self._store.apply(name, kind, drafts, now)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def documents(count: int) -> list[Document]:
    paths = sorted(p for p in HISTORY.glob("*.json") if p.name != "incident_codes.json")[:count]
    return [Document(url=str(p), body=p.read_bytes(), headers={}) for p in paths]


def test_a_document_that_cannot_be_stored_fails_alone(store: Store, clock: Any) -> None:
    docs = documents(5)
    bad = docs[2]
    bad_id = json.loads(bad.body)["incident"]["id"]
    failing = FailingStore(store, bad_id, ValueError("surrogates not allowed"))
    result = ingest(failing, SOURCE, collector_for("statuspage"), docs, clock)  # type: ignore[arg-type]
    assert result.failed == {bad.url}
    assert len(result.errors) == 1 and result.errors[0].startswith(f"{bad.url}: cannot store it")
    assert result.stats.incidents_new == 4 and store.count("incident") == 4


def test_a_database_failure_still_raises(store: Store, clock: Any) -> None:
    docs = documents(3)
    bad_id = json.loads(docs[0].body)["incident"]["id"]
    failing = FailingStore(store, bad_id, StoreError("database write failed: disk I/O error"))
    with pytest.raises(StoreError):
        ingest(failing, SOURCE, collector_for("statuspage"), docs, clock)  # type: ignore[arg-type]


def test_a_parser_bug_fails_its_document_alone(
    store: Store, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = documents(3)
    collector = collector_for("statuspage")
    parse = collector.parse

    def buggy(document: Document, context: Any) -> Any:
        if document is docs[1]:
            raise KeyError("a bug")
        return parse(document, context)

    monkeypatch.setattr(collector, "parse", buggy)
    result = ingest(store, SOURCE, collector, docs, clock)
    assert result.failed == {docs[1].url}
    assert "internal error (KeyError" in result.errors[0]
    assert store.count("incident") == 2


def big_statuspage(count: int) -> bytes:
    """A Statuspage ``incidents.json`` holding ``count`` incidents (copies of a real one)."""
    path = sorted(HISTORY.glob("0*.json"))[0]
    template = json.loads(path.read_text(encoding="utf-8"))["incident"]
    incidents = []
    for index in range(count):
        item = json.loads(json.dumps(template))
        item["id"] = f"big{index:06d}"
        for number, update in enumerate(item.get("incident_updates", [])):
            update["id"] = f"big{index:06d}u{number}"
            update["incident_id"] = item["id"]
        incidents.append(item)
    return json.dumps({"incidents": incidents}).encode()


def test_items_over_the_limit_are_an_error_with_the_count(store: Store, clock: Any) -> None:
    document = Document(url="big.json", body=big_statuspage(30), headers={})
    result = ingest(store, SOURCE, collector_for("statuspage"), [document], clock, max_items=25)
    assert result.errors == [
        "big.json: 5 items dropped, over the limit of 25 items read from one document"
    ]
    assert store.count("incident") == 25  # what was read is still stored
    assert not result.failed


def test_without_a_limit_every_item_is_read(store: Store, clock: Any) -> None:
    document = Document(url="big.json", body=big_statuspage(30), headers={})
    result = ingest(store, SOURCE, collector_for("statuspage"), [document], clock, max_items=None)
    assert result.errors == [] and store.count("incident") == 30
