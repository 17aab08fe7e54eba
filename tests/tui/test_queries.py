"""Keyset pages, the full-text index (migration 0002) and the other read queries."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from incident_feed.config import Config
from incident_feed.enums import Phase
from incident_feed.store import queries
from incident_feed.store.database import Store
from incident_feed.store.queries import (
    IncidentFilter,
    count_incidents,
    data_version,
    incident_detail,
    page_after,
    page_before,
    search_incidents,
    source_health,
    vendor_summaries,
)
from tests.tui.conftest import TUI_NOW, seed
from tests.tui.drafts import draft


def walk(store: Store, filt: IncidentFilter, page: int = 97) -> list[str]:
    ids: list[str] = []
    key = None
    while rows := page_after(store, filt, key, page):
        ids += [r.id for r in rows]
        key = rows[-1].key
    return ids


def test_keyset_walk_covers_everything_once_active_first(tui_store: Store) -> None:
    ids = walk(tui_store, IncidentFilter())
    assert len(ids) == len(set(ids)) == count_incidents(tui_store, IncidentFilter()) == 1396
    rows = page_after(tui_store, IncidentFilter(), None, 5)
    assert [r.phase for r in rows[:2]] == ["monitoring", "investigating"]
    assert all(not r.active for r in rows[2:])
    backwards: list[str] = []
    key = None
    while rows := page_before(tui_store, IncidentFilter(), key, 89):
        backwards = [r.id for r in rows] + backwards
        key = rows[0].key
    assert backwards == ids


def test_filters_combine(tui_store: Store) -> None:
    filt = IncidentFilter(
        text="copil", phases=("resolved",), since=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    ids = walk(tui_store, filt, page=7)
    assert ids and len(ids) == count_incidents(tui_store, filt)
    for row in page_after(tui_store, filt, None, 100):
        assert row.phase == "resolved" and row.started_at >= filt.since  # type: ignore[operator]
    assert count_incidents(tui_store, IncidentFilter(active_only=True)) == 2
    assert count_incidents(tui_store, IncidentFilter(show_maintenance=False)) == 1396 - 12
    assert count_incidents(tui_store, IncidentFilter(vendors=("github",))) == 1394
    assert count_incidents(tui_store, IncidentFilter(vendors=("slack",))) == 0


def test_full_text_matches_titles_vendors_and_update_texts_by_prefix(tui_store: Store) -> None:
    by_title = [r.title for r in search_incidents(tui_store, "Codespaces maint", limit=100)]
    assert by_title.count("Codespaces Scheduled Maintenance") == 4
    # "Fable" appears in these titles; "vendor" words match too.
    assert search_incidents(tui_store, "fable github")
    # Words only in update texts: the GHEC Team Sync incident's "IdP groups".
    hits = search_incidents(tui_store, "idp groups")
    assert "Disruption with GHEC Team Sync" in [r.title for r in hits]
    # FTS syntax is not interpreted: operators are plain words, quotes and stars are dropped.
    assert search_incidents(tui_store, '" OR * NEAR(') == search_incidents(tui_store, "or near")
    assert search_incidents(tui_store, '"*"') == []
    assert search_incidents(tui_store, "") == []


def test_index_follows_writes(tui_store: Store) -> None:
    at = dt.datetime(2026, 8, 20, 10, tzinfo=dt.UTC)
    first = draft("k1", "Zanzibar outage", [(at, Phase.INVESTIGATING, "quokka errors")])
    tui_store.apply("github-status", "statuspage", [first], TUI_NOW)
    assert [r.title for r in search_incidents(tui_store, "zanzibar")] == ["Zanzibar outage"]
    assert [r.title for r in search_incidents(tui_store, "quokka")] == ["Zanzibar outage"]
    renamed = dataclasses.replace(first, title="Timbuktu outage")
    edited = dataclasses.replace(
        renamed, updates=(dataclasses.replace(first.updates[0], text="wombat errors"),)
    )
    tui_store.apply("github-status", "statuspage", [edited], TUI_NOW)
    assert search_incidents(tui_store, "zanzibar") == []
    assert search_incidents(tui_store, "quokka") == []
    assert [r.title for r in search_incidents(tui_store, "timbuktu wombat")] == ["Timbuktu outage"]
    with tui_store.read() as conn:
        integrity = "INSERT INTO update_fts(update_fts, rank) VALUES ('integrity-check', 1)"
        conn.execute(text(integrity))  # raises if the index disagrees with incident_update


def test_without_the_index_the_search_falls_back_to_like(tmp_path: Path) -> None:
    # The current schema less migration 0002's index (a schema stopped at 0001 lacks columns
    # that later migrations added, which the store writes).
    store = Store.open(f"sqlite:///{tmp_path / 'old.db'}")
    with store.write() as conn:
        search = importlib.import_module("incident_feed.store.migrations.versions.0002_search")
        for statement in search.SQLITE_DOWNGRADE:
            conn.execute(text(statement))
    seed(store)
    hits = search_incidents(store, "idp groups")
    assert "Disruption with GHEC Team Sync" in [r.title for r in hits]
    store.close()


def test_detail_health_vendors_and_version(tui_store: Store, tui_config: Config) -> None:
    detail = incident_detail(tui_store, "github-zkxwbgr0cnmx")
    assert detail is not None and len(detail.updates) == 36
    assert [u["at"] for u in detail.updates] == sorted(u["at"] for u in detail.updates)
    assert incident_detail(tui_store, "nope") is None
    before = data_version(tui_store)
    tui_store.record_source_result(
        {"name": "github-feed", "vendor": "GitHub", "kind": "feed", "url": "https://x.test"},
        now=TUI_NOW,
        error="github-feed: HTTP 503",
    )
    assert data_version(tui_store) != before
    health = {h.name: h for h in source_health(tui_store, tui_config)}
    assert health["github-feed"].consecutive_failures == 1
    assert health["github-status"].last_attempt_at is None
    github, google = vendor_summaries(tui_store, TUI_NOW, weeks=4)
    assert (github.vendor, github.active, github.total) == ("GitHub", 0, 1394)
    assert len(github.weekly) == 4 and sum(github.weekly) > 0
    assert (google.vendor, google.active, google.total) == ("Google Cloud", 2, 2)
    assert tuple(google.weekly) == (0, 0, 0, 0)  # its incidents are from 2022


def brute_force(store: Store, words: list[str]) -> set[str]:
    """Incidents where every word starts a word of the title, vendor or an update (no index)."""
    tokens: dict[str, set[str]] = {}
    with store.read() as conn:
        for incident_id, title, vendor in conn.execute(
            text("SELECT id, title, vendor FROM incident")
        ):
            tokens[incident_id] = set(re.findall(r"\w+", f"{title} {vendor}".lower()))
        for incident_id, body in conn.execute(
            text("SELECT incident_id, text FROM incident_update")
        ):
            tokens[incident_id] |= set(re.findall(r"\w+", body.lower()))
    return {
        incident_id
        for incident_id, seen in tokens.items()
        if all(any(token.startswith(word) for token in seen) for word in words)
    }


@pytest.mark.parametrize("listed_hits", [0, 40, queries.LISTED_HITS])
def test_every_search_plan_finds_exactly_the_matching_incidents(
    tui_store: Store, listed_hits: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """0: every word is an EXISTS probe; 40: a mix of listed ids and probes; default: listed."""
    monkeypatch.setattr(queries, "LISTED_HITS", listed_hits)
    for words in ("actions degraded", "git operations", "webhooks delay", "copilot", "zq"):
        expected = brute_force(tui_store, words.split())
        filt = IncidentFilter(text=words)
        assert count_incidents(tui_store, filt) == len(expected), words
        assert set(walk(tui_store, filt, page=40)) == expected, words
        assert walk(tui_store, filt, page=40) == [
            r.id for r in page_after(tui_store, filt, None, 10_000)
        ]


def test_a_maintenance_whose_window_ended_is_over_not_active(tui_store: Store) -> None:
    """Announced for May 2025 and never updated again: ended (assumed), in the finished part."""
    [row] = [
        r
        for r in search_incidents(tui_store, "Codespaces maintenance", limit=100)
        if r.phase == "scheduled"
    ][:1]
    assert row.ended_assumed and not row.active
    before = IncidentFilter(now=dt.datetime(2025, 5, 23, tzinfo=dt.UTC))
    assert any(r.id == row.id for r in page_after(tui_store, before, None, 3))
    assert all(r.id != row.id for r in page_after(tui_store, IncidentFilter(), None, 3))


def test_the_list_row_of_an_ended_maintenance_says_so(tui_store: Store) -> None:
    from incident_feed.tui.widgets.incident_table import row_cells

    [row] = [
        r
        for r in search_incidents(tui_store, "Codespaces maintenance", limit=100)
        if r.phase == "scheduled"
    ][:1]
    cells = row_cells(row, dt.datetime(2026, 12, 4, tzinfo=dt.UTC), dt.UTC)
    assert cells[1].plain == "ended?" and cells[4].plain == "?"
