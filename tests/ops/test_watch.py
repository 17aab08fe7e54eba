"""``watch`` against a real server on 127.0.0.1: faults, backoff, staleness, intervals, logs,
the collector lock and graceful stop."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import logging
import random
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from incident_feed.config import Config
from incident_feed.pipeline import RunReport, collect
from incident_feed.schedule import CollectorLock, Watcher, setup_logging
from incident_feed.sources.http import Fetcher, make_client
from incident_feed.store.database import SOURCE, Store
from tests.ops.local_server import LocalServer, Reply, Request, Switch, conditional, respond
from tests.ops.payloads import (
    document,
    free_port,
    incident,
    local_config,
    progress,
    toml_config,
)

REAL = incident("zjchv3zvfg50")  # 20 updates, every incident phase


@pytest.fixture
def fetchers() -> Iterator[list[Fetcher]]:
    made: list[Fetcher] = []
    yield made
    for fetcher in made:
        fetcher.client.close()


def _fetcher(config: Config, made: list[Fetcher]) -> Fetcher:
    fetcher = Fetcher.for_settings(make_client(), config.settings)
    made.append(fetcher)
    return fetcher


def _state(store: Store, name: str) -> dict[str, Any]:
    return dict(store.source_states()[name])


class _FakeTime:
    """A UTC clock that moves only when told."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


HOSTILE_BODIES = [
    (b"<!doctype html><title>Down for maintenance</title>", {"Content-Type": "text/html"}),
    (b'{"incidents": "not a list"}', {}),
    (b'{"incidents": [', {}),
    (gzip.compress(b"[" * 5_000_000), {"Content-Encoding": "gzip"}),
    (b"\xff\xfe\x00garbage", {}),
]


def test_watch_keeps_collecting_the_good_source_through_a_down_a_slow_and_a_hostile_one(
    server: LocalServer, store: Store, fetchers: list[Fetcher], caplog: pytest.LogCaptureFixture
) -> None:
    good = Switch(conditional(document([progress(REAL, 3)]), '"v1"'))
    server.route("/good/api/v2/incidents.json", good)
    server.route("/slow/api/v2/incidents.json", respond(document([REAL]), delay=5.0))
    hostile = iter(HOSTILE_BODIES * 3)

    def hostile_reply(_request: Request) -> Reply:
        body, headers = next(hostile)
        return Reply(200, body, {"Content-Type": "application/json", **headers})

    server.route("/hostile/api/v2/incidents.json", hostile_reply)
    config = local_config(
        server,
        {
            "good": "/good",
            "slow": "/slow",
            "hostile": "/hostile",
            "down": f"http://127.0.0.1:{free_port()}/down",
        },
        deadline=0.5,
    )
    config = _with_limits(config, max_body_bytes=1_000_000)

    class ChangeGoodAfterTwoRuns:
        runs = 0

        def after_run(self, report: RunReport) -> None:
            self.runs += 1
            if self.runs == 2:
                good.handler = conditional(document([progress(REAL, 12)]), '"v2"')

    stop = threading.Event()
    watcher = Watcher(
        config, store, _fetcher(config, fetchers), sources=config.sources, interval=0.2,
        stop=stop, stale_after=2, max_backoff=0.4, notifier=ChangeGoodAfterTwoRuns(),
    )  # fmt: skip
    caplog.set_level(logging.INFO, logger="incident_feed")
    started = time.monotonic()
    watcher.run(max_cycles=8)
    assert time.monotonic() - started < 15
    good_state = _state(store, "good")
    assert good_state["consecutive_failures"] == 0
    assert server.count("/good/api/v2/incidents.json") >= 4
    thread = store.updates_for(["github-zjchv3zvfg50"])["github-zjchv3zvfg50"]
    assert len(thread) == 12  # the second version was collected too
    for name in ("slow", "hostile", "down"):
        assert _state(store, name)["consecutive_failures"] >= 2, name
    stale = [r.getMessage() for r in caplog.records if "event=stale" in r.getMessage()]
    assert sorted(m.split("source=")[1].split()[0] for m in stale) == ["down", "hostile", "slow"]


def _with_limits(config: Config, **limits: Any) -> Config:
    from dataclasses import replace

    settings = replace(config.settings, limits=replace(config.settings.limits, **limits))
    return replace(config, settings=settings)


def test_backoff_doubles_up_to_the_cap_and_staleness_is_reported_once(
    store: Store, fetchers: list[Fetcher], caplog: pytest.LogCaptureFixture
) -> None:
    config = local_config(None, {"down": f"http://127.0.0.1:{free_port()}/x"})
    fake = _FakeTime()
    watcher = Watcher(
        config, store, _fetcher(config, fetchers), sources=config.sources, interval=10.0,
        stop=threading.Event(), stale_after=3, max_backoff=35.0, jitter=0.0, clock=fake,
    )  # fmt: skip
    caplog.set_level(logging.INFO, logger="incident_feed")
    waits = []
    for _ in range(6):
        assert watcher.due() == ["down"]
        watcher.run_cycle(watcher.due())
        waits.append(watcher.due_in("down"))
        fake.advance(watcher.due_in("down"))
    assert waits == [10.0, 20.0, 35.0, 35.0, 35.0, 35.0]
    stale = [r for r in caplog.records if "event=stale" in r.getMessage()]
    assert len(stale) == 1 and "failures=3" in stale[0].getMessage()
    assert stale[0].levelno == logging.WARNING
    # A restart remembers the source is stale (the count is in the database): no second report.
    caplog.clear()
    again = Watcher(
        config, store, _fetcher(config, fetchers), sources=config.sources, interval=10.0,
        stop=threading.Event(), stale_after=3, clock=fake,
    )  # fmt: skip
    again.run_cycle(["down"])
    assert not [r for r in caplog.records if "event=stale" in r.getMessage()]


def test_backoff_stays_at_the_cap_after_thousands_of_failures(
    store: Store, fetchers: list[Fetcher]
) -> None:
    """A page down for weeks (found by the soak benchmark): 2 ** failures overflowed a float
    past 1,024 failures and the watcher crashed, and crashed again after every restart, since
    the count is kept in the database."""
    config = local_config(None, {"down": f"http://127.0.0.1:{free_port()}/x"})
    fake = _FakeTime()
    watcher = Watcher(
        config, store, _fetcher(config, fetchers), sources=config.sources, interval=10.0,
        stop=threading.Event(), max_backoff=35.0, jitter=0.0, clock=fake,
    )  # fmt: skip
    watcher.run_cycle(["down"])
    with store.write() as conn:
        conn.execute(SOURCE.update().values(consecutive_failures=5000))
    watcher.run_cycle(["down"])
    assert _state(store, "down")["consecutive_failures"] == 5001
    assert watcher.due_in("down") == 35.0


def test_recovery_is_reported_once_and_resets_the_schedule(
    server: LocalServer, store: Store, fetchers: list[Fetcher], caplog: pytest.LogCaptureFixture
) -> None:
    switch = Switch(respond(b"oops", status=500))
    server.route("/s/api/v2/incidents.json", switch)
    config = local_config(server, {"flaky": "/s"})
    fake = _FakeTime()
    watcher = Watcher(
        config, store, _fetcher(config, fetchers), sources=config.sources, interval=10.0,
        stop=threading.Event(), stale_after=2, jitter=0.0, clock=fake,
    )  # fmt: skip
    caplog.set_level(logging.INFO, logger="incident_feed")
    watcher.run_cycle(["flaky"])
    watcher.run_cycle(["flaky"])
    switch.handler = conditional(document([progress(REAL, 2)]), '"a"')
    watcher.run_cycle(["flaky"])
    assert watcher.due_in("flaky") == 10.0
    messages = [r.getMessage() for r in caplog.records]
    assert sum("event=stale" in m for m in messages) == 1
    assert sum("event=recovered source=flaky" in m for m in messages) == 1


def test_retry_after_is_respected(
    server: LocalServer, store: Store, fetchers: list[Fetcher], caplog: pytest.LogCaptureFixture
) -> None:
    server.route(
        "/r/api/v2/incidents.json", respond(b"", status=429, headers={"Retry-After": "120"})
    )
    config = local_config(server, {"limited": "/r"})
    fake = _FakeTime()
    watcher = Watcher(
        config, store, _fetcher(config, fetchers), sources=config.sources, interval=10.0,
        stop=threading.Event(), jitter=0.0, clock=fake,
    )  # fmt: skip
    caplog.set_level(logging.INFO, logger="incident_feed")
    watcher.run_cycle(["limited"])
    assert watcher.due_in("limited") >= 119
    # Asked again before the time (e.g. by a restart): deferred, no request sent.
    fake.advance(30)
    watcher.run_cycle(["limited"])
    assert server.count("/r/api/v2/incidents.json") == 1
    assert any("source=limited status=deferred" in r.getMessage() for r in caplog.records)
    # ... and still due when the server allows, not one interval after the forced attempt.
    assert 89 <= watcher.due_in("limited") <= 91


def test_per_source_interval_and_jitter(store: Store, fetchers: list[Fetcher]) -> None:
    config = local_config(
        None,
        {
            "fast": "http://127.0.0.1:9/a",
            "slow": "http://127.0.0.1:9/b",
            "plain": "http://127.0.0.1:9/c",
        },
        extra={"fast": {"interval": "10s"}, "slow": {"interval": "1h"}},
    )
    fake = _FakeTime()
    watcher = Watcher(
        config, store, _fetcher(config, fetchers), sources=config.sources, interval=60.0,
        stop=threading.Event(), rng=random.Random(7), clock=fake,
    )  # fmt: skip
    assert [watcher.interval_for(s) for s in config.sources] == [10.0, 3600.0, 60.0]
    waits: dict[str, list[float]] = {"fast": [], "slow": [], "plain": []}
    for _ in range(5):
        watcher.run_cycle(["fast", "slow", "plain"])  # each fails once: no backoff yet
        for name, seen in waits.items():
            seen.append(watcher.due_in(name))
        with store.write() as conn:
            conn.execute(SOURCE.update().values(consecutive_failures=0))
    for name, interval in (("fast", 10.0), ("slow", 3600.0), ("plain", 60.0)):
        assert all(interval <= wait <= interval * 1.1 for wait in waits[name]), waits[name]
        assert len(set(waits[name])) > 1, f"{name}: no jitter"


def test_the_second_cycle_is_conditional(
    server: LocalServer, store: Store, fetchers: list[Fetcher]
) -> None:
    server.route("/c/api/v2/incidents.json", conditional(document([REAL]), '"etag-1"'))
    config = local_config(server, {"cond": "/c"})
    watcher = Watcher(
        config, store, _fetcher(config, fetchers), sources=config.sources, interval=1.0,
        stop=threading.Event(),
    )  # fmt: skip
    first = watcher.run_cycle(["cond"])
    second = watcher.run_cycle(["cond"])
    assert [o.status for o in first.outcomes + second.outcomes] == ["ok", "unchanged"]
    last = [r for r in server.requests if r.path == "/c/api/v2/incidents.json"][-1]
    assert last.headers.get("if-none-match") == '"etag-1"'


def test_structured_logs_one_line_per_source_per_run_and_no_secrets(
    server: LocalServer, store: Store, fetchers: list[Fetcher]
) -> None:
    server.route("/ok/api/v2/incidents.json", conditional(document([REAL]), '"x"'))
    config = local_config(
        server,
        {
            "ok": "/ok",
            "missing": "/missing?api_key=SECRET-TOKEN",
            # userinfo is refused by config now (test_secrets.py); a query secret is not
            "refused": f"http://127.0.0.1:{free_port()}/x?password=SECRET-PASS",
        },
    )
    out = io.StringIO()
    handler = setup_logging(None, stream=out)
    try:
        watcher = Watcher(
            config, store, _fetcher(config, fetchers), sources=config.sources, interval=1.0,
            stop=threading.Event(),
        )  # fmt: skip
        for _ in range(3):
            watcher.run_cycle([s.name for s in config.sources])
    finally:
        logging.getLogger("incident_feed").removeHandler(handler)
    lines = out.getvalue().splitlines()
    for name in ("ok", "missing", "refused"):
        per_source = [
            line for line in lines if f"logger=incident_feed.collect source={name} " in line
        ]
        assert len(per_source) == 3, name
    assert all(line.startswith("ts=") and " level=" in line for line in lines)
    assert "SECRET" not in out.getvalue()


def test_a_stop_request_ends_the_run_without_waiting_for_slow_sources(
    server: LocalServer, store: Store, fetchers: list[Fetcher]
) -> None:
    server.route("/ok/api/v2/incidents.json", respond(document([REAL])))
    server.route("/slow/api/v2/incidents.json", respond(document([REAL]), delay=20.0))
    config = local_config(server, {"ok": "/ok", "slow": "/slow"}, deadline=30.0)
    stop = threading.Event()
    watcher = Watcher(
        config, store, _fetcher(config, fetchers), sources=config.sources, interval=60.0,
        stop=stop,
    )  # fmt: skip
    runner = threading.Thread(target=watcher.run)
    runner.start()
    deadline = time.monotonic() + 10
    while store.count("incident") == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    started = time.monotonic()
    runner.join(5)
    assert not runner.is_alive()
    assert time.monotonic() - started < 2
    assert store.count("incident") == 1
    (run,) = store.last_runs(1)
    assert run["finished_at"] is not None and run["sources_ok"] == 1


def test_concurrent_fetches_are_bounded_and_reported_in_config_order(
    store: Store, fetchers: list[Fetcher]
) -> None:
    with LocalServer(latency=0.3) as slow_server:
        for n in range(12):
            slow_server.route(f"/p{n}/api/v2/incidents.json", respond(document([REAL])))
        config = local_config(slow_server, {f"p{n:02d}": f"/p{n}" for n in range(12)})
        started = time.monotonic()
        report = collect(config, store, _fetcher(config, fetchers), workers=4)
        took = time.monotonic() - started
    # Two requests per source (incidents + scheduled maintenances), 0.3 s each, 4 at a time.
    assert 12 * 2 * 0.3 / 4 <= took < 12 * 2 * 0.3 / 2
    assert [o.name for o in report.outcomes] == [f"p{n:02d}" for n in range(12)]
    assert all(o.status == "ok" for o in report.outcomes)


# -- the lock ---------------------------------------------------------------------------------


def test_lock_file_beside_the_database(store: Store, db_url: str) -> None:
    first = CollectorLock.for_store(store)
    second = CollectorLock.for_store(store)
    assert first.path == Path(db_url.removeprefix("sqlite:///") + ".lock")
    assert first.acquire()
    try:
        assert not second.acquire()
        assert "held by pid" in second.describe()
    finally:
        first.release()
    assert second.acquire()
    second.release()


def test_a_second_collector_says_so_and_exits(
    server: LocalServer, tmp_path: Path, cli_command: list[str], subprocess_env: dict[str, str]
) -> None:
    server.route("/w/api/v2/incidents.json", conditional(document([REAL]), '"w"'))
    config = toml_config(tmp_path / "config.toml", server, {"w": "/w"})
    db = f"sqlite:///{tmp_path / 'watch.db'}"
    base = [*cli_command, "--config", str(config), "--db", db]
    log = tmp_path / "watch.log"
    seed = Path(__file__).parents[1] / "golden" / "seed" / "openai-2024-12-11.json"
    seed_import = ["import", "--kind", "statuspage", "--vendor", "OpenAI", str(seed)]
    watcher = subprocess.Popen(
        [*base, "watch", "--interval", "1s", "--log-file", str(log)],
        env=subprocess_env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_for(lambda: log.exists() and "event=cycle" in log.read_text(), 20)
        for command, code in (
            (["collect"], 0),
            (["collect", "--fail-if-locked"], 75),
            (["watch", "--fail-if-locked"], 75),
            (["watch"], 0),
            ([*seed_import, "--fail-if-locked"], 75),
            ([*seed_import, "--wait", "1s"], 75),  # import waits, then never exits 0 idle
        ):
            done = subprocess.run(
                [*base, *command], env=subprocess_env, capture_output=True, text=True, timeout=30
            )
            assert done.returncode == code, (command, done.stderr)
            assert "another collector" in done.stderr
            assert "held by pid" in done.stderr
            assert "files as source" not in done.stderr  # no import summary
        assert watcher.poll() is None
        watcher.send_signal(signal.SIGTERM)
        assert watcher.wait(10) == 0
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    text = log.read_text()
    assert "event=stopping signal=SIGTERM" in text and "event=stopped" in text
    # The lock went with the process: collecting works again.
    done = subprocess.run(
        [*base, "collect", "--fail-if-locked"], env=subprocess_env, capture_output=True,
        text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_collection_finishes_the_write_and_exits_cleanly(
    signal_number: int,
    server: LocalServer,
    tmp_path: Path,
    cli_command: list[str],
    subprocess_env: dict[str, str],
) -> None:
    # 64 sources, 0.3 s each, 16 at a time: about 1.2 s of collection to interrupt.
    sources = {f"s{n:02d}": f"/s{n}" for n in range(64)}
    for n in range(64):
        item = dict(REAL, id=f"sig{n:08d}")
        server.route(f"/s{n}/api/v2/incidents.json", respond(document([item]), delay=0.3))
    config = toml_config(tmp_path / "config.toml", server, sources)
    db_path = tmp_path / "signal.db"
    process = subprocess.Popen(
        [*cli_command, "--config", str(config), "--db", f"sqlite:///{db_path}", "collect",
         "--log-file", str(tmp_path / "collect.log")],
        env=subprocess_env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_for(lambda: _count(db_path, "incident") >= 3, 20)
        process.send_signal(signal_number)
        _, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "stopped early" in err
    stored = _count(db_path, "incident")
    assert 3 <= stored < 64
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finished = conn.execute("SELECT finished_at, sources_ok FROM collection_run").fetchall()
        assert len(finished) == 1 and finished[0][0] is not None
        # Every source marked collected has all of its updates stored.
        ok = conn.execute("SELECT count(*) FROM source WHERE last_success_at IS NOT NULL")
        assert ok.fetchone()[0] == stored
        assert conn.execute("SELECT count(*) FROM incident_update").fetchone()[0] == stored * 20


def _count(db_path: Path, table: str) -> int:
    import sqlite3

    if not db_path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # not created yet


def _wait_for(condition: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def test_watch_rejects_a_too_short_interval(
    run_cli: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        run_cli("--db", f"sqlite:///{tmp_path / 'x.db'}", "watch", "--interval", "0.5s")
    assert caught.value.code == 2
    assert "shorter than 1s" in capsys.readouterr().err


def test_now_is_injected_not_read(store: Store, fetchers: list[Fetcher]) -> None:
    when = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    config = local_config(None, {"x": f"http://127.0.0.1:{free_port()}/x"})
    watcher = Watcher(
        config, store, _fetcher(config, fetchers), sources=config.sources, interval=5.0,
        stop=threading.Event(), clock=lambda: when,
    )  # fmt: skip
    watcher.run_cycle(["x"])
    assert _state(store, "x")["last_attempt_at"] == when
