"""Post drafts as a social normalizer makes them, and the seed incident's status-page side.

The posts carry OpenAI's published lines of 2024-12-11/12 (see tests/golden/seed/README.md);
their times are a few minutes around the status page's, as they were posted.
"""

from __future__ import annotations

import datetime as dt
import json

from incident_feed.config import SourceConfig
from incident_feed.enums import Impact, Kind, Phase
from incident_feed.normalize.drafts import Context, IncidentDraft, Stamp, UpdateDraft
from incident_feed.normalize.phases import classify
from incident_feed.normalize.statuspage import parse_statuspage
from incident_feed.normalize.times import format_utc
from tests.conftest import REPO

SEED = REPO / "tests" / "golden" / "seed" / "openai-2024-12-11.json"
SOCIAL = SourceConfig("openai-mastodon", "OpenAI", "mastodon", "@openai@example.social")
STATUS = SourceConfig("openai-status", "OpenAI", "statuspage", "https://status.openai.com")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def post(
    native: str,
    when: str,
    text: str,
    *,
    reply_to: str | None = None,
    refs: tuple[str, ...] = (),
    vendor: str = "OpenAI",
) -> IncidentDraft:
    moment = at(when)
    reading = classify(text, Kind.INCIDENT)
    phase = reading.phase or Phase.INVESTIGATING
    update = UpdateDraft(
        native_id=native,
        stamp=Stamp(moment, format_utc(moment)),
        phase=phase,
        label=None,
        evidence=f'phrase "{reading.phrase}"' if reading.phrase else "first update",
        text=text,
        url=f"https://example.social/@openai/{native}",
        refs=refs,
    )
    return IncidentDraft(
        key=f"mastodon-{native}",
        native_id=native,
        vendor=vendor,
        kind=Kind.INCIDENT,
        title=text.split(".")[0][:120],
        impact=Impact.UNKNOWN,
        updates=(update,),
        url=update.url,
        started=update.stamp,
        resolved=update.stamp if phase is Phase.RESOLVED else None,
        reply_to=reply_to,
    )


FIRST = "We're experiencing an outage right now. We have identified the issue and are working to roll out a fix."
SECOND = "We are rolling out a remediation for API, ChatGPT and Sora."
THIRD = "This incident has been resolved. API, ChatGPT and Sora are back."


def seed_posts() -> list[IncidentDraft]:
    """The three posts, the second and third replying to the first."""
    return [
        post("113651000000000001", "2024-12-11T23:12:00", FIRST),
        post("113651000000000002", "2024-12-12T01:10:00", SECOND, reply_to="113651000000000001"),
        post("113651000000000003", "2024-12-12T03:40:00", THIRD, reply_to="113651000000000002"),
    ]


def seed_status_drafts() -> list[IncidentDraft]:
    context = Context(STATUS.name, STATUS.kind, STATUS.vendor, at("2026-11-25T12:00:00"))
    return list(parse_statuspage(json.loads(SEED.read_text(encoding="utf-8")), context).drafts)
