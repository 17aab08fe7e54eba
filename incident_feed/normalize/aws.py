"""AWS Service Health Dashboard -> incident drafts: the current ``currentevents`` array
(normalize/aws_current.py) or the legacy ``data.json``, told apart by the document's shape.

``https://status.aws.amazon.com/data.json`` answers ``{"archive": [...], "current": [...]}``
(UTF-8 or UTF-16: the collector's JSON reading takes both). An event is ``{service,
service_name, summary, date, status, description, details}``:

- ``date``: the event's first post, epoch seconds as a string;
- ``status``: its severity, ``"1"`` informational or performance issues, ``"2"`` degradation,
  ``"3"`` disruption (not a phase);
- ``summary``: its title, ``[RESOLVED]`` (or ``[Informational]``...) in front once it is over;
- ``description``: HTML, one ``<div>`` per update, each starting with its time of day in US
  Pacific time (``<span class="yellowfg">12:53 PM PDT</span>``), with ``Nov 23,`` in front when
  the update is on a later day than the one before. The abbreviation (PDT, PST) gives the
  offset; the date is the event's own date in Pacific time, moved a day on when the clock goes
  back (past midnight).

Events have no id: an event is ``<service>@<date>``, an update ``<event>#<n>``. The legacy
document gives no page state (whether it is still updated is unconfirmed, and a stale empty
``current`` would say all is well forever): ``status`` stays None.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from incident_feed.enums import Impact, Kind
from incident_feed.errors import PayloadError
from incident_feed.normalize.aws_current import (
    DASHBOARD,
    SEVERITY,
    epoch_stamp,
    parse_current_events,
)
from incident_feed.normalize.common import (
    RawUpdate,
    as_list,
    as_mapping,
    collect_items,
    text_field,
    thread,
)
from incident_feed.normalize.drafts import (
    Component,
    Context,
    IncidentDraft,
    ItemProblem,
    ParseResult,
    Stamp,
)
from incident_feed.normalize.text import clean_line, html_to_text
from incident_feed.normalize.times import TimeParseError, clamp_future, parse_month_day_time

PACIFIC = "America/Los_Angeles"
_DIV = re.compile(r"<div[^>]*>(.*?)</div>", re.S | re.I)
_STAMP = re.compile(
    r"^\s*<span[^>]*>\s*(?:(?P<mon>[A-Za-z]{3})[a-z]*\.?\s+(?P<day>\d{1,2}),\s*)?"
    r"(?P<time>\d{1,2}:\d{2}\s*[AaPp][Mm])\s+(?P<zone>[A-Z]{2,4})\s*</span>",
)
_TAG = re.compile(r"^\s*\[(?P<tag>[A-Za-z ]{1,20})\]\s*")
MAX_DESCRIPTION = 1_000_000  # characters of one event's HTML


def parse_aws(document: object, context: Context) -> ParseResult:
    """Every event of a ``currentevents`` array, or of a ``data.json`` (current and archive)."""
    if isinstance(document, list):
        return parse_current_events(document, context)
    root = as_mapping(document, "document")
    if "archive" not in root and "current" not in root:
        raise PayloadError(
            "not an AWS currentevents array nor a data.json (no archive or current list)"
        )
    problems: list[ItemProblem] = []
    drafts: list[IncidentDraft] = []
    for key in ("current", "archive"):
        drafts += collect_items(
            as_list(root.get(key), key), key, lambda item: _event(item, context), problems,
            limit=context.max_items,
        )  # fmt: skip
    return ParseResult(tuple(drafts), tuple(problems))


def _event(item: Mapping[str, Any], context: Context) -> IncidentDraft:
    service = clean_line(text_field(item, "service"))
    if not service:
        raise PayloadError("an event needs a service")
    date = text_field(item, "date").strip()
    if not date:
        raise PayloadError("an event needs an epoch-seconds date")
    first = epoch_stamp(date, "date", context.now).at
    native_id = f"{service}@{date}"
    summary = clean_line(text_field(item, "summary"))
    tag = _TAG.match(summary)
    title = summary[tag.end() :] if tag else summary
    resolved_tag = bool(tag and tag["tag"].strip().lower() == "resolved")
    description = text_field(item, "description")
    if len(description) > MAX_DESCRIPTION:
        raise PayloadError(f"description of {len(description):,} characters")
    raw = _updates(native_id, description, first, context.now)
    if not raw:
        text = html_to_text(description) or title
        raw = [(f"{native_id}#1", Stamp(first, date), None, text, {})]
    updates = thread(raw, Kind.INCIDENT)
    name = clean_line(text_field(item, "service_name")) or service
    return IncidentDraft(
        key=native_id,
        native_id=native_id,
        vendor=context.vendor,
        kind=Kind.INCIDENT,
        title=title[:300] or name,
        impact=SEVERITY.get(text_field(item, "status").strip(), Impact.UNKNOWN),
        updates=updates,
        url=DASHBOARD,
        status_label="resolved" if resolved_tag else None,
        started=Stamp(first, date),
        resolved=updates[-1].stamp if resolved_tag else None,
        components=(Component(name, service),),
    )


def _updates(
    native_id: str, description: str, first: dt.datetime, now: dt.datetime
) -> list[RawUpdate]:
    """One update per ``<div>``, timed in Pacific time from the event's own date."""
    from incident_feed.clock import display_zone

    day = first.astimezone(display_zone(PACIFIC)).date()
    previous: dt.datetime | None = None
    raw: list[RawUpdate] = []
    for number, block in enumerate(_DIV.findall(description), 1):
        match = _STAMP.match(block)
        if match is None:
            raise PayloadError(f"update {number} has no time")
        if match["mon"]:
            stamp = _at(match, match["mon"], int(match["day"]), day.year, first)
        else:
            stamp = _at(match, day.strftime("%b"), day.day, day.year, first)
            if previous is not None and stamp.at < previous - dt.timedelta(minutes=1):
                day += dt.timedelta(days=1)  # past midnight: the clock went back
                stamp = _at(match, day.strftime("%b"), day.day, day.year, first)
        stamp = clamp_future(stamp, now)
        day = stamp.at.astimezone(display_zone(PACIFIC)).date()
        previous = stamp.at
        text = html_to_text(block[match.end() :])
        raw.append((f"{native_id}#{number}", stamp, None, text, {}))
    return raw


def _at(match: re.Match[str], month: str, day: int, year: int, first: dt.datetime) -> Stamp:
    raw = f"{month} {day}, {year} {' '.join(match['time'].split())} {match['zone']}"
    try:
        stamp = parse_month_day_time(raw, first)
    except TimeParseError as exc:
        raise PayloadError(str(exc)) from None
    written = " ".join(match["time"].split()) + f" {match['zone']}"
    if match["mon"]:
        written = f"{match['mon']} {match['day']}, {written}"
    return Stamp(stamp.at, written, stamp.flags)
