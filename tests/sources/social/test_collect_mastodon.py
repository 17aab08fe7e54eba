"""The Mastodon collector through the real pipeline: cassettes (record mode none) and faults on a
real 127.0.0.1 server."""

from __future__ import annotations

import json

import pytest

from incident_feed.clock import Clock
from incident_feed.config import parse_account
from incident_feed.pipeline import collect
from incident_feed.sources import registry
from incident_feed.sources.base import decode_cursor, encode_cursor
from incident_feed.sources.http import Fetcher
from incident_feed.sources.mastodon import MastodonCollector
from incident_feed.store.database import Store
from tests.conftest import FIXTURES, make_config
from tests.sources.conftest import FetcherFactory, replay
from tests.sources.server import LocalServer, conditional, json_reply, not_found, respond, sequence
from tests.sources.social.conftest import (
    cassette_json,
    incidents_by_native,
    run,
    social_source,
    updates_of,
)
from tests.tools import social_derive as sd

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])

SEED = "social/mastodon/openai-seed.yaml"
RUNS = "social/mastodon/openai-seed-runs.yaml"
GAP = "social/mastodon/openai-seed-gap.yaml"
ACCOUNT = "@openai@mastodon.example"


def test_lookup_then_statuses_gives_the_seed_thread(
    store: Store, replay_fetcher: Fetcher, clock: Clock
) -> None:
    src = social_source("openai-mastodon", "mastodon", ACCOUNT)
    with replay(SEED) as cassette:
        outcome = run(store, replay_fetcher, src, clock)
        assert cassette.all_played
    assert (outcome.status, outcome.error) == ("ok", None)
    # One thread: the second and third posts reply to the first.
    assert (outcome.stats.incidents_new, outcome.stats.updates_new) == (1, 3)
    statuses = cassette_json(SEED, 1)
    updates = updates_of(store, src.name)
    assert [updates[s["id"]]["phase"] for s in reversed(statuses)] == [
        "identified",
        "remediating",
        "resolved",
    ]
    incidents = incidents_by_native(store, src.name)
    assert incidents[statuses[0]["id"]]["resolved_at"] == updates[statuses[0]["id"]]["at"]
    assert len({incidents[s["id"]]["id"] for s in statuses}) == 1
    state = decode_cursor(store.source_states()[src.name]["cursor"], "openai@mastodon.example")
    assert state == {
        "account": "openai@mastodon.example",
        "id": sd.MASTODON_ACCOUNT_ID,
        "newest": statuses[0]["id"],
    }


def test_edit_updates_in_place_and_delete_is_marked(
    store: Store, replay_fetcher: Fetcher, clock: Clock
) -> None:
    src = social_source("openai-mastodon", "mastodon", ACCOUNT)
    first_id = cassette_json(RUNS, 1)[0]["id"]
    with replay(RUNS) as cassette:
        one = run(store, replay_fetcher, src, clock)  # lookup + post 1 (first sentence only)
        before = updates_of(store, src.name)[first_id]
        two = run(store, replay_fetcher, src, clock)  # post 2 new, post 1 edited
        after = updates_of(store, src.name)
        three = run(store, replay_fetcher, src, clock)  # post 3 new, post 2 gone
        assert cassette.all_played  # one lookup only: the account id came from the cursor
    assert (one.stats.updates_new, one.stats.updates_changed) == (1, 0)
    assert before["phase"] == "investigating" and before["text"] == sd.SEED_FIRST_DRAFT
    assert (two.stats.updates_new, two.stats.updates_changed) == (1, 1)
    edited = after[first_id]
    assert edited["id"] == before["id"] and edited["phase"] == "identified"
    assert edited["text"].endswith("working to roll out a fix.")
    assert (three.stats.updates_new, three.deleted) == (1, 1)
    final = updates_of(store, src.name)
    second_id = cassette_json(RUNS, 2)[0]["id"]
    assert final[second_id]["deleted_at"] is not None and final[second_id]["text"]
    assert final[first_id]["deleted_at"] is None and len(final) == 3


def test_a_gap_is_paged_with_since_id(
    store: Store, replay_fetcher: Fetcher, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.COLLECTORS, "mastodon", MastodonCollector(page_size=2))
    src = social_source("openai-mastodon", "mastodon", ACCOUNT)
    first_id = cassette_json(SEED, 1)[2]["id"]
    cursor = encode_cursor("openai@mastodon.example", id=sd.MASTODON_ACCOUNT_ID, newest=first_id)
    store.record_source_result(
        {"name": src.name, "vendor": src.vendor, "kind": src.kind, "url": src.url},
        now=clock(),
        error=None,
        cursor=cursor,
    )
    with replay(GAP) as cassette:
        outcome = run(store, replay_fetcher, src, clock)
        assert cassette.all_played  # no lookup; the window page, then since_id=<post 1>
    assert outcome.stats.updates_new == 2
    newest = cassette_json(GAP, 0)[0]["id"]
    assert json.loads(store.source_states()[src.name]["cursor"])["newest"] == newest


def test_cursor_is_kept_only_after_a_stored_run(
    store: Store, make_fetcher: FetcherFactory, server: LocalServer, clock: Clock
) -> None:
    """A run whose statuses cannot be read keeps the old cursor (no paging past unstored posts),
    and the source's error is recorded while the run goes on."""
    bodies = sd.mastodon_bodies(FIXTURES)
    account = dict(sd.mastodon_account(bodies), id="7")
    seed = sd.mastodon_seed(bodies)
    server.route("/api/v1/accounts/lookup", json_reply(account))
    server.route(
        "/api/v1/accounts/7/statuses",
        sequence(json_reply(seed[2:]), respond(b'[{"id": "1", oops'), json_reply(seed)),
    )
    src = social_source("local", "mastodon", f"{server.base_url}/@openai")
    fetcher = make_fetcher()
    label = parse_account("mastodon", src.url).label
    first = run(store, fetcher, src, clock)
    assert first.status == "ok"
    saved = store.source_states()[src.name]["cursor"]
    assert decode_cursor(saved, label)["newest"] == seed[2]["id"]
    failed = run(store, fetcher, src, clock)
    assert failed.status == "failed" and "invalid JSON" in (failed.error or "")
    assert store.source_states()[src.name]["cursor"] == saved
    again = run(store, fetcher, src, clock)
    assert again.status == "ok" and again.stats.updates_new == 2
    assert (
        decode_cursor(store.source_states()[src.name]["cursor"], label)["newest"] == seed[0]["id"]
    )
    assert server.count("/api/v1/accounts/lookup") == 1


def test_malformed_json_fails_only_that_source(
    store: Store, make_fetcher: FetcherFactory, server: LocalServer, clock: Clock
) -> None:
    bodies = sd.mastodon_bodies(FIXTURES)
    server.route("/api/v1/accounts/lookup", json_reply({"id": "7"}))
    server.route("/api/v1/accounts/7/statuses", respond(b'[{"id": "1", "created_at": oops'))
    with LocalServer() as other:  # a second instance, serving the seed
        other.route("/api/v1/accounts/lookup", json_reply({"id": "8"}))
        other.route("/api/v1/accounts/8/statuses", json_reply(sd.mastodon_seed(bodies)))
        config = make_config(
            {
                "name": "broken",
                "vendor": "OpenAI",
                "kind": "mastodon",
                "url": f"{server.base_url}/@a",
            },
            {"name": "fine", "vendor": "OpenAI", "kind": "mastodon", "url": f"{other.base_url}/@b"},
            allow_loopback=True,
        )
        report = collect(config, store, make_fetcher(), clock=clock, workers=1)
    other.check()
    broken, fine = report.outcomes
    assert broken.status == "failed" and broken.error is not None
    assert broken.error.startswith("broken: ") and "invalid JSON" in broken.error
    assert fine.status == "ok" and fine.stats.updates_new == 3
    assert store.source_states()["broken"]["consecutive_failures"] == 1
    assert store.source_states()["broken"]["cursor"] is None


def test_an_unchanged_page_is_not_parsed_and_a_stale_account_id_is_looked_up_again(
    store: Store, make_fetcher: FetcherFactory, server: LocalServer, clock: Clock
) -> None:
    bodies = sd.mastodon_bodies(FIXTURES)
    body = json.dumps(sd.mastodon_seed(bodies)).encode()
    server.route(
        "/api/v1/accounts/lookup", sequence(json_reply({"id": "7"}), json_reply({"id": "9"}))
    )
    first_two = conditional(body, '"v1"')
    server.route("/api/v1/accounts/7/statuses", sequence(first_two, first_two, not_found()))
    server.route("/api/v1/accounts/9/statuses", json_reply(json.loads(body)))
    src = social_source("local", "mastodon", f"{server.base_url}/@openai")
    fetcher = make_fetcher()
    assert run(store, fetcher, src, clock).stats.updates_new == 3
    same = run(store, fetcher, src, clock)  # If-None-Match "v1" -> 304: nothing to parse
    assert same.status == "unchanged" and same.error is None
    assert server.requests_to("/api/v1/accounts/7/statuses")[1].headers["if-none-match"] == '"v1"'
    moved = run(store, fetcher, src, clock)  # the account id went stale (404): look it up again
    assert moved.status == "ok" and moved.stats.updates_new == 0
    label = parse_account("mastodon", src.url).label
    assert decode_cursor(store.source_states()[src.name]["cursor"], label)["id"] == "9"
    assert server.count("/api/v1/accounts/lookup") == 2


def test_the_same_page_without_validators_is_not_parsed_and_keeps_the_cursor(
    store: Store,
    make_fetcher: FetcherFactory,
    server: LocalServer,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No ETag: the page's digest tells it is the same, and the run is as for a 304."""
    seed = sd.mastodon_seed(sd.mastodon_bodies(FIXTURES))
    server.route("/api/v1/accounts/lookup", json_reply({"id": "7"}))
    same_twice = [json_reply(seed), json_reply(seed)]
    server.route("/api/v1/accounts/7/statuses", sequence(*same_twice, json_reply(seed[1:])))
    src = social_source("local", "mastodon", f"{server.base_url}/@openai")
    fetcher = make_fetcher()
    assert run(store, fetcher, src, clock).stats.updates_new == 3
    saved = store.source_states()[src.name]["cursor"]
    parsed: list[str] = []
    original = MastodonCollector.parse

    def counting(self: MastodonCollector, document: object, context: object) -> object:
        parsed.append(document.url)  # type: ignore[attr-defined]
        return original(self, document, context)  # type: ignore[arg-type]

    monkeypatch.setattr(MastodonCollector, "parse", counting)
    same = run(store, fetcher, src, clock)
    assert (same.status, same.error, same.documents) == ("unchanged", None, 0)
    assert parsed == []
    assert store.source_states()[src.name]["cursor"] == saved
    changed = run(store, fetcher, src, clock)  # the newest post deleted upstream
    assert changed.status == "ok" and len(parsed) == 1
    assert changed.deleted == 1
