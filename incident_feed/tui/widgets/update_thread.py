"""An incident's update thread: one item per update, in time order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import ListItem, ListView, Static

from incident_feed.decide.lag import format_lag
from incident_feed.tui import formatting as fmt


class UpdateItem(ListItem):
    """Time, phase, source and label on one line; the text (evidence highlighted); the link."""

    def __init__(
        self,
        update: Mapping[Any, Any],
        source_kind: str,
        zone: dt.tzinfo | None,
        lag: float | None = None,
    ):
        body = render_update(update, source_kind, zone, lag)
        super().__init__(Static(body, classes="update-body"))
        self.update_row = update

    @property
    def url(self) -> str | None:
        url = self.update_row["url"]
        return url if isinstance(url, str) else None


def render_update(
    update: Mapping[Any, Any],
    source_kind: str,
    zone: dt.tzinfo | None,
    lag: float | None = None,
) -> Text:
    """One update; ``lag`` (a social post's seconds behind the status page) shown in its head."""
    head = Text(end="", no_wrap=True)
    head.append(fmt.clock_time(update["at"], zone), style="bold")
    if update["time_flags"]:
        head.append(f" ({fmt.one_line(update['time_flags'].replace(',', ', '))})", style="dim")
    head.append("  ")
    head.append_text(fmt.phase_badge(update["phase"]))
    head.append("  ")
    head.append_text(fmt.source_badges([source_kind]))
    head.append(f" {fmt.one_line(update['source_name'])}", style="dim")
    if update["label"]:
        head.append(f"  “{fmt.one_line(update['label'])}”", style="italic dim")
    if lag is not None:
        head.append(f"  {format_lag(lag, short=True)}", style="#e0af68")
    parts = [head, fmt.highlighted(update["text"], update["evidence"])]
    why = Text(
        f"why {fmt.one_line(update['phase'])}: {fmt.one_line(update['evidence'])}",
        style="dim",
        end="",
    )
    parts.append(why)
    if update["url"]:
        parts.append(Text(f"↗ {fmt.one_line(update['url'])}", style="underline #7aa2f7", end=""))
    return Text("\n", end="").join(parts)


class UpdateThread(ListView):
    """The updates of one incident; the highlighted one is the one ``o`` opens."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Next update", show=False, id="update-down"),
        Binding("up,k", "cursor_up", "Previous update", show=False, id="update-up"),
        Binding("home,g", "first", "First update", show=False, id="update-first"),
        Binding("end,G", "last", "Last update", show=False, id="update-last"),
    ]

    def __init__(
        self,
        updates: Sequence[Mapping[Any, Any]],
        kinds: Mapping[str, str],
        zone: dt.tzinfo | None,
        *,
        lags: Mapping[int, float] | None = None,
        id: str | None = None,  # noqa: A002
    ) -> None:
        lag = lags or {}
        items = [
            UpdateItem(u, kinds.get(u["source_name"], "statuspage"), zone, lag.get(u["id"]))
            for u in updates
        ]
        super().__init__(*items, id=id)

    def current(self) -> UpdateItem | None:
        item = self.highlighted_child
        return item if isinstance(item, UpdateItem) else None

    def action_first(self) -> None:
        if len(self):
            self.index = 0

    def action_last(self) -> None:
        if len(self):
            self.index = len(self) - 1
