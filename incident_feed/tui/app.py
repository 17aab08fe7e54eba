"""The Textual app: one factory (:func:`create_app`) for the CLI and the tests.

The app owns what outlives a screen: the store, config and clock, the "collect now" worker
thread, and the poll that notices another process writing to the database. Screens load their
own data (in worker threads) and are told to reload when the data changes.
"""

from __future__ import annotations

import datetime as dt
import gc
import shlex
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen

from incident_feed.clock import Clock, display_zone, utc_now
from incident_feed.config import Config
from incident_feed.errors import IncidentFeedError
from incident_feed.paths import data_dir
from incident_feed.store.database import Store
from incident_feed.store.queries import DataVersion, data_version
from incident_feed.tui.browser import open_in_browser
from incident_feed.tui.collecting import (
    CollectionFinished,
    CollectionProgress,
    CollectionStarted,
    FetcherFactory,
    SourceCollected,
    default_fetcher_factory,
)
from incident_feed.tui.commands import IncidentCommands
from incident_feed.tui.screens.help import HelpScreen
from incident_feed.tui.screens.incident import IncidentScreen
from incident_feed.tui.screens.incidents import IncidentsScreen
from incident_feed.tui.screens.sources import SourcesScreen
from incident_feed.tui.screens.status import StatusScreen
from incident_feed.tui.widgets.collect_panel import CollectPanel
from incident_feed.tui.widgets.filter_bar import FilterBar
from incident_feed.tui.widgets.incident_table import IncidentTable
from incident_feed.tui.widgets.update_thread import UpdateThread

if TYPE_CHECKING:
    from incident_feed.pipeline import SourceOutcome

POLL_SECONDS = 5.0


class IncidentFeedApp(App[None]):
    """Incidents -> one incident's thread; sources; help; collect now."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "incident-feed"
    COMMANDS = App.COMMANDS | {IncidentCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding(
            "c",
            "collect_now",
            "Collect",
            tooltip="Collect now from every active source",
            id="collect-now",
        ),
        Binding(
            "s",
            "show_sources",
            "Sources",
            tooltip="Vendors and sources: health, last errors",
            id="show-sources",
        ),
        Binding(
            "w",
            "show_status",
            "Down now",
            show=False,  # the footer is full at 80 columns; help (?) lists it
            tooltip="What is down now: each vendor's page state and active outages",
            id="show-status",
        ),
    ]

    def __init__(
        self,
        store: Store,
        config: Config,
        clock: Clock = utc_now,
        *,
        fetcher_factory: FetcherFactory | None = None,
        keymap: Mapping[str, str] | None = None,
        poll_seconds: float | None = POLL_SECONDS,
        open_url: Callable[[str], bool] = open_in_browser,
        export_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.export_dir = export_dir or data_dir() / "exports"
        self.store = store
        self.config = config
        self.clock = clock
        self.fetcher_factory = fetcher_factory or default_fetcher_factory(config)
        self.keymap = dict(config.keys if keymap is None else keymap)
        self._clashes_reported: set[frozenset[str]] = set()
        self.poll_seconds = poll_seconds
        self._open_url = open_url
        self.progress = CollectionProgress()
        self.zone = display_zone(config.settings.timezone)
        self._version: DataVersion | None = None
        self.set_keymap(self.keymap)

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: DOMNode) -> None:
        """A remapped key (``[keys]``) landed on another binding's key: say so, once."""
        ids = frozenset(b.id or b.action for b in clashed_bindings)
        if ids not in self._clashes_reported:
            self._clashes_reported.add(ids)
            keys = ", ".join(sorted({b.key for b in clashed_bindings}))
            self.notify(
                f"[keys]: {', '.join(sorted(ids))} = {keys}, a key another binding here "
                "already has; only one of them works.",
                severity="warning",
                markup=False,
            )

    def get_default_screen(self) -> Screen[None]:
        return IncidentsScreen()

    def on_mount(self) -> None:
        # Everything imported and built so far lives as long as the app: keep it out of the
        # collector's full passes, which otherwise stall a keypress for ~100 ms now and then.
        gc.freeze()
        if self.poll_seconds:
            self.set_interval(self.poll_seconds, self._check_for_changes)

    # -- what screens ask of the app ----------------------------------------------------------

    def now(self) -> dt.datetime:
        return self.clock()

    @property
    def zone_name(self) -> str:
        return self.now().astimezone(self.zone).tzname() or str(self.zone)

    def open_incident(self, incident_id: str) -> None:
        self.push_screen(IncidentScreen(incident_id))

    def show_vendor(self, vendor: str) -> None:
        """Back to the incidents list, filtered to one vendor."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        main = self.screen_stack[0]
        if isinstance(main, IncidentsScreen):
            main.set_filter_text(f"vendor:{shlex.quote(vendor)}")

    def open_link(self, url: str) -> None:
        """Open an http(s) link (the caller has checked it) in the user's browser; with no
        browser to open it in (over SSH, no display, or the opener says no), show the link
        and copy it to the clipboard instead of claiming it was opened."""
        try:
            opened = self._open_url(url)
        except Exception as exc:  # a broken browser setup must not take the app down
            problem = f"Could not open a browser ({exc})"
        else:
            if opened:
                self.notify(f"Opened {url}", timeout=3, markup=False)
                return
            problem = "No browser to open it here"
        # OSC 52: the terminal puts it on the clipboard if it allows that (most do; tmux needs
        # set-clipboard on), so the message says where the link is either way.
        self.copy_to_clipboard(url)
        self.notify(
            f"{problem}. The link, copied to the clipboard (if the terminal allows it):\n{url}",
            severity="warning",
            timeout=12,
            markup=False,
        )

    def action_show_sources(self) -> None:
        if not isinstance(self.screen, SourcesScreen):
            self.push_screen(SourcesScreen())

    def action_show_status(self) -> None:
        if not isinstance(self.screen, StatusScreen):
            self.push_screen(StatusScreen())

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        sections = [
            ("Everywhere", self.BINDINGS),
            ("Incidents list", [*IncidentTable.BINDINGS, *IncidentsScreen.BINDINGS]),
            ("Filter bar", FilterBar.BINDINGS),
            ("One incident", [*UpdateThread.BINDINGS, *IncidentScreen.BINDINGS]),
            ("Sources", SourcesScreen.BINDINGS),
            ("Down now", StatusScreen.BINDINGS),
        ]
        self.push_screen(HelpScreen(sections, self.keymap))

    # -- collect now --------------------------------------------------------------------------

    def action_collect_now(self) -> None:
        if self.progress.running:
            self.notify("A collection is already running.", timeout=3)
            return
        self.progress = CollectionProgress(running=True)
        self.collect_in_thread()

    @work(thread=True, exclusive=True, group="collect", exit_on_error=False)
    def collect_in_thread(self) -> None:
        """One pipeline run in a worker thread; progress arrives as messages."""
        from incident_feed.pipeline import collect

        names = [s.name for s in self.config.sources if s.active]
        self.post_message(CollectionStarted(names))
        try:
            with self.fetcher_factory() as fetcher:
                report = collect(
                    self.config,
                    self.store,
                    fetcher,
                    clock=self.clock,
                    trigger="tui",
                    on_outcome=self._post_outcome,
                )
        except Exception as exc:  # shown in the panel; the app keeps running
            self.post_message(CollectionFinished(None, f"{type(exc).__name__}: {exc}"))
        else:
            self.post_message(CollectionFinished(report))

    def _post_outcome(self, outcome: SourceOutcome) -> None:
        self.post_message(SourceCollected(outcome))

    @on(CollectionStarted)
    def _collection_started(self, event: CollectionStarted) -> None:
        self.progress.names = event.names
        self._show_progress()

    @on(SourceCollected)
    def _source_collected(self, event: SourceCollected) -> None:
        self.progress.outcomes[event.outcome.name] = event.outcome
        self._show_progress()

    @on(CollectionFinished)
    def _collection_finished(self, event: CollectionFinished) -> None:
        self.progress.running = False
        self.progress.error = event.error
        self._show_progress()
        failed = len(self.progress.failed)
        if event.error:
            self.notify(f"Collection failed: {event.error}", severity="error", markup=False)
        elif failed:
            self.notify(
                f"{failed} source(s) failed: see the panel or Sources (s).",
                severity="warning",
                markup=False,
            )
        else:
            self.notify("Collection finished.", timeout=3)
        self._reload_screens()

    def _show_progress(self) -> None:
        for screen in self.screen_stack:
            for panel in screen.query(CollectPanel):
                panel.show_progress(self.progress)

    # -- noticing other writers ---------------------------------------------------------------

    def _check_for_changes(self) -> None:
        if not self.progress.running:
            self._poll_version()

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def _poll_version(self) -> None:
        try:
            version = data_version(self.store)
        except IncidentFeedError:
            return  # the database is busy or gone for a moment; the next poll tries again
        self.call_from_thread(self._version_seen, version)

    def _version_seen(self, version: DataVersion) -> None:
        changed = self._version is not None and version != self._version
        self._version = version
        if changed:
            self._reload_screens()

    def _reload_screens(self) -> None:
        for screen in self.screen_stack:
            reload: Callable[[], None] | None = getattr(screen, "reload_data", None)
            if reload is not None:
                reload()


def create_app(
    store: Store,
    config: Config,
    clock: Clock = utc_now,
    *,
    fetcher_factory: FetcherFactory | None = None,
    keymap: Mapping[str, str] | None = None,
    poll_seconds: float | None = POLL_SECONDS,
    open_url: Callable[[str], bool] = open_in_browser,
    export_dir: Path | None = None,
) -> IncidentFeedApp:
    """The app, with everything it depends on passed in (the CLI and the tests both use this).

    ``keymap``: binding id -> keys, applied with ``App.set_keymap`` (default: the config's
    ``[keys]``). ``open_url``: opens a link and says whether a browser did (the tests'
    seam). ``export_dir``: where ``e`` writes an incident's Markdown (default: the data
    directory's ``exports`` folder).
    """
    return IncidentFeedApp(
        store,
        config,
        clock,
        fetcher_factory=fetcher_factory,
        keymap=keymap,
        poll_seconds=poll_seconds,
        open_url=open_url,
        export_dir=export_dir,
    )


def run_tui(store: Store, config: Config, keymap: Mapping[str, str] | None = None) -> int:
    """Run the TUI in the terminal until the user quits; the CLI's exit code. The keys are the
    config's ``[keys]`` unless ``keymap`` is given."""
    create_app(store, config, keymap=keymap).run()
    return 0
