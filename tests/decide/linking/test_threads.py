"""Posts -> threads: reply chains, follow-ups, new announcements, across runs."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

import pytest

from incident_feed.decide.threads import Thread, key_of, plan_threads
from incident_feed.enums import Kind, Phase
from incident_feed.normalize.drafts import Context, IncidentDraft, ParseResult, Seen
from incident_feed.normalize.social import CONTINUATION, PARENT_UNSEEN
from incident_feed.pipeline import ingest
from incident_feed.sources.base import Collector, Document
from incident_feed.store.database import IncidentQuery, Store
from tests.conftest import NOW
from tests.decide.linking.posts import SOCIAL, THIRD, at, post, seed_posts


class Posts(Collector):
    """Hands the pipeline drafts already made, one document per batch (the parsers of each
    platform are tested in tests/sources/social; this tests what happens after them)."""

    kind = "mastodon"

    def __init__(self, batches: dict[str, list[IncidentDraft]]) -> None:
        self.batches = batches

    def parse(self, document: Document, context: Context) -> ParseResult:
        return ParseResult(tuple(self.batches[document.url]))


def run(store: Store, *batches: Iterable[IncidentDraft]) -> None:
    named = {f"batch-{i}": list(b) for i, b in enumerate(batches)}
    for name in named:
        ingest(store, SOCIAL, Posts(named), [Document(name, b"")], lambda: at("2026-11-25T12:00"))


def test_a_reply_chain_is_one_thread() -> None:
    drafts = plan_threads(seed_posts(), {}, []).drafts
    assert {d.key for d in drafts} == {"mastodon-113651000000000001"}
    assert {d.title for d in drafts} == {"We're experiencing an outage right now"}


def test_a_reply_to_a_stored_post_joins_its_thread() -> None:
    stored = Thread("mastodon-1", "Outage", Kind.INCIDENT, Phase.IDENTIFIED, at("2024-12-11T23:12"))
    reply = post("2", "2024-12-12T01:10:00", "We are rolling out a fix.", reply_to="1")
    [drafted] = plan_threads([reply], {"1": stored}, [stored]).drafts
    assert (drafted.key, drafted.title) == ("mastodon-1", "Outage")


def test_a_follow_up_that_is_not_a_reply_joins_the_open_thread() -> None:
    first, _, _ = seed_posts()
    resolved = post("9", "2024-12-12T03:40:00", THIRD)
    assert [d.key for d in plan_threads([first, resolved], {}, []).drafts] == [first.key, first.key]


def test_a_follow_up_long_after_starts_its_own_thread() -> None:
    first, _, _ = seed_posts()
    late = post("9", "2024-12-13T03:40:00", THIRD)
    assert [d.key for d in plan_threads([first, late], {}, []).drafts] == [first.key, "mastodon-9"]


def test_a_new_announcement_starts_a_new_thread_even_while_one_is_open() -> None:
    first, _, _ = seed_posts()
    other = post("9", "2024-12-12T00:10:00", "We're investigating elevated errors on Sora.")
    assert [d.key for d in plan_threads([first, other], {}, []).drafts] == [first.key, "mastodon-9"]


def test_an_identified_post_continues_a_thread_still_investigating() -> None:
    # Statuspage's usual steps posted as top-level posts (an account feed has no reply ids).
    texts = [
        ("1", "2024-12-11T23:20:00", "We are investigating elevated error rates on the API."),
        ("2", "2024-12-11T23:40:00", "We have identified the issue and are working on a fix."),
        ("3", "2024-12-12T00:10:00", "A fix has been implemented and we are monitoring."),
        ("4", "2024-12-12T01:00:00", "This incident has been resolved."),
    ]
    drafts = plan_threads([post(n, when, text) for n, when, text in texts], {}, []).drafts
    assert [(d.key, d.updates[-1].phase) for d in drafts] == [
        ("mastodon-1", Phase.INVESTIGATING),
        ("mastodon-1", Phase.IDENTIFIED),
        ("mastodon-1", Phase.MONITORING),
        ("mastodon-1", Phase.RESOLVED),
    ]


def test_an_identified_post_after_the_cause_was_found_opens_a_thread() -> None:
    first, _, _ = seed_posts()  # identified already
    other = post("9", "2024-12-12T00:10:00", "We have identified an issue with logins on Sora.")
    late = post("10", "2024-12-13T00:10:00", "We have identified an issue with logins on Sora.")
    investigating = post("8", "2024-12-12T00:00:00", "We are investigating errors on Sora.")
    assert other.updates[0].phase is Phase.IDENTIFIED
    assert [d.key for d in plan_threads([first, other], {}, []).drafts] == [first.key, "mastodon-9"]
    # Past the window an investigating thread is not continued either.
    assert [d.key for d in plan_threads([investigating, late], {}, []).drafts] == [
        "mastodon-8", "mastodon-10"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "We are continuing to investigate this issue.",  # Statuspage's usual "Update" step
        "We are still investigating the cause of the errors.",
        "Update: we're still looking into this.",
    ],
)
def test_a_post_saying_the_work_goes_on_continues_the_open_thread(text: str) -> None:
    first = post("1", "2024-12-11T23:20:00", "We are investigating elevated error rates.")
    update = post("2", "2024-12-11T23:50:00", text)
    assert update.updates[0].phase is Phase.INVESTIGATING  # an opening phase, read alone
    assert [d.key for d in plan_threads([first, update], {}, []).drafts] == ["mastodon-1"] * 2
    # With no open thread in the window it opens one, as any incident post does.
    late = post("2", "2024-12-13T00:00:00", text)
    assert [d.key for d in plan_threads([first, late], {}, []).drafts] == [
        "mastodon-1", "mastodon-2"
    ]  # fmt: skip


def test_threads_continue_across_runs(store: Store) -> None:
    first, second, third = seed_posts()
    run(store, [first])
    run(store, [second], [third])
    [incident] = store.incidents(IncidentQuery())
    assert incident["id"] == "openai-mastodon-113651000000000001"
    assert incident["title"] == "We're experiencing an outage right now"
    assert incident["phase"] == "resolved"
    assert incident["resolved_at"] == at("2024-12-12T03:40")
    phases = [u["phase"] for u in store.updates_for([incident["id"]])[incident["id"]]]
    assert phases == ["identified", "remediating", "resolved"]
    # Collected again: nothing new, nothing duplicated.
    run(store, seed_posts())
    assert store.count("incident") == 1
    assert store.count("update") == 3


def test_an_edited_post_changes_in_place(store: Store) -> None:
    first, second, _ = seed_posts()
    run(store, [first, second])
    edited = post(second.native_id, "2024-12-12T01:10:00", "We are rolling out a fix now.",
                  reply_to=first.native_id)  # fmt: skip
    run(store, [edited])
    texts = [u["text"] for u in store.updates_for([f"openai-{first.key}"])[f"openai-{first.key}"]]
    assert texts == [first.updates[0].text, "We are rolling out a fix now."]
    assert store.count("update") == 2


def test_key_of_reverses_incident_ids() -> None:
    assert key_of("OpenAI", "openai-mastodon-1") == "mastodon-1"
    assert key_of("OpenAI", "github-mastodon-1") is None
    assert key_of("OpenAI", "openai-0123456789abcdef0123456789abcdef0123456789") is None


def test_reading_open_threads_is_bounded_to_the_window(store: Store) -> None:
    # A thread left open two days before is not joined by a later follow-up.
    first, _, _ = seed_posts()
    run(store, [first])
    late = post("9", "2024-12-13T23:40:00", THIRD)
    run(store, [late])
    assert store.count("incident") == 2
    assert dt.timedelta(hours=12) < at("2024-12-13T23:40") - at("2024-12-11T23:12")


def test_a_reply_without_a_phase_keeps_its_threads_phase_across_runs(store: Store) -> None:
    first, _, _ = seed_posts()
    run(store, [first])
    # What the normalizer makes of a self-reply with no phase signal whose parent it cannot see.
    quiet = post(
        "7", "2024-12-12T00:30:00", "Thanks for bearing with us.", reply_to=first.native_id
    )
    update = dataclasses.replace(quiet.updates[0], evidence=PARENT_UNSEEN)
    run(store, [dataclasses.replace(quiet, updates=(update,))])
    thread = f"openai-{first.key}"
    [_, stored] = store.updates_for([thread])[thread]
    assert stored["phase"] == "identified"
    assert stored["evidence"] == f"{CONTINUATION}: phase of the thread it continues"


def test_a_post_deleted_upstream_stops_moving_its_incident(store: Store) -> None:
    run(store, seed_posts())
    thread = "openai-mastodon-113651000000000001"
    natives = {d.native_id for d in seed_posts()}
    resolved = "113651000000000003"
    since = at("2024-12-11T23:00")
    assert store.mark_deleted(SOCIAL.name, Seen(frozenset(natives - {resolved}), since), NOW) == 1
    [incident] = store.incidents(IncidentQuery(ids=(thread,)))
    assert (incident["phase"], incident["resolved_at"]) == ("remediating", None)
    updates = store.updates_for([thread])[thread]
    assert [u["deleted_at"] is not None for u in updates] == [False, False, True]
    # Seen again (the deletion was a glitch): resolved again, nothing duplicated.
    assert store.mark_deleted(SOCIAL.name, Seen(frozenset(natives), since), NOW) == 0
    [incident] = store.incidents(IncidentQuery(ids=(thread,)))
    assert (incident["phase"], incident["resolved_at"]) == ("resolved", at("2024-12-12T03:40"))
    assert store.count("update") == 3
