"""Hand-built drafts for cases the fixture files do not contain.

HOSTILE is a *derived* case: no captured payload carries these strings. It is written straight
into the store with ``Store.apply`` (bypassing the normalizer, which would strip the control
characters) so the TUI's own defences are what is tested.
"""

from __future__ import annotations

import datetime as dt

from incident_feed.enums import Impact, Kind, Phase
from incident_feed.normalize.drafts import IncidentDraft, Stamp, UpdateDraft

CLICK = "[@click=app.quit]x[/]"
CLOSE = "[/]"
CLEAR = "\x1b[2J"
OSC52 = "\x1b]52;c;aGFja2Vk\x07"
HOSTILE_TITLE = f"{CLICK} {CLOSE} {CLEAR} {OSC52} [bold]not bold[/bold]"


def draft(
    key: str,
    title: str,
    updates: list[tuple[dt.datetime, Phase, str]],
    *,
    vendor: str = "GitHub",
    kind: Kind = Kind.INCIDENT,
    url: str | None = None,
    evidence: str = 'label "investigating"',
    label: str | None = None,
    update_url: str | None = None,
) -> IncidentDraft:
    return IncidentDraft(
        key=key,
        native_id=key,
        vendor=vendor,
        kind=kind,
        title=title,
        impact=Impact.MAJOR,
        url=url,
        started=Stamp(updates[0][0], updates[0][0].isoformat()),
        updates=tuple(
            UpdateDraft(
                native_id=f"{key}-{i}",
                stamp=Stamp(at, at.isoformat()),
                phase=phase,
                label=label,
                evidence=evidence,
                text=text,
                url=update_url,
            )
            for i, (at, phase, text) in enumerate(updates)
        ),
    )


def hostile(at: dt.datetime) -> IncidentDraft:
    """Every text field the TUI shows, hostile; links that must never be opened."""
    text = f"{HOSTILE_TITLE}\nsecond line {CLICK}"
    return draft(
        "hostile",
        HOSTILE_TITLE,
        [(at, Phase.INVESTIGATING, text), (at + dt.timedelta(minutes=5), Phase.IDENTIFIED, text)],
        vendor=f"Evil {CLICK}",
        url="javascript:alert(1)",
        evidence=f'phrase "{CLICK}"',
        label=f"{CLEAR}label{CLOSE}",
        update_url=f"file:///etc/passwd{OSC52}",
    )
