"""decide.lag: each social post's time minus the status-page update it matches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from incident_feed.decide.lag import format_lag, post_lags

SOCIAL = {"thread-m", "thread-b"}


def update(uid: int, incident: str, when: str, phase: str, **extra: Any) -> dict[str, Any]:
    at = dt.datetime.fromisoformat(f"2024-12-12T{when}").replace(tzinfo=dt.UTC)
    return {"id": uid, "incident_id": incident, "at": at, "phase": phase, "deleted_at": None,
            "source_name": incident} | extra  # fmt: skip


# The seed's status page (23:40 identified, 01:15 remediating, 03:38 resolved; dated one day on
# for brevity) and two threads.
STATUS = [
    update(1, "status", "00:40:00", "identified"),
    update(2, "status", "01:15:00", "remediating"),
    update(3, "status", "03:38:00", "resolved"),
]


def channel(row: dict[str, Any]) -> str:
    return "mastodon" if row["incident_id"] == "thread-m" else "bluesky"


def test_each_post_matches_the_first_update_then_its_phase() -> None:
    posts = [
        update(10, "thread-m", "00:43:00", "identified"),
        update(11, "thread-m", "01:21:00", "remediating"),
        update(12, "thread-m", "03:42:00", "resolved"),
        update(20, "thread-b", "00:30:00", "investigating"),  # social first: before the page
        update(21, "thread-b", "03:30:00", "resolved"),
    ]
    lags = {lag.update_id: (lag.channel, lag.seconds, lag.status_update_id)
            for lag in post_lags(STATUS + posts, SOCIAL, channel)}  # fmt: skip
    assert lags == {
        10: ("mastodon", 180.0, 1),
        11: ("mastodon", 360.0, 2),
        12: ("mastodon", 240.0, 3),
        20: ("bluesky", -600.0, 1),
        21: ("bluesky", -480.0, 3),
    }


def test_the_nearest_update_of_the_phase_and_none_without_one() -> None:
    status = [*STATUS, update(4, "status", "02:30:00", "remediating")]
    posts = [
        update(10, "thread-m", "00:41:00", "identified"),
        update(11, "thread-m", "02:20:00", "remediating"),  # 02:30 is nearer than 01:15
        update(12, "thread-m", "02:40:00", "monitoring"),  # the page never monitored
    ]
    lags = {lag.update_id: lag.seconds for lag in post_lags(status + posts, SOCIAL, channel)}
    assert lags == {10: 60.0, 11: -600.0}


def test_no_status_page_or_deleted_updates_give_no_lag() -> None:
    posts = [update(10, "thread-m", "00:43:00", "identified")]
    assert post_lags(posts, SOCIAL, channel) == []
    gone = [dict(u, deleted_at=u["at"]) for u in STATUS]
    assert post_lags(gone + posts, SOCIAL, channel) == []
    deleted_post = [dict(posts[0], deleted_at=posts[0]["at"])]
    assert post_lags(STATUS + deleted_post, SOCIAL, channel) == []


def test_format_lag() -> None:
    assert format_lag(180) == "3m after the status page"
    assert format_lag(-1680) == "28m before the status page"
    assert format_lag(0) == "with the status page"
    assert format_lag(-300, short=True) == "5m before page"
