"""TUI fixtures: a store seeded once per session from the real GitHub fixture files, a fixed
clock and display zone (UTC), and an app factory whose browser records the links it opens."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from incident_feed.config import Config, SourceConfig
from incident_feed.pipeline import ingest
from incident_feed.sources.base import Document
from incident_feed.sources.registry import collector_for
from incident_feed.store.database import Store
from incident_feed.tui.app import IncidentFeedApp, create_app
from tests.conftest import FIXTURES, make_config

# Just after the newest fixture update (2026-08-21 00:37 UTC): recent rows read "N h ago".
TUI_NOW = dt.datetime(2026, 8, 21, 9, 0, tzinfo=dt.UTC)
SIZE = (100, 30)
HISTORY = FIXTURES / "statuspage" / "github-incident-history"
ATOM = FIXTURES / "feeds" / "githubstatus"
SOURCES = (
    {"name": "github-status", "vendor": "GitHub", "kind": "statuspage",
     "url": "https://www.githubstatus.com"},
    {"name": "github-feed", "vendor": "GitHub", "kind": "feed",
     "url": "https://www.githubstatus.com/history.atom"},
    {"name": "gcp-status", "vendor": "Google Cloud", "kind": "gcp",
     "url": "https://status.cloud.google.com/incidents.json"},
)  # fmt: skip
# Google Cloud's capture of 2022-07-19 holds two incidents still open (GitHub's history is all
# resolved but for one scheduled maintenance): the list has active incidents to put first.
GCP_OPEN = FIXTURES / "gcp" / "incidents-low_severity_incident.json"


def seed(store: Store, now: dt.datetime = TUI_NOW) -> None:
    """Import the fixture files the way ``incident-feed import`` does (API history, then the
    Atom snapshots in date order, then Google Cloud's two open incidents)."""
    history = sorted(p for p in HISTORY.glob("*.json") if p.name != "incident_codes.json")
    atoms = sorted(ATOM.glob("*.atom"))
    for source, paths, content_type in (
        (SOURCES[0], history, "application/json"),
        (SOURCES[1], atoms, "application/atom+xml"),
        (SOURCES[2], [GCP_OPEN], "application/json"),
    ):
        config = SourceConfig(**source)
        documents = (
            Document(str(p), p.read_bytes(), {"content-type": content_type}) for p in paths
        )
        ingest(store, config, collector_for(config.kind), documents, lambda: now)


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seeded") / "incidents.db"
    store = Store.open(f"sqlite:///{path}")
    seed(store)
    store.close()
    return path


@pytest.fixture
def tui_store(seeded_db: Path, tmp_path: Path) -> Iterator[Store]:
    """A private copy of the seeded database (tests may write to it)."""
    path = tmp_path / "seeded-copy.db"
    shutil.copy(seeded_db, path)
    opened = Store.open(f"sqlite:///{path}")
    yield opened
    opened.close()


@pytest.fixture
def tui_config() -> Config:
    return make_config(*SOURCES, timezone="UTC")


@pytest.fixture
def opened_links() -> list[str]:
    return []


@pytest.fixture
def make_app(tui_config: Config, opened_links: list[str]) -> Callable[..., IncidentFeedApp]:
    def factory(store: Store, config: Config | None = None, **options: Any) -> IncidentFeedApp:
        options.setdefault("poll_seconds", None)
        options.setdefault("open_url", lambda url: opened_links.append(url) or True)
        return create_app(store, config or tui_config, lambda: TUI_NOW, **options)

    return factory


async def settle(pilot: Pilot[Any]) -> None:
    """Let loading workers finish and their results reach the screen."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


@pytest.fixture
def anyio_backend() -> str:
    """Pilot tests run on asyncio (anyio's pytest plugin ships with httpx's anyio)."""
    return "asyncio"
