"""One account's RSS/Atom feed -> posts -> incident drafts (source kind ``account-feed``).

For accounts read without an API: Mastodon's ``https://<instance>/@<user>.rss``, Bluesky's
``https://bsky.app/profile/<handle>/rss``, or an RSS bridge for X. An item is one post: no title
(or the text cut short), a description holding the text (HTML on Mastodon and most bridges,
plain text on Bluesky), a permalink and a time. The feed is read by :func:`read_feed` (the one
safe way to run feedparser), each item becomes a :class:`~incident_feed.normalize.social.Post`
and the same rule as for the API kinds decides which posts are incident updates.

A feed carries no reply ids, so every post stands alone here; threading them by time (a
follow-up within the window continues the open thread, a resolution closes it) is done for every
social source by :func:`incident_feed.decide.threads.plan_threads`. Bluesky's feed leaves out
replies and reposts, Mastodon's leaves out replies to other accounts and boosts; an X bridge may
list retweets (``RT @...``) and replies (``R to @...``), which are set aside.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from incident_feed.errors import PayloadError
from incident_feed.kinds import social_channel
from incident_feed.normalize.common import collect_items
from incident_feed.normalize.drafts import Context, ItemProblem, ParseResult
from incident_feed.normalize.feed import entry_time, read_feed
from incident_feed.normalize.social import Post, anchor_refs, posts_result
from incident_feed.normalize.text import clean_line, clean_text, html_to_text, safe_http_url
from incident_feed.normalize.times import clamp_future

# The post id in a permalink, per platform: Mastodon /@user/<id>, Bluesky /post/<rkey>
# (also the at:// URI's last part), X /status/<id>.
_POST_IDS = {
    "mastodon": re.compile(r"/@[^/]+/(\d{1,30})/?$"),
    "bluesky": re.compile(r"(?:/post/|app\.bsky\.feed\.post/)([A-Za-z0-9._~:-]{1,64})/?$"),
    "x": re.compile(r"/status(?:es)?/(\d{1,30})"),
}
_X_REPOST = re.compile(r"^RT @\w+", re.IGNORECASE)
_X_REPLY = re.compile(r"^R to @\w+", re.IGNORECASE)


def parse_account_feed(
    body: bytes, headers: Mapping[str, str], context: Context, feed_url: str = ""
) -> ParseResult:
    """Every post of one account feed; a :class:`PayloadError` when it is not a whole feed.

    ``feed_url`` (the feed's own address) names the platform when an item's link does not.
    """
    entries = read_feed(body, headers)
    fallback = social_channel("account-feed", feed_url)
    problems: list[ItemProblem] = []
    posts: list[Post] = collect_items(
        entries, "post", lambda e: _post(e, fallback), problems, limit=context.max_items
    )
    posts = [_clamped(post, context) for post in posts]
    return posts_result(posts, problems, context)


def _post(entry: Mapping[str, Any], fallback: str) -> Post:
    link = safe_http_url(entry.get("link"))
    guid = clean_line(str(entry.get("id") or ""))[:500]
    native_id = guid or link
    if not native_id:
        raise PayloadError("post has no guid or link")
    channel = social_channel("account-feed", link) if link else fallback
    if channel == "feed":
        channel = fallback
    html = _body(entry)
    text = clean_text(html) if channel == "bluesky" else html_to_text(html)
    if not text:
        text = clean_text(str(entry.get("title") or ""))
    short_id = _short_id(channel, link, guid, native_id)
    return Post(
        platform=channel,
        native_id=native_id,
        short_id=short_id,
        stamp=entry_time(entry),
        text=text,
        url=link,
        refs=tuple(dict.fromkeys(anchor_refs(html))) if channel != "bluesky" else (),
        replies_to_other=channel == "x" and bool(_X_REPLY.match(text)),
        repost=channel == "x" and bool(_X_REPOST.match(text)),
    )


def _body(entry: Mapping[str, Any]) -> str:
    """The post's text as the feed gives it: Atom content, else the RSS description."""
    content = entry.get("content")
    if isinstance(content, list) and content and isinstance(content[0], Mapping):
        value = content[0].get("value")
        if isinstance(value, str) and value.strip():
            return value
    summary = entry.get("summary")
    return summary if isinstance(summary, str) else ""


def _short_id(channel: str, link: str | None, guid: str, native_id: str) -> str:
    """The post's id on its platform (so a post read from the feed and from the API is one
    incident), or a hash of the guid when the platform's id cannot be read."""
    pattern = _POST_IDS.get(channel)
    for candidate in (guid, link or ""):
        match = pattern.search(candidate) if pattern else None
        if match:
            return match.group(1).lower()
    return hashlib.sha1(native_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _clamped(post: Post, context: Context) -> Post:
    return replace(post, stamp=clamp_future(post.stamp, context.now))
