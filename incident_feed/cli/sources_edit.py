"""``sources add URL`` (detect the platform, write the ``[[source]]``) and ``sources test NAME``
(fetch once, show what would be stored, store nothing)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from incident_feed.cli.common import EXIT_FAILED, EXIT_OK, safe
from incident_feed.config import Config, SourceConfig, find_config
from incident_feed.errors import ConfigError, SourceError


def cmd_sources_add(args: argparse.Namespace, config: Config) -> int:
    """Detect what ``args.url`` is, then append its ``[[source]]`` to the config in use."""
    from incident_feed.config_edit import add_source, config_to_edit, free_name, write_edit
    from incident_feed.sources.detect import Detection, detect
    from incident_feed.sources.http import Fetcher, make_client

    if args.kind:
        detection = Detection(args.kind, args.url.strip(), (f"--kind {args.kind} given",))
    else:
        with make_client() as client:
            detection = detect(args.url, Fetcher.for_settings(client, config.settings))
    vendor = args.vendor or detection.vendor
    if not vendor:
        raise ConfigError(f"{detection.url}: the page does not name its vendor: give --vendor NAME")
    name = args.name or free_name(config, vendor, detection.kind)
    target, text = config_to_edit(find_config(args.config))
    edit = add_source(
        target,
        text,
        name=name,
        vendor=vendor,
        kind=detection.kind,
        url=detection.url,
        comment=f"added by `incident-feed sources add`: {detection.reasons[0]}"[:300],
    )
    print(f"detected: {detection.kind} ({safe(detection.url)})")
    for reason in detection.reasons:
        print(f"  because {safe(reason)}")
    if args.dry_run:
        print(f"would add to {target}:\n")
        print(edit.added.rstrip())
        return EXIT_OK
    write_edit(edit)
    print(f"added source {name!r} (vendor {safe(vendor)}) to {target}")
    if edit.new_vendor:
        print(f"  and a [[vendor]] table for {safe(vendor)}")
    print(f"try it: incident-feed sources test {name}")
    return EXIT_OK


def cmd_sources_test(args: argparse.Namespace, config: Config) -> int:
    """Fetch one source once and show what would be stored; nothing is stored."""
    from incident_feed.clock import utc_now
    from incident_feed.normalize.drafts import Context, one_per_record
    from incident_feed.sources.http import Fetcher, make_client
    from incident_feed.sources.registry import collector_for

    source = config.source(args.name)
    collector = collector_for(source.kind)
    context = Context(source.name, source.kind, source.vendor, utc_now())
    report: dict[str, Any] = {"source": source.name, "kind": source.kind, "documents": []}
    drafts: list[Any] = []
    problems: list[str] = []
    errors: list[str] = []
    statuses: list[Any] = []
    with make_client() as client:
        try:
            fetcher = Fetcher.for_settings(client, config.settings)
            scoped = fetcher.scoped(fetcher.limits.source_deadline)  # as a collection run
            fetched = collector.fetch(source, scoped, {})
        except SourceError as exc:
            errors.append(str(exc))
            fetched = None
    for document in fetched.documents if fetched else ():
        entry = {"url": document.url, "bytes": len(document.body), "error": None}
        try:
            parsed = collector.parse(document, context)
        except SourceError as exc:
            entry["error"] = str(exc)
            errors.append(f"{document.url}: {exc}")
        else:
            drafts += parsed.drafts
            problems += [str(p) for p in parsed.problems]
            if parsed.status is not None:
                statuses.append(parsed.status)
        report["documents"].append(entry)
    report["notes"] = list(fetched.notes) if fetched else []
    report["incidents"] = [_draft_json(d) for d in one_per_record(drafts)]
    report["skipped"] = problems
    report["errors"] = errors
    report["status"] = [_status_json(s) for s in statuses]
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print_test(source, report, args.limit)
    return EXIT_FAILED if errors else EXIT_OK


def _draft_json(draft: Any) -> dict[str, Any]:
    last = draft.updates[-1] if draft.updates else None
    return {
        "id": draft.native_id,
        "kind": draft.kind.value,
        "title": draft.title,
        "phase": last.phase.value if last else None,
        "started": draft.started.at.isoformat() if draft.started else None,
        "updates": len(draft.updates),
        "components": [c.name for c in draft.components],
        "url": draft.url,
    }


def _status_json(status: Any) -> dict[str, Any]:
    return {
        "indicator": status.indicator.value,
        "description": status.description,
        "components": len(status.components),
        "not_operational": [c.name for c in status.components if c.state.value != "operational"],
    }


def _print_test(source: SourceConfig, report: dict[str, Any], limit: int) -> None:
    print(f"{safe(source.name)} ({source.kind}, {safe(source.url)}): nothing is stored")
    for document in report["documents"]:
        state = f"error: {safe(document['error'])}" if document["error"] else "parsed"
        print(f"  fetched {safe(document['url'])} ({document['bytes']:,} bytes): {state}")
    for note in report["notes"]:
        print(f"  note: {safe(note)}")
    for error in report["errors"]:
        if not any(error.endswith(str(d["error"])) for d in report["documents"] if d["error"]):
            print(f"  error: {safe(error)}")
    incidents = report["incidents"]
    kinds = [i["kind"] for i in incidents]
    print(
        f"would store {kinds.count('incident')} incidents and "
        f"{kinds.count('maintenance')} maintenances"
        + (f"; {len(report['skipped'])} items skipped" if report["skipped"] else "")
    )
    for item in incidents[:limit]:
        started = (item["started"] or "?")[:16].replace("T", " ")
        print(f"  {started}  {item['phase'] or '?':<13} {safe(item['title'])[:50]}")
    if len(incidents) > limit:
        print(f"  ... and {len(incidents) - limit} more (--limit)")
    for problem in report["skipped"][:limit]:
        print(f"  skipped: {safe(problem)}")
    for status in report["status"]:
        down = ", ".join(status["not_operational"][:8]) or "none"
        print(
            f"status now: {status['indicator']} ({safe(status['description'])}); "
            f"{status['components']} components, not operational: {safe(down)}"
        )


def add_sources_commands(sources: argparse.ArgumentParser) -> None:
    """``sources add`` and ``sources test`` under the ``sources`` command."""
    from incident_feed.cli.common import positive_int
    from incident_feed.config import SOURCE_KINDS

    actions = sources.add_subparsers(title="actions", metavar="ACTION")
    add = actions.add_parser(
        "add", help="detect a status page's platform and add it to your config"
    )
    add.add_argument("url", help="the status page (or feed, or social account) URL")
    add.add_argument("--vendor", metavar="NAME", help="vendor name (default: the page's own)")
    add.add_argument("--name", metavar="NAME", help="source name (default: <vendor>-status)")
    add.add_argument("--kind", choices=SOURCE_KINDS, help="skip detection: this kind")
    add.add_argument("--dry-run", action="store_true", help="show what would be added only")
    add.set_defaults(handler=cmd_sources_add)
    test = actions.add_parser("test", help="fetch one source once; show what would be stored")
    test.add_argument("name", help="the source's name")
    test.add_argument("--json", action="store_true")
    test.add_argument("--limit", type=positive_int, default=20, help="incidents listed (20)")
    test.set_defaults(handler=cmd_sources_test)


__all__ = ["add_sources_commands", "cmd_sources_add", "cmd_sources_test"]
