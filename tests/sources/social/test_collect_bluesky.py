"""The Bluesky collector through the real pipeline: cassettes (record mode none) and a real
127.0.0.1 server standing in for the AppView."""

from __future__ import annotations

import json
from typing import Any

import pytest

from incident_feed.clock import Clock
from incident_feed.sources import registry
from incident_feed.sources.base import decode_cursor, encode_cursor
from incident_feed.sources.bluesky import BlueskyCollector
from incident_feed.sources.http import Fetcher
from incident_feed.store.database import Store
from tests.conftest import FIXTURES
from tests.sources.conftest import FetcherFactory, replay
from tests.sources.server import LocalServer, json_reply, respond, sequence
from tests.sources.social.conftest import cassette_json, run, social_source, updates_of
from tests.tools import social_derive as sd

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])

SEED = "social/bluesky/openai-seed.yaml"
PAGING = "social/bluesky/openai-seed-paging.yaml"


@pytest.fixture(scope="module")
def thread() -> Any:
    path = FIXTURES / "social/bluesky/thread_view_post_with_embed_media.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_first_run_reads_one_page_without_reposts_or_replies_to_others(
    store: Store, replay_fetcher: Fetcher, clock: Clock
) -> None:
    src = social_source("openai-bluesky", "bluesky", "https://bsky.app/profile/openai.example")
    with replay(SEED) as cassette:
        outcome = run(store, replay_fetcher, src, clock)
        assert cassette.all_played
    assert (outcome.status, outcome.stats.updates_new) == ("ok", 3)
    feed = cassette_json(SEED)["feed"]
    updates = updates_of(store, src.name)
    assert set(updates) == {feed[0]["post"]["uri"], feed[2]["post"]["uri"], feed[4]["post"]["uri"]}
    assert [updates[feed[i]["post"]["uri"]]["phase"] for i in (4, 2, 0)] == [
        "identified",
        "remediating",
        "resolved",
    ]
    cursor = decode_cursor(store.source_states()[src.name]["cursor"], "openai.example")
    assert cursor["uri"] == feed[0]["post"]["uri"]
    assert cursor["at"].startswith("2024-12-12T03:46:00")  # post 3: 03:38 + 8 min


def test_pages_are_followed_until_a_seen_post(
    store: Store, replay_fetcher: Fetcher, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.COLLECTORS, "bluesky", BlueskyCollector(page_size=2))
    src = social_source("openai-bluesky", "bluesky", "openai.example")
    feed = cassette_json(SEED)["feed"]
    seen = feed[4]["post"]  # post 1 was stored by an earlier run
    store.record_source_result(
        {"name": src.name, "vendor": src.vendor, "kind": src.kind, "url": src.url},
        now=clock(),
        error=None,
        cursor=encode_cursor("openai.example", at=seen["indexedAt"], uri=seen["uri"]),
    )
    with replay(PAGING) as cassette:
        outcome = run(store, replay_fetcher, src, clock)
        assert cassette.all_played  # three pages: the third holds the post already seen
    assert outcome.stats.updates_new == 3 and outcome.status == "ok"


def test_hostile_text_is_stored_inert_and_deleted_posts_are_marked(
    store: Store,
    make_fetcher: FetcherFactory,
    server: LocalServer,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    thread: Any,
) -> None:
    monkeypatch.setitem(registry.COLLECTORS, "bluesky", BlueskyCollector(appview=server.url()))
    items = sd.bluesky_seed(thread)
    hostile = sd.bsky_post(
        thread,
        "2024-12-12T03:50:00.000Z",
        "We are investigating \x1b[2J\x1b]0;owned\x07 [@click=app.quit]x[/] <script>alert(1)</script>"
        " \u202egnp.exe",
    )
    first = {"cursor": "c", "feed": [{"post": hostile}, *items]}
    without_remediation = {"cursor": "c", "feed": [{"post": hostile}, *items[:2], *items[3:]]}
    server.route(
        "/xrpc/app.bsky.feed.getAuthorFeed",
        sequence(json_reply(first), json_reply(without_remediation), json_reply(first)),
    )
    src = social_source("local", "bluesky", "openai.example")
    fetcher = make_fetcher()
    assert run(store, fetcher, src, clock).stats.updates_new == 4
    text = updates_of(store, src.name)[hostile["uri"]]["text"]
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "[@click=app.quit]x[/]" in text and "<script>alert(1)</script>" in text  # inert text
    second = run(store, fetcher, src, clock)
    assert second.deleted == 1
    gone = items[2]["post"]["uri"]
    assert updates_of(store, src.name)[gone]["deleted_at"] is not None
    third = run(store, fetcher, src, clock)  # it is back (e.g. a moderation flip): unmarked
    assert third.deleted == 0 and updates_of(store, src.name)[gone]["deleted_at"] is None
    request = server.requests_to("/xrpc/app.bsky.feed.getAuthorFeed")[0]
    assert (
        "actor=openai.example" in request.target and "filter=posts_with_replies" in request.target
    )
    assert "authorization" not in request.headers


def test_a_429_with_retry_after_defers_the_account(
    store: Store,
    make_fetcher: FetcherFactory,
    server: LocalServer,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The AppView's 429 is a rate limit, as for every kind: the next attempt waits for its
    Retry-After and sends nothing before (it was once read as a plain fetch error)."""
    monkeypatch.setitem(registry.COLLECTORS, "bluesky", BlueskyCollector(appview=server.url()))
    server.route(
        "/xrpc/app.bsky.feed.getAuthorFeed",
        respond(b'{"error":"RateLimitExceeded"}', 429, {"Retry-After": "600"}),
    )
    src = social_source("local", "bluesky", "openai.example")
    first = run(store, make_fetcher(), src, clock)
    assert first.status == "failed" and "429" in (first.error or "")
    until = store.source_states()[src.name]["retry_after_until"]
    assert until is not None and 590 <= (until - clock()).total_seconds() <= 601
    second = run(store, make_fetcher(), src, clock)
    assert second.status == "deferred" and "rate limited" in (second.error or "")
    assert server.count("/xrpc/app.bsky.feed.getAuthorFeed") == 1
