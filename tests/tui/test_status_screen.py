"""The "down now" screen (`w`): vendors worst first from their stored page state, the
highlighted vendor's components and outages below, Enter opening its active outage. GitHub's
real summary of 2022-11-25 (Packages in partial outage, one incident investigating)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable

from incident_feed.normalize.drafts import Context
from incident_feed.normalize.statuspage import parse_statuspage
from incident_feed.store.database import Store
from incident_feed.store.page_status import record_page_status
from incident_feed.tui.app import IncidentFeedApp
from incident_feed.tui.screens.incident import IncidentScreen
from incident_feed.tui.screens.status import StatusScreen
from tests.conftest import FIXTURES
from tests.tui.conftest import TUI_NOW, settle
from tests.tui.helpers import shown

AppFactory = Callable[..., IncidentFeedApp]
Compare = Callable[..., bool]
SUMMARY = FIXTURES / "statuspage" / "githubstatus-summary" / "summary-2022-11-25.json"


@pytest.fixture
def live_store(tmp_path: Path) -> Iterator[Store]:
    """A store holding GitHub's live summary only (the seeded history resolves its incident)."""
    store = Store.open(f"sqlite:///{tmp_path / 'live.db'}")
    store_live_summary(store)
    yield store
    store.close()


def store_live_summary(store: Store) -> None:
    """GitHub's live summary, stored as a collection would: its incident and its page state."""
    context = Context("github-status", "statuspage", "GitHub", TUI_NOW)
    parsed = parse_statuspage(json.loads(SUMMARY.read_bytes()), context)
    store.apply("github-status", "statuspage", list(parsed.drafts), TUI_NOW)
    assert parsed.status is not None
    record_page_status(store, "github-status", "GitHub", parsed.status, TUI_NOW)


@pytest.mark.anyio
async def test_down_now_lists_github_first_and_enter_opens_its_outage(
    live_store: Store, make_app: AppFactory
) -> None:
    app = make_app(live_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, StatusScreen)
        table: DataTable[Text] = app.screen.query_one("#status-table", DataTable)
        first = [str(table.get_cell_at((0, column))) for column in range(5)]
        assert first[:3] == ["minor", "GitHub", "Packages"]
        assert first[4].startswith("investigating: Incident with Packages")
        detail = shown(app, "#status-detail")
        assert "Minor Service Outage" in detail and "partial outage: Packages" in detail
        assert "(11 components watched)" in detail
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, StatusScreen)


def test_down_now_at_80x24(snap_compare: Compare, live_store: Store, make_app: AppFactory) -> None:
    async def ready(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)

    assert snap_compare(make_app(live_store), terminal_size=(80, 24), run_before=ready)
