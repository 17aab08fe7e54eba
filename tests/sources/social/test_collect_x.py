"""The X collector through the real pipeline: cassettes (record mode none), and rate limits,
tokens and redirects on a real 127.0.0.1 server."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from incident_feed.clock import Clock
from incident_feed.pipeline import collect
from incident_feed.sources import registry
from incident_feed.sources.base import decode_cursor
from incident_feed.sources.http import Fetcher, parse_rate_limit_reset
from incident_feed.sources.x import XCollector
from incident_feed.store.database import Store
from tests.conftest import FIXTURES, NOW, make_config
from tests.sources.conftest import FetcherFactory, replay
from tests.sources.server import LocalServer, json_reply, redirect, respond, sequence
from tests.sources.social.conftest import cassette_json, run, social_source, updates_of
from tests.tools import social_derive as sd

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])

THREAD = "social/x/msft365status-2024-07-19.yaml"
EDIT = "social/x/msft365status-edit.yaml"
TOKEN = "AAAAAAAAAAAAAAAAAAAAAtest%2Btoken%3Dsecret0123456789"


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("X_TEST_TOKEN", TOKEN)
    return TOKEN


def msft() -> Any:
    return social_source(
        "microsoft365-x", "x", "https://x.com/MSFT365Status", "Microsoft 365", "X_TEST_TOKEN"
    )


def test_lookup_then_since_id_runs(
    store: Store, replay_fetcher: Fetcher, clock: Clock, token: str
) -> None:
    src = msft()
    with replay(THREAD) as cassette:
        one = run(store, replay_fetcher, src, clock)
        two = run(store, replay_fetcher, src, clock)
        three = run(store, replay_fetcher, src, clock)
        assert cassette.all_played  # lookup once; then since_id = newest of the run before
    assert (one.stats.updates_new, two.stats.updates_new, three.stats.updates_new) == (2, 2, 0)
    tweets = cassette_json(THREAD, 2)["data"] + cassette_json(THREAD, 1)["data"]
    updates = updates_of(store, src.name)
    a, b, c, d = (updates[t["id"]] for t in reversed(tweets))
    # Each post of the thread says it is mitigating ("rerouting", "mitigate"...); the replies'
    # continuation across runs is tested in tests/decide/linking/test_threads.py.
    assert [u["phase"] for u in (a, b, c, d)] == ["remediating"] * 4
    assert all(u["evidence"].startswith('phrase "') for u in (a, b, c, d))
    assert len({u["incident_id"] for u in (a, b, c, d)}) == 1  # one thread
    cursor = decode_cursor(store.source_states()[src.name]["cursor"], "msft365status")
    assert cursor == {"account": "msft365status", "id": sd.MSFT_USER_ID, "newest": tweets[0]["id"]}


def test_an_edit_updates_the_original_in_place(
    store: Store, replay_fetcher: Fetcher, clock: Clock, token: str
) -> None:
    src = msft()
    with replay(EDIT):
        run(store, replay_fetcher, src, clock)
        (original,) = updates_of(store, src.name).values()
        second = run(store, replay_fetcher, src, clock)
    (edited,) = updates_of(store, src.name).values()
    assert (second.stats.updates_new, second.stats.updates_changed) == (0, 1)
    assert edited["id"] == original["id"] and edited["native_id"] == original["native_id"]
    assert "MO821132" in edited["text"] and "MO821132" not in original["text"]


def test_a_missing_token_fails_that_source_only(
    store: Store,
    make_fetcher: FetcherFactory,
    server: LocalServer,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("X_NOT_SET", raising=False)
    monkeypatch.setitem(registry.COLLECTORS, "x", XCollector(api=server.url()))
    bodies = sd.mastodon_bodies(FIXTURES)
    server.route("/api/v1/accounts/lookup", json_reply({"id": "7"}))
    server.route("/api/v1/accounts/7/statuses", json_reply(sd.mastodon_seed(bodies)))
    config = make_config(
        {
            "name": "x",
            "vendor": "V",
            "kind": "x",
            "url": "@MSFT365Status",
            "token_env": "X_NOT_SET",
        },
        {"name": "m", "vendor": "V", "kind": "mastodon", "url": f"{server.base_url}/@openai"},
        allow_loopback=True,
    )
    report = collect(config, store, make_fetcher(), clock=clock, workers=1)
    x, mastodon = report.outcomes
    assert x.status == "failed"
    assert x.error == (
        "x: environment variable X_NOT_SET is not set or empty: it must hold the X API bearer "
        "token to read @MSFT365Status"
    )
    assert mastodon.status == "ok" and mastodon.stats.updates_new == 3
    assert server.count("/2/users/by/username/MSFT365Status") == 0


def test_a_refused_token_never_shows_up(
    store: Store,
    make_fetcher: FetcherFactory,
    server: LocalServer,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    token: str,
) -> None:
    monkeypatch.setitem(registry.COLLECTORS, "x", XCollector(api=server.url()))
    server.route(
        "/2/users/by/username/MSFT365Status",
        json_reply(
            {
                "title": "Unauthorized",
                "type": "about:blank",
                "status": 401,
                "detail": "Unauthorized",
            },
            401,
        ),
    )
    caplog.set_level(logging.DEBUG)
    outcome = run(store, make_fetcher(), msft(), clock)
    assert outcome.status == "failed"
    assert "HTTP 401" in (outcome.error or "") and "$X_TEST_TOKEN" in (outcome.error or "")
    (request,) = server.requests_to("/2/users/by/username/MSFT365Status")
    assert request.headers["authorization"] == f"Bearer {token}"
    state = store.source_states()["microsoft365-x"]
    stored = " ".join(str(v) for v in state.values())
    everything = stored + (outcome.error or "") + caplog.text + repr(report_of(store))
    assert token not in everything and "test%2Btoken" not in everything


def report_of(store: Store) -> Any:
    return [dict(r) for r in store.last_runs()]


def test_429_with_x_rate_limit_reset_defers_the_source(
    store: Store,
    make_fetcher: FetcherFactory,
    server: LocalServer,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    token: str,
) -> None:
    monkeypatch.setitem(registry.COLLECTORS, "x", XCollector(api=server.url()))
    reset = int(time.time()) + 900
    server.route(
        "/2/users/by/username/MSFT365Status",
        respond(
            b'{"title":"Too Many Requests","status":429}', 429, {"x-rate-limit-reset": str(reset)}
        ),
    )
    first = run(store, make_fetcher(), msft(), clock)
    assert first.status == "failed" and "HTTP 429" in (first.error or "")
    until = store.source_states()["microsoft365-x"]["retry_after_until"]
    assert 880 <= (until - NOW).total_seconds() <= 901
    second = run(store, make_fetcher(), msft(), clock)
    assert second.status == "deferred" and "rate limited" in (second.error or "")
    assert server.count() == 1


def test_authorization_is_dropped_on_a_redirect_to_another_origin(
    store: Store,
    make_fetcher: FetcherFactory,
    server: LocalServer,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    token: str,
) -> None:
    with LocalServer() as elsewhere:
        elsewhere.route("/2/users/by/username/MSFT365Status", json_reply({"data": {"id": "1"}}))
        elsewhere.route("/2/users/1/tweets", json_reply({"meta": {"result_count": 0}}))
        server.route(
            "/2/users/by/username/MSFT365Status",
            redirect(elsewhere.url("/2/users/by/username/MSFT365Status")),
        )
        server.route("/2/users/1/tweets", json_reply({"meta": {"result_count": 0}}))
        monkeypatch.setitem(registry.COLLECTORS, "x", XCollector(api=server.url()))
        outcome = run(store, make_fetcher(), msft(), clock)
    elsewhere.check()
    assert outcome.status == "ok", outcome.error
    (moved,) = elsewhere.requests_to("/2/users/by/username/MSFT365Status")
    assert "authorization" not in moved.headers
    (same,) = server.requests_to("/2/users/1/tweets")
    assert same.headers["authorization"] == f"Bearer {token}"


def test_rate_limit_reset_parsing() -> None:
    now = NOW
    at = int(now.timestamp())
    assert parse_rate_limit_reset(str(at + 60), now) == 60
    assert parse_rate_limit_reset(str(at - 60), now) == 1.0  # already past: retry soon
    assert parse_rate_limit_reset(str(at + 10**6), now) == 6 * 3600.0
    for junk in (None, "", "soon", "-5", "1e9", "9" * 40):
        assert parse_rate_limit_reset(junk, now) is None


def test_an_unknown_account_is_one_clear_error(
    store: Store,
    make_fetcher: FetcherFactory,
    server: LocalServer,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    token: str,
) -> None:
    monkeypatch.setitem(registry.COLLECTORS, "x", XCollector(api=server.url()))
    # X answers an unknown username with 200 and an ``errors`` list (API v2 reference shape).
    server.route(
        "/2/users/by/username/MSFT365Status",
        json_reply(
            {
                "errors": [
                    {
                        "detail": "Could not find user with username: [MSFT365Status].",
                        "title": "Not Found Error",
                    }
                ]
            }
        ),
    )
    outcome = run(store, make_fetcher(), msft(), clock)
    assert outcome.error == "microsoft365-x: X account @MSFT365Status: no such account"


def test_new_tweets_beyond_one_page_are_paged_with_next_token(
    store: Store,
    make_fetcher: FetcherFactory,
    server: LocalServer,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    token: str,
) -> None:
    monkeypatch.setitem(registry.COLLECTORS, "x", XCollector(api=server.url(), page_size=5))
    page1 = cassette_json(THREAD, 1)  # tweets b, a (newest first)
    page2 = cassette_json(THREAD, 2)  # tweets d, c
    newer = {
        "data": page2["data"],
        "meta": {**page2["meta"], "next_token": "7140dibdnow9c7btw4232"},
    }
    server.route("/2/users/by/username/MSFT365Status", json_reply({"data": {"id": "1"}}))
    server.route(
        "/2/users/1/tweets",
        sequence(json_reply(page1), json_reply(newer), json_reply({"meta": {"result_count": 0}})),
    )
    fetcher = make_fetcher()
    run(store, fetcher, msft(), clock)  # first run: one page, no since_id
    second = run(store, fetcher, msft(), clock)
    assert second.stats.updates_new == 2 and second.documents == 2
    first, paged, last = (r.target for r in server.requests_to("/2/users/1/tweets"))
    assert "since_id" not in first
    assert f"since_id={page1['meta']['newest_id']}" in paged and "pagination_token" not in paged
    assert "pagination_token=7140dibdnow9c7btw4232" in last and "since_id=" in last
    cursor = decode_cursor(store.source_states()["microsoft365-x"]["cursor"], "msft365status")
    assert cursor["newest"] == page2["meta"]["newest_id"]
