"""A bounded slice of the incident listing, moved a page at a time by keyset queries.

The table never holds more than ``capacity`` rows: moving past the slice's edge fetches the next
page from the database and drops as many rows from the far edge. Pure: the two fetch functions
are passed in (:class:`incident_feed.store.queries.Listing`'s ``after`` and ``before``), so
tests can drive it with lists.
"""

from __future__ import annotations

from collections.abc import Callable

from incident_feed.store.queries import IncidentRow, SortKey

Fetch = Callable[[SortKey | None, int], list[IncidentRow]]

PAGE = 40
CAPACITY = 120  # three pages


def sized_for(height: int) -> tuple[int, int]:
    """(page, capacity) for a table ``height`` rows tall: a page must be longer than the
    margin the table keeps from the window's edge (one screen), or it would fetch on every
    keypress."""
    page = max(PAGE, height + 10)
    return page, max(CAPACITY, 3 * page)


class RowWindow:
    """Rows ``start .. start + len(rows)`` of the listing (``start`` is absolute)."""

    def __init__(
        self, after: Fetch, before: Fetch, *, page: int = PAGE, capacity: int = CAPACITY
    ) -> None:
        if capacity < 2 * page:
            raise ValueError("capacity must hold at least two pages")
        self._after = after
        self._before = before
        self.page = page
        self.capacity = capacity
        self.rows: list[IncidentRow] = []
        self.start = 0
        self.at_top = True
        self.at_bottom = True
        self.total: int | None = None

    def load_top(self) -> None:
        """The first page (the window grows as the cursor moves: a first screen of a search
        needs one page, not a window's worth)."""
        self.rows = self._after(None, self.page)
        self.start = 0
        self.at_top = True
        self.at_bottom = len(self.rows) < self.page

    def load_bottom(self) -> None:
        self.rows = self._before(None, self.page)
        self.at_bottom = True
        self.at_top = len(self.rows) < self.page
        self.start = 0 if self.at_top else max(0, (self.total or 0) - len(self.rows))

    def counted(self, total: int) -> None:
        """The listing's size is known: a window loaded from the bottom before it was (``G``
        while counting) learns where it starts."""
        self.total = total
        if self.at_bottom and not self.at_top:
            self.start = max(0, total - len(self.rows))

    def load_from(self, first: SortKey, start: int) -> None:
        """Reload in place, beginning at ``first`` (inclusive): picks up changed rows."""
        previous = self._before(first, 1)
        self.rows = self._after(previous[0].key if previous else None, self.capacity)
        self.at_top = not previous
        self.at_bottom = len(self.rows) < self.capacity
        self.start = 0 if self.at_top else start

    def grow_down(self) -> int:
        """Fetch the next page; returns how many rows were dropped from the top."""
        if self.at_bottom or not self.rows:
            return 0
        new = self._after(self.rows[-1].key, self.page)
        self.at_bottom = len(new) < self.page
        rows = self.rows + new
        dropped = max(0, len(rows) - self.capacity)
        self.rows = rows[dropped:]
        if dropped:
            self.at_top = False
            self.start += dropped
        return dropped

    def grow_up(self) -> int:
        """Fetch the previous page; returns how many rows were added at the top."""
        if self.at_top or not self.rows:
            return 0
        new = self._before(self.rows[0].key, self.page)
        self.at_top = len(new) < self.page
        rows = new + self.rows
        if len(rows) > self.capacity:
            rows = rows[: self.capacity]
            self.at_bottom = False
        self.rows = rows
        self.start = max(0, self.start - len(new))
        if self.at_top:
            self.start = 0
        return len(new)

    def index_of(self, incident_id: str) -> int | None:
        for index, row in enumerate(self.rows):
            if row.id == incident_id:
                return index
        return None
