"""Vendors and sources: active incidents per vendor, and each source's health."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import get_current_worker

from incident_feed.clock import format_stamp
from incident_feed.errors import IncidentFeedError
from incident_feed.store.queries import SourceHealth, VendorSummary, source_health, vendor_summaries
from incident_feed.tui import formatting as fmt
from incident_feed.tui.widgets.collect_panel import CollectPanel

if TYPE_CHECKING:
    from incident_feed.tui.app import IncidentFeedApp

STALE_AFTER = dt.timedelta(hours=24)
SPARK = " ▁▂▃▄▅▆▇█"
WEEKS = 12


class SourcesScreen(Screen[None]):
    """Enter on a vendor shows its incidents; the highlighted source's last error is shown
    in full below the table. Sources the config turns off (``active = false``) or no longer
    lists are marked so: no collection runs them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,backspace", "back", "Back", id="back"),
        Binding("j", "cursor_down", "Down", show=False, id="sources-down"),
        Binding("k", "cursor_up", "Up", show=False, id="sources-up"),
        Binding("x", "hide_collect_panel", "Hide progress", show=False, id="hide-progress"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.health: list[SourceHealth] = []
        self.vendors: list[VendorSummary] = []

    @property
    def feed(self) -> IncidentFeedApp:
        # The app type for the checker only: importing the app here would make a cycle.
        return cast("IncidentFeedApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(Text("Vendors", style="bold"), classes="section-title")
        vendors: DataTable[Text] = DataTable(id="vendor-table", cursor_type="row")
        vendors.add_column("Vendor", width=22, key="vendor")
        vendors.add_column("Active", width=6, key="active")
        vendors.add_column("Total", width=7, key="total")
        vendors.add_column("Latest", width=12, key="last")
        vendors.add_column(f"{WEEKS} weeks", width=WEEKS, key="weeks")
        yield vendors
        yield Static(Text("Sources", style="bold"), classes="section-title")
        sources: DataTable[Text] = DataTable(id="source-table", cursor_type="row")
        sources.add_column("Health", width=14, key="health")
        sources.add_column("Source", width=22, key="name")
        sources.add_column("Kind", width=10, key="kind")
        sources.add_column("Last success", width=12, key="success")
        sources.add_column("Fails", width=5, key="fails")
        # The rest of the width; the highlighted source's whole error is shown below the table.
        error_width = max(20, self.app.size.width - (14 + 22 + 10 + 12 + 5) - 2 * 6 - 2)
        sources.add_column("Last error", width=error_width, key="error")
        yield sources
        yield Static(id="source-error")
        yield CollectPanel(id="collect-panel")
        yield Footer(show_command_palette=False)  # 80 columns hold the keys; ctrl+p is in help

    def on_mount(self) -> None:
        self.query_one(CollectPanel).display = False
        self.query_one("#vendor-table").focus()
        self.reload_data()

    def reload_data(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="sources-load", exit_on_error=False)
    def _load(self) -> None:
        feed = self.feed
        try:
            health = source_health(feed.store, feed.config)
            vendors = vendor_summaries(
                feed.store, feed.now(), [v.name for v in feed.config.vendors], WEEKS
            )
        except IncidentFeedError as exc:
            self.app.call_from_thread(self._show_error, str(exc))
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, health, vendors)

    def _show_error(self, message: str) -> None:
        self.query_one("#source-error", Static).update(Text(message, style="bold red"))

    def _show(self, health: list[SourceHealth], vendors: list[VendorSummary]) -> None:
        now = self.feed.now()
        zone = self.feed.zone
        self.health, self.vendors = health, vendors
        table: DataTable[Text] = self.query_one("#vendor-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        # Vendors with active incidents first, then by name.
        for summary in sorted(vendors, key=lambda v: (-v.active, v.vendor.lower())):
            table.add_row(
                fmt.cell(summary.vendor, "bold" if summary.active else ""),
                Text(str(summary.active), style="bold red" if summary.active else "dim"),
                Text(f"{summary.total:,}"),
                Text(fmt.when(summary.last_started_at, now, zone)),
                Text(sparkline(summary.weekly), style="#7aa2f7"),
                key=summary.vendor,
            )
        table.move_cursor(row=min(cursor, max(0, table.row_count - 1)))
        sources: DataTable[Text] = self.query_one("#source-table", DataTable)
        cursor = sources.cursor_row
        sources.clear()
        inactive = self._inactive()
        for item in health:
            sources.add_row(
                health_badge(item, now, collected=item.name not in inactive),
                fmt.cell(item.name, "" if item.name not in inactive else "dim"),
                Text(item.kind),
                Text(fmt.when(item.last_success_at, now, zone)),
                Text(
                    str(item.consecutive_failures),
                    style="bold red" if item.consecutive_failures else "dim",
                ),
                fmt.cell(item.last_error or "", "red" if item.consecutive_failures else "yellow"),
                key=item.name,
            )
        sources.move_cursor(row=min(cursor, max(0, sources.row_count - 1)))
        self._show_source_error(sources.cursor_row)

    def _inactive(self) -> set[str]:
        """Sources no collection runs: turned off in the config, or no longer in it."""
        configured = {s.name: s.active for s in self.feed.config.sources}
        return {item.name for item in self.health if not configured.get(item.name, False)}

    @on(DataTable.RowHighlighted, "#source-table")
    def _source_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_source_error(event.cursor_row)

    def _show_source_error(self, index: int) -> None:
        box = self.query_one("#source-error", Static)
        if not 0 <= index < len(self.health):
            box.update("")
            return
        item = self.health[index]
        text = Text(end="")
        text.append(fmt.one_line(item.name), style="bold")
        text.append(f"  {fmt.one_line(item.url)}", style="dim")
        if not item.configured:
            text.append("\nNo longer in the config: not collected; its incidents stay stored.")
        elif item.name in self._inactive():
            text.append("\nInactive (active = false in the config): not collected.")
        elif item.fetching_by is not None:
            text.append(f"\nBeing fetched now by {fmt.one_line(item.fetching_by)}.", "dim")
        elif item.next_due_at is not None:
            when = format_stamp(item.next_due_at, self.feed.zone)
            text.append(f"\nNext collection under watch: {when}.", "dim")
        if item.last_error:
            text.append("\n")
            text.append_text(fmt.block(item.last_error, "red"))
            if item.last_error_at:
                text.append(f"\n(at {format_stamp(item.last_error_at, self.feed.zone)})", "dim")
        box.update(text)

    @on(DataTable.RowSelected, "#vendor-table")
    def _vendor_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.feed.show_vendor(event.row_key.value)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_cursor_down(self) -> None:
        focused = self.focused
        if isinstance(focused, DataTable):
            focused.action_cursor_down()

    def action_cursor_up(self) -> None:
        focused = self.focused
        if isinstance(focused, DataTable):
            focused.action_cursor_up()

    def action_hide_collect_panel(self) -> None:
        self.query_one(CollectPanel).display = False


def health_badge(item: SourceHealth, now: dt.datetime, *, collected: bool = True) -> Text:
    """A source's state in a word; one that is not collected says so, whatever its past."""
    if not item.configured:
        return Text("not configured", style="dim italic")  # as `incident-feed sources` says
    if not collected:
        return Text("inactive", style="dim italic")
    if item.consecutive_failures:
        label = "failing" if item.consecutive_failures < 10 else "fail"
        return Text(f"{label} ×{item.consecutive_failures}", style="bold white on #b3261e")
    if item.last_success_at is None:
        return Text("never run", style="dim")
    if now - item.last_success_at > STALE_AFTER:
        return Text("stale", style="bold black on #f2c94c")
    if item.last_error and item.last_error.startswith("warning"):
        return Text("ok (warn)", style="bold black on #f2c94c")
    return Text("ok", style="bold white on #2e7d32")


def sparkline(counts: tuple[int, ...]) -> str:
    """One character per week, height relative to the busiest week (blank = none)."""
    peak = max(counts, default=0)
    if peak == 0:
        return "·" * len(counts)
    steps = len(SPARK) - 1
    return "".join(SPARK[0 if n == 0 else max(1, round(n / peak * steps))] for n in counts)
