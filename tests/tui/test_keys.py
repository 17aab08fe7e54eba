"""Help, remapped keys, the command palette, the sources screen's vendor jump, and polling."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.binding import Binding

from incident_feed.config import KEY_BINDING_IDS, load_config, parse_config
from incident_feed.enums import Phase
from incident_feed.store.database import Store
from incident_feed.tui.app import IncidentFeedApp, run_tui
from incident_feed.tui.screens.help import HelpScreen
from incident_feed.tui.screens.incident import IncidentScreen
from incident_feed.tui.screens.incidents import IncidentsScreen
from incident_feed.tui.screens.sources import SourcesScreen
from tests.conftest import REPO
from tests.tui.conftest import SIZE, TUI_NOW, settle
from tests.tui.drafts import draft
from tests.tui.helpers import notifications, shown, titles

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
        assert "Active incidents only (toggle)  [toggle-active]" in text
        assert " t " in text.split("Active incidents only")[0].splitlines()[-1]
        # Keys the footer leaves out at 80 columns are here, with their long description.
        assert "Copy the incident as Markdown to the clipboard  [copy-markdown]" in text
        assert "components, sources, links  [toggle-details]" in text
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


async def test_keys_from_the_config_file_remap_bindings(
    tui_store: Store, make_app: AppFactory, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[settings]\ntimezone = "UTC"\n\n[keys]\ntoggle-active = "t"\n'
        'cursor-down = "n, ctrl+n"\nexport-markdown = "x"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    app = make_app(tui_store, config, export_dir=tmp_path / "out")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert len(titles(app)) == 2
        await pilot.press("ctrl+n")
        assert shown(app, "#status-line").startswith("2 of 2")
        await pilot.press("j")  # the default key is gone
        assert shown(app, "#status-line").startswith("2 of 2")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        opened = app.screen.incident_id
        await pilot.press("x")
        await pilot.pause()
    assert (tmp_path / "out" / f"{opened}.md").is_file()


def test_run_tui_takes_the_keys_from_the_config(
    tui_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = parse_config({"keys": {"quit": "ctrl+q", "help": "f1"}}, None)
    started: list[dict[str, str]] = []
    monkeypatch.setattr(IncidentFeedApp, "run", lambda self: started.append(self.keymap))
    assert run_tui(tui_store, config) == 0
    assert started == [{"quit": "ctrl+q", "help": "f1"}]


def test_every_binding_id_is_known_to_the_config() -> None:
    """``[keys]`` accepts exactly the ids the TUI's bindings have (config.py lists them without
    importing Textual)."""
    import incident_feed.tui

    defaults: dict[str, set[str]] = {}
    for module in pkgutil.walk_packages(incident_feed.tui.__path__, "incident_feed.tui."):
        for value in vars(importlib.import_module(module.name)).values():
            if isinstance(value, type) and value.__module__ == module.name:
                for binding in Binding.make_bindings(vars(value).get("BINDINGS", [])):
                    assert binding.id, f"{value.__name__}: {binding.action} has no id"
                    defaults.setdefault(binding.id, set()).add(binding.key)
    assert set(defaults) == KEY_BINDING_IDS
    # The commented example in config.toml shows each id with its default keys (a binding
    # of several keys is one Binding per key here; "back" is the incident screen's and the
    # sources screen's).
    text = (REPO / "config.toml").read_text(encoding="utf-8")
    block = text[text.index("\n# [keys]\n") + 1 :].split("\n\n")[0]
    example = [line.removeprefix("# ") for line in block.splitlines()]
    shown = tomllib.loads("\n".join(line for line in example if not line.startswith("#")))
    assert {i: set(keys.split(",")) for i, keys in shown["keys"].items()} == defaults


async def test_a_clash_made_by_the_keymap_is_reported_once(
    tui_store: Store, make_app: AppFactory
) -> None:
    app = make_app(tui_store, keymap={"cursor-up": "j"})
    async with app.run_test(size=SIZE) as pilot:
        seen = notifications(app)
        await settle(pilot)
        await pilot.press("j", "j")
        await pilot.pause()
    assert seen == [
        ("[keys]: cursor-up = j, a key another binding here already has; only one of them works.",
         "warning")
    ]  # fmt: skip


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
        assert "vendor Google Cloud" in shown(app, "#status-line")  # most active incidents first


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
        assert shown(app, "#incidents-title").startswith("incident-feed  1,397 incidents")
