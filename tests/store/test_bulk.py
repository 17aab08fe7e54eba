"""All 1,282 GitHub incident files in one batch (both backends)."""

from __future__ import annotations

import json

from incident_feed.enums import Phase
from incident_feed.normalize.drafts import IncidentDraft
from incident_feed.store.database import IncidentQuery, Store
from tests.store.helpers import API, HISTORY, NOW, counts, duplicate_updates, history_ids


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
