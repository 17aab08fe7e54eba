"""The ``export`` and ``watch`` commands, and ``collect`` under the collector lock.

Wired into the command line by ``cli.build_parser`` calling :func:`register`. Argument parsing
and printing only: the work is in :mod:`incident_feed.outputs.markdown` and
:mod:`incident_feed.schedule`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from incident_feed.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    add_filter_options,
    open_store,
    outcome_line,
    positive_int,
)
from incident_feed.clock import display_zone
from incident_feed.config import MAX_INTERVAL, MIN_INTERVAL, Config, parse_duration

EXIT_LOCKED = 75  # EX_TEMPFAIL: another collector holds the lock (only with --fail-if-locked)
DEFAULT_INTERVAL = 300.0
DEFAULT_IMPORT_WAIT = 60.0  # seconds `import` waits for the collector lock


def register(commands: Any) -> None:
    """Add ``export`` and ``watch`` to the subcommands, and put ``collect`` under the lock.

    ``commands`` is what ``ArgumentParser.add_subparsers`` returned. Calling it twice is harmless.
    """
    if "export" in commands.choices:
        return
    export = commands.add_parser(
        "export",
        help="incidents as Markdown (one incident, several, or a period report)",
        description="Write incidents as Markdown: one incident by ID, several, or a report "
        "with a per-vendor summary for a vendor, period or phase filter.",
    )
    export.add_argument("ids", nargs="*", metavar="ID", help="incident ids (see `incidents`)")
    add_filter_options(export)
    export.add_argument("--tz", metavar="ZONE", help="IANA zone, UTC or local (default: config)")
    export.add_argument("-o", "--output", metavar="FILE", type=Path, help="default: stdout")
    export.set_defaults(handler=cmd_export)

    watch = commands.add_parser(
        "watch",
        help="collect on an interval until stopped (SIGTERM/SIGINT finish the current write)",
    )
    watch.add_argument(
        "--interval",
        type=_interval,
        metavar="DURATION",
        help="default interval, e.g. 90s, 5m (default 5m; a source's own `interval` wins)",
    )
    _lock_and_log_options(watch)
    watch.add_argument(
        "--source", action="append", default=[], metavar="NAME", help="only this source"
    )
    watch.add_argument(
        "--stale-after",
        type=_count,
        default=3,
        metavar="N",
        help="report a source once after N failures in a row (default 3)",
    )
    watch.add_argument(
        "--max-backoff",
        type=_interval,
        default=3600.0,
        metavar="DURATION",
        help="longest wait after failures (default 1h)",
    )
    watch.add_argument(
        "--workers", type=_count, metavar="N", help="sources fetched at once (default 16)"
    )
    watch.add_argument(
        "--lease",
        type=_interval,
        metavar="DURATION",
        help="PostgreSQL: how long a claimed source stays this worker's; a worker that dies "
        "loses its sources after this (default: the source deadline plus 2m)",
    )
    watch.add_argument("--cycles", type=_count, default=None, help=argparse.SUPPRESS)
    watch.set_defaults(handler=cmd_watch)

    collect = commands.choices["collect"]
    _lock_and_log_options(collect)
    collect.set_defaults(handler=cmd_collect)
    imp = commands.choices["import"]
    imp.add_argument(
        "--wait",
        type=_wait,
        default=DEFAULT_IMPORT_WAIT,
        metavar="DURATION",
        help=f"wait this long for another collector to finish (default "
        f"{DEFAULT_IMPORT_WAIT:g}s), then exit {EXIT_LOCKED} having imported nothing",
    )
    imp.add_argument(
        "--fail-if-locked",
        action="store_true",
        help=f"do not wait: exit {EXIT_LOCKED} at once when another collector holds the lock",
    )
    imp.set_defaults(handler=cmd_import)


def _lock_and_log_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fail-if-locked",
        action="store_true",
        help=f"exit {EXIT_LOCKED} (not 0) when another collector holds the lock",
    )
    parser.add_argument(
        "--log-file", metavar="FILE", type=Path, help="structured logs here instead of stderr"
    )


# -- export -----------------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    from incident_feed.cli.read import outage_filter
    from incident_feed.outputs.markdown import ExportItem, Period, render
    from incident_feed.store.queries import Listing, incident_detail, outage_details

    zone = _zone(args.tz, config)
    store = open_store(args, config)
    details = []
    for wanted in args.ids:
        detail = incident_detail(store, wanted)
        if detail is None:
            print(f"incident-feed: no incident {wanted!r}", file=sys.stderr)
            return EXIT_FAILED
        details.append(detail)
    filtered = bool(
        args.vendor
        or args.phase
        or args.kind
        or args.impact
        or args.component
        or args.since
        or args.until
    )
    if filtered or not args.ids:
        rows = Listing(store, outage_filter(args, config)).all()
        wanted_ids = {d.id for d in details}
        rows = [r for r in rows if not wanted_ids or r.id in wanted_ids]
        details = outage_details(store, [r.id for r in rows])
    unique = {d.id: d for d in details}
    items = [ExportItem(d.incident, d.updates, d.records) for d in unique.values()]
    period = Period(args.since, args.until, tuple(args.vendor), tuple(args.phase))
    text = render(items, zone=zone, report=filtered or len(items) != 1, period=period)
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    from incident_feed.files import write_output

    how = write_output(args.output, text)
    print(f"wrote {len(items)} incidents to {args.output} ({how})", file=sys.stderr)
    return EXIT_OK


def _zone(name: str | None, config: Config) -> dt.tzinfo | None:
    if name is None:
        return display_zone(config.settings.timezone)
    from incident_feed.errors import ConfigError

    try:
        return display_zone(name)
    except ValueError as exc:
        raise ConfigError(f"--tz: {exc}") from None


# -- collect and watch ------------------------------------------------------------------------


def cmd_collect(args: argparse.Namespace, config: Config) -> int:
    """``collect`` once, holding the collector lock; SIGTERM/SIGINT stop after the current write.
    With ``[[notify]]`` targets, changes are notified as under ``watch`` (delivery waits at most
    15 s, after the collection is stored)."""
    from incident_feed.pipeline import SourceOutcome, collect
    from incident_feed.schedule import GracefulStop, setup_logging
    from incident_feed.sources.http import Fetcher, make_client

    interactive = sys.stderr.isatty()
    # Structured lines go to --log-file, or replace the per-source lines on a non-terminal
    # stderr (cron mail, the journal); a person at a terminal gets the readable lines.
    logged_to_stderr = args.log_file is None and not interactive
    if args.log_file is not None or logged_to_stderr:
        setup_logging(args.log_file)
    store = open_store(args, config, create=True)
    lock = _collector_lock(store)
    if not lock.acquire():
        return _locked(lock, args)

    def progress(outcome: SourceOutcome) -> None:
        if not logged_to_stderr and (interactive or outcome.error):
            print(outcome_line(outcome), file=sys.stderr)

    try:
        with GracefulStop() as stop, make_client() as client:
            fetcher = Fetcher.for_settings(client, config.settings)
            report = collect(
                config, store, fetcher, names=args.source, on_outcome=progress, stop=stop.is_set
            )
            if config.notify:
                # Same state as `watch`: cron or a timer gets the same notifications, once.
                from incident_feed.outputs.notify import Notifier

                notifier = Notifier.from_config(config, store)
                try:
                    notifier.after_run(report)
                finally:
                    notifier.close()
    finally:
        lock.release()
    totals = report.totals
    failed = [o for o in report.outcomes if o.failed]
    print(
        f"collected {len(report.outcomes)} sources: {len(report.outcomes) - len(failed)} ok, "
        f"{len(failed)} failed; {totals.incidents_new} new incidents, "
        f"{totals.incidents_changed} changed; {totals.updates_new} new updates, "
        f"{totals.updates_changed} changed" + ("; stopped early" if stop.is_set() else ""),
        file=sys.stderr,
    )
    if failed and len(failed) == len(report.outcomes):
        print(f"incident-feed: {every_source_failed(failed)}", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_FAILED


# Why a source failed, as a person would say it: the first phrase its error starts with.
_FAILURE_KINDS = (
    ("cannot resolve", "no name resolved"),
    ("cannot connect", "no connection"),
    ("timed out", "timed out"),
    ("refusing", "address refused"),
)


def every_source_failed(failed: Sequence[Any]) -> str:
    """One sentence for a run where nothing succeeded: how many failed how, and what to try."""
    kinds = Counter(
        next((label for phrase, label in _FAILURE_KINDS if phrase in str(o.error)), "other error")
        for o in failed
    )
    how = ", ".join(f"{n} {label}" for label, n in kinds.most_common())
    network = kinds["no name resolved"] + kinds["no connection"] + kinds["timed out"]
    hint = (
        " No network? `make demo` shows the product offline on the payloads the repo ships."
        if network * 2 >= len(failed)
        else " `incident-feed sources` shows each source's error."
    )
    return f"every source failed ({how}).{hint}"


def cmd_import(args: argparse.Namespace, config: Config) -> int:
    """``import`` under the collector lock, so it never interleaves with a running collector.

    It waits for the lock (``--wait``, reported) instead of giving up: two imports at once
    both import, one after the other. Still locked after the wait, it exits EXIT_LOCKED; it
    never exits 0 having imported nothing.
    """
    from incident_feed.cli.importing import cmd_import as import_files
    from incident_feed.schedule import CollectorLock

    store = open_store(args, config, create=True)
    lock = CollectorLock.for_store(store)
    wait = 0.0 if args.fail_if_locked else args.wait

    def waiting() -> None:
        if wait > 0:
            print(
                f"incident-feed: waiting up to {wait:g}s for the collector lock "
                f"({lock.describe()})",
                file=sys.stderr,
            )

    if not lock.acquire_within(wait, waiting):
        print(
            f"incident-feed: another collector holds the lock ({lock.describe()})"
            + (f" after {wait:g}s" if wait > 0 else "")
            + "; nothing imported (retry later or raise --wait)",
            file=sys.stderr,
        )
        return EXIT_LOCKED
    try:
        return import_files(args, config, store)
    finally:
        lock.release()


def cmd_watch(args: argparse.Namespace, config: Config) -> int:
    from incident_feed.outputs.notify import Notifier
    from incident_feed.schedule import GracefulStop, Watcher, setup_logging
    from incident_feed.sources.http import Fetcher, make_client
    from incident_feed.store.leases import Leases

    setup_logging(args.log_file)
    store = open_store(args, config, create=True)
    names = args.source or [s.name for s in config.sources if s.active]
    sources = [config.source(name) for name in names]
    if not sources:
        print("incident-feed: no active sources to watch", file=sys.stderr)
        return EXIT_USAGE
    lock = _collector_lock(store)
    if not lock.acquire():
        return _locked(lock, args)
    log = logging.getLogger("incident_feed.watch")
    try:
        with GracefulStop() as stop, make_client() as client:
            fetcher = Fetcher.for_settings(client, config.settings)
            notifier = Notifier.from_config(config, store) if config.notify else None
            leases = Leases(store, seconds=args.lease) if args.lease else None
            watcher = Watcher(
                config,
                store,
                fetcher,
                sources=sources,
                interval=args.interval or DEFAULT_INTERVAL,
                stale_after=args.stale_after,
                max_backoff=args.max_backoff,
                workers=args.workers,
                stop=stop,
                notifier=notifier,
                leases=leases,
            )
            try:
                watcher.run(max_cycles=args.cycles)
            finally:
                if notifier is not None:
                    notifier.close()
    finally:
        lock.release()
    log.info("event=stopped cycles=%d", watcher.cycles)
    return EXIT_OK


def _collector_lock(store: Any) -> Any:
    """SQLite: one collector at a time (the file lock). PostgreSQL: no lock; ``collect`` and
    every ``watch`` worker claim sources through the shared schedule's leases."""
    from incident_feed.schedule import CollectorLock

    return CollectorLock.for_store(store) if store.dialect == "sqlite" else CollectorLock()


def _locked(lock: Any, args: argparse.Namespace) -> int:
    print(
        f"incident-feed: another collector is running ({lock.describe()}); exiting",
        file=sys.stderr,
    )
    return EXIT_LOCKED if args.fail_if_locked else EXIT_OK


def _interval(text: str) -> float:
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds < MIN_INTERVAL:
        raise argparse.ArgumentTypeError(f"{text!r} is shorter than {MIN_INTERVAL:g}s")
    if seconds > MAX_INTERVAL:
        raise argparse.ArgumentTypeError(f"{text!r} is longer than {MAX_INTERVAL:g}s")
    return seconds


_count = positive_int


def _wait(text: str) -> float:
    """``--wait``: 0 (do not wait) or a duration up to a day."""
    if text.strip() in ("0", "0s", "0m", "0h"):
        return 0.0
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds > MAX_INTERVAL:
        raise argparse.ArgumentTypeError(f"{text!r} is longer than {MAX_INTERVAL:g}s")
    return seconds
