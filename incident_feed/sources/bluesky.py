"""Bluesky: an account's author feed from the public AppView (no key needed).

``GET https://public.api.bsky.app/xrpc/app.bsky.feed.getAuthorFeed?actor=<handle or DID>&
filter=posts_with_replies&includePins=false&limit=50``, newest first. The feed has no "since"
parameter, so a run reads the newest page and follows ``cursor`` to older pages until it meets a
post it has seen (the stored cursor's time or URI), at most ``max_pages`` pages; a first run
reads one page. Reposts and replies to other accounts are left out by the normalizer; the
account's replies to itself (thread continuations) are kept.

Cursor: ``{"account": "<handle or DID>", "at": "<newest item time>", "uri": "<its at:// URI>"}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from incident_feed.config import SourceConfig, parse_account
from incident_feed.errors import FetchError, RateLimited, SourceDeadlinePassed
from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.normalize.social import BSKY_PIN, parse_bluesky
from incident_feed.normalize.times import TimeParseError, parse_time
from incident_feed.sources.base import (
    Collector,
    Document,
    Fetched,
    api_url,
    decode_cursor,
    encode_cursor,
    load_json,
    peek_json,
)
from incident_feed.sources.http import Fetcher, Validators

APPVIEW = "https://public.api.bsky.app"
PAGE_SIZE = 50
MAX_PAGES = 5


def feed_url(appview: str, actor: str, *, limit: int = PAGE_SIZE, cursor: str | None = None) -> str:
    params = {
        "actor": actor,
        "filter": "posts_with_replies",
        "includePins": "false",
        "limit": str(limit),
        "cursor": cursor,
    }
    return api_url(appview, "/xrpc/app.bsky.feed.getAuthorFeed", params)


class BlueskyCollector(Collector):
    kind = "bluesky"

    def __init__(
        self, *, appview: str = APPVIEW, page_size: int = PAGE_SIZE, max_pages: int = MAX_PAGES
    ) -> None:
        self.appview = appview
        self.page_size = page_size
        self.max_pages = max_pages

    def urls(self, source: SourceConfig) -> list[str]:
        account = parse_account(self.kind, source.url)
        return [feed_url(self.appview, account.name, limit=self.page_size)]

    def fetch(
        self,
        source: SourceConfig,
        fetcher: Fetcher,
        validators: Mapping[str, Validators],
        *,
        cursor: str | None = None,
    ) -> Fetched:
        account = parse_account(self.kind, source.url)
        state = decode_cursor(cursor, account.name)
        seen_at = _time(state.get("at"))
        seen_uri = state.get("uri")
        documents: list[Document] = []
        newest: tuple[dt.datetime, str] | None = (seen_at, seen_uri or "") if seen_at else None
        page_cursor: str | None = None
        while len(documents) < self.max_pages:
            url = feed_url(self.appview, account.name, limit=self.page_size, cursor=page_cursor)
            try:
                response = fetcher.get(url, accept=self.accept)
            except (SourceDeadlinePassed, RateLimited):
                raise  # a 429's Retry-After defers the source, as for every kind
            except FetchError as exc:
                raise FetchError(f"{exc} (Bluesky account {account.name})") from None
            documents.append(Document(response.url, response.body, response.headers))
            items, page_cursor = _page(response.body)
            for item in items:
                if newest is None or item > newest:
                    newest = item
            reached = any(
                uri == seen_uri or (seen_at is not None and at <= seen_at) for at, uri in items
            )
            if seen_at is None or reached or not page_cursor or len(items) < self.page_size:
                break
        return Fetched(
            tuple(documents),
            {},
            cursor=encode_cursor(
                account.name,
                at=newest[0].isoformat() if newest else None,
                uri=newest[1] or None if newest else None,
            ),
        )

    def parse(self, document: Document, context: Context) -> ParseResult:
        return parse_bluesky(load_json(document), context)


def _page(body: bytes) -> tuple[list[tuple[dt.datetime, str]], str | None]:
    """Each item's feed time (the repost's time for reposts) and URI, pinned posts left out,
    and the cursor to the next page; nothing when the page is unreadable."""
    page = peek_json(body)
    if not isinstance(page, Mapping) or not isinstance(page.get("feed"), list):
        return [], None
    items: list[tuple[dt.datetime, str]] = []
    for item in page["feed"]:
        entry = _entry(item)
        if entry is not None:
            items.append(entry)
    next_cursor = page.get("cursor")
    return items, next_cursor if isinstance(next_cursor, str) and next_cursor else None


def _entry(item: Any) -> tuple[dt.datetime, str] | None:
    if not isinstance(item, Mapping) or not isinstance(item.get("post"), Mapping):
        return None
    reason = item.get("reason")
    if isinstance(reason, Mapping) and reason.get("$type") == BSKY_PIN:
        return None  # a pinned post is old news at the top of the feed
    post = item["post"]
    when = reason.get("indexedAt") if isinstance(reason, Mapping) else post.get("indexedAt")
    at = _time(when)
    uri = post.get("uri")
    return (at, uri) if at is not None and isinstance(uri, str) else None


def _time(value: object) -> dt.datetime | None:
    try:
        return parse_time(value).at if value is not None else None
    except TimeParseError:
        return None
