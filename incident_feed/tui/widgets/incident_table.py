"""The incidents table: one :class:`RowWindow` of the listing, drawn a line at a time.

A line-API widget rather than a ``DataTable``: moving never rebuilds anything. A keypress moves
the cursor (two lines repainted) or the view (the visible lines repainted, from a cache of
rendered rows); when the cursor comes within a screen of the window's edge, the window fetches
the next page (a keyset query of a millisecond or two) and drops as many rows from the far
edge. A ``DataTable`` had to be cleared and refilled for that and measured every cell again:
page up/down took 50 ms at the median and 100 ms at p95 at 100,000 incidents, 17 and 19 ms now
(``benchmarks/tui_bench.py``). ``g``/``G`` jump to either end of the whole listing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.signal import Signal
from textual.strip import Strip
from textual.widget import Widget

from incident_feed.clock import UNKNOWN_SPAN
from incident_feed.store.queries import IncidentRow
from incident_feed.tui import formatting as fmt
from incident_feed.tui.columns import COLUMNS, GAP, content_widths, layout
from incident_feed.tui.window import RowWindow

WHEEL_ROWS = 3


def row_cells(row: IncidentRow, now: dt.datetime, zone: dt.tzinfo | None) -> list[Text]:
    """One row's cells, in :data:`COLUMNS` order (vendor text is never markup: see
    formatting)."""
    emphasis = "bold" if row.active else ""
    return [
        fmt.cell(row.vendor, emphasis),
        # A maintenance taken as over (its window ended, no later update) says so.
        Text("ended?", style="dim", end="") if row.ended_assumed else fmt.phase_badge(row.phase),
        fmt.cell(row.title, emphasis),
        Text(fmt.when(row.started_at, now, zone), end=""),
        Text(
            UNKNOWN_SPAN if row.ended_assumed else fmt.span(row.started_at, row.resolved_at, now),
            end="",
            justify="right",
        ),
        fmt.source_badges(row.source_kinds),
    ]


class IncidentTable(Widget, can_focus=True, inherit_bindings=False):
    """Incidents, active first; the cursor row is the selected incident."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"incident-table--header", "incident-table--cursor"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, id="cursor-down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="cursor-up"),
        Binding("pagedown,ctrl+f,ctrl+d", "page_down", "Page down", show=False, id="page-down"),
        Binding("pageup,ctrl+b,ctrl+u", "page_up", "Page up", show=False, id="page-up"),
        Binding("home,g", "first", "First", show=False, id="first"),
        Binding("end,G", "last", "Last", show=False, id="last"),
        Binding("enter,l", "open", "Open", tooltip="Open the incident", id="open-incident"),
    ]

    @dataclass
    class Opened(Message):
        """The user chose an incident."""

        incident_id: str

    @dataclass(frozen=True, slots=True)
    class Position:
        """Where the cursor is: ``index`` is absolute (0-based) in the whole listing.

        Published on :attr:`IncidentTable.moved` (a signal, not a message: a subscriber with
        ``immediate=True`` updates in the same frame as the table; a message is handled after
        the next frame, which costs a keypress a frame, ~17 ms)."""

        index: int
        total: int | None

    def __init__(
        self,
        now: dt.datetime,
        zone: dt.tzinfo | None,
        *,
        id: str | None = None,  # noqa: A002 - Textual's own parameter name
    ) -> None:
        super().__init__(id=id)
        self.now = now
        self.zone = zone
        self.moved: Signal[IncidentTable.Position] = Signal(self, "moved")
        self.window: RowWindow | None = None
        self.cursor_row = 0  # index in window.rows
        self._top = 0  # index in window.rows of the first line under the header
        # Rendered rows (no widget style yet), for the column widths and clock they were drawn
        # with; the widths fit the content of the window last shown (not of each page fetched
        # while moving: the columns stay put while scrolling).
        self._lines: dict[IncidentRow, Strip] = {}
        self._content = content_widths([])
        self._drawn_for: tuple[tuple[int, ...], dt.datetime] | None = None

    # -- content ------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.window.rows) if self.window else 0

    def show_window(self, window: RowWindow, keep: str | None = None) -> None:
        """Display ``window``: the cursor stays on incident ``keep`` (at the same height on
        screen) when it is still listed, at the same index when it is not, and goes to the top
        when ``keep`` is None (a new filter)."""
        index = window.index_of(keep) if keep else None
        if keep is None:
            cursor, offset = 0, 0
        else:
            cursor = self.cursor_row if index is None else index
            offset = self.cursor_row - self._top
        self.window = window
        self._content = content_widths(row_cells(r, self.now, self.zone) for r in window.rows)
        rows = set(window.rows)
        self._lines = {row: line for row, line in self._lines.items() if row in rows}
        last = max(0, len(window.rows) - 1)
        cursor = min(cursor, last)
        self._place(cursor, cursor - offset)
        self.refresh()
        self.announce()

    def selected(self) -> IncidentRow | None:
        if self.window is None or not self.window.rows:
            return None
        return self.window.rows[min(self.cursor_row, len(self.window.rows) - 1)]

    @property
    def scroll_line(self) -> int:
        """The window index of the first row on screen."""
        return self._top

    @property
    def visible_rows(self) -> int:
        return max(1, self.content_size.height - 1)  # the header takes a line

    # -- drawing ------------------------------------------------------------------------------

    def column_widths(self) -> list[int]:
        """Each column's width at the table's current width (0: left out; the title's is
        what the others leave)."""
        return layout(self.content_size.width, self._content)

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        widths = self.column_widths()
        if self._drawn_for != (tuple(widths), self.now):
            self._lines.clear()
            self._drawn_for = (tuple(widths), self.now)
        base = self.rich_style
        if y == 0:
            return self._header(width).apply_style(base)
        rows = self.window.rows if self.window else []
        index = self._top + y - 1
        if index >= len(rows):
            return Strip.blank(width, base)
        row = rows[index]
        line = self._lines.get(row)
        if line is None:
            line = self._lines[row] = self._render_row(row, width)
        if index == self.cursor_row:
            return line.apply_style(base + self.get_component_rich_style("incident-table--cursor"))
        return line.apply_style(base)

    def _header(self, width: int) -> Strip:
        style = self.get_component_rich_style("incident-table--header")
        gap = Segment(" " * GAP)
        segments: list[Segment] = []
        for column, size in zip(COLUMNS, self.column_widths(), strict=True):
            if not size:
                continue
            label = column.label[:size]
            fill = " " * (size - len(label))
            parts = (fill, label) if column.right else (label, fill)
            segments += [gap, *(Segment(part) for part in parts if part)]
        return Strip(segments).adjust_cell_length(width).apply_style(style).simplify()

    def _render_row(self, row: IncidentRow, width: int) -> Strip:
        console = self.app.console
        gap = Segment(" " * GAP)
        segments: list[Segment] = []
        cells = row_cells(row, self.now, self.zone)
        for cell, size in zip(cells, self.column_widths(), strict=True):
            if not size:
                continue
            cell.truncate(size, overflow="ellipsis")
            if cell.spans:
                content = list(cell.render(console))
            else:  # Text.render leaves the whole-text style to the console
                style = console.get_style(cell.style) if cell.style else None
                content = [Segment(cell.plain, style)]
            # The gaps stay unstyled: a phase badge is as wide as its label.
            fill = [Segment(" " * (size - cell.cell_len))]
            segments += (
                [gap, *fill, *content] if cell.justify == "right" else [gap, *content, *fill]
            )
        # Joined where the style allows: every style change costs an escape sequence on the
        # terminal, and a page of rows is otherwise ~27 KB to write.
        return Strip(segments).adjust_cell_length(width).simplify()

    def on_resize(self) -> None:
        self._place(self.cursor_row, self._top)
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- moving -------------------------------------------------------------------------------

    def _move(self, rows: int, scroll: int = 0) -> None:
        """Move the cursor by ``rows`` and the view by ``scroll``, fetching pages as needed so
        the cursor keeps a screen of rows loaded beyond it."""
        window = self.window
        if window is None or not window.rows:
            return
        target = window.start + self.cursor_row + rows
        top = window.start + self._top + scroll
        margin = self.visible_rows
        for _ in range(4):  # a page of rows per fetch; a move is at most a screen
            if target + margin >= window.start + len(window.rows) and not window.at_bottom:
                window.grow_down()
            elif target - margin < window.start and not window.at_top:
                window.grow_up()
            else:
                break
        self._show_at(target - window.start, top - window.start)

    def _show_at(self, cursor: int, top: int) -> None:
        """Put the cursor on row ``cursor`` of the window with row ``top`` first on screen;
        repaint only what changed."""
        window = self.window
        if window is None:
            return
        before = (window.start + self._top, window.start + self.cursor_row)
        old_cursor_line = self.cursor_row - self._top
        self._place(cursor, top)
        if len(self._lines) > 2 * window.capacity:  # rows that left the window
            self._lines = {row: self._lines[row] for row in window.rows if row in self._lines}
        if before[0] != window.start + self._top:
            self.refresh()
        elif before[1] != window.start + self.cursor_row:
            width = self.content_size.width
            for line in (old_cursor_line, self.cursor_row - self._top):
                self.refresh(Region(0, line + 1, width, 1))
        self.announce()

    def _place(self, cursor: int, top: int) -> None:
        """Clamp: the cursor on a row, the view on the cursor, no blank lines below the last
        row unless the window is shorter than the screen."""
        count = self.row_count
        visible = self.visible_rows
        cursor = max(0, min(cursor, count - 1))
        top = min(max(top, cursor - visible + 1), cursor)
        self.cursor_row = cursor
        self._top = max(0, min(top, count - visible))

    def announce(self) -> None:
        """Publish where the cursor is (on :attr:`moved`)."""
        window = self.window
        if window is None:
            return
        self.moved.publish(self.Position(window.start + self.cursor_row, window.total))

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_page_down(self) -> None:
        self._move(self.visible_rows, self.visible_rows)

    def action_page_up(self) -> None:
        self._move(-self.visible_rows, -self.visible_rows)

    def action_first(self) -> None:
        if self.window is None:
            return
        if not self.window.at_top:
            self.window.load_top()
            self.refresh()
        self._show_at(0, 0)

    def action_last(self) -> None:
        if self.window is None:
            return
        if not self.window.at_bottom:
            self.window.load_bottom()
            self.refresh()
        last = self.row_count - 1
        self._show_at(last, last)

    def action_open(self) -> None:
        row = self.selected()
        if row is not None:
            self.post_message(self.Opened(row.id))

    # -- the mouse ----------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        """A click puts the cursor on a row; a double click opens it."""
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1 or self.window is None:
            return
        index = self._top + offset.y - 1
        if index < self.row_count:
            self._show_at(index, self._top)
            if event.chain >= 2:
                self.action_open()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self._move(WHEEL_ROWS, WHEEL_ROWS)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self._move(-WHEEL_ROWS, -WHEEL_ROWS)
