"""Progress of a "collect now" run: a bar, then one line per source (failures first)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static

from incident_feed.tui import formatting as fmt
from incident_feed.tui.collecting import CollectionProgress

MAX_LINES = 8


class CollectPanel(Vertical):
    """Hidden until a run starts; stays after the run so its errors can be read."""

    def compose(self) -> ComposeResult:
        yield Static(id="collect-summary")
        yield ProgressBar(id="collect-progress", show_eta=False)
        yield Static(id="collect-lines")

    def show_progress(self, progress: CollectionProgress) -> None:
        self.display = True
        bar = self.query_one("#collect-progress", ProgressBar)
        bar.update(total=max(1, len(progress.names)), progress=progress.done)
        self.query_one("#collect-summary", Static).update(summary(progress))
        self.query_one("#collect-lines", Static).update(lines(progress))


def summary(progress: CollectionProgress) -> Text:
    total = len(progress.names)
    failed = len(progress.failed)
    if progress.error:
        return Text(f"Collection failed: {fmt.one_line(progress.error)}", style="bold red")
    if progress.running:
        head = Text(f"Collecting {progress.done}/{total} sources…", style="bold")
    else:
        head = Text(f"Collected {total} sources: {total - failed} ok, {failed} failed", "bold")
        head.append("   (x: hide)", style="dim")
    return head


def lines(progress: CollectionProgress) -> Text:
    outcomes = list(progress.outcomes.values())
    ordered = [o for o in outcomes if o.failed] + [o for o in reversed(outcomes) if not o.failed]
    out: list[Text] = []
    for outcome in ordered[:MAX_LINES]:
        line = Text(end="", no_wrap=True, overflow="ellipsis")
        if outcome.failed:
            line.append("✗ ", style="bold red")
            line.append(fmt.one_line(outcome.name), style="bold")
            line.append(f"  {fmt.one_line(outcome.error or 'failed')}", style="red")
        else:
            mark = "·" if outcome.status in ("unchanged", "deferred", "skipped") else "✓"
            line.append(f"{mark} ", style="green")
            line.append(fmt.one_line(outcome.name))
            stats = outcome.stats
            line.append(
                f"  {outcome.status}, +{stats.incidents_new} incidents, +{stats.updates_new} "
                f"updates ({outcome.seconds:.1f}s)",
                style="dim",
            )
            if outcome.error:
                line.append(f"  {fmt.one_line(outcome.error)}", style="yellow")
        out.append(line)
    hidden = len(ordered) - len(out)
    if hidden > 0:
        out.append(Text(f"… and {hidden} more (see Sources: s)", style="dim", end=""))
    return Text("\n", end="").join(out)
