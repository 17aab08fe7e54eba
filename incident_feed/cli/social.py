"""The ``stats``, ``link`` and ``unlink`` commands: announcement lag and the links between
social threads and status-page incidents. Argument parsing and printing only; the work is in
:mod:`incident_feed.decide.stats` and :mod:`incident_feed.decide.links`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from incident_feed.cli.common import EXIT_FAILED, EXIT_OK, moment, open_store
from incident_feed.clock import MOMENT_HELP, format_duration, utc_now
from incident_feed.config import Config
from incident_feed.normalize.text import clean_line

DEFAULT_PERIOD = dt.timedelta(days=90)


def register(commands: Any) -> None:
    """Add ``stats``, ``link`` and ``unlink`` to the subcommands."""
    stats = commands.add_parser(
        "stats",
        help="per vendor: incidents, median time to identify/remediate/resolve, announcement lag",
    )
    stats.add_argument("--since", type=moment, help=f"default: 90 days ago; {MOMENT_HELP}")
    stats.add_argument("--until", type=moment, help=f"started before; {MOMENT_HELP}")
    stats.add_argument("--vendor", action="append", default=[], help="repeatable")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=cmd_stats)

    link = commands.add_parser(
        "link", help="say by hand that a social thread announces a status-page incident"
    )
    link.add_argument("thread", metavar="THREAD_ID", help="the social thread's incident id")
    link.add_argument("target", metavar="INCIDENT_ID", help="the status-page incident's id")
    link.add_argument(
        "--force", action="store_true", help="link two vendors' incidents (refused otherwise)"
    )
    link.set_defaults(handler=cmd_link)

    unlink = commands.add_parser(
        "unlink", help="undo a wrong link (it is remembered, and never proposed again)"
    )
    unlink.add_argument("incident", metavar="ID")
    unlink.add_argument("other", metavar="OTHER_ID", nargs="?", help="default: every link")
    unlink.set_defaults(handler=cmd_unlink)


def cmd_stats(args: argparse.Namespace, config: Config) -> int:
    from incident_feed.decide.stats import summarize
    from incident_feed.decide.watch import vendor_watches
    from incident_feed.store.stats import load_outages

    now = utc_now()
    since = args.since or now - DEFAULT_PERIOD
    store = open_store(args, config)
    watch = vendor_watches(config.sources)
    outages = load_outages(store, since=since, until=args.until, vendors=args.vendor, watch=watch)
    rows = summarize(outages)
    if args.json:
        json.dump([r.as_json() for r in rows], sys.stdout, indent=2, ensure_ascii=False)
        print()
        return EXIT_OK
    until = args.until or now
    print(f"{since:%Y-%m-%d} to {until:%Y-%m-%d} (UTC); lag = first status update - first post")
    if not rows:
        print("No incidents in this period.")
        return EXIT_OK
    header = (
        f"{'Vendor':<18} {'Incidents':>9} {'Identify':>15} {'Remediate':>15} {'Resolve':>15}"
        f"  {'Lag':>15}  Social first"
    )
    print(header)
    unknown = 0
    for row in rows:
        data = row.as_json()
        both = data["with_both_channels"]
        unknown += row.resolve_unknown
        print(
            f"{clean_line(row.vendor)[:18]:<18} {row.outages:>9} "
            f"{_median(data['median_time_to_identify_s'], data['time_to_identify_n']):>15} "
            f"{_median(data['median_time_to_remediate_s'], data['time_to_remediate_n']):>15} "
            f"{_median(data['median_time_to_resolve_s'], data['time_to_resolve_n']):>15}  "
            f"{_median(data['median_announcement_lag_s'], both, signed=True):>15}  "
            + (f"{data['social_first']} of {both}" if both else "-")
        )
    print("n: how many incidents each median rests on.")
    if unknown:
        print(
            f"{unknown} resolved incident{'s were' if unknown != 1 else ' was'} opened and closed "
            "by one update: time to resolve unknown, left out."
        )
    return EXIT_OK


def cmd_link(args: argparse.Namespace, config: Config) -> int:
    from incident_feed.store.links import manual_link

    store = open_store(args, config, create=True)
    manual_link(store, args.thread, args.target, utc_now(), force=args.force)
    print(f"linked {args.thread} -> {args.target}", file=sys.stderr)
    return EXIT_OK


def cmd_unlink(args: argparse.Namespace, config: Config) -> int:
    from incident_feed.store.links import unlink

    store = open_store(args, config, create=True)
    undone = unlink(store, args.incident, args.other, utc_now())
    if not undone:
        print(f"incident-feed: {args.incident} has no such link", file=sys.stderr)
        return EXIT_FAILED
    print(f"undid {undone} link{'s' if undone != 1 else ''} of {args.incident}", file=sys.stderr)
    return EXIT_OK


def _median(seconds: float | None, n: int, *, signed: bool = False) -> str:
    """``1h 3m (n=443)``; ``-`` when no incident gives the figure."""
    if seconds is None:
        return "-"
    sign = ("+" if seconds > 0 else "-" if seconds < 0 else "") if signed else ""
    return f"{sign}{format_duration(dt.timedelta(seconds=abs(seconds)))} (n={n})"
