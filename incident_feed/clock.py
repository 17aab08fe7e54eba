"""Time as every view shows it: the clock, the display zone, durations, and ``since``/``until``.

One home for each, so that the CLI, the TUI, the Markdown export and notifications agree. Pure
but for :func:`utc_now`, which only the edges call: the core takes ``now`` as an argument.

Durations are written with at most two units, largest first, zero parts left out::

    45s   12m   1h   1h 3m   3d   3d 4h   560d

(seconds only under a minute; days and hours from one day; days alone from 100 days). A
negative duration is written as 0s.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

__all__ = [
    "Clock",
    "display_zone",
    "format_duration",
    "parse_moment",
    "utc_now",
]

Clock = Callable[[], dt.datetime]
MOMENT_HELP = "ISO date/time (UTC when no zone is given) or 30m, 24h, 7d, 2w ago"

_RELATIVE = re.compile(r"^(\d{1,6})\s*([mhdw])$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DAYS_ALONE = 100


def utc_now() -> dt.datetime:
    """The clock: now, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def format_duration(value: dt.timedelta | float) -> str:
    """``value`` (a timedelta or seconds) in the one duration format (see the module docstring)."""
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else value
    total = max(0, int(seconds))
    if total < 60:
        return f"{total}s"
    minutes = total // 60
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days >= _DAYS_ALONE:
        return f"{days}d"
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"


def in_zone(value: dt.datetime, zone: dt.tzinfo | None) -> dt.datetime:
    """``value`` in the display ``zone`` (None: the system's local zone), for every view.

    A time at the edge of the calendar (9999-12-31 in a zone ahead of UTC) cannot be expressed
    there: it is shown in UTC rather than crash the view.
    """
    try:
        return value.astimezone(zone)
    except OverflowError:
        return value.astimezone(dt.UTC)


def format_stamp(value: dt.datetime | None, zone: dt.tzinfo | None) -> str:
    """``2023-09-19 22:57 CEST`` in ``zone``, the one full timestamp of every view; ``-`` for
    no time."""
    if value is None:
        return "-"
    return in_zone(value, zone).strftime("%Y-%m-%d %H:%M %Z").strip()


UNKNOWN_SPAN = "?"


def format_span(start: dt.datetime, end: dt.datetime | None, now: dt.datetime) -> str:
    """How long something lasted (to ``end``) or has lasted so far (to ``now``), in the one
    format; :data:`UNKNOWN_SPAN` when it ended as it started (opened and closed by one update:
    its duration is unknown, not zero)."""
    if end is not None and end <= start:
        return UNKNOWN_SPAN
    return format_duration((end or now) - start)


def display_zone(name: str) -> dt.tzinfo | None:
    """The zone called ``name`` (``local``: None, the system's zone; ``UTC``: UTC).

    Raises ``ValueError`` for a name the zone database does not know.
    """
    if name == "local":
        return None
    if name.upper() == "UTC":
        return dt.UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a known time zone") from None


def parse_moment(text: str, now: dt.datetime) -> dt.datetime:
    """``30m``/``24h``/``7d``/``2w`` before ``now``, or an ISO date or time (UTC when it has no
    zone). Used for every ``since`` and ``until``. Raises ``ValueError`` naming the text."""
    match = _RELATIVE.match(text.strip())
    if match:
        unit = _UNITS[match.group(2).lower()]
        return now - dt.timedelta(**{unit: int(match.group(1))})
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: use an ISO date like 2024-12-11 or 30m, 24h, 7d, 2w"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
