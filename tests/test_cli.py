"""The command line end to end: import, the JSON contract, exit codes, config errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from incident_feed.cli import main
from tests.conftest import FIXTURES, REPO

HISTORY = FIXTURES / "statuspage" / "github-incident-history"
SEED = REPO / "tests" / "golden" / "seed" / "openai-2024-12-11.json"
CONFIG = """
[settings]
timezone = "UTC"
[[vendor]]
name = "GitHub"
[[vendor]]
name = "OpenAI"
[[source]]
name = "github"
vendor = "GitHub"
kind = "statuspage"
url = "https://www.githubstatus.com"
"""


@pytest.fixture
def cfg(tmp_path: Path) -> list[str]:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return ["--config", str(path), "--db", str(tmp_path / "cli.db")]


def run_json(cfg: list[str], capsys: pytest.CaptureFixture[str], *args: str) -> object:
    capsys.readouterr()
    assert main([*cfg, *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_import_then_incidents_json_contract(
    cfg: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    files = sorted(HISTORY.glob("0*.json"))[:20]
    assert (
        main([*cfg, "import", "--kind", "statuspage", "--vendor", "GitHub", *map(str, files)]) == 0
    )
    items = run_json(cfg, capsys, "incidents", "--json", "--with-updates", "--limit", "5")
    assert isinstance(items, list) and len(items) == 5
    for item in items:
        assert {"id", "vendor", "kind", "title", "phase", "impact", "started_at", "resolved_at",
                "updated_at", "url", "sources", "updates"} <= set(item)  # fmt: skip
        assert item["started_at"].endswith("Z") and item["updated_at"].endswith("Z")
        assert item["sources"][0] == {
            "name": "github",
            "kind": "statuspage",
            "native_id": item["id"].removeprefix("github-"),
            "url": item["url"],
        }
        for update in item["updates"]:
            assert {"id", "at", "phase", "source", "text", "url", "evidence"} <= set(update)
            assert update["at"].endswith("Z") and update["source"] == "github"
    starts = [i["started_at"] for i in items]
    assert starts == sorted(starts, reverse=True)


def test_reimport_writes_nothing(cfg: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(p) for p in sorted(HISTORY.glob("1*.json"))[:30]]
    assert main([*cfg, "import", "--kind", "statuspage", "--vendor", "GitHub", *files]) == 0
    first = capsys.readouterr().err
    assert main([*cfg, "import", "--kind", "statuspage", "--vendor", "GitHub", *files]) == 0
    second = capsys.readouterr().err
    assert "30 new incidents" in first
    assert "0 new incidents, 0 changed; 0 new updates, 0 changed" in second


def test_seed_incident_shows_its_thread(cfg: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*cfg, "import", "--kind", "statuspage", "--vendor", "OpenAI", str(SEED)]) == 0
    item = run_json(cfg, capsys, "show", "openai-ctrsv3lwd797", "--json")
    assert isinstance(item, dict)
    assert [u["phase"] for u in item["updates"]] == ["identified", "remediating", "resolved"]
    assert item["phase"] == "resolved" and item["resolved_at"] == "2024-12-12T03:38:00Z"
    assert [c["name"] for c in item["components"]] == ["API", "ChatGPT", "Sora"]
    capsys.readouterr()
    assert main([*cfg, "show", "openai-ctrsv3lwd797"]) == 0
    text = capsys.readouterr().out
    assert 'why: phrase "rolling out a remediation" over label "identified"' in text


def test_bad_file_is_one_error_and_the_rest_imports(
    cfg: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("<html><body>502 Bad Gateway</body></html>")
    good = sorted(HISTORY.glob("2*.json"))[0]
    code = main(
        [*cfg, "import", "--kind", "statuspage", "--vendor", "GitHub", str(broken), str(good)]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "broken.json" in err and "HTML page" in err
    assert "1 new incidents" in err


def test_filters(cfg: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(p) for p in sorted(HISTORY.glob("*.json")) if p.name != "incident_codes.json"]
    assert main([*cfg, "import", "--kind", "statuspage", "--vendor", "GitHub", *files[:200]]) == 0
    found = run_json(cfg, capsys, "incidents", "--json", "--search", "webhooks", "--limit", "500")
    assert isinstance(found, list) and found
    assert all("webhooks" in (i["title"].lower()) or i["id"] for i in found)
    since = run_json(cfg, capsys, "incidents", "--json", "--since", "2023-01-01", "--limit", "500")
    assert isinstance(since, list) and all(i["started_at"] >= "2023-01-01" for i in since)
    none = run_json(cfg, capsys, "incidents", "--json", "--phase", "investigating")
    assert none == []


def test_config_error_names_file_key_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[settings]\ndatabse = "x"\n')
    assert main(["--config", str(path), "sources"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "settings.databse" in err and "unknown key" in err


def test_unknown_source_is_a_usage_error(
    cfg: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*cfg, "collect", "--source", "nope"]) == 2
    assert "no source named 'nope'" in capsys.readouterr().err


def test_show_unknown_incident(cfg: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*cfg, "show", "github-nothing"]) == 1


def test_sources_json_lists_configured_sources(
    cfg: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    items = run_json(cfg, capsys, "sources", "--json")
    assert isinstance(items, list)
    assert items[0]["name"] == "github" and items[0]["last_success_at"] is None


def test_incidents_json_does_not_import_textual(cfg: list[str]) -> None:
    code = (
        "import sys; from incident_feed.cli import main; "
        f"rc = main({[*cfg, 'incidents', '--json']!r}); "
        "assert 'textual' not in sys.modules, 'textual imported'; sys.exit(rc)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


# Not imported by the read commands: sqlmodel, pydantic and the ORM (most of the cold start, see
# docs/benchmarks.md), the migrations (the schema fast path), the collection and TUI stacks.
NOT_ON_READ_PATH = (
    "sqlmodel", "pydantic", "pydantic_core", "sqlalchemy.orm", "alembic", "httpx", "feedparser",
    "bs4", "textual", "incident_feed.decide.merge",
)  # fmt: skip


def test_read_commands_do_not_import_the_orm(
    cfg: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    files = sorted(HISTORY.glob("0*.json"))[:5]
    assert (
        main([*cfg, "import", "--kind", "statuspage", "--vendor", "GitHub", *map(str, files)]) == 0
    )
    first = run_json(cfg, capsys, "incidents", "--json", "--limit", "1")
    assert isinstance(first, list) and first
    code = f"""
import contextlib, io, sys
from incident_feed.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    for command in (
        ["incidents", "--json", "--limit", "50"],
        ["incidents", "--json", "--with-updates"],
        ["incidents", "--search", "degraded"],
        ["show", {first[0]["id"]!r}, "--json"],
        ["show", {first[0]["id"]!r}],
        ["sources", "--json"],
    ):
        assert main({cfg!r} + command) == 0, command
names = {NOT_ON_READ_PATH!r}
print(sorted({{n for m in sys.modules for n in names if m == n or m.startswith(n + ".")}}))
"""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_python_dash_m_runs(cfg: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "incident_feed", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.startswith("incident-feed ")


HOSTILE = "Evil\x1b]52;c;aGk=\x07\u200f\u061c\u2028\u2029\x85Co"


def test_show_incidents_and_sources_print_every_field_cleaned(
    cfg: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stored text from another writer (a shared database) is cleaned wherever it is printed."""
    import datetime as dt

    from incident_feed.enums import Impact, Kind, Phase
    from incident_feed.normalize.drafts import IncidentDraft, Stamp, UpdateDraft
    from incident_feed.store.database import IncidentQuery, Store

    now = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)
    stamp = Stamp(now - dt.timedelta(hours=1), "2025-01-01T23:00:00Z")
    url = "https://x.test/\x1b]52;c;aGk=\x07\u200f"
    update = UpdateDraft("u1", stamp, Phase.INVESTIGATING, None, HOSTILE, HOSTILE, url=url)
    draft = IncidentDraft(
        "k1", "n1", HOSTILE, Kind.INCIDENT, HOSTILE, Impact.MINOR, (update,), url=url
    )
    store = Store.open(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        store.apply(f"evil{HOSTILE}", "statuspage", [draft], now)
        store.record_source_result(
            {"name": "github", "vendor": HOSTILE, "kind": "statuspage", "url": url},
            now=now,
            error=f"github: {HOSTILE}",
        )
        (row,) = store.incidents(IncidentQuery(limit=None))
    finally:
        store.close()
    for command in (["show", row["id"]], ["incidents"], ["sources"]):
        capsys.readouterr()
        assert main([*cfg, *command]) == 0
        out = capsys.readouterr().out
        assert "EvilCo" in out or "Evil]52;c;aGk=" in out, command
        for unsafe in ("\x1b", "\x07", "\u200f", "\u061c", "\u2028", "\u2029", "\x85"):
            assert unsafe not in out, (command, unsafe)
