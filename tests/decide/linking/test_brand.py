"""Brand accounts (``role = "brand"``): only a confident incident post opens a thread; a post in
an open thread reads as on any account; everything else is kept as "not an incident" and shown by
``posts SOURCE``, never as an outage.

Texts are real @MSFT365Status posts of 2023-06-05 (vendor-posts.jsonl lines 2 and 3) and a
real @github product launch (vendor-posts-2.jsonl); times are ours.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from incident_feed.cli import main
from incident_feed.config import SourceConfig
from incident_feed.decide.threads import HELD, plan_threads
from incident_feed.normalize.drafts import Context, ParseResult, Stamp
from incident_feed.normalize.phases import classify_post
from incident_feed.normalize.social import BRAND_STRENGTH, Post, confident, posts_result
from incident_feed.normalize.times import format_utc
from incident_feed.pipeline import ingest
from incident_feed.sources.base import Collector, Document
from incident_feed.store.database import IncidentQuery, Store
from incident_feed.store.posts import source_posts
from tests.conftest import NOW

CONFIDENT = (
    "We're investigating an issue with accessing Outlook on the web. Further details can be "
    "found under EX571516 in the admin center."
)
SOFT = (
    "We\u2019re reviewing our networking systems and recent updates in an effort to identify the "
    "underlying root cause of the issue. Additional information can be found in the admin "
    "center under EX571516."
)
LAUNCH = "Meet GitHub Copilot - your AI pair programmer. https://t.co/eWPueAXTFt"
BRAND = SourceConfig("msft-x", "Microsoft", "x", "@MSFT365Status", role="brand")
STATUS = dataclasses.replace(BRAND, name="msft-status-x", role="status")


def a_post(native: str, when: str, text: str, reply_to: str | None = None) -> Post:
    moment = dt.datetime.fromisoformat(when).replace(tzinfo=dt.UTC)
    return Post(
        platform="x",
        native_id=native,
        short_id=native,
        stamp=Stamp(moment, format_utc(moment)),
        text=text,
        url=f"https://x.com/i/web/status/{native}",
        reply_to=reply_to,
    )


def parsed(*posts: Post) -> ParseResult:
    context = Context(BRAND.name, BRAND.kind, BRAND.vendor, NOW)
    return posts_result(list(posts), [], context)


def test_confident_is_the_classifiers_strength() -> None:
    assert classify_post(CONFIDENT).strength >= BRAND_STRENGTH
    assert confident(classify_post(CONFIDENT))
    soft = classify_post(SOFT)
    assert soft.phase is not None and soft.strength < BRAND_STRENGTH
    assert not confident(soft)
    assert not confident(classify_post(LAUNCH))


def test_a_soft_post_opens_no_thread_on_a_brand_account() -> None:
    drafts = list(parsed(a_post("2", "2023-06-05T15:00:00", SOFT)).drafts)
    assert [d.confident for d in drafts] == [False]
    assert plan_threads(drafts, {}, []).drafts == drafts  # a status account: opened as today
    planned = plan_threads(drafts, {}, [], brand=True)
    assert (planned.drafts, planned.held) == ([], drafts)


def test_a_soft_post_in_an_open_thread_reads_as_today() -> None:
    result = parsed(
        a_post("1", "2023-06-05T14:00:00", CONFIDENT),
        a_post("2", "2023-06-05T15:00:00", SOFT, reply_to="1"),
    )
    planned = plan_threads(result.drafts, {}, [], brand=True)
    assert planned.held == []
    assert [d.key for d in planned.drafts] == ["x-1", "x-1"]


class Posts(Collector):
    kind = "x"

    def __init__(self, result: ParseResult) -> None:
        self.result = result

    def parse(self, document: Document, context: Context) -> ParseResult:
        return self.result


def test_brand_posts_that_are_no_incidents_are_kept_and_shown(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = parsed(
        a_post("1", "2023-06-05T14:00:00", CONFIDENT),
        a_post("2", "2023-06-06T15:00:00", SOFT),  # a day later: no open thread to continue
        a_post("3", "2023-06-07T09:00:00", LAUNCH),
    )
    ingested = ingest(store, BRAND, Posts(result), [Document("timeline", b"")], lambda: NOW)
    assert ingested.ignored == 2
    [incident] = store.incidents(IncidentQuery(limit=None))
    assert incident["id"] == "microsoft-x-1"
    kept = {p.native_id: p for p in source_posts(store, BRAND.name)}
    assert set(kept) == {"2", "3"}
    assert (kept["2"].reason, kept["2"].phase) == (HELD, "investigating")
    assert "rule" in kept["2"].evidence
    assert (kept["3"].reason, kept["3"].phase) == ("no incident phrase", None)
    assert [p.native_id for p in source_posts(store, BRAND.name, include_updates=True)] == [
        "3",
        "2",
        "1",
    ]

    db = ["--db", store.engine.url.render_as_string(hide_password=False)]
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    capsys.readouterr()
    assert main(["--config", str(config), *db, "posts", "msft-x", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [(p["native_id"], p["incident"]) for p in shown] == [("3", None), ("2", None)]
    assert main(["--config", str(config), *db, "posts", "msft-x", "--all"]) == 0
    text = capsys.readouterr().out
    assert "-> microsoft-x-1" in text and "Meet GitHub Copilot" in text
    assert main(["--config", str(config), *db, "posts", "nobody"]) == 1
    assert "nothing stored for source 'nobody'" in capsys.readouterr().err


def test_the_same_posts_on_a_status_account_open_threads(store: Store) -> None:
    result = parsed(
        a_post("1", "2023-06-05T14:00:00", CONFIDENT),
        a_post("2", "2023-06-06T15:00:00", SOFT),
        a_post("3", "2023-06-07T09:00:00", LAUNCH),
    )
    ingest(store, STATUS, Posts(result), [Document("timeline", b"")], lambda: NOW)
    ids = sorted(i["id"] for i in store.incidents(IncidentQuery(limit=None)))
    assert ids == ["microsoft-x-1", "microsoft-x-2"]
    assert [p.native_id for p in source_posts(store, STATUS.name)] == ["3"]


def test_a_post_edited_into_an_incident_update_leaves_the_set_aside_posts(store: Store) -> None:
    ingest(store, STATUS, Posts(parsed(a_post("3", "2023-06-07T09:00:00", LAUNCH))),
           [Document("run-1", b"")], lambda: NOW)  # fmt: skip
    assert [p.native_id for p in source_posts(store, STATUS.name)] == ["3"]
    edited = a_post("3", "2023-06-07T09:00:00", CONFIDENT)
    ingest(store, STATUS, Posts(parsed(edited)), [Document("run-2", b"")], lambda: NOW)
    assert source_posts(store, STATUS.name) == []
    [post] = source_posts(store, STATUS.name, include_updates=True)
    assert (post.native_id, post.incident_id) == ("3", "microsoft-x-3")
