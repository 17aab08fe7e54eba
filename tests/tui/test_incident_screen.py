"""One incident: the thread in time order, the evidence highlighted, the phase bar, links."""

from __future__ import annotations

import datetime as dt
import webbrowser
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Static

from incident_feed import cli
from incident_feed.config import Config
from incident_feed.enums import Phase
from incident_feed.store.database import Store
from incident_feed.tui import formatting as fmt
from incident_feed.tui.app import IncidentFeedApp, create_app
from incident_feed.tui.browser import why_no_browser
from incident_feed.tui.exporting import export_path
from incident_feed.tui.screens.incident import IncidentScreen
from incident_feed.tui.widgets.incident_details import IncidentDetails
from incident_feed.tui.widgets.phase_bar import PhaseBar, legend
from incident_feed.tui.widgets.update_thread import UpdateItem, UpdateThread
from tests.tui.conftest import SIZE, TUI_NOW, settle
from tests.tui.drafts import draft
from tests.tui.helpers import notifications, shown

AppFactory = Callable[..., IncidentFeedApp]
pytestmark = pytest.mark.anyio
INCIDENT = "github-pf25whpq58hh"  # "Disruption with GHEC Team Sync": four phases, one feed


async def open_incident(app: IncidentFeedApp, pilot: object, incident_id: str) -> IncidentScreen:
    app.open_incident(incident_id)
    await settle(pilot)  # type: ignore[arg-type]
    screen = app.screen
    assert isinstance(screen, IncidentScreen)
    return screen


async def test_thread_in_time_order_with_evidence(tui_store: Store, make_app: AppFactory) -> None:
    app = make_app(tui_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_incident(app, pilot, INCIDENT)
        header = shown(app, "#incident-header")
        assert header.startswith("Disruption with GHEC Team Sync\nGitHub · incident")
        assert "lasted 2h 6m" in header
        assert "https://www.githubstatus.com/incidents/pf25whpq58hh" in shown(
            app, "#incident-details"
        )
        items = list(screen.query(UpdateItem))
        assert [i.update_row["phase"] for i in items] == [
            "investigating",
            "identified",
            "monitoring",
            "resolved",
        ]
        assert [i.update_row["at"] for i in items] == sorted(i.update_row["at"] for i in items)
        body = items[1].query_one(Static).content
        assert isinstance(body, Text)
        highlighted = [
            body.plain[s.start : s.end] for s in body.spans if s.style == fmt.EVIDENCE_STYLE
        ]
        assert highlighted == ["identified the cause"]
        assert 'why identified: phrase "identified the cause"' in body.plain


async def test_phase_bar(tui_store: Store, make_app: AppFactory) -> None:
    app = make_app(tui_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_incident(app, pilot, INCIDENT)
        bar = screen.query_one(PhaseBar)
        assert legend(bar.spans).plain == (
            "investigating 0s → identified 2h 6m → monitoring 0s → resolved"
        )
        rendered = bar.render()
        top = rendered.plain.split("\n")[0]
        assert len(top) <= bar.content_size.width and "identified" in top


async def test_keys_move_through_updates_and_open_links(
    tui_store: Store, make_app: AppFactory, opened_links: list[str]
) -> None:
    at = dt.datetime(2026, 8, 20, 10, tzinfo=dt.UTC)
    linked = draft(
        "linked",
        "Linked incident",
        [(at, Phase.INVESTIGATING, "first"), (at + dt.timedelta(hours=1), Phase.RESOLVED, "ok")],
        url="https://status.example.com/incidents/1",
        update_url="https://social.example.com/@status/1",
    )
    tui_store.apply("github-status", "statuspage", [linked], TUI_NOW)
    app = make_app(tui_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_incident(app, pilot, "github-linked")
        thread = screen.query_one(UpdateThread)
        assert app.focused is thread and thread.index == 0
        await pilot.press("j")
        assert thread.index == 1
        await pilot.press("o")
        await pilot.press("p")
        await pilot.press("k", "G", "g")
        assert thread.index == 0
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, IncidentScreen)
    assert opened_links == [
        "https://social.example.com/@status/1",
        "https://status.example.com/incidents/1",
    ]


async def test_export_writes_what_the_cli_exports(
    tui_store: Store, make_app: AppFactory, tmp_path: Path
) -> None:
    app = make_app(tui_store, export_dir=tmp_path / "exports")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seen = notifications(app)
        await open_incident(app, pilot, INCIDENT)
        await pilot.press("e")
        await pilot.pause()
    written = tmp_path / "exports" / f"{INCIDENT}.md"
    assert seen == [(f"Wrote {written}", "information")]
    # The CLI, on the same database and display zone (the TUI's config says UTC).
    config = tmp_path / "utc.toml"
    config.write_text('[settings]\ntimezone = "UTC"\n', encoding="utf-8")
    out = tmp_path / "cli.md"
    database = str(tui_store.engine.url)
    assert (
        cli.main(["--config", str(config), "--db", database, "export", INCIDENT, "-o", str(out)])
        == 0
    )
    assert written.read_bytes() == out.read_bytes()
    assert b"# Disruption with GHEC Team Sync" in written.read_bytes()


async def test_export_to_an_unwritable_folder_is_an_error_not_a_crash(
    tui_store: Store, make_app: AppFactory, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"  # a file where the folder would go (root may write anywhere)
    blocker.write_text("not a folder")
    app = make_app(tui_store, export_dir=blocker / "exports")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seen = notifications(app)
        await open_incident(app, pilot, INCIDENT)
        await pilot.press("e")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, IncidentScreen)
    [(message, severity)] = seen
    assert severity == "error"
    assert message.startswith(f"Could not write {blocker / 'exports' / INCIDENT}.md: ")
    assert not [path for path in tmp_path.rglob("*") if INCIDENT in path.name]


async def test_copy_puts_the_same_markdown_on_the_clipboard(
    tui_store: Store, make_app: AppFactory, tmp_path: Path
) -> None:
    app = make_app(tui_store, export_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_incident(app, pilot, INCIDENT)
        await pilot.press("y", "e")
        await pilot.pause()
        copied = app.clipboard
    assert copied == (tmp_path / f"{INCIDENT}.md").read_text(encoding="utf-8")
    assert copied.startswith("# Disruption with GHEC Team Sync")


def test_export_file_names_stay_in_the_folder(tmp_path: Path) -> None:
    assert export_path(tmp_path, "github-abc").name == "github-abc.md"
    for hostile_id in ("../../etc/passwd", "/abs", "a/b\\c", "..", ""):
        path = export_path(tmp_path, hostile_id)
        assert path.parent == tmp_path and path.name.endswith(".md") and "/" not in path.name


async def test_a_linked_thread_reads_across_channels(store: Store, make_app: AppFactory) -> None:
    from tests.decide.linking.posts import seed_posts
    from tests.decide.linking.test_links import STATUS_ID, THREAD, store_posts, store_status

    store_status(store)
    store_posts(store, seed_posts())
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_incident(app, pilot, STATUS_ID)
        details = shown(app, "#incident-details")
        assert f"same as {THREAD} (0.95): started 4 min apart; both name api" in details
        assert "masto openai-mastodon" in details
        items = list(screen.query(UpdateItem))
        sources = [i.update_row["source_name"] for i in items]
        assert sources.count("openai-mastodon") == 3 and sources.count("openai-status") == 3
        assert [i.update_row["at"] for i in items] == sorted(i.update_row["at"] for i in items)
        # Each post's lag behind the status-page update it matches (decide.lag): the posts of
        # tests/decide/linking/posts.py came 28 and 5 minutes before it, then 2 after.
        heads = []
        for item in items:
            content = item.query_one(Static).content
            plain = content.plain if isinstance(content, Text) else str(content)
            heads.append(plain.split("\n")[0])
        lags = [h.split("  ")[-1] for h in heads if "openai-mastodon" in h]
        assert lags == [
            "28m before page",
            "5m before page",
            "2m after page",
        ]
        assert not any("after page" in h for h in heads if "openai-status" in h)


async def test_at_80x24_the_thread_gets_most_of_the_screen(
    store: Store, make_app: AppFactory
) -> None:
    """The seed outage (status page + Mastodon thread, linked): its details stay folded into
    one line until ``d``, and the thread shows at least half the screen."""
    from tests.decide.linking.posts import seed_posts
    from tests.decide.linking.test_links import STATUS_ID, store_posts, store_status

    store_status(store)
    store_posts(store, seed_posts())
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_incident(app, pilot, STATUS_ID)
        thread = screen.query_one(UpdateThread)
        section = screen.query_one(IncidentDetails)
        assert section.collapsed and section.outer_size.height == 1
        assert thread.scrollable_content_region.height >= 12
        assert thread.scrollable_content_region.bottom <= 23  # above the footer, on screen
        await pilot.press("d")
        await pilot.pause()
        assert not section.collapsed
        assert "page openai-status  https://status.openai.com" in shown(app, "#incident-details")
        assert app.focused is thread  # unfolding does not take the keys from the thread
        await pilot.press("d")
        await pilot.pause()
        assert section.collapsed
        assert thread.scrollable_content_region.height >= 12


@pytest.mark.parametrize(
    ("opener", "problem"),
    [
        (lambda url: False, "No browser to open it here."),
        (lambda url: 1 / 0, "Could not open a browser (division by zero)."),
    ],
)
async def test_without_a_browser_the_link_is_shown_and_copied(
    tui_store: Store, make_app: AppFactory, opener: Callable[[str], bool], problem: str
) -> None:
    app = make_app(tui_store, open_url=opener)
    page = "https://www.githubstatus.com/incidents/pf25whpq58hh"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seen = notifications(app)
        await open_incident(app, pilot, INCIDENT)
        await pilot.press("p")
        await pilot.pause()
        assert app.clipboard == page
        assert seen == [
            (
                f"{problem} The link, copied to the clipboard (if the terminal allows it):\n{page}",
                "warning",
            )
        ]
        assert isinstance(app.screen, IncidentScreen)


async def test_over_ssh_the_default_opener_does_not_start_a_browser(
    tui_store: Store, tui_config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not even a text-mode one in the TUI's own terminal: the link goes to the clipboard."""
    started: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: started.append(url) or True)
    monkeypatch.delenv("BROWSER", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("SSH_CONNECTION", "192.0.2.1 50000 192.0.2.2 22")
    app = create_app(tui_store, tui_config, lambda: TUI_NOW, poll_seconds=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seen = notifications(app)
        await open_incident(app, pilot, INCIDENT)
        await pilot.press("o")  # the update has no link of its own: the status page
        await pilot.pause()
    assert started == []
    assert app.clipboard == "https://www.githubstatus.com/incidents/pf25whpq58hh"
    [(message, severity)] = seen
    assert severity == "warning" and message.startswith("No browser to open it here.")


@pytest.mark.parametrize(
    ("environ", "platform", "reason"),
    [
        ({"DISPLAY": ":0"}, "linux", None),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", None),
        ({}, "linux", "no display"),
        ({}, "darwin", None),
        ({"SSH_TTY": "/dev/pts/3"}, "darwin", "running over SSH"),
        ({"SSH_CONNECTION": "x", "DISPLAY": "localhost:10.0"}, "linux", "running over SSH"),
        ({"SSH_CONNECTION": "x", "BROWSER": "my-opener"}, "linux", None),
    ],
)
def test_when_there_is_no_browser_to_reach(
    environ: dict[str, str], platform: str, reason: str | None
) -> None:
    assert why_no_browser(environ, platform) == reason
