"""Better Stack status pages: one GET a run, ``<page>/index.json``.

The source's ``url`` is the page (any path is ignored). The page answers 200 with its HTML for
any path, so a missing document is an HTML page, never a 404: :func:`load_json` names it.
"""

from __future__ import annotations

from incident_feed.config import SourceConfig
from incident_feed.normalize.betterstack import parse_betterstack
from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.sources.base import Collector, Document, load_json, page_root


def index_url(page: str) -> str:
    return f"{page_root(page)}/index.json"


class BetterstackCollector(Collector):
    kind = "betterstack"

    def urls(self, source: SourceConfig) -> list[str]:
        return [index_url(source.url)]

    def parse(self, document: Document, context: Context) -> ParseResult:
        return parse_betterstack(load_json(document), context, page_url=page_root(document.url))
