"""Times: a plausible window, refused years, and views that never crash on a stored time.

A maintenance "scheduled" for 9999-12-31 crashed ``export`` and the TUI's ``e`` with a display
zone ahead of UTC (``astimezone`` overflows past year 9999); ``Mon, 01 Jan 0001`` was read as 2001.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from incident_feed.clock import format_stamp, in_zone
from incident_feed.decide.merge import plan_incident
from incident_feed.normalize.drafts import Context
from incident_feed.normalize.feed import parse_feed
from incident_feed.normalize.statuspage import parse_statuspage
from incident_feed.normalize.times import (
    SCHEDULE_HORIZON,
    TimeParseError,
    parse_month_day_time,
    parse_time,
)
from incident_feed.outputs.markdown import ExportItem, render, render_incident
from incident_feed.store.database import Store
from incident_feed.store.outages import rebuild_outages
from incident_feed.store.tables import INCIDENT
from incident_feed.tui import formatting
from tests.ops.conftest import CONFIG

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
END_OF_TIME = dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC)
TOKYO = ZoneInfo("Asia/Tokyo")
CONTEXT = Context("acme-status", "statuspage", "Acme", NOW)


@pytest.mark.parametrize(
    "raw",
    [
        "Mon, 01 Jan 0001 00:00:00 GMT",
        "Mon, 01 Jan 01 00:00:00 GMT",
        "Fri, 01 Jan 99 10:00:00 +0000",
        "01 Jan 24 10:00 GMT",
    ],
)
def test_two_digit_and_year_0001_dates_are_refused(raw: str) -> None:
    with pytest.raises(TimeParseError, match="no four-digit year"):
        parse_time(raw)


def test_a_four_digit_year_still_reads() -> None:
    assert parse_time("Mon, 01 Jan 2001 00:00:00 GMT").at == dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
    assert parse_time("1 Jan 2024 10:00 +0100").at == dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "raw", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:30:00+01:00", "0001-01-01T00:00:00Z"]
)
def test_times_at_the_calendars_edges_are_errors_not_crashes(raw: str) -> None:
    with pytest.raises(TimeParseError):
        parse_time(raw)


def test_a_year_0001_update_time_is_an_error_not_a_crash() -> None:
    # Ahead of UTC, 0001-01-01 00:30 is before the calendar starts: astimezone overflowed.
    with pytest.raises(TimeParseError, match="out of range"):
        parse_month_day_time("Jan 1, 0001 00:30 JST", NOW)
    with pytest.raises(TimeParseError, match="implausibly early"):
        parse_month_day_time("Jan 1, 0001 00:30 UTC", NOW)


def test_an_rss_item_dated_year_0001_is_reported_not_stored_as_2001() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>S</title><item><guid>x</guid>'
        b"<title>API down</title><pubDate>Mon, 01 Jan 0001 00:00:00 GMT</pubDate>"
        b"<description>We are investigating.</description></item></channel></rss>"
    )
    result = parse_feed(body, {"content-type": "application/rss+xml"}, CONTEXT)
    assert result.drafts == ()
    (problem,) = result.problems
    assert "no four-digit year" in problem.message


def maintenance(scheduled_for: str, scheduled_until: str) -> dict[str, Any]:
    return {
        "page": {"url": "https://status.acme.test"},
        "scheduled_maintenances": [
            {
                "id": "m1",
                "name": "Database upgrade",
                "status": "scheduled",
                "impact": "maintenance",
                "created_at": "2026-11-20T10:00:00Z",
                "scheduled_for": scheduled_for,
                "scheduled_until": scheduled_until,
                "incident_updates": [
                    {
                        "id": "u1",
                        "status": "scheduled",
                        "body": "We will be performing scheduled maintenance.",
                        "created_at": "2026-11-20T10:00:00Z",
                    }
                ],
            }
        ],
    }


def test_scheduled_times_are_clamped_to_the_horizon_and_stay_put() -> None:
    (draft,) = parse_statuspage(
        maintenance("2026-12-01T02:00:00Z", "9999-12-31T23:59:59Z"), CONTEXT
    ).drafts
    first = plan_incident(
        "acme-m1", [draft], None, [], (), source_name="s", source_kind="statuspage", now=NOW
    )
    assert first.incident is not None
    assert first.incident["scheduled_for"] == dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC)
    assert first.incident["scheduled_until"] == NOW + SCHEDULE_HORIZON
    # A day later the same payload changes nothing: the bound is the first sighting, not now.
    later = plan_incident(
        "acme-m1",
        [draft],
        first.incident,
        first.new_updates,
        ("m1",),
        source_name="s",
        source_kind="statuspage",
        now=NOW + dt.timedelta(days=1),
    )
    assert later.incident is None
    assert later.new_updates == later.changed_updates == []


def year_9999_maintenance() -> dict[str, Any]:
    return {
        "id": "acme-m1",
        "vendor": "Acme",
        "kind": "maintenance",
        "title": "Database upgrade",
        "impact": "maintenance",
        "phase": "scheduled",
        "postmortem": False,
        "started_at": NOW,
        "resolved_at": None,
        "updated_at": END_OF_TIME,
        "scheduled_for": END_OF_TIME,
        "scheduled_until": END_OF_TIME,
        "url": None,
        "components": [],
    }


def test_export_of_a_year_9999_maintenance_with_a_zone_works() -> None:
    item = ExportItem(year_9999_maintenance(), [])
    text = render([item], zone=TOKYO, report=True)
    assert "9999-12-31 23:59 UTC to 9999-12-31 23:59 UTC" in text
    assert "9999-12-31 23:59 UTC" in render_incident(item, zone=TOKYO)  # the TUI's `e`


def test_every_view_formats_the_end_of_the_calendar() -> None:
    assert in_zone(END_OF_TIME, TOKYO) == END_OF_TIME
    assert in_zone(NOW, TOKYO).utcoffset() == dt.timedelta(hours=9)
    assert format_stamp(END_OF_TIME, TOKYO) == "9999-12-31 23:59 UTC"
    assert formatting.when(END_OF_TIME, NOW, TOKYO) == "9999-12-31"
    assert formatting.clock_time(END_OF_TIME, TOKYO) == "9999-12-31 23:59"
    assert format_stamp(END_OF_TIME, TOKYO) == "9999-12-31 23:59 UTC"


def test_export_command_with_a_stored_year_9999_maintenance(
    tmp_path: Path, run_cli: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    # A database written before the clamp: the stored row is set to the year 9999 directly.
    db = f"sqlite:///{tmp_path / 'far.db'}"
    store = Store.open(db)
    try:
        (draft,) = parse_statuspage(
            maintenance("2026-12-01T02:00:00Z", "2026-12-01T04:00:00Z"), CONTEXT
        ).drafts
        store.apply("acme-status", "statuspage", [replace(draft, vendor="Acme")], NOW)
        with store.write() as conn:
            conn.execute(
                update(INCIDENT).values(scheduled_for=END_OF_TIME, scheduled_until=END_OF_TIME)
            )
            # Another writer set it: the outage is summarised again as any write would.
            rebuild_outages(conn)
    finally:
        store.close()
    assert run_cli("--config", CONFIG, "--db", db, "export", "--tz", "Asia/Tokyo") == 0
    out = capsys.readouterr().out
    assert "9999-12-31 23:59 UTC" in out
