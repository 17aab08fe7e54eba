"""Phase times: one pure definition, read from the update thread."""

from __future__ import annotations

import datetime as dt
from typing import Any

from incident_feed.decide.phase_times import PhaseTimes, opened_closed, phase_times

T0 = dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.UTC)


def _incident(resolved_after: int | None) -> dict[str, Any]:
    resolved = T0 + dt.timedelta(minutes=resolved_after) if resolved_after is not None else None
    return {"started_at": T0, "resolved_at": resolved}


def _update(minutes: int, phase: str, source: str = "acme-status") -> dict[str, Any]:
    at = T0 + dt.timedelta(minutes=minutes)
    return {"at": at, "phase": phase, "source_name": source, "native_id": f"u{minutes}"}


def test_times_follow_the_thread_even_when_it_goes_back() -> None:
    thread = [
        _update(70, "monitoring"),  # out of order on purpose: the thread is sorted by time
        _update(0, "investigating"),
        _update(20, "identified"),
        _update(30, "investigating"),
        _update(45, "remediating"),
        _update(120, "resolved"),
    ]
    assert phase_times(_incident(120), thread) == PhaseTimes(
        dt.timedelta(minutes=20), dt.timedelta(minutes=45), dt.timedelta(hours=2), resolved=True
    )


def test_a_milestone_never_reported_is_none() -> None:
    times = phase_times(_incident(50), [_update(0, "investigating"), _update(50, "resolved")])
    assert (times.identify, times.remediate, times.resolve) == (
        None,
        None,
        dt.timedelta(minutes=50),
    )
    assert not times.resolve_unknown


def test_an_open_incident_has_no_time_to_resolve_and_is_not_unknown() -> None:
    times = phase_times(_incident(None), [_update(0, "investigating")])
    assert times.resolve is None and not times.resolved and not times.resolve_unknown


def test_opened_and_closed_by_one_update_is_unknown_not_zero() -> None:
    # The vendor's only record is final: there was no observed open period.
    times = phase_times(_incident(0), [_update(0, "resolved")])
    assert times.resolve is None and times.resolved and times.resolve_unknown
    completed = phase_times(_incident(30), [_update(30, "completed")])
    assert completed.resolve_unknown


def test_a_post_before_the_final_update_makes_the_duration_known() -> None:
    thread = [_update(0, "investigating", source="acme-mastodon"), _update(40, "resolved")]
    assert not opened_closed(thread)
    assert phase_times(_incident(40), thread).resolve == dt.timedelta(minutes=40)


def test_without_updates_the_rows_own_times_count() -> None:
    assert phase_times(_incident(15), []).resolve == dt.timedelta(minutes=15)
