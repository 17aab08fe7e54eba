"""Collection runs: a watcher records one per cycle, and only the latest are kept."""

from __future__ import annotations

import pytest

from incident_feed.store import database as store_module
from incident_feed.store.database import Store
from tests.conftest import NOW


def test_only_the_latest_runs_are_kept(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "KEEP_RUNS", 5)
    ids = [store.start_run("watch", NOW) for _ in range(12)]
    assert store.count("run") == 5
    assert [r["id"] for r in store.last_runs(10)] == list(reversed(ids[-5:]))
