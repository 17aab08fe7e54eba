"""Command line: argument parsing and printing. No business logic lives here.

Exit codes: 0 success, 1 a source (or the database) failed, 2 a usage or config error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from incident_feed import __version__
from incident_feed.config import SOURCE_KINDS, Config, SourceConfig, find_config, load_config
from incident_feed.enums import Phase
from incident_feed.errors import ConfigError, IncidentFeedError
from incident_feed.normalize.text import clean_line, strip_unsafe
from incident_feed.paths import default_database_url
from incident_feed.redact import redact_url

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")


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
        help="config file (default: $INCIDENT_FEED_CONFIG, the user config file, or the catalogue)",
    )
    parser.add_argument(
        "--db", metavar="URL", help="database URL or SQLite path (overrides config)"
    )
    parser.set_defaults(handler=cmd_default)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    collect = commands.add_parser("collect", help="collect once from the configured sources")
    collect.add_argument("--source", action="append", default=[], metavar="NAME",
                         help="only this source (repeatable)")  # fmt: skip
    # The handler is cli_extra.cmd_collect (under the collector lock), set by register().

    imp = commands.add_parser("import", help="ingest saved payloads as if they had been fetched")
    imp.add_argument("--kind", required=True, choices=SOURCE_KINDS)
    imp.add_argument("--vendor", required=True, help="vendor name, e.g. GitHub")
    imp.add_argument("--source", metavar="NAME", help="record under this source name")
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.set_defaults(handler=cmd_import)

    incidents = commands.add_parser("incidents", help="list incidents, newest first")
    incidents.add_argument("--vendor", action="append", default=[], help="repeatable")
    incidents.add_argument("--phase", action="append", default=[], choices=[p.value for p in Phase])
    incidents.add_argument("--since", type=parse_since, help="ISO date/time or 30m, 24h, 7d, 2w")
    incidents.add_argument("--search", help="text in the title or any update")
    incidents.add_argument("--active", action="store_true", help="only incidents not resolved")
    incidents.add_argument("--limit", type=_positive_int, default=50)
    incidents.add_argument("--json", action="store_true", help="the JSON contract (see README)")
    incidents.add_argument("--with-updates", action="store_true", help="include update threads")
    incidents.set_defaults(handler=cmd_incidents)

    show = commands.add_parser("show", help="one incident with its update thread")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_show)

    sources = commands.add_parser("sources", help="health of each configured source")
    sources.add_argument("--json", action="store_true")
    sources.set_defaults(handler=cmd_sources)

    from incident_feed import cli_extra, cli_social

    cli_extra.register(commands)
    cli_social.register(commands)
    return parser


# -- commands ---------------------------------------------------------------------------------


def cmd_default(args: argparse.Namespace, config: Config) -> int:
    """No command: the TUI in a terminal, the recent incident list when piped."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        from incident_feed.tui.app import run_tui

        store = open_store(args, config)
        try:
            return run_tui(store, config)
        finally:
            store.close()
    args.vendor, args.phase, args.since, args.search = [], [], None, None
    args.active, args.limit, args.json, args.with_updates = False, 30, False, False
    return cmd_incidents(args, config)


def cmd_import(args: argparse.Namespace, config: Config, store: Any = None) -> int:
    """Ingest saved payloads; ``store`` is given when the caller already holds the lock."""
    from incident_feed.config import slugify
    from incident_feed.pipeline import ingest, utc_now
    from incident_feed.sources.base import Document
    from incident_feed.sources.registry import collector_for

    vendor = config.vendor(args.vendor)
    vendor_name = vendor.name if vendor else args.vendor
    name = (
        args.source
        or _matching_source(config, vendor_name, args.kind)
        or (f"{slugify(vendor_name)}-{args.kind}")
    )
    source = SourceConfig(name=name, vendor=vendor_name, kind=args.kind, url="file://import")
    store = store or open_store(args, config)
    files: list[Path] = args.files
    bar = _ProgressBar(len(files), sys.stderr) if sys.stderr.isatty() else None

    def documents() -> Any:
        for path in files:
            try:
                body = path.read_bytes()
            except OSError as exc:
                raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
            yield Document(url=str(path), body=body, headers=_guess_headers(path))

    ingested = ingest(
        store, source, collector_for(args.kind), documents(), utc_now,
        on_document=(lambda _doc: bar.step()) if bar else None,
    )  # fmt: skip
    if bar:
        bar.done()
    for problem in ingested.problems:
        print(f"incident-feed: {name}: skipped {_safe(str(problem))}", file=sys.stderr)
    for error in ingested.errors:
        print(f"incident-feed: {name}: {_safe(error)}", file=sys.stderr)
    stats = ingested.stats
    print(
        f"imported {len(files) - len(ingested.errors)} of {len(files)} files as source {name!r}: "
        f"{stats.incidents_new} new incidents, {stats.incidents_changed} changed; "
        f"{stats.updates_new} new updates, {stats.updates_changed} changed; "
        f"{len(ingested.problems)} items skipped",
        file=sys.stderr,
    )
    return EXIT_FAILED if ingested.errors else EXIT_OK


def cmd_incidents(args: argparse.Namespace, config: Config) -> int:
    from incident_feed.store import IncidentQuery

    store = open_store(args, config)
    query = IncidentQuery(
        vendors=tuple(args.vendor),
        phases=tuple(args.phase),
        since=args.since,
        search=args.search,
        active_only=args.active,
        limit=args.limit,
    )
    rows = store.incidents(query)
    if args.json:
        _print_incidents_json(store, rows, with_updates=args.with_updates)
        return EXIT_OK
    if not rows:
        print("No incidents stored yet. Run `incident-feed collect` (or `make demo`).")
        return EXIT_OK
    zone = display_zone(config)
    now = dt.datetime.now(dt.UTC)
    for row in rows:
        print(
            f"{row['id']:<28} {_safe(row['vendor'])[:14]:<14} {row['phase']:<13} "
            f"{_local(row['started_at'], zone)}  {_duration(row, now):>8}  {_safe(row['title'])}"
        )
    return EXIT_OK


def cmd_show(args: argparse.Namespace, config: Config) -> int:
    from incident_feed.store import IncidentQuery

    store = open_store(args, config)
    rows = store.incidents(IncidentQuery(ids=(args.id,), limit=1))
    if not rows:
        print(f"incident-feed: no incident {args.id!r}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        _print_incidents_json(store, rows, with_updates=True, single=True)
        return EXIT_OK
    from incident_feed.links import REJECTED, joined, links_for, other_end

    row = rows[0]
    zone = display_zone(config)
    links = links_for(store, row["id"])
    thread = store.updates_for([row["id"], *joined(links, row["id"])])
    updates = sorted(
        (u for ups in thread.values() for u in ups), key=lambda u: (u["at"], u["source_name"])
    )
    records = store.records_for([row["id"]]).get(row["id"], [])
    print(_safe(row["title"]))
    print(f"  {_safe(row['vendor'])} · {row['kind']} · impact {row['impact']} · now {row['phase']}")
    print(f"  started {_local(row['started_at'], zone)}", end="")
    if row["resolved_at"]:
        print(f" · resolved {_local(row['resolved_at'], zone)}", end="")
    print()
    if row["components"]:
        print("  affects: " + ", ".join(_safe(str(c.get("name"))) for c in row["components"]))
    for record in records:
        print(
            f"  source {_safe(record['source_name'])} ({_safe(record['source_kind'])}): "
            f"{_safe(redact_url(record['url'])) if record['url'] else '-'}"
        )
    for link in links:
        other = other_end(link, row["id"])
        state = "undone" if link["state"] == REJECTED else link["state"]
        print(
            f"  {link['kind']} as {other} ({state}, confidence {link['confidence']:.2f}): "
            f"{_safe(link['reason'])}"
        )
    vendor = config.vendor(row["vendor"])
    if vendor and vendor.downdetector:
        print(f"  crowd reports: {_safe(vendor.downdetector)}")
    print()
    for update in updates:
        flags = f" [{update['time_flags']}]" if update["time_flags"] else ""
        gone = " [deleted upstream]" if update.get("deleted_at") else ""
        where = f"  {_safe(update['url'])}" if update["url"] else ""
        print(
            f"{_local(update['at'], zone)}{flags}  {update['phase'].upper()}"
            f"  ({_safe(update['source_name'])}){gone}{where}"
        )
        print(f"  why: {_safe(update['evidence'])}")
        for line in _safe_block(update["text"]).splitlines():
            print(f"  {line}")
        print()
    return EXIT_OK


def cmd_sources(args: argparse.Namespace, config: Config) -> int:
    from incident_feed.serialize import source_json

    store = open_store(args, config)
    states = store.source_states()
    items = [
        source_json(states.get(s.name), s.name, s.vendor, s.kind, s.url) for s in config.sources
    ]
    configured = {s.name for s in config.sources}
    items += [
        source_json(state, name, state["vendor"], state["kind"], state["url"])
        for name, state in sorted(states.items())
        if name not in configured
    ]
    if args.json:
        json.dump(items, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return EXIT_OK
    for item in items:
        if item["consecutive_failures"]:
            health = f"FAILING x{item['consecutive_failures']}"
        elif item["last_success_at"]:
            health = "ok"
        else:
            health = "never collected"
        print(
            f"{_safe(item['name']):<28} {_safe(item['kind']):<11} {health:<16} "
            f"last ok {item['last_success_at'] or '-'}"
        )
        if item["last_error"]:
            print(f"    {_safe(item['last_error'])}")
    return EXIT_OK


# -- helpers ----------------------------------------------------------------------------------


def open_store(args: argparse.Namespace, config: Config) -> Any:
    from incident_feed.store import Store

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


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _print_incidents_json(
    store: Any, rows: list[Any], *, with_updates: bool, single: bool = False
) -> None:
    from incident_feed.links import channels_for
    from incident_feed.serialize import incident_json

    ids = [row["id"] for row in rows]
    records = store.records_for(ids)
    updates = store.updates_for(ids) if with_updates else {}
    channels = channels_for(store, ids)
    items = [
        incident_json(
            row,
            records.get(row["id"], []),
            updates.get(row["id"], []) if with_updates else None,
            channels=channels.get(row["id"]),
        )
        for row in rows
    ]
    json.dump(items[0] if single else items, sys.stdout, indent=2, ensure_ascii=False)
    print()


def _matching_source(config: Config, vendor: str, kind: str) -> str | None:
    matches = [
        s.name for s in config.sources if s.vendor.lower() == vendor.lower() and s.kind == kind
    ]
    return matches[0] if len(matches) == 1 else None


def _guess_headers(path: Path) -> dict[str, str]:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return {"content-type": "application/json"}
    if suffix in (".atom", ".rss", ".xml"):
        return {"content-type": "application/xml"}
    return {}


def _outcome_line(outcome: Any) -> str:
    stats = outcome.stats
    text = f"  {outcome.status:<9} {outcome.name:<28}"
    if outcome.status in ("ok", "unchanged"):
        text += f" +{stats.incidents_new} incidents"
        text += f", +{stats.updates_new}/~{stats.updates_changed} updates"
        if outcome.problems:
            text += f", {len(outcome.problems)} items skipped"
    if outcome.error:
        text += f" {_safe(outcome.error)}"
    return text + f" ({outcome.seconds:.1f}s)"


def _local(value: dt.datetime | None, zone: dt.tzinfo | None) -> str:
    if value is None:
        return "-"
    local = value.astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M %Z")


def _duration(row: Any, now: dt.datetime) -> str:
    end = row["resolved_at"] or now
    seconds = max(0, int((end - row["started_at"]).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m"


# Belt and braces: stored text is already clean, but a shared database has other writers.
_safe = clean_line
_safe_block = strip_unsafe


class _ProgressBar:
    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.count, self.stream = total, 0, stream

    def step(self) -> None:
        self.count += 1
        if self.count == self.total or self.count % 25 == 0:
            width = 30
            filled = width * self.count // max(self.total, 1)
            self.stream.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {self.count}/{self.total}"
            )
            self.stream.flush()

    def done(self) -> None:
        self.stream.write("\n")
