"""Mastodon: an account's public statuses, read from its home instance (no key needed).

One run: ``GET /api/v1/accounts/lookup?acct=<user>`` (only when the account id is not cached in
the cursor), then the newest page ``GET /api/v1/accounts/:id/statuses?exclude_reblogs=true&
limit=40``. That page is read every run, not only what is new since the cursor: Mastodon edits
keep the status id, so only a re-read notices an edited post, and the same page tells which
stored posts were deleted (see :class:`incident_feed.normalize.drafts.Seen`). When more than a
page is new since the cursor, older pages are asked for with ``max_id=<oldest read>&since_id=
<cursor>`` until the gap is filled (at most ``max_pages`` pages in all).

Cursor: ``{"account": "user@host", "id": "<account id>", "newest": "<newest status id>"}``.
"""

from __future__ import annotations

from collections.abc import Mapping

from incident_feed.config import SocialAccount, SourceConfig, parse_account
from incident_feed.errors import ConfigError, FetchError, PayloadError
from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.normalize.social import parse_mastodon
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

PAGE_SIZE = 40  # the API's maximum
MAX_PAGES = 5


def instance(account: SocialAccount) -> str:
    """The account's home instance (``parse_account`` always gives Mastodon accounts one)."""
    if account.base is None:
        raise ConfigError(f"{account.label}: a Mastodon account needs its instance")
    return account.base


def lookup_url(account: SocialAccount) -> str:
    return api_url(instance(account), "/api/v1/accounts/lookup", {"acct": account.name})


def statuses_url(
    account: SocialAccount,
    account_id: str,
    *,
    limit: int = PAGE_SIZE,
    max_id: str | None = None,
    since_id: str | None = None,
) -> str:
    params = {
        "exclude_reblogs": "true",
        "limit": str(limit),
        "max_id": max_id,
        "since_id": since_id,
    }
    return api_url(instance(account), f"/api/v1/accounts/{account_id}/statuses", params)


class MastodonCollector(Collector):
    kind = "mastodon"

    def __init__(self, *, page_size: int = PAGE_SIZE, max_pages: int = MAX_PAGES) -> None:
        self.page_size = page_size
        self.max_pages = max_pages

    def urls(self, source: SourceConfig) -> list[str]:
        return [lookup_url(parse_account(self.kind, source.url))]

    def fetch(
        self,
        source: SourceConfig,
        fetcher: Fetcher,
        validators: Mapping[str, Validators],
        *,
        cursor: str | None = None,
    ) -> Fetched:
        account = parse_account(self.kind, source.url)
        state = decode_cursor(cursor, account.label)
        account_id = state.get("id")
        cached = account_id is not None
        if account_id is None:
            account_id = self._lookup(fetcher, account)
        url = statuses_url(account, account_id, limit=self.page_size)
        try:
            first = fetcher.get(url, validators=validators.get(url), accept=self.accept)
        except FetchError as exc:
            if not (cached and " 404 " in str(exc)):
                raise
            account_id = self._lookup(fetcher, account)  # the cached id went stale: look again
            url = statuses_url(account, account_id, limit=self.page_size)
            first = fetcher.get(url, accept=self.accept)
        since = state.get("newest") if state.get("id") == account_id else None
        if first.not_modified:
            kept = encode_cursor(account.label, id=account_id, newest=since)
            return Fetched((), {}, (url,), cursor=kept)
        documents = [Document(first.url, first.body, first.headers)]
        ids = _status_ids(first.body)
        seen = list(ids)
        while (
            since is not None
            and len(ids) >= self.page_size
            and _older(since, min(ids, key=_id_order))
            and len(documents) < self.max_pages
        ):
            older = statuses_url(
                account,
                account_id,
                limit=self.page_size,
                max_id=min(ids, key=_id_order),
                since_id=since,
            )
            page = fetcher.get(older, accept=self.accept)
            documents.append(Document(page.url, page.body, page.headers))
            ids = _status_ids(page.body)
            seen += ids
        newest = max([*seen, *([since] if since else [])], key=_id_order, default=None)
        return Fetched(
            tuple(documents),
            {url: first.validators},
            cursor=encode_cursor(account.label, id=account_id, newest=newest),
        )

    def _lookup(self, fetcher: Fetcher, account: SocialAccount) -> str:
        try:
            response = fetcher.get(lookup_url(account), accept=self.accept)
        except FetchError as exc:
            if " 404 " in str(exc):
                raise FetchError(f"Mastodon account {account.label} not found ({exc})") from None
            raise
        found = load_json(Document(response.url, response.body, response.headers))
        account_id = found.get("id") if isinstance(found, Mapping) else None
        if not isinstance(account_id, str) or not account_id.isdigit() or len(account_id) > 30:
            raise PayloadError(f"Mastodon account lookup for {account.label} gave no usable id")
        return account_id

    def parse(self, document: Document, context: Context) -> ParseResult:
        return parse_mastodon(load_json(document), context)


def _status_ids(body: bytes) -> list[str]:
    """The ids of a statuses page, for paging; empty when the page is unreadable (the parser
    then reports it)."""
    statuses = peek_json(body)
    if not isinstance(statuses, list):
        return []
    ids = [s.get("id") for s in statuses if isinstance(s, Mapping)]
    return [i for i in ids if isinstance(i, str) and i.isdigit()]


def _id_order(status_id: str) -> tuple[int, str]:
    """Mastodon ids are decimal strings (time-ordered snowflakes): compare them as numbers."""
    return (len(status_id.lstrip("0")), status_id.lstrip("0"))


def _older(since: str, oldest: str) -> bool:
    """True when ``since`` is older than ``oldest``: a gap may lie between them."""
    return _id_order(since) < _id_order(oldest)
