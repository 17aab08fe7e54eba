"""The social normalizer: which posts become drafts, and what a draft holds.

Inputs are the real fixture objects or the derived seed objects of ``tests/tools/social_derive``;
each test that changes one says which field and why.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from incident_feed.enums import Kind, Phase
from incident_feed.errors import PayloadError
from incident_feed.normalize import social
from incident_feed.normalize.drafts import Context
from incident_feed.normalize.phases import Classification
from incident_feed.normalize.social import parse_bluesky, parse_mastodon, parse_x, title_of
from tests.conftest import FIXTURES, NOW
from tests.tools import social_derive as sd

MASTODON = Context("openai-mastodon", "mastodon", "OpenAI", NOW)
BLUESKY = Context("openai-bluesky", "bluesky", "OpenAI", NOW)
X = Context("msft-x", "x", "Microsoft 365", NOW)
HOSTILE = (
    "We are investigating \x1b[31mred\x1b[0m \u202eevil\u202c [@click=app.quit]quit[/] "
    "[b]bold[/b] <b>not a tag</b> \x07\x9b"
)


@pytest.fixture(scope="module")
def bodies() -> Any:
    return sd.mastodon_bodies(FIXTURES)


@pytest.fixture(scope="module")
def thread() -> Any:
    return json.loads(
        (FIXTURES / "social/bluesky/thread_view_post_with_embed_media.json").read_text()
    )


# -- Mastodon --------------------------------------------------------------------------------------


def test_mastodon_seed_thread(bodies: Any) -> None:
    statuses = sd.mastodon_seed(bodies)
    result = parse_mastodon(statuses, MASTODON)
    assert (result.problems, result.ignored) == ((), 0)
    first, second, third = result.drafts
    assert [d.updates[0].phase for d in result.drafts] == [
        Phase.IDENTIFIED,
        Phase.REMEDIATING,
        Phase.RESOLVED,
    ]
    assert first.key == f"mastodon-{statuses[2]['id']}" and first.native_id == statuses[2]["id"]
    assert (first.reply_to, second.reply_to, third.reply_to) == (
        None,
        statuses[2]["id"],
        statuses[1]["id"],
    )
    assert (
        first.title
        == "We're experiencing an outage right now. We have identified the issue and are working to roll out a fix."
    )
    assert first.url == f"https://mastodon.example/@openai/{statuses[2]['id']}"
    assert (first.resolved, third.resolved) == (None, third.started)
    assert (
        first.kind is Kind.INCIDENT and first.impact.value == "unknown" and first.vendor == "OpenAI"
    )
    evidence = second.updates[0].evidence
    assert (
        evidence.startswith('phrase "rolling out a remediation"') and "confidence 0.85" in evidence
    )
    assert result.seen is not None and result.seen.native_ids == {s["id"] for s in statuses}


def test_mastodon_real_timeline_has_no_incident_posts() -> None:
    """The Mastodon.py list timeline (7 real statuses, no phase signal): all ignored."""
    import yaml

    data = yaml.safe_load((FIXTURES / "social/mastodon/test_list_timeline.yaml").read_text())
    statuses = json.loads(data["interactions"][5]["response"]["body"]["string"])
    result = parse_mastodon(statuses, MASTODON)
    assert (result.drafts, result.problems, result.ignored) == ((), (), 7)


def test_mastodon_replies_to_others_and_reblogs_are_ignored(bodies: Any) -> None:
    reply = copy.deepcopy(bodies["reply"])  # the fixture's reply to another account
    reply["content"] = "<p>We are investigating reports of errors.</p>"
    boost = sd.mastodon_status(bodies, 0)
    boost["reblog"] = sd.mastodon_status(bodies, 1)  # a boost wraps the boosted status
    result = parse_mastodon([reply, boost], MASTODON)
    assert (result.drafts, result.ignored) == ((), 2)


def test_mastodon_self_reply_without_signal_continues_the_thread(bodies: Any) -> None:
    first = sd.mastodon_status(bodies, 0)
    later = sd.mastodon_status(bodies, 1, reply_to=first["id"], text="More soon.")
    lone = sd.mastodon_status(bodies, 2, text="Our new office is open!")
    result = parse_mastodon([lone, later, first], MASTODON)
    assert result.ignored == 1
    (one, two) = result.drafts
    assert two.reply_to == one.native_id and two.updates[0].phase is Phase.IDENTIFIED
    assert "thread continuation" in two.updates[0].evidence


def test_mastodon_links_are_refs_but_mentions_and_hashtags_are_not(bodies: Any) -> None:
    import yaml

    data = yaml.safe_load((FIXTURES / "social/mastodon/test_status_card.yaml").read_text())
    card_status = json.loads(data["interactions"][1]["response"]["body"]["string"])
    status = sd.mastodon_status(bodies, 0)
    status["content"] = (
        '<p>We are investigating. <a href="https://status.openai.com/incidents/01JMYB483C404VMPCW726E8MET"'
        ' rel="nofollow noopener" target="_blank"><span class="invisible">https://</span>'
        '<span class="ellipsis">status.openai.com/incidents/01JMY</span><span class="invisible">'
        'B483C404VMPCW726E8MET</span></a> <a href="https://mastodon.example/tags/outage" '
        'class="mention hashtag" rel="tag">#<span>outage</span></a> <span class="h-card">'
        '<a href="https://mastodon.example/@someone" class="u-url mention">@<span>someone</span>'
        '</a></span> <a href="javascript:alert(1)">x</a></p>'
    )
    status["card"] = card_status["card"]  # the real card of test_status_card (http://example.org/)
    (draft,) = parse_mastodon([status], MASTODON).drafts
    assert draft.updates[0].refs == (
        "https://status.openai.com/incidents/01JMYB483C404VMPCW726E8MET",
        "http://example.org/",
    )
    assert "status.openai.com/incidents/01JMYB483C404VMPCW726E8MET" in draft.updates[0].text


def test_mastodon_hostile_text_is_stored_inert(bodies: Any) -> None:
    status = sd.mastodon_status(bodies, 0)
    status["content"] = (
        "<p>" + HOSTILE.replace("<b>", "&lt;b&gt;").replace("</b>", "&lt;/b&gt;") + "</p>"
        "<script>alert('x')</script><style>p{}</style>"
    )
    status["spoiler_text"] = "Outage \x1b]8;;https://evil.example\x07"
    (draft,) = parse_mastodon([status], MASTODON).drafts
    text = draft.updates[0].text
    assert not any(ch in text for ch in "\x1b\x07\x9b\u202e\u202c")
    assert "alert" not in text and "p{}" not in text
    assert "[@click=app.quit]quit[/]" in text and "<b>not a tag</b>" in text
    assert draft.title.startswith("Outage ]8;;https://evil.example")


def test_mastodon_malformed_items_are_problems_and_the_rest_stays(bodies: Any) -> None:
    good = sd.mastodon_status(bodies, 2)
    no_time = sd.mastodon_status(bodies, 0)
    no_time["created_at"] = "2024-13-45T99:00:00Z"
    no_account = sd.mastodon_status(bodies, 1)
    del no_account["account"]
    result = parse_mastodon([good, no_time, no_account, "not a status", None], MASTODON)
    assert len(result.drafts) == 1 and len(result.problems) == 4
    assert result.seen is None  # an unreadable item may be any post: no deletions concluded
    with pytest.raises(PayloadError, match="expected a JSON array"):
        parse_mastodon({"statuses": []}, MASTODON)
    with pytest.raises(PayloadError, match="Record not found"):
        parse_mastodon({"error": "Record not found"}, MASTODON)


# -- Bluesky ---------------------------------------------------------------------------------------


def test_bluesky_seed_feed(thread: Any) -> None:
    items = sd.bluesky_seed(thread)
    result = parse_bluesky({"feed": items}, BLUESKY)
    assert (result.problems, result.ignored) == ((), 2)  # the repost and the reply to another
    first, second, third = result.drafts
    assert [d.updates[0].phase for d in result.drafts] == [
        Phase.IDENTIFIED,
        Phase.REMEDIATING,
        Phase.RESOLVED,
    ]
    uri = items[4]["post"]["uri"]
    assert first.native_id == uri and first.key == f"bluesky-{uri.rsplit('/', 1)[1]}"
    assert second.reply_to == uri and third.reply_to == second.native_id
    assert first.url == f"https://bsky.app/profile/{sd.bsky_did()}/post/{uri.rsplit('/', 1)[1]}"
    assert result.seen is not None and result.seen.since == first.started.at  # type: ignore[union-attr]


def test_bluesky_real_thread_post_is_read_and_ignored(thread: Any) -> None:
    result = parse_bluesky(thread, BLUESKY)  # the real getPostThread answer: an image, no text
    assert (result.drafts, result.problems, result.ignored) == ((), (), 1)


def test_bluesky_links_from_facets_and_external_embeds(thread: Any) -> None:
    post = sd.bsky_post(thread, "2024-12-11T23:40:00.000Z", "We are investigating: status page")
    # A link facet and an external embed, shaped as app.bsky.richtext.facet and
    # app.bsky.embed.external define them.
    post["record"]["facets"] = [
        {
            "index": {"byteStart": 22, "byteEnd": 33},
            "features": [
                {"$type": "app.bsky.richtext.facet#link", "uri": "https://stspg.io/abc123"}
            ],
        },
        {
            "index": {"byteStart": 0, "byteEnd": 2},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "javascript:x"}],
        },
    ]
    post["record"]["embed"] = {
        "$type": "app.bsky.embed.external",
        "external": {
            "uri": "https://status.openai.com/",
            "title": "OpenAI Status",
            "description": "",
        },
    }
    (draft,) = parse_bluesky({"feed": [{"post": post}]}, BLUESKY).drafts
    assert draft.updates[0].refs == ("https://stspg.io/abc123", "https://status.openai.com/")


def test_bluesky_hostile_and_malformed(thread: Any) -> None:
    hostile = sd.bsky_post(thread, "2024-12-11T23:40:00.000Z", HOSTILE)
    bad_uri = sd.bsky_post(thread, "2024-12-11T23:41:00.000Z", "We are investigating.")
    bad_uri["uri"] = "https://bsky.app/not-an-at-uri"
    bad_time = sd.bsky_post(thread, "2024-12-11T23:42:00.000Z", "We are investigating.")
    bad_time["record"]["createdAt"] = "yesterday"
    result = parse_bluesky(
        {"feed": [{"post": hostile}, {"post": bad_uri}, {"post": bad_time}, {"nope": 1}]}, BLUESKY
    )
    assert len(result.drafts) == 1 and len(result.problems) == 3
    text = result.drafts[0].updates[0].text
    assert not any(ch in text for ch in "\x1b\x07\x9b\u202e\u202c")
    assert "[@click=app.quit]quit[/]" in text and "<b>not a tag</b>" in text
    with pytest.raises(PayloadError, match="not a Bluesky author feed"):
        parse_bluesky({"posts": []}, BLUESKY)
    with pytest.raises(PayloadError, match="feed is str"):
        parse_bluesky({"feed": "x"}, BLUESKY)


# -- X ---------------------------------------------------------------------------------------------


def tweet(text: str, when: str = "2024-07-19T09:00:00.000Z", **fields: Any) -> dict[str, Any]:
    template = sd.x_tweepy_body(FIXTURES)["data"][0]
    return sd.x_tweet(
        template, tweet_id=sd.snowflake(when), when=when, text=text, author_id="42", **fields
    )


def test_x_self_thread_edit_and_escapes() -> None:
    first = tweet("We're investigating reports of users unable to sign in & send mail.")
    reply = tweet(
        "We've deployed a fix &lt;and&gt; are monitoring.",
        "2024-07-19T10:00:00.000Z",
        reply_to=first["id"],
    )
    edited = tweet(
        "We're investigating reports of users unable to sign in and send mail.",
        "2024-07-19T09:05:00.000Z",
        history=[first["id"], sd.snowflake("2024-07-19T09:05:00.000Z")],
    )
    result = parse_x({"data": [reply, edited, first], "meta": {"result_count": 3}}, X)
    one, two = result.drafts
    assert one.native_id == first["id"] and one.key == f"x-{first['id']}"
    assert one.updates[0].text.endswith("sign in and send mail.")  # the edit wins
    assert one.url == f"https://x.com/i/web/status/{edited['id']}"
    assert two.reply_to == first["id"] and two.updates[0].phase is Phase.MONITORING
    assert two.updates[0].text == "We've deployed a fix &lt;and&gt; are monitoring."
    assert result.seen is None  # deletions are not concluded from since_id pages


def test_x_retweets_and_replies_to_others_are_ignored() -> None:
    retweet = tweet("RT @someone: We are investigating")
    retweet["referenced_tweets"] = [{"type": "retweeted", "id": "1"}]
    to_user = tweet("We are investigating your report, please DM us", "2024-07-19T09:01:00.000Z")
    to_user["in_reply_to_user_id"] = "7"
    to_user["referenced_tweets"] = [{"type": "replied_to", "id": "2"}]
    news = tweet("Meet us at Build 2024!", "2024-07-19T09:02:00.000Z")
    result = parse_x({"data": [retweet, to_user, news]}, X)
    assert (result.drafts, result.ignored) == ((), 3)


def test_x_entities_expand_links_into_refs() -> None:
    post = tweet("We're investigating. Details: https://t.co/abc123")
    # entities.urls as the X API v2 reference shapes them.
    post["entities"] = {
        "urls": [
            {
                "start": 30,
                "end": 53,
                "url": "https://t.co/abc123",
                "expanded_url": "https://status.example.com/incidents/abc",
                "display_url": "status.example.com/incidents/abc",
            },
            {"url": "https://t.co/zzz", "expanded_url": "file:///etc/passwd"},
        ]
    }
    (draft,) = parse_x({"data": [post]}, X).drafts
    assert draft.updates[0].refs == ("https://status.example.com/incidents/abc",)
    assert (
        draft.updates[0].text
        == "We're investigating. Details: https://status.example.com/incidents/abc"
    )


def test_x_documents_that_are_not_timelines() -> None:
    assert parse_x({"meta": {"result_count": 0}}, X).drafts == ()
    with pytest.raises(PayloadError, match="Could not find user"):
        parse_x({"errors": [{"detail": "Could not find user with username: [nobody]."}]}, X)
    with pytest.raises(PayloadError, match="not an X API v2 timeline"):
        parse_x({"statuses": []}, X)
    real = sd.x_tweepy_body(FIXTURES)  # tweepy's real page: no created_at asked for, so problems
    result = parse_x(real, X)
    assert result.drafts == () and [p.message for p in result.problems] == ["no created_at"] * 2


# -- shared ----------------------------------------------------------------------------------------


def test_classification_happens_in_one_place(monkeypatch: pytest.MonkeyPatch, bodies: Any) -> None:
    """Swapping :func:`social.classify_post` swaps the classifier for every platform."""
    calls: list[str] = []

    def fake(text: str, *, in_thread: bool = False) -> Classification:
        calls.append(text)
        return Classification(Phase.SCHEDULED, 0.5, "fake", "fake-rule")

    monkeypatch.setattr(social, "classify_post", fake)
    (draft,) = parse_mastodon([sd.mastodon_status(bodies, 0)], MASTODON).drafts
    assert draft.kind is Kind.MAINTENANCE and draft.updates[0].phase is Phase.SCHEDULED
    parse_x({"data": [tweet("anything")]}, X)
    assert len(calls) == 2


def test_titles_are_the_first_line_cut_at_a_word() -> None:
    assert title_of("\n\nFirst line\nsecond") == "First line"
    long = "We are investigating " + "elevated error rates " * 10
    title = title_of(long)
    assert len(title) <= 120 and title.endswith("…")
    kept = title[:-1]
    assert long.startswith(kept) and long[len(kept)] == " "  # cut between two words
    assert title_of("") == "(no text)"
