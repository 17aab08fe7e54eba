"""A real collector process killed with SIGKILL mid-collection leaves the database consistent,
and the next run completes with nothing lost or duplicated; two collectors at once never
duplicate anything. Compared with a reference database filled by one uninterrupted run."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from incident_feed.pipeline import collect
from incident_feed.sources.http import Fetcher, make_client
from incident_feed.store.database import Store
from tests.ops.local_server import LocalServer, conditional
from tests.ops.payloads import document, history_files, local_config, toml_config

SOURCES = 16
PER_SOURCE = 60


@pytest.fixture(scope="module")
def farm() -> Iterator[tuple[LocalServer, dict[str, str]]]:
    """16 sources, each serving 60 different real GitHub incidents with an ETag."""
    import json

    incidents = [json.loads(p.read_text())["incident"] for p in history_files()]
    with LocalServer(max_requests=20_000, latency=0.02) as server:
        sources = {}
        for n in range(SOURCES):
            chunk = incidents[n * PER_SOURCE : (n + 1) * PER_SOURCE]
            server.route(f"/f{n}/api/v2/incidents.json", conditional(document(chunk), f'"f{n}"'))
            sources[f"farm-{n:02d}"] = f"/f{n}"
        yield server, sources
        server.check()


@pytest.fixture(scope="module")
def reference(
    farm: tuple[LocalServer, dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    server, sources = farm
    path = tmp_path_factory.mktemp("reference") / "reference.db"
    _collect_in_process(server, sources, f"sqlite:///{path}")
    return snapshot(path)


def _collect_in_process(server: LocalServer, sources: dict[str, str], url: str) -> None:
    config = local_config(server, sources)
    store = Store.open(url)
    try:
        with make_client() as client:
            fetcher = Fetcher.for_settings(client, config.settings)
            report = collect(config, store, fetcher)
        assert report.ok, [o.error for o in report.outcomes if o.error]
    finally:
        store.close()


def snapshot(path: Path) -> dict[str, Any]:
    """What a run stored, without row ids or first-seen times (they depend on when it ran)."""
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        return {
            "incidents": conn.execute(
                "SELECT id, vendor, kind, title, impact, phase, started_at, resolved_at,"
                " updated_at, fingerprint FROM incident ORDER BY id"
            ).fetchall(),
            "updates": conn.execute(
                "SELECT incident_id, source_name, native_id, at, phase, content_hash"
                " FROM incident_update ORDER BY source_name, native_id"
            ).fetchall(),
            "records": conn.execute(
                "SELECT source_name, native_id, incident_id FROM incident_source"
                " ORDER BY source_name, native_id"
            ).fetchall(),
            "sources": conn.execute(
                "SELECT name, consecutive_failures, validators FROM source ORDER BY name"
            ).fetchall(),
        }


def _counts(path: Path) -> tuple[int, int]:
    with sqlite3.connect(path) as conn:
        incidents = conn.execute("SELECT count(*) FROM incident").fetchone()[0]
        updates = conn.execute("SELECT count(*) FROM incident_update").fetchone()[0]
    return int(incidents), int(updates)


def _counts_or_zero(path: Path) -> int:
    try:
        return _counts(path)[0]
    except sqlite3.OperationalError:
        return 0  # schema not created yet


def _run(command: list[str], env: dict[str, str], **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, env=env | extra, capture_output=True, text=True, timeout=120, check=False
    )


def test_sigkill_inside_a_write_transaction(
    farm: tuple[LocalServer, dict[str, str]],
    reference: dict[str, Any],
    tmp_path: Path,
    cli_command: list[str],
    subprocess_env: dict[str, str],
) -> None:
    server, sources = farm
    config = toml_config(tmp_path / "config.toml", server, sources)
    path = tmp_path / "killed.db"
    args = ["--config", str(config), "--db", f"sqlite:///{path}", "collect"]
    killer = [cli_command[0], "-m", "tests.ops.kill_entry", *args]
    done = _run(killer, subprocess_env, KILL_AFTER_UPDATE_BATCHES="4")
    assert done.returncode == -9, done.stderr  # killed by SIGKILL, mid-transaction
    # Three sources committed; the fourth one's transaction (incidents and updates already sent
    # to the database) was rolled back as a whole.
    incidents, updates = _counts(path)
    assert incidents == 3 * PER_SOURCE
    assert updates == sum(1 for row in reference["updates"] if row[1] in _committed(path))
    # The next run completes: nothing lost, nothing twice.
    done = _run([*cli_command, *args, "--fail-if-locked"], subprocess_env)
    assert done.returncode == 0, done.stderr
    assert snapshot(path) == reference


def _committed(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT DISTINCT source_name FROM incident_source")}


def test_sigkill_at_random_moments_then_resume(
    farm: tuple[LocalServer, dict[str, str]],
    reference: dict[str, Any],
    tmp_path: Path,
    cli_command: list[str],
    subprocess_env: dict[str, str],
) -> None:
    server, sources = farm
    config = toml_config(tmp_path / "config.toml", server, sources)
    path = tmp_path / "random.db"
    command = [*cli_command, "--config", str(config), "--db", f"sqlite:///{path}", "collect"]
    rng = random.Random(20261125)
    partial = []
    for _ in range(3):
        before = _counts(path)[0] if path.exists() else 0
        process = subprocess.Popen(command, env=subprocess_env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        # Kill once this run has started writing, at a random moment after that.
        while process.poll() is None and time.monotonic() < deadline:
            if path.exists() and _counts_or_zero(path) > before:
                break
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.15))
        process.kill()
        process.wait()
        with sqlite3.connect(path) as conn:  # consistent after every kill
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = _counts(path)[0]
        if process.returncode == -9 and 0 < stored < SOURCES * PER_SOURCE:
            partial.append(stored)
        assert stored % PER_SOURCE == 0  # whole sources only: never half of one
    assert partial, "no kill landed mid-collection"
    done = subprocess.run(command, env=subprocess_env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert snapshot(path) == reference


def test_two_collector_processes_at_once_never_duplicate(
    farm: tuple[LocalServer, dict[str, str]],
    reference: dict[str, Any],
    tmp_path: Path,
    cli_command: list[str],
    subprocess_env: dict[str, str],
) -> None:
    server, sources = farm
    config = toml_config(tmp_path / "config.toml", server, sources)
    path = tmp_path / "twice.db"
    command = [*cli_command, "--config", str(config), "--db", f"sqlite:///{path}", "collect"]
    first = subprocess.Popen(command, env=subprocess_env, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(command, env=subprocess_env, stderr=subprocess.PIPE, text=True)
    errors = [p.communicate(timeout=120)[1] for p in (first, second)]
    assert (first.returncode, second.returncode) == (0, 0), errors
    refused = [e for e in errors if "another collector is running" in e]
    assert len(refused) <= 1
    assert snapshot(path) == reference


def test_two_collectors_without_the_lock_still_never_duplicate(
    farm: tuple[LocalServer, dict[str, str]], reference: dict[str, Any], tmp_path: Path
) -> None:
    """The lock is a courtesy; the store alone (BEGIN IMMEDIATE, upserts) keeps data whole."""
    server, sources = farm
    url = f"sqlite:///{tmp_path / 'nolock.db'}"
    Store.open(url).close()  # migrate once, before the race
    failures: list[BaseException] = []

    def run() -> None:
        try:
            _collect_in_process(server, sources, url)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures
    assert snapshot(tmp_path / "nolock.db") == reference
