"""`status`: what is down now, from real pages served on 127.0.0.1 and collected: GitHub's live
summary of 2022-11-25 (Packages in partial outage, one incident investigating) and OpenAI's
incident.io widget summary (34 components, grouped, all operational)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from incident_feed.cli import main
from tests.conftest import FIXTURES
from tests.sources.server import LocalServer, json_reply

SUMMARY = FIXTURES / "statuspage" / "githubstatus-summary" / "summary-2022-11-25.json"
WIDGET = FIXTURES / "platforms" / "incidentio" / "openai-proxy-widget-summary-quiet-2026-09-03.json"

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer(max_requests=60) as running:
        summary = json.loads(SUMMARY.read_bytes())
        envelope = {"page": summary["page"], "incidents": summary["incidents"]}
        running.route("/api/v2/summary.json", json_reply(SUMMARY))
        running.route("/api/v2/incidents.json", json_reply(envelope))
        running.route("/proxy/127.0.0.1", json_reply(WIDGET))
        running.route("/proxy/127.0.0.1/incidents", json_reply({"incidents": []}))
        yield running
    running.check()


def _config(tmp_path: Path, server: LocalServer, github_extra: str = "") -> list[str]:
    text = f"""
[settings]
timezone = "UTC"
allow_loopback = true
[[vendor]]
name = "GitHub"
[[vendor]]
name = "OpenAI"
[[vendor]]
name = "Quiet Co"
[[source]]
name = "github-status"
vendor = "GitHub"
kind = "statuspage"
url = "{server.url("/").rstrip("/")}"
{github_extra}
[[source]]
name = "openai-status"
vendor = "OpenAI"
kind = "incidentio"
url = "{server.url("/").rstrip("/")}"
"""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return ["--config", str(path), "--db", str(tmp_path / "db.sqlite")]


def test_status_lists_what_is_down_worst_first_with_the_active_outage(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path, server)
    assert main([*cfg, "collect"]) == 0
    capsys.readouterr()
    assert main([*cfg, "status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["GitHub", "minor", "Minor"]
    assert lines[1].split() == ["partial", "outage", "Packages"]
    assert lines[2].split()[2:4] == ["investigating", "since"]
    assert lines[2].endswith("Incident with Packages and Pages")
    assert (
        lines[-1]
        == "2 other vendors: nothing open (1 with no page state read yet) (--all lists them)"
    )
    assert all(len(line) <= 120 for line in lines)

    assert main([*cfg, "status", "--json"]) == 0
    github, openai, quiet = json.loads(capsys.readouterr().out)
    assert (github["vendor"], github["indicator"]) == ("GitHub", "minor")
    packages = [c for c in github["components"] if c["state"] != "operational"]
    assert packages == [
        {"name": "Packages", "group": None, "state": "partial_outage", "id": "st3j38cctv9l"}
    ]
    assert len(github["components"]) == 11
    (outage,) = github["outages"]
    assert (outage["title"], outage["phase"]) == (
        "Incident with Packages and Pages",
        "investigating",
    )
    assert (openai["vendor"], openai["indicator"], len(openai["components"])) == (
        "OpenAI",
        "none",
        34,
    )
    assert {c["group"] for c in openai["components"]} >= {"APIs", "ChatGPT"}
    logins = sorted(c["id"] for c in openai["components"] if c["name"] == "Login")
    assert len(logins) == 2 and logins[0] != logins[1]  # two "Login"s, told apart by id
    assert quiet == {
        "vendor": "Quiet Co", "slug": "quiet-co", "indicator": "unknown", "description": "",
        "fetched_at": None, "updated": None, "components": [], "outages": [],
    }  # fmt: skip


def test_status_of_one_vendor_lists_every_component_with_its_group(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path, server)
    assert main([*cfg, "collect"]) == 0
    capsys.readouterr()
    assert main([*cfg, "status", "openai"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["OpenAI", "none", "All", "systems"]
    assert len(lines) == 1 + 34
    assert "    operational           APIs / Login" in lines
    assert "    operational           ChatGPT / Login" in lines


def test_a_team_watching_only_git_operations_is_not_told_about_packages(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path, server, 'components = ["git operations"]')
    assert main([*cfg, "collect"]) == 0
    capsys.readouterr()
    assert main([*cfg, "status", "--json", "GitHub"]) == 0
    (github,) = json.loads(capsys.readouterr().out)
    assert github["indicator"] == "none"
    assert github["description"] == "watched components: all operational"
    assert [c["name"] for c in github["components"]] == ["Git Operations"]
    assert github["outages"] == []  # the open incident touches Packages and Pages only
    # The same rule in every view: listed, counted, exported.
    assert main([*cfg, "incidents", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main([*cfg, "stats", "--json", "--since", "2022-11-01"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main([*cfg, "export", "--since", "2022-11-01"]) == 0
    assert "Incident with Packages and Pages" not in capsys.readouterr().out
    assert main([*cfg, "show", "ljwdk6qml8z8"]) == 0  # asked for by its id: still shown
    assert "Incident with Packages and Pages" in capsys.readouterr().out


def test_without_a_component_rule_every_view_has_the_outage(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path, server, 'exclude_components = ["Git*"]')
    assert main([*cfg, "collect"]) == 0
    capsys.readouterr()
    assert main([*cfg, "incidents", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["title"] == "Incident with Packages and Pages"
    assert main([*cfg, "stats", "--json", "--since", "2022-11-01"]) == 0
    (github,) = json.loads(capsys.readouterr().out)
    assert github["incidents"] == 1  # outages, under the JSON contract's name
    assert main([*cfg, "export", "--since", "2022-11-01"]) == 0
    assert "Incident with Packages and Pages" in capsys.readouterr().out


def test_status_on_a_missing_database_is_the_read_commands_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(tmp_path / "none.db"), "status"]) == 1
    assert "no database at" in capsys.readouterr().err
