"""Better Stack and Instatus pages end to end on 127.0.0.1: `sources add` tells each from what
it serves, writes its [[source]], and `collect` stores its incidents and its page state.

Payloads: tests/data/fixtures/platforms/{betterstack,instatus} (derived; see that README).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from incident_feed.cli import main
from incident_feed.config import load_config
from tests.conftest import FIXTURES
from tests.sources.server import LocalServer, json_reply, respond

FOLDER = FIXTURES / "platforms"
CONFIG = """\
[settings]
allow_loopback = true   # the test server is on 127.0.0.1
"""
PAGE_HTML = "<html><head><title>Better Stack status</title></head><body>status</body></html>"

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer(max_requests=60) as running:
        yield running
    running.check()


def _run(config: Path, tmp_path: Path, *args: str) -> int:
    return main(["--config", str(config), "--db", str(tmp_path / "db.sqlite"), *args])


def _incidents(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict]:  # type: ignore[type-arg]
    assert _run(config, tmp_path, "incidents", "--json") == 0
    rows: list[dict] = json.loads(capsys.readouterr().out)  # type: ignore[type-arg]
    return rows


def test_a_better_stack_page_is_detected_and_collected(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    # Better Stack answers 200 with its HTML page for any path: no 404 tells a path is absent.
    server.fallback = respond(PAGE_HTML, content_type="text/html")
    server.route("/index.json", json_reply(FOLDER / "betterstack/betterstack-index-derived.json"))

    assert _run(config, tmp_path, "sources", "add", server.url("/")) == 0
    assert "detected: betterstack" in capsys.readouterr().out
    (added,) = load_config(config).sources
    assert (added.kind, added.vendor, added.url) == (
        "betterstack",
        "Better Stack",
        server.url("/").rstrip("/"),
    )

    assert _run(config, tmp_path, "collect") == 0
    capsys.readouterr()
    rows = {row["title"]: row for row in _incidents(config, tmp_path, capsys)}
    assert {title: (r["kind"], r["phase"]) for title, r in rows.items()} == {
        "Delayed data processing in the Europe region": ("incident", "resolved"),
        "Slow log search in the Europe region": ("incident", "remediating"),
        "Database upgrade": ("maintenance", "scheduled"),
    }
    assert server.count("/index.json") == 2  # one probe by `sources add`, one by `collect`


def test_an_instatus_page_is_detected_and_collected(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    server.route(
        "/", respond("<html><title>Wistia Status</title></html>", content_type="text/html")
    )
    summary = FOLDER / "instatus/instatus-summary-hasissues-derived.json"
    server.route("/summary.json", json_reply(summary))
    server.route(
        "/v3/components.json", json_reply(FOLDER / "instatus/instatus-components-wistia.json")
    )

    assert _run(config, tmp_path, "sources", "add", server.url("/")) == 0
    assert "detected: instatus" in capsys.readouterr().out
    (added,) = load_config(config).sources
    assert (added.kind, added.vendor) == ("instatus", "Wistia")

    assert _run(config, tmp_path, "collect") == 0
    capsys.readouterr()
    rows = {row["title"]: row for row in _incidents(config, tmp_path, capsys)}
    assert {title: (r["kind"], r["phase"], r["impact"]) for title, r in rows.items()} == {
        "We're facing an issue with our API": ("incident", "investigating", "major"),
        "Database maintenance": ("maintenance", "scheduled", "maintenance"),
    }
    assert server.count("/v3/components.json") == 1
