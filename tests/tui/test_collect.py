"""Collect now: the pipeline runs in a worker thread, progress and errors are shown per source,
the views reload at the end, and a failing source never stops the app."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest
from textual.widgets import DataTable

from incident_feed.config import Config, Limits
from incident_feed.sources.http import Fetcher
from incident_feed.store.database import Store
from incident_feed.tui.app import IncidentFeedApp
from incident_feed.tui.screens.sources import SourcesScreen
from incident_feed.tui.widgets.collect_panel import CollectPanel
from tests.conftest import make_config
from tests.tui.conftest import ATOM, SIZE, settle
from tests.tui.drafts import CLEAR, CLICK
from tests.tui.helpers import shown, titles

AppFactory = Callable[..., IncidentFeedApp]
pytestmark = pytest.mark.anyio
FEED_URL = "https://www.githubstatus.com/history.atom"
BROKEN = "https://broken.example.com"


def collect_config() -> Config:
    return make_config(
        {"name": "github-feed", "vendor": "GitHub", "kind": "feed", "url": FEED_URL},
        {"name": "broken-status", "vendor": "Broken", "kind": "statuspage", "url": BROKEN},
        timezone="UTC",
    )


def mock_fetcher_factory(threads: list[str]) -> Callable[[], object]:
    """A Fetcher over httpx.MockTransport: the feed serves a real Atom snapshot, the broken
    page a 500 whose body is hostile (it must not reach the screen as markup)."""
    atom = (ATOM / "history-2026-03-05.atom").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        threads.append(threading.current_thread().name)
        # A stream, not content=: the Fetcher reads the raw stream itself.
        if str(request.url) == FEED_URL:
            headers = {"content-type": "application/atom+xml"}
            return httpx.Response(200, stream=httpx.ByteStream(atom), headers=headers)
        return httpx.Response(500, stream=httpx.ByteStream(f"{CLICK}{CLEAR}".encode()))

    @contextmanager
    def factory() -> Iterator[Fetcher]:
        with httpx.Client(transport=httpx.MockTransport(handler)) as client:
            yield Fetcher(client, Limits(), resolver=lambda host, port: ["93.184.216.34"])

    return factory


async def test_collect_now_runs_in_a_thread_and_reports_each_source(
    store: Store, make_app: AppFactory
) -> None:
    threads: list[str] = []
    app = make_app(store, collect_config(), fetcher_factory=mock_fetcher_factory(threads))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "No incidents stored yet" in shown(app, "#empty-state")
        await pilot.press("c")
        await settle(pilot)
        assert threads and threading.main_thread().name not in threads
        assert not app.progress.running
        statuses = {name: o.status for name, o in app.progress.outcomes.items()}
        assert statuses == {"github-feed": "ok", "broken-status": "failed"}
        panel = app.screen.query_one(CollectPanel)
        assert panel.display
        summary = shown(app, "#collect-summary")
        assert summary.startswith("Collected 2 sources: 1 ok, 1 failed")
        lines = shown(app, "#collect-lines").splitlines()
        assert lines[0].startswith("✗ broken-status  broken-status:")
        assert lines[1].startswith("✓ github-feed  ok, +25 incidents")
        # The views reloaded: the feed's incidents are listed.
        assert len(titles(app)) == 25
        await pilot.press("x")
        assert not panel.display
        # The failure is on the sources screen too.
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SourcesScreen)
        sources = app.screen.query_one("#source-table", DataTable)
        health = sources.get_row("broken-status")[0]
        assert health.plain == "failing ×1"
        await pilot.press("tab", "j")
        assert shown(app, "#source-error").startswith("broken-status  https://broken.example.com\n")
        assert "HTTP 500" in shown(app, "#source-error")
        assert app.is_running


async def test_a_crashing_run_is_shown_not_raised(store: Store, make_app: AppFactory) -> None:
    @contextmanager
    def broken_factory() -> Iterator[Fetcher]:
        raise RuntimeError(f"no network {CLICK}")
        yield  # pragma: no cover

    app = make_app(store, collect_config(), fetcher_factory=broken_factory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert app.is_running
        assert shown(app, "#collect-summary") == (
            f"Collection failed: RuntimeError: no network {CLICK}"
        )
        await pilot.press("c")  # and it can run again
        await settle(pilot)
        assert app.progress.error is not None and not app.progress.running
