"""The ``import`` command: saved payloads ingested exactly as if fetched."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from incident_feed.cli.common import EXIT_FAILED, EXIT_OK, open_store, safe
from incident_feed.config import Config, SourceConfig
from incident_feed.errors import ConfigError


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
        print(f"incident-feed: {name}: skipped {safe(str(problem))}", file=sys.stderr)
    for error in ingested.errors:
        print(f"incident-feed: {name}: {safe(error)}", file=sys.stderr)
    stats = ingested.stats
    print(
        f"imported {len(files) - len(ingested.errors)} of {len(files)} files as source {name!r}: "
        f"{stats.incidents_new} new incidents, {stats.incidents_changed} changed; "
        f"{stats.updates_new} new updates, {stats.updates_changed} changed; "
        f"{len(ingested.problems)} items skipped",
        file=sys.stderr,
    )
    return EXIT_FAILED if ingested.errors else EXIT_OK


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
