"""The read commands: the default view, ``incidents``, ``show`` and ``sources``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from incident_feed.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    open_store,
    safe,
    safe_block,
)
from incident_feed.clock import UNKNOWN_SPAN, display_zone, format_span, format_stamp, utc_now
from incident_feed.config import Config
from incident_feed.decide.lag import format_lag
from incident_feed.outputs.json_contract import incident_json, outage_json
from incident_feed.redact import redact_url


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
    args.kind, args.impact, args.component = [], [], []
    args.active, args.limit, args.json, args.with_updates = False, 30, False, False
    args.records = False
    return cmd_incidents(args, config)


def outage_filter(args: argparse.Namespace, config: Config) -> Any:
    """The one filter (:class:`incident_feed.store.queries.IncidentFilter`) from the flags that
    ``incidents``, ``export`` and the TUI share, with the config's component watching."""
    from incident_feed.decide.watch import vendor_watches
    from incident_feed.store.queries import IncidentFilter

    return IncidentFilter(
        text=getattr(args, "search", None) or "",
        vendors=tuple(getattr(args, "vendor", ()) or ()),
        phases=tuple(getattr(args, "phase", ()) or ()),
        kinds=tuple(getattr(args, "kind", ()) or ()),
        impacts=tuple(getattr(args, "impact", ()) or ()),
        components=tuple(getattr(args, "component", ()) or ()),
        since=getattr(args, "since", None),
        until=getattr(args, "until", None),
        active_only=bool(getattr(args, "active", False)),
        watch=vendor_watches(config.sources),
    )


def cmd_incidents(args: argparse.Namespace, config: Config) -> int:
    """Outages, active first then newest (``--records``: the incident records behind them)."""
    from incident_feed.store.queries import Listing, outage_details

    store = open_store(args, config)
    rows = Listing(store, outage_filter(args, config)).after(None, args.limit)
    if getattr(args, "records", False):
        return _print_records(store, [row.id for row in rows], args.json)
    if args.json:
        details = outage_details(store, [row.id for row in rows])
        _dump([outage_json(d, with_updates=args.with_updates) for d in details])
        return EXIT_OK
    zone = display_zone(config.settings.timezone)
    if not rows:
        print(_nothing_listed(store, zone))
        return EXIT_OK
    now = utc_now()
    for row in rows:
        phase = "ended?" if row.ended_assumed else row.phase
        more = f" (+{row.members - 1} linked)" if row.members > 1 else ""
        lasted = (
            UNKNOWN_SPAN if row.ended_assumed else format_span(row.started_at, row.resolved_at, now)
        )
        print(
            f"{row.id:<28} {safe(row.vendor)[:14]:<14} {phase:<13} "
            f"{format_stamp(row.started_at, zone)}  "
            f"{lasted:>8}  "
            f"{safe(row.title)}{more}"
        )
    return EXIT_OK


def _print_records(store: Any, outage_ids: list[str], as_json: bool) -> int:
    """The incident records of these outages, as stored (one per source record group)."""
    from incident_feed.store.queries import outage_details

    details = outage_details(store, outage_ids)
    if as_json:
        items = [
            incident_json(
                member,
                [r for r in d.records if r["incident_id"] == member["id"]],
            )
            | {"outage": d.id}
            for d in details
            for member in d.members
        ]
        _dump(items)
        return EXIT_OK
    for d in details:
        for member in d.members:
            print(
                f"{member['id']:<34} {d.channel(member['id']):<7} {member['phase']:<13} "
                f"outage {d.id}  {safe(member['title'])}"
            )
    return EXIT_OK


def _nothing_listed(store: Any, zone: dt.tzinfo | None) -> str:
    """Why the list is empty: an empty database, or filters that match nothing of what is there."""
    from incident_feed.store.database import IncidentQuery
    from incident_feed.store.queries import IncidentFilter, count_incidents

    stored = count_incidents(store, IncidentFilter())
    if not stored:
        return "No incidents stored yet. Run `incident-feed collect` (or `make demo`)."
    newest = store.incidents(IncidentQuery(limit=1))
    latest = f"; newest {format_stamp(newest[0]['started_at'], zone)}" if newest else ""
    return f"No incidents match these filters ({stored:,} stored{latest})."


def cmd_show(args: argparse.Namespace, config: Config) -> int:
    """One outage, from any member's id or a source's native id."""
    from incident_feed.decide.links import REJECTED, other_end
    from incident_feed.store.queries import incident_detail, resolve_ids

    store = open_store(args, config)
    detail = incident_detail(store, args.id)
    if detail is None:
        with store.read() as conn:
            several = resolve_ids(conn, args.id)
        if several:
            print(
                f"incident-feed: {safe(args.id)!r} names several outages: "
                f"{', '.join(several)}; give one of these ids",
                file=sys.stderr,
            )
        else:
            print(f"incident-feed: no incident {safe(args.id)!r}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        _dump(outage_json(detail, with_updates=True))
        return EXIT_OK
    row = detail.incident
    zone = display_zone(config.settings.timezone)
    print(safe(row["title"]))
    print(f"  {safe(row['vendor'])} · {row['kind']} · impact {row['impact']} · now {row['phase']}")
    print(f"  started {format_stamp(row['started_at'], zone)}", end="")
    if row["resolved_at"]:
        print(f" · resolved {format_stamp(row['resolved_at'], zone)}", end="")
    print()
    if row["components"]:
        print("  affects: " + ", ".join(safe(str(c.get("name"))) for c in row["components"]))
    for member in detail.members:
        print(f"  {detail.channel(member['id'])} {member['id']}: {safe(member['title'])}")
    for record in detail.records:
        print(
            f"  source {safe(record['source_name'])} ({record['source_kind']}): "
            f"{safe(redact_url(record['url'])) if record['url'] else '-'}"
        )
    for link in detail.links:
        state = "undone" if link["state"] == REJECTED else link["state"]
        # Seen from the outage's head when it is one end, else from the link's own start.
        ends = (link["incident_id"], link["target_id"])
        seen = detail.id if detail.id in ends else link["incident_id"]
        prefix = "" if seen == detail.id else f"{seen} "
        print(
            f"  {prefix}{link['kind']} as {other_end(link, seen)} ({state}, confidence "
            f"{link['confidence']:.2f}): {safe(link['reason'])}"
        )
    vendor = config.vendor(row["vendor"])
    if vendor and vendor.downdetector:
        print(f"  crowd reports: {safe(vendor.downdetector)}")
    print()
    lags = detail.lags()
    for update in detail.updates:
        flags = f" [{update['time_flags']}]" if update["time_flags"] else ""
        gone = " [deleted upstream]" if update.get("deleted_at") else ""
        where = f"  {safe(update['url'])}" if update["url"] else ""
        channel = detail.channel(update["incident_id"])
        print(
            f"{format_stamp(update['at'], zone)}{flags}  {update['phase'].upper()}"
            f"  ({channel}: {safe(update['source_name'])}){gone}{where}"
        )
        if (lag := lags.get(update["id"])) is not None:
            print(f"  lag: {lag.channel} post {format_lag(lag.seconds)}")
        print(f"  why: {safe(update['evidence'])}")
        for line in safe_block(update["text"]).splitlines():
            print(f"  {line}")
        print()
    return EXIT_OK


def cmd_sources(args: argparse.Namespace, config: Config) -> int:
    """Each source's health: configured ones in config order (inactive ones marked), then those
    only the database remembers."""
    from incident_feed.clock import utc_now
    from incident_feed.outputs.json_contract import source_json
    from incident_feed.store.leases import Leases

    store = open_store(args, config)
    states = store.source_states()
    leases = Leases(store).states()
    now = utc_now()

    def schedule(name: str) -> dict[str, Any]:
        """When ``watch`` next fetches it, and which worker is fetching it now."""
        lease = leases.get(name)
        if lease is None:
            return {"next_due_at": None, "fetching_by": None}
        return {
            "next_due_at": lease.due_at.isoformat().replace("+00:00", "Z"),
            "fetching_by": lease.fetching_by(now),
        }

    items = [
        source_json(states.get(s.name), s.name, s.vendor, s.kind, s.url)
        | {"active": s.active, "configured": True}
        | schedule(s.name)
        for s in config.sources
    ]
    configured = {s.name for s in config.sources}
    items += [
        source_json(state, name, state["vendor"], state["kind"], state["url"])
        | {"active": False, "configured": False}
        | schedule(name)
        for name, state in sorted(states.items())
        if name not in configured
    ]
    if args.json:
        _dump(items)
        return EXIT_OK
    zone = display_zone(config.settings.timezone)
    for item in items:
        if not item["configured"]:
            health = "not configured"
        elif not item["active"]:
            health = "inactive"
        elif item["consecutive_failures"]:
            health = f"FAILING x{item['consecutive_failures']}"
        elif item["last_success_at"]:
            health = "ok"
        else:
            health = "never collected"
        state = states.get(item["name"]) or {}
        lease = leases.get(item["name"])
        if item["fetching_by"] is not None:
            when = f"  fetching now ({safe(item['fetching_by'])})"
        elif lease is not None and item["active"] and item["configured"]:
            when = f"  next {format_stamp(lease.due_at, zone)}"
        else:
            when = ""
        print(
            f"{safe(item['name']):<28} {safe(item['kind']):<11} {health:<16} "
            f"last ok {format_stamp(state.get('last_success_at'), zone)}{when}"
        )
        if item["last_error"]:
            print(f"    {safe(item['last_error'])}")
    return EXIT_OK


def _dump(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    print()
