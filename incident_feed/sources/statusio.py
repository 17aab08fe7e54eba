"""status.io pages: the public status API, ``https://api.status.io/1.0/status/<page id>``.

The source's ``url`` is that API URL (``sources add`` proposes it). One GET a run: the document
holds the page's state and its open incidents and maintenances, each with all its messages.
"""

from __future__ import annotations

import re

from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.normalize.statusio import parse_statusio
from incident_feed.sources.base import Collector, Document, load_json

_PAGE_ID = re.compile(r"/1\.0/status/([0-9A-Za-z]{6,64})/?(?:[?#].*)?$")


def page_id_of(url: str) -> str | None:
    """The page id at the end of a public status API URL, or None."""
    match = _PAGE_ID.search(url)
    return match.group(1) if match else None


class StatusioCollector(Collector):
    kind = "statusio"

    def parse(self, document: Document, context: Context) -> ParseResult:
        return parse_statusio(load_json(document), context, page_id=page_id_of(document.url))
