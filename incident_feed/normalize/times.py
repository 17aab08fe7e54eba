"""Strict time parsing to UTC. The raw string is kept; every assumption is flagged.

Flags: ``zone_assumed`` (no zone given: read as UTC), ``year_inferred`` (no year given: taken from
the entry around it), ``future_clamped`` (claimed a time after it was first seen: clamped to then).

The plausible window: no time before :data:`EARLIEST` (1990-01-01, before any status page) is read;
an update, start or resolution time later than now is clamped to now (``future_clamped``); a
scheduled maintenance time is clamped by the merge to :data:`SCHEDULE_HORIZON` (two years) after the
incident was first seen. Two-digit years and years such as ``0001`` are refused, never read as 20xx
(``email.utils`` reads ``Mon, 01 Jan 0001`` as 2001).
"""

from __future__ import annotations

import datetime as dt
import re

from incident_feed.normalize.drafts import Stamp

UTC = dt.UTC
ZONE_ASSUMED = "zone_assumed"
ZONE_CONFIGURED = "zone_configured"  # no offset given: read in the zone the config names
YEAR_INFERRED = "year_inferred"
FUTURE_CLAMPED = "future_clamped"

# Tolerated clock skew before a time counts as "in the future".
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=UTC)
# How far ahead a maintenance may be scheduled; beyond it the time is clamped (see decide/merge).
SCHEDULE_HORIZON = dt.timedelta(days=2 * 365)
_MAX_OFFSET = dt.timedelta(hours=14)

# Unambiguous zone abbreviations seen in feeds; an unknown one is an error, never silently UTC.
_ZONES: dict[str, int] = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10,
    "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "WET": 0, "WEST": 1, "BST": 1,
    "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11,
}  # fmt: skip
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$", re.I
)
_RFC822_ZONE = re.compile(r"\s([A-Za-z]{1,5})$")
_TWITTER = re.compile(r"^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} \d{4}$")
# JavaScript's Date.prototype.toString(), as Instatus documents its summary.json times:
# "Sat Jun 11 2022 18:55:50 GMT+0000 (Coordinated Universal Time)"; the zone's name is optional.
_JS_DATE = re.compile(
    r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<mon>[A-Z][a-z]{2}) (?P<day>\d{2}) (?P<year>\d{4}) "
    r"(?P<time>\d{2}:\d{2}:\d{2}) GMT(?P<offset>[+-]\d{4})(?: \([A-Za-z .,'-]{1,60}\))?$"
)
_MONTH_DAY_TIME = re.compile(
    r"^(?P<mon>[A-Za-z]{3})[a-z]*\.?\s+(?P<day>\d{1,2}),?\s+(?:(?P<year>\d{4}),?\s+)?"
    r"(?P<h>\d{1,2}):(?P<m>\d{2})\s*(?P<ampm>[AaPp][Mm])?\s*(?P<zone>[A-Za-z]{1,5})?$"
)


class TimeParseError(ValueError):
    """The string is not a time we can read without guessing."""


def parse_time(raw: object) -> Stamp:
    """Parse an ISO 8601 / RFC 3339, RFC 822, X v1.1 or JavaScript ``Date.toString()`` time
    string strictly to UTC."""
    if not isinstance(raw, str) or not raw.strip():
        raise TimeParseError(f"missing or non-text time {raw!r:.60}")
    text = raw.strip()
    if len(text) > 100:
        raise TimeParseError(f"time string too long ({len(text)} characters)")
    if _ISO.match(text):
        return _checked(_parse_iso(text), text)
    if _TWITTER.match(text):
        try:
            value = dt.datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")
        except ValueError as exc:
            raise TimeParseError(f"unreadable time {text!r}: {exc}") from None
        return _checked((value, ()), text)
    if match := _JS_DATE.match(text):
        return _checked(_parse_js_date(match, text), text)
    return _checked(_parse_rfc822(text), text)


def parse_month_day_time(raw: str, reference: dt.datetime) -> Stamp:
    """Parse Statuspage's ``Mar  5, 01:30 UTC`` (no year): the year is the one that puts the time
    at or before ``reference`` (the entry's own time), allowing for maintenance announced ahead."""
    text = " ".join(raw.split())
    match = _MONTH_DAY_TIME.match(text)
    if not match:
        raise TimeParseError(f"unreadable time {text!r}")
    month = _MONTHS.get(match["mon"].lower()[:3])
    if month is None:
        raise TimeParseError(f"unknown month in {text!r}")
    hour, minute = int(match["h"]), int(match["m"])
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise TimeParseError(f"bad 12-hour time in {text!r}")
        hour = hour % 12 + (12 if match["ampm"].lower() == "pm" else 0)
    zone = (match["zone"] or "").upper()
    flags: list[str] = []
    if not zone:
        flags.append(ZONE_ASSUMED)
    elif zone not in _ZONES:
        raise TimeParseError(f"unknown time zone {zone!r} in {text!r}")
    tz = dt.timezone(dt.timedelta(hours=_ZONES.get(zone, 0)))
    years = (
        [int(match["year"])]
        if match["year"]
        else [reference.year + 1, reference.year, reference.year - 1]
    )
    if not match["year"]:
        flags.append(YEAR_INFERRED)
    candidates = []
    for year in years:
        try:
            candidates.append(dt.datetime(year, month, int(match["day"]), hour, minute, tzinfo=tz))
        except ValueError:
            continue  # Feb 29 exists only in some of the candidate years
    if not candidates:
        raise TimeParseError(f"impossible date in {text!r}")
    if match["year"]:
        chosen = candidates[0]
    else:
        # The latest year that does not put the time after the entry itself (a day of slack).
        fitting = [c for c in candidates if c <= reference + dt.timedelta(days=1)]
        chosen = fitting[0] if fitting else candidates[-1]
    return _checked((chosen, tuple(flags)), raw)


_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")


def parse_local_time(raw: object, zone: str | None) -> Stamp:
    """A time that may carry no offset (``2016-12-05 19:37:20``, Cachet's): read in ``zone``
    (an IANA name from the config, flagged ``zone_configured``), or as UTC flagged
    ``zone_assumed`` when no zone is configured. A time with an offset is read as it says."""
    if not isinstance(raw, str) or not _LOCAL.match(raw.strip()) or zone is None:
        return parse_time(raw)
    from incident_feed.clock import display_zone

    text = raw.strip()
    try:
        local = dt.datetime.fromisoformat(text)
        tz = display_zone(zone)
    except ValueError as exc:
        raise TimeParseError(f"{text[:40]!r}: {exc}") from None
    if tz is None:  # "local" is refused by the config; never the reader's own zone
        raise TimeParseError(f"{text[:40]!r}: no page zone")
    return _checked((local.replace(tzinfo=tz), (ZONE_CONFIGURED,)), text)


def clamp_future(stamp: Stamp, now: dt.datetime) -> Stamp:
    """A time claimed after ``now`` (beyond clock skew) becomes ``now``; the raw claim is kept."""
    if stamp.at <= now + FUTURE_TOLERANCE:
        return stamp
    return Stamp(at=now, raw=stamp.raw, flags=(*stamp.flags, FUTURE_CLAMPED))


def format_utc(value: dt.datetime) -> str:
    """ISO 8601 in UTC ending in ``Z`` (the JSON contract's form)."""
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    return text + "Z"


def _parse_iso(text: str) -> tuple[dt.datetime, tuple[str, ...]]:
    try:
        value = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError as exc:
        raise TimeParseError(f"unreadable time {text!r}: {exc}") from None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC), (ZONE_ASSUMED,)
    return value, ()


def _parse_js_date(match: re.Match[str], text: str) -> tuple[dt.datetime, tuple[str, ...]]:
    """The fields of a :data:`_JS_DATE` match; the zone's name in brackets is not read."""
    month = _MONTHS.get(match["mon"].lower())
    if month is None:
        raise TimeParseError(f"unknown month in {text!r}")
    try:
        value = dt.datetime.strptime(
            f"{match['year']}-{month:02d}-{match['day']} {match['time']} {match['offset']}",
            "%Y-%m-%d %H:%M:%S %z",
        )
    except ValueError as exc:
        raise TimeParseError(f"impossible date in {text!r}: {exc}") from None
    return value, ()


def _parse_rfc822(text: str) -> tuple[dt.datetime, tuple[str, ...]]:
    from email.utils import parsedate_tz  # feeds' dates only: email.utils costs a cold start

    flags: tuple[str, ...] = ()
    zone_match = _RFC822_ZONE.search(text)
    offset_hours: int | None = None
    if zone_match and not zone_match.group(1).isdigit():
        zone = zone_match.group(1).upper()
        if zone not in _ZONES:
            raise TimeParseError(f"unknown time zone {zone!r} in {text!r}")
        offset_hours = _ZONES[zone]
        text_no_zone = text[: zone_match.start()]
    else:
        text_no_zone = text
    parsed = parsedate_tz(text_no_zone if offset_hours is not None else text)
    if parsed is None:
        raise TimeParseError(f"unreadable time {text!r}")
    year, month, day, hour, minute, second = parsed[:6]
    if not re.search(rf"(?<!\d){year:04d}(?!\d)", text):
        # parsedate reads "01" and "0001" alike as 2001: only a written four-digit year counts.
        raise TimeParseError(f"no four-digit year in {text!r}")
    offset = parsed[9]
    if offset_hours is not None:
        offset = offset_hours * 3600
    elif offset is None or not re.search(r"[+-]\d{4}$", text):
        flags = (ZONE_ASSUMED,)
        offset = 0
    if abs(offset) > _MAX_OFFSET.total_seconds():
        raise TimeParseError(f"impossible UTC offset in {text!r}")
    try:
        value = dt.datetime(
            year, month, day, hour, minute, second, tzinfo=dt.timezone(dt.timedelta(seconds=offset))
        )
    except ValueError as exc:
        raise TimeParseError(f"impossible date in {text!r}: {exc}") from None
    return value, flags


def _checked(parsed: tuple[dt.datetime, tuple[str, ...]], raw: str) -> Stamp:
    value, flags = parsed
    offset = value.utcoffset()
    if offset is not None and abs(offset) > _MAX_OFFSET:
        raise TimeParseError(f"impossible UTC offset in {raw!r}")
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        raise TimeParseError(f"time out of range {raw!r}") from None
    if value < EARLIEST:
        raise TimeParseError(f"implausibly early time {raw!r}")
    return Stamp(at=value, raw=raw, flags=flags)
