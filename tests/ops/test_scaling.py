"""Per-source scheduling and workers sharing one PostgreSQL, as real ``watch`` processes against
a real server on 127.0.0.1 (and a real PostgreSQL server on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from incident_feed.store.database import Store
from incident_feed.store.leases import Leases
from tests.ops.local_server import LocalServer, conditional, respond
from tests.ops.payloads import document, history_files, incident, toml_config

INCIDENTS = "/api/v2/incidents.json"


def _gaps(times: Sequence[float]) -> list[float]:
    ordered = sorted(times)
    return [later - earlier for earlier, later in zip(ordered, ordered[1:], strict=False)]


def _stop(process: subprocess.Popen[str], timeout: float = 20) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        _out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _out, err = process.communicate()
        pytest.fail(f"watch did not stop within {timeout} s after SIGTERM:\n{err}")
    return err


def test_a_source_taking_30_s_delays_no_other(
    server: LocalServer, tmp_path: Path, cli_command: list[str], subprocess_env: dict[str, str]
) -> None:
    """The issue's measurement: with one source answering after 30 s, `watch --interval 2s`
    fetched the good source once in 12 s. Each source now runs on its own clock."""
    server.route("/good" + INCIDENTS, conditional(document([incident("zjchv3zvfg50")]), '"g"'))
    server.route("/slow" + INCIDENTS, respond(document([]), delay=30.0))
    config = toml_config(
        tmp_path / "config.toml", server, {"good": "/good", "slow": "/slow"}, deadline=40.0
    )
    command = [*cli_command, "--config", str(config), "--db", f"sqlite:///{tmp_path / 'w.db'}",
               "watch", "--interval", "2s", "--log-file", str(tmp_path / "watch.log")]  # fmt: skip
    process = subprocess.Popen(command, env=subprocess_env, text=True, stderr=subprocess.PIPE)
    try:
        time.sleep(12)
    finally:
        _stop(process)
    good = [r.at for r in server.requests_to("/good" + INCIDENTS)]
    assert len(server.requests_to("/slow" + INCIDENTS)) == 1  # still answering
    assert len(good) >= 4, good
    assert max(_gaps(good)) <= 3.0, _gaps(good)
    # Each fetch was stored: the log names the good source's outcome every time.
    log = (tmp_path / "watch.log").read_text()
    assert log.count("source=good status=") >= len(good) - 1


# -- several workers on one PostgreSQL ----------------------------------------------------------

WORKER_SOURCES = 24
INTERVAL = 3.0
LEASE = 4.0


@pytest.fixture
def farm(server: LocalServer) -> Iterator[dict[str, str]]:
    """24 status pages, each with a real GitHub incident of its own, answering after 1 s (so a
    worker holds sources most of the time)."""
    sources = {}
    for index, path in enumerate(history_files()[:WORKER_SOURCES]):
        body = document([incident(path.stem)])
        server.route(f"/w{index}" + INCIDENTS, respond(body, delay=1.0))
        sources[f"page-{index:02d}"] = f"/w{index}"
    yield sources


@pytest.mark.postgres
def test_three_workers_share_the_sources_and_survive_a_kill_9(
    server: LocalServer,
    farm: dict[str, str],
    postgres_url: str,
    tmp_path: Path,
    cli_command: list[str],
    subprocess_env: dict[str, str],
) -> None:
    config = toml_config(tmp_path / "config.toml", server, farm, deadline=2.0)
    command = [*cli_command, "--config", str(config), "--db", postgres_url, "watch",
               "--interval", f"{INTERVAL:g}s", "--lease", f"{LEASE:g}s", "--workers", "3"]  # fmt: skip
    Store.open(postgres_url).close()  # migrated once, before the workers race to do it
    workers = [
        subprocess.Popen(
            [*command, "--log-file", str(tmp_path / f"worker-{n}.log")],
            env=subprocess_env,
            text=True,
            stderr=subprocess.PIPE,
        )
        for n in range(3)
    ]
    paths = [path + INCIDENTS for path in farm.values()]
    try:
        _wait_until(lambda: all(server.requests_to(p) for p in paths), 20, "a first full pass")
        victim = workers[0]
        held_by_victim: list[str] = []

        def victim_holds() -> bool:
            held_by_victim[:] = _held_by(postgres_url, victim.pid)
            return bool(held_by_victim)

        _wait_until(victim_holds, 20, "source held by the first worker")
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        killed_at = time.monotonic()
        time.sleep(LEASE + INTERVAL * 1.1 + 3.0)
        # A stopping worker hands back what it was fetching (unstored), and a running one may
        # take it at once: gaps are checked up to the stop.
        stopped_at = time.monotonic()
        for worker in workers[1:]:
            worker.send_signal(signal.SIGTERM)
        errors = [_stop(worker) for worker in workers[1:]]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    assert victim.returncode == -signal.SIGKILL
    for path in paths:
        times = [r.at for r in server.requests_to(path) if r.at < stopped_at]
        # Nothing fetched twice within an interval, by any worker (a little slack for the
        # request's own travel: each gap is the interval plus storing, plus jitter).
        assert min(_gaps(times), default=INTERVAL) >= INTERVAL - 0.3, (path, _gaps(times))
        # Every source, the killed worker's included, is fetched again after the kill.
        assert any(at > killed_at for at in times), path
    # The killed worker held sources when it died: they were taken up once its lease ended.
    for name in held_by_victim:
        times = [r.at for r in server.requests_to(farm[name] + INCIDENTS)]
        assert any(at > killed_at for at in times), name
    # The survivors both fetched: the sources are shared, not taken by one standby.
    for n, error in zip((1, 2), errors, strict=True):
        log = (tmp_path / f"worker-{n}.log").read_text()
        assert "status=ok" in log or "status=unchanged" in log, (n, error)
    # Nothing was written twice: one incident per page, each with its updates once.
    store = Store.open(postgres_url)
    try:
        assert store.count("incident") == WORKER_SOURCES
        expected = sum(len(incident(p.stem)["incident_updates"]) for p in history_files()[:24])
        assert store.count("update") == expected
        states = Leases(store).states()
        assert sorted(states) == sorted(farm)
        assert not [s for s in states.values() if s.held_at(dt.datetime.now(dt.UTC))]
    finally:
        store.close()


def _held_by(url: str, pid: int) -> list[str]:
    store = Store.open(url)
    try:
        now = dt.datetime.now(dt.UTC)
        return [
            name
            for name, state in Leases(store).states().items()
            if state.held_at(now) and state.holder and f":{pid}:" in state.holder
        ]
    finally:
        store.close()


def _wait_until(condition: object, seconds: float, what: str) -> None:
    assert callable(condition)
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {seconds:g} s")
        time.sleep(0.1)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new database: a SQLite file, or a database on the test PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'c.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_collect_skips_a_source_another_worker_holds(
    server: LocalServer,
    tmp_path: Path,
    cli_command: list[str],
    subprocess_env: dict[str, str],
    database_url: str,
) -> None:
    server.route("/a" + INCIDENTS, conditional(document([incident("zjchv3zvfg50")]), '"a"'))
    server.route("/b" + INCIDENTS, conditional(document([]), '"b"'))
    config = toml_config(tmp_path / "config.toml", server, {"a": "/a", "b": "/b"})
    url = database_url
    store = Store.open(url)
    try:
        other = Leases(store, holder=f"elsewhere:{os.getpid()}:feedbeef", seconds=60)
        other.register(["a", "b"], dt.datetime.now(dt.UTC))
        assert other.claim(["a"], dt.datetime.now(dt.UTC), 1) == ["a"]
    finally:
        store.close()
    done = subprocess.run(
        [*cli_command, "--config", str(config), "--db", url, "collect"],
        env=subprocess_env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "skipped" in done.stderr and "another worker is fetching it" in done.stderr
    assert server.count("/a" + INCIDENTS) == 0
    assert server.count("/b" + INCIDENTS) == 1
    store = Store.open(url)
    try:
        states = Leases(store).states()
        assert states["a"].holder == f"elsewhere:{os.getpid()}:feedbeef"  # still theirs
        assert states["b"].holder is None  # handed back, due one interval later
        assert states["b"].due_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=4)
    finally:
        store.close()
    # `sources` says who is fetching what, and when each source is next due.
    listed = subprocess.run(
        [*cli_command, "--config", str(config), "--db", url, "sources", "--json"],
        env=subprocess_env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["a"]["fetching_by"] == f"elsewhere:{os.getpid()}:feedbeef"
    assert rows["b"]["fetching_by"] is None
    assert rows["b"]["next_due_at"] == states["b"].due_at.isoformat().replace("+00:00", "Z")
    text = subprocess.run(
        [*cli_command, "--config", str(config), "--db", url, "sources"],
        env=subprocess_env, capture_output=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    assert f"fetching now (elsewhere:{os.getpid()}:feedbeef)" in text
    assert "  next 20" in text
