"""The ``stats``, ``link``, ``unlink`` and ``posts`` commands: phase times and lag per channel,
the links between social threads and status-page incidents, and a social source's posts (the
ones set aside as no incident updates on demand). Argument parsing and printing only; the work is in
:mod:`incident_feed.decide.stats` and :mod:`incident_feed.decide.links`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from incident_feed.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    moment,
    open_store,
    positive_int,
    safe,
    safe_block,
)
from incident_feed.clock import MOMENT_HELP, display_zone, format_duration, format_stamp, utc_now
from incident_feed.config import Config
from incident_feed.normalize.text import clean_line

DEFAULT_PERIOD = dt.timedelta(days=90)


def register(commands: Any) -> None:
    """Add ``stats``, ``link`` and ``unlink`` to the subcommands."""
    stats = commands.add_parser(
        "stats",
        help="per vendor: incidents, median time to identify/remediate/resolve, lag per channel",
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

    posts = commands.add_parser(
        "posts",
        help="a social source's posts set aside as no incident updates (--all: every post)",
    )
    posts.add_argument("source", metavar="SOURCE", help="the social source's name")
    posts.add_argument("--all", action="store_true", help="the posts that are incident updates too")
    posts.add_argument("--limit", type=positive_int, default=50, help="default 50")
    posts.add_argument("--json", action="store_true")
    posts.set_defaults(handler=cmd_posts)


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
    print(
        f"{since:%Y-%m-%d} to {until:%Y-%m-%d} (UTC); "
        "lag = post time - the status-page update it matches, median per channel"
    )
    if not rows:
        print("No incidents in this period.")
        return EXIT_OK
    header = (
        f"{'Vendor':<18} {'Incidents':>9} {'Identify':>15} {'Remediate':>15} {'Resolve':>15}"
        "  Lag per channel"
    )
    print(header)
    unknown = 0
    for row in rows:
        data = row.as_json()
        unknown += row.resolve_unknown
        lags = ", ".join(
            f"{channel} {_median(lag['median_s'], lag['n'], signed=True)}"
            for channel, lag in data["lag"].items()
        )
        print(
            f"{clean_line(row.vendor)[:18]:<18} {row.outages:>9} "
            f"{_median(data['median_time_to_identify_s'], data['time_to_identify_n']):>15} "
            f"{_median(data['median_time_to_remediate_s'], data['time_to_remediate_n']):>15} "
            f"{_median(data['median_time_to_resolve_s'], data['time_to_resolve_n']):>15}  "
            + (lags or "-")
        )
    print("n: how many incidents (phase times) or posts (lag) each median rests on.")
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


def cmd_posts(args: argparse.Namespace, config: Config) -> int:
    from incident_feed.store.posts import has_posts, source_posts

    store = open_store(args, config)
    posts = source_posts(store, args.source, include_updates=args.all, limit=args.limit)
    if not posts and not has_posts(store, args.source):
        known = {s.name for s in config.sources}
        hint = "" if args.source in known else " (no such source in the config either)"
        print(f"incident-feed: nothing stored for source {safe(args.source)!r}{hint}",
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    if args.json:
        items = [
            {
                "native_id": p.native_id,
                "at": p.at.isoformat(),
                "text": p.text,
                "url": p.url,
                "phase": p.phase,
                "reason": p.reason,
                "evidence": p.evidence,
                "incident": p.incident_id,
                "deleted_upstream": p.deleted,
            }
            for p in posts
        ]
        json.dump(items, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return EXIT_OK
    zone = display_zone(config.settings.timezone)
    what = "posts" if args.all else "posts set aside as no incident updates"
    print(f"{safe(args.source)}: {len(posts)} {what}, newest first")
    for post in posts:
        incident = f" -> {safe(post.incident_id)}" if post.incident_id else ""
        gone = " [deleted upstream]" if post.deleted else ""
        reading = f" {post.phase.upper()}" if post.phase else ""
        print(f"{format_stamp(post.at, zone)}{reading}  {safe(post.reason)}{incident}{gone}")
        if post.evidence:
            print(f"  why: {safe(post.evidence)}")
        if post.url:
            print(f"  {safe(post.url)}")
        for line in safe_block(post.text).splitlines():
            print(f"  {line}")
    return EXIT_OK


def _median(seconds: float | None, n: int, *, signed: bool = False) -> str:
    """``1h 3m (n=443)``; ``-`` when no incident gives the figure."""
    if seconds is None:
        return "-"
    sign = ("+" if seconds > 0 else "-" if seconds < 0 else "") if signed else ""
    return f"{sign}{format_duration(dt.timedelta(seconds=abs(seconds)))} (n={n})"
