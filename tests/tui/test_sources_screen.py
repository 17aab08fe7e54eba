"""The sources screen marks the sources no collection runs (turned off or no longer configured)
and says where each stands in the shared schedule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from rich.text import Text
from textual.widgets import DataTable

from incident_feed.store.database import Store
from incident_feed.store.leases import Leases
from incident_feed.tui.app import IncidentFeedApp
from incident_feed.tui.screens.sources import SourcesScreen
from tests.conftest import make_config
from tests.tui.conftest import SIZE, SOURCES, TUI_NOW, settle
from tests.tui.helpers import shown

AppFactory = Callable[..., IncidentFeedApp]
pytestmark = pytest.mark.anyio


async def test_inactive_and_unconfigured_sources_are_marked(
    tui_store: Store, make_app: AppFactory
) -> None:
    github_status, github_feed, gcp = SOURCES
    config = make_config(github_status, {**github_feed, "active": False}, gcp, timezone="UTC")
    # A failing source, then taken out of the config: the database still remembers it.
    old = {"name": "old-feed", "vendor": "GitHub", "kind": "feed", "url": "https://old.test"}
    tui_store.record_source_result(old, now=TUI_NOW, error="old-feed: HTTP 503")
    tui_store.record_source_result(github_feed, now=TUI_NOW, error="github-feed: HTTP 503")
    app = make_app(tui_store, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SourcesScreen)
        sources: DataTable[Text] = app.screen.query_one("#source-table", DataTable)
        health = {
            str(sources.get_cell(row, "name")): str(sources.get_cell(row, "health"))
            for row in sources.rows
        }
        # An inactive source's old failures are not news: it is not collected.
        assert health == {
            "github-status": "never run",
            "github-feed": "inactive",
            "gcp-status": "never run",
            "old-feed": "not configured",
        }
        await pilot.press("tab", "j")
        assert "Inactive (active = false in the config): not collected." in shown(
            app, "#source-error"
        )
        await pilot.press("j", "j")
        assert "No longer in the config: not collected" in shown(app, "#source-error")


async def test_the_highlighted_source_says_who_fetches_it_or_when_it_is_next_due(
    tui_store: Store, make_app: AppFactory
) -> None:
    github_status, github_feed, gcp = SOURCES
    config = make_config(github_status, github_feed, gcp, timezone="UTC")
    now = dt.datetime.now(dt.UTC)
    other = Leases(tui_store, holder="worker-b:4242:cafe", seconds=600)
    other.register(["github-status", "github-feed"], now)
    assert other.claim(["github-status"], now, 1) == ["github-status"]
    due = dt.datetime(2031, 1, 2, 3, 4, tzinfo=dt.UTC)
    other.register(["github-feed"], now)
    assert other.claim(["github-feed"], now, 1, due_only=False) == ["github-feed"]
    assert other.release("github-feed", due)
    app = make_app(tui_store, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SourcesScreen)
        await pilot.press("tab")
        assert "Being fetched now by worker-b:4242:cafe." in shown(app, "#source-error")
        await pilot.press("j")
        assert "Next collection under watch: 2031-01-02 03:04 UTC." in shown(app, "#source-error")
        await pilot.press("j")  # never scheduled: nothing said
        assert "Next collection" not in shown(app, "#source-error")
