"""``export`` of a 1,000-incident period report from SQLite (GitHub's real history imported).

Measured two ways, each against a baseline of the same run:

- in-process, after start-up: the store query alone (the same 1,000 incidents with their updates
  and source records) vs query + render, which is what ``export`` does;
- as a cold process: ``python -c pass`` and ``python -c "import incident_feed.store.database"`` vs
  ``incident-feed export --since ... -o FILE`` (start-up and imports included).

Baseline and ours alternate within each round, so a burst of load from other jobs hits both;
the figures are medians. Goal: under 1 s.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.common import REPO, WORK, history_files, load, machine, median
from incident_feed.config import SourceConfig
from incident_feed.outputs.markdown import ExportItem, Period, render
from incident_feed.pipeline import ingest
from incident_feed.sources.base import Document
from incident_feed.sources.statuspage import StatuspageCollector
from incident_feed.store.database import IncidentQuery, Store

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
COUNT = 1000
IN_PROCESS_ROUNDS = 9
COLD_ROUNDS = 7

Rows = tuple[list[Any], dict[str, Any], dict[str, Any]]


def query(store: Store, since: dt.datetime) -> Rows:
    """What the report reads: the incidents of the period, their updates and source records."""
    rows = store.incidents(IncidentQuery(since=since, limit=None))
    ids = [row["id"] for row in rows]
    return rows, store.updates_for(ids), store.records_for(ids)


def export(store: Store, since: dt.datetime) -> str:
    rows, updates, records = query(store, since)
    items = [ExportItem(r, updates.get(r["id"], []), records.get(r["id"], [])) for r in rows]
    return render(items, zone=dt.UTC, report=True, period=Period(since=since))


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def cold(command: list[str]) -> float:
    env = os.environ | {"PYTHONPATH": str(REPO)}
    started = time.perf_counter()
    done = subprocess.run(
        command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    took = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{command} failed: {done.stderr.decode(errors='replace')}")
    return took


def main() -> None:
    folder = WORK / "export-report"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    url = f"sqlite:///{folder / 'history.db'}"
    store = Store.open(url)
    source = SourceConfig("github-status", "GitHub", "statuspage", "https://www.githubstatus.com")
    documents = [Document(str(p), p.read_bytes()) for p in history_files()]
    ingest(store, source, StatuspageCollector(), documents, lambda: NOW)
    starts = sorted(r["started_at"] for r in store.incidents(IncidentQuery(limit=None)))
    since = starts[-COUNT]
    rows, updates, _records = query(store, since)
    text = export(store, since)
    assert len(rows) == COUNT
    assert text.count("\n## ") == COUNT + 2  # every incident, plus the two summary sections
    print(f"export of a {COUNT}-incident period report ({machine()}): {len(rows)} incidents, "
          f"{sum(map(len, updates.values()))} updates, {len(text.encode()) / 1024:.0f} KiB; "
          f"{load()} at start")  # fmt: skip

    query_s, export_s = [], []
    for _ in range(IN_PROCESS_ROUNDS):
        query_s.append(timed(lambda: query(store, since)))
        export_s.append(timed(lambda: export(store, since)))
    store.close()

    out = folder / "report.md"
    bare = [sys.executable, "-c", "pass"]
    imports = [sys.executable, "-c", "import incident_feed.store.database"]
    command = [
        sys.executable, "-m", "incident_feed", "--config", str(REPO / "config.toml"), "--db", url,
        "export", "--since", since.isoformat(), "--tz", "UTC", "-o", str(out),
    ]  # fmt: skip
    cold(command)  # the first touch of the files after the import
    assert out.read_text(encoding="utf-8") == text, "the CLI's report differs from render()'s"
    bare_s: list[float] = []
    imports_s: list[float] = []
    command_s: list[float] = []
    for _ in range(COLD_ROUNDS):
        bare_s.append(cold(bare))
        imports_s.append(cold(imports))
        command_s.append(cold(command))

    def ms(values: list[float]) -> str:
        return f"{median(values) * 1000:.0f} ms"

    q, e = median(query_s), median(export_s)
    print(f"  in-process, medians of {IN_PROCESS_ROUNDS}: store query alone {ms(query_s)}; "
          f"query + render {ms(export_s)} = {e / q:.2f}x the query, render {(e - q) * 1000:.0f} ms "
          f"(goal < 1 s)")  # fmt: skip
    print(f"  cold processes, medians of {COLD_ROUNDS}: `python -c pass` {ms(bare_s)}; "
          f"`import incident_feed.store.database` {ms(imports_s)}; `incident-feed export --since ... "
          f"-o FILE` {ms(command_s)}, worst {max(command_s) * 1000:.0f} ms (goal < 1 s)")  # fmt: skip
    print(f"  {load()} at end")


if __name__ == "__main__":
    main()
