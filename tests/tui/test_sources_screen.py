"""The sources screen marks the sources no collection runs: turned off or no longer configured."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rich.text import Text
from textual.widgets import DataTable

from incident_feed.store.database import Store
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
