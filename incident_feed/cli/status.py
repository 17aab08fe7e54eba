"""``status``: what is down now, per followed vendor, worst first."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from incident_feed.cli.common import EXIT_OK, open_store, safe
from incident_feed.clock import display_zone, format_duration, format_stamp, utc_now
from incident_feed.config import Config


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    """Each followed vendor's current state and its active outages, worst first."""
    from incident_feed.store.status import vendor_states_now

    store = open_store(args, config)
    states = vendor_states_now(store, config, args.vendor or None)
    if args.json:
        items = [_state_json(s, config) for s in states]
        json.dump(items, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return EXIT_OK
    zone = display_zone(config.settings.timezone)
    now = utc_now()
    shown = states if args.all or args.vendor else [s for s in states if not s.quiet]
    for state in shown:
        for line in _state_lines(state, zone, now, every=bool(args.vendor)):
            print(line)
    quiet = len(states) - len(shown)
    if quiet:
        never = sum(1 for s in states if s.quiet and not s.has_summary)
        print(
            f"{quiet} other vendor{'s' if quiet != 1 else ''}: nothing open"
            + (f" ({never} with no page state read yet)" if never else "")
            + " (--all lists them)"
        )
    if not states:
        print("No vendors configured (see `incident-feed catalogue` and `follow`).")
    return EXIT_OK


def _state_lines(state: Any, zone: Any, now: Any, *, every: bool) -> list[str]:
    """A vendor's lines: its state, its components not operational (``every``: all of them),
    its active outages."""
    if state.has_summary:
        checked = f"read {format_duration(now - state.fetched_at)} ago"
        head = f"{state.indicator.value:<11} {safe(state.description)[:36]:<36}"
    else:
        checked = "no page state" if not state.outages else "no page state; from outages"
        head = f"{'-':<11} {'':<36}"
    lines = [f"{safe(state.vendor)[:22]:<22} {head} {checked}"[:120]]
    listed = state.components if every else state.down
    limit = len(listed) if every else 12
    for component in listed[:limit]:
        group = f"{safe(component.group)} / " if component.group else ""
        state_name = component.state.value.replace("_", " ")
        lines.append(f"    {state_name:<21} {group}{safe(component.name)}"[:120])
    if len(listed) > limit:
        lines.append(f"    ... and {len(listed) - limit} more components")
    elif state.components and not state.down and not every:
        lines.append(f"    {len(state.components)} components, all operational")
    for outage in state.outages:
        since = format_stamp(outage.started_at, zone)
        lines.append(
            f"    outage {outage.id[-12:]:<12} {outage.phase:<13} since {since}  "
            f"{safe(outage.title)[:40]}"
        )
    return lines


def _state_json(state: Any, config: Config) -> dict[str, Any]:
    vendor = config.vendor(state.vendor)
    return {
        "vendor": state.vendor,
        "slug": vendor.slug if vendor else None,
        "indicator": state.indicator.value,
        "description": state.description,
        "fetched_at": state.fetched_at.isoformat() if state.fetched_at else None,
        "updated": state.updated.isoformat() if state.updated else None,
        "components": [
            {"name": c.name, "group": c.group, "state": c.state.value, "id": c.id}
            for c in state.components
        ],
        "outages": [
            {
                "id": o.id,
                "title": o.title,
                "phase": o.phase,
                "impact": o.impact,
                "started": o.started_at.isoformat(),
            }
            for o in state.outages
        ],
    }


def add_status_command(commands: Any) -> None:
    status = commands.add_parser(
        "status", help="what is down now: each followed vendor's state and active outages"
    )
    status.add_argument("vendor", nargs="*", help="only these vendors (name or slug)")
    status.add_argument("--json", action="store_true")
    status.add_argument("--all", action="store_true", help="list vendors with nothing open too")
    status.set_defaults(handler=cmd_status)
