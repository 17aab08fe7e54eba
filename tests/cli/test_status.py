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
from tests.sources.server import LocalServer, json_reply, respond

SUMMARY = FIXTURES / "statuspage" / "githubstatus-summary" / "summary-2022-11-25.json"
WIDGET = FIXTURES / "platforms" / "incidentio" / "openai-proxy-widget-summary-quiet-2026-09-03.json"
FEED = FIXTURES / "feeds" / "githubstatus" / "history-2022-11-04.atom"  # all resolved

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
        running.route(
            "/history.atom", respond(FEED.read_bytes(), content_type="application/atom+xml")
        )
        yield running
    running.check()


def _config(
    tmp_path: Path, server: LocalServer, github_extra: str = "", more: str = ""
) -> list[str]:
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
{more}
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
    assert lines == [
        "VENDOR             STATE        PAGE SAYS                 PAGE READ",
        "GitHub             minor        Minor Service Outage      " + _read_at(tmp_path),
        "  partial outage   Packages",
        "  investigating    since 2022-11-25 14:39 UTC  github-ljwdk6qml8z8",
        "                   Incident with Packages and Pages",
        "2 other vendors: nothing open (1 never fetched; --all lists them)",
    ]
    assert main([*cfg, "show", lines[3].split()[-1]]) == 0  # the id shown is what show takes
    assert "Incident with Packages and Pages" in capsys.readouterr().out

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
    assert lines[1].split()[:4] == ["OpenAI", "none", "All", "systems"]
    assert len(lines) == 2 + 34
    assert "  operational      APIs / Login" in lines
    assert "  operational      ChatGPT / Login" in lines


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


def _read_at(tmp_path: Path) -> str:
    """When the run stored GitHub's page state, as status shows it (UTC here)."""
    from incident_feed.store.database import Store
    from incident_feed.store.page_status import read_page_statuses

    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}", create=False)
    try:
        fetched = read_page_statuses(store)["github-status"]["fetched_at"]
    finally:
        store.close()
    return f"{fetched:%Y-%m-%d %H:%M} UTC"


def test_a_vendor_with_a_feed_only_has_no_page_state_and_one_never_collected_says_so(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = f"""
[[vendor]]
name = "Feed Co"
[[source]]
name = "feedco-history"
vendor = "Feed Co"
kind = "feed"
url = "{server.url("/history.atom")}"
[[source]]
name = "quiet-status"
vendor = "Quiet Co"
kind = "statuspage"
url = "https://status.quiet.example"
active = false
"""
    cfg = _config(tmp_path, server, more=feed)
    assert main([*cfg, "collect"]) == 0
    capsys.readouterr()
    assert main([*cfg, "status", "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "Feed Co            -                                      no page state" in lines
    assert "Quiet Co           -                                      never fetched" in lines
    assert all(len(line) <= 80 for line in lines)
    assert main([*cfg, "status"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "3 other vendors: nothing open (1 never fetched; --all lists them)"
    )


def test_hostile_page_text_stays_inert_and_within_80_columns(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Derived from the real summary: its description, a component and the incident renamed.
    summary = json.loads(SUMMARY.read_bytes())
    summary["status"]["description"] = "\x1b[2J\x1b]0;owned\x07Minor \u202eoutage\n" + "x" * 500
    summary["components"][7]["name"] = "[bold]Packages[/] \x9b31m" + "p" * 300
    summary["incidents"][0]["name"] = "Incident\r\nwith \x1b[31mPackages" + " and Pages" * 40
    server.route("/api/v2/summary.json", json_reply(summary))
    server.route("/api/v2/incidents.json", json_reply({"page": summary["page"], "incidents": []}))
    cfg = _config(tmp_path, server, more='[[vendor]]\nname = "V\\u001b[31m' + "v" * 100 + '"')
    assert main([*cfg, "collect"]) == 0
    capsys.readouterr()
    assert main([*cfg, "status", "--all"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert not any(ch in out for ch in "\x1b\x07\x9b\u202e\r")
    # Escape sequences lose their ESC (what is left is inert text), long text is cut.
    assert lines[1].startswith("GitHub             minor        [2J]0;ownedMinor outage … 20")
    assert lines[2] == "  partial outage   [bold]Packages[/] 31m" + "p" * 39 + "…"
    assert lines[4] == (
        "                   Incident with [31mPackages and Pages and Pages and Pages and…"
    )
    assert lines[-1].startswith("V[31m" + "v" * 12 + "… -")
