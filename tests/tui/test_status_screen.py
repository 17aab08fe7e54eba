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

from incident_feed.enums import ComponentState, Impact, Phase
from incident_feed.normalize.drafts import ComponentStatus, Context, PageStatus
from incident_feed.normalize.statuspage import parse_statuspage
from incident_feed.store.database import Store
from incident_feed.store.page_status import record_page_status
from incident_feed.tui.app import IncidentFeedApp
from incident_feed.tui.screens.incident import IncidentScreen
from incident_feed.tui.screens.status import StatusScreen
from tests.conftest import FIXTURES
from tests.tui.conftest import TUI_NOW, settle
from tests.tui.drafts import CLICK, CLOSE, HOSTILE_TITLE, draft
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


@pytest.mark.anyio
async def test_down_now_shows_hostile_page_text_as_text(
    live_store: Store, make_app: AppFactory
) -> None:
    # Derived: written straight into the store (the normalizer would strip the controls).
    evil = PageStatus(Impact.MAJOR, f"{HOSTILE_TITLE} desc", (
        ComponentStatus(f"{CLICK} comp", ComponentState.MAJOR_OUTAGE, "c1", f"{CLOSE} grp"),
    ), None)  # fmt: skip
    record_page_status(live_store, "github-status", "GitHub", evil, TUI_NOW)
    live_store.apply("github-status", "statuspage", [draft("evil", HOSTILE_TITLE, [
        (TUI_NOW, Phase.INVESTIGATING, f"{CLICK} text"),
    ])], TUI_NOW)  # fmt: skip
    app = make_app(live_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, StatusScreen)
        detail = shown(app, "#status-detail")
        title = "[@click=app.quit]x[/] [/] ␛[2J ␛]52;c;aGFja2Vk␇ [bold]not bold[/bold]"
        assert detail.splitlines()[0] == f"GitHub  {title} desc  (1 components watched)"
        assert f"  investigating: {title}" in detail.splitlines()
        assert f"major outage: {CLOSE} grp / {CLICK} comp" in detail
        table: DataTable[Text] = app.screen.query_one("#status-table", DataTable)
        assert str(table.get_cell_at((0, 2))).startswith("[@click=app.quit]x")
        await pilot.click(table, offset=(30, 1))
        await pilot.click(app.screen.query_one("#status-detail"), offset=(2, 0))
        await pilot.pause()
        assert app.is_running
        svg = app.export_screenshot()
        assert not any(byte in svg for byte in ("\x1b", "\x07", "\x9b"))
