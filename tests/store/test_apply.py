"""Applying real GitHub incidents: what is stored, and what re-collecting does (both backends)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from incident_feed.enums import Kind, Phase
from incident_feed.normalize.times import FUTURE_CLAMPED
from incident_feed.store.database import IncidentQuery, Store
from tests.store.helpers import (
    API,
    BOTH_SOURCES_ID,
    NOW,
    UTC_ZERO,
    api_drafts,
    api_incident_id,
    counts,
    history_drafts,
    history_ids,
    load_history,
    updates_of,
    utc,
)


def _incident(store: Store, incident_id: str) -> dict[str, Any]:
    rows = store.incidents(IncidentQuery(ids=(incident_id,)))
    assert len(rows) == 1
    return dict(rows[0])


def test_apply_stores_incident_updates_and_source_record(any_store: Store) -> None:
    document = load_history(BOTH_SOURCES_ID)
    payload = document["incident"]
    stats = any_store.apply(*API, api_drafts([document]), NOW)

    incident_id = api_incident_id(BOTH_SOURCES_ID)
    assert stats.incidents_new == 1
    assert stats.updates_new == len(payload["incident_updates"]) == 11
    assert stats.changed_ids == [incident_id]
    assert counts(any_store) == {"incident": 1, "update": 11, "record": 1}

    row = _incident(any_store, incident_id)
    assert row["vendor"] == "GitHub"
    assert row["title"] == payload["name"] == "Incident with Codespaces and Issues"
    assert row["kind"] == Kind.INCIDENT
    assert row["impact"] == payload["impact"] == "major"
    assert row["phase"] == Phase.RESOLVED
    assert row["url"] == payload["shortlink"]
    assert {c["name"] for c in row["components"]} == {c["name"] for c in payload["components"]}
    # Times: UTC-aware, and equal to the payload's own strings (read without the normalizer).
    times = {
        "started_at": utc(payload["started_at"]),
        "resolved_at": utc(payload["resolved_at"]),
        "updated_at": utc(payload["incident_updates"][0]["display_at"]),
        "first_seen_at": NOW,
    }
    for name, expected in times.items():
        value = row[name]
        assert isinstance(value, dt.datetime), name
        assert value.utcoffset() == UTC_ZERO, (name, value)
        assert value == expected, name
    assert row["resolved_at"].microsecond == 341_000

    stored = updates_of(any_store, incident_id)
    expected_updates = sorted(
        payload["incident_updates"], key=lambda u: (utc(u["display_at"]), u["id"])
    )
    assert [u["native_id"] for u in stored] == [u["id"] for u in expected_updates]
    for update, source in zip(stored, expected_updates, strict=True):
        assert update["source_name"] == API[0]
        assert update["at"].utcoffset() == UTC_ZERO
        assert update["at"] == utc(source["display_at"])
        assert update["at_raw"] == source["display_at"]
        assert update["first_seen_at"] == NOW
        assert update["first_seen_at"].utcoffset() == UTC_ZERO
        assert " ".join(update["text"].split()) == " ".join(source["body"].split())
        assert update["time_flags"] == ""

    records = any_store.records_for([incident_id])[incident_id]
    assert [(r["source_name"], r["native_id"], r["source_kind"]) for r in records] == [
        (API[0], BOTH_SOURCES_ID, API[1])
    ]
    assert records[0]["url"] == payload["shortlink"]
    assert records[0]["first_seen_at"] == NOW
    assert records[0]["first_seen_at"].utcoffset() == UTC_ZERO


def test_reapplying_the_same_drafts_writes_nothing(any_store: Store) -> None:
    ids = history_ids()[:40]
    first = any_store.apply(*API, history_drafts(ids), NOW)
    assert first.incidents_new == 40
    before = counts(any_store)
    rows_before = any_store.incidents(IncidentQuery(limit=None))

    again = any_store.apply(*API, history_drafts(ids), NOW)
    assert again.rows_written == 0
    assert again.changed_ids == []
    # Collected again a day later: still nothing to write, first-seen times unchanged.
    later = NOW + dt.timedelta(days=1)
    assert any_store.apply(*API, history_drafts(ids, now=later), later).rows_written == 0
    assert counts(any_store) == before
    assert any_store.incidents(IncidentQuery(limit=None)) == rows_before


def test_changed_update_is_updated_in_place(any_store: Store) -> None:
    document = load_history(BOTH_SOURCES_ID)
    any_store.apply(*API, api_drafts([document]), NOW)
    incident_id = api_incident_id(BOTH_SOURCES_ID)
    newest = document["incident"]["incident_updates"][0]
    before = {u["native_id"]: u for u in updates_of(any_store, incident_id)}
    count_before = any_store.count("update")

    # Derived from qd7z2cytghrd.json: the vendor edits the text of its newest update (its
    # "resolved" update, so the phases of the others cannot move).
    edited = newest["body"] + " We will publish a detailed analysis."
    newest["body"] = edited
    later = NOW + dt.timedelta(hours=1)
    stats = any_store.apply(*API, api_drafts([document], now=later), later)

    assert stats.updates_changed == 1
    assert stats.updates_new == 0
    assert any_store.count("update") == count_before
    after = {u["native_id"]: u for u in updates_of(any_store, incident_id)}
    changed = after[newest["id"]]
    assert changed["id"] == before[newest["id"]]["id"]  # same row
    assert changed["text"] == edited
    assert changed["first_seen_at"] == NOW  # when it was first seen, not when it changed
    assert changed["content_hash"] != before[newest["id"]]["content_hash"]
    for native_id, row in before.items():
        if native_id != newest["id"]:
            assert after[native_id] == row


def test_later_payload_dropping_updates_never_deletes_them(any_store: Store) -> None:
    document = load_history(BOTH_SOURCES_ID)
    any_store.apply(*API, api_drafts([document]), NOW)
    incident_id = api_incident_id(BOTH_SOURCES_ID)
    before = updates_of(any_store, incident_id)
    assert len(before) == 11

    # Derived from qd7z2cytghrd.json: a later payload lists only the five newest updates.
    updates = document["incident"]["incident_updates"]
    dropped = {u["id"] for u in updates[5:]}
    document["incident"]["incident_updates"] = updates[:5]
    later = NOW + dt.timedelta(hours=1)
    stats = any_store.apply(*API, api_drafts([document], now=later), later)

    assert stats.updates_new == 0
    after = updates_of(any_store, incident_id)
    assert any_store.count("update") == 11
    assert [u["id"] for u in after] == [u["id"] for u in before]
    kept = {u["native_id"]: u for u in after}
    for row in before:
        if row["native_id"] in dropped:
            assert kept[row["native_id"]] == row
    assert _incident(any_store, incident_id)["started_at"] == utc(
        document["incident"]["started_at"]
    )


def test_future_time_is_clamped_once_and_keeps_its_first_value(any_store: Store) -> None:
    # Derived from qd7z2cytghrd.json: its newest update claims a time years ahead.
    document = load_history(BOTH_SOURCES_ID)
    newest = document["incident"]["incident_updates"][0]
    claimed = "2031-05-01T10:00:00.000Z"
    newest["display_at"] = newest["created_at"] = newest["updated_at"] = claimed
    incident_id = api_incident_id(BOTH_SOURCES_ID)

    any_store.apply(*API, api_drafts([document], now=NOW), NOW)
    row = {u["native_id"]: u for u in updates_of(any_store, incident_id)}[newest["id"]]
    assert row["at"] == NOW
    assert row["at"].utcoffset() == UTC_ZERO
    assert row["at_raw"] == claimed
    assert FUTURE_CLAMPED in row["time_flags"].split(",")
    incident_before = _incident(any_store, incident_id)

    # Collected again later: the draft clamps to the later "now", the store keeps the first.
    later = NOW + dt.timedelta(days=2)
    stats = any_store.apply(*API, api_drafts([document], now=later), later)
    assert stats.rows_written == 0
    row = {u["native_id"]: u for u in updates_of(any_store, incident_id)}[newest["id"]]
    assert row["at"] == NOW
    assert row["at_raw"] == claimed
    assert FUTURE_CLAMPED in row["time_flags"].split(",")
    assert _incident(any_store, incident_id) == incident_before

    # Its text is edited, its claimed time is not: the row is rewritten, its time is not.
    newest["body"] += " We will publish a detailed analysis."
    even_later = later + dt.timedelta(days=1)
    stats = any_store.apply(*API, api_drafts([document], now=even_later), even_later)
    assert stats.updates_changed == 1
    row = {u["native_id"]: u for u in updates_of(any_store, incident_id)}[newest["id"]]
    assert row["text"] == newest["body"]
    assert row["at"] == NOW
    assert row["at_raw"] == claimed
    assert _incident(any_store, incident_id)["updated_at"] == NOW

    # The vendor corrects the time: the update follows the new raw value.
    corrected = "2022-10-26T04:34:08.341Z"
    newest["display_at"] = newest["created_at"] = newest["updated_at"] = corrected
    stats = any_store.apply(*API, api_drafts([document], now=later), later)
    assert stats.updates_changed == 1
    row = {u["native_id"]: u for u in updates_of(any_store, incident_id)}[newest["id"]]
    assert row["at"] == utc(corrected)
    assert row["at_raw"] == corrected
    assert FUTURE_CLAMPED not in row["time_flags"].split(",")
    assert any_store.count("update") == 11
