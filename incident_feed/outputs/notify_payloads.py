"""What each notification target receives for one event: pure (no I/O), so every payload is
checked against golden files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from incident_feed.clock import format_duration
from incident_feed.enums import Kind, Phase
from incident_feed.outputs.json_contract import incident_json, update_json
from incident_feed.outputs.markdown import inline

NEW, PHASE, RESOLVED = "new", "phase", "resolved"
DISCORD_LIMIT = 2000
_PHASE_WORDS = {phase: phase.value.replace("_", " ") for phase in Phase}


@dataclass(frozen=True, slots=True)
class Event:
    """One transition of one incident."""

    kind: str  # new | phase | resolved
    incident: Mapping[str, Any]
    previous_phase: str | None
    records: Sequence[Mapping[str, Any]] = ()
    latest_update: Mapping[str, Any] | None = None


def headline(event: Event) -> str:
    """One plain line: what happened to which incident."""
    incident = event.incident
    vendor, title = incident["vendor"], incident["title"]
    thing = "maintenance" if incident["kind"] == Kind.MAINTENANCE else "incident"
    phase = _PHASE_WORDS.get(Phase(incident["phase"]), str(incident["phase"]))
    if event.kind == NEW:
        return f"New {thing} at {vendor}: {title} ({incident['impact']} impact, {phase})"
    if event.kind == RESOLVED:
        took = ""
        if incident.get("resolved_at") is not None:
            took = f" after {format_duration(incident['resolved_at'] - incident['started_at'])}"
        return f"{phase.capitalize()} at {vendor}{took}: {title}"
    previous = _PHASE_WORDS.get(Phase(event.previous_phase or "investigating"), "?")
    return f"{vendor}: {title} is now {phase} (was {previous})"


def command_payload(event: Event) -> dict[str, Any]:
    """What a ``command`` target reads on stdin."""
    return {
        "event": event.kind,
        "previous_phase": event.previous_phase,
        "summary": headline(event),
        "incident": incident_json(event.incident, event.records),
        "latest_update": update_json(event.latest_update) if event.latest_update else None,
    }


def webhook_payload(event: Event) -> dict[str, Any]:
    """Slack reads ``text`` (mrkdwn), Discord reads ``content`` (Markdown); each ignores the
    other's keys. ``allowed_mentions`` keeps Discord from pinging anyone."""
    url = _http_url(event.incident.get("url"))
    body = _update_text(event)
    slack = f"*{_slack_escape(headline(event))}*"
    discord = f"**{inline(headline(event))}**"
    if body:
        slack += "\n" + _slack_escape(body)
        discord += "\n" + inline(body)
    if url:
        slack += f"\n<{_slack_escape(url)}|Status page>"
        discord += f"\n<{url}>"
    if len(discord) > DISCORD_LIMIT:
        discord = discord[: DISCORD_LIMIT - 1] + "…"
    return {
        "text": slack,
        "content": discord,
        "username": "incident-feed",
        "allowed_mentions": {"parse": []},
    }


def _update_text(event: Event) -> str:
    if not event.latest_update:
        return ""
    text = " ".join(str(event.latest_update["text"]).split())
    return text if len(text) <= 500 else text[:499] + "…"


def _slack_escape(text: str) -> str:
    # Slack's own escaping: with <, > and & escaped no link, mention (<!channel>) or markup
    # token can be formed from vendor text.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _http_url(value: object) -> str | None:
    from incident_feed.normalize.text import safe_http_url

    return safe_http_url(value)
