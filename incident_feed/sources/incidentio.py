"""incident.io status pages, through the widget API their own pages load (no key needed).

One run, for a page ``https://status.example.com`` (the source's ``url``; any path is ignored):

1. ``GET <page>/proxy/<page host>``: the summary (components, their groups, what is ongoing).
   Required, and always fetched whole: it says which incidents to fetch next.
2. ``GET <page>/proxy/<page host>/incidents``: the recent history, with every incident's
   updates. Optional: a page that does not serve it (404) is a note.
3. ``GET <page>/proxy/<page host>/incidents/<id>`` for each ongoing incident and maintenance
   the summary lists, at most ``max_details`` of them; an id that is not an incident.io id is
   never put in a URL. A detail that is gone (404) or fails is a note: the summary and the
   history are still stored, and the detail is asked for again next run while it is listed.

Incidents name their components by id: every document is parsed with the run's summary
(:attr:`~incident_feed.sources.base.Document.related`), which names them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx

from incident_feed.config import SourceConfig
from incident_feed.errors import ConfigError, FetchError, RateLimited, SourceDeadlinePassed
from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.normalize.incidentio import LISTS, parse_incidentio
from incident_feed.normalize.text import clean_line
from incident_feed.sources.base import Collector, Document, Fetched, load_json, peek_json
from incident_feed.sources.http import Fetcher, Validators

MAX_DETAILS = 10
# incident.io ids are ULIDs (26 characters of Crockford base32); anything else stays out of URLs.
_ID = re.compile(r"[0-9A-Za-z]{10,40}")
_PROXY = "/proxy/"


def summary_url(page: str) -> str:
    """``https://status.example.com[/anything]`` -> ``https://status.example.com/proxy/<host>``."""
    try:
        url = httpx.URL(page)
    except httpx.InvalidURL as exc:
        raise ConfigError(f"{page[:80]!r} is not a page URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(f"{page[:80]!r} is not an http(s) page URL")
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}{_PROXY}{url.host}"


def history_url(page: str) -> str:
    return f"{summary_url(page)}/incidents"


def detail_url(page: str, incident_id: str) -> str:
    return f"{summary_url(page)}/incidents/{incident_id}"


def page_of(document_url: str) -> str | None:
    """The page a widget API URL belongs to (what precedes ``/proxy/``), for the incidents'
    links when the summary does not give the page's address."""
    head, proxy, _ = document_url.partition(_PROXY)
    return head if proxy and head.startswith(("http://", "https://")) else None


class IncidentioCollector(Collector):
    kind = "incidentio"

    def __init__(self, *, max_details: int = MAX_DETAILS) -> None:
        self.max_details = max_details

    def urls(self, source: SourceConfig) -> list[str]:
        return [summary_url(source.url)]

    def optional_urls(self, source: SourceConfig) -> list[str]:
        return [history_url(source.url)]

    def fetch(
        self,
        source: SourceConfig,
        fetcher: Fetcher,
        validators: Mapping[str, Validators],
        *,
        cursor: str | None = None,
    ) -> Fetched:
        response = fetcher.get(summary_url(source.url), accept=self.accept)
        summary = Document(response.url, response.body, response.headers)
        documents = [summary]
        kept: dict[str, Validators] = {}
        unchanged: list[str] = []
        ids, notes = listed_ids(summary.body, self.max_details)
        wanted: list[tuple[str, str | None]] = [(history_url(source.url), None)]
        wanted += [(detail_url(source.url, ident), ident) for ident in ids]
        for url, ident in wanted:
            try:
                got = fetcher.get(url, validators=validators.get(url), accept=self.accept)
            except (RateLimited, SourceDeadlinePassed):
                raise  # the whole source waits, or fails: not one missing detail
            except FetchError as exc:
                what = f"incident {ident}" if ident else "the history"
                if " 404 " in str(exc):
                    notes.append(f"{what} not served (404): {url}")
                else:
                    notes.append(f"{what} not fetched: {exc}")
                continue
            if got.not_modified:
                unchanged.append(url)
                continue
            documents.append(Document(got.url, got.body, got.headers, related=(summary,)))
            kept[url] = got.validators
        return Fetched(tuple(documents), kept, tuple(unchanged), tuple(notes))

    def parse(self, document: Document, context: Context) -> ParseResult:
        summary = next((peek_json(d.body) for d in document.related), None)
        return parse_incidentio(
            load_json(document), context, summary=summary, page_url=page_of(document.url)
        )


def listed_ids(body: bytes, limit: int) -> tuple[list[str], list[str]]:
    """The ids of the ongoing incidents and maintenances a summary lists (incidents first, at
    most ``limit``), and notes on what was left out. An unreadable summary lists none (its
    parser reports why)."""
    document = peek_json(body)
    page = document.get("summary") if isinstance(document, Mapping) else None
    if not isinstance(page, Mapping):
        return [], []
    listed: dict[str, None] = {}  # every usable id, once, in order
    refused = 0
    for key in LISTS:
        items = page.get(key)
        for item in items if isinstance(items, list) else []:
            ident = item.get("id") if isinstance(item, Mapping) else None
            if isinstance(ident, str) and _ID.fullmatch(ident):
                listed[ident] = None
            else:
                refused += 1
    ids = list(listed)[:limit]
    notes = []
    if len(listed) > len(ids):
        notes.append(
            f"{len(listed):,} ongoing incidents and maintenances listed; "
            f"details fetched for the first {len(ids)}"
        )
    if refused:
        notes.append(f"{refused:,} listed items without a usable incident.io id: not fetched")
    return ids, [clean_line(note) for note in notes]
