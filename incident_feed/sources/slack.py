"""Slack Status API v2.0.0 (``/history``)."""

from __future__ import annotations

from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.normalize.slack import parse_slack
from incident_feed.sources.base import Collector, Document, load_json


class SlackCollector(Collector):
    kind = "slack"

    def parse(self, document: Document, context: Context) -> ParseResult:
        return parse_slack(load_json(document), context)
