"""The collector lock and the notification state on PostgreSQL (a server on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from incident_feed.config import NotifyConfig
from incident_feed.outputs.notify import Dispatcher, Notifier
from incident_feed.schedule import CollectorLock, Watcher
from incident_feed.sources.http import Fetcher, make_client
from incident_feed.store.database import Store
from tests.ops.local_server import LocalServer, conditional
from tests.ops.payloads import document, incident, local_config, progress, shifted

pytestmark = pytest.mark.postgres
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def test_advisory_lock_keeps_a_second_collector_off(postgres_url: str) -> None:
    first_store, second_store = Store.open(postgres_url), Store.open(postgres_url)
    try:
        first = CollectorLock.for_store(first_store)
        second = CollectorLock.for_store(second_store)
        assert first.path is None
        assert first.acquire()
        assert not second.acquire()
        assert second.describe() == "PostgreSQL advisory lock"
        first.release()
        assert second.acquire()
        second.release()
    finally:
        first_store.close()
        second_store.close()


def test_notifications_on_postgresql(
    postgres_url: str, server: LocalServer, tmp_path: Path
) -> None:
    real = shifted(incident("zjchv3zvfg50"), NOW - dt.timedelta(hours=10))
    server.route("/p/api/v2/incidents.json", conditional(document([progress(real, 1)]), '"1"'))
    config = local_config(server, {"github-status": "/p"})
    store = Store.open(postgres_url)
    fetcher = Fetcher.for_settings(make_client(), config.settings)
    out = tmp_path / "out"
    notifier = Notifier(
        store,
        [NotifyConfig("file", command=("sh", "-c", f"cat >> {out}"))],
        Dispatcher(delays=(0.05,)),
        clock=lambda: NOW,
    )
    try:
        watcher = Watcher(
            config, store, fetcher, sources=config.sources, interval=60,
            stop=threading.Event(), clock=lambda: NOW,
        )  # fmt: skip
        assert notifier.after_run(watcher.run_cycle(["github-status"])) == []
        server.route("/p/api/v2/incidents.json", conditional(document([real]), '"2"'))
        events = notifier.after_run(watcher.run_cycle(["github-status"]))
        assert [(e.kind, e.previous_phase) for e in events] == [("resolved", "investigating")]
        assert notifier.dispatcher.drain(10)
        assert '"event": "resolved"' in out.read_text()
        assert notifier.after_run(watcher.run_cycle(["github-status"])) == []
    finally:
        notifier.close()
        fetcher.client.close()
        store.close()
