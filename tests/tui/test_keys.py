"""Help, remapped keys, the command palette, the sources screen's vendor jump, and polling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from incident_feed.model import Phase
from incident_feed.store import Store
from incident_feed.tui.app import IncidentFeedApp
from incident_feed.tui.screens.help import HelpScreen
from incident_feed.tui.screens.incident import IncidentScreen
from incident_feed.tui.screens.incidents import IncidentsScreen
from incident_feed.tui.screens.sources import SourcesScreen
from tests.tui.conftest import SIZE, TUI_NOW, settle
from tests.tui.drafts import draft
from tests.tui.helpers import shown, titles

AppFactory = Callable[..., IncidentFeedApp]
pytestmark = pytest.mark.anyio


async def test_help_lists_keys_with_their_ids_and_the_filter_language(
    tui_store: Store, make_app: AppFactory
) -> None:
    app = make_app(tui_store, keymap={"toggle-active": "t"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = shown(app, "#help-text")
        assert "Active only  [toggle-active]" in text
        assert " t " in text.split("Active only")[0].splitlines()[-1]
        assert "vendor:github" in text and "since:24h" in text
        await pilot.press("escape")
        assert isinstance(app.screen, IncidentsScreen)


async def test_keymap_remaps_bindings_by_id(tui_store: Store, make_app: AppFactory) -> None:
    app = make_app(tui_store, keymap={"toggle-active": "t", "cursor-down": "n"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")  # no longer bound
        await settle(pilot)
        assert len(titles(app)) > 2
        await pilot.press("t")
        await settle(pilot)
        assert len(titles(app)) == 2
        await pilot.press("n")
        assert shown(app, "#status-line").startswith("2 of 2")


async def test_command_palette_jumps_to_an_incident_and_a_vendor(
    tui_store: Store, make_app: AppFactory
) -> None:
    app = make_app(tui_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"ghec team", "wait:600")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        assert app.screen.incident_id == "github-pf25whpq58hh"
        await pilot.press("ctrl+p", *"vendor: git", "wait:600")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IncidentsScreen)
        assert "vendor GitHub" in shown(app, "#status-line")


async def test_sources_screen_vendor_enter_filters_incidents(
    tui_store: Store, make_app: AppFactory
) -> None:
    app = make_app(tui_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SourcesScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IncidentsScreen)
        assert "vendor GitHub" in shown(app, "#status-line")


async def test_changes_by_another_process_are_picked_up(
    tui_store: Store, make_app: AppFactory
) -> None:
    app = make_app(tui_store, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # Another writer: its own engine on the same file, as a scheduled collector would be.
        other = Store.open(str(tui_store.engine.url))
        at = TUI_NOW - dt.timedelta(minutes=12)
        news = draft("fresh", "Brand new outage", [(at, Phase.INVESTIGATING, "looking")])
        other.apply("github-status", "statuspage", [news], TUI_NOW)
        other.close()
        for _ in range(40):
            await pilot.pause(0.05)
            if "Brand new outage" in titles(app):
                break
        assert titles(app)[0] == "Brand new outage"
        assert shown(app, "#incidents-title").startswith("incident-feed  1,395 incidents")
