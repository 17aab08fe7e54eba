"""Stored values -> rich ``Text`` for the views. Pure: no Textual, no I/O, ``now`` passed in.

Vendor text is never markup here: every string becomes ``Text(...)`` (which Rich does not parse),
and control characters are made visible first (ESC -> ``␛``), because Rich and Textual strip only
a few of them and let ESC and C1 through to the terminal.
"""

from __future__ import annotations

import datetime as dt
import re

from rich.text import Text

from incident_feed.clock import format_span, in_zone
from incident_feed.enums import FINAL_PHASES
from incident_feed.kinds import social_channel

# C0 except TAB/LF, DEL, C1, and the bidi embeddings/overrides/isolates.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_PHRASE = re.compile(r'^phrase "(?P<phrase>[^"]+)"')

PHASE_STYLES: dict[str, str] = {
    "investigating": "bold white on #b3261e",
    "identified": "bold black on #f28c28",
    "remediating": "bold black on #f2c94c",
    "monitoring": "bold white on #2f6fbf",
    "resolved": "bold white on #2e7d32",
    "scheduled": "bold white on #6a4c93",
    "in_progress": "bold black on #c9a0ff",
    "verifying": "bold white on #4f6d7a",
    "completed": "bold white on #3f5a3f",
}
PHASE_COLOURS: dict[str, str] = {p: s.rsplit(" on ", 1)[1] for p, s in PHASE_STYLES.items()}

SOURCE_BADGES: dict[str, tuple[str, str]] = {
    # kind -> (label, style): status-page kinds first, then social accounts.
    "statuspage": ("page", "bold #e0e0e0 on #37474f"),
    "feed": ("feed", "bold #e0e0e0 on #4e5d33"),
    "gcp": ("page", "bold #e0e0e0 on #37474f"),
    "slack": ("page", "bold #e0e0e0 on #37474f"),
    "mastodon": ("masto", "bold white on #563acc"),
    "bluesky": ("bsky", "bold white on #1185fe"),
    "x": ("x", "bold white on #000000"),
}
EVIDENCE_STYLE = "bold reverse"


def visible(text: str) -> str:
    """Control characters -> visible stand-ins (``␛`` for ESC); everything else unchanged."""
    return _CONTROL.sub(_picture, text)


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # U+2400 block: ␀ ... ␟ (ESC -> ␛)
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"


def one_line(text: str) -> str:
    """Visible and folded onto one line (titles, names, errors in table cells)."""
    return " ".join(visible(text).split())


def cell(text: str, style: str = "") -> Text:
    """One line of untrusted text as a ``Text`` (never parsed as markup)."""
    return Text(one_line(text), style=style, no_wrap=True, overflow="ellipsis", end="")


def block(text: str, style: str = "") -> Text:
    """Untrusted multi-line text as a ``Text``: line breaks kept, controls made visible."""
    return Text(visible(text.replace("\t", " ")), style=style, end="")


def phase_label(phase: str) -> str:
    return phase.replace("_", " ")


def phase_badge(phase: str) -> Text:
    return Text(phase_label(phase), style=PHASE_STYLES.get(phase, "bold reverse"), end="")


def badge_kind(kind: str, url: str | None) -> str:
    """The kind a source's badge shows: an account feed shows its platform (from a post's URL)."""
    return social_channel(kind, url) if kind == "account-feed" else kind


def source_badges(kinds: tuple[str, ...] | list[str]) -> Text:
    """One badge per distinct label (an API and an Atom feed of one page are one "page")."""
    out = Text(end="", no_wrap=True)
    seen: list[str] = []
    for kind in kinds:
        label, style = SOURCE_BADGES.get(kind, (one_line(kind)[:5], "reverse"))
        if label in seen:
            continue
        seen.append(label)
        if len(out):
            out.append(" ")
        out.append(label, style=style)
    return out


def is_final(phase: str) -> bool:
    return phase in {p.value for p in FINAL_PHASES}


def when(value: dt.datetime | None, now: dt.datetime, zone: dt.tzinfo | None) -> str:
    """Relative when recent ("12 min ago"), else a date in the display zone (12 chars max)."""
    if value is None:
        return "-"
    age = now - value
    if dt.timedelta(0) <= age < dt.timedelta(minutes=1):
        return "just now"
    if dt.timedelta(0) <= age < dt.timedelta(hours=1):
        return f"{int(age.total_seconds() // 60)} min ago"
    if dt.timedelta(0) <= age < dt.timedelta(hours=24):
        return f"{int(age.total_seconds() // 3600)} h ago"
    shown = in_zone(value, zone)
    if shown.year == in_zone(now, zone).year:
        return shown.strftime("%b %d %H:%M")
    return shown.strftime("%Y-%m-%d")


def clock_time(value: dt.datetime, zone: dt.tzinfo | None) -> str:
    return in_zone(value, zone).strftime("%Y-%m-%d %H:%M")


def span(start: dt.datetime, end: dt.datetime | None, now: dt.datetime) -> str:
    """How long an incident lasted (or has lasted so far); ``?`` when unknown."""
    return format_span(start, end, now)


def evidence_phrase(evidence: str) -> str | None:
    """The phrase of the text that decided an update's phase (None when a label decided it)."""
    match = _PHRASE.match(evidence)
    return match.group("phrase") if match else None


def highlighted(text: str, evidence: str) -> Text:
    """An update's text with the phrase that decided its phase highlighted (every occurrence)."""
    out = block(text)
    phrase = evidence_phrase(evidence)
    if phrase:
        pattern = r"\s+".join(re.escape(word) for word in visible(phrase).split())
        out.highlight_regex(re.compile(pattern, re.IGNORECASE), style=EVIDENCE_STYLE)
    return out
