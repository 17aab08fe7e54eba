"""The incidents table's columns: each sized to its content, the title taking the rest.

Pure (no Textual): the table measures the cells of the rows it shows and asks :func:`layout`
for the widths at its current width, again on every resize. When the title would get fewer
than :data:`MIN_TITLE` cells, the least useful columns are left out (sources first: the
incident screen lists them), so at 80 columns the title gets 31 cells rather than 20.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.text import Text


@dataclass(frozen=True, slots=True)
class Column:
    """``cap``: the most cells the column takes (longer cells end in an ellipsis); 0 for the
    title, which takes the rest. ``drop``: the order in which columns are left out when the
    table is narrow (1 first); 0 for never."""

    key: str
    label: str
    cap: int
    drop: int = 0
    right: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("vendor", "Vendor", cap=16),
    Column("phase", "Phase", cap=13),
    Column("title", "Title", cap=0),
    Column("started", "Started", cap=12, drop=3),
    Column("duration", "Lasted", cap=8, drop=2, right=True),
    Column("sources", "Sources", cap=11, drop=1),
)
TITLE = next(i for i, c in enumerate(COLUMNS) if c.key == "title")
MIN_TITLE = 30
GAP = 1  # blank cells before each column and after the last


def content_widths(rows: Iterable[Sequence[Text]]) -> list[int]:
    """Each column's width for these rows' cells (in COLUMNS order): the widest cell or the
    label, within the column's cap. The title's entry is unused (0)."""
    widths = [len(c.label) for c in COLUMNS]
    for cells in rows:
        for index, cell in enumerate(cells):
            widths[index] = max(widths[index], cell.cell_len)
    return [min(w, c.cap) if c.cap else 0 for w, c in zip(widths, COLUMNS, strict=True)]


def layout(width: int, content: Sequence[int]) -> list[int]:
    """Each column's width in a table ``width`` cells wide (0: left out); the title gets what
    the others and the gaps leave, at least :data:`MIN_TITLE` unless nothing more can go."""
    widths = list(content)
    droppable = sorted((c.drop, i) for i, c in enumerate(COLUMNS) if c.drop)

    def rest() -> int:
        shown = [w for i, w in enumerate(widths) if w or i == TITLE]
        return width - sum(shown) - GAP * (len(shown) + 1)

    while rest() < MIN_TITLE and droppable:
        _, index = droppable.pop(0)
        widths[index] = 0
    widths[TITLE] = max(1, rest())
    return widths
