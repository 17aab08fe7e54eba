"""Social posts -> incident drafts: Mastodon statuses, Bluesky feeds, X API v2 timelines.

Each platform's items are first read into :class:`Post` (one shape for all three), then one rule
decides for all of them: a post that replies to another account, or reposts one, is ignored; a
post whose text shows an incident or maintenance phase becomes one :class:`IncidentDraft` with
one update; a post without a phase signal is ignored unless it continues the account's own
thread (a self-reply), which is kept with the phase of the post it replies to when that post is
in the same document. Text is plain text: Mastodon HTML is flattened, X entities unescaped, and
control and bidi characters removed; nothing is ever interpreted as markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from incident_feed.enums import FINAL_PHASES, MAINTENANCE_PHASES, Impact, Kind, Phase
from incident_feed.errors import PayloadError
from incident_feed.normalize.common import as_list, as_mapping, collect_items, id_field, text_field
from incident_feed.normalize.drafts import (
    Context,
    IncidentDraft,
    ItemProblem,
    ParseResult,
    Seen,
    SetAside,
    Stamp,
    UpdateDraft,
)
from incident_feed.normalize.phases import Classification, classify_post
from incident_feed.normalize.text import clean_line, clean_text, html_to_text, safe_http_url
from incident_feed.normalize.times import clamp_future, parse_time

TITLE_LENGTH = 120
BSKY_REPOST = "app.bsky.feed.defs#reasonRepost"
BSKY_PIN = "app.bsky.feed.defs#reasonPin"
BSKY_LINK = "app.bsky.richtext.facet#link"
# Evidence of a self-reply without a phase signal; cross-run threading may re-decide its phase.
CONTINUATION = "no phase signal; thread continuation"
PARENT_UNSEEN = f"{CONTINUATION} (its parent is not in this page)"
# How strongly a brand account's post must read as an incident update to open a thread
# (Classification.strength: from 0.7, a phrase that plainly says so).
BRAND_STRENGTH = 0.7
REPOST = "a repost"
REPLY_TO_OTHER = "a reply to another account"
NO_SIGNAL_REASON = "no incident phrase"
_AT_POST = re.compile(
    r"^at://(did:[a-z]+:[A-Za-z0-9._:%-]+)/app\.bsky\.feed\.post/([A-Za-z0-9._~:-]{1,512})$"
)
_AT_DID = re.compile(r"^at://(did:[a-z]+:[A-Za-z0-9._:%-]+)/")


@dataclass(frozen=True, slots=True)
class Post:
    """One post, read from any platform, before deciding whether it is an incident update."""

    platform: str
    native_id: str  # Mastodon status id, Bluesky at:// URI, X original tweet id
    short_id: str  # the id in the incident key: the native id, or the Bluesky rkey
    stamp: Stamp
    text: str
    url: str | None = None
    refs: tuple[str, ...] = ()
    reply_to: str | None = None  # the parent's native id when the account replies to itself
    replies_to_other: bool = False
    repost: bool = False
    pinned: bool = False


# -- Mastodon --------------------------------------------------------------------------------


def parse_mastodon(document: object, context: Context) -> ParseResult:
    """``GET /api/v1/accounts/:id/statuses`` (a JSON array of statuses, newest first)."""
    if isinstance(document, Mapping) and "error" in document:
        raise PayloadError(f"Mastodon answered with an error: {_short(document['error'])}")
    if not isinstance(document, list):
        raise PayloadError("not a Mastodon status list (expected a JSON array of statuses)")
    return _result("status", document, lambda item: _mastodon_post(item, context), context)


def _mastodon_post(item: Mapping[str, Any], context: Context) -> Post:
    native_id = id_field(item)
    account = as_mapping(item.get("account"), "account")
    account_id = id_field(account)
    parent = item.get("in_reply_to_id")
    parent_id = id_field(item, "in_reply_to_id") if parent is not None else None
    parent_account = item.get("in_reply_to_account_id")
    own_reply = parent_id is not None and str(parent_account) == account_id
    content = text_field(item, "content")
    text = html_to_text(content)
    warning = clean_text(text_field(item, "spoiler_text"))
    if warning:
        text = f"{warning}\n\n{text}" if text else warning
    card = item.get("card")
    card_url = card.get("url") if isinstance(card, Mapping) else None
    return Post(
        platform="mastodon",
        native_id=native_id,
        short_id=native_id,
        stamp=_stamp(item, "created_at", context),
        text=text,
        url=safe_http_url(item.get("url")) or safe_http_url(item.get("uri")),
        refs=_unique([*anchor_refs(content), card_url]),
        reply_to=parent_id if own_reply else None,
        replies_to_other=parent_id is not None and not own_reply,
        repost=item.get("reblog") is not None,
    )


def anchor_refs(content: str) -> list[str]:
    """http(s) links of a status's HTML, without mention and hashtag links."""
    if "<a" not in content.lower():
        return []
    from bs4 import BeautifulSoup  # not needed by the CLI's start

    links = []
    for anchor in BeautifulSoup(content, "html.parser").find_all("a", href=True):
        classes = anchor.get_attribute_list("class")
        rel = anchor.get_attribute_list("rel")
        if "mention" in classes or "hashtag" in classes or "tag" in rel:
            continue
        href = anchor.get("href")
        if isinstance(href, str) and (url := safe_http_url(href)):
            links.append(url)
    return links


# -- Bluesky ---------------------------------------------------------------------------------


def parse_bluesky(document: object, context: Context) -> ParseResult:
    """``app.bsky.feed.getAuthorFeed`` (``{"feed": [feedViewPost], "cursor"}``), or a
    ``getPostThread`` answer (its posts, parents and replies)."""
    root = as_mapping(document, "document")
    if "feed" in root:
        items = as_list(root.get("feed"), "feed")
    elif "thread" in root:
        items = list(_thread_items(root.get("thread")))
    else:
        raise PayloadError("not a Bluesky author feed or thread (no feed or thread key)")
    return _result("post", items, lambda item: _bluesky_post(item, context), context)


def _thread_items(node: object, depth: int = 0) -> Iterable[Mapping[str, Any]]:
    """A threadViewPost flattened to feed items, parents first; missing posts skipped."""
    if not isinstance(node, Mapping) or depth > 200 or "post" not in node:
        return
    yield from _thread_items(node.get("parent"), depth + 1)
    yield {"post": node["post"]}
    replies = node.get("replies")
    for reply in replies if isinstance(replies, list) else []:
        yield from _thread_items(reply, depth + 1)


def _bluesky_post(item: Mapping[str, Any], context: Context) -> Post:
    post = as_mapping(item.get("post"), "post")
    uri = text_field(post, "uri")
    match = _AT_POST.match(uri)
    if not match:
        raise PayloadError(f"not a post URI: {_short(uri)}")
    did, rkey = match.groups()
    author = as_mapping(post.get("author"), "author")
    if text_field(author, "did") != did:
        raise PayloadError("the post's author is not the account in its URI")
    record = as_mapping(post.get("record"), "record")
    if record.get("$type") != "app.bsky.feed.post":
        raise PayloadError(f"record type {_short(record.get('$type'))} is not a post")
    reason = item.get("reason")
    reason_type = reason.get("$type") if isinstance(reason, Mapping) else None
    reply = record.get("reply")
    parent_uri = None
    if reply is not None:
        parent = as_mapping(as_mapping(reply, "reply").get("parent"), "reply parent")
        parent_uri = text_field(parent, "uri")
        if not _AT_DID.match(parent_uri):
            raise PayloadError(f"reply parent is not an at:// URI: {_short(parent_uri)}")
    own_reply = parent_uri is not None and parent_uri.startswith(f"at://{did}/")
    return Post(
        platform="bluesky",
        native_id=uri,
        short_id=rkey.lower(),
        stamp=_stamp(record, "createdAt", context),
        text=clean_text(text_field(record, "text")),
        url=f"https://bsky.app/profile/{did}/post/{rkey}",
        refs=_unique(_bluesky_links(record, post)),
        reply_to=parent_uri if own_reply else None,
        replies_to_other=parent_uri is not None and not own_reply,
        repost=reason_type == BSKY_REPOST,
        pinned=reason_type == BSKY_PIN,
    )


def _bluesky_links(record: Mapping[str, Any], post: Mapping[str, Any]) -> list[object]:
    """Link facets of the text, then the external embed (record and view)."""
    links: list[object] = []
    facets = record.get("facets")
    for facet in facets if isinstance(facets, list) else []:
        features = facet.get("features") if isinstance(facet, Mapping) else None
        for feature in features if isinstance(features, list) else []:
            if isinstance(feature, Mapping) and feature.get("$type") == BSKY_LINK:
                links.append(feature.get("uri"))
    for embed in (record.get("embed"), post.get("embed")):
        external = embed.get("external") if isinstance(embed, Mapping) else None
        if isinstance(external, Mapping):
            links.append(external.get("uri"))
    return links


# -- X ---------------------------------------------------------------------------------------


def parse_x(document: object, context: Context) -> ParseResult:
    """X API v2 ``GET /2/users/:id/tweets`` (``{"data": [...], "meta": {...}}``), or one tweet."""
    root = as_mapping(document, "document")
    data = root.get("data")
    if data is None:
        errors = root.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0] if isinstance(errors[0], Mapping) else {}
            detail = first.get("detail") or first.get("title") or first
            raise PayloadError(f"X answered with an error: {_short(detail)}")
        meta = root.get("meta")
        if isinstance(meta, Mapping) and meta.get("result_count") == 0:
            return ParseResult()
        raise PayloadError("not an X API v2 timeline (no data, errors or meta key)")
    items = [data] if isinstance(data, Mapping) else as_list(data, "data")
    originals = _x_originals(items)
    result = _result("tweet", items, lambda item: _x_post(item, originals, context), context)
    # Deleted tweets are not noticed: each run reads only tweets newer than the last one seen.
    return replace(result, seen=None)


def _x_originals(items: list[Any]) -> dict[str, str]:
    """Every tweet version id in the document -> the id of its first version."""
    out: dict[str, str] = {}
    for item in items:
        history = item.get("edit_history_tweet_ids") if isinstance(item, Mapping) else None
        if isinstance(history, list) and history and all(isinstance(h, str) for h in history):
            out.update(dict.fromkeys(history, history[0]))
    return out


def _x_post(item: Mapping[str, Any], originals: Mapping[str, str], context: Context) -> Post:
    tweet_id = id_field(item)
    history = item.get("edit_history_tweet_ids")
    original = tweet_id
    if history is not None:
        versions = as_list(history, "edit_history_tweet_ids")
        if not versions or not all(isinstance(v, str) and v.isdigit() for v in versions):
            raise PayloadError("edit_history_tweet_ids is not a list of tweet ids")
        original = versions[0]
    kinds: dict[str, str] = {}
    for ref in as_list(item.get("referenced_tweets"), "referenced_tweets"):
        if isinstance(ref, Mapping):
            kinds[text_field(ref, "type")] = text_field(ref, "id")
    author, to_user = item.get("author_id"), item.get("in_reply_to_user_id")
    own_reply = to_user is not None and author is not None and str(to_user) == str(author)
    parent = kinds.get("replied_to") or None
    text = html.unescape(text_field(item, "text"))  # X escapes &, < and > in tweet text
    refs: list[object] = []
    entities = item.get("entities")
    urls = entities.get("urls") if isinstance(entities, Mapping) else None
    for entity in urls if isinstance(urls, list) else []:
        if not isinstance(entity, Mapping):
            continue
        target = safe_http_url(entity.get("unwound_url")) or safe_http_url(
            entity.get("expanded_url")
        )
        short = entity.get("url")
        if target and isinstance(short, str) and short:
            text = text.replace(short, target)
        refs.append(target)
    return Post(
        platform="x",
        native_id=original,
        short_id=original,
        stamp=_stamp(item, "created_at", context),
        text=clean_text(text),
        url=f"https://x.com/i/web/status/{tweet_id}",
        refs=_unique(refs),
        reply_to=originals.get(parent, parent) if own_reply and parent else None,
        replies_to_other=to_user is not None and not own_reply,
        repost="retweeted" in kinds,
    )


# -- shared ----------------------------------------------------------------------------------


def _result(
    what: str, items: list[Any], read: Callable[[Mapping[str, Any]], Post], context: Context
) -> ParseResult:
    problems: list[ItemProblem] = []
    posts: list[Post] = collect_items(items, what, read, problems, limit=context.max_items)
    return posts_result(posts, problems, context)


def posts_result(posts: list[Post], problems: list[ItemProblem], context: Context) -> ParseResult:
    """The parse result of a document's posts: drafts, set-aside posts and the span seen."""
    drafts, set_aside = drafts_from_posts(posts, context)
    seen = _seen(posts, problems)
    return ParseResult(tuple(drafts), tuple(problems), len(set_aside), seen, set_aside=set_aside)


# Wording that says the work goes on ("We are continuing to investigate", "still working on a
# fix"): Statuspage's usual "Update" step, posted on its own when an account has no reply ids.
_ONGOING = re.compile(
    r"\b(?:continu(?:e|es|ing) to|(?:is|are|am|'s|'re) still|still (?:investigating|working|"
    r"looking|seeing|monitoring))\b",
    re.IGNORECASE,
)


def says_ongoing(text: str) -> bool:
    """Whether a post says the work on an incident goes on rather than that one began."""
    return _ONGOING.search(text) is not None


def confident(reading: Classification) -> bool:
    """Whether the classifier is sure enough that a post is an incident update for it to open a
    thread on a brand account (whose posts are mostly news). The one place that says so."""
    return reading.phase is not None and reading.strength >= BRAND_STRENGTH


def drafts_from_posts(
    posts: Iterable[Post], context: Context
) -> tuple[list[IncidentDraft], tuple[SetAside, ...]]:
    """The drafts among ``posts`` (oldest first), and the posts set aside as no updates."""
    latest: dict[str, Post] = {}
    for post in sorted(posts, key=lambda p: (p.stamp.at, p.url or "")):
        latest[post.native_id] = post  # an edited tweet listed twice: its latest version wins
    drafts: list[IncidentDraft] = []
    decided: dict[str, tuple[Phase, Kind]] = {}
    set_aside: list[SetAside] = []
    for post in sorted(latest.values(), key=lambda p: (p.stamp.at, p.native_id)):
        if post.repost or post.replies_to_other:
            reason = REPOST if post.repost else REPLY_TO_OTHER
            set_aside.append(SetAside(post.native_id, post.stamp, post.text, reason, post.url))
            continue
        reading = classify_post(post.text, in_thread=post.reply_to is not None)
        if reading.phase is not None:
            phase = reading.phase
            kind = Kind.MAINTENANCE if phase in MAINTENANCE_PHASES else Kind.INCIDENT
            evidence = (
                f'phrase "{reading.phrase}" (rule {reading.rule}, '
                f"confidence {reading.confidence:.2f})"
            )
        elif post.reply_to is not None:
            if post.reply_to in decided:
                phase, kind = decided[post.reply_to]
                evidence = f"{CONTINUATION}: phase of the post it replies to"
            else:
                phase, kind = Phase.INVESTIGATING, Kind.INCIDENT
                evidence = PARENT_UNSEEN
        else:
            marker = f'marker "{reading.phrase}" (rule {reading.rule})' if reading.rule else ""
            set_aside.append(
                SetAside(
                    post.native_id, post.stamp, post.text, NO_SIGNAL_REASON, post.url, None, marker
                )
            )
            continue
        decided[post.native_id] = (phase, kind)
        draft = _draft(post, phase, kind, evidence, context)
        drafts.append(replace(draft, confident=confident(reading)))
    return drafts, tuple(set_aside)


def _draft(post: Post, phase: Phase, kind: Kind, evidence: str, context: Context) -> IncidentDraft:
    update = UpdateDraft(
        native_id=post.native_id,
        stamp=post.stamp,
        phase=phase,
        label=None,
        evidence=evidence,
        text=post.text,
        url=post.url,
        refs=post.refs,
    )
    return IncidentDraft(
        key=f"{post.platform}-{post.short_id}",
        native_id=post.native_id,
        vendor=context.vendor,
        kind=kind,
        title=title_of(post.text),
        impact=Impact.UNKNOWN,
        updates=(update,),
        url=post.url,
        started=post.stamp,
        resolved=post.stamp if phase in FINAL_PHASES else None,
        reply_to=post.reply_to,
    )


def _seen(posts: list[Post], problems: list[ItemProblem]) -> Seen | None:
    """The span the posts cover; None when an item could not be read (it may be any post)."""
    own = [p for p in posts if not p.repost and not p.pinned]
    if problems or not own:
        return None
    return Seen(frozenset(p.native_id for p in posts), min(p.stamp.at for p in own))


def title_of(text: str) -> str:
    """The first line of the text, cut at a word near :data:`TITLE_LENGTH` characters."""
    first = next((line for line in text.split("\n") if line.strip()), "")
    line = clean_line(first)
    if len(line) <= TITLE_LENGTH:
        return line or "(no text)"
    cut = line[: TITLE_LENGTH - 1]
    if " " in cut[TITLE_LENGTH // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "…"


def _stamp(item: Mapping[str, Any], key: str, context: Context) -> Stamp:
    value = item.get(key)
    if value is None or value == "":
        raise PayloadError(f"no {key}")
    return clamp_future(parse_time(value), context.now)


def _unique(urls: Iterable[object]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(u for url in urls if (u := safe_http_url(url))))


def _short(value: object) -> str:
    return repr(clean_line(str(value))[:120])
