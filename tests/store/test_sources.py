"""One incident seen through two sources: GitHub's Statuspage API and its Atom history feed."""

from __future__ import annotations

import pytest

from incident_feed.normalize.drafts import IncidentDraft
from incident_feed.store.database import IncidentQuery, Store
from tests.store.helpers import (
    API,
    BOTH_SOURCES_ID,
    FEED,
    HISTORY,
    NOW,
    all_updates,
    api_incident_id,
    duplicate_updates,
    feed_drafts,
    history_drafts,
    updates_of,
)


def _both() -> tuple[list[IncidentDraft], list[IncidentDraft]]:
    api = history_drafts([BOTH_SOURCES_ID])
    feed = [d for d in feed_drafts() if d.key == BOTH_SOURCES_ID]
    assert len(feed) == 1  # the feed entry links to the same Statuspage incident id
    assert len(feed[0].updates) == len(api[0].updates) == 11
    return api, feed


@pytest.mark.parametrize("feed_first", [False, True], ids=["api-first", "feed-first"])
def test_same_update_from_a_second_source_is_not_duplicated(
    any_store: Store, feed_first: bool
) -> None:
    api, feed = _both()
    steps = [(FEED, feed), (API, api)] if feed_first else [(API, api), (FEED, feed)]
    for (name, kind), drafts in steps:
        any_store.apply(name, kind, drafts, NOW)

    incident_id = api_incident_id(BOTH_SOURCES_ID)
    assert any_store.count("incident") == 1
    stored = updates_of(any_store, incident_id)
    assert len(stored) == 11
    assert duplicate_updates(stored) == []
    first_source = steps[0][0][0]
    assert {u["source_name"] for u in stored} == {first_source}
    records = any_store.records_for([incident_id])[incident_id]
    assert sorted(r["source_name"] for r in records) == sorted([API[0], FEED[0]])

    # Collected again from both sources, in turn: nothing changes any more.
    snapshot = any_store.incidents(IncidentQuery(ids=(incident_id,)))
    for _ in range(2):
        for (name, kind), drafts in steps:
            assert any_store.apply(name, kind, drafts, NOW).rows_written == 0, name
    assert any_store.incidents(IncidentQuery(ids=(incident_id,))) == snapshot
    assert any_store.count("update") == 11


def test_whole_feed_after_the_api_adds_only_what_the_api_lacks(any_store: Store) -> None:
    feed = feed_drafts()
    keys = [d.key for d in feed]
    in_history = [k for k in keys if (HISTORY / f"{k}.json").exists()]
    assert len(in_history) == 22  # 3 of the 25 entries are newer than the history snapshot
    any_store.apply(*API, history_drafts(in_history), NOW)
    api_updates = any_store.count("update")

    stats = any_store.apply(*FEED, feed, NOW)
    only_in_feed = sum(len(d.updates) for d in feed if d.key not in in_history)
    assert stats.updates_new == only_in_feed
    assert stats.incidents_new == 3
    assert stats.incidents_changed == 0
    assert any_store.count("update") == api_updates + only_in_feed
    assert any_store.count("incident") == 25
    assert duplicate_updates(all_updates(any_store)) == []
