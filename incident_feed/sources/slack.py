"""Slack Status API v2.0.0: ``/history`` (the source's URL) and ``/current`` (the page's state)."""

from __future__ import annotations

from incident_feed.config import SourceConfig
from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.normalize.slack import parse_slack
from incident_feed.sources.base import Collector, Document, load_json


class SlackCollector(Collector):
    kind = "slack"

    def optional_urls(self, source: SourceConfig) -> list[str]:
        # /current beside /history: Slack's state now (its open incidents also in /history).
        return [current] if (current := current_url(source.url)) else []

    def parse(self, document: Document, context: Context) -> ParseResult:
        return parse_slack(load_json(document), context)


def current_url(history_url: str) -> str | None:
    """``.../api/v2.0.0/history`` -> ``.../api/v2.0.0/current``; None for another address."""
    base, _, last = history_url.rstrip("/").rpartition("/")
    return f"{base}/current" if last == "history" and base else None
