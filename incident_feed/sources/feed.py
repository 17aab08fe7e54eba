"""Any RSS/Atom status history feed."""

from __future__ import annotations

from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.normalize.feed import parse_feed
from incident_feed.sources.base import Collector, Document


class FeedCollector(Collector):
    kind = "feed"
    accept = "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.8"

    def parse(self, document: Document, context: Context) -> ParseResult:
        return parse_feed(document.body, document.headers, context)
