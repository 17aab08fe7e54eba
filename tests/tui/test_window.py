"""RowWindow over a plain list: bounded, and walking it shows the whole listing in order."""

from __future__ import annotations

import datetime as dt

import pytest

from incident_feed.store.queries import IncidentRow, SortKey
from incident_feed.tui.window import RowWindow

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def listing(n: int) -> list[IncidentRow]:
    rows = [
        IncidentRow(
            id=f"v-{i:05d}",
            vendor="V",
            kind="incident",
            title=f"t{i}",
            phase="investigating" if i % 50 == 0 else "resolved",
            impact="minor",
            started_at=START - dt.timedelta(hours=i),
            resolved_at=None,
            updated_at=START,
            url=None,
        )
        for i in range(n)
    ]
    return sorted(rows, key=lambda r: (r.key.segment, -r.started_at.timestamp()))


def window_over(rows: list[IncidentRow], **options: int) -> RowWindow:
    def after(key: SortKey | None, limit: int) -> list[IncidentRow]:
        start = 0 if key is None else [r.key for r in rows].index(key) + 1
        return rows[start : start + limit]

    def before(key: SortKey | None, limit: int) -> list[IncidentRow]:
        end = len(rows) if key is None else [r.key for r in rows].index(key)
        return rows[max(0, end - limit) : end]

    window = RowWindow(after, before, **options)
    window.total = len(rows)
    return window


def test_walk_down_and_up_stays_bounded_and_in_order() -> None:
    rows = listing(1000)
    window = window_over(rows, page=20, capacity=60)
    window.load_top()
    while not window.at_bottom:
        window.grow_down()
        assert len(window.rows) <= 60
        assert window.rows == rows[window.start : window.start + len(window.rows)]
    assert window.rows[-1] == rows[-1]
    while not window.at_top:
        window.grow_up()
        assert len(window.rows) <= 60
        assert window.rows == rows[window.start : window.start + len(window.rows)]
    assert window.start == 0


def test_bottom_and_reload_in_place() -> None:
    rows = listing(500)
    window = window_over(rows, page=20, capacity=60)
    window.load_bottom()
    assert window.rows == rows[-20:]
    assert window.start == 480
    window.grow_up()
    assert window.rows == rows[-40:] and window.start == 460
    window.load_from(rows[200].key, 200)
    assert window.rows == rows[200:260]
    assert not window.at_top and not window.at_bottom


def test_capacity_must_hold_two_pages() -> None:
    with pytest.raises(ValueError):
        RowWindow(lambda k, n: [], lambda k, n: [], page=50, capacity=60)


def test_a_count_places_a_window_loaded_from_the_bottom() -> None:
    rows = listing(500)
    window = window_over(rows, page=20, capacity=60)
    window.total = None  # still counting when G was pressed
    window.load_bottom()
    assert window.start == 0
    window.counted(500)
    assert window.start == 480 and window.rows == rows[window.start :]
    window.load_top()
    window.counted(500)
    assert window.start == 0
