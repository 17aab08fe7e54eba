"""Reading what the screens show, for pilot tests."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App
from textual.widgets import Static

from incident_feed.tui.widgets.incident_table import IncidentTable


def shown(app: App[Any], selector: str) -> str:
    """The plain text of a Static on the current screen."""
    content = app.screen.query_one(selector, Static).content
    return content.plain if isinstance(content, Text) else str(content)


def table(app: App[Any]) -> IncidentTable:
    return app.screen.query_one(IncidentTable)


def titles(app: App[Any]) -> list[str]:
    rows = table(app).window.rows if table(app).window else []  # type: ignore[union-attr]
    return [r.title for r in rows]


def notifications(app: App[Any]) -> list[tuple[str, str]]:
    """Record what ``app.notify`` is asked to show, as (message, severity), from now on."""
    seen: list[tuple[str, str]] = []
    notify = app.notify

    def recording(message: str, *args: Any, **options: Any) -> None:
        seen.append((message, options.get("severity", "information")))
        notify(message, *args, **options)

    app.notify = recording  # type: ignore[method-assign]
    return seen


def cursor_title(app: App[Any]) -> str:
    row = table(app).selected()
    assert row is not None
    return row.title
