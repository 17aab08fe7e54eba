"""Atlassian Statuspage v2 API, and pages that serve it (incident.io, e.g. status.openai.com)."""

from __future__ import annotations

from incident_feed.config import SourceConfig
from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.normalize.statuspage import parse_statuspage
from incident_feed.sources.base import Collector, Document, load_json


class StatuspageCollector(Collector):
    kind = "statuspage"

    def urls(self, source: SourceConfig) -> list[str]:
        return [api_url(source.url, "incidents.json")]

    def optional_urls(self, source: SourceConfig) -> list[str]:
        # summary.json: the page's current state (and its open incidents, also in incidents.json).
        return [
            api_url(source.url, "scheduled-maintenances.json"),
            api_url(source.url, "summary.json"),
        ]

    def parse(self, document: Document, context: Context) -> ParseResult:
        return parse_statuspage(load_json(document), context)


def api_url(base: str, name: str) -> str:
    """``https://page`` or ``https://page/api/v2`` -> ``https://page/api/v2/<name>``."""
    base = base.rstrip("/")
    if base.endswith("/api/v2"):
        return f"{base}/{name}"
    return f"{base}/api/v2/{name}"
