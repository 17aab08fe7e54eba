"""``export``: escaping, timings, determinism, purity, and the command's options."""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from incident_feed.outputs.markdown import (
    ExportItem,
    Period,
    block,
    format_duration,
    inline,
    link,
    render,
    render_report,
)
from tests.conftest import FIXTURES, REPO
from tests.ops.conftest import CONFIG

UTC = dt.UTC
T0 = dt.datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
HISTORY = FIXTURES / "statuspage" / "github-incident-history"


def _incident(**values: Any) -> dict[str, Any]:
    row = {
        "id": "acme-1",
        "vendor": "Acme",
        "kind": "incident",
        "title": "API errors",
        "impact": "major",
        "phase": "resolved",
        "postmortem": False,
        "started_at": T0,
        "resolved_at": T0 + dt.timedelta(hours=2),
        "updated_at": T0 + dt.timedelta(hours=2),
        "scheduled_for": None,
        "scheduled_until": None,
        "url": "https://status.acme.test/incidents/1",
        "components": [{"id": "c1", "name": "API"}],
    }
    return row | values


def _update(
    minutes: int, phase: str, text: str = "text", native: str | None = None
) -> dict[str, Any]:
    return {
        "id": minutes,
        "source_name": "acme-status",
        "native_id": native or f"u{minutes}",
        "at": T0 + dt.timedelta(minutes=minutes),
        "at_raw": "",
        "time_flags": "",
        "phase": phase,
        "label": phase,
        "evidence": "",
        "text": text,
        "url": None,
        "components": [],
    }


THREAD = [
    _update(0, "investigating"),
    _update(20, "identified"),
    _update(30, "investigating"),
    _update(45, "remediating"),
    _update(70, "monitoring"),
    _update(120, "resolved"),
]


# -- escaping ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "must_not_match"),
    [
        ("<img src=x onerror=alert(1)>", "<img"),
        ("<script>alert(1)</script>", "<script"),
        ("[x](javascript:alert(1))", r"(?<!\\)\["),
        ("a | b", r"(?<!\\)\|"),
        ("`code`", r"(?<!\\)`"),
        ("@channel and @here", "@channel|@here"),
        ("**bold**", r"(?<!\\)\*"),
        ("$x$", r"(?<!\\)\$"),
        ("~~gone~~", r"(?<!\\)~"),
        ("_em_", r"(?<!\\)_"),
        ("esc\x1b[31m red\x07 \x9b", "[\x1b\x07\x9b]"),
        ("bidi \u202e override \u2066 isolate \u200b", "[\u202e\u2066]"),
    ],
)
def test_inline_text_is_inert(text: str, must_not_match: str) -> None:
    assert not re.search(must_not_match, inline(text))


def test_inline_keeps_the_words_readable() -> None:
    assert inline("Git Operations degraded") == "Git Operations degraded"
    assert inline("a\nb\tc") == "a b c"
    assert inline("mail support@github.com") == "mail support@github.com"  # not a mention
    assert inline("@octocat") == "@\u200boctocat"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("# heading", "\\# heading"),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("1. item", "1\\. item"),
        ("12) item", "12\\) item"),
        ("---", "\\---"),
        ("===", "\\==="),
        ("> quote", "&gt; quote"),
        ("    indented code", "indented code"),
        ("```", "\\`\\`\\`"),
    ],
)
def test_block_lines_cannot_start_markdown_blocks(line: str, expected: str) -> None:
    assert block(line) == [expected]


def test_block_keeps_paragraphs_and_drops_controls() -> None:
    assert block("one\r\ntwo\n\n\n\nthree\x00\x1b") == ["one", "two", "", "three"]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<b>x</b>",
        "file:///etc/passwd",
        "vbscript:msgbox",
        "https://user:pass@example.com/",
        "https://exa mple.com/",
        "//example.com/x",
        None,
    ],
)
def test_only_http_urls_become_links(url: object) -> None:
    assert link("label", url) == "label"


def test_http_links_cannot_break_out_of_the_destination() -> None:
    rendered = link("x", "https://example.com/a(b)<c>[d]`e`")
    assert rendered == "[x](https://example.com/a%28b%29%3Cc%3E%5Bd%5D%60e%60)"


# -- timings ----------------------------------------------------------------------------------


def test_a_milestone_never_reported_is_not_guessed() -> None:
    text = render([ExportItem(_incident(), [_update(0, "investigating")])], zone=UTC, report=False)
    assert "**Time to identify:** not reported" in text


def test_an_incident_opened_and_closed_by_one_update_took_an_unknown_time() -> None:
    row = _incident(resolved_at=T0)
    text = render([ExportItem(row, [_update(0, "resolved")])], zone=UTC, report=False)
    assert "(opened and closed by one update: duration unknown)" in text
    assert "**to resolve:** unknown (opened and closed by one update)" in text
    assert "after 0s" not in text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (59, "59s"), (60, "1m"), (3600, "1h"), (3660, "1h 1m"), (90061, "1d 1h 1m")],
)
def test_durations(seconds: int, text: str) -> None:
    assert format_duration(dt.timedelta(seconds=seconds)) == text


def test_phase_table_sums_time_in_each_phase_when_the_thread_goes_back() -> None:
    text = render([ExportItem(_incident(), THREAD)], zone=UTC, report=False)
    # Investigating 0-20 and 30-45: 35 minutes; identified 20-30.
    assert "| Investigating | 2024-05-01 10:00 UTC | 0s | 35m |" in text
    assert "| Identified | 2024-05-01 10:20 UTC | 20m | 10m |" in text
    assert "| Resolved | 2024-05-01 12:00 UTC | 2h | - |" in text


def test_an_ongoing_incident_says_so_without_reading_the_clock() -> None:
    row = _incident(phase="identified", resolved_at=None)
    text = render([ExportItem(row, THREAD[:2])], zone=UTC, report=False)
    assert "| Identified | 2024-05-01 10:20 UTC | 20m | 0s, ongoing |" in text
    assert "**to resolve:** ongoing" in text


def test_times_in_the_chosen_zone() -> None:
    from zoneinfo import ZoneInfo

    text = render([ExportItem(_incident(), THREAD)], zone=ZoneInfo("Asia/Tokyo"), report=False)
    assert "- **Started:** 2024-05-01 19:00 JST" in text


# -- reports ----------------------------------------------------------------------------------


def test_report_summarises_each_vendor_with_total_and_median() -> None:
    items = [
        ExportItem(_incident(id="a-1", resolved_at=T0 + dt.timedelta(minutes=10))),
        ExportItem(_incident(id="a-2", resolved_at=T0 + dt.timedelta(minutes=30))),
        ExportItem(_incident(id="a-3", resolved_at=T0 + dt.timedelta(minutes=50))),
        ExportItem(_incident(id="a-4", resolved_at=T0), [_update(0, "resolved", native="a4")]),
        ExportItem(_incident(id="b-1", vendor="Beta", resolved_at=None, phase="investigating")),
    ]
    text = render_report(items, zone=UTC, period=Period(since=T0, vendors=("Acme", "Beta")))
    # a-4 was opened and closed by one update: resolved, but its duration is unknown, not 0 s.
    assert "| Acme | 4 | 4 | 1h 30m | 30m (n=3) |" in text
    assert "| Beta | 1 | 0 | - | - |" in text
    assert "| **All vendors** | 5 | 4 | 1h 30m | 30m (n=3) |" in text
    assert "**Covers:** from 2024-05-01 10:00 UTC; vendors Acme, Beta" in text


def test_same_rows_in_any_order_give_the_same_bytes() -> None:
    items = [
        ExportItem(_incident(id=f"a-{n}", started_at=T0 + dt.timedelta(hours=n)), THREAD)
        for n in range(5)
    ]
    shuffled = [ExportItem(i.incident, list(reversed(i.updates))) for i in reversed(items)]
    assert render(items, zone=UTC, report=True) == render(shuffled, zone=UTC, report=True)


def test_empty_report() -> None:
    assert "0 incidents from 0 vendors." in render([], zone=UTC, report=True)


def test_export_module_imports_nothing_that_does_io() -> None:
    tree = ast.parse(
        (REPO / "incident_feed" / "outputs" / "markdown.py").read_text(encoding="utf-8")
    )
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    allowed = {
        "__future__", "datetime", "re", "statistics", "collections.abc", "dataclasses",
        "typing", "urllib.parse", "incident_feed.enums", "incident_feed.normalize.times",
        "incident_feed.decide.phase_times",
    }  # fmt: skip
    assert imported <= allowed, imported - allowed


def test_rendering_touches_no_file_socket_or_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins
    import socket
    import time

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("export did I/O")

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(time, "time", refuse)
    items = [ExportItem(_incident(id=f"a-{n}"), THREAD) for n in range(3)]
    assert render(items, zone=UTC, report=True)


# -- the command ------------------------------------------------------------------------------


@pytest.fixture
def seeded(tmp_path: Path, run_cli: Callable[..., int]) -> str:
    db = f"sqlite:///{tmp_path / 'seed.db'}"
    files = [HISTORY / f"{name}.json" for name in ("zjchv3zvfg50", "8qy34dmg4kdm", "00lscqwb6ht5")]
    assert run_cli("--config", CONFIG, "--db", db, "import", "--kind", "statuspage",
                   "--vendor", "GitHub", "--source", "github-status", *files) == 0  # fmt: skip
    return db


def test_export_to_stdout_and_to_a_file_agree(
    seeded: str, tmp_path: Path, run_cli: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("--config", CONFIG, "--db", seeded, "export", "--vendor", "github") == 0
    printed = capsys.readouterr().out
    out = tmp_path / "report.md"
    assert run_cli("--config", CONFIG, "--db", seeded, "export", "--vendor", "github",
                   "-o", out) == 0  # fmt: skip
    assert out.read_text(encoding="utf-8") == printed
    assert printed.startswith("# Incident report\n")
    assert "3 incidents from 1 vendor." in printed
    assert not list(tmp_path.glob(".report.md.*"))  # the temporary file was renamed


def test_export_filters_by_period(
    seeded: str, run_cli: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_cli("--config", CONFIG, "--db", seeded, "export",
                   "--since", "2023-09-19", "--until", "2023-09-20")  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert "2 incidents from 1 vendor." in text
    assert "Incident with Issues, API Requests and Git Operations" in text


def test_export_unknown_id_fails(
    seeded: str, run_cli: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("--config", CONFIG, "--db", seeded, "export", "github-nope") == 1
    assert "no incident 'github-nope'" in capsys.readouterr().err


def test_export_bad_zone_is_a_usage_error(
    seeded: str, run_cli: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_cli("--config", CONFIG, "--db", seeded, "export", "--tz", "Mars/Olympus")
    assert code == 2
    assert "Mars/Olympus" in capsys.readouterr().err


def test_hostile_golden_input_is_derived_from_a_real_file() -> None:
    derived = json.loads(
        (Path(__file__).parent / "golden" / "hostile-incident.input.json").read_text()
    )
    original = json.loads((HISTORY / "8qy34dmg4kdm.json").read_text())
    assert derived["incident"]["created_at"] == original["incident"]["created_at"]
    assert len(derived["incident"]["incident_updates"]) == len(
        original["incident"]["incident_updates"]
    )
