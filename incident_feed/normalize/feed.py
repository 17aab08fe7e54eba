"""RSS/Atom history feeds -> incident drafts.

feedparser is always given bytes in a ``BytesIO`` (a ``str`` or ``bytes`` argument can make it
open a path or a URL). Entity declarations are stripped before parsing (a flat entity referenced
many times expands without limit in its fallback parser). Statuspage-style entries, whose HTML
holds every update as ``<p><small>time</small><br><strong>Status</strong> - text</p>``, become
one update each; any other entry is one update whose phase is read from its text.

A document is whole or it is an error: feedparser still returns the entries of a truncated or
otherwise malformed document (its loose parser reads on past the error, and the last entry of a
cut-off feed comes out empty), so a real XML parse error fails the whole document and nothing in it
is used. HTML named entities (``&nbsp;``), which real feeds use without declaring, are rewritten as
character references first, so that an error left is one of structure. feedparser's notices that
only concern the media type or the declared encoding are not parse errors.
"""

from __future__ import annotations

import hashlib
import io
import re
import xml.sax
from collections.abc import Callable, Mapping
from html import unescape
from html.entities import name2codepoint
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import feedparser
from feedparser.exceptions import CharacterEncodingOverride, NonXMLContentType

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
# status.io: /pages/incident/<page id>/<incident id> (and /pages/maintenance/...)
_STATUSIO_INCIDENT = re.compile(
    r"/pages/(?:incident|maintenance)/[A-Za-z0-9]{6,40}/([A-Za-z0-9]{6,40})/?$"
)
_MAINTENANCE_TITLE = re.compile(r"\bmaintenance\b", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*(\[.*?\])?\s*>", re.DOTALL | re.IGNORECASE)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_STATUSPAGE_UPDATE = re.compile(
    r"<p>\s*<small>(?P<small>.*?)</small>\s*<br\s*/?>\s*<strong>(?P<label>[^<]{1,40})</strong>"
    r"\s*(?:-\s*)?(?P<body>.*?)</p>",
    re.DOTALL | re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]*>")
_NAMED_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})
# feedparser's bozo notices that say nothing about the document's structure.
_BENIGN_BOZO = (CharacterEncodingOverride, NonXMLContentType)
_CHAR_REF = re.compile(rb"&#([xX][0-9a-fA-F]+|[0-9]+);")
_SLASHES = re.compile(r"/{2,}")


def strip_doctype(body: bytes) -> bytes:
    """Remove a DOCTYPE (with its internal subset of entity declarations) from the prolog.

    Works on ASCII-compatible encodings; UTF-16/32 bodies are decoded, cleaned and re-encoded.
    """
    return _on_ascii_view(body, _strip_doctype)


def _strip_doctype(body: bytes) -> bytes:
    head_end = body.find(b"<!DOCTYPE")
    if head_end < 0:
        head_end = body.find(b"<!doctype")
    if head_end < 0 and not _ENTITY_DECL.search(body[:65536]):
        return body
    return _DOCTYPE.sub(b"", body, count=1)


def html_entities_to_references(body: bytes) -> bytes:
    """``&nbsp;`` -> ``&#160;`` for every HTML named entity but XML's own five.

    feedparser's loose parser reads them the same way, but the strict parser stops at the first
    one, and then a parse error would no longer tell a truncated document from a whole one.
    """
    return _on_ascii_view(body, _entities_to_references)


def _entities_to_references(body: bytes) -> bytes:
    def reference(match: re.Match[bytes]) -> bytes:
        name = match.group(1)
        codepoint = None if name in _XML_ENTITIES else name2codepoint.get(name.decode("ascii"))
        return match.group(0) if codepoint is None else b"&#%d;" % codepoint

    return _NAMED_ENTITY.sub(reference, body) if b"&" in body else body


def _on_ascii_view(body: bytes, rewrite: Callable[[bytes], bytes]) -> bytes:
    """``rewrite`` applied to the body, through UTF-8 when the body is UTF-16/32 (the rewrites
    only touch ASCII markup, which any ASCII-compatible encoding leaves as is)."""
    encoding = _wide_encoding(body)
    if encoding is None:
        return rewrite(body)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        return body
    utf8 = text.encode("utf-8", "surrogatepass")
    cleaned = rewrite(utf8)
    if cleaned == utf8:
        return body
    return cleaned.decode("utf-8", "surrogatepass").encode(encoding, "surrogatepass")


def replace_bad_char_refs(body: bytes) -> bytes:
    """Character references to a NUL, a surrogate or past U+10FFFF become U+FFFD.

    feedparser's fallback parser turns ``&#xdfff;`` into a lone surrogate and then fails the
    whole document encoding it (and ``chr()`` raises on the others); one such reference in one
    entry must not cost the feed. UTF-16/32 bodies are decoded, cleaned and re-encoded.
    """
    encoding = _wide_encoding(body)
    if encoding is not None:
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            return body
        cleaned = replace_bad_char_refs(text.encode("utf-8", "surrogatepass"))
        return cleaned.decode("utf-8", "surrogatepass").encode(encoding, "surrogatepass")
    if b"&#" not in body:
        return body
    return _CHAR_REF.sub(_char_ref, body)


def _char_ref(match: re.Match[bytes]) -> bytes:
    digits = match[1]
    if len(digits) > 9:  # past U+10FFFF whatever the digits (and too long to convert cheaply)
        return b"&#xFFFD;"
    value = int(digits[1:], 16) if digits[:1] in (b"x", b"X") else int(digits)
    if value == 0 or 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
        return b"&#xFFFD;"
    return match[0]


def parse_feed(body: bytes, headers: Mapping[str, str], context: Context) -> ParseResult:
    """Every entry of one RSS/Atom document; a :class:`PayloadError` when it is not whole."""
    entries = read_feed(body, headers)
    problems: list[ItemProblem] = []
    drafts = collect_items(
        entries, "entry", lambda e: _entry(e, context), problems, limit=context.max_items
    )
    return ParseResult(tuple(drafts), tuple(problems))


def read_feed(body: bytes, headers: Mapping[str, str]) -> list[Any]:
    """The entries of one RSS/Atom document, read safely (see the module docstring); a
    :class:`PayloadError` when it is not a feed or not whole. The one home of feedparser."""
    body = html_entities_to_references(replace_bad_char_refs(strip_doctype(body)))
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
    malformed = _parse_error(parsed)
    if malformed:
        raise PayloadError(f"{malformed}; nothing in the document was used")
    return list(entries)


def _parse_error(parsed: Mapping[str, Any]) -> str | None:
    """Why feedparser could not read the document whole, or None when it could."""
    if not parsed.get("bozo"):
        return None
    problem = parsed.get("bozo_exception")
    if isinstance(problem, _BENIGN_BOZO):
        return None
    if isinstance(problem, xml.sax.SAXParseException):
        line, column = problem.getLineNumber(), problem.getColumnNumber()
        reason = clean_line(str(problem.getMessage()))[:200]
        return f"malformed XML at line {line}, column {column}: {reason}"
    return f"unreadable feed: {clean_line(str(problem))[:200] or type(problem).__name__}"


def incident_key(link: str | None) -> str | None:
    """The platform's incident id in an entry's link, so the entry and the platform's API give
    the same incident one key: Statuspage and incident.io ``/incidents/<id>``, status.io
    ``/pages/incident/<page>/<id>``."""
    match = _STATUSPAGE_INCIDENT.search(link or "") or _STATUSIO_INCIDENT.search(link or "")
    return match.group(1) if match else None


def tidy_link(url: str | None) -> str | None:
    """``url`` with each run of slashes in its path made one: incident.io's Atom links read
    ``https://status.example.com//incidents/<id>``, while the page (and the ``incidentio``
    collector) address the incident as ``/incidents/<id>``."""
    if url is None:
        return None
    parts = urlsplit(url)
    if "//" not in parts.path:
        return url
    return urlunsplit(parts._replace(path=_SLASHES.sub("/", parts.path)))


def _entry(entry: Mapping[str, Any], context: Context) -> IncidentDraft:
    link = tidy_link(safe_http_url(entry.get("link")))
    entry_id = clean_line(str(entry.get("id") or link or entry.get("title") or ""))
    if not entry_id:
        raise PayloadError("entry has no id, link or title")
    key = incident_key(link) or "entry-" + hashlib.sha1(entry_id.encode()).hexdigest()[:16]
    title = clean_line(str(entry.get("title") or ""))
    html = _entry_html(entry)
    reference = entry_time(entry)
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


def entry_time(entry: Mapping[str, Any]) -> Stamp:
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
