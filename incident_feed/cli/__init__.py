"""Command line: argument parsing and printing, one module per command group. No business logic.

Exit codes: 0 success, 1 a source (or the database) failed, 2 a usage or config error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from incident_feed import __version__
from incident_feed.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    add_filter_options,
    positive_int,
)
from incident_feed.cli.importing import cmd_import
from incident_feed.cli.read import cmd_default, cmd_incidents, cmd_show, cmd_sources
from incident_feed.cli.sources_edit import add_sources_commands
from incident_feed.cli.status import add_status_command
from incident_feed.config import SOURCE_KINDS, Config, find_config, load_config
from incident_feed.errors import ConfigError, IncidentFeedError

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = load_config(find_config(args.config))
        handler: Callable[[argparse.Namespace, Config], int] = args.handler
        return handler(args, config)
    except ConfigError as exc:
        print(f"incident-feed: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except IncidentFeedError as exc:
        print(f"incident-feed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("incident-feed: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `incident-feed incidents | head`: the reader left; not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="incident-feed",
        description="Follow vendor outages: collect status pages into phased incident threads.",
    )
    parser.add_argument("--version", action="version", version=f"incident-feed {__version__}")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default: $INCIDENT_FEED_CONFIG, your config file, or the bundled one)",
    )
    parser.add_argument(
        "--db", metavar="URL", help="database URL or SQLite path (overrides config)"
    )
    parser.set_defaults(handler=cmd_default)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    collect = commands.add_parser("collect", help="collect once from the configured sources")
    collect.add_argument("--source", action="append", default=[], metavar="NAME",
                         help="only this source (repeatable)")  # fmt: skip
    # The handler is export_watch.cmd_collect (under the collector lock), set by register().

    imp = commands.add_parser("import", help="ingest saved payloads as if they had been fetched")
    imp.add_argument("--kind", required=True, choices=SOURCE_KINDS)
    imp.add_argument("--vendor", required=True, help="vendor name, e.g. GitHub")
    imp.add_argument("--source", metavar="NAME", help="record under this source name")
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.set_defaults(handler=cmd_import)

    incidents = commands.add_parser(
        "incidents", help="list outages, active first then newest (one row per outage)"
    )
    add_filter_options(incidents)
    incidents.add_argument("--search", help="words in the title, vendor or any update")
    incidents.add_argument("--active", action="store_true", help="only outages not over")
    incidents.add_argument("--limit", type=positive_int, default=50)
    incidents.add_argument("--json", action="store_true", help="the JSON contract (see README)")
    incidents.add_argument("--with-updates", action="store_true", help="include update threads")
    incidents.add_argument(
        "--records", action="store_true", help="the incident records behind each outage"
    )
    incidents.set_defaults(handler=cmd_incidents)

    show = commands.add_parser("show", help="one outage with its update thread across channels")
    show.add_argument("id", help="any member's id, or a source's own id (e.g. ctrsv3lwd797)")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_show)

    sources = commands.add_parser("sources", help="health of each configured source")
    sources.add_argument("--json", action="store_true")
    sources.set_defaults(handler=cmd_sources)
    add_sources_commands(sources)
    add_status_command(commands)

    from incident_feed.cli import catalogue, export_watch, notify, social

    export_watch.register(commands)
    social.register(commands)
    catalogue.register(commands)
    notify.register(commands)
    return parser
