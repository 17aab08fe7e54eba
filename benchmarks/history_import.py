"""Import of GitHub's whole incident history (1,282 incidents, 2,801 updates) vs raw floors.

Every run starts from a copy of one empty database with our schema (its indexes and its
full-text triggers), made once; the copy is not timed. Floors, measured in the same run:

- raw (the goal's floor, issue 13): ``json.loads`` of the same files, then the rows our import
  wrote (the incident, update and source-record rows, read back as stored) through one
  ``sqlite3`` ``executemany`` per table: no SQLAlchemy, no parsing beyond JSON, no merging;
- bare: the same into tables without indexes, keys or full-text triggers (what issue 13's
  0.054 s floor measured: the cost of the bytes alone, without the search index every stored
  row pays for);
- core: the same rows through SQLAlchemy Core, one insert of many rows per table (the floor
  used before issue 13).

Ours: open the store, ``ingest`` the files (parse, normalize, merge, write, outages, links),
close. Goal: at most 3x the raw floor, and importing the same files again writes 0 rows.

Then the command itself, in cold processes (median of 5): ``incident-feed import`` of the files
into a new database and again into the same one, beside ``python -c pass`` and ``python -c
"import incident_feed.pipeline"`` (the modules the write path needs, SQLAlchemy among them).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import REPO, WORK, best_of, history_files, load, machine
from incident_feed.config import SourceConfig
from incident_feed.pipeline import ingest
from incident_feed.sources.base import Document
from incident_feed.sources.statuspage import StatuspageCollector
from incident_feed.store.database import INCIDENT, RECORD, UPDATE, Store

TABLES = {"incident": INCIDENT, "incident_update": UPDATE, "incident_source": RECORD}

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
EMPTY = WORK / "empty.db"
OURS = WORK / "ours.db"
FLOOR = WORK / "floor.db"


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _fresh(path: Path, schema: bool = True) -> None:
    _remove(path)
    if schema:
        shutil.copyfile(EMPTY, path)


def make_empty() -> None:
    _remove(EMPTY)
    Store.open(f"sqlite:///{EMPTY}").close()  # closing the last connection checkpoints the WAL


def stored_rows() -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every row our import wrote, as stored (columns, values), for the floors."""
    conn = sqlite3.connect(OURS)
    rows = {}
    for table in TABLES:
        cursor = conn.execute(f"SELECT * FROM {table}")
        rows[table] = ([d[0] for d in cursor.description], cursor.fetchall())
    conn.close()
    return rows


def stored_mappings() -> dict[str, list[dict[str, Any]]]:
    """The same rows read through the store, typed, for the SQLAlchemy floor."""
    store = Store.open(f"sqlite:///{OURS}")
    with store.read() as conn:
        rows = {t: [dict(r) for r in conn.execute(TABLES[t].select()).mappings()] for t in TABLES}
    store.close()
    return rows


def raw_floor(bodies: list[bytes], rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]],
              *, bare: bool = False) -> None:  # fmt: skip
    """json.loads of the files, then one sqlite3 executemany per table of the same rows."""
    for body in bodies:
        json.loads(body)
    conn = sqlite3.connect(FLOOR, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    if bare:
        for table, (columns, _values) in rows.items():
            conn.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
    conn.execute("BEGIN IMMEDIATE")
    for table, (columns, values) in rows.items():
        marks = ", ".join("?" * len(columns))
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values)
    conn.execute("COMMIT")
    conn.close()


def core_floor(bodies: list[bytes], rows: dict[str, list[dict[str, Any]]]) -> None:
    """json.loads of the files, then one insert of many rows per table through SQLAlchemy."""
    for body in bodies:
        json.loads(body)
    store = Store.open(f"sqlite:///{FLOOR}")
    with store.write() as conn:
        for name in TABLES:
            conn.execute(TABLES[name].insert(), rows[name])
    store.close()


def ours(bodies: list[bytes]) -> int:
    store = Store.open(f"sqlite:///{OURS}")
    source = SourceConfig("github", "GitHub", "statuspage", "https://www.githubstatus.com")
    documents = [
        Document(f"file{i}.json", body, {"content-type": "application/json"})
        for i, body in enumerate(bodies)
    ]
    result = ingest(store, source, StatuspageCollector(), documents, lambda: NOW)
    store.close()
    return result.stats.rows_written


COLD_RUNS = 5
COLD = WORK / "cold.db"


def cold() -> dict[str, float]:
    """Median wall times of cold processes, interleaved so that load hits each alike."""
    files = [str(p) for p in history_files()]
    command = [sys.executable, "-m", "incident_feed", "--db", str(COLD), "import"]
    command += ["--kind", "statuspage", "--vendor", "GitHub", *files]
    runs: dict[str, list[float]] = {}
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def run(name: str, args: list[str]) -> None:
        started = time.perf_counter()
        subprocess.run(args, cwd=REPO, env=env, check=True, capture_output=True)
        runs.setdefault(name, []).append(time.perf_counter() - started)

    for _ in range(COLD_RUNS):
        _remove(COLD)
        COLD.with_name(COLD.name + ".lock").unlink(missing_ok=True)
        run("python -c pass", [sys.executable, "-c", "pass"])
        run(
            "import incident_feed.pipeline", [sys.executable, "-c", "import incident_feed.pipeline"]
        )
        run("incident-feed import, new database", command)
        run("incident-feed import again", command)
    return {name: statistics.median(times) for name, times in runs.items()}


def main() -> None:
    # Only its own files: the 100,000-incident databases of cli_cold and tui_bench stay reusable.
    WORK.mkdir(parents=True, exist_ok=True)
    make_empty()
    bodies = [p.read_bytes() for p in history_files()]
    _fresh(OURS)
    written = ours(bodies)
    raw, typed = stored_rows(), stored_mappings()
    counts = ", ".join(f"{len(values):,} {table}" for table, (_c, values) in raw.items())
    started = load()
    raw_s = best_of(5, lambda: raw_floor(bodies, raw), lambda: _fresh(FLOOR))
    bare_s = best_of(5, lambda: raw_floor(bodies, raw, bare=True), lambda: _fresh(FLOOR, False))
    core_s = best_of(5, lambda: core_floor(bodies, typed), lambda: _fresh(FLOOR))
    ours_s = best_of(5, lambda: ours(bodies), lambda: _fresh(OURS))
    again = ours(bodies)
    again_s = best_of(3, lambda: ours(bodies))
    print(f"history import ({machine()}; {started} at the start, {load()} at the end)")
    print(f"  {len(bodies)} files; rows: {counts}")
    print(f"  raw floor (json.loads + one sqlite3 executemany per table, same schema): "
          f"{raw_s * 1000:.0f} ms")  # fmt: skip
    print(f"  bare floor (the same into tables without indexes or search): {bare_s * 1000:.0f} ms")
    print(f"  core floor (the same rows through SQLAlchemy Core): {core_s * 1000:.0f} ms")
    print(f"  incident-feed import (open, parse, normalize, merge, write, outages, links): "
          f"{ours_s * 1000:.0f} ms = {ours_s / raw_s:.2f}x the raw floor (goal <= 3x), "
          f"{ours_s / bare_s:.1f}x bare, {ours_s / core_s:.2f}x core; rows written {written}")  # fmt: skip
    print(f"  re-import: {again_s * 1000:.0f} ms, rows written {again} (goal 0)")
    print(f"  cold processes, median of {COLD_RUNS} ({load()}):")
    for name, seconds in cold().items():
        print(f"    {name}: {seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
