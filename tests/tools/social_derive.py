"""Social payloads derived from the real fixtures, for the cassettes and golden tests.

No shape here is invented: every object starts as a copy of a real one from the fixtures (a
Mastodon.py cassette's status and account, the atproto SDK's ``postView``, a tweepy X API v2
cassette's tweet list) and only the fields named in each function's docstring are changed. Where
a field's content is not in any fixture (X's ``created_at``, ``author_id``, ``referenced_tweets``;
Bluesky's ``reply`` and ``reason``), its shape is the one the platform's own reference gives
(X API v2 tweet fields; the ``app.bsky.feed.defs`` and ``app.bsky.feed.post`` lexicons), and the
README of ``cassettes/social/`` says so. Texts are the vendors' own published words: OpenAI's
posts of 2024-12-11 (the seed) and ``social/posts/vendor-posts.jsonl``.

Everything is deterministic: ids are derived from the times (Mastodon and X ids are time-based
snowflakes), so the same fixtures always give the same bytes.
"""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import yaml

# -- the seed: OpenAI's posts of 2024-12-11/12 --------------------------------------------------
# Texts as OpenAI posted them; the times here are the seed status-page updates'
# (tests/golden/seed/README.md). Each post gets its own time from :func:`seed_time`.
SEED_POSTS: Final = (
    (
        "2024-12-11T23:40:00.000Z",
        "We're experiencing an outage right now. We have identified the issue and are working to "
        "roll out a fix.",
    ),
    ("2024-12-12T01:15:00.000Z", "We are rolling out a remediation."),
    ("2024-12-12T03:38:00.000Z", "This incident has been resolved."),
)
# How many minutes each seed post follows the status-page update it repeats, per channel.
# Derived, not observed: the real posts' times were not available; a social post typically
# follows the status page by minutes, and each channel a little differently (documented in
# cassettes/social/README.md). The lag `show` and `stats` print for the seed comes from these.
SEED_DELAY_MINUTES: Final = {"mastodon": (3, 6, 4), "bluesky": (5, 11, 8)}


def seed_time(channel: str, index: int) -> str:
    """Seed post ``index`` on ``channel``: the status-page update's time plus the channel's
    delay, in the platforms' millisecond ISO form."""
    base = datetime.fromisoformat(SEED_POSTS[index][0])
    moment = base + timedelta(minutes=SEED_DELAY_MINUTES[channel][index])
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# The first post as first published in the derived edit story: its first sentence only.
SEED_FIRST_DRAFT: Final = "We're experiencing an outage right now."
SEED_EDITED_AT: Final = "2024-12-12T00:05:00.000Z"

MASTODON_BASE: Final = "https://mastodon.example"
MASTODON_USER: Final = "openai"
BSKY_HANDLE: Final = "openai.example"
BSKY_APPVIEW: Final = "https://public.api.bsky.app"
X_API: Final = "https://api.x.com"
TWITTER_EPOCH_MS: Final = 1288834974657


@dataclass(frozen=True)
class Derived:
    """One derived response: the request URI, the JSON body and extra response headers."""

    uri: str
    body: str
    headers: tuple[tuple[str, str], ...] = ()


def compact(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def ms(when: str) -> int:
    return int(datetime.fromisoformat(when).astimezone(UTC).timestamp() * 1000)


# -- Mastodon ------------------------------------------------------------------------------------


def mastodon_bodies(fixtures: Path) -> Mapping[str, Any]:
    """The real JSON bodies the Mastodon derivations start from."""

    def body(name: str, index: int) -> Any:
        data = yaml.safe_load((fixtures / "social/mastodon" / name).read_text(encoding="utf-8"))
        return json.loads(data["interactions"][index]["response"]["body"]["string"])

    return {
        "status": body("test_list_timeline.yaml", 5)[0],  # top-level public status
        "reply": body("test_status_reply.yaml", 2),  # a reply, with in_reply_to_* set
        "edited": body("test_status_edit.yaml", 3),  # an edited status (edited_at set)
    }


def mastodon_id(when: str, sequence: int = 0) -> str:
    """A Mastodon snowflake id: milliseconds since the epoch << 16, plus a sequence."""
    return str((ms(when) << 16) + sequence)


MASTODON_ACCOUNT_ID: Final = mastodon_id("2022-11-07T00:00:00.000Z", 1)


def _rehost(value: Any, base: str) -> Any:
    if isinstance(value, str):
        return value.replace("http://localhost:3000", base)
    if isinstance(value, list):
        return [_rehost(v, base) for v in value]
    if isinstance(value, dict):
        return {k: _rehost(v, base) for k, v in value.items()}
    return value


def mastodon_account(bodies: Mapping[str, Any]) -> dict[str, Any]:
    """The ``account`` of the fixture's edited status (a public account: discoverable, no
    roles). Changed: host localhost:3000 -> mastodon.example; id, username, acct, display_name,
    url, uri, created_at, statuses_count, last_status_at. Everything else as recorded."""
    account = _rehost(copy.deepcopy(bodies["edited"]["account"]), MASTODON_BASE)
    account.update(
        id=MASTODON_ACCOUNT_ID,
        username=MASTODON_USER,
        acct=MASTODON_USER,
        display_name="OpenAI",
        url=f"{MASTODON_BASE}/@{MASTODON_USER}",
        uri=f"{MASTODON_BASE}/ap/users/{MASTODON_ACCOUNT_ID}",
        created_at="2022-11-07T00:00:00.000Z",
        statuses_count=3,
        last_status_at="2024-12-12",
    )
    return account


def mastodon_html(text: str) -> str:
    """Plain text as Mastodon renders it: one paragraph, ``'`` written ``&#39;``."""
    return "<p>" + html.escape(text, quote=False).replace("'", "&#39;") + "</p>"


# Viewer-only fields (present only for an authenticated viewer) and the posting app (shown
# only to the author): an anonymous reader of the public API does not get them.
_VIEWER_ONLY: Final = ("favourited", "reblogged", "muted", "bookmarked", "pinned", "filtered")


def mastodon_status(
    bodies: Mapping[str, Any],
    index: int,
    *,
    text: str | None = None,
    reply_to: str | None = None,
    edited_at: str | None = None,
) -> dict[str, Any]:
    """Seed post ``index`` as a status. Starts from the fixture's top-level status (index 0) or
    its reply (a self-reply). Changed: host; id, created_at, uri, url, content, account,
    in_reply_to_id / in_reply_to_account_id (the account itself), mentions (none: a reply to
    oneself mentions nobody), edited_at; the viewer-only fields and ``application`` removed."""
    when, seed_text = seed_time("mastodon", index), SEED_POSTS[index][1]
    template = bodies["reply"] if reply_to else bodies["status"]
    status = _rehost(copy.deepcopy(template), MASTODON_BASE)
    status_id = mastodon_id(when)
    for key in (*_VIEWER_ONLY, "application"):
        status.pop(key, None)
    status.update(
        id=status_id,
        created_at=when,
        in_reply_to_id=reply_to,
        in_reply_to_account_id=MASTODON_ACCOUNT_ID if reply_to else None,
        uri=f"{MASTODON_BASE}/ap/users/{MASTODON_ACCOUNT_ID}/statuses/{status_id}",
        url=f"{MASTODON_BASE}/@{MASTODON_USER}/{status_id}",
        content=mastodon_html(text if text is not None else seed_text),
        account=mastodon_account(bodies),
        mentions=[],
        edited_at=edited_at,
    )
    return status


def mastodon_lookup_uri() -> str:
    from incident_feed.config import parse_account
    from incident_feed.sources.mastodon import lookup_url

    return lookup_url(parse_account("mastodon", f"@{MASTODON_USER}@mastodon.example"))


def mastodon_statuses_uri(**params: Any) -> str:
    from incident_feed.config import parse_account
    from incident_feed.sources.mastodon import statuses_url

    account = parse_account("mastodon", f"@{MASTODON_USER}@mastodon.example")
    return statuses_url(account, MASTODON_ACCOUNT_ID, **params)


def mastodon_seed(bodies: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The seed thread, newest first: post 2 replies to post 1, post 3 to post 2."""
    first = mastodon_status(bodies, 0)
    second = mastodon_status(bodies, 1, reply_to=first["id"])
    third = mastodon_status(bodies, 2, reply_to=second["id"])
    return [third, second, first]


# -- Bluesky -------------------------------------------------------------------------------------


def bsky_did() -> str:
    """A did:plc-shaped identifier (24 base32 characters) derived from the handle."""
    digest = base64.b32encode(hashlib.sha256(BSKY_HANDLE.encode()).digest()).decode().lower()
    return f"did:plc:{digest[:24]}"


def bsky_rkey(when: str) -> str:
    """A TID record key: microseconds since the epoch << 10, in sortable base32 (13 chars)."""
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    value = (ms(when) * 1000) << 10
    chars = []
    for _ in range(13):
        chars.append(alphabet[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def bsky_cid(seed: str) -> str:
    """A CID-shaped placeholder (``bafyrei`` + base32): not the hash of the record."""
    digest = base64.b32encode(hashlib.sha256(seed.encode()).digest()).decode().lower()
    return "bafyrei" + digest.rstrip("=")[:52]


def bsky_author(fixture: Mapping[str, Any]) -> dict[str, Any]:
    """The fixture post's ``author`` (profileViewBasic). Changed: did, handle, displayName,
    avatar (did swapped in the CDN path), createdAt."""
    author = copy.deepcopy(fixture["thread"]["post"]["author"])
    old_did = author["did"]
    author.update(
        did=bsky_did(),
        handle=BSKY_HANDLE,
        displayName="OpenAI",
        avatar=author["avatar"].replace(old_did, bsky_did()),
        createdAt="2024-11-14T00:00:00.000Z",
    )
    return author


def bsky_post(
    fixture: Mapping[str, Any], when: str, text: str, parent: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A postView from the fixture's. Changed: uri, cid, author, record (createdAt, text, no
    embed; ``reply`` {root, parent} strong refs when ``parent``), no view embed, indexedAt."""
    post = copy.deepcopy(fixture["thread"]["post"])
    uri = f"at://{bsky_did()}/app.bsky.feed.post/{bsky_rkey(when)}"
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": when, "langs": ["en"]}
    if parent is not None:
        root = parent["record"].get("reply", {}).get("root") or {
            "cid": parent["cid"],
            "uri": parent["uri"],
        }
        record["reply"] = {"parent": {"cid": parent["cid"], "uri": parent["uri"]}, "root": root}
    record["text"] = text
    post.pop("embed", None)
    post.update(
        uri=uri,
        cid=bsky_cid(uri + text),
        author=bsky_author(fixture),
        record=record,
        indexedAt=when,
    )
    return post


def feed_item(
    post: Mapping[str, Any],
    parent: Mapping[str, Any] | None = None,
    root: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A feedViewPost: the post, and for a reply the ``reply`` {root, parent} postViews."""
    item: dict[str, Any] = {"post": post}
    if parent is not None:
        item["reply"] = {
            "root": {"$type": "app.bsky.feed.defs#postView", **(root or parent)},
            "parent": {"$type": "app.bsky.feed.defs#postView", **parent},
        }
    return item


def bluesky_seed(fixture: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The seed as feed items, newest first, with two items the normalizer must leave out: the
    fixture's own post reposted by the account (``reason`` #reasonRepost), and a reply by the
    account to that post (another account), whose text is the seed status page's first update.
    """
    (_, s1), (_, s2), (_, s3) = SEED_POSTS
    t1, t2, t3 = (seed_time("bluesky", index) for index in range(3))
    p1 = bsky_post(fixture, t1, s1)
    p2 = bsky_post(fixture, t2, s2, parent=p1)
    p3 = bsky_post(fixture, t3, s3, parent=p2)
    other = fixture["thread"]["post"]
    reply_other = bsky_post(
        fixture,
        "2024-12-12T02:00:00.000Z",
        "We have identified the issue and are working to roll out a fix.",
        parent=other,
    )
    repost = {
        "post": copy.deepcopy(other),
        "reason": {
            "$type": "app.bsky.feed.defs#reasonRepost",
            "by": bsky_author(fixture),
            "indexedAt": "2024-12-12T00:30:00.000Z",
        },
    }
    return [
        feed_item(p3, p2, root=p1),
        feed_item(reply_other, other),
        feed_item(p2, p1),
        repost,
        feed_item(p1),
    ]


def item_time(item: Mapping[str, Any]) -> str:
    reason = item.get("reason")
    return str(reason["indexedAt"] if reason else item["post"]["indexedAt"])


def bluesky_feed_uri(*, limit: int, cursor: str | None = None) -> str:
    from incident_feed.sources.bluesky import feed_url

    return feed_url(BSKY_APPVIEW, BSKY_HANDLE, limit=limit, cursor=cursor)


def bluesky_pages(items: Sequence[Mapping[str, Any]], size: int) -> list[Derived]:
    """``getAuthorFeed`` pages of ``size`` items; each page's ``cursor`` is its last item's
    time (the AppView's cursor is opaque to clients; this one is only echoed back)."""
    pages = []
    cursor = None
    for start in range(0, len(items), size):
        chunk = list(items[start : start + size])
        next_cursor = item_time(chunk[-1])
        pages.append(
            Derived(
                bluesky_feed_uri(limit=size, cursor=cursor),
                compact({"cursor": next_cursor, "feed": chunk}),
            )
        )
        cursor = next_cursor
    return pages


# -- X -------------------------------------------------------------------------------------------

X_RATE_HEADERS: Final = (
    ("x-rate-limit-limit", "1500"),
    ("x-rate-limit-remaining", "1498"),
    ("x-rate-limit-reset", "1665183228"),
)  # as recorded in tweepy's test_client_get_users_tweets.yaml
MSFT_USER_ID: Final = "1000000000000000001"  # placeholder: the real id was not available offline
# @MSFT365Status, 2024-07-19 (vendor-posts.jsonl); the hours are ours: the source gives the date.
MSFT_TIMES: Final = (
    "2024-07-19T09:00:00.000Z",
    "2024-07-19T10:00:00.000Z",
    "2024-07-19T11:00:00.000Z",
    "2024-07-19T12:00:00.000Z",
)


def x_tweepy_body(fixtures: Path) -> Any:
    """The real X API v2 ``GET /2/users/:id/tweets`` body of tweepy's cassette (gzip bytes)."""
    path = fixtures / "social/x/test_client_get_users_tweets.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return json.loads(gzip.decompress(data["interactions"][0]["response"]["body"]["string"]))


def snowflake(when: str, sequence: int = 0) -> str:
    return str(((ms(when) - TWITTER_EPOCH_MS) << 22) + sequence)


def x_escape(text: str) -> str:
    """Tweet text as X serves it: ``&``, ``<`` and ``>`` entity-escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def x_tweet(
    template: Mapping[str, Any],
    *,
    tweet_id: str,
    when: str,
    text: str,
    author_id: str,
    reply_to: str | None = None,
    history: Sequence[str] = (),
    conversation_id: str | None = None,
) -> dict[str, Any]:
    """A tweet from tweepy's (keys ``edit_history_tweet_ids``, ``id``, ``text``). Added: the
    fields incident-feed asks for in ``tweet.fields`` (author_id, conversation_id, created_at;
    in_reply_to_user_id and referenced_tweets for a reply), shaped as the X API v2 reference
    gives them; keys in X's alphabetical order."""
    tweet = copy.deepcopy(dict(template))
    tweet.update(
        author_id=author_id,
        conversation_id=conversation_id or tweet_id,
        created_at=when,
        edit_history_tweet_ids=list(history) or [tweet_id],
        id=tweet_id,
        text=x_escape(text),
    )
    if reply_to is not None:
        tweet["in_reply_to_user_id"] = author_id
        tweet["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
    return dict(sorted(tweet.items()))


def x_page(template_body: Mapping[str, Any], tweets: Sequence[Mapping[str, Any]]) -> str:
    """A timeline page in tweepy's body shape; ``meta`` as X gives it (no next_token: last page)."""
    if not tweets:
        return compact({"meta": {"result_count": 0}})
    meta = {
        "newest_id": tweets[0]["id"],
        "oldest_id": tweets[-1]["id"],
        "result_count": len(tweets),
    }
    assert set(template_body["meta"]) >= set(meta)
    return compact({"data": list(tweets), "meta": meta})


def x_user_uri(username: str) -> str:
    from incident_feed.sources.x import user_url

    return user_url(X_API, username)


def x_tweets_uri(**params: Any) -> str:
    from incident_feed.sources.x import tweets_url

    return tweets_url(X_API, MSFT_USER_ID, **params)


def vendor_posts(fixtures: Path) -> list[dict[str, Any]]:
    path = fixtures / "social/posts/vendor-posts.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def vendor_post_time(posted_at: str) -> str:
    """A time for a vendor post: its date at 12:00Z; a bare month -> the 1st; no date given ->
    2019-01-01 (the posts' times are not what the golden tests check)."""
    day = re.match(r"^(\d{4})-(\d{2})(?:-(\d{2}))?", posted_at)
    if not day:
        return "2019-01-01T12:00:00.000Z"
    return f"{day[1]}-{day[2]}-{day[3] or '01'}T12:00:00.000Z"


def vendor_post_tweets(fixtures: Path) -> list[dict[str, Any]]:
    """Every vendor post as an X API v2 tweet (one per line of the jsonl, in order): id from its
    time plus its line number, author id from the handle (placeholders), text escaped as X does.
    """
    template = x_tweepy_body(fixtures)["data"][0]
    tweets = []
    for line, post in enumerate(vendor_posts(fixtures)):
        when = vendor_post_time(post["posted_at"])
        author = str(int(hashlib.sha256(post["account"].encode()).hexdigest()[:15], 16))
        tweets.append(
            x_tweet(
                template,
                tweet_id=snowflake(when, line),
                when=when,
                text=post["text"],
                author_id=author,
            )
        )
    return tweets


# -- account feeds (RSS): the seed as Mastodon's and Bluesky's own feeds render it ---------------

LAUNCH_TIME: Final = "2024-12-11T18:00:00.000Z"  # ours: a product launch earlier the same day


def launch_text(fixtures: Path) -> str:
    """A real product-launch post (@github, 2021-06-29, vendor-posts-2.jsonl): the feeds' item
    that is no incident update."""
    path = fixtures / "social/posts/vendor-posts-2.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        post = json.loads(line) if line.strip() else {}
        if post.get("account") == "@github" and post.get("text", "").startswith("Meet GitHub"):
            return str(post["text"])
    raise ValueError(f"no @github launch post in {path}")


def rfc822(when: str, *, seconds: bool = True, weekday: bool = True) -> str:
    moment = datetime.fromisoformat(when).astimezone(UTC)
    day = moment.strftime("%a, ") if weekday else ""
    clock = "%H:%M:%S" if seconds else "%H:%M"
    return day + moment.strftime(f"%d %b %Y {clock} +0000")


def _xml(text: str) -> str:
    return html.escape(text, quote=False)


def mastodon_rss(bodies: Mapping[str, Any], fixtures: Path) -> str:
    """``https://mastodon.example/@openai.rss``: the seed statuses (self-replies included, as
    Mastodon's account feed lists them) and the launch post, newest first, in the shape of the
    real mastodon.social feed in tests/data/fixtures/social/feeds/mastodon-pdxjohnny.rss
    (channel title, description, link, image, lastBuildDate, webfeeds:icon, generator; items
    with a permalink guid, link, pubDate and the status HTML escaped in description)."""
    p3, p2, p1 = mastodon_seed(bodies)
    launch = mastodon_status(bodies, 0, text=launch_text(fixtures))
    launch_id = mastodon_id(LAUNCH_TIME)
    launch.update(
        id=launch_id,
        created_at=LAUNCH_TIME,
        url=f"{MASTODON_BASE}/@{MASTODON_USER}/{launch_id}",
        uri=f"{MASTODON_BASE}/ap/users/{MASTODON_ACCOUNT_ID}/statuses/{launch_id}",
    )
    account = mastodon_account(bodies)
    profile = f"{MASTODON_BASE}/@{MASTODON_USER}"
    items = "".join(
        "    <item>\n"
        f'      <guid isPermaLink="true">{_xml(s["url"])}</guid>\n'
        f"      <link>{_xml(s['url'])}</link>\n"
        f"      <pubDate>{rfc822(s['created_at'])}</pubDate>\n"
        f"      <description>{_xml(s['content'])}</description>\n"
        "    </item>\n"
        for s in (p3, p2, p1, launch)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:webfeeds="http://webfeeds.org/rss/1.0" '
        'xmlns:media="http://search.yahoo.com/mrss/">\n'
        "  <channel>\n"
        f"    <title>{_xml(account['display_name'])}</title>\n"
        f"    <description>Public posts from @{MASTODON_USER}@mastodon.example</description>\n"
        f"    <link>{profile}</link>\n"
        "    <image>\n"
        f"      <url>{_xml(account['avatar'])}</url>\n"
        f"      <title>{_xml(account['display_name'])}</title>\n"
        f"      <link>{profile}</link>\n"
        "    </image>\n"
        f"    <lastBuildDate>{rfc822(p3['created_at'])}</lastBuildDate>\n"
        f"    <webfeeds:icon>{_xml(account['avatar'])}</webfeeds:icon>\n"
        "    <generator>Mastodon v4.0.2</generator>\n"
        f"{items}"
        "  </channel>\n"
        "</rss>\n"
    )


def _go_xml(text: str) -> str:
    """Text as Go's encoding/xml writes character data (EscapeText)."""
    table = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;",
             "\t": "&#x9;", "\n": "&#xA;", "\r": "&#xD;"}  # fmt: skip
    return "".join(table.get(c, c) for c in text)


def bluesky_rss(fixtures: Path) -> str:
    """``https://bsky.app/profile/openai.example/rss`` as bluesky-social/social-app's
    ``bskyweb/cmd/bskyweb/rss.go`` renders it: Go's encoding/xml after echo's XML header, no
    indentation; channel description (omitted when empty), link, title ``@handle - name``;
    items with link, description (the post text), pubDate in ``02 Jan 2006 15:04 -0700`` and a
    guid that is the at:// URI (``isPermaLink="false"``). The feed lists no replies, so the
    seed's three posts are top-level posts here (the account posting each update as its own
    post, threaded by time), plus the launch post."""
    did = bsky_did()
    posts = [(seed_time("bluesky", i), SEED_POSTS[i][1]) for i in (2, 1, 0)]
    posts.append((LAUNCH_TIME, launch_text(fixtures)))
    items = "".join(
        f"<item><link>https://bsky.app/profile/{BSKY_HANDLE}/post/{bsky_rkey(when)}</link>"
        f"<description>{_go_xml(text)}</description>"
        f"<pubDate>{rfc822(when, seconds=False, weekday=False)}</pubDate>"
        f'<guid isPermaLink="false">at://{did}/app.bsky.feed.post/{bsky_rkey(when)}</guid>'
        "</item>"
        for when, text in posts
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<rss version="2.0"><channel><link>https://bsky.app/profile/{BSKY_HANDLE}</link>'
        f"<title>@{BSKY_HANDLE} - OpenAI</title>{items}</channel></rss>"
    )
