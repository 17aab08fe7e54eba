"""The filter bar: free words plus ``vendor:``, ``phase:`` and ``since:`` terms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

PLACEHOLDER = "filter: words  vendor:github  phase:investigating  since:24h  (enter: done)"


class FilterBar(Input):
    """Typing filters as you go (the screen debounces); Enter or Escape returns to the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "done", "Back to list", id="filter-done"),
    ]

    @dataclass
    class Done(Message):
        """The user finished editing the filter."""

        value: str

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(placeholder=PLACEHOLDER, id=id, select_on_focus=False)

    def action_done(self) -> None:
        self.post_message(self.Done(self.value))
