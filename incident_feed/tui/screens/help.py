"""``?``: every key (after the user's keymap) and the filter language, on one page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

FILTER_HELP = (
    ("disk full", "incidents whose title, vendor or updates contain words starting so"),
    ("vendor:github", "one vendor (vendor:github,slack for several; quote names with spaces)"),
    (
        "phase:identified",
        "current phase: investigating identified remediating monitoring "
        "resolved scheduled in_progress verifying completed",
    ),
    ("since:24h", "started in the last 30m / 24h / 7d / 2w, or since:2024-12-11"),
    ("until:2024-12-31", "started before that time (same forms as since:)"),
    ("kind:maintenance", "incident or maintenance"),
    ("impact:critical", "none minor major critical maintenance unknown"),
    ("component:api", "affecting a component of that name"),
)


class HelpScreen(ModalScreen[None]):
    """Sections of (keys, what they do); remapped keys show their new key."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss_help", "Close", id="close-help"),
    ]

    def __init__(
        self, sections: Iterable[tuple[str, Iterable[BindingType]]], keymap: Mapping[str, str]
    ) -> None:
        super().__init__()
        self.sections = list(sections)
        self.keymap = dict(keymap)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(self._text(), id="help-text")

    def _text(self) -> Text:
        out = Text(end="")
        out.append("incident-feed keys", style="bold")
        out.append("   (escape closes; ids in [] can be remapped)\n", style="dim")
        for title, bindings in self.sections:
            out.append(f"\n{title}\n", style="bold underline")
            for binding in Binding.make_bindings(bindings):
                if not binding.description:
                    continue
                keys = self.keymap.get(binding.id or "", binding.key)
                shown = ", ".join(
                    self.app.get_key_display(binding.with_key(k)) for k in keys.split(",")
                )
                out.append(f"  {shown:<22}", style="bold")
                # The footer shows the short description, help the long one.
                out.append(f" {binding.tooltip or binding.description}")
                if binding.id:
                    out.append(f"  [{binding.id}]", style="dim")
                out.append("\n")
        out.append("\nFilter bar ( / )\n", style="bold underline")
        for example, meaning in FILTER_HELP:
            out.append(f"  {example:<22}", style="bold")
            out.append(f" {meaning}\n")
        out.append("  Terms combine: all must hold. Escape in the list clears the filter.\n")
        out.append(
            "\nctrl+p opens the command palette: jump to a vendor or an incident, "
            "change the theme.",
            style="dim",
        )
        return out

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
