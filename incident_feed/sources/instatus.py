"""Instatus pages: ``<page>/summary.json`` (required), read with ``<page>/v3/components.json``
(optional: a page that does not serve it gives its state without components, and a note).

The source's ``url`` is the page (any path is ignored).
"""

from __future__ import annotations

from collections.abc import Mapping

from incident_feed.config import SourceConfig
from incident_feed.errors import FetchError, RateLimited, SourceDeadlinePassed
from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.normalize.instatus import parse_instatus
from incident_feed.sources.base import (
    Collector,
    Document,
    Fetched,
    load_json,
    page_root,
    peek_json,
)
from incident_feed.sources.http import Fetcher, Validators


def summary_url(page: str) -> str:
    return f"{page_root(page)}/summary.json"


def components_url(page: str) -> str:
    return f"{page_root(page)}/v3/components.json"


class InstatusCollector(Collector):
    kind = "instatus"

    def urls(self, source: SourceConfig) -> list[str]:
        return [summary_url(source.url)]

    def fetch(
        self,
        source: SourceConfig,
        fetcher: Fetcher,
        validators: Mapping[str, Validators],
        *,
        cursor: str | None = None,
    ) -> Fetched:
        url = summary_url(source.url)
        response = fetcher.get(url, validators=validators.get(url), accept=self.accept)
        if response.not_modified:
            return Fetched((), {}, (url,))
        notes: list[str] = []
        related: tuple[Document, ...] = ()
        try:
            got = fetcher.get(components_url(source.url), accept=self.accept)
        except (RateLimited, SourceDeadlinePassed):
            raise
        except FetchError as exc:
            notes.append(f"components not fetched: {exc}")
        else:
            related = (Document(got.url, got.body, got.headers),)
        summary = Document(response.url, response.body, response.headers, related=related)
        return Fetched((summary,), {url: response.validators}, (), tuple(notes))

    def parse(self, document: Document, context: Context) -> ParseResult:
        components = next((peek_json(d.body) for d in document.related), None)
        return parse_instatus(load_json(document), context, components=components)
