"""``import`` and the collector lock: it waits (bounded, reported), never exits 0 idle."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from incident_feed.schedule import CollectorLock
from incident_feed.store.database import Store
from tests.cli.conftest import GITHUB, HISTORY
from tests.conftest import REPO

CONFIG = GITHUB


def start_import(tmp_path: Path, db: Path, files: list[Path], name: str, *extra: str) -> Any:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    env = {**os.environ}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "incident_feed", "--config", str(config), "--db", str(db),
               "import", "--kind", "statuspage", "--vendor", "GitHub", *extra,
               *map(str, files)]  # fmt: skip
    with (tmp_path / f"{name}.err").open("w") as err:
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err)


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def history(start: int, count: int) -> list[Path]:
    files = sorted(p for p in HISTORY.glob("*.json") if p.name != "incident_codes.json")
    return files[start : start + count]


def holding_lock(db: Path) -> CollectorLock:
    Store.open(str(db)).close()
    lock = CollectorLock(db.with_name(db.name + ".lock"))
    assert lock.acquire()
    return lock


def stored(db: Path) -> int:
    store = Store.open(str(db), create=False)
    try:
        return store.count("incident")
    finally:
        store.close()


def test_two_imports_at_once_both_import(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    lock = holding_lock(db)  # both imports start while a collector runs, so they meet
    first = start_import(tmp_path, db, history(0, 15), "first")
    second = start_import(tmp_path, db, history(15, 15), "second")
    try:
        errors = [tmp_path / "first.err", tmp_path / "second.err"]
        wait_for(lambda: all("waiting up to 60s" in e.read_text() for e in errors), 60)
        assert "held by pid" in errors[0].read_text()
        lock.release()
        assert first.wait(60) == 0, errors[0].read_text()
        assert second.wait(60) == 0, errors[1].read_text()
    finally:
        lock.release()
        for process in (first, second):
            if process.poll() is None:
                process.kill()
                process.wait()
    assert stored(db) == 30
    for err in errors:
        assert "imported 15 of 15 files" in err.read_text()


def test_still_locked_after_the_wait_exits_75_having_imported_nothing(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    lock = holding_lock(db)
    try:
        started = time.monotonic()
        process = start_import(tmp_path, db, history(0, 3), "late", "--wait", "1s")
        assert process.wait(60) == 75
        assert time.monotonic() - started >= 1.0
        process = start_import(tmp_path, db, history(0, 3), "now", "--fail-if-locked")
        assert process.wait(60) == 75
    finally:
        lock.release()
    late = (tmp_path / "late.err").read_text()
    assert "waiting up to 1s for the collector lock" in late
    assert "nothing imported" in late
    assert "waiting" not in (tmp_path / "now.err").read_text()
    assert stored(db) == 0
