"""Incidents -> Markdown. Pure: rows in, text out; no I/O, no clock (same rows, same bytes).

Renders well on GitHub and in chat tools that read CommonMark (Discord, Mattermost, Teams).

Vendor text is inert: control and bidi characters are stripped; ``&``, ``<`` and ``>`` become
entities (no raw HTML survives: ``<img onerror=...>`` is shown, never run); Markdown specials
(``\\ ` * _ [ ] | ~ $ #``) are backslash-escaped, so ``[x](javascript:...)`` stays text, a ``|``
cannot break a table and a leading ``#``, ``-``, ``+``, ``=`` or ``1.`` cannot start a heading,
a list or a rule; ``@word`` gets a zero-width space after the ``@`` so ``@channel``, ``@here`` or a
GitHub ``@user`` never notifies anyone. Only http(s) URLs become links.

Phase timings come from :mod:`incident_feed.decide.phase_times`; a milestone the vendor never
reported is shown as "not reported", never guessed.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from incident_feed.clock import format_duration, format_stamp, in_zone
from incident_feed.decide.phase_times import ordered_updates, phase_times
from incident_feed.enums import FINAL_PHASES, INCIDENT_PHASES, MAINTENANCE_PHASES, Kind, Phase

__all__ = [
    "ExportItem",
    "Period",
    "block",
    "inline",
    "link",
    "render",
    "render_incident",
    "render_report",
]

Row = Mapping[str, Any]

# Controls (C0 but TAB/LF, DEL, C1), bidi embeddings/overrides/isolates and marks, zero-width
# characters, line/paragraph separators and the BOM: none belongs in a report.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]"
)
_SPECIALS = re.compile(r"([\\`*_\[\]|~$#])")
_MENTION = re.compile(r"(?<![\w@.])@(?=[\w-])")
_ORDERED_ITEM = re.compile(r"^(\d{1,9})[.)]")
_URL_SAFE = "-._~:/?#@!$&*+,;=%'"
_PLAIN_ID = re.compile(r"^[A-Za-z0-9._-]{1,120}$")
_PHASE_NAMES = {
    Phase.INVESTIGATING: "Investigating",
    Phase.IDENTIFIED: "Identified",
    Phase.REMEDIATING: "Remediating",
    Phase.MONITORING: "Monitoring",
    Phase.RESOLVED: "Resolved",
    Phase.SCHEDULED: "Scheduled",
    Phase.IN_PROGRESS: "In progress",
    Phase.VERIFYING: "Verifying",
    Phase.COMPLETED: "Completed",
}
NOT_REPORTED = "not reported"
UNKNOWN = "unknown"
ONE_UPDATE = "opened and closed by one update"


@dataclass(frozen=True, slots=True)
class ExportItem:
    """One incident row with its update rows and its source records (as the store returns them)."""

    incident: Row
    updates: Sequence[Row] = ()
    records: Sequence[Row] = ()


@dataclass(frozen=True, slots=True)
class Period:
    """What a report covers, for its header; every part optional."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    vendors: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()


@dataclass(slots=True)
class _PhaseRow:
    phase: Phase
    entered: dt.datetime
    spent: dt.timedelta = field(default_factory=dt.timedelta)
    open_ended: bool = False


# -- escaping ---------------------------------------------------------------------------------


def inline(text: object) -> str:
    """Vendor text as one inert Markdown line (titles, names, table cells)."""
    return _escape(" ".join(_CONTROL.sub("", str(text)).split()))


def block(text: object) -> list[str]:
    """Vendor text as inert Markdown lines; an empty string separates paragraphs."""
    raw = _CONTROL.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n"))
    lines: list[str] = []
    for line in raw.split("\n"):
        line = " ".join(line.split())
        if not line:
            if lines and lines[-1]:
                lines.append("")
            continue
        escaped = _escape(line)
        # What would start a list, a rule or a setext heading at the start of a line.
        if escaped[0] in "-+=":
            escaped = "\\" + escaped
        elif match := _ORDERED_ITEM.match(escaped):
            escaped = f"{match.group(1)}\\{escaped[match.end(1) :]}"
        lines.append(escaped)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIALS.sub(r"\\\1", text)
    return _MENTION.sub("@\u200b", text)


def link(label: str, url: object) -> str:
    """``[label](url)`` for an http(s) URL; otherwise the label alone (escaped)."""
    safe = _http_url(url)
    if safe is None:
        return inline(label)
    return f"[{inline(label)}]({safe})"


def _http_url(url: object) -> str | None:
    if not isinstance(url, str):
        return None
    url = url.strip()
    if _CONTROL.search(url) or any(ch.isspace() for ch in url) or len(url) > 2048:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or "@" in parts.netloc:
        return None
    # Percent-encode whatever could end the destination or read as markup: ( ) < > [ ] ` " \ |.
    return quote(url, safe=_URL_SAFE)


def _code(text: str) -> str:
    return f"`{text}`" if _PLAIN_ID.match(text) else inline(text)


# -- times ------------------------------------------------------------------------------------


def format_time(value: dt.datetime, zone: dt.tzinfo | None) -> str:
    """``2023-09-19 22:57 CEST`` in ``zone`` (None: the system's local zone)."""
    return format_stamp(value, zone)


def _duration(value: dt.timedelta | None) -> str:
    """The one duration format (:mod:`incident_feed.clock`); None: "not reported"."""
    return NOT_REPORTED if value is None else format_duration(value)


def _phase(value: object) -> Phase | None:
    try:
        return Phase(str(value))
    except ValueError:
        return None


def _phase_name(value: object) -> str:
    phase = _phase(value)
    return _PHASE_NAMES[phase] if phase is not None else inline(value)


def _phase_rows(updates: Sequence[Row], final: bool) -> list[_PhaseRow]:
    rows: dict[Phase, _PhaseRow] = {}
    ordered = [(u["at"], _phase(u["phase"])) for u in ordered_updates(updates)]
    for index, (at, phase) in enumerate(ordered):
        if phase is None:
            continue
        row = rows.setdefault(phase, _PhaseRow(phase, at))
        if index + 1 < len(ordered):
            row.spent += ordered[index + 1][0] - at
        elif phase not in FINAL_PHASES:
            row.open_ended = not final
    return [rows[p] for p in (*INCIDENT_PHASES, *MAINTENANCE_PHASES) if p in rows]


# -- rendering --------------------------------------------------------------------------------


def render(
    items: Sequence[ExportItem],
    *,
    zone: dt.tzinfo | None,
    report: bool,
    period: Period | None = None,
) -> str:
    """One incident's document, or a report (summary + every incident) when ``report``."""
    if not report and len(items) == 1:
        return render_incident(items[0], zone=zone)
    return render_report(items, zone=zone, period=period or Period())


def render_incident(item: ExportItem, *, zone: dt.tzinfo | None, level: int = 1) -> str:
    """One incident: header facts, phase summary table, update thread."""
    return "\n".join(_incident_lines(item, zone, level)) + "\n"


def render_report(items: Sequence[ExportItem], *, zone: dt.tzinfo | None, period: Period) -> str:
    """Several incidents, oldest first, after a per-vendor summary and an index table."""
    ordered = sorted(items, key=lambda i: (i.incident["started_at"], str(i.incident["id"])))
    lines = ["# Incident report", ""]
    scope = _scope(period, zone)
    if scope:
        lines += [scope, ""]
    vendors = sorted({str(i.incident["vendor"]) for i in ordered}, key=lambda v: (v.lower(), v))
    lines.append(
        f"{_count(len(ordered), 'incident')} from {_count(len(vendors), 'vendor')}. "
        f"Times in {_zone_label(zone, ordered)}."
    )
    if not ordered:
        return "\n".join(lines) + "\n"
    lines += ["", "## By vendor", ""]
    lines += _vendor_table(ordered, vendors)
    lines += ["", "## Incidents", ""]
    lines += [
        "| Started | Vendor | Impact | Status | Duration | Title |",
        "| --- | --- | --- | --- | ---: | --- |",
    ]
    for item in ordered:
        row = item.incident
        lines.append(
            f"| {format_time(row['started_at'], zone)} | {inline(row['vendor'])} "
            f"| {inline(row['impact'])} | {_phase_name(row['phase'])} "
            f"| {_duration_text(row, item.updates)} | {inline(row['title'])} |"
        )
    for item in ordered:
        lines += ["", "---", ""]
        lines += _incident_lines(item, zone, level=2)
    return "\n".join(lines) + "\n"


def _incident_lines(item: ExportItem, zone: dt.tzinfo | None, level: int) -> list[str]:
    row = item.incident
    heading = "#" * level
    sub = "#" * (level + 1)
    updates = ordered_updates(item.updates)
    lines = [f"{heading} {inline(row['title'])}", ""]
    kind = str(row["kind"])
    facts = [
        ("Vendor", inline(row["vendor"])),
        ("Impact", inline(row["impact"])),
        ("Status", _phase_name(row["phase"]) + ("" if kind == Kind.INCIDENT else f" ({kind})")),
        ("Started", format_time(row["started_at"], zone)),
    ]
    if row["resolved_at"] is not None:
        took = _duration_text(row, updates)
        how = f"{ONE_UPDATE}: duration {UNKNOWN}" if took == UNKNOWN else f"after {took}"
        facts.append(("Resolved", f"{format_time(row['resolved_at'], zone)} ({how})"))
    if row.get("scheduled_for") is not None:
        window = format_time(row["scheduled_for"], zone)
        if row.get("scheduled_until") is not None:
            window += f" to {format_time(row['scheduled_until'], zone)}"
        facts.append(("Scheduled", window))
    components = [inline(c.get("name") or c.get("id") or "") for c in row.get("components") or []]
    if any(components):
        facts.append(("Affects", ", ".join(c for c in components if c)))
    sources = _sources(item.records)
    if sources:
        facts.append(("Sources", sources))
    record_urls = {_http_url(r["url"]) for r in item.records}
    page = _http_url(row.get("url"))
    if page is not None and page not in record_urls:
        facts.append(("Status page", f"[{inline(row['vendor'])}]({page})"))
    if row.get("postmortem"):
        facts.append(("Postmortem", "published"))
    facts.append(("ID", _code(str(row["id"]))))
    lines += [f"- **{name}:** {value}" for name, value in facts]
    lines += ["", f"{sub} Phases", ""]
    lines += _phase_table(row, updates, zone)
    lines += ["", f"{sub} Updates", ""]
    if not updates:
        lines.append("No updates stored.")
    for index, update in enumerate(updates):
        if index:
            lines.append("")
        lines += _update_lines(update, zone)
    return lines


def _sources(records: Sequence[Row]) -> str:
    ordered = sorted(records, key=lambda r: (str(r["source_name"]), str(r["native_id"])))
    parts = [
        f"{link(str(r['source_name']), r['url'])} ({inline(r['source_kind'])})" for r in ordered
    ]
    return ", ".join(dict.fromkeys(parts))


def _phase_table(row: Row, updates: Sequence[Row], zone: dt.tzinfo | None) -> list[str]:
    final = _phase(row["phase"]) in FINAL_PHASES
    rows = _phase_rows(updates, final)
    if not rows:
        return ["No phases reported."]
    start: dt.datetime = row["started_at"]
    lines = [
        "| Phase | Entered | After start | Time in phase |",
        "| --- | --- | ---: | ---: |",
    ]
    for phase_row in rows:
        if phase_row.phase in FINAL_PHASES:
            spent = "-"
        elif phase_row.open_ended:
            spent = f"{format_duration(phase_row.spent)}, ongoing"
        else:
            spent = format_duration(phase_row.spent)
        lines.append(
            f"| {_PHASE_NAMES[phase_row.phase]} | {format_time(phase_row.entered, zone)} "
            f"| {format_duration(phase_row.entered - start)} | {spent} |"
        )
    lines.append("")
    if str(row["kind"]) == Kind.MAINTENANCE:
        lines.append(f"**Took:** {_duration_text(row, updates)}")
        return lines
    times = phase_times(row, updates)
    lines.append(
        f"**Time to identify:** {_duration(times.identify)} · "
        f"**to remediate:** {_duration(times.remediate)} · "
        f"**to resolve:** {_duration_text(row, updates)}"
        + (f" ({ONE_UPDATE})" if times.resolve_unknown else "")
    )
    return lines


def _update_lines(update: Row, zone: dt.tzinfo | None) -> list[str]:
    head = (
        f"**{format_time(update['at'], zone)}** · {_phase_name(update['phase'])} · "
        f"{inline(update['source_name'])}"
    )
    if _http_url(update.get("url")) is not None:
        head += f" · {link('link', update['url'])}"
    flags = [inline(f.replace("_", " ")) for f in str(update.get("time_flags") or "").split(",")]
    if any(flags):
        head += f" · time {', '.join(f for f in flags if f)}"
    body = block(update["text"]) or ["(no text)"]
    return [head, "", *[f"> {line}" if line else ">" for line in body]]


def _vendor_table(items: Sequence[ExportItem], vendors: Sequence[str]) -> list[str]:
    lines = [
        "| Vendor | Incidents | Resolved | Total duration | Median duration |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    groups = [(inline(v), [i for i in items if i.incident["vendor"] == v]) for v in vendors]
    if len(vendors) > 1:
        groups.append(("**All vendors**", list(items)))
    for name, group in groups:
        times = [phase_times(i.incident, i.updates) for i in group]
        spans = [t.resolve for t in times if t.resolve is not None]
        resolved = sum(1 for t in times if t.resolved)
        total = sum(spans, dt.timedelta()) if spans else None
        median = (
            dt.timedelta(seconds=statistics.median(s.total_seconds() for s in spans))
            if spans
            else None
        )
        typical = f"{format_duration(median)} (n={len(spans)})" if median is not None else "-"
        lines.append(f"| {name} | {len(group)} | {resolved} | {_or_dash(total)} | {typical} |")
    return lines


def _or_dash(value: dt.timedelta | None) -> str:
    return format_duration(value) if value is not None else "-"


def _duration_text(row: Row, updates: Sequence[Row]) -> str:
    times = phase_times(row, updates)
    if times.resolve is not None:
        return format_duration(times.resolve)
    return UNKNOWN if times.resolve_unknown else "ongoing"


def _scope(period: Period, zone: dt.tzinfo | None) -> str:
    parts = []
    if period.since is not None:
        parts.append(f"from {format_time(period.since, zone)}")
    if period.until is not None:
        parts.append(f"until {format_time(period.until, zone)}")
    if period.vendors:
        parts.append("vendors " + ", ".join(inline(v) for v in period.vendors))
    if period.phases:
        parts.append("phase " + ", ".join(_phase_name(p) for p in period.phases))
    return ("**Covers:** " + "; ".join(parts)) if parts else ""


def _zone_label(zone: dt.tzinfo | None, items: Sequence[ExportItem]) -> str:
    key = getattr(zone, "key", None)
    if isinstance(key, str):
        return key
    if zone is dt.UTC:
        return "UTC"
    sample = items[0].incident["started_at"] if items else dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    return f"local time ({in_zone(sample, zone).strftime('%Z')})"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
