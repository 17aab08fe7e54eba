"""Cachet pages: the components (the page's state, and names for incidents), the schedules
(Cachet 2.4's maintenances) and the newest incidents with their updates, through ``/api/v1``.

Incidents are read newest first, one page of :data:`PAGE_SIZE` at a time, following
``meta.pagination`` for at most :data:`MAX_PAGES` pages. The cursor keeps the newest incident id
stored, so a later run reads further pages only while a whole page is newer than it (more new
incidents than one page holds); a first run reads up to :data:`MAX_PAGES` pages. The page
addresses are built here from the page number, never taken from the answer's links.
"""

from __future__ import annotations

from collections.abc import Mapping

from incident_feed.config import SourceConfig
from incident_feed.errors import FetchError
from incident_feed.normalize.cachet import parse_cachet
from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.sources.base import (
    Collector,
    Document,
    Fetched,
    api_url,
    decode_cursor,
    encode_cursor,
    load_json,
    page_root,
    peek_json,
)
from incident_feed.sources.http import Fetcher, Validators

PAGE_SIZE = 50  # incidents a page (the API has no cap; it defaults to 20)
MAX_PAGES = 4  # pages of incidents one run reads at most: the newest 200


def incidents_url(page: str, number: int = 1) -> str:
    return api_url(page_root(page), "/api/v1/incidents", {
        "sort": "id", "order": "desc", "per_page": str(PAGE_SIZE),
        "page": str(number) if number > 1 else None,
    })  # fmt: skip


def schedules_url(page: str) -> str:
    return api_url(page_root(page), "/api/v1/schedules", {
        "sort": "id", "order": "desc", "per_page": str(PAGE_SIZE),
    })  # fmt: skip


def components_url(page: str) -> str:
    return api_url(page_root(page), "/api/v1/components", {"per_page": "100"})


class CachetCollector(Collector):
    kind = "cachet"

    def urls(self, source: SourceConfig) -> list[str]:
        return [incidents_url(source.url)]

    def optional_urls(self, source: SourceConfig) -> list[str]:
        return [components_url(source.url), schedules_url(source.url)]

    def fetch(
        self,
        source: SourceConfig,
        fetcher: Fetcher,
        validators: Mapping[str, Validators],
        *,
        cursor: str | None = None,
    ) -> Fetched:
        """The components first (a 404 is a note), then the schedules (a 404 is a note: Cachet
        2.3 has none) and the incidents, which carry the components document so their
        components are named. None is conditional: they are read with the components."""
        notes: list[str] = []
        documents: list[Document] = []
        components = self._optional(fetcher, components_url(source.url), (), notes)
        related = (components,) if components else ()
        documents += [components] if components else []
        schedules = self._optional(fetcher, schedules_url(source.url), related, notes)
        documents += [schedules] if schedules else []
        root = page_root(source.url)
        known = _int(decode_cursor(cursor, root).get("newest"))
        newest = known
        previous: list[int] = []
        for number in range(1, MAX_PAGES + 1):
            got = fetcher.get(incidents_url(source.url, number), accept=self.accept)
            documents.append(Document(got.url, got.body, got.headers, related=related))
            ids, pages = _page(peek_json(got.body))
            if not ids or ids == previous:  # empty, or a server that ignores ``page``
                break
            newest = max(newest or 0, *ids)
            if pages <= number or (known is not None and min(ids) <= known):
                break
            if number == MAX_PAGES:
                notes.append(f"incidents: {pages:,} pages; the newest {MAX_PAGES * PAGE_SIZE} read")
            previous = ids
        kept = encode_cursor(root, newest=str(newest)) if newest is not None else None
        return Fetched(tuple(documents), {}, (), tuple(notes), cursor=kept)

    def _optional(
        self, fetcher: Fetcher, url: str, related: tuple[Document, ...], notes: list[str]
    ) -> Document | None:
        try:
            got = fetcher.get(url, accept=self.accept)
        except FetchError as exc:
            if " 404 " not in str(exc):
                raise
            notes.append(f"{url} not served (404)")
            return None
        return Document(got.url, got.body, got.headers, related=related)

    def parse(self, document: Document, context: Context) -> ParseResult:
        components = next((peek_json(d.body) for d in document.related), None)
        root = page_root(document.url) if document.url.startswith(("http://", "https://")) else None
        return parse_cachet(load_json(document), context, components, page_url=root)


def _page(body: object) -> tuple[list[int], int]:
    """The incident ids on one page, and the page count ``meta.pagination`` claims (1 when it
    says nothing usable)."""
    if not isinstance(body, Mapping):
        return [], 1
    data = body.get("data")
    items = data if isinstance(data, list) else []
    ids = [n for item in items if isinstance(item, Mapping) and (n := _int(item.get("id")))]
    meta = body.get("meta")
    pagination = meta.get("pagination") if isinstance(meta, Mapping) else None
    pages = _int(pagination.get("total_pages")) if isinstance(pagination, Mapping) else None
    return ids, pages or 1


def _int(value: object) -> int | None:
    """A positive id or count (a number, or digits in a string), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isdigit() and len(value) < 16:
        value = int(value)
    return value if isinstance(value, int) and 0 < value < 10**15 else None
