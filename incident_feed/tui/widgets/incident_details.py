"""An incident's details, folded: the components it affects, its sources and links.

Collapsed by default (one line that counts them), so that the update thread keeps most of an
80x24 screen; the incident screen's ``d`` (or Enter or a click on the title) unfolds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Collapsible, Static

from incident_feed.decide.links import other_end
from incident_feed.store.queries import IncidentDetail
from incident_feed.tui import formatting as fmt


class IncidentDetails(Collapsible):
    """Components, sources (with their links) and links to other incidents."""

    def __init__(self, detail: IncidentDetail, *, id: str | None = None) -> None:  # noqa: A002
        # Collapsible parses its title as markup: it holds counts only, never vendor text.
        body = VerticalScroll(Static(details(detail), id="incident-details"))
        super().__init__(body, title=summary(detail), collapsed=True, id=id)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def components_of(incident: Mapping[Any, Any]) -> list[str]:
    return [fmt.one_line(str(c.get("name"))) for c in incident["components"] or []]


def summary(detail: IncidentDetail) -> str:
    """The folded line: what unfolding would show, counted (no vendor text: see above)."""
    components = len(components_of(detail.incident))
    sources = len({r["source_name"] for r in detail.records})
    parts = [
        _plural(components, "component") if components else "",
        f"{_plural(len(detail.records), 'record')} from {_plural(sources, 'source')}",
        _plural(len(detail.links), "link") if detail.links else "",
    ]
    return "Details: " + " · ".join(part for part in parts if part)


def details(detail: IncidentDetail) -> Text:
    """Components; each source record with its URL; links to other incidents."""
    incident = detail.incident
    lines: list[Text] = []
    components = components_of(incident)
    if components:
        line = Text("affects: ", style="dim", end="")
        line.append(", ".join(components), style="")
        lines.append(line)
    lines += [_record_line(record) for record in detail.records]
    lines += [_link_line(link, incident["id"]) for link in detail.links]
    if not lines:
        lines.append(Text("no components, sources or links recorded", style="dim", end=""))
    return Text("\n", end="").join(lines)


def _record_line(record: Mapping[Any, Any]) -> Text:
    line = Text(end="")
    line.append_text(fmt.source_badges([record["source_kind"]]))
    line.append(f" {fmt.one_line(record['source_name'])}  ", style="dim")
    line.append(fmt.one_line(record["url"] or "-"), style="underline #7aa2f7")
    return line


def _link_line(link: Mapping[Any, Any], incident_id: str) -> Text:
    other = other_end(link, incident_id)
    undone = link["state"] == "rejected"
    line = Text(end="")
    line.append("undone link " if undone else f"{fmt.one_line(link['kind'])} as ", style="dim")
    line.append(fmt.one_line(other), style="bold" if not undone else "dim strike")
    line.append(f" ({link['confidence']:.2f}): ", style="dim")
    line.append(fmt.one_line(link["reason"]), style="italic")
    return line
