"""One incident as Markdown, from the incident screen: the same document ``incident-feed export
ID`` writes (``incident_feed.outputs.markdown``), written next to the others in the export folder.

No Textual here: the screen turns what this returns or raises into notifications.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path

from incident_feed.outputs.markdown import ExportItem, render_incident
from incident_feed.store.queries import IncidentDetail

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def incident_markdown(detail: IncidentDetail, zone: dt.tzinfo | None) -> str:
    """The incident's document, byte for byte what the CLI's one-incident export prints."""
    item = ExportItem(detail.incident, list(detail.updates), list(detail.records))
    return render_incident(item, zone=zone)


def export_path(folder: Path, incident_id: str) -> Path:
    """``<folder>/<incident id>.md``; an id never names a path outside the folder."""
    name = _UNSAFE.sub("-", incident_id).strip(".-") or "incident"
    return folder / f"{name}.md"


def write_markdown(path: Path, markdown: str) -> None:
    """Write atomically (a sibling temporary file, then a rename), as the CLI does: a reader
    never sees half a file. Raises ``OSError`` (the folder cannot be made or written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(markdown)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
