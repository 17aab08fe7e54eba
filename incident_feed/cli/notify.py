"""``notify test [TARGET...]``: send one clearly marked sample event to each ``[[notify]]`` target
now, and say per target whether it went through. Opens no database."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from incident_feed.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from incident_feed.clock import utc_now
from incident_feed.config import Config


def register(commands: Any) -> None:
    """Add ``notify`` (with ``test``) to the subcommands."""
    notify = commands.add_parser("notify", help="notification targets ([[notify]] in the config)")
    actions = notify.add_subparsers(title="actions", metavar="ACTION", required=True)
    test = actions.add_parser(
        "test",
        help="send a sample event, marked as a test, to each target (or those named) now",
        description="Send one sample event, clearly marked as a test, to each [[notify]] target "
        "(or the ones named), once, now; print per target whether it was sent. Exits 1 if any "
        "failed. Writes nothing to the database.",
    )
    test.add_argument("targets", nargs="*", metavar="TARGET", help="target names (default: all)")
    test.set_defaults(handler=cmd_notify_test)


def cmd_notify_test(args: argparse.Namespace, config: Config) -> int:
    from incident_feed.outputs.notify_delivery import send_test
    from incident_feed.outputs.notify_payloads import sample_event

    targets = list(config.notify)
    if not targets:
        print(f"incident-feed: no [[notify]] targets in {config.path}", file=sys.stderr)
        return EXIT_USAGE
    if args.targets:
        known = {t.name: t for t in targets}
        unknown = [name for name in args.targets if name not in known]
        if unknown:
            print(
                f"incident-feed: no [[notify]] target named {', '.join(map(repr, unknown))} "
                f"(known: {', '.join(known)})",
                file=sys.stderr,
            )
            return EXIT_USAGE
        targets = [known[name] for name in dict.fromkeys(args.targets)]
    results = send_test(targets, sample_event(utc_now()))
    width = max(len(t.name) for t in targets)
    kinds = {t.name: "+".join(t.channels()) for t in targets}
    kind_width = max(len(k) for k in kinds.values())
    for result in results:
        state = result.detail if result.ok else f"failed: {result.detail}"
        print(f"{result.target:<{width}}  {kinds[result.target]:<{kind_width}}  {state}")
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED
