"""Golden files for the social normalizer: the seed posts and the real vendor posts.

Regenerate with ``UPDATE_GOLDEN=1 pytest tests/sources/social/test_golden_social.py`` and review the diff.
The vendor-post golden lists, per post, the phase the current classifier gives next to the hand
label of ``vendor-posts.jsonl``; it pins behaviour, it does not claim the two agree.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from incident_feed.normalize.drafts import Context, ParseResult
from incident_feed.normalize.social import parse_bluesky, parse_mastodon, parse_x
from incident_feed.normalize.times import format_utc
from tests.conftest import FIXTURES, NOW, REPO
from tests.sources.social.conftest import cassette_json
from tests.tools import social_derive as sd

GOLDEN = REPO / "tests" / "golden" / "social"


def as_json(result: ParseResult) -> dict[str, Any]:
    return {
        "ignored": result.ignored,
        "problems": [str(p) for p in result.problems],
        "seen": None
        if result.seen is None
        else {"since": format_utc(result.seen.since), "native_ids": sorted(result.seen.native_ids)},
        "incidents": [
            {
                "key": d.key,
                "native_id": d.native_id,
                "kind": d.kind.value,
                "title": d.title,
                "impact": d.impact.value,
                "url": d.url,
                "reply_to": d.reply_to,
                "started": format_utc(d.started.at) if d.started else None,
                "resolved": format_utc(d.resolved.at) if d.resolved else None,
                "updates": [
                    {
                        "native_id": u.native_id,
                        "at": format_utc(u.stamp.at),
                        "raw": u.stamp.raw,
                        "phase": u.phase.value,
                        "label": u.label,
                        "evidence": u.evidence,
                        "text": u.text,
                        "url": u.url,
                        "refs": list(u.refs),
                    }
                    for u in d.updates
                ],
            }
            for d in result.drafts
        ],
    }


def check(name: str, actual: Any) -> None:
    path = GOLDEN / f"{name}.expected.json"
    text = json.dumps(actual, indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def context(kind: str, vendor: str) -> Context:
    return Context(f"{kind}-golden", kind, vendor, NOW)


@pytest.mark.parametrize(
    ("name", "cassette", "index", "parse", "kind", "vendor"),
    [
        ("seed-mastodon", "social/mastodon/openai-seed.yaml", 1, parse_mastodon, "mastodon", "OpenAI"),
        ("seed-bluesky", "social/bluesky/openai-seed.yaml", 0, parse_bluesky, "bluesky", "OpenAI"),
        ("msft365status-2024-07-19-run1", "social/x/msft365status-2024-07-19.yaml", 1, parse_x, "x", "Microsoft 365"),
        ("msft365status-2024-07-19-run2", "social/x/msft365status-2024-07-19.yaml", 2, parse_x, "x", "Microsoft 365"),
    ],
)  # fmt: skip
def test_cassette_bodies_match_golden(
    name: str, cassette: str, index: int, parse: Any, kind: str, vendor: str
) -> None:
    check(name, as_json(parse(cassette_json(cassette, index), context(kind, vendor))))


def test_seed_reads_identified_remediating_resolved_on_every_platform() -> None:
    for name in ("seed-mastodon", "seed-bluesky"):
        golden = json.loads((GOLDEN / f"{name}.expected.json").read_text(encoding="utf-8"))
        phases = [i["updates"][0]["phase"] for i in golden["incidents"]]
        assert phases == ["identified", "remediating", "resolved"], name
        replies = [i["reply_to"] for i in golden["incidents"]]
        natives = [i["native_id"] for i in golden["incidents"]]
        assert replies == [None, natives[0], natives[1]], name


def test_vendor_posts_phase_per_post() -> None:
    posts = sd.vendor_posts(FIXTURES)
    tweets = sd.vendor_post_tweets(FIXTURES)
    rows = []
    for post, tweet in zip(posts, tweets, strict=True):
        result = parse_x({"data": [tweet]}, context("x", post["account"]))
        assert result.problems == ()
        update = result.drafts[0].updates[0] if result.drafts else None
        rows.append(
            {
                "account": post["account"],
                "posted_at": post["posted_at"],
                "text": post["text"],
                "hand_label": post["phase_label"],
                "phase": update.phase.value if update else "not_incident",
                "evidence": update.evidence if update else "ignored: no phase signal",
            }
        )
    agree = sum(1 for r in rows if r["phase"] == r["hand_label"])
    check("vendor-posts", {"posts": len(rows), "agree_with_hand_label": agree, "rows": rows})
