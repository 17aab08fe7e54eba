"""AWS Service Health Dashboard, the real legacy data.json of 2021-06..2022-06 (86 events):
update times of day in US Pacific time read to UTC from each event's own date (PDT and PST,
past midnight, explicit "Nov 23," dates), [RESOLVED] closing the event; UTF-16 bodies; hostile
events skipped by name."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from incident_feed.enums import Impact, Phase
from incident_feed.errors import PayloadError
from incident_feed.normalize.aws import parse_aws
from incident_feed.normalize.drafts import Context
from incident_feed.sources.base import Document, load_json
from tests.conftest import FIXTURES

DATA = FIXTURES / "platforms" / "aws" / "aws-shd-data-json-2022-06.json"
CONTEXT = Context(
    "aws-status", "aws", "Amazon Web Services", dt.datetime(2022, 7, 1, tzinfo=dt.UTC)
)


def load() -> Any:
    return json.loads(DATA.read_bytes())


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def by_key() -> dict[str, Any]:
    return {d.key: d for d in parse_aws(load(), CONTEXT).drafts}


def test_every_event_is_read_and_its_first_update_is_its_date() -> None:
    result = parse_aws(load(), CONTEXT)
    assert (len(result.drafts), result.problems) == (86, ())
    for draft in result.drafts:
        assert draft.started is not None
        # `date` is the first post: the first update's Pacific time of day, read from the event's
        # own date, lands within its minute.
        assert abs(draft.updates[0].stamp.at - draft.started.at) < dt.timedelta(minutes=1)
        assert draft.status_label == "resolved" and draft.resolved is not None


def test_a_pdt_event_reads_its_times_in_utc() -> None:
    draft = by_key()["internetconnectivity-us-east-2@1624564393"]
    assert (draft.title, draft.impact) == ("Internet Connectivity", Impact.MINOR)
    (update,) = draft.updates
    assert (update.stamp.raw, update.stamp.at) == ("12:53 PM PDT", utc("2021-06-24 19:53"))
    assert update.phase is Phase.RESOLVED
    assert update.text.startswith("Between 12:15 PM and 12:21 PM PDT we observed")
    assert [c.name for c in draft.components] == ["AWS Internet Connectivity (Ohio)"]


def test_pst_times_past_midnight_and_written_dates() -> None:
    draft = by_key()["events-af-south-1@1637641154"]
    assert [(u.stamp.raw, u.stamp.at) for u in draft.updates] == [
        ("8:19 PM PST", utc("2021-11-23 04:19")),
        ("9:13 PM PST", utc("2021-11-23 05:13")),
        ("10:26 PM PST", utc("2021-11-23 06:26")),
        ("Nov 23, 12:04 AM PST", utc("2021-11-23 08:04")),
        ("Nov 23, 1:59 AM PST", utc("2021-11-23 09:59")),
    ]
    assert draft.updates[-1].phase is Phase.RESOLVED


def test_severity_is_the_impact_not_a_phase() -> None:
    impacts = {d.impact for d in parse_aws(load(), CONTEXT).drafts}
    assert impacts == {Impact.MINOR, Impact.MAJOR, Impact.CRITICAL}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8"])
def test_the_body_may_be_utf_16(encoding: str) -> None:
    body = DATA.read_bytes().decode("utf-8").encode(encoding)
    assert len(parse_aws(load_json(Document("x", body)), CONTEXT).drafts) == 86


def test_a_quiet_or_foreign_document() -> None:
    quiet = parse_aws({"archive": [], "current": []}, CONTEXT)
    assert (quiet.drafts, quiet.status) == ((), None)  # the legacy document gives no page state
    for document in ({"events": []}, "x", 3):
        with pytest.raises(PayloadError):
            parse_aws(document, CONTEXT)


def test_hostile_events_are_skipped_by_name() -> None:
    good = load()["archive"][0]
    events = [
        {**good, "date": "99999999999999999999"},
        {**good, "date": "yesterday"},
        {**good, "description": "<div><span class=\"yellowfg\">25:99 PM PDT</span> x</div>"},
        {**good, "description": "<div>no time here</div>"},
        {**good, "summary": "[RESOLVED] \x1b]52;c;eA==\x07Pwned<script>alert(1)</script>",
         "description": good["description"].replace("resolved", "resolved<script>x()</script>")},
    ]  # fmt: skip
    result = parse_aws({"archive": events, "current": []}, CONTEXT)
    assert len(result.problems) == 4
    (kept,) = result.drafts
    assert "\x1b" not in kept.title and "\x07" not in kept.title
    assert "<script>" not in kept.updates[0].text


@pytest.mark.parametrize(
    ("date", "times", "expected"),
    [
        # Fall back on 2021-11-07: 1:30 AM happens twice; the abbreviation says which.
        ("1636259400", ["9:30 PM PDT", "1:30 AM PDT", "1:10 AM PST", "2:05 AM PST"],
         ["2021-11-07 04:30", "2021-11-07 08:30", "2021-11-07 09:10", "2021-11-07 10:05"]),
        # Spring forward on 2021-03-14: 1:50 AM PST is followed by 3:05 AM PDT, 15 minutes on.
        ("1615715400", ["1:50 AM PST", "3:05 AM PDT"],
         ["2021-03-14 09:50", "2021-03-14 10:05"]),
    ],
    ids=["fall-back", "spring-forward"],
)  # fmt: skip
def test_pacific_times_across_a_dst_change(
    date: str, times: list[str], expected: list[str]
) -> None:
    good = load()["archive"][0]
    description = "".join(
        f'<div><span class="yellowfg"> {time}</span>&nbsp;Update {n}.</div>'
        for n, time in enumerate(times, 1)
    )
    event = {**good, "date": date, "description": description}
    (draft,) = parse_aws({"archive": [event], "current": []}, CONTEXT).drafts
    assert [(u.stamp.raw, u.stamp.at) for u in draft.updates] == [
        (raw, utc(at)) for raw, at in zip(times, expected, strict=True)
    ]
