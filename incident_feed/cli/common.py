"""What every command shares: exit codes, opening the store, times and text for printing."""

from __future__ import annotations

import argparse
import datetime as dt
import re
from typing import Any

from incident_feed.config import Config
from incident_feed.enums import Impact, Kind, Phase
from incident_feed.normalize.text import clean_line, strip_unsafe
from incident_feed.normalize.times import in_zone
from incident_feed.paths import default_database_url

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")

# Belt and braces: stored text is already clean, but a shared database has other writers.
safe = clean_line
safe_block = strip_unsafe


def open_store(args: argparse.Namespace, config: Config) -> Any:
    from incident_feed.store.database import Store

    url = args.db or config.settings.database or default_database_url()
    return Store.open(url)


def display_zone(config: Config) -> dt.tzinfo | None:
    """The configured display zone; None means the system's local zone."""
    if config.settings.timezone == "local":
        return None
    from zoneinfo import ZoneInfo

    return ZoneInfo(config.settings.timezone)


def parse_since(text: str) -> dt.datetime:
    """``30m``/``24h``/``7d``/``2w`` ago, or an ISO date or time (UTC when no zone is given)."""
    match = _RELATIVE.match(text.strip())
    if match:
        unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[match.group(2)]
        return dt.datetime.now(dt.UTC) - dt.timedelta(**{unit: int(match.group(1))})
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time: use an ISO date like 2024-12-11 or 30m, 24h, 7d"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def outcome_line(outcome: Any) -> str:
    stats = outcome.stats
    text = f"  {outcome.status:<9} {outcome.name:<28}"
    if outcome.status in ("ok", "unchanged"):
        text += f" +{stats.incidents_new} incidents"
        text += f", +{stats.updates_new}/~{stats.updates_changed} updates"
        if outcome.problems:
            text += f", {len(outcome.problems)} items skipped"
    if outcome.error:
        text += f" {safe(outcome.error)}"
    return text + f" ({outcome.seconds:.1f}s)"


def format_local(value: dt.datetime | None, zone: dt.tzinfo | None) -> str:
    if value is None:
        return "-"
    return in_zone(value, zone).strftime("%Y-%m-%d %H:%M %Z")


def format_elapsed(row: Any, now: dt.datetime) -> str:
    end = row["resolved_at"] or now
    seconds = max(0, int((end - row["started_at"]).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m"


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    """The flags of the one outage filter (``incidents``; ``export`` takes the same)."""
    parser.add_argument("--vendor", action="append", default=[], help="repeatable")
    parser.add_argument("--phase", action="append", default=[], choices=[p.value for p in Phase])
    parser.add_argument("--kind", action="append", default=[], choices=[k.value for k in Kind])
    parser.add_argument("--impact", action="append", default=[], choices=[i.value for i in Impact])
    parser.add_argument(
        "--component", action="append", default=[], help="a component name (repeatable)"
    )
    parser.add_argument("--since", type=parse_since, help="ISO date/time or 30m, 24h, 7d, 2w")
    parser.add_argument("--until", type=parse_since, help="same forms as --since")
