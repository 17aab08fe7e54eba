"""What every command shares: exit codes, opening the store, times and text for printing."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from incident_feed.clock import MOMENT_HELP, parse_moment, utc_now
from incident_feed.config import Config
from incident_feed.enums import Impact, Kind, Phase
from incident_feed.normalize.text import clean_line, strip_unsafe
from incident_feed.paths import default_database_url

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
MAX_COUNT = 1_000_000  # largest --limit (and other counts) a command accepts

# Belt and braces: stored text is already clean, but a shared database has other writers.
safe = clean_line
safe_block = strip_unsafe


def open_store(args: argparse.Namespace, config: Config, *, create: bool = False) -> Any:
    """The store ``--db``, the config or the default names.

    Only writing commands pass ``create=True``: a read on a mistyped path is an error
    (:class:`~incident_feed.store.database.MissingDatabase`), never a new empty database.
    """
    from incident_feed.store.database import Store

    url = args.db or config.settings.database or default_database_url()
    return Store.open(url, create=create)


def moment(text: str) -> dt.datetime:
    """The ``type`` of every ``--since``/``--until``: :func:`incident_feed.clock.parse_moment`."""
    try:
        return parse_moment(text, utc_now())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def positive_int(text: str) -> int:
    """A count from the command line: 1..MAX_COUNT, ASCII digits only."""
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    if len(text) > 12 or int(text) > MAX_COUNT:
        raise argparse.ArgumentTypeError(f"{text!r} is more than {MAX_COUNT:,}")
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


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    """The flags of the one outage filter (``incidents``; ``export`` takes the same)."""
    parser.add_argument("--vendor", action="append", default=[], help="repeatable")
    parser.add_argument("--phase", action="append", default=[], choices=[p.value for p in Phase])
    parser.add_argument("--kind", action="append", default=[], choices=[k.value for k in Kind])
    parser.add_argument("--impact", action="append", default=[], choices=[i.value for i in Impact])
    parser.add_argument(
        "--component", action="append", default=[], help="a component name (repeatable)"
    )
    parser.add_argument("--since", type=moment, help=MOMENT_HELP)
    parser.add_argument("--until", type=moment, help=f"started before: {MOMENT_HELP}")
