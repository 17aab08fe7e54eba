"""One unusable value fails its item, never the document (issue 11, item 3), on both backends.

Each document holds a good incident and a hostile one. A value normalization can clean (a lone
surrogate, a NUL, a direction mark) is stored cleaned; a value nothing can hold (an integer too
long to read, an absurd length) skips that item with a problem naming it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from incident_feed.config import SourceConfig
from incident_feed.normalize.drafts import MAX_LINE, MAX_TEXT
from incident_feed.pipeline import Ingested, ingest
from incident_feed.sources.base import Document
from incident_feed.sources.feed import FeedCollector
from incident_feed.sources.registry import collector_for
from incident_feed.store.database import IncidentQuery, Store

NOW = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)
SOURCE = SourceConfig(name="acme-api", vendor="Acme", kind="statuspage", url="https://x.test/")


def _incident(native_id: str, **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": native_id,
        "name": f"Incident {native_id}",
        "status": "investigating",
        "impact": "minor",
        "created_at": "2025-01-01T10:00:00Z",
        "incident_updates": [
            {
                "id": f"{native_id}-u1",
                "status": "investigating",
                "body": "We are looking into it.",
                "created_at": "2025-01-01T10:00:00Z",
            }
        ],
    }
    item.update(fields)
    return item


def _document(bad: str) -> bytes:
    """``{"incidents": [good, bad]}``: ``bad`` is raw JSON text (it may hold what json.dumps
    never writes, like a lone surrogate escape or a 5,000-digit number)."""
    good = json.dumps(_incident("good1"))
    return f'{{"incidents": [{good}, {bad}]}}'.encode()


def _ingest(store: Store, body: bytes) -> Ingested:
    document = Document("https://x.test/api/v2/incidents.json", body)
    return ingest(store, SOURCE, collector_for("statuspage"), [document], lambda: NOW)


def _titles(store: Store) -> dict[str, str]:
    return {
        row["title"].split()[-1]: row["title"] for row in store.incidents(IncidentQuery(limit=None))
    }


def _texts(store: Store) -> list[str]:
    ids = [row["id"] for row in store.incidents(IncidentQuery(limit=None))]
    return [u["text"] for rows in store.updates_for(ids).values() for u in rows]


CLEANED = [
    pytest.param(
        json.dumps(_incident("bad2", name="Incident \x00x bad2")), "Incident x bad2", id="nul-title"
    ),
    pytest.param(
        json.dumps(_incident("bad2", name="Incident bad2")).replace("Incident", "\\udfffI", 1),
        "\ufffdI bad2",
        id="surrogate-title",
    ),
    pytest.param(
        json.dumps(_incident("bad2", status="investigating\x00")), "Incident bad2", id="nul-status"
    ),
    pytest.param(
        json.dumps(_incident("bad2", name="Incident\u200f\u061c\u2028 bad2")),
        "Incident bad2",
        id="direction-marks",
    ),
]


@pytest.mark.parametrize(("bad", "title"), CLEANED)
def test_a_value_normalization_can_clean_is_stored_cleaned(
    any_store: Store, bad: str, title: str
) -> None:
    result = _ingest(any_store, _document(bad))
    assert result.errors == [] and result.problems == []
    assert _titles(any_store) == {"good1": "Incident good1", "bad2": title}


def test_a_lone_surrogate_in_ids_and_text_is_stored_cleaned(any_store: Store) -> None:
    bad = json.dumps(_incident("bad2"))
    bad = bad.replace('"bad2"', '"bad2\\udfff"').replace("looking", "look\\ud800ing")
    result = _ingest(any_store, _document(bad))
    assert result.errors == [] and result.problems == []
    assert result.stats.incidents_new == 2
    assert "We are look\ufffding into it." in _texts(any_store)


def test_nul_in_update_text_is_stored_without_it(any_store: Store) -> None:
    bad = json.dumps(_incident("bad2")).replace("looking", "look\\u0000ing")
    result = _ingest(any_store, _document(bad))
    assert result.problems == []
    assert "We are looking into it." in _texts(any_store)


SKIPPED = [
    pytest.param(
        json.dumps(_incident("bad2")).replace('"bad2"', "9" * 5000, 1),
        "incidents[1]",
        "integer of 5000 digits",
        id="huge-integer-id",
    ),
    pytest.param(
        json.dumps(_incident("bad2", name="x" * (MAX_LINE + 1))),
        "incident bad2",
        f"title is {MAX_LINE + 1:,} characters",
        id="long-title",
    ),
    pytest.param(
        json.dumps(_incident("bad2")).replace("We are", "w " * MAX_TEXT),
        "incident bad2",
        f"update 'bad2-u1' text is {MAX_TEXT * 2 + 16:,} characters",
        id="long-text",
    ),
]


@pytest.mark.parametrize(("bad", "item", "message"), SKIPPED)
def test_an_unusable_value_skips_its_item_only(
    any_store: Store, bad: str, item: str, message: str
) -> None:
    result = _ingest(any_store, _document(bad))
    assert result.errors == []
    assert [p.item for p in result.problems] == [item]
    assert message in result.problems[0].message
    assert _titles(any_store) == {"good1": "Incident good1"}


def test_a_huge_integer_in_a_field_nobody_reads_changes_nothing(any_store: Store) -> None:
    bad = json.dumps(_incident("bad2", impact="minor")).replace('"minor"', "7" * 5000)
    result = _ingest(any_store, _document(bad))
    assert result.errors == [] and result.problems == []
    assert set(_titles(any_store)) == {"good1", "bad2"}


def test_feed_character_references_no_text_can_hold_are_stored_cleaned(any_store: Store) -> None:
    feed = (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:f</id>'
        b"<updated>2025-01-01T10:00:00Z</updated>"
        b"<entry><id>urn:e1</id><title>Good one</title><updated>2025-01-01T10:00:00Z</updated>"
        b"<summary>Investigating an outage</summary></entry>"
        b"<entry><id>urn:e2&#0;</id><title>Bad&#0; &#xdfff;one\xe2\x80\x8f&#x110000;</title>"
        b"<updated>2025-01-01T10:00:00Z</updated><summary>Investigating &#0;x &#99999999999999999999999;</summary></entry>"
        b"</feed>"
    )
    source = SourceConfig(name="acme-feed", vendor="Acme", kind="feed", url="https://x.test/f")
    document = Document("https://x.test/f", feed, {"content-type": "application/atom+xml"})
    result = ingest(any_store, source, FeedCollector(), [document], lambda: NOW)
    assert result.errors == []
    titles = sorted(row["title"] for row in any_store.incidents(IncidentQuery(limit=None)))
    assert titles == ["Bad\ufffd \ufffdone\ufffd", "Good one"]


def test_a_source_error_is_stored_redacted_and_storable(any_store: Store) -> None:
    any_store.record_source_result(
        {"name": "acme-api", "vendor": "Acme", "kind": "feed", "url": "https://h/f?token=S3KR1T"},
        now=NOW,
        error="acme-api: https://h/f?token=S3KR1T: bad \x00byte \udfff here",
    )
    state = any_store.source_states()["acme-api"]
    assert state["url"] == "https://h/f?token=REDACTED"
    assert state["last_error"] == "acme-api: https://h/f?token=REDACTED: bad byte \ufffd here"
