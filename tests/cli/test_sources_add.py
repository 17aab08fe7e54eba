"""`sources add URL`: the platform told from what the page serves, the [[source]] written with
the config's comments kept, and a `collect` storing the new source's incidents; `sources test`
fetching once and storing nothing. Real payloads, served on 127.0.0.1."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from incident_feed.cli import main
from incident_feed.config import load_config
from tests.conftest import FIXTURES
from tests.sources.server import LocalServer, json_reply, respond

SUMMARY = FIXTURES / "statuspage" / "githubstatus-summary" / "summary-2022-11-25.json"
ATOM = FIXTURES / "feeds" / "githubstatus" / "history-2026-03-04.atom"
COMMENTED = """\
# My team's sources. Keep this comment!
[settings]
timezone = "UTC"
allow_loopback = true   # the test server is on 127.0.0.1

[settings.limits]
deadline = 5.0

[[vendor]]
name = "Acme"

# Acme's own page
[[source]]
name = "acme-status"
vendor = "Acme"
kind = "statuspage"
url = "https://status.acme.example"
active = false
"""


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer(max_requests=60) as running:
        yield running
    running.check()


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(COMMENTED, encoding="utf-8")
    return path


def _serve_statuspage(server: LocalServer) -> None:
    summary = json.loads(SUMMARY.read_bytes())
    envelope = {"page": summary["page"], "incidents": summary["incidents"]}
    headers = {"x-statuspage-version": "8f2b1e0"}
    server.route(
        "/", respond("<html><title>GitHub Status</title></html>", content_type="text/html")
    )
    server.route("/api/v2/summary.json", json_reply(SUMMARY, headers=headers))
    server.route("/api/v2/incidents.json", json_reply(envelope, headers=headers))


def _run(config_file: Path, tmp_path: Path, *args: str) -> int:
    return main(["--config", str(config_file), "--db", str(tmp_path / "db.sqlite"), *args])


def test_a_statuspage_is_detected_written_with_comments_kept_and_collected(
    server: LocalServer, config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _serve_statuspage(server)
    assert _run(config_file, tmp_path, "sources", "add", server.url("/")) == 0
    out = capsys.readouterr().out
    assert "detected: statuspage" in out
    assert "x-statuspage-version" in out
    text = config_file.read_text(encoding="utf-8")
    assert text.startswith(COMMENTED)  # every comment and line of the file kept, in order
    added = tomllib.loads(text)["source"][-1]
    assert added == {
        "name": "github-status",
        "vendor": "GitHub",
        "kind": "statuspage",
        "url": server.url("/").rstrip("/"),
    }
    assert [v["name"] for v in tomllib.loads(text)["vendor"]] == ["Acme", "GitHub"]
    assert load_config(config_file).source("github-status").kind == "statuspage"
    assert _run(config_file, tmp_path, "collect") == 0
    capsys.readouterr()
    assert _run(config_file, tmp_path, "incidents", "--json", "--vendor", "GitHub") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [i["title"] for i in listed] == [
        json.loads(SUMMARY.read_bytes())["incidents"][0]["name"]
    ]


def test_an_html_page_advertising_its_feed_is_added_as_that_feed(
    server: LocalServer, config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = (
        "<!doctype html><html><head><title>Example Cloud Status</title>"
        '<link rel="alternate" type="application/atom+xml" href="/history.atom"></head>'
        "<body>All good</body></html>"
    )
    server.route("/", respond(page, content_type="text/html; charset=utf-8"))
    server.route("/history.atom", respond(ATOM.read_bytes(), content_type="application/atom+xml"))
    assert _run(config_file, tmp_path, "sources", "add", server.url("/")) == 0
    out = capsys.readouterr().out
    assert "detected: feed" in out and "<link rel=alternate>" in out
    added = tomllib.loads(config_file.read_text(encoding="utf-8"))["source"][-1]
    assert added["kind"] == "feed"
    assert added["url"] == server.url("/history.atom")
    assert added["vendor"] == "Example Cloud"
    assert _run(config_file, tmp_path, "collect") == 0
    capsys.readouterr()
    assert _run(config_file, tmp_path, "incidents", "--json", "--vendor", "Example Cloud") == 0
    assert len(json.loads(capsys.readouterr().out)) > 0


def test_dry_run_writes_nothing_and_shows_the_table(
    server: LocalServer, config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _serve_statuspage(server)
    code = _run(config_file, tmp_path, "sources", "add", server.url("/"), "--dry-run",
                "--vendor", "GH", "--name", "gh-page")  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "# added by `incident-feed sources add`" in out
    assert '[[vendor]]\nname = "GH"\n\n[[source]]\nname = "gh-page"\nvendor = "GH"' in out
    assert 'name = "gh-page"' in out and 'vendor = "GH"' in out
    assert config_file.read_text(encoding="utf-8") == COMMENTED


def test_a_page_that_is_nothing_known_is_an_error_naming_what_was_tried(
    server: LocalServer, config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.route("/", respond("<html><title>Hello</title></html>", content_type="text/html"))
    assert _run(config_file, tmp_path, "sources", "add", server.url("/")) == 1
    err = capsys.readouterr().err
    assert "could not tell what kind of status page" in err
    assert "/api/v2/summary.json" in err and "404" in err
    assert config_file.read_text(encoding="utf-8") == COMMENTED


def test_the_same_source_twice_is_refused(
    server: LocalServer, config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _serve_statuspage(server)
    assert _run(config_file, tmp_path, "sources", "add", server.url("/")) == 0
    written = config_file.read_text(encoding="utf-8")
    assert _run(config_file, tmp_path, "sources", "add", server.url("/"), "--name", "again") == 2
    assert "exists already" in capsys.readouterr().err
    assert config_file.read_text(encoding="utf-8") == written


def test_social_accounts_are_told_by_their_url_without_a_request(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "https://hachyderm.io/@tailscale"
    assert _run(config_file, tmp_path, "sources", "add", url, "--vendor", "Tailscale") == 0
    added = tomllib.loads(config_file.read_text(encoding="utf-8"))["source"][-1]
    assert (added["kind"], added["url"], added["name"]) == ("mastodon", url, "tailscale-status")


def test_the_bundled_catalogue_is_never_edited(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from incident_feed.paths import bundled_config_file

    before = bundled_config_file().read_bytes()
    user = tmp_path / "user" / "config.toml"
    monkeypatch.setattr("incident_feed.config_edit.user_config_file", lambda: user)
    url = "https://bsky.app/profile/status.example.com"
    code = main(["--config", str(bundled_config_file()), "--db", str(tmp_path / "x.db"),
                 "sources", "add", url, "--vendor", "Example"])  # fmt: skip
    assert code == 0, capsys.readouterr()
    assert bundled_config_file().read_bytes() == before
    text = user.read_text(encoding="utf-8")
    assert text.startswith(before.decode("utf-8"))  # the catalogue's text, comments and all
    assert load_config(user).source("example-status").kind == "bluesky"


def test_sources_test_fetches_once_and_stores_nothing(
    server: LocalServer, config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _serve_statuspage(server)
    assert _run(config_file, tmp_path, "sources", "add", server.url("/")) == 0
    capsys.readouterr()
    assert _run(config_file, tmp_path, "sources", "test", "github-status") == 0
    out = capsys.readouterr().out
    assert "nothing is stored" in out
    assert "would store 1 incidents and 0 maintenances" in out
    assert server.count("/api/v2/incidents.json") == 1
    assert not (tmp_path / "db.sqlite").exists()
    assert _run(config_file, tmp_path, "sources", "test", "github-status", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["incidents"][0]["phase"] == "investigating"
    assert report["errors"] == []


@pytest.mark.parametrize(
    ("url", "channel"),
    [
        ("https://hachyderm.io/@tailscale.rss", "mastodon"),
        ("https://bsky.app/profile/status.example.com/rss", "bluesky"),
    ],
)
def test_an_accounts_own_feed_is_an_account_feed(
    url: str, channel: str, config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(config_file, tmp_path, "sources", "add", url, "--vendor", "Example") == 0
    assert f"is a {channel} account's own feed" in capsys.readouterr().out
    added = tomllib.loads(config_file.read_text(encoding="utf-8"))["source"][-1]
    assert (added["kind"], added["url"]) == ("account-feed", url)
