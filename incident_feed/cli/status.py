"""``status``: what is down now, per followed vendor, worst first."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from incident_feed.cli.common import EXIT_OK, open_store, safe
from incident_feed.clock import display_zone, format_stamp
from incident_feed.config import Config

WIDTH = 80  # every line of the text output fits a terminal this wide
# The vendor line's columns: vendor, state, what the page says, when it was read.
_VENDOR, _STATE, _PAGE, _READ = 18, 12, 25, 22
_INDENT = " " * (_VENDOR + 1)  # where a vendor's detail lines put their text
HEADING = f"{'VENDOR':<{_VENDOR}} {'STATE':<{_STATE}} {'PAGE SAYS':<{_PAGE}} PAGE READ"


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
    if not states:
        print("No vendors configured (see `incident-feed catalogue` and `follow`).")
        return EXIT_OK
    zone = display_zone(config.settings.timezone)
    shown = states if args.all or args.vendor else [s for s in states if not s.quiet]
    if shown:
        print(HEADING)
    for state in shown:
        for line in state_lines(state, zone, every=bool(args.vendor)):
            print(line)
    quiet = len(states) - len(shown)
    if quiet:
        never = sum(1 for s in states if s.quiet and not s.collected)
        others = f"{quiet} {'other ' if shown else ''}vendor{'s' if quiet != 1 else ''}"
        print(
            f"{others}: nothing open ("
            + (f"{never} never fetched; " if never else "")
            + "--all lists them)"
        )
    return EXIT_OK


def state_lines(state: Any, zone: Any, *, every: bool = False) -> list[str]:
    """A vendor's lines, none wider than :data:`WIDTH`: its page state and when it was read,
    its watched components not operational (``every``: all of them), its active outages."""
    if state.has_summary:
        head = (
            state.indicator.value,
            safe(state.description),
            format_stamp(state.fetched_at, zone),
        )
    else:
        head = ("-", "", "no page state" if state.collected else "never fetched")
    lines = [
        f"{_cut(safe(state.vendor), _VENDOR):<{_VENDOR}} {head[0]:<{_STATE}} "
        f"{_cut(head[1], _PAGE):<{_PAGE}} {_cut(head[2], _READ)}".rstrip()
    ]
    listed = state.components if every else state.down
    limit = len(listed) if every else 12
    for component in listed[:limit]:
        group = f"{safe(component.group)} / " if component.group else ""
        state_name = component.state.value.replace("_", " ")
        lines.append(_cut(f"  {state_name:<{_VENDOR - 2}} {group}{safe(component.name)}", WIDTH))
    if len(listed) > limit:
        lines.append(f"{_INDENT}... and {len(listed) - limit} more components")
    elif state.components and not state.down and not every:
        lines.append(f"  {len(state.components)} components, all operational")
    for outage in state.outages:
        # The whole id (what `show` takes), on a line of its own when it does not fit.
        since = f"  {outage.phase:<{_VENDOR - 2}} since {format_stamp(outage.started_at, zone)}"
        if len(since) + 2 + len(outage.id) <= WIDTH:
            lines.append(f"{since}  {outage.id}")
        else:
            lines += [_cut(since, WIDTH), f"{_INDENT}{outage.id}"]
        lines.append(_cut(f"{_INDENT}{safe(outage.title)}", WIDTH))
    return lines


def _cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, an ellipsis saying when it was cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


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
