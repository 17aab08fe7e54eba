"""What is down now: each vendor's page state, its components not operational and its active
outages, worst first (the ``status`` command's rows). Enter opens the vendor's outage."""

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

from incident_feed.clock import format_duration
from incident_feed.decide.status import VendorState
from incident_feed.enums import Impact
from incident_feed.errors import IncidentFeedError
from incident_feed.tui import formatting as fmt

if TYPE_CHECKING:
    from incident_feed.tui.app import IncidentFeedApp

_BADGES = {
    Impact.CRITICAL: ("critical", "bold white on #b3261e"),
    Impact.MAJOR: ("major", "bold white on #d9480f"),
    Impact.MINOR: ("minor", "bold black on #f2c94c"),
    Impact.MAINTENANCE: ("maint", "bold white on #1971c2"),
    Impact.NONE: ("ok", "bold white on #2e7d32"),
    Impact.UNKNOWN: ("?", "dim"),
}


class StatusScreen(Screen[None]):
    """One row per vendor, worst first; the highlighted vendor's components and outages are
    listed below the table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,backspace", "back", "Back", id="back"),
        Binding("j", "cursor_down", "Down", show=False, id="status-down"),
        Binding("k", "cursor_up", "Up", show=False, id="status-up"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.states: list[VendorState] = []

    @property
    def feed(self) -> IncidentFeedApp:
        # The app type for the checker only: importing the app here would make a cycle.
        return cast("IncidentFeedApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(Text("What is down now", style="bold"), classes="section-title")
        table: DataTable[Text] = DataTable(id="status-table", cursor_type="row")
        table.add_column("State", width=8, key="state")
        table.add_column("Vendor", width=16, key="vendor")
        table.add_column("Down", width=16, key="down")
        table.add_column("Read", width=6, key="read")
        # The rest of the width: the active outage's title.
        outage_width = max(12, self.app.size.width - (8 + 16 + 16 + 6) - 2 * 5 - 2)
        table.add_column("Active outage", width=outage_width, key="outage")
        yield table
        yield Static(id="status-detail")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#status-table").focus()
        self.reload_data()

    def reload_data(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="status-load", exit_on_error=False)
    def _load(self) -> None:
        from incident_feed.store.status import vendor_states_now

        try:
            states = vendor_states_now(self.feed.store, self.feed.config)
        except IncidentFeedError as exc:
            self.app.call_from_thread(self._show_error, str(exc))
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, states)

    def _show_error(self, message: str) -> None:
        self.query_one("#status-detail", Static).update(Text(message, style="bold red"))

    def _show(self, states: list[VendorState]) -> None:
        now = self.feed.now()
        self.states = states
        table: DataTable[Text] = self.query_one("#status-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for state in states:
            label, style = _BADGES[state.indicator]
            if state.outages and state.indicator in (Impact.NONE, Impact.UNKNOWN):
                label, style = "open", "bold black on #f2c94c"
            down = ", ".join(c.name for c in state.down) or ("-" if state.has_summary else "")
            outage = state.outages[0] if state.outages else None
            more = f" (+{len(state.outages) - 1})" if len(state.outages) > 1 else ""
            table.add_row(
                Text(label, style=style),
                fmt.cell(state.vendor, "" if state.quiet else "bold"),
                fmt.cell(down, "red" if state.down else "dim"),
                Text(_read(state, now), "dim"),
                fmt.cell(f"{outage.phase}: {outage.title}{more}" if outage else ""),
                key=state.vendor,
            )
        table.move_cursor(row=min(cursor, max(0, table.row_count - 1)))
        self._show_detail(table.cursor_row)

    @on(DataTable.RowHighlighted, "#status-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    def _show_detail(self, index: int) -> None:
        box = self.query_one("#status-detail", Static)
        if not 0 <= index < len(self.states):
            box.update("")
            return
        state = self.states[index]
        text = Text(end="")
        text.append(fmt.one_line(state.vendor), style="bold")
        if state.has_summary:
            text.append(f"  {fmt.one_line(state.description)}")
            text.append(f"  ({len(state.components)} components watched)", style="dim")
        elif state.collected:
            text.append("  no page state (feeds and social accounts give none)", "dim")
        else:
            text.append("  never fetched: none of its sources was collected yet", "dim")
        for component in state.down[:6]:
            group = f"{component.group} / " if component.group else ""
            text.append(f"\n  {component.state.value.replace('_', ' ')}: ", style="red")
            text.append(fmt.one_line(group + component.name))
        for outage in state.outages[:3]:
            text.append(f"\n  {outage.phase}: ", style="bold")
            text.append(fmt.one_line(outage.title))
        box.update(text)

    @on(DataTable.RowSelected, "#status-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        for state in self.states:
            if state.vendor == event.row_key.value:
                if state.outages:
                    self.feed.open_incident(state.outages[0].id)
                else:
                    self.feed.show_vendor(state.vendor)
                return

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_cursor_down(self) -> None:
        self.query_one("#status-table", DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#status-table", DataTable).action_cursor_up()


def _read(state: VendorState, now: dt.datetime) -> str:
    """How long ago the vendor's page was read; ``never`` when none of its sources was
    collected; empty when they give no page state."""
    if state.fetched_at is not None:
        return format_duration(now - state.fetched_at)
    return "" if state.collected else "never"
