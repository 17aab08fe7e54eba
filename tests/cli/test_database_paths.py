"""Read commands never create a database; ``--db`` paths are taken literally."""

from __future__ import annotations

from pathlib import Path

import pytest

from incident_feed.cli import main
from incident_feed.store.database import normalize_database_url
from tests.cli.conftest import GITHUB, HISTORY, UTC

CONFIG = UTC + GITHUB
READS = [
    [],
    ["incidents"],
    ["incidents", "--json"],
    ["show", "github-x"],
    ["sources"],
    ["stats"],
    ["export", "--since", "7d"],
]


@pytest.fixture
def config(tmp_path: Path) -> str:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("command", READS, ids=lambda c: " ".join(c) or "default")
def test_read_on_missing_database_fails_and_creates_nothing(
    tmp_path: Path, config: str, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope" / "x.db"
    assert main(["--config", config, "--db", str(missing), *command]) == 1
    err = capsys.readouterr().err
    assert f"no database at {missing}" in err
    assert "incident-feed collect" in err and "Traceback" not in err
    assert not missing.parent.exists()


def test_read_on_missing_default_database_creates_no_data_dir(
    tmp_path: Path, config: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data-home"
    monkeypatch.setenv("INCIDENT_FEED_DATA_DIR", str(data))
    assert main(["--config", config, "incidents"]) == 1
    assert not data.exists()


def test_writing_command_creates_the_database(tmp_path: Path, config: str) -> None:
    db = tmp_path / "new" / "dir" / "x.db"
    files = [str(p) for p in sorted(HISTORY.glob("0*.json"))[:2]]
    args = ["--config", config, "--db", str(db)]
    assert main([*args, "import", "--kind", "statuspage", "--vendor", "GitHub", *files]) == 0
    assert db.is_file()
    assert main([*args, "incidents"]) == 0


@pytest.mark.parametrize("name", ["we?ird.db", "has#hash.db", "per%20cent.db", "sp ace.db"])
def test_db_path_is_taken_literally(
    tmp_path: Path, config: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    files = [str(p) for p in sorted(HISTORY.glob("0*.json"))[:1]]
    code = main(["--config", config, "--db", name, "import", "--kind", "statuspage",
                 "--vendor", "GitHub", *files])  # fmt: skip
    assert code == 0
    assert (tmp_path / name).is_file()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".db") == [name]


def test_urls_still_parse_as_urls() -> None:
    assert normalize_database_url("sqlite:///x.db?mode=ro").query == {"mode": "ro"}
    assert normalize_database_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_database_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_database_url("a?b.db").database == "a?b.db"


def test_empty_filter_result_says_what_is_stored(
    tmp_path: Path, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--config", config, "--db", str(tmp_path / "x.db")]
    files = [str(p) for p in sorted(HISTORY.glob("0*.json"))[:3]]
    assert main([*args, "import", "--kind", "statuspage", "--vendor", "GitHub", *files]) == 0
    capsys.readouterr()
    assert main([*args, "incidents", "--vendor", "Nobody"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("No incidents match these filters (3 stored; newest 20")
    assert "stored yet" not in out


def test_empty_database_says_nothing_stored_yet(
    tmp_path: Path, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from incident_feed.store.database import Store

    db = tmp_path / "x.db"
    Store.open(str(db)).close()
    assert main(["--config", config, "--db", str(db), "incidents"]) == 0
    assert capsys.readouterr().out.startswith("No incidents stored yet")
