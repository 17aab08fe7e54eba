"""AWS Service Health Dashboard: the legacy ``data.json`` (current and archived events)."""

from __future__ import annotations

from incident_feed.normalize.aws import parse_aws
from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.sources.base import Collector, Document, load_json


class AwsCollector(Collector):
    """One GET of the source's URL (``https://status.aws.amazon.com/data.json``); the body
    may be UTF-8 or UTF-16 (:func:`~incident_feed.sources.base.load_json` reads both)."""

    kind = "aws"

    def parse(self, document: Document, context: Context) -> ParseResult:
        return parse_aws(load_json(document), context)
