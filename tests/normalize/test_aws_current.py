"""AWS Health Dashboard ``currentevents`` (derived in the public clients' shape; no real capture
exists): updates timed by their epoch seconds in UTC, phases from the texts, [RESOLVED] closing an
event, the open events' services degraded, and hostile events skipped by name."""

from __future__ import annotations

import codecs
import datetime as dt
import json
from typing import Any

import pytest

from incident_feed.enums import ComponentState, Impact, Phase
from incident_feed.normalize.aws import parse_aws
from incident_feed.normalize.drafts import Context
from incident_feed.normalize.times import FUTURE_CLAMPED
from incident_feed.sources.base import Document, load_json
from tests.conftest import FIXTURES

DATA = FIXTURES / "platforms" / "aws" / "aws-currentevents-derived.json"
NOW = dt.datetime(2026, 3, 8, 18, 0, tzinfo=dt.UTC)
CONTEXT = Context("aws-health", "aws", "Amazon Web Services", NOW)
EC2 = "arn:aws:health:us-east-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/AWS_EC2_OPERATIONAL_ISSUE_DERIVED_0001"  # noqa: E501
LAMBDA = "arn:aws:health:eu-west-1::event/LAMBDA/AWS_LAMBDA_OPERATIONAL_ISSUE/AWS_LAMBDA_OPERATIONAL_ISSUE_DERIVED_0002"  # noqa: E501


def load() -> Any:
    return json.loads(DATA.read_bytes())


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_open_event_updates_in_utc_with_phases_and_components() -> None:
    result = parse_aws(load(), CONTEXT)
    assert result.problems == ()
    drafts = {d.key: d for d in result.drafts}
    assert list(drafts) == [EC2, LAMBDA]
    ec2 = drafts[EC2]
    assert (ec2.title, ec2.impact, ec2.status_label, ec2.resolved) == (
        "Increased API Error Rates", Impact.MAJOR, None, None,
    )  # fmt: skip
    assert [(u.native_id, u.stamp.raw, u.stamp.at, u.phase) for u in ec2.updates] == [
        (f"{EC2}#1", "1772982000", utc("2026-03-08 15:00"), Phase.INVESTIGATING),
        (f"{EC2}#2", "1772984700", utc("2026-03-08 15:45"), Phase.IDENTIFIED),
    ]
    assert ec2.started is not None and ec2.started.at == utc("2026-03-08 15:00")
    assert [(c.name, c.id) for c in ec2.components] == [
        ("Amazon Elastic Compute Cloud (N. Virginia)", "ec2-us-east-1"),
        ("Amazon EC2 Auto Scaling (N. Virginia)", "autoscaling-us-east-1"),
    ]


def test_resolved_tag_closes_the_event_at_its_last_update() -> None:
    draft = {d.key: d for d in parse_aws(load(), CONTEXT).drafts}[LAMBDA]
    assert (draft.title, draft.impact, draft.status_label) == (
        "Increased Invocation Latencies", Impact.MINOR, "resolved",
    )  # fmt: skip
    assert [u.phase for u in draft.updates] == [Phase.INVESTIGATING, Phase.RESOLVED]
    assert draft.resolved is not None and draft.resolved.at == dt.datetime(
        2026, 3, 8, 10, 33, 20, tzinfo=dt.UTC
    )
    assert [c.name for c in draft.components] == ["AWS Lambda (Ireland)"]


def test_the_open_events_services_are_degraded() -> None:
    status = parse_aws(load(), CONTEXT).status
    assert status is not None
    assert (status.indicator, status.description) == (Impact.MAJOR, "1 open event")
    assert [(c.name, c.state, c.id) for c in status.components] == [
        ("Amazon Elastic Compute Cloud (N. Virginia)", ComponentState.DEGRADED, "ec2-us-east-1"),
        ("Amazon EC2 Auto Scaling (N. Virginia)", ComponentState.DEGRADED, "autoscaling-us-east-1"),
    ]


def test_a_quiet_dashboard_is_success_with_nothing_open() -> None:
    result = parse_aws([], CONTEXT)
    assert (result.drafts, result.problems) == ((), ())
    assert result.status is not None
    assert (result.status.indicator, result.status.description, result.status.components) == (
        Impact.NONE, "No open events", (),
    )  # fmt: skip


@pytest.mark.parametrize(
    "body",
    [
        codecs.BOM_UTF16_LE + DATA.read_text("utf-8").encode("utf-16-le"),
        codecs.BOM_UTF16_BE + DATA.read_text("utf-8").encode("utf-16-be"),
        DATA.read_text("utf-8").encode("utf-16-le"),  # no BOM
        DATA.read_text("utf-8").encode("utf-16-be"),  # no BOM
    ],
    ids=["le-bom", "be-bom", "le", "be"],
)
def test_utf_16_with_or_without_a_bom(body: bytes) -> None:
    result = parse_aws(load_json(Document("x", body)), CONTEXT)
    assert [d.key for d in result.drafts] == [EC2, LAMBDA]


def test_hostile_events_are_skipped_with_clear_problems() -> None:
    good = load()[0]
    log = good["event_log"]
    events = [
        {**good, "arn": "a1", "date": "99999999999999"},  # milliseconds or worse
        {**good, "arn": "a2", "date": "-5"},
        {**good, "arn": "a3", "date": {"$n": 1}},
        {**good, "arn": "a4", "event_log": [{**log[0], "timestamp": "soon"}]},
        {**good, "arn": "a5", "event_log": [{**log[0], "timestamp": True}]},
        {**good, "arn": "a6", "event_log": "not a list"},
        {**good, "arn": "", "service": ""},
        {**good, "arn": "ok", "status": 2,
         "summary": "\x1b]52;c;eA==\x07Pwned<script>alert(1)</script>",
         "event_log": [{**log[0], "message": "<p>We are investigating.</p><script>steal()</script>",
                        "timestamp": "1772982000"}]},
    ]  # fmt: skip
    result = parse_aws(events, CONTEXT)
    problems = [(p.item, p.message) for p in result.problems]
    assert problems == [
        ("event[0]", "date 99999999999999 is out of range for epoch seconds"),
        ("event[1]", "date '-5' is not epoch seconds"),
        ("event[2]", "date {'$n': 1} is not epoch seconds"),
        ("event[3]", "event_log[0] timestamp 'soon' is not epoch seconds"),
        ("event[4]", "event_log[0] timestamp True is not epoch seconds"),
        ("event[5]", "event_log is str, expected a list"),
        ("event[6]", "an event needs an arn or a service"),
    ]
    (kept,) = result.drafts
    assert kept.impact is Impact.MAJOR  # a number where a string was
    assert "\x1b" not in kept.title and "\x07" not in kept.title
    assert "steal()" not in kept.updates[0].text and "<" not in kept.updates[0].text
    assert kept.updates[0].stamp.at == utc("2026-03-08 15:00")


def test_a_time_past_now_is_clamped_and_flagged() -> None:
    event = {**load()[0], "event_log": [{"message": "x", "timestamp": 1900000000}]}
    (draft,) = parse_aws([event], CONTEXT).drafts
    stamp = draft.updates[0].stamp
    assert (stamp.at, stamp.raw, FUTURE_CLAMPED in stamp.flags) == (NOW, "1900000000", True)
