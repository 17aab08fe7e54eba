"""Salesforce Trust API: incidents and maintenances of the instances a source's URL names."""

from __future__ import annotations

import httpx

from incident_feed.config import SourceConfig
from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.normalize.salesforce import parse_salesforce
from incident_feed.sources.base import Collector, Document, load_json

TRUST_API = "https://api.status.salesforce.com/v1"


def trust_base(url: str) -> str:
    """The Trust API's base of ``url``, its query kept: ``.../v1/incidents?instance=EU48`` ->
    ``.../v1?instance=EU48``."""
    parsed = httpx.URL(url)
    path = parsed.path.rstrip("/")
    if path.endswith(("/incidents", "/maintenances")):
        path = path.rsplit("/", 1)[0]
    return str(parsed.copy_with(path=path))


def trust_url(base: str, name: str) -> str:
    """``https://api.status.salesforce.com/v1?instance=EU48`` + ``incidents`` ->
    ``https://api.status.salesforce.com/v1/incidents?instance=EU48`` (the query is kept)."""
    url = httpx.URL(trust_base(base))
    return str(url.copy_with(path=f"{url.path}/{name}"))


class SalesforceCollector(Collector):
    kind = "salesforce"

    def urls(self, source: SourceConfig) -> list[str]:
        return [trust_url(source.url, "incidents"), trust_url(source.url, "maintenances")]

    def parse(self, document: Document, context: Context) -> ParseResult:
        return parse_salesforce(load_json(document), context)
