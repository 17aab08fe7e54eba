"""AWS Health Dashboard: the current ``/public/currentevents`` array or the legacy ``data.json``."""

from __future__ import annotations

from incident_feed.normalize.aws import parse_aws
from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.sources.base import Collector, Document, load_json


class AwsCollector(Collector):
    """One GET of the source's URL: ``https://health.aws.amazon.com/public/currentevents``
    (the dashboard's open and recent events, and so its state) or the legacy
    ``https://status.aws.amazon.com/data.json`` (current and archived events); the parser
    tells them apart by shape. Bodies may be UTF-8 or UTF-16, with or without a BOM
    (:func:`~incident_feed.sources.base.load_json` reads them all)."""

    kind = "aws"

    def parse(self, document: Document, context: Context) -> ParseResult:
        return parse_aws(load_json(document), context)
