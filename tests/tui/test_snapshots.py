"""Layout snapshots (pytest-textual-snapshot), 100x30 and 80x24, fixed clock, UTC, seeded store.

Regenerate after an intended change with ``pytest tests/tui/test_snapshots.py
--snapshot-update`` and review the SVGs in ``__snapshots__/`` like any other diff.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from incident_feed.store.database import Store
from incident_feed.tui.app import IncidentFeedApp
from tests.decide.linking.posts import seed_posts
from tests.decide.linking.test_links import STATUS_ID, store_posts, store_status
from tests.tui.conftest import SIZE, TUI_NOW, settle

AppFactory = Callable[..., IncidentFeedApp]
Compare = Callable[..., bool]
SMALL = (80, 24)


def test_incidents_list(snap_compare: Compare, tui_store: Store, make_app: AppFactory) -> None:
    async def ready(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("j", "j")

    assert snap_compare(make_app(tui_store), terminal_size=SIZE, run_before=ready)


def test_incidents_list_at_80x24(
    snap_compare: Compare, tui_store: Store, make_app: AppFactory
) -> None:
    """The title takes what content-sized columns leave (sources left out); the footer fits."""
    store_status(tui_store)
    store_posts(tui_store, seed_posts())

    async def ready(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("j")

    assert snap_compare(make_app(tui_store), terminal_size=SMALL, run_before=ready)


def test_filtered_list(snap_compare: Compare, tui_store: Store, make_app: AppFactory) -> None:
    async def ready(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("slash", *"copilot phase:resolved since:30d", "enter")
        await settle(pilot)

    assert snap_compare(make_app(tui_store), terminal_size=SIZE, run_before=ready)


def test_incident_thread(snap_compare: Compare, tui_store: Store, make_app: AppFactory) -> None:
    async def ready(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, IncidentFeedApp)
        app.open_incident("github-pf25whpq58hh")
        await settle(pilot)
        await pilot.press("j")

    assert snap_compare(make_app(tui_store), terminal_size=SIZE, run_before=ready)


def test_sources(snap_compare: Compare, tui_store: Store, make_app: AppFactory) -> None:
    source = {"name": "github-feed", "vendor": "GitHub", "kind": "feed", "url": "https://x.test"}
    tui_store.record_source_result(source, now=TUI_NOW, error=None)
    tui_store.record_source_result(
        source, now=TUI_NOW, error="github-feed: HTTP 503 from https://www.githubstatus.com"
    )

    async def ready(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("tab", "j")

    assert snap_compare(make_app(tui_store), terminal_size=SIZE, run_before=ready)


def test_seed_incident_at_80x24(
    snap_compare: Compare, tui_store: Store, make_app: AppFactory
) -> None:
    """The seed outage (OpenAI, 2024-12-11: status page + Mastodon thread, linked): a short
    header, the details folded into one line, and the thread in the rest of the screen."""
    store_status(tui_store)
    store_posts(tui_store, seed_posts())

    async def ready(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, IncidentFeedApp)
        app.open_incident(STATUS_ID)
        await settle(pilot)
        await pilot.press("j")

    assert snap_compare(make_app(tui_store), terminal_size=SMALL, run_before=ready)
