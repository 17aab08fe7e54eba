"""One incident: a short header, its details folded, the phase bar, and the update thread in
time order (the thread gets the rest of the screen: at 80x24, 16 of the 24 rows)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from incident_feed.clock import format_stamp
from incident_feed.normalize.text import safe_http_url
from incident_feed.store.queries import IncidentDetail, incident_detail
from incident_feed.tui import formatting as fmt
from incident_feed.tui.exporting import export_path, incident_markdown, write_markdown
from incident_feed.tui.timeline import phase_spans
from incident_feed.tui.widgets.incident_details import IncidentDetails
from incident_feed.tui.widgets.phase_bar import PhaseBar
from incident_feed.tui.widgets.update_thread import UpdateThread

if TYPE_CHECKING:
    from incident_feed.tui.app import IncidentFeedApp


class IncidentScreen(Screen[None]):
    """``o`` opens the highlighted update's link, ``p`` the incident's status page, ``d`` folds
    and unfolds the details (components, sources, links), ``e`` writes the incident as Markdown
    to a file, ``y`` copies it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,h,backspace", "back", "Back", id="back"),
        Binding(
            "o,enter",
            "open_update_link",
            "Open",
            tooltip="Open the update's link (else the status page)",
            id="open-link",
        ),
        Binding(
            "p",
            "open_incident_page",
            "Page",
            tooltip="Open the incident's status page",
            id="open-page",
        ),
        Binding(
            "d",
            "toggle_details",
            "Details",
            tooltip="Fold or unfold the details: components, sources, links",
            id="toggle-details",
        ),
        Binding(
            "e",
            "export_markdown",
            "Export",
            tooltip="Write the incident as Markdown to the export folder",
            id="export-markdown",
        ),
        Binding(
            "y",
            "copy_markdown",
            "Copy",
            show=False,
            tooltip="Copy the incident as Markdown to the clipboard",
            id="copy-markdown",
        ),
    ]

    def __init__(self, incident_id: str) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.detail: IncidentDetail | None = None

    @property
    def feed(self) -> IncidentFeedApp:
        # The app type for the checker only: importing the app here would make a cycle.
        return cast("IncidentFeedApp", self.app)

    def compose(self) -> ComposeResult:
        self.detail = incident_detail(self.feed.store, self.incident_id)
        detail = self.detail
        if detail is None:
            yield Static(Text(f"Incident {self.incident_id} is not stored (any more)."))
            yield Footer(show_command_palette=False)
            return
        now = self.feed.now()
        yield Static(header(detail, now, self.feed.zone), id="incident-header")
        yield IncidentDetails(detail, id="incident-details-section")
        yield PhaseBar(phase_spans(detail.updates, now), id="phase-bar")
        kinds = {
            r["source_name"]: fmt.badge_kind(r["source_kind"], r["url"]) for r in detail.records
        }
        lags = {update_id: lag.seconds for update_id, lag in detail.lags().items()}
        yield UpdateThread(detail.updates, kinds, self.feed.zone, lags=lags, id="update-thread")
        yield Footer(show_command_palette=False)  # 80 columns hold the keys; ctrl+p is in help

    def on_mount(self) -> None:
        thread = self.query(UpdateThread)
        if thread:
            thread.first().focus()

    def reload_data(self) -> None:
        """Another process or a collection changed the database: rebuild with fresh data."""
        self.refresh(recompose=True)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_open_update_link(self) -> None:
        thread = self.query(UpdateThread)
        item = thread.first().current() if thread else None
        url = item.url if item else None
        self._open(url or self._incident_url())

    def action_open_incident_page(self) -> None:
        self._open(self._incident_url())

    def action_toggle_details(self) -> None:
        for section in self.query(IncidentDetails):
            section.collapsed = not section.collapsed

    def action_export_markdown(self) -> None:
        """Write the incident as Markdown (what ``incident-feed export ID`` prints) into the
        export folder; a folder that cannot be written is an error notification, not a crash."""
        markdown = self._markdown()
        if markdown is None:
            return
        path = export_path(self.feed.export_dir, self.incident_id)
        try:
            write_markdown(path, markdown)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            self.notify(f"Could not write {path}: {reason}", severity="error", markup=False)
            return
        self.notify(f"Wrote {path}", timeout=6, markup=False)

    def action_copy_markdown(self) -> None:
        """The same Markdown to the clipboard (OSC 52: the terminal must allow it)."""
        markdown = self._markdown()
        if markdown is None:
            return
        self.app.copy_to_clipboard(markdown)
        lines = markdown.count("\n")
        self.notify(f"Copied {lines} lines of Markdown to the clipboard", timeout=4, markup=False)

    def _markdown(self) -> str | None:
        if self.detail is None:
            self.notify("Nothing to export: the incident is not stored.", severity="warning")
            return None
        return incident_markdown(self.detail, self.feed.zone)

    def _incident_url(self) -> str | None:
        if self.detail is None:
            return None
        candidates = [self.detail.incident["url"], *(r["url"] for r in self.detail.records)]
        for url in candidates:
            if safe_http_url(url):
                return str(url)
        return None

    def _open(self, url: str | None) -> None:
        safe = safe_http_url(url)
        if safe is None:
            self.notify("No http(s) link to open here.", severity="warning", markup=False)
            return
        self.feed.open_link(safe)


def header(detail: IncidentDetail, now: dt.datetime, zone: dt.tzinfo | None) -> Text:
    """Title; vendor, kind, impact and phase; when. (Components, sources and links are in the
    folded details.)"""
    incident = detail.incident
    out = Text(end="")
    out.append(fmt.one_line(incident["title"]), style="bold")
    out.append("\n")
    out.append(fmt.one_line(incident["vendor"]), style="bold")
    out.append(f" · {fmt.one_line(incident['kind'])} · impact {fmt.one_line(incident['impact'])}")
    out.append(" · now ")
    out.append_text(fmt.phase_badge(incident["phase"]))
    if incident["postmortem"]:
        out.append(" · postmortem", style="italic")
    out.append("\n")
    out.append(f"started {format_stamp(incident['started_at'], zone)}")
    if incident["resolved_at"]:
        out.append(f" · ended {format_stamp(incident['resolved_at'], zone)}")
        out.append(f" · lasted {fmt.span(incident['started_at'], incident['resolved_at'], now)}")
    elif not fmt.is_final(incident["phase"]):
        out.append(f" · ongoing for {fmt.span(incident['started_at'], None, now)}", style="bold")
    return out
