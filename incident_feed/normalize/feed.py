"""RSS/Atom history feeds -> incident drafts.

feedparser is always given bytes in a ``BytesIO`` (a ``str`` or ``bytes`` argument can make it
open a path or a URL). Entity declarations are stripped before parsing (a flat entity referenced
many times expands without limit in its fallback parser). Statuspage-style entries, whose HTML
holds every update as ``<p><small>time</small><br><strong>Status</strong> - text</p>``, become
one update each; any other entry is one update whose phase is read from its text.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Mapping
from html import unescape
from typing import Any

import feedparser

from incident_feed.enums import MAINTENANCE_PHASES, Impact, Kind
from incident_feed.errors import PayloadError
from incident_feed.normalize.common import RawUpdate, collect_items, thread
from incident_feed.normalize.drafts import Context, IncidentDraft, ItemProblem, ParseResult, Stamp
from incident_feed.normalize.phases import LABELS
from incident_feed.normalize.text import clean_line, html_to_text, safe_http_url
from incident_feed.normalize.times import (
    TimeParseError,
    clamp_future,
    parse_month_day_time,
    parse_time,
)

_STATUSPAGE_INCIDENT = re.compile(r"/incidents/([A-Za-z0-9]{6,40})/?$")
_MAINTENANCE_TITLE = re.compile(r"\bmaintenance\b", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*(\[.*?\])?\s*>", re.DOTALL | re.IGNORECASE)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_STATUSPAGE_UPDATE = re.compile(
    r"<p>\s*<small>(?P<small>.*?)</small>\s*<br\s*/?>\s*<strong>(?P<label>[^<]{1,40})</strong>"
    r"\s*(?:-\s*)?(?P<body>.*?)</p>",
    re.DOTALL | re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]*>")


def strip_doctype(body: bytes) -> bytes:
    """Remove a DOCTYPE (with its internal subset of entity declarations) from the prolog.

    Works on ASCII-compatible encodings; UTF-16/32 bodies are decoded, cleaned and re-encoded.
    """
    encoding = _wide_encoding(body)
    if encoding is not None:
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            return body
        cleaned = strip_doctype(text.encode("utf-8", "surrogatepass"))
        if cleaned == text.encode("utf-8", "surrogatepass"):
            return body
        return cleaned.decode("utf-8", "surrogatepass").encode(encoding, "surrogatepass")
    head_end = body.find(b"<!DOCTYPE")
    if head_end < 0:
        head_end = body.find(b"<!doctype")
    if head_end < 0 and not _ENTITY_DECL.search(body[:65536]):
        return body
    return _DOCTYPE.sub(b"", body, count=1)


def parse_feed(body: bytes, headers: Mapping[str, str], context: Context) -> ParseResult:
    """Every entry of one RSS/Atom document."""
    body = strip_doctype(body)
    response_headers = {
        key.lower(): value
        for key, value in headers.items()
        if key.lower() in ("content-type", "content-location", "content-language")
    }
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers=response_headers,
        sanitize_html=False,  # we flatten HTML to text ourselves: sanitizing would be wasted work
        resolve_relative_uris=False,
    )
    entries = parsed.get("entries") or []
    if not entries and not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        reason = f": {clean_line(str(problem))[:200]}" if problem else ""
        raise PayloadError(f"not an RSS/Atom feed{reason}")
    problems: list[ItemProblem] = []
    drafts = collect_items(list(entries), "entry", lambda e: _entry(e, context), problems)
    return ParseResult(tuple(drafts), tuple(problems))


def _entry(entry: Mapping[str, Any], context: Context) -> IncidentDraft:
    link = safe_http_url(entry.get("link"))
    entry_id = clean_line(str(entry.get("id") or link or entry.get("title") or ""))
    if not entry_id:
        raise PayloadError("entry has no id, link or title")
    match = _STATUSPAGE_INCIDENT.search(link or "")
    key = match.group(1) if match else "entry-" + hashlib.sha1(entry_id.encode()).hexdigest()[:16]
    title = clean_line(str(entry.get("title") or ""))
    html = _entry_html(entry)
    reference = _entry_time(entry, context)
    updates = _statuspage_updates(html, reference, key) if "<strong" in html else None
    if updates:
        raw_updates = updates
    else:
        text = html_to_text(html)
        raw_updates = [(entry_id, reference, None, f"{title}\n\n{text}".strip(), {"url": link})]
    labels = {(label or "").lower() for _, _, label, _, _ in raw_updates}
    maintenance_labels = {p.value.replace("_", " ") for p in MAINTENANCE_PHASES}
    is_maintenance = bool(labels & maintenance_labels) or bool(_MAINTENANCE_TITLE.search(title))
    kind = Kind.MAINTENANCE if is_maintenance else Kind.INCIDENT
    stamped = [(n, clamp_future(s, context.now), label, t, x) for n, s, label, t, x in raw_updates]
    return IncidentDraft(
        key=key,
        native_id=entry_id,
        vendor=context.vendor,
        kind=kind,
        title=title,
        impact=Impact.MAINTENANCE if is_maintenance else Impact.UNKNOWN,
        updates=thread(stamped, kind),
        url=link,
    )


def _entry_html(entry: Mapping[str, Any]) -> str:
    content = entry.get("content")
    if isinstance(content, list) and content and isinstance(content[0], Mapping):
        value = content[0].get("value")
        if isinstance(value, str):
            return value
    summary = entry.get("summary")
    return summary if isinstance(summary, str) else ""


def _entry_time(entry: Mapping[str, Any], context: Context) -> Stamp:
    """The entry's own time: published, else updated, strictly parsed from the raw string."""
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        if isinstance(raw, str) and raw.strip():
            return parse_time(raw)
    raise TimeParseError("entry has no published or updated time")


def _statuspage_updates(html: str, reference: Stamp, key: str) -> list[RawUpdate]:
    """Split a Statuspage entry's HTML into its updates; [] when it is not in that form."""
    found: list[tuple[Stamp, str, str]] = []
    for match in _STATUSPAGE_UPDATE.finditer(html):
        label = clean_line(unescape(match["label"]))
        if label.lower() not in LABELS:
            continue
        when = clean_line(unescape(_TAG.sub("", match["small"])))
        stamp = parse_month_day_time(when, reference.at)
        found.append((stamp, label, html_to_text(match["body"])))
    updates: list[RawUpdate] = []
    seen: dict[str, int] = {}
    # Oldest first, so the occurrence number of same-minute updates never changes as new ones
    # are added at the top of the entry.
    for stamp, label, text in reversed(found):
        minute = stamp.at.strftime("%Y%m%dT%H%M")
        seen[minute] = seen.get(minute, 0) + 1
        native_id = f"{key}@{minute}#{seen[minute]}"
        updates.append((native_id, stamp, label, text, {}))
    return updates


def _wide_encoding(body: bytes) -> str | None:
    """UTF-16/32 by byte-order mark or by the NUL pattern of ``<?`` (XML spec, appendix F)."""
    head = body[:4]
    if head.startswith((b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")):
        return "utf-32"
    if head.startswith((b"\xfe\xff", b"\xff\xfe")):
        return "utf-16"
    patterns = {
        b"\x00\x00\x00<": "utf-32-be",
        b"<\x00\x00\x00": "utf-32-le",
        b"\x00<\x00?": "utf-16-be",
        b"<\x00?\x00": "utf-16-le",
    }
    return patterns.get(head)
