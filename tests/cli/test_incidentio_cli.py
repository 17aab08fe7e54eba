"""An incident.io page end to end on 127.0.0.1: `sources add` tells it from its widget API,
`sources test` shows its state and incidents, `collect` stores them (real OpenAI payloads)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from incident_feed.cli import main
from incident_feed.config import load_config
from tests.conftest import FIXTURES
from tests.sources.server import LocalServer, json_reply, respond

FOLDER = FIXTURES / "platforms" / "incidentio"
SUMMARY = FOLDER / "openai-proxy-widget-summary-quiet-2026-09-03.json"
INCIDENT = FOLDER / "openai-proxy-incident-01M1KWEDH417T2CF44YYHZDFCR-resolved.json"
CONFIG = """\
[settings]
allow_loopback = true   # the test server is on 127.0.0.1
"""

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer(max_requests=60) as running:
        yield running
    running.check()


def _run(config: Path, tmp_path: Path, *args: str) -> int:
    return main(["--config", str(config), "--db", str(tmp_path / "db.sqlite"), *args])


def test_an_incident_io_page_is_detected_tested_and_collected(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    incident = json.loads(INCIDENT.read_bytes())["incident"]
    server.route(
        "/", respond("<html><title>OpenAI Status</title></html>", content_type="text/html")
    )
    server.route("/proxy/127.0.0.1", json_reply(SUMMARY))
    server.route("/proxy/127.0.0.1/incidents", json_reply({"incidents": [incident]}))

    assert _run(config, tmp_path, "sources", "add", server.url("/")) == 0
    assert "detected: incidentio" in capsys.readouterr().out
    added = load_config(config).source("openai-status")
    assert (added.kind, added.vendor) == ("incidentio", "OpenAI")

    assert _run(config, tmp_path, "sources", "test", "openai-status", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == [] and report["notes"] == []
    assert report["status"] == [
        {
            "indicator": "none",
            "description": "All systems operational",
            "components": 34,
            "not_operational": [],
        }
    ]
    (listed,) = report["incidents"]
    assert (listed["phase"], listed["updates"]) == ("resolved", 3)
    assert "ChatGPT / Login" in listed["components"]
    assert not (tmp_path / "db.sqlite").exists()

    assert _run(config, tmp_path, "collect") == 0
    capsys.readouterr()
    assert _run(config, tmp_path, "incidents", "--json", "--component", "codex") == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["title"] == "Elevated errors across ChatGPT and Codex"
    assert row["phase"] == "resolved"
