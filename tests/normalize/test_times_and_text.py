"""Strict times (raw kept, assumptions flagged, bad input an error) and safe text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from incident_feed.normalize.text import (
    clean_line,
    clean_text,
    html_to_text,
    safe_http_url,
    strip_unsafe,
)
from incident_feed.normalize.times import (
    FUTURE_CLAMPED,
    YEAR_INFERRED,
    ZONE_ASSUMED,
    TimeParseError,
    clamp_future,
    format_utc,
    parse_month_day_time,
    parse_time,
)

UTC = dt.UTC


@pytest.mark.parametrize(
    ("raw", "expected", "flags"),
    [
        ("2023-10-06T01:12:26.084Z", dt.datetime(2023, 10, 6, 1, 12, 26, 84000, UTC), ()),
        ("2018-09-07T14:35:00-07:00", dt.datetime(2018, 9, 7, 21, 35, tzinfo=UTC), ()),
        ("2021-07-27T17:35:27+00:00", dt.datetime(2021, 7, 27, 17, 35, 27, tzinfo=UTC), ()),
        ("Sat Jul 13 05:33:14 +0000 2019", dt.datetime(2019, 7, 13, 5, 33, 14, tzinfo=UTC), ()),
        ("Wed, 02 Oct 2002 08:00:00 EST", dt.datetime(2002, 10, 2, 13, 0, tzinfo=UTC), ()),
        ("Wed, 02 Oct 2002 08:00:00 CEST", dt.datetime(2002, 10, 2, 6, 0, tzinfo=UTC), ()),
        ("Wed, 02 Oct 2002 08:00:00", dt.datetime(2002, 10, 2, 8, 0, tzinfo=UTC), (ZONE_ASSUMED,)),
        ("2020-01-01T00:00:00", dt.datetime(2020, 1, 1, tzinfo=UTC), (ZONE_ASSUMED,)),
        # JavaScript's Date.toString(), as Instatus's summary.json documentation shows its times.
        (
            "Sat Jun 11 2022 18:55:50 GMT+0000 (Coordinated Universal Time)",
            dt.datetime(2022, 6, 11, 18, 55, 50, tzinfo=UTC),
            (),
        ),
        (
            "Sat Jun 11 2022 20:55:50 GMT+0200 (Central European Summer Time)",
            dt.datetime(2022, 6, 11, 18, 55, 50, tzinfo=UTC),
            (),
        ),
        ("Sun Jan 02 2022 01:00:00 GMT-0500", dt.datetime(2022, 1, 2, 6, 0, tzinfo=UTC), ()),
    ],
)
def test_parse_time(raw: str, expected: dt.datetime, flags: tuple[str, ...]) -> None:
    stamp = parse_time(raw)
    assert stamp.at == expected and stamp.at.tzinfo is UTC
    assert stamp.raw == raw and stamp.flags == flags


@pytest.mark.parametrize(
    "raw",
    ["2025-13-45T99:00:00Z", "Wed, 02 Oct 2002 08:00:00 +9900", "Wed, 02 Oct 2002 08:00:00 XYZ",
     "yesterday", "", "1970-01-01T00:00:00Z", None, 1700000000,
     "Fri Jun 31 2022 18:55:50 GMT+0000 (Coordinated Universal Time)",
     "Sat Jun 11 2022 18:55:50 GMT+9900", "Sat Jun 11 2022 25:55:50 GMT+0000 (UTC)",
     "Sat Jun 11 22 18:55:50 GMT+0000"],
)  # fmt: skip
def test_unreadable_times_are_errors_never_now(raw: object) -> None:
    with pytest.raises(TimeParseError):
        parse_time(raw)


def test_year_inferred_from_the_entry_around_it() -> None:
    new_year = parse_month_day_time("Dec 31, 23:30 UTC", dt.datetime(2026, 1, 1, 0, 5, tzinfo=UTC))
    assert new_year.at == dt.datetime(2025, 12, 31, 23, 30, tzinfo=UTC)
    assert new_year.flags == (YEAR_INFERRED,)
    leap = parse_month_day_time("Feb 29, 10:00 UTC", dt.datetime(2024, 3, 1, tzinfo=UTC))
    assert leap.at.year == 2024


def test_future_time_clamped_with_claim_kept() -> None:
    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    clamped = clamp_future(parse_time("2030-01-01T00:00:00Z"), now)
    assert clamped.at == now and FUTURE_CLAMPED in clamped.flags
    assert clamped.raw == "2030-01-01T00:00:00Z"
    skew = clamp_future(parse_time("2026-11-25T12:03:00Z"), now)
    assert skew.at == dt.datetime(2026, 11, 25, 12, 3, tzinfo=UTC) and not skew.flags


def test_format_utc_ends_in_z() -> None:
    local = dt.datetime(2024, 12, 11, 15, 16, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
    assert format_utc(local) == "2024-12-11T23:16:00Z"


def test_controls_and_bidi_are_stripped() -> None:
    hostile = "a\x1b[2Jb\x07c\x9bd\u202ee\u2066f\r\ng\x1b]52;c;aGk=\x07"
    cleaned = clean_text(hostile)
    assert cleaned == "a[2Jbcdef\ng]52;c;aGk="
    assert not any(ord(ch) < 32 and ch != "\n" for ch in cleaned)


def test_direction_marks_are_removed_and_separators_become_breaks() -> None:
    hostile = "a\u200fb\u061cc\u200ed\u2028e\u2029f\x0bg\x0ch\x85i"
    assert clean_text(hostile) == "abcd\ne\n\nf\ng\nh\ni"
    assert clean_line(hostile) == "abcd e f g h i"
    assert strip_unsafe(hostile) == "abcd\ne\n\nf\ng\nh\ni"


@pytest.mark.parametrize("clean", [clean_text, clean_line, strip_unsafe])
def test_lone_surrogates_and_nul_become_storable(clean: Callable[[str], str]) -> None:
    cleaned = clean("x\udfffy\ud800\x00z")
    assert cleaned == "x\ufffdy\ufffdz"
    cleaned.encode("utf-8")  # would raise on a surrogate


def test_html_to_text_keeps_paragraphs_and_drops_scripts() -> None:
    html = "<p>First &amp; <b>bold</b></p><script>alert(1)</script><p>Second<br>line</p>"
    assert html_to_text(html) == "First & bold\n\nSecond\nline"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.githubstatus.com/incidents/x", "https://www.githubstatus.com/incidents/x"),
        ("javascript:alert(1)", None),
        ("file:///etc/passwd", None),
        ("https://ex.com/\x1b[2J", None),
        ("http://a b.com/", None),
        ("https://ex.com/\udfff", None),
        ("https://ex.com/\u202egnp.exe", None),
        ("https://ex.com/a\u2028b", None),
        (None, None),
    ],
)
def test_only_http_links_survive(url: object, expected: str | None) -> None:
    assert safe_http_url(url) == expected
