"""Many rows at once (both backends): all 1,282 GitHub incident files in one batch, and the bulk
write under it storing exactly what a plain execute stores."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select

from incident_feed.enums import Phase
from incident_feed.normalize.drafts import IncidentDraft
from incident_feed.store.bulk import execute_many
from incident_feed.store.database import IncidentQuery, Store
from incident_feed.store.tables import LINK, OUTAGE
from tests.store.helpers import (
    API,
    HISTORY,
    NOW,
    api_incident_id,
    counts,
    duplicate_updates,
    history_drafts,
    history_ids,
)


def test_whole_history_in_one_batch(
    any_store: Store, all_history_drafts: list[IncidentDraft]
) -> None:
    # Expected numbers read from the files themselves, not through the normalizer.
    ids = history_ids()
    assert ids == sorted(json.loads((HISTORY / "incident_codes.json").read_text("utf-8")))
    payload_updates = sum(
        len(json.loads((HISTORY / f"{i}.json").read_text("utf-8"))["incident"]["incident_updates"])
        for i in ids
    )
    assert (len(ids), payload_updates) == (1282, 2801)
    assert len(all_history_drafts) == 1282

    stats = any_store.apply(*API, all_history_drafts, NOW)
    assert (stats.incidents_new, stats.updates_new) == (1282, 2801)
    assert counts(any_store) == {"incident": 1282, "update": 2801, "record": 1282}
    rows = any_store.incidents(IncidentQuery(limit=None))
    assert {row["phase"] for row in rows} == {Phase.RESOLVED}  # all 1,282 are resolved
    assert all(row["resolved_at"] is not None for row in rows)
    assert (
        duplicate_updates(
            u for group in any_store.updates_for([r["id"] for r in rows]).values() for u in group
        )
        == []
    )

    again = any_store.apply(*API, all_history_drafts, NOW)
    assert again.rows_written == 0
    assert counts(any_store) == {"incident": 1282, "update": 2801, "record": 1282}


def _outage(outage_id: str) -> dict[str, Any]:
    """An outage row with every kind of value a bulk write converts: times in another zone than
    UTC, JSON with text beyond ASCII, a boolean, a NULL."""
    tokyo = dt.timezone(dt.timedelta(hours=9))
    return {
        "id": outage_id,
        "vendor": "GitHub",
        "kind": "incident",
        "title": "Délais — 遅延",
        "impact": "minor",
        "phase": "resolved",
        "postmortem": True,
        "started_at": dt.datetime(2026, 11, 25, 21, 0, 0, 123456, tzinfo=tokyo),
        "resolved_at": NOW,
        "updated_at": NOW,
        "scheduled_for": None,
        "scheduled_until": None,
        "url": None,
        "components": [{"id": None, "name": "Git Operations ✓"}],
        "members": 1,
    }


def test_execute_many_stores_what_execute_stores(any_store: Store) -> None:
    with any_store.write() as conn:
        conn.execute(OUTAGE.insert(), [_outage("by-execute")])
        execute_many(conn, OUTAGE.insert(), [_outage("by-execute-many"), _outage("second")])
    with any_store.read() as conn:
        rows = {r["id"]: dict(r) for r in conn.execute(select(OUTAGE)).mappings()}
    assert len(rows) == 3
    expected = {**rows["by-execute"], "id": "by-execute-many"}
    assert rows["by-execute-many"] == expected
    assert rows["second"]["started_at"] == dt.datetime(
        2026, 11, 25, 12, 0, 0, 123456, tzinfo=dt.UTC
    )
    assert rows["second"]["started_at"].utcoffset() == dt.timedelta(0)


def test_execute_many_leaves_column_defaults_to_execute(any_store: Store) -> None:
    history = history_drafts(history_ids()[:2])
    any_store.apply(*API, history, NOW)
    a, b = (api_incident_id(d.native_id) for d in history)
    link = {"incident_id": a, "target_id": b, "kind": "same", "confidence": 0.5}
    with any_store.write() as conn:  # no "state": the column's default ("auto") fills it
        execute_many(conn, LINK.insert(), [{**link, "reason": "test", "created_at": NOW}])
    with any_store.read() as conn:
        [row] = conn.execute(select(LINK)).mappings().all()
    assert (row["state"], row["confidence"], row["created_at"]) == ("auto", 0.5, NOW)
