"""Hostile vendor text through every screen: shown literally, never acted on, never a crash,
and no ESC/BEL/CSI byte reaches the rendered screen.

The strings (``[@click=app.quit]x[/]``, ``[/]``, ``ESC[2J``, an OSC 52 clipboard write, markup)
are a *derived* case: written straight into the store with ``Store.apply`` from hand-built
drafts (see ``drafts.py``), bypassing the normalizer that would strip the control characters.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from textual.app import App

from incident_feed.store.database import Store
from incident_feed.tui.app import IncidentFeedApp
from incident_feed.tui.screens.incident import IncidentScreen
from incident_feed.tui.screens.sources import SourcesScreen
from incident_feed.tui.widgets.update_thread import UpdateThread
from tests.tui.conftest import SIZE, TUI_NOW, settle
from tests.tui.drafts import CLICK, CLOSE, hostile
from tests.tui.helpers import cursor_title, table

AppFactory = Callable[..., IncidentFeedApp]
pytestmark = pytest.mark.anyio
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\x9d")


def screen_text(app: App[Any]) -> str:
    """What is on the screen, from the SVG screenshot (every cell, as rendered)."""
    svg = app.export_screenshot()
    for byte in FORBIDDEN:
        assert byte not in svg, f"{byte!r} reached the screen"
    # Keep the text of the <text> elements only (the SVG splits a row wherever the style does).
    return html.unescape(re.sub(r"<[^>]*>", "", svg)).replace("\xa0", " ")


async def test_hostile_text_everywhere(
    tui_store: Store, make_app: AppFactory, opened_links: list[str]
) -> None:
    tui_store.apply("evil-status", "statuspage", [hostile(TUI_NOW)], TUI_NOW)
    tui_store.record_source_result(
        {"name": "github-feed", "vendor": "GitHub", "kind": "feed", "url": "https://x.test"},
        now=TUI_NOW,
        error=f"github-feed: {CLICK} {CLOSE} \x1b[2J \x1b]52;c;aGk=\x07",
    )
    app = make_app(tui_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # The list: the hostile incident is active, so it is near the top.
        await pilot.press("g")
        while not cursor_title(app).startswith("[@click"):
            await pilot.press("j")
        text = screen_text(app)
        assert "[@click=app.quit]x[/] [/] ␛[2J" in text
        assert "Evil [@click=ap…" in text  # the vendor column is 16 cells at most
        # Clicking the title cell must not run the [@click] action.
        row = table(app).cursor_row + 1  # below the header
        await pilot.click(table(app), offset=(40, row))
        await pilot.click(table(app), offset=(40, row))
        await pilot.pause()
        assert app.is_running

        # One incident: header, phase bar, thread (label, evidence, text, link).
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        text = screen_text(app)
        assert "[@click=app.quit]x[/] [/] ␛[2J ␛]52;c;aGFja2Vk␇ [bold]not bold[/bold]" in text
        assert "␛[2Jlabel[/]" in text
        assert "second line [@click=app.quit]x[/]" in text
        await pilot.click(app.screen.query_one(UpdateThread), offset=(5, 2))
        # Neither the javascript: incident URL nor the file: update URL is opened.
        await pilot.press("o", "p")
        assert opened_links == []
        assert app.is_running
        await pilot.press("escape")

        # Sources: the hostile error, and the hostile vendor in the vendor table.
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SourcesScreen)
        await pilot.press("tab", "j")  # the source table, second row: github-feed
        text = screen_text(app)
        assert "Evil [@click=app.quit" in text
        assert "github-feed: [@click=app.quit]x[/] [/] ␛[2J ␛]52;c;aGk=␇" in text
        await pilot.press("escape")

        # The command palette: hostile titles and vendors as hits.
        await pilot.press("ctrl+p", *"click", "wait:600")
        screen_text(app)
        await pilot.press("escape")
        await pilot.press("ctrl+p", *"evil", "wait:600")
        screen_text(app)
        await pilot.press("down", "enter")
        await settle(pilot)
        screen_text(app)

        # The filter bar: markup typed by the user is text too.
        await pilot.press("escape", "escape", "slash", *"[/] [@click=app.quit]", "enter")
        await settle(pilot)
        screen_text(app)
        assert app.is_running
    assert app.return_code in (None, 0)
