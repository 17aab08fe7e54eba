"""The main screen: every incident, active first, with a filter bar and toggles."""

from __future__ import annotations

import dataclasses
import time
from functools import partial
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from incident_feed.decide.watch import vendor_watches
from incident_feed.errors import IncidentFeedError
from incident_feed.store.queries import IncidentFilter, Listing, count_incidents
from incident_feed.tui.filtering import describe, parse_filter
from incident_feed.tui.widgets.collect_panel import CollectPanel
from incident_feed.tui.widgets.filter_bar import FilterBar
from incident_feed.tui.widgets.incident_table import IncidentTable
from incident_feed.tui.window import RowWindow, sized_for

if TYPE_CHECKING:
    from incident_feed.tui.app import IncidentFeedApp

FILTER_DELAY = 0.25  # seconds of no typing before the filter runs
COUNT_DELAY = 0.1  # seconds between showing a filter's rows and counting them


@dataclasses.dataclass(slots=True)
class Loaded:
    """A window ready to show, the totals behind it, and the filter it was built for.

    ``matching`` is None until counted: the rows are shown first, the count follows (a count
    over a common word takes 100-350 ms at 100,000 incidents, its first page 5-35 ms).
    """

    window: RowWindow
    matching: int | None
    stored: int
    filter: IncidentFilter


class IncidentsScreen(Screen[None]):
    """Incidents list. ``/`` filter, ``a`` active only, ``m`` maintenance, Enter opens."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", "Filter", id="filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear-filter"),
        Binding(
            "a",
            "toggle_active",
            "Active",
            tooltip="Active incidents only (toggle)",
            id="toggle-active",
        ),
        Binding(
            "m",
            "toggle_maintenance",
            "Maint.",
            tooltip="Show or hide maintenance (toggle)",
            id="toggle-maintenance",
        ),
        Binding("r", "reload", "Reload", show=False, id="reload"),
        Binding("x", "hide_collect_panel", "Hide progress", show=False, id="hide-progress"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = IncidentFilter()
        self.filter_text = ""
        self.problems: tuple[str, ...] = ()
        self._filter_timer: Timer | None = None
        self._loaded: Loaded | None = None
        self._position = 0

    @property
    def feed(self) -> IncidentFeedApp:
        # The app type for the checker only: importing the app here would make a cycle.
        return cast("IncidentFeedApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(id="incidents-title")
        yield FilterBar(id="filter-bar")
        yield Static(id="filter-problems")
        yield IncidentTable(self.feed.now(), self.feed.zone, id="incident-table")
        yield Static(id="empty-state")
        yield CollectPanel(id="collect-panel")
        yield Static(id="status-line")
        yield Footer(show_command_palette=False)  # 80 columns hold the keys; ctrl+p is in help

    def on_mount(self) -> None:
        # Component watching: the config's components / exclude_components, under every filter.
        watch = vendor_watches(self.feed.config.sources)
        self.filter = dataclasses.replace(self.filter, watch=watch)
        self.query_one(CollectPanel).display = False
        self.query_one("#filter-problems").display = False
        self.query_one("#empty-state").display = False
        self.query_one(FilterBar).display = False
        table = self.query_one(IncidentTable)
        table.moved.subscribe(self, self._moved, immediate=True)
        table.focus()
        self.reload_data()

    # -- loading ------------------------------------------------------------------------------

    def reload_data(self, keep_position: bool = True) -> None:
        """Reload from the database (filter changed, a collection ran, another process wrote).

        The first page is read here, on the event loop, and the exact count in a worker. On
        SQLite a page is a few milliseconds (a search's first page 5-35 ms at 100,000
        incidents); in a thread it took 3-7x longer whenever the screen was busy repainting
        (the thread waits for the GIL on every row it steps through), so the rows came later,
        not sooner. The count is one statement that holds no GIL while it runs.
        """
        table = self.query_one(IncidentTable)
        table.now = self.feed.now()
        selected = table.selected() if keep_position else None
        window = table.window if keep_position else None
        first = window.rows[0].key if window and window.rows and not window.at_top else None
        store = self.feed.store
        listing = Listing(store, self.filter)
        page, capacity = sized_for(table.size.height or self.app.size.height)
        fresh = RowWindow(listing.after, listing.before, page=page, capacity=capacity)
        try:
            stored = count_incidents(store, IncidentFilter(watch=self.filter.watch))
            if first is not None:
                fresh.load_from(first, window.start if window else 0)
            else:
                fresh.load_top()
        except IncidentFeedError as exc:
            self._show_error(str(exc))
            return
        matching: int | None = None
        if self.filter == IncidentFilter(watch=self.filter.watch):
            matching = stored
        elif fresh.at_top and fresh.at_bottom:
            matching = len(fresh.rows)  # it all fits in the window: no count needed
        fresh.total = matching
        loaded = Loaded(fresh, matching, stored, self.filter)
        self._show(loaded, selected.id if selected else None)
        if matching is None:
            self._count(loaded, listing)
        else:
            self.workers.cancel_group(self, "incidents-count")

    @work(thread=True, exclusive=True, group="incidents-count", exit_on_error=False)
    def _count(self, loaded: Loaded, listing: Listing) -> None:
        # Wait a moment: the rows get painted first, and while the user types (a reload per
        # pause) the counts of filters already replaced never start. A running count cannot
        # be stopped, and each takes a core for 100-350 ms at 100,000 incidents.
        time.sleep(COUNT_DELAY)
        if get_current_worker().is_cancelled:
            return
        try:
            total = listing.count()
        except IncidentFeedError:
            return  # the status line keeps "N+"; the next reload counts again
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._counted, loaded, total)

    def _counted(self, loaded: Loaded, total: int) -> None:
        loaded.matching = total
        loaded.window.counted(total)
        if loaded is self._loaded:
            self.query_one(IncidentTable).announce()  # the position may have moved with start

    def _show(self, loaded: Loaded, keep: str | None) -> None:
        self._loaded = loaded
        table = self.query_one(IncidentTable)
        table.now = self.feed.now()
        empty = self.query_one("#empty-state", Static)
        if not loaded.window.rows:
            if self.focused is table:
                self.set_focus(None)  # keys go to the screen: escape still clears the filter
            table.display = False
            empty.display = True
            empty.update(self._empty_text(loaded), layout=False)
        else:
            empty.display = False
            table.display = True
            if self.focused is None:
                self.set_focus(table)
        table.show_window(loaded.window, keep)  # publishes the cursor's position
        self._update_title()
        self._update_status(self._position)

    def _show_error(self, message: str) -> None:
        # One fixed-height line: no relayout of the screen (layout=False) on every keypress.
        self.query_one("#status-line", Static).update(Text(message, style="bold red"), layout=False)

    def _empty_text(self, loaded: Loaded) -> Text:
        if loaded.stored == 0:
            text = Text(end="")
            text.append("No incidents stored yet.\n\n", style="bold")
            config = self.feed.config
            where = str(config.path) if config.path else "the built-in config"
            text.append(f"Sources come from {where} ({len(config.sources)} configured).\n")
            text.append("Press ")
            text.append("c", style="bold reverse")
            text.append(" to collect now, or run ")
            text.append("incident-feed collect", style="bold")
            text.append(" in a shell (")
            text.append("make demo", style="bold")
            text.append(" loads sample data without network).\n")
            text.append("Press ")
            text.append("?", style="bold reverse")
            text.append(" for help.")
            return text
        text = Text("No incidents match ", style="bold", end="")
        text.append(describe(loaded.filter))
        text.append(".\n\nPress / to change the filter, escape to clear it", style="")
        text.append(", a / m to change the toggles.", style="")
        return text

    # -- the top and bottom lines ---------------------------------------------------------------

    def _update_title(self) -> None:
        loaded = self._loaded
        title = Text("incident-feed", style="bold", end="")
        if loaded is not None:
            title.append(f"  {loaded.stored:,} incidents stored", style="dim")
        zone = self.feed.zone_name
        title.append(f"  ·  times in {zone}", style="dim")
        self.query_one("#incidents-title", Static).update(title, layout=False)

    def _update_status(self, position: int | None = None) -> None:
        loaded = self._loaded
        if loaded is None:
            return
        self._position = position or 0
        line = Text(end="", no_wrap=True, overflow="ellipsis")
        if not loaded.window.rows:
            line.append("0 of 0", style="bold")
        elif loaded.matching is None:
            at_least = loaded.window.start + len(loaded.window.rows)
            line.append(f"{self._position + 1:,} of {at_least:,}+", style="bold")
            line.append(" (counting…)", style="dim")
        else:
            line.append(f"{self._position + 1:,} of {loaded.matching:,}", style="bold")
        line.append(f"  ·  {describe(self.filter)}")
        if self.filter.active_only:
            line.append("  [a]", style="dim")
        self.query_one("#status-line", Static).update(line, layout=False)

    def _moved(self, position: IncidentTable.Position) -> None:
        self._update_status(position.index)

    @on(IncidentTable.Opened)
    def _opened(self, event: IncidentTable.Opened) -> None:
        self.feed.open_incident(event.incident_id)

    # -- filter and toggles -------------------------------------------------------------------

    def set_filter_text(self, value: str) -> None:
        """Replace the filter bar's text and apply it (used by the command palette)."""
        bar = self.query_one(FilterBar)
        bar.value = value
        bar.display = bool(value)
        self._apply_filter(value)

    def _apply_filter(self, value: str) -> None:
        self.filter_text = value
        parsed = parse_filter(value, self.feed.now(), self.filter)
        self.problems = parsed.problems
        problems = self.query_one("#filter-problems", Static)
        problems.display = bool(parsed.problems)
        problems.update(Text("; ".join(parsed.problems), style="yellow", end=""))
        if parsed.filter != self.filter:
            self.filter = parsed.filter
            self.reload_data(keep_position=False)

    def action_focus_filter(self) -> None:
        bar = self.query_one(FilterBar)
        bar.display = True
        # Now, not after the next refresh (Widget.focus): keys typed right after "/" are
        # already queued and must reach the bar, not the list's bindings.
        self.set_focus(bar)

    def on_key(self, event: events.Key) -> None:
        """Handle the filter key here, not when the binding fires: bindings run only once a
        key has bubbled up to the app, by which time keys typed in the same burst ("/disk")
        were already routed to the list. Those reach this handler after the bar took focus,
        and go into the bar instead of triggering the list's keys ("d"...)."""
        bar = self.query_one(FilterBar)
        if self.focused is bar:
            if event.is_printable and event.character:
                event.stop()
                event.prevent_default()
                bar.insert_text_at_cursor(event.character)
            return
        active = self.active_bindings.get(event.key)
        if active is not None and active.binding.id == "filter":
            event.stop()
            event.prevent_default()
            self.action_focus_filter()

    @on(Input.Changed, "#filter-bar")
    def _filter_typed(self, event: Input.Changed) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, partial(self._apply_filter, event.value))

    @on(Input.Submitted, "#filter-bar")
    @on(FilterBar.Done)
    def _filter_done(self, event: Input.Submitted | FilterBar.Done) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._apply_filter(event.value)
        bar = self.query_one(FilterBar)
        bar.display = bool(event.value)
        self._focus_list()

    def _focus_list(self) -> None:
        """Back to the list; with nothing listed, to the screen (so escape still clears)."""
        table = self.query_one(IncidentTable)
        if table.display:
            table.focus()
        else:
            self.set_focus(None)

    def action_clear_filter(self) -> None:
        if self.filter_text:
            self.set_filter_text("")

    def action_toggle_active(self) -> None:
        self.filter = dataclasses.replace(self.filter, active_only=not self.filter.active_only)
        self.reload_data(keep_position=False)

    def action_toggle_maintenance(self) -> None:
        shown = not self.filter.show_maintenance
        self.filter = dataclasses.replace(self.filter, show_maintenance=shown)
        self.notify("maintenance shown" if shown else "maintenance hidden", timeout=2)
        self.reload_data(keep_position=False)

    def action_reload(self) -> None:
        self.reload_data()

    def action_hide_collect_panel(self) -> None:
        self.query_one(CollectPanel).display = False
