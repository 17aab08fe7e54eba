"""The phase bar: an incident's phases as a timeline, widths proportional to their durations."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from incident_feed.clock import format_duration
from incident_feed.tui import formatting as fmt
from incident_feed.tui.timeline import PhaseSpan

ARROW = " → "


class PhaseBar(Widget):
    """Two lines: a proportional coloured bar, then each phase with its duration."""

    def __init__(self, spans: list[PhaseSpan], *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.spans = spans

    def render(self) -> Text:
        width = max(10, self.content_size.width)
        if not self.spans:
            return Text("no updates yet", style="dim", end="")
        return Text("\n", end="").join([bar(self.spans, width), legend(self.spans)])


def bar(spans: list[PhaseSpan], width: int) -> Text:
    """Each span gets a share of ``width`` proportional to its duration (at least one cell);
    the label is written inside when it fits."""
    total = sum(s.seconds for s in spans) or 1.0
    widths = [max(1, round(width * s.seconds / total)) for s in spans]
    while sum(widths) > width and max(widths) > 1:
        widths[widths.index(max(widths))] -= 1
    out = Text(end="", no_wrap=True, overflow="crop")
    for span, cells in zip(spans, widths, strict=True):
        label = f" {fmt.phase_label(span.phase)}"
        text = label[:cells].ljust(cells) if len(label) < cells else " " * cells
        out.append(text, style=fmt.PHASE_STYLES.get(span.phase, "reverse"))
    return out


def legend(spans: list[PhaseSpan]) -> Text:
    out = Text(end="")
    for index, span in enumerate(spans):
        if index:
            out.append(ARROW, style="dim")
        out.append(
            fmt.phase_label(span.phase),
            style=f"bold {fmt.PHASE_COLOURS[span.phase]}"
            if span.phase in fmt.PHASE_COLOURS
            else "bold",
        )
        if not fmt.is_final(span.phase):
            out.append(f" {format_duration(span.seconds)}")
    return out
