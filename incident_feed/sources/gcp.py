"""Google Cloud status: ``incidents.json``."""

from __future__ import annotations

from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.normalize.gcp import parse_gcp
from incident_feed.sources.base import Collector, Document, load_json


class GcpCollector(Collector):
    kind = "gcp"

    def parse(self, document: Document, context: Context) -> ParseResult:
        return parse_gcp(load_json(document), context)
