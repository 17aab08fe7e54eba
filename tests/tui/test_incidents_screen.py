"""The incidents list: order, keys, paging through the whole listing, filter, toggles, empty
states, opening an incident."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual import events
from textual.widgets import Footer

from incident_feed.config import Config
from incident_feed.store.database import Store
from incident_feed.tui.app import IncidentFeedApp
from incident_feed.tui.columns import COLUMNS, MIN_TITLE
from incident_feed.tui.screens.incident import IncidentScreen
from incident_feed.tui.screens.incidents import IncidentsScreen
from incident_feed.tui.window import CAPACITY
from tests.tui.conftest import SIZE, settle
from tests.tui.helpers import cursor_title, shown, table, titles

AppFactory = Callable[..., IncidentFeedApp]
pytestmark = pytest.mark.anyio
# Google Cloud's two incidents still open in its capture of 2022-07-19 (see conftest).
GCP_INVESTIGATING = (
    "Multiple Cloud products experiencing elevated error rates, latencies or service "
    "unavailability in europe-west2"
)
GCP_MONITORING = "Cooling related failure in one of our buildings that hosts zone europe-west2-a for region europe-west2. Europe-west2-b and europe-west2-c are not impacted for VMs. We have fixed the previously occurring issues when creating new Persistent Disk devices. Zonal autoscaling for europe-west2-a is impacte"


async def test_active_first_then_newest(tui_store: Store, make_app: AppFactory) -> None:
    app = make_app(tui_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # Active first (newest first among them), then the rest newest first. The 2025
        # maintenance whose window ended with no later update is over, not active.
        assert titles(app)[:3] == [
            GCP_MONITORING,
            GCP_INVESTIGATING,
            "Intermittent failures creating agent tasks",
        ]
        assert table(app).row_count <= CAPACITY
        assert shown(app, "#status-line").startswith("1 of 1,396")
        assert "1,396 incidents stored" in shown(app, "#incidents-title")
        assert "times in UTC" in shown(app, "#incidents-title")


async def test_vim_and_arrow_keys(tui_store: Store, make_app: AppFactory) -> None:
    app = make_app(tui_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "down")
        assert shown(app, "#status-line").startswith("4 of 1,396")
        await pilot.press("k", "up")
        assert shown(app, "#status-line").startswith("2 of 1,396")
        await pilot.press("G")
        assert shown(app, "#status-line").startswith("1,396 of 1,396")
        assert cursor_title(app).startswith("Incident on 2010-02-07")
        await pilot.press("g")
        assert cursor_title(app) == GCP_MONITORING


async def test_paging_through_the_whole_listing_stays_windowed(
    tui_store: Store, make_app: AppFactory
) -> None:
    app = make_app(tui_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = cursor_title(app)
        await pilot.press("pagedown", "ctrl+d", "ctrl+f")
        assert shown(app, "#status-line").startswith("79 of 1,396")
        positions = []
        # The page keys are covered above; the long walk calls the action (a pilot keypress
        # costs ~80 ms of waiting).
        grid = table(app)
        while grid.window and grid.window.start + grid.cursor_row < 1393:
            grid.action_page_down()
            if len(positions) % 4 == 0:
                await pilot.pause()
            positions.append(grid.window.start + grid.cursor_row)
            assert grid.row_count <= CAPACITY
        assert positions == sorted(positions) and len(positions) > 40
        await pilot.pause()
        assert shown(app, "#status-line").startswith("1,396 of 1,396")
        for step in range(1000):
            if not (grid.window and grid.window.start + grid.cursor_row > 0):
                break
            grid.action_page_up()
            if step % 4 == 0:
                await pilot.pause()
            assert grid.row_count <= CAPACITY
        await pilot.press("pageup", "ctrl+u", "ctrl+b")
        assert shown(app, "#status-line").startswith("1 of 1,396")
        assert cursor_title(app) == first


async def test_filter_bar(tui_store: Store, make_app: AppFactory) -> None:
    app = make_app(tui_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"copilot since:2026-08-01", "enter")
        await settle(pilot)
        assert shown(app, "#status-line").startswith("1 of 9")
        window = table(app).window
        assert window is not None
        assert all(r.started_at.year == 2026 for r in window.rows)
        assert app.focused is table(app)
        # Escape in the list clears the filter.
        await pilot.press("escape")
        await settle(pilot)
        assert shown(app, "#status-line").startswith("1 of 1,396")


async def test_filter_terms_and_problems(tui_store: Store, make_app: AppFactory) -> None:
    app = make_app(tui_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, IncidentsScreen)
        screen.set_filter_text('phase:investigating vendor:"google cloud" phase:nope')
        await settle(pilot)
        assert titles(app) == [GCP_INVESTIGATING]
        assert "phase:nope is not a phase" in shown(app, "#filter-problems")


async def test_keys_typed_in_one_burst_after_slash_reach_the_bar(
    tui_store: Store, make_app: AppFactory
) -> None:
    """tmux send-keys / a paste without bracketed paste: "c" must not start a collection."""

    app = make_app(tui_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key, char in [("slash", "/"), *((c, c) for c in "codespaces")]:
            app.post_message(events.Key(key, char))
        await pilot.pause(0.5)
        await settle(pilot)
        assert not app.progress.running
        assert shown(app, "#status-line").endswith("matching 'codespaces'")


async def test_toggles(tui_store: Store, make_app: AppFactory) -> None:
    app = make_app(tui_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert len(titles(app)) == 2
        assert "active only" in shown(app, "#status-line")
        await pilot.press("m")
        await settle(pilot)
        assert titles(app) == [GCP_MONITORING, GCP_INVESTIGATING]
        await pilot.press("a", "m")
        await settle(pilot)
        assert shown(app, "#status-line").startswith("1 of 1,396")


async def test_no_match_and_empty_store(
    tui_store: Store, store: Store, make_app: AppFactory, tui_config: Config
) -> None:
    app = make_app(tui_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"zzzzqqq", "enter")
        await settle(pilot)
        assert "No incidents match" in shown(app, "#empty-state")
        assert not table(app).display
    empty = make_app(store)  # the shared fixture: a fresh, empty database
    async with empty.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = shown(empty, "#empty-state")
        assert "No incidents stored yet" in text
        assert "incident-feed collect" in text and "make demo" in text
        assert "3 configured" in text


async def test_enter_opens_the_incident_and_escape_returns(
    tui_store: Store, make_app: AppFactory
) -> None:
    app = make_app(tui_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        assert app.screen.incident_id == "google-cloud-3710b787bb0b"
        await pilot.press("escape")
        await pilot.pause()
        assert cursor_title(app) == GCP_INVESTIGATING


async def test_reload_keeps_the_cursor_on_its_incident_and_line(
    tui_store: Store, make_app: AppFactory
) -> None:
    app = make_app(tui_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("pagedown", "pagedown", "pagedown", "pagedown", "j")
        status, title = shown(app, "#status-line"), cursor_title(app)
        line = table(app).cursor_row - table(app).scroll_line
        assert status.startswith("106 of 1,396")
        await pilot.press("r")
        await settle(pilot)
        assert (shown(app, "#status-line"), cursor_title(app)) == (status, title)
        assert table(app).cursor_row - table(app).scroll_line == line


async def test_mouse_click_wheel_and_double_click(tui_store: Store, make_app: AppFactory) -> None:
    app = make_app(tui_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click(table(app), offset=(40, 4))  # line 0 is the header
        assert shown(app, "#status-line").startswith("4 of 1,396")
        await pilot.click(table(app), offset=(40, 0))  # the header: nothing happens
        assert shown(app, "#status-line").startswith("4 of 1,396")
        wheel = events.MouseScrollDown(table(app), 40, 4, 0, 1, 0, False, False, False)
        table(app).post_message(wheel)  # the pilot has no wheel: the event the driver sends
        await pilot.pause()
        assert shown(app, "#status-line").startswith("7 of 1,396")
        title, grid = cursor_title(app), table(app)
        assert grid.scroll_line == 3  # the view moved with the cursor
        await pilot.double_click(grid, offset=(40, 1 + grid.cursor_row - grid.scroll_line))
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        assert app.screen.detail is not None and app.screen.detail.incident["title"] == title


def title_width(app: IncidentFeedApp) -> int:
    widths = table(app).column_widths()
    return widths[[c.key for c in COLUMNS].index("title")]


async def test_the_title_takes_the_room_the_other_columns_leave(
    tui_store: Store, make_app: AppFactory
) -> None:
    """Other columns as wide as their content; the title the rest, recomputed on resize. At
    80 columns the sources are left out so that the title keeps 30 cells or more."""
    app = make_app(tui_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        widths = dict(zip([c.key for c in COLUMNS], table(app).column_widths(), strict=True))
        # "Google Cloud", "investigating", "Aug 18 09:36", "1493d" are the widest cells.
        assert widths == {
            "vendor": 12, "phase": 13, "title": 30, "started": 12, "duration": 7, "sources": 0
        }  # fmt: skip
        assert sum(w + 1 for w in widths.values() if w) + 1 == table(app).content_size.width
        await pilot.resize_terminal(160, 24)
        await settle(pilot)
        assert table(app).column_widths()[-1] == len("Sources")
        assert title_width(app) == 160 - (12 + 13 + 12 + 7 + 7) - 7
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert title_width(app) == 30 >= MIN_TITLE


async def test_the_footer_fits_at_80_columns(tui_store: Store, make_app: AppFactory) -> None:
    """Every key the footer shows is whole at 80 columns: on the list, one incident and the
    sources (the rest are in help)."""
    app = make_app(tui_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)

        def footer_fits() -> bool:
            footer = app.screen.query_one(Footer)
            keys = list(footer.query("FooterKey"))  # by name: the class is not public
            return bool(keys) and sum(k.outer_size.width for k in keys) <= footer.size.width

        assert footer_fits()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen) and footer_fits()
        await pilot.press("escape", "s")
        await settle(pilot)
        assert footer_fits()
