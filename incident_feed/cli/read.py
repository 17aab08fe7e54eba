"""The read commands: the default view, ``incidents``, ``show`` and ``sources``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from incident_feed.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    format_elapsed,
    format_local,
    open_store,
    safe,
    safe_block,
)
from incident_feed.clock import display_zone, utc_now
from incident_feed.config import Config


def cmd_default(args: argparse.Namespace, config: Config) -> int:
    """No command: the TUI in a terminal, the recent incident list when piped."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        from incident_feed.tui.app import run_tui

        store = open_store(args, config)
        try:
            return run_tui(store, config)
        finally:
            store.close()
    args.vendor, args.phase, args.since, args.until, args.search = [], [], None, None, None
    args.active, args.limit, args.json, args.with_updates = False, 30, False, False
    return cmd_incidents(args, config)


def cmd_incidents(args: argparse.Namespace, config: Config) -> int:
    from incident_feed.store.database import IncidentQuery

    store = open_store(args, config)
    query = IncidentQuery(
        vendors=tuple(args.vendor),
        phases=tuple(args.phase),
        since=args.since,
        until=args.until,
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
    zone = display_zone(config.settings.timezone)
    now = utc_now()
    for row in rows:
        print(
            f"{row['id']:<28} {safe(row['vendor'])[:14]:<14} {row['phase']:<13} "
            f"{format_local(row['started_at'], zone)}  {format_elapsed(row, now):>8}  "
            f"{safe(row['title'])}"
        )
    return EXIT_OK


def cmd_show(args: argparse.Namespace, config: Config) -> int:
    from incident_feed.store.database import IncidentQuery

    store = open_store(args, config)
    rows = store.incidents(IncidentQuery(ids=(args.id,), limit=1))
    if not rows:
        print(f"incident-feed: no incident {args.id!r}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        _print_incidents_json(store, rows, with_updates=True, single=True)
        return EXIT_OK
    from incident_feed.decide.links import REJECTED, joined, links_for, other_end

    row = rows[0]
    zone = display_zone(config.settings.timezone)
    links = links_for(store, row["id"])
    thread = store.updates_for([row["id"], *joined(links, row["id"])])
    updates = sorted(
        (u for ups in thread.values() for u in ups), key=lambda u: (u["at"], u["source_name"])
    )
    records = store.records_for([row["id"]]).get(row["id"], [])
    print(safe(row["title"]))
    print(f"  {row['vendor']} · {row['kind']} · impact {row['impact']} · now {row['phase']}")
    print(f"  started {format_local(row['started_at'], zone)}", end="")
    if row["resolved_at"]:
        print(f" · resolved {format_local(row['resolved_at'], zone)}", end="")
    print()
    if row["components"]:
        print("  affects: " + ", ".join(safe(str(c.get("name"))) for c in row["components"]))
    for record in records:
        print(f"  source {record['source_name']} ({record['source_kind']}): {record['url'] or '-'}")
    for link in links:
        other = other_end(link, row["id"])
        state = "undone" if link["state"] == REJECTED else link["state"]
        print(
            f"  {link['kind']} as {other} ({state}, confidence {link['confidence']:.2f}): "
            f"{safe(link['reason'])}"
        )
    vendor = config.vendor(row["vendor"])
    if vendor and vendor.downdetector:
        print(f"  crowd reports: {vendor.downdetector}")
    print()
    for update in updates:
        flags = f" [{update['time_flags']}]" if update["time_flags"] else ""
        gone = " [deleted upstream]" if update.get("deleted_at") else ""
        where = f"  {safe(update['url'])}" if update["url"] else ""
        print(
            f"{format_local(update['at'], zone)}{flags}  {update['phase'].upper()}"
            f"  ({update['source_name']}){gone}{where}"
        )
        print(f"  why: {safe(update['evidence'])}")
        for line in safe_block(update["text"]).splitlines():
            print(f"  {line}")
        print()
    return EXIT_OK


def cmd_sources(args: argparse.Namespace, config: Config) -> int:
    from incident_feed.outputs.json_contract import source_json

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
            f"{item['name']:<28} {item['kind']:<11} {health:<16} "
            f"last ok {item['last_success_at'] or '-'}"
        )
        if item["last_error"]:
            print(f"    {safe(item['last_error'])}")
    return EXIT_OK


def _print_incidents_json(
    store: Any, rows: list[Any], *, with_updates: bool, single: bool = False
) -> None:
    from incident_feed.decide.links import channels_for
    from incident_feed.outputs.json_contract import incident_json

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
