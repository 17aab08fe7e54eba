"""The clock, the display zone, the one duration format and the one since/until parser."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from incident_feed.clock import display_zone, format_duration, parse_moment, utc_now
from tests.conftest import REPO

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "0s"),
        (0, "0s"),
        (45, "45s"),
        (60, "1m"),
        (12 * 60 + 59, "12m"),
        (3600, "1h"),
        (3600 + 3 * 60 + 20, "1h 3m"),
        (23 * 3600 + 59 * 60, "23h 59m"),
        (86400, "1d"),
        (3 * 86400 + 4 * 3600 + 59 * 60, "3d 4h"),
        (99 * 86400 + 23 * 3600, "99d 23h"),
        (560 * 86400 + 5 * 3600, "560d"),
        (13457 * 3600 + 37 * 60, "560d"),
    ],
)
def test_one_duration_format(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text
    assert format_duration(dt.timedelta(seconds=seconds)) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", NOW - dt.timedelta(minutes=30)),
        ("24H", NOW - dt.timedelta(hours=24)),
        (" 7d ", NOW - dt.timedelta(days=7)),
        ("2w", NOW - dt.timedelta(weeks=2)),
        ("2024-12-11", dt.datetime(2024, 12, 11, tzinfo=dt.UTC)),
        ("2024-12-11T10:00+02:00", dt.datetime(2024, 12, 11, 8, tzinfo=dt.UTC)),
    ],
)
def test_parse_moment(text: str, expected: dt.datetime) -> None:
    assert parse_moment(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "5y", "", "2024-13-45"])
def test_parse_moment_refuses_what_is_not_a_time(text: str) -> None:
    with pytest.raises(ValueError, match="is not a time"):
        parse_moment(text, NOW)


def test_display_zone() -> None:
    assert display_zone("local") is None
    assert display_zone("UTC") is dt.UTC
    assert getattr(display_zone("Europe/Berlin"), "key", None) == "Europe/Berlin"
    with pytest.raises(ValueError, match="'Mars/Olympus' is not a known time zone"):
        display_zone("Mars/Olympus")


def test_utc_now_is_aware_utc() -> None:
    assert utc_now().tzinfo is dt.UTC


def test_the_clock_is_read_in_one_place_only() -> None:
    """No module but incident_feed/clock.py reads the wall clock or builds a zone."""
    result = subprocess.run(
        ["grep", "-rlE", r"datetime\.now\(|ZoneInfo\(|time\.time\(\)", "incident_feed"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    offenders = sorted(set(result.stdout.split()) - {"incident_feed/clock.py"})
    assert offenders == []


def test_a_span_that_ended_as_it_started_is_unknown_not_zero() -> None:
    from incident_feed.clock import UNKNOWN_SPAN, format_span

    start = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC)
    later = start + dt.timedelta(hours=1, minutes=3)
    assert format_span(start, start, later) == UNKNOWN_SPAN == "?"
    assert format_span(start, later, later) == "1h 3m"
    assert format_span(start, None, later) == "1h 3m"
