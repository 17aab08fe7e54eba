"""What each notification target receives for one event: pure (no I/O), checked against golden
files (``tests/golden/notify``).

Every text from a feed (vendor, title, update, component names) is hostile: it is stripped of
control characters (ANSI sequences whole) and escaped for the target's markup, so it can neither
format, link nor mention anyone:

- Slack: ``mrkdwn`` with Slack's own ``&amp; &lt; &gt;`` (no ``<!channel>``, ``<@U…>`` or link
  can form) and ``verbatim`` (no automatic linking of names); ``@channel`` spelt out is broken
  with a zero-width space.
- Discord: Markdown specials backslash-escaped, line starts that make headings, quotes or lists
  escaped, ``@`` broken with a zero-width space, and ``allowed_mentions`` empty: nothing pings.
- Microsoft Teams: feed text only in ``TextRun`` elements, where Adaptive Cards read no Markdown.
- ntfy: a plain-text body (no ``Markdown: yes`` header); the title RFC 2047-encoded when not ASCII.

Links are http(s) only, percent-encoded where a character could end the link's markup.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from incident_feed.clock import format_duration
from incident_feed.enums import FINAL_PHASES, Impact, Kind, Phase
from incident_feed.outputs.json_contract import incident_json, update_json

__all__ = [
    "NEW",
    "PHASE",
    "RESOLVED",
    "Event",
    "NtfyMessage",
    "command_payload",
    "discord_escape",
    "discord_payload",
    "headline",
    "ntfy_message",
    "plain",
    "sample_event",
    "slack_escape",
    "slack_payload",
    "teams_payload",
    "webhook_payload",
]

NEW, PHASE, RESOLVED = "new", "phase", "resolved"
_PHASE_WORDS = {phase: phase.value.replace("_", " ") for phase in Phase}

# Sizes each target accepts (characters unless said otherwise).
DISCORD_CONTENT = 2000
DISCORD_TITLE = 256
DISCORD_DESCRIPTION = 4096
DISCORD_FIELD = 1024
SLACK_TEXT = 3000  # a section block's text; the fallback ``text`` is kept as short
TEAMS_TEXT = 4000  # a Teams message is at most about 28 KB in all
NTFY_BODY_BYTES = 4096  # ntfy's default message limit; a longer body becomes an attachment
NTFY_TITLE = 250
UPDATE_TEXT = 4000  # an update's text, at most, before each target's own limit

# ANSI escape sequences whole (CSI, OSC, two-byte ESC sequences), then the characters no message
# should carry: C0 but TAB/LF, DEL, C1, bidi and zero-width marks, separators, the BOM.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]"
)
_MENTION = re.compile(r"(?<![\w@.])@(?=[\w-])")
_DISCORD_SPECIALS = re.compile(r"([\\*_~`|<>\[\]])")
# What starts a heading, quote, list or subtext at the beginning of a Discord line.
_DISCORD_LINE_START = re.compile(r"^([ \t]*)(?:([#>+=-])|(\d{1,9})([.)]))", re.MULTILINE)
_SLACK_MENTION = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)
# Adaptive Cards replace {{DATE(...)}} and {{TIME(...)}} in text; a zero-width space defuses it.
_CARD_FUNCTION = re.compile(r"\{(?=\{)")


@dataclass(frozen=True, slots=True)
class Event:
    """One transition of one incident."""

    kind: str  # new | phase | resolved
    incident: Mapping[str, Any]
    previous_phase: str | None
    records: Sequence[Mapping[str, Any]] = ()
    latest_update: Mapping[str, Any] | None = None


def headline(event: Event) -> str:
    """One plain line: what happened to which outage (feed text stripped, not yet escaped)."""
    incident = event.incident
    vendor, title = plain(incident["vendor"]), plain(incident["title"])
    thing = "maintenance" if incident["kind"] == Kind.MAINTENANCE else "incident"
    phase = _phase_words(incident["phase"])
    if event.kind == NEW:
        return f"New {thing} at {vendor}: {title} ({plain(incident['impact'])} impact, {phase})"
    if event.kind == RESOLVED:
        took = ""
        if incident.get("resolved_at") is not None and incident.get("started_at") is not None:
            took = f" after {format_duration(incident['resolved_at'] - incident['started_at'])}"
        return f"{phase.capitalize()} at {vendor}{took}: {title}"
    previous = _phase_words(event.previous_phase or "investigating")
    return f"{vendor}: {title} is now {phase} (was {previous})"


def _phase_words(value: object) -> str:
    try:
        return _PHASE_WORDS[Phase(str(value))]
    except ValueError:
        return plain(value)


# -- cleaning and escaping ----------------------------------------------------------------------


def plain(text: object, *, lines: bool = False) -> str:
    """Feed text without control characters or ANSI sequences; one line unless ``lines``."""
    cleaned = _CONTROL.sub("", _ANSI.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n")))
    if not lines:
        return " ".join(cleaned.split())
    paragraphs = [" ".join(line.split()) for line in cleaned.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(paragraphs)).strip()


def slack_escape(text: str) -> str:
    """Slack mrkdwn: ``&``, ``<`` and ``>`` as Slack's entities, so no link, mention or
    special command can be formed; ``@channel`` written out is broken too."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SLACK_MENTION.sub("@\u200b", text)


def discord_escape(text: str) -> str:
    """Discord Markdown: specials backslash-escaped (no bold, spoiler, code, masked link, or
    ``<@id>`` / ``<t:…>`` tag), line starts that make headings, quotes or lists escaped, and
    every ``@name`` broken with a zero-width space (``allowed_mentions`` stops pings besides)."""
    text = _DISCORD_SPECIALS.sub(r"\\\1", text)
    text = _DISCORD_LINE_START.sub(_escape_line_start, text)
    return _MENTION.sub("@\u200b", text)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, mark, number, dot = match.groups()
    if mark is not None:
        return f"{indent}\\{mark}"
    return f"{indent}{number}\\{dot}"


def _card_text(text: str) -> str:
    return _CARD_FUNCTION.sub("{\u200b", text)


def link(value: object) -> str | None:
    """An http(s) URL fit to put inside any target's link markup, or None.

    Characters that could end the markup (``<``, ``>``, ``|``, quotes, spaces, backslash) and
    anything not ASCII are percent-encoded; other schemes give None.
    """
    from incident_feed.normalize.text import safe_http_url

    url = safe_http_url(value)
    if url is None:
        return None
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def _cut(text: str, limit: int, escape: Callable[[str], str] | None = None) -> str:
    """``text`` (escaped by ``escape``) within ``limit`` characters, ending in "…" when cut.

    The raw text is cut before escaping, so an escape is never cut in half; the longest cut
    that fits is found by bisection (escaping can lengthen text several times).
    """
    render = escape or (lambda t: t)
    out = render(text)
    if len(out) <= limit:
        return out
    low, high = 0, len(text)  # render(text[:low] + "…") fits; text[:high] does not
    while high - low > 1:
        middle = (low + high) // 2
        if len(render(text[:middle].rstrip() + "…")) <= limit:
            low = middle
        else:
            high = middle
    return render(text[:low].rstrip() + "…")


def _cut_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore").rstrip() + "…"


# -- what an event says -------------------------------------------------------------------------


def _update_text(event: Event) -> str:
    if not event.latest_update:
        return ""
    return _cut(plain(event.latest_update["text"], lines=True), UPDATE_TEXT)


def _impact(event: Event) -> Impact:
    try:
        return Impact(str(event.incident["impact"]))
    except ValueError:
        return Impact.UNKNOWN


def _over(event: Event) -> bool:
    try:
        return event.kind == RESOLVED or Phase(str(event.incident["phase"])) in FINAL_PHASES
    except ValueError:
        return event.kind == RESOLVED


def _components(event: Event) -> list[str]:
    names = (plain(c.get("name") or "") for c in event.incident.get("components") or [])
    return [n for n in dict.fromkeys(names) if n]


def _facts(event: Event) -> list[tuple[str, str]]:
    """Label and plain value of what the event is about, for the targets that list them."""
    phase = _phase_words(event.incident["phase"])
    if event.previous_phase and event.kind != NEW:
        phase += f" (was {_phase_words(event.previous_phase)})"
    facts = [
        ("Vendor", plain(event.incident["vendor"])),
        ("Impact", plain(event.incident["impact"])),
        ("Phase", phase),
    ]
    components = _components(event)
    if components:
        facts.append(("Components", ", ".join(components)))
    return facts


def _when(event: Event) -> dt.datetime | None:
    if event.latest_update and isinstance(event.latest_update.get("at"), dt.datetime):
        at: dt.datetime = event.latest_update["at"]
        return at
    updated = event.incident.get("updated_at")
    return updated if isinstance(updated, dt.datetime) else None


# -- the payloads -------------------------------------------------------------------------------


def command_payload(event: Event) -> dict[str, Any]:
    """What a ``command`` target reads on stdin: the JSON contract, unescaped."""
    return {
        "event": event.kind,
        "previous_phase": event.previous_phase,
        "summary": headline(event),
        "incident": incident_json(event.incident, event.records),
        "latest_update": update_json(event.latest_update) if event.latest_update else None,
    }


def webhook_payload(event: Event) -> dict[str, Any]:
    """The generic webhook: Slack reads ``text`` (mrkdwn), Discord reads ``content``
    (Markdown); each ignores the other's keys. ``allowed_mentions`` keeps Discord from pinging
    anyone."""
    url = link(event.incident.get("url"))
    body = " ".join(_update_text(event).split())
    body = _cut(body, 500)
    slack = f"*{slack_escape(headline(event))}*"
    discord = f"**{discord_escape(headline(event))}**"
    if body:
        slack += "\n" + slack_escape(body)
        discord += "\n" + discord_escape(body)
    if url:
        slack += f"\n<{url}|Status page>"
        discord += f"\n<{url}>"
    return {
        "text": slack,
        "content": _cut(discord, DISCORD_CONTENT),
        "username": "incident-feed",
        "allowed_mentions": {"parse": []},
    }


def slack_payload(event: Event) -> dict[str, Any]:
    """A Slack incoming webhook message: blocks, with ``text`` as the notification fallback."""
    title = headline(event)
    body = _update_text(event)
    url = link(event.incident.get("url"))
    blocks: list[dict[str, Any]] = [
        _slack_section(f"*{_cut(title, SLACK_TEXT - 2, slack_escape)}*")
    ]
    if body:
        blocks.append(_slack_section(_cut(body, SLACK_TEXT, slack_escape)))
    context = " · ".join(f"*{label}:* {slack_escape(value)}" for label, value in _facts(event))
    if url:
        context += f" · <{url}|Status page>"
    blocks.append({"type": "context", "elements": [_slack_text(_cut(context, SLACK_TEXT))]})
    return {
        "text": _cut(title, SLACK_TEXT, slack_escape),
        "blocks": blocks,
        "unfurl_links": False,
        "unfurl_media": False,
    }


def _slack_text(text: str) -> dict[str, Any]:
    # verbatim: Slack links no channel name or URL by itself; only our own <url|label> links.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _slack_section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _slack_text(text)}


# Discord embed colours by impact; green once over.
_DISCORD_COLOURS = {
    Impact.CRITICAL: 0xD62828,
    Impact.MAJOR: 0xF77F00,
    Impact.MINOR: 0xFCBF49,
    Impact.MAINTENANCE: 0x3A86FF,
    Impact.NONE: 0x8D99AE,
    Impact.UNKNOWN: 0x8D99AE,
}
_DISCORD_OVER = 0x2A9D8F


def discord_payload(event: Event) -> dict[str, Any]:
    """A Discord webhook message: the headline as ``content``, the update as an embed coloured
    by impact; nobody can be pinged (``allowed_mentions``)."""
    body = _update_text(event)
    embed: dict[str, Any] = {
        "title": _cut(
            plain(event.incident["title"]) or "(untitled)", DISCORD_TITLE, discord_escape
        ),
        "color": _DISCORD_OVER if _over(event) else _DISCORD_COLOURS[_impact(event)],
        "fields": [
            {
                "name": label,
                "value": _cut(value, DISCORD_FIELD, discord_escape) or "-",
                "inline": label != "Components",
            }
            for label, value in _facts(event)
        ],
        "footer": {"text": "incident-feed"},
    }
    if body:
        embed["description"] = _cut(body, DISCORD_DESCRIPTION, discord_escape)
    url = link(event.incident.get("url"))
    if url:
        embed["url"] = url
    when = _when(event)
    if when is not None:
        embed["timestamp"] = when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return {
        "username": "incident-feed",
        "content": _cut(headline(event), DISCORD_CONTENT, discord_escape),
        "embeds": [embed],
        "allowed_mentions": {"parse": []},
    }


# Adaptive Card container styles: green once over, red for major and critical, amber for minor.
_TEAMS_STYLES = {Impact.CRITICAL: "attention", Impact.MAJOR: "attention", Impact.MINOR: "warning"}


def teams_payload(event: Event) -> dict[str, Any]:
    """A Microsoft Teams message for a Workflows webhook: one Adaptive Card attachment.

    Teams webhooks are Power Automate Workflows now (trigger "When a Teams webhook request is
    received", template "Post to a channel when a webhook request is received"); Microsoft 365
    (Office 365) connectors are being retired. Checked against "Create and send messages",
    https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
    (known issues: "Workflows support Adaptive Cards only. It doesn't support the older message
    card format that Office 365 Connectors use"; later revisions add partial MessageCard
    support). The body is the message shape those docs give for an Adaptive Card:
    ``{"type": "message", "attachments": [{"contentType":
    "application/vnd.microsoft.card.adaptive", "content": card}]}``; the Workflows template
    posts ``attachments[0].content``, and the retiring connectors' Incoming Webhook accepts the
    same shape ("Send Adaptive Cards using an Incoming Webhook", add-incoming-webhook.md in
    MicrosoftDocs/msteams-docs), so one payload serves both.

    Feed text sits only in ``TextRun`` elements: "Text to display. Markdown is not supported."
    (https://learn.microsoft.com/adaptive-cards/schema-explorer/text-run), so nothing a vendor
    writes can format or link; a mention needs ``msteams.entities``, which the card has none of.
    """
    title = headline(event)
    body = _update_text(event)
    style = "good" if _over(event) else _TEAMS_STYLES.get(_impact(event), "emphasis")
    items: list[dict[str, Any]] = [
        _rich(_cut(title, TEAMS_TEXT), weight="Bolder", size="Medium"),
    ]
    content: list[dict[str, Any]] = [{"type": "Container", "style": style, "items": items}]
    if body:
        content.append(_rich(_cut(body, TEAMS_TEXT)))
    facts = "   ".join(f"{label}: {value}" for label, value in _facts(event))
    content.append(_rich(_cut(facts, TEAMS_TEXT), isSubtle=True, size="Small"))
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": {"width": "Full"},
        "body": content,
    }
    url = link(event.incident.get("url"))
    if url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Status page", "url": url}]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def _rich(text: str, **style: Any) -> dict[str, Any]:
    """A RichTextBlock of one TextRun: plain text, whatever it contains."""
    run = {"type": "TextRun", "text": _card_text(text), **style}
    return {"type": "RichTextBlock", "inlines": [run]}


@dataclass(frozen=True, slots=True)
class NtfyMessage:
    """An ntfy publish: headers (Title, Tags, Priority, Click) and a plain-text body."""

    headers: dict[str, str]
    body: str


# ntfy priorities (1 min .. 5 max) and tags (emoji short codes, shown before the title).
_NTFY_PRIORITY = {Impact.CRITICAL: "5", Impact.MAJOR: "4", Impact.MINOR: "3"}
_NTFY_TAG = {
    Impact.CRITICAL: "rotating_light",
    Impact.MAJOR: "rotating_light",
    Impact.MINOR: "warning",
    Impact.MAINTENANCE: "wrench",
}


def ntfy_message(event: Event) -> NtfyMessage:
    """An ntfy message for ``POST <topic URL>`` (https://docs.ntfy.sh/publish/): plain text,
    no Markdown, so the body needs no escaping; the headers carry no line break."""
    impact = _impact(event)
    over = _over(event)
    tag = "white_check_mark" if over else _NTFY_TAG.get(impact, "information_source")
    headers = {
        "Title": _header_text(_cut(headline(event), NTFY_TITLE)),
        "Tags": ",".join([tag, event.kind, impact.value]),
        "Priority": "3" if over else _NTFY_PRIORITY.get(impact, "2"),
        "Content-Type": "text/plain; charset=utf-8",
    }
    url = link(event.incident.get("url"))
    if url:
        headers["Click"] = url
    parts = [_update_text(event)] if event.latest_update else []
    parts.append(" · ".join(f"{label}: {value}" for label, value in _facts(event)))
    return NtfyMessage(headers, _cut_bytes("\n\n".join(p for p in parts if p), NTFY_BODY_BYTES))


def _header_text(text: str) -> str:
    """A header value: ASCII as it is, anything else as an RFC 2047 encoded word, which ntfy
    decodes (its docs: "you may also encode any header (including the title) as RFC 2047")."""
    if text.isascii():
        return text
    return "=?UTF-8?B?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="


# -- the test event -----------------------------------------------------------------------------


def sample_event(now: dt.datetime) -> Event:
    """The clearly marked event ``notify test`` sends: no vendor reported anything."""
    incident = {
        "id": "incident-feed-test",
        "vendor": "incident-feed",
        "kind": Kind.INCIDENT.value,
        "title": "TEST: incident-feed notification check (not an outage)",
        "phase": Phase.INVESTIGATING.value,
        "impact": Impact.MINOR.value,
        "postmortem": False,
        "started_at": now,
        "resolved_at": None,
        "updated_at": now,
        "scheduled_for": None,
        "scheduled_until": None,
        "url": None,
        "components": [],
    }
    update = {
        "id": 0,
        "at": now,
        "at_raw": now.isoformat(),
        "time_flags": "",
        "phase": Phase.INVESTIGATING.value,
        "label": "test",
        "source_name": "incident-feed-test",
        "native_id": "test",
        "text": "This is a test sent by `incident-feed notify test` to check this target. "
        "No vendor reported anything.",
        "url": None,
        "evidence": "",
        "components": [],
    }
    return Event(NEW, incident, None, (), update)
