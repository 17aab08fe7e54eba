"""Social threads linked to status-page incidents, grouping, undo, lag and stats."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from incident_feed.decide.stats import summarize
from incident_feed.errors import IncidentFeedError, LinkRefused
from incident_feed.store.database import Store
from incident_feed.store.links import channels_for, link_changed, manual_link, unlink
from incident_feed.store.stats import load_outages
from incident_feed.store.threads import thread_posts
from tests.decide.linking.posts import (
    FIRST,
    SOCIAL,
    STATUS,
    at,
    post,
    seed_posts,
    seed_status_drafts,
)

NOW = at("2026-11-25T12:00")
THREAD = "openai-mastodon-113651000000000001"
STATUS_ID = "openai-ctrsv3lwd797"


def store_posts(store: Store, drafts: list) -> None:  # type: ignore[type-arg]
    threaded = thread_posts(store, SOCIAL.name, SOCIAL.vendor, drafts).drafts
    stats = store.apply(SOCIAL.name, SOCIAL.kind, threaded, NOW)
    link_changed(store, SOCIAL.vendor, stats.changed_ids, NOW)


def store_status(store: Store, drafts: list | None = None) -> None:  # type: ignore[type-arg]
    stats = store.apply(STATUS.name, STATUS.kind, drafts or seed_status_drafts(), NOW)
    link_changed(store, STATUS.vendor, stats.changed_ids, NOW)


def another_incident(seed: Any, key: str, title: str) -> Any:
    """A second status-page incident at the seed's times, with updates of its own."""
    other = dataclasses.replace(seed, key=key, native_id=key, title=title, url=None)
    return dataclasses.replace(
        other,
        updates=tuple(
            dataclasses.replace(u, native_id=f"{key}-{u.native_id}") for u in other.updates
        ),
    )


def links_of(store: Store, incident_id: str) -> list[tuple[str, str, str, float, str]]:
    return [
        (r["incident_id"], r["target_id"], r["state"], r["confidence"], r["reason"])
        for r in channels_for(store, [incident_id])[incident_id].links
    ]


@pytest.mark.parametrize("posts_first", [True, False], ids=["posts-first", "status-first"])
def test_the_seed_thread_links_to_its_status_incident(store: Store, posts_first: bool) -> None:
    if posts_first:
        store_posts(store, seed_posts())
        store_status(store)
    else:
        store_status(store)
        store_posts(store, seed_posts())
    [(thread, target, state, confidence, reason)] = links_of(store, THREAD)
    assert (thread, target, state) == (THREAD, STATUS_ID, "auto")
    assert 0.6 <= confidence < 1.0
    assert reason.startswith("started 4 min apart; both name ")
    assert {"api", "chatgpt", "sora"} <= set(reason.split("name ")[1].split(", "))
    channels = channels_for(store, [STATUS_ID, THREAD])
    for incident in (STATUS_ID, THREAD):
        assert channels[incident].first_social_at == at("2024-12-11T23:12")
        assert channels[incident].first_status_at == at("2024-12-11T23:40")


def test_a_link_in_a_post_is_an_explicit_reference(store: Store) -> None:
    store_status(store)
    first = post("1", "2024-12-11T20:00:00", "We're investigating errors. Follow "
                 "https://status.openai.com/incidents/ctrsv3lwd797 for updates",
                 refs=("https://status.openai.com/incidents/ctrsv3lwd797",))  # fmt: skip
    store_posts(store, [first])
    [(_, target, _, confidence, reason)] = links_of(store, "openai-mastodon-1")
    assert (target, confidence) == (STATUS_ID, 1.0)
    assert reason == "a post links to https://status.openai.com/incidents/ctrsv3lwd797"


def test_a_tweet_id_on_a_status_update_is_an_explicit_reference(store: Store) -> None:
    drafts = seed_status_drafts()
    incident = drafts[0]
    tagged = dataclasses.replace(
        incident.updates[0], refs=("tweet:1867", *incident.updates[0].refs)
    )
    store_status(store, [dataclasses.replace(incident, updates=(tagged, *incident.updates[1:]))])
    store_posts(
        store, [post("1867", "2024-12-11T21:00:00", "We're looking into reports of errors.")]
    )
    [(_, target, _, confidence, reason)] = links_of(store, "openai-mastodon-1867")
    assert (target, confidence) == (STATUS_ID, 1.0)
    assert reason == "the status page names post 1867 (tweet_id)"


def test_time_alone_links_only_when_close(store: Store) -> None:
    store_status(store)
    store_posts(store, [post("1", "2024-12-11T23:20:00", "We're investigating login problems.")])
    store_posts(store, [post("2", "2024-12-11T20:10:00", "We're investigating login problems.")])
    store_posts(store, [post("3", "2024-12-13T23:20:00", "We're investigating ChatGPT errors.")])
    [(_, target, _, confidence, reason)] = links_of(store, "openai-mastodon-1")
    assert (target, confidence) == (STATUS_ID, 0.6)
    assert reason == "started 4 min apart; no product or component named"
    assert links_of(store, "openai-mastodon-2") == []  # 3 h before, no shared word
    assert links_of(store, "openai-mastodon-3") == []  # two days later


def test_another_vendors_incident_is_never_a_candidate(store: Store) -> None:
    store_status(store)
    other = post("1", "2024-12-11T23:12:00", FIRST + " ChatGPT API Sora", vendor="Anthropic")
    threaded = thread_posts(store, "anthropic-mastodon", "Anthropic", [other]).drafts
    stats = store.apply("anthropic-mastodon", "mastodon", threaded, NOW)
    assert link_changed(store, "Anthropic", stats.changed_ids, NOW) == 0


def test_one_outage_published_as_several_incidents_is_grouped(store: Store) -> None:
    drafts = seed_status_drafts()
    sora = another_incident(drafts[0], "sorasplit001", "Sora unavailable")
    store_status(store, [*drafts, sora])
    store_posts(store, seed_posts())
    links = links_of(store, STATUS_ID)
    kinds = sorted((r[0], r[1], r[2]) for r in links)
    assert (THREAD, STATUS_ID, "auto") in kinds
    assert ("openai-sorasplit001", STATUS_ID, "auto") in kinds
    [outage] = load_outages(store, since=None)
    assert {r["id"] for r in outage.incidents} == {THREAD, STATUS_ID, "openai-sorasplit001"}


def test_undo_is_remembered_and_a_hand_link_is_kept(store: Store) -> None:
    store_status(store)
    store_posts(store, seed_posts())
    assert unlink(store, THREAD, STATUS_ID, NOW) == 1
    store_posts(store, seed_posts())  # collected again: nothing proposed
    store_status(store)
    [(_, _, state, _, reason)] = links_of(store, THREAD)
    assert state == "rejected" and reason.startswith("undone by hand")
    assert channels_for(store, [THREAD])[THREAD].first_status_at is None
    manual_link(store, THREAD, STATUS_ID, NOW)
    store_posts(store, seed_posts())
    [(_, _, state, confidence, reason)] = links_of(store, THREAD)
    assert (state, confidence, reason) == ("manual", 1.0, "linked by hand")
    with pytest.raises(IncidentFeedError, match="no incident 'openai-nope'"):
        manual_link(store, THREAD, "openai-nope", NOW)


def store_other_vendor(store: Store) -> str:
    """The seed's status incident, as another vendor's (GitHub's) incident; returns its id."""
    drafts = [dataclasses.replace(d, vendor="GitHub") for d in seed_status_drafts()]
    stats = store.apply("github-status", "statuspage", drafts, NOW)
    [github_id] = stats.changed_ids
    return github_id


def test_link_refuses_a_self_link(store: Store) -> None:
    store_status(store)
    with pytest.raises(LinkRefused, match="cannot link 'openai-ctrsv3lwd797' to itself"):
        manual_link(store, STATUS_ID, STATUS_ID, NOW)
    assert links_of(store, STATUS_ID) == []


def test_link_refuses_two_vendors_unless_forced(store: Store) -> None:
    store_status(store)
    github_id = store_other_vendor(store)
    with pytest.raises(LinkRefused, match="one outage has one vendor .--force"):
        manual_link(store, github_id, STATUS_ID, NOW)
    assert links_of(store, STATUS_ID) == []
    manual_link(store, github_id, STATUS_ID, NOW, force=True)
    [(source, target, state, _, _)] = links_of(store, STATUS_ID)
    assert (source, target, state) == (github_id, STATUS_ID, "manual")


@pytest.mark.parametrize("reverse", [False, True], ids=["same-direction", "reverse"])
def test_link_refuses_a_link_that_exists_in_either_direction(store: Store, reverse: bool) -> None:
    store_status(store)
    store_posts(store, seed_posts())  # THREAD -> STATUS_ID, automatic
    ends = (STATUS_ID, THREAD) if reverse else (THREAD, STATUS_ID)
    with pytest.raises(LinkRefused, match=f"already linked: {THREAD} -> {STATUS_ID} .auto."):
        manual_link(store, *ends, NOW)
    unlink(store, THREAD, STATUS_ID, NOW)
    manual_link(store, *ends, NOW)  # an undone link can be made again by hand, either way
    [(source, target, state, _, _)] = links_of(store, THREAD)
    assert (source, target, state) == (*ends, "manual")
    with pytest.raises(LinkRefused, match="already linked: .* .manual."):
        manual_link(store, *reversed(ends), NOW)
    assert len(links_of(store, THREAD)) == 1


def test_stats_per_vendor(store: Store) -> None:
    store_status(store)
    store_posts(store, seed_posts())
    [openai] = summarize(load_outages(store, since=at("2024-12-01T00:00")))
    figures = openai.as_json()
    assert figures["vendor"] == "OpenAI"
    assert figures["incidents"] == 1 and figures["resolved"] == 1
    # Identified in the first post (23:12), remediating at 01:10, resolved 03:40 by the post,
    # 03:38 by the status page: the status page speaks for the outage (decide.outages).
    assert figures["median_time_to_identify_s"] == 0.0
    assert (
        figures["median_time_to_remediate_s"] == dt.timedelta(hours=1, minutes=58).total_seconds()
    )
    assert figures["median_time_to_resolve_s"] == dt.timedelta(hours=4, minutes=26).total_seconds()
    # Post minus the status-page update it matches: 23:12 - 23:40 (the announcements),
    # 01:10 - 01:15 (remediating), 03:40 - 03:38 (resolved).
    assert figures["lag"] == {"mastodon": {"median_s": -300.0, "n": 3, "posts_first": 2}}
    assert (figures["time_to_identify_n"], figures["time_to_remediate_n"]) == (1, 1)
    assert (figures["time_to_resolve_n"], figures["time_to_resolve_unknown"]) == (1, 0)
    assert summarize(load_outages(store, since=at("2025-01-01T00:00"))) == []


def test_linking_a_batch_reads_only_the_vendors_window(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two years of daily OpenAI incidents as history, then the seed's posts.
    [seed] = seed_status_drafts()
    history = []
    for day in range(730):
        shift = dt.timedelta(days=day - 365)
        history.append(
            dataclasses.replace(
                seed,
                key=f"hist{day:04d}",
                native_id=f"hist{day:04d}",
                url=None,
                updates=tuple(
                    dataclasses.replace(
                        u,
                        native_id=f"h{day}-{u.native_id}",
                        stamp=dataclasses.replace(u.stamp, at=u.stamp.at + shift),
                    )
                    for u in seed.updates
                ),
                started=dataclasses.replace(seed.started, at=seed.started.at + shift)
                if seed.started
                else None,
                resolved=None,
            )
        )
    store.apply(STATUS.name, STATUS.kind, history, NOW)
    import incident_feed.store.links as links

    loaded: list[str] = []
    real_load = links._load

    def counting_load(conn, ids):  # type: ignore[no-untyped-def]
        loaded.extend(ids)
        return real_load(conn, ids)

    monkeypatch.setattr(links, "_load", counting_load)
    store_posts(store, seed_posts())
    # The thread itself plus the incidents within 6 h of it: today's (day 365) and no other.
    assert set(loaded) == {THREAD, "openai-hist0365"}
    assert [r[1] for r in links_of(store, THREAD)] == ["openai-hist0365"]


def test_a_hand_link_made_while_linking_plans_wins(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Linking reads, plans, then writes: a link made by hand in between is not joined by the
    automatic links planned before it."""
    import incident_feed.store.links as links

    drafts = seed_status_drafts()
    other = another_incident(drafts[0], "otherinc001", "Another incident")
    store.apply(STATUS.name, STATUS.kind, [*drafts, other], NOW)
    threaded = thread_posts(store, SOCIAL.name, SOCIAL.vendor, seed_posts()).drafts
    stats = store.apply(SOCIAL.name, SOCIAL.kind, threaded, NOW)
    real_plan = links.plan_links

    def plan_while_a_person_links(*args, **kwargs):  # type: ignore[no-untyped-def]
        manual_link(store, THREAD, "openai-otherinc001", NOW)
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(links, "plan_links", plan_while_a_person_links)
    link_changed(store, SOCIAL.vendor, stats.changed_ids, NOW)
    mine = [(r[1], r[2]) for r in links_of(store, THREAD) if r[0] == THREAD]
    assert mine == [("openai-otherinc001", "manual")]
