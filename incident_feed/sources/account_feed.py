"""An account's RSS/Atom feed (Mastodon ``/@user.rss``, Bluesky ``/profile/<handle>/rss``, an
RSS bridge for X): one GET with conditional-GET validators, read as social posts."""

from __future__ import annotations

from incident_feed.normalize.account_feed import parse_account_feed
from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.sources.base import Collector, Document
from incident_feed.sources.feed import FeedCollector


class AccountFeedCollector(Collector):
    kind = "account-feed"
    accept = FeedCollector.accept

    def parse(self, document: Document, context: Context) -> ParseResult:
        return parse_account_feed(document.body, document.headers, context, document.url)
