"""The incidents table: a DataTable showing one :class:`RowWindow` of the listing.

Moving the cursor near the window's edge fetches the next page (a keyset query of a few
milliseconds, on the event loop) and rebuilds the table with the cursor kept at the same place
on screen. ``g``/``G`` jump to either end of the whole listing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

from incident_feed.queries import IncidentRow
from incident_feed.tui import formatting as fmt
from incident_feed.tui.window import RowWindow

# (key, label, width); the title takes what is left.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("vendor", "Vendor", 12),
    ("phase", "Phase", 13),
    ("title", "Title", 0),
    ("started", "Started", 12),
    ("duration", "Lasted", 7),
    ("sources", "Sources", 9),
)
MIN_TITLE = 20


class IncidentTable(DataTable[Text], inherit_bindings=False):
    """Incidents, active first; the cursor row is the selected incident."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, id="cursor-down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="cursor-up"),
        Binding("pagedown,ctrl+f,ctrl+d", "page_down", "Page down", show=False, id="page-down"),
        Binding("pageup,ctrl+b,ctrl+u", "page_up", "Page up", show=False, id="page-up"),
        Binding("home,g", "first", "First", show=False, id="first"),
        Binding("end,G", "last", "Last", show=False, id="last"),
        Binding("enter,l", "open", "Open", id="open-incident"),
    ]

    @dataclass
    class Opened(Message):
        """The user chose an incident."""

        incident_id: str

    @dataclass
    class Moved(Message):
        """The cursor moved: ``position`` is absolute (0-based) in the whole listing."""

        position: int
        total: int | None

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, IncidentTable.Moved)

    def __init__(
        self,
        now: dt.datetime,
        zone: dt.tzinfo | None,
        *,
        id: str | None = None,  # noqa: A002 - Textual's own parameter name
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.now = now
        self.zone = zone
        self.window: RowWindow | None = None
        self._title_width = 0
        self._rebuilding = False
        self._cells_cache: dict[IncidentRow, list[Text]] = {}

    # -- content ------------------------------------------------------------------------------

    def show_window(self, window: RowWindow, keep: str | None = None) -> None:
        """Display ``window``; keep the cursor on incident ``keep`` when it is still there."""
        self.window = window
        self._cells_cache.clear()
        cursor = self.cursor_row if self.row_count else 0
        index = window.index_of(keep) if keep else None
        if index is not None:
            cursor = index
        offset = cursor - int(self.scroll_y) if self.row_count else 0
        self._rebuild(min(cursor, max(0, len(window.rows) - 1)), offset)

    def selected(self) -> IncidentRow | None:
        if self.window is None or not self.window.rows:
            return None
        return self.window.rows[min(self.cursor_row, len(self.window.rows) - 1)]

    def _rebuild(self, cursor: int, view_offset: int) -> None:
        """Refill the table from the window; the cursor row stays ``view_offset`` lines down."""
        self._rebuilding = True
        try:
            if self._title_width != self._wanted_title_width():
                self._cells_cache.clear()
                self.clear(columns=True)
            else:
                self.clear()
            if not self.columns:
                self._title_width = self._wanted_title_width()
                for key, label, width in COLUMNS:
                    self.add_column(label, width=width or self._title_width, key=key)
            rows = self.window.rows if self.window else []
            # Rows kept from the previous window reuse their cells; rows that left are dropped.
            cache = {row: self._cells_cache.get(row) or self._cells(row) for row in rows}
            self._cells_cache = cache
            for row in rows:
                self.add_row(*cache[row], key=row.id)
            if rows:
                self.move_cursor(row=cursor, scroll=False)
        finally:
            self._rebuilding = False
        top = max(0, cursor - max(0, view_offset))
        self.call_after_refresh(self.scroll_to, y=top, animate=False, immediate=True)
        self._announce()

    def _wanted_title_width(self) -> int:
        fixed = sum(width + 2 for _, _, width in COLUMNS if width)
        return max(MIN_TITLE, self.size.width - fixed - 2 - 2)

    def _cells(self, row: IncidentRow) -> list[Text]:
        vendor_style = "bold" if row.active else ""
        return [
            fmt.cell(row.vendor, vendor_style),
            fmt.phase_badge(row.phase),
            fmt.cell(row.title, vendor_style),
            Text(fmt.when(row.started_at, self.now, self.zone), end=""),
            Text(fmt.span(row.started_at, row.resolved_at, self.now), end="", justify="right"),
            fmt.source_badges(row.source_kinds),
        ]

    def on_resize(self) -> None:
        if self.window is not None and self._wanted_title_width() != self._title_width:
            self._rebuild(self.cursor_row, self.cursor_row - int(self.scroll_y))

    # -- moving -------------------------------------------------------------------------------

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        if not self._rebuilding:
            self._follow_edges()
            self._announce()

    def _follow_edges(self) -> None:
        """Near an edge of the window, fetch the next page so the cursor never hits a wall."""
        window = self.window
        if window is None or not window.rows:
            return
        margin = max(self.size.height, 10)
        cursor = self.cursor_row
        offset = cursor - int(self.scroll_y)
        if cursor >= len(window.rows) - margin and not window.at_bottom:
            dropped = window.grow_down()
            self._rebuild(cursor - dropped, offset)
        elif cursor < margin and not window.at_top:
            added = window.grow_up()
            self._rebuild(cursor + added, offset)

    def _announce(self) -> None:
        window = self.window
        if window is None:
            return
        self.post_message(self.Moved(window.start + self.cursor_row, window.total))

    def action_first(self) -> None:
        if self.window is None:
            return
        if not self.window.at_top:
            self.window.load_top()
            self._rebuild(0, 0)
        else:
            self.move_cursor(row=0)

    def action_last(self) -> None:
        if self.window is None:
            return
        if not self.window.at_bottom:
            self.window.load_bottom()
            last = len(self.window.rows) - 1
            self._rebuild(last, self.size.height)
        else:
            self.move_cursor(row=max(0, self.row_count - 1))

    def action_open(self) -> None:
        row = self.selected()
        if row is not None:
            self.post_message(self.Opened(row.id))
