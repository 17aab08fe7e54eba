"""An item without a title, an id or any time is skipped with a problem naming it, never stored
as an "(untitled)" incident (every normalizer; the pipeline reports it)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from incident_feed.cli import main
from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.normalize.feed import parse_feed
from incident_feed.normalize.gcp import parse_gcp
from incident_feed.normalize.slack import parse_slack
from incident_feed.normalize.social import parse_mastodon
from incident_feed.normalize.statuspage import parse_statuspage
from tests.conftest import REPO

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
CONTEXT = Context("acme", "statuspage", "Acme", NOW)
WHEN = "2024-05-01T10:00:00Z"


def _statuspage(*items: dict[str, Any]) -> ParseResult:
    return parse_statuspage({"incidents": list(items)}, CONTEXT)


def _gcp(*items: dict[str, Any]) -> ParseResult:
    return parse_gcp(list(items), CONTEXT)


def _slack(*items: dict[str, Any]) -> ParseResult:
    return parse_slack(list(items), CONTEXT)


def _feed(*entries: dict[str, Any]) -> ParseResult:
    body = ['<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">']
    body.append("<id>tag:acme</id><title>Acme</title><updated>2024-05-01T10:00:00Z</updated>")
    for entry in entries:
        body.append("<entry>" + "".join(f"<{k}>{v}</{k}>" for k, v in entry.items()) + "</entry>")
    body.append("</feed>")
    headers = {"Content-Type": "application/atom+xml"}
    return parse_feed("".join(body).encode(), headers, CONTEXT)


def _mastodon(*items: dict[str, Any]) -> ParseResult:
    return parse_mastodon(list(items), CONTEXT)


GOOD_STATUS = {"id": "good1", "name": "API errors", "status": "investigating", "created_at": WHEN}
GOOD_GCP = {"id": "g1", "external_desc": "GCE errors", "begin": WHEN}
GOOD_SLACK = {"id": 7, "title": "Slack is slow", "date_created": WHEN, "status": "active"}
GOOD_ENTRY = {"id": "tag:acme,1", "title": "API errors", "updated": WHEN, "content": "Looking"}
TOOT = {
    "id": "1",
    "created_at": WHEN,
    "content": "<p>We are investigating elevated errors on the API.</p>",
    "account": {"id": "9"},
    "url": "https://example.social/@acme/1",
}

Parse = Callable[..., ParseResult]
CASES: list[tuple[str, Parse, dict[str, Any], dict[str, Any], str, str]] = [
    ("statuspage-only-id", _statuspage, GOOD_STATUS, {"id": 5}, "incidents 5", "no title and no time"),
    ("statuspage-no-id", _statuspage, GOOD_STATUS, {"name": "x", "created_at": WHEN},
     "incidents[0]", "missing 'id'"),
    ("statuspage-no-title", _statuspage, GOOD_STATUS, {"id": "b", "created_at": WHEN},
     "incidents b", "no title"),
    ("statuspage-no-time", _statuspage, GOOD_STATUS, {"id": "b", "name": "x"},
     "incidents b", "no time"),
    ("gcp-only-id", _gcp, GOOD_GCP, {"id": "bad"}, "incident bad", "no title and no time"),
    ("gcp-no-title", _gcp, GOOD_GCP, {"id": "bad", "begin": WHEN}, "incident bad", "no title"),
    ("slack-only-id", _slack, GOOD_SLACK, {"id": 5}, "incident 5", "no title and no time"),
    ("feed-no-title", _feed, GOOD_ENTRY, {"id": "tag:acme,2", "updated": WHEN},
     "entry tag:acme,2", "no title"),
    ("feed-no-time", _feed, GOOD_ENTRY, {"id": "tag:acme,2", "title": "x"},
     "entry tag:acme,2", "no published or updated time"),
    ("mastodon-no-time", _mastodon, TOOT, TOOT | {"id": "2", "created_at": None},
     "status 2", "no created_at"),
    ("mastodon-no-id", _mastodon, TOOT, {k: v for k, v in TOOT.items() if k != "id"},
     "status[0]", "missing 'id'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("parse", "good", "bad", "label", "reason"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_an_unusable_item_is_skipped_and_named(
    parse: Parse, good: dict[str, Any], bad: dict[str, Any], label: str, reason: str
) -> None:
    result = parse(bad, good)
    assert len(result.drafts) == 1  # the good item is still read
    assert result.drafts[0].title
    [problem] = result.problems
    assert problem.item == label
    assert reason in problem.message
    assert all(d.title != "(untitled)" for d in result.drafts)


def test_import_names_the_skipped_item_and_stores_only_the_good_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = tmp_path / "incidents.json"
    payload.write_text(json.dumps({"incidents": [{"id": 5}, GOOD_STATUS]}), encoding="utf-8")
    base = ["--config", str(REPO / "config.toml"), "--db", str(tmp_path / "x.db")]
    assert main([*base, "import", "--kind", "statuspage", "--vendor", "Acme", str(payload)]) == 0
    err = capsys.readouterr().err
    assert "skipped incidents 5: no title and no time" in err
    assert "1 items skipped" in err
    assert main([*base, "incidents", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert [i["title"] for i in items] == ["API errors"]
