"""X (Twitter) API v2: an account's tweets. Opt-in: it needs an API bearer token.

The token is read at fetch time from the environment variable the source's ``token_env`` names.
It goes only into the ``Authorization`` header (the fetcher drops that header on a redirect to
another origin); it is never logged, stored or put in a message. A missing token fails this
source alone, with a message naming the variable.

One run: ``GET /2/users/by/username/:username`` (only when the user id is not cached in the
cursor), then ``GET /2/users/:id/tweets?exclude=retweets&since_id=<cursor>&tweet.fields=...``
and its ``next_token`` pages (at most ``max_pages``); a first run reads one page. Reads are
metered by X, so tweets seen before are not read again: an edit arrives as a new tweet whose
``edit_history_tweet_ids[0]`` is the original id (the normalizer's native id, so the stored post
is updated in place), and deleted tweets are not noticed. A 429 is retried after the time in
``x-rate-limit-reset``.

Cursor: ``{"account": "<username, lower-case>", "id": "<user id>", "newest": "<newest tweet id>"}``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from incident_feed.config import SocialAccount, SourceConfig, parse_account
from incident_feed.errors import ConfigError, FetchError, PayloadError, RateLimited
from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.normalize.social import parse_x
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
from incident_feed.sources.http import FetchedResponse, Fetcher, Validators

API = "https://api.x.com"
TWEET_FIELDS = (
    "author_id,conversation_id,created_at,edit_history_tweet_ids,entities,in_reply_to_user_id,"
    "referenced_tweets"
)
PAGE_SIZE = 20  # X bills per tweet read; 5..100 allowed
MAX_PAGES = 5
_TOKEN = re.compile(r"^[\x21-\x7e]{1,4096}$")  # visible ASCII: what a header value may carry


def user_url(api: str, username: str) -> str:
    return f"{api.rstrip('/')}/2/users/by/username/{username}"


def tweets_url(
    api: str,
    user_id: str,
    *,
    max_results: int = PAGE_SIZE,
    since_id: str | None = None,
    pagination_token: str | None = None,
) -> str:
    params = {
        "exclude": "retweets",
        "max_results": str(max_results),
        "tweet.fields": TWEET_FIELDS,
        "since_id": since_id,
        "pagination_token": pagination_token,
    }
    return api_url(api, f"/2/users/{user_id}/tweets", params)


class XCollector(Collector):
    kind = "x"

    def __init__(
        self,
        *,
        api: str = API,
        page_size: int = PAGE_SIZE,
        max_pages: int = MAX_PAGES,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.api = api
        self.page_size = page_size
        self.max_pages = max_pages
        self.environ = environ

    def urls(self, source: SourceConfig) -> list[str]:
        return [user_url(self.api, parse_account(self.kind, source.url).name)]

    def fetch(
        self,
        source: SourceConfig,
        fetcher: Fetcher,
        validators: Mapping[str, Validators],
        *,
        cursor: str | None = None,
    ) -> Fetched:
        account = parse_account(self.kind, source.url)
        auth = {"Authorization": f"Bearer {self._token(source, account)}"}
        state = decode_cursor(cursor, account.name.lower())
        user_id = state.get("id") or self._lookup(fetcher, account, auth, source)
        since = state.get("newest") if state.get("id") else None
        documents: list[Document] = []
        newest = since
        page_token: str | None = None
        while len(documents) < self.max_pages:
            url = tweets_url(
                self.api,
                user_id,
                max_results=self.page_size,
                since_id=since,
                pagination_token=page_token,
            )
            response = self._get(fetcher, url, auth, source)
            documents.append(Document(response.url, response.body, response.headers))
            meta = _meta(response.body)
            newest_id = meta.get("newest_id")
            if len(documents) == 1 and isinstance(newest_id, str) and newest_id.isdigit():
                newest = newest_id
            token = meta.get("next_token")
            page_token = token if isinstance(token, str) and token else None
            if since is None or page_token is None:
                break
        return Fetched(
            tuple(documents),
            {},
            cursor=encode_cursor(account.name.lower(), id=user_id, newest=newest),
        )

    def parse(self, document: Document, context: Context) -> ParseResult:
        return parse_x(load_json(document), context)

    def _token(self, source: SourceConfig, account: SocialAccount) -> str:
        name = source.token_env
        if not name:
            raise ConfigError(
                f"x source {source.name} has no token_env: name the environment variable "
                "holding the X API bearer token"
            )
        environ = self.environ if self.environ is not None else os.environ
        token = environ.get(name, "").strip()
        if not token:
            raise ConfigError(
                f"environment variable {name} is not set or empty: it must hold the X API "
                f"bearer token to read {account.label}"
            )
        if not _TOKEN.match(token):
            raise ConfigError(
                f"environment variable {name} does not hold a usable bearer token "
                "(it contains spaces or control characters)"
            )
        return token

    def _lookup(
        self,
        fetcher: Fetcher,
        account: SocialAccount,
        auth: Mapping[str, str],
        source: SourceConfig,
    ) -> str:
        response = self._get(fetcher, user_url(self.api, account.name), auth, source)
        found = load_json(Document(response.url, response.body, response.headers))
        data = found.get("data") if isinstance(found, Mapping) else None
        user_id = data.get("id") if isinstance(data, Mapping) else None
        if not isinstance(user_id, str) or not user_id.isdigit() or len(user_id) > 30:
            errors = found.get("errors") if isinstance(found, Mapping) else None
            why = "no such account" if errors else "no usable user id in the answer"
            raise PayloadError(f"X account {account.label}: {why}")
        return user_id

    def _get(
        self, fetcher: Fetcher, url: str, auth: Mapping[str, str], source: SourceConfig
    ) -> FetchedResponse:
        try:
            return fetcher.get(url, accept=self.accept, headers=auth)
        except RateLimited:
            raise
        except FetchError as exc:
            if " 401 " in str(exc) or " 403 " in str(exc):
                raise FetchError(
                    f"{exc}: X refused the bearer token in ${source.token_env} "
                    "(or the API plan does not allow this endpoint)"
                ) from None
            raise


def _meta(body: bytes) -> Mapping[str, object]:
    page = peek_json(body)
    meta = page.get("meta") if isinstance(page, Mapping) else None
    return meta if isinstance(meta, Mapping) else {}
