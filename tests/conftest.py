"""Shared fixtures: a throwaway SQLite store, a fixed clock, configs, and cassette settings.

Fixture data lives in ``tests/data/fixtures`` (copies of real public payloads) and cassettes in
the repo's ``cassettes/`` (built from them by ``tests/tools/build_cassettes.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from incident_feed.config import Config, parse_config
from incident_feed.store.database import Store

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "data" / "fixtures"
CASSETTES = REPO / "cassettes"
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test touches the real user's data or config directories."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("INCIDENT_FEED_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "share"))
    monkeypatch.delenv("INCIDENT_FEED_CONFIG", raising=False)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'incidents.db'}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store.open(db_url)
    yield opened
    opened.close()


@pytest.fixture
def clock() -> Any:
    return lambda: NOW


def make_config(*sources: dict[str, Any], **settings: Any) -> Config:
    """A config with the given ``[[source]]`` tables (vendors declared from them)."""
    vendors = sorted({s["vendor"] for s in sources})
    return parse_config(
        {
            "settings": settings,
            "vendor": [{"name": v} for v in vendors],
            "source": list(sources),
        },
        None,
    )


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {"record_mode": "none", "match_on": ["method", "uri"]}


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)
