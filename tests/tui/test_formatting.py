"""Pure helpers: visible control characters, times, durations, evidence highlighting."""

from __future__ import annotations

import datetime as dt

from incident_feed.clock import format_duration
from incident_feed.tui import formatting as fmt
from incident_feed.tui.filtering import describe, parse_filter
from incident_feed.tui.timeline import phase_spans

NOW = dt.datetime(2026, 8, 21, 9, 0, tzinfo=dt.UTC)


def test_controls_become_visible_pictures() -> None:
    assert fmt.visible("a\x1b[2Jb") == "a␛[2Jb"
    assert fmt.visible("\x1b]52;c;aGk=\x07") == "␛]52;c;aGk=␇"
    assert fmt.visible("x\x9bq\u202eevil\x7f") == "x\ufffdq\ufffdevil\u2421"
    assert fmt.one_line("two\nlines\t here") == "two lines here"


def test_markup_is_kept_as_text() -> None:
    text = fmt.cell("[@click=app.quit]x[/]")
    assert text.plain == "[@click=app.quit]x[/]"
    assert not text.spans


def test_when_is_relative_for_the_last_day_then_a_date() -> None:
    assert fmt.when(NOW - dt.timedelta(seconds=20), NOW, dt.UTC) == "just now"
    assert fmt.when(NOW - dt.timedelta(minutes=12), NOW, dt.UTC) == "12 min ago"
    assert fmt.when(NOW - dt.timedelta(hours=5, minutes=59), NOW, dt.UTC) == "5 h ago"
    assert fmt.when(dt.datetime(2026, 8, 18, 9, 36, tzinfo=dt.UTC), NOW, dt.UTC) == "Aug 18 09:36"
    assert fmt.when(dt.datetime(2024, 4, 10, 18, 41, tzinfo=dt.UTC), NOW, dt.UTC) == "2024-04-10"
    tokyo = dt.timezone(dt.timedelta(hours=9))
    assert fmt.when(dt.datetime(2026, 8, 18, 20, 0, tzinfo=dt.UTC), NOW, tokyo) == "Aug 19 05:00"


def test_span_uses_the_one_duration_format() -> None:
    start = dt.datetime(2026, 8, 17, 13, 40, tzinfo=dt.UTC)
    assert fmt.span(start, start + dt.timedelta(hours=4, minutes=2), NOW) == "4h 2m"
    assert fmt.span(start, None, start + dt.timedelta(days=862)) == "862d"


def test_evidence_phrase_is_highlighted_case_insensitively() -> None:
    text = fmt.highlighted(
        "We have IDENTIFIED the   cause and are working on it.",
        'phrase "identified the cause" over label "investigating"',
    )
    [span] = text.spans
    assert text.plain[span.start : span.end] == "IDENTIFIED the   cause"
    assert span.style == fmt.EVIDENCE_STYLE
    assert not fmt.highlighted("Resolved.", 'label "resolved"').spans


def test_source_badges_merge_page_kinds() -> None:
    assert fmt.source_badges(("feed", "statuspage", "gcp", "mastodon")).plain == "feed page masto"


def test_phase_spans_merge_repeats_and_end_at_resolution() -> None:
    at = dt.datetime(2026, 8, 17, 13, 40, tzinfo=dt.UTC)
    updates = [
        {"id": 1, "phase": "investigating", "at": at},
        {"id": 2, "phase": "investigating", "at": at + dt.timedelta(minutes=10)},
        {"id": 3, "phase": "identified", "at": at + dt.timedelta(minutes=24)},
        {"id": 4, "phase": "resolved", "at": at + dt.timedelta(hours=3)},
    ]
    spans = phase_spans(updates, NOW)
    assert [(s.phase, format_duration(s.seconds)) for s in spans] == [
        ("investigating", "24m"),
        ("identified", "2h 36m"),
        ("resolved", "0s"),
    ]
    ongoing = phase_spans(updates[:3], at + dt.timedelta(hours=1))
    assert format_duration(ongoing[-1].seconds) == "36m"


def test_filter_terms() -> None:
    parsed = parse_filter(
        'disk full vendor:"Google Cloud",github phase:identified,in-progress since:24h', NOW
    )
    filt = parsed.filter
    assert filt.text == "disk full"
    assert filt.vendors == ("Google Cloud", "github")
    assert filt.phases == ("identified", "in_progress")
    assert filt.since == NOW - dt.timedelta(hours=24)
    assert parsed.problems == ()
    assert "vendor Google Cloud, github" in describe(filt)


def test_filter_problems_are_reported_not_raised() -> None:
    parsed = parse_filter('phase:broken since:yesterday vendor: "unbalanced', NOW)
    assert len(parsed.problems) == 3
    assert parsed.filter.phases == ()
    assert parse_filter("since:2024-12-11", NOW).filter.since == dt.datetime(
        2024, 12, 11, tzinfo=dt.UTC
    )


def test_until_bounds_the_list_like_the_clis_option() -> None:
    parsed = parse_filter("since:2w until:7d", NOW)
    assert parsed.problems == ()
    assert (parsed.filter.since, parsed.filter.until) == (
        NOW - dt.timedelta(weeks=2),
        NOW - dt.timedelta(days=7),
    )
    assert "until 2026-" in describe(parsed.filter)
    assert parse_filter("until:soon", NOW).problems == (
        "until:soon is not a time (try 30m, 24h, 7d, 2w, 2024-12-11)",
    )
