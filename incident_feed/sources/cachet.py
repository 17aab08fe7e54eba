"""Cachet pages: the components (the page's state, and names for incidents) and the newest
incidents with their updates, through ``/api/v1``."""

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
    load_json,
    page_root,
    peek_json,
)
from incident_feed.sources.http import Fetcher, Validators

PAGE_SIZE = 50  # the newest incidents read per run (the API's own cap is 100 a page)


def incidents_url(page: str) -> str:
    return api_url(page_root(page), "/api/v1/incidents", {
        "sort": "id", "order": "desc", "per_page": str(PAGE_SIZE),
    })  # fmt: skip


def components_url(page: str) -> str:
    return api_url(page_root(page), "/api/v1/components", {"per_page": "100"})


class CachetCollector(Collector):
    kind = "cachet"

    def urls(self, source: SourceConfig) -> list[str]:
        return [incidents_url(source.url)]

    def optional_urls(self, source: SourceConfig) -> list[str]:
        return [components_url(source.url)]

    def fetch(
        self,
        source: SourceConfig,
        fetcher: Fetcher,
        validators: Mapping[str, Validators],
        *,
        cursor: str | None = None,
    ) -> Fetched:
        """The components first (a 404 is a note), then the incidents, which carry the
        components document so their component is named. Neither is conditional: the
        incidents are read with the components they name."""
        notes: list[str] = []
        documents: list[Document] = []
        related: tuple[Document, ...] = ()
        try:
            got = fetcher.get(components_url(source.url), accept=self.accept)
            components = Document(got.url, got.body, got.headers)
            documents.append(components)
            related = (components,)
        except FetchError as exc:
            if " 404 " not in str(exc):
                raise
            notes.append(f"{components_url(source.url)} not served (404)")
        got = fetcher.get(incidents_url(source.url), accept=self.accept)
        documents.append(Document(got.url, got.body, got.headers, related=related))
        return Fetched(tuple(documents), {}, (), tuple(notes))

    def parse(self, document: Document, context: Context) -> ParseResult:
        components = next((peek_json(d.body) for d in document.related), None)
        return parse_cachet(load_json(document), context, components)
