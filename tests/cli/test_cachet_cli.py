"""A Cachet page on 127.0.0.1 (the API reference's examples): `sources add` tells it by its
ping, `collect` stores its incident and its page state, times read in the configured zone."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from incident_feed.cli import main
from tests.conftest import FIXTURES
from tests.sources.server import LocalServer, json_reply, respond

FOLDER = FIXTURES / "platforms" / "cachet"

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer(max_requests=40) as running:
        running.route("/", respond("<html><title>Status</title></html>", content_type="text/html"))
        running.route("/api/v1/ping", json_reply({"data": "Pong!"}))
        running.route("/api/v1/components", json_reply(FOLDER / "components-doc-example.json"))
        running.route("/api/v1/incidents", json_reply(FOLDER / "incidents-2.4-doc-example.json"))
        yield running
    running.check()


def test_a_cachet_page_is_detected_and_collected(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('# mine\n[settings]\nallow_loopback = true\ntimezone = "UTC"\n', "utf-8")
    base = ["--config", str(config), "--db", str(tmp_path / "db.sqlite")]
    assert main([*base, "sources", "add", server.url("/"), "--vendor", "Acme"]) == 0
    out = capsys.readouterr().out
    assert "detected: cachet" in out and "Pong!" in out
    text = config.read_text("utf-8")
    assert text.startswith("# mine\n")
    (source,) = tomllib.loads(text)["source"]
    assert (source["kind"], source["name"]) == ("cachet", "acme-status")
    # The page's times carry no offset: say which zone they are in.
    config.write_text(text + 'timezone = "America/New_York"\n', "utf-8")
    assert main([*base, "collect"]) == 0
    capsys.readouterr()
    assert main([*base, "incidents", "--json", "--with-updates"]) == 0
    (outage,) = json.loads(capsys.readouterr().out)
    assert (outage["title"], outage["phase"]) == ("Incident Name", "identified")
    # 12:00 in New York (EDT, -04:00) on 2015-08-01 is 16:00 UTC.
    assert outage["started_at"].startswith("2015-08-01T16:00:00")
    assert main([*base, "status", "--json", "Acme"]) == 0
    (state,) = json.loads(capsys.readouterr().out)
    assert state["indicator"] == "none"
    assert state["components"] == [
        {"name": "Example", "group": None, "state": "operational", "id": "1"}
    ]
    assert [o["title"] for o in state["outages"]] == ["Incident Name"]
