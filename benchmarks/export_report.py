"""``export`` of a 1,000-incident period report from SQLite (GitHub's real history imported).

Measured two ways: in-process (query, updates, records, render: what ``export`` does after
start-up) and as a cold ``export --since ... -o FILE`` process (start-up and imports included).
Goal: under 1 s.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time

from benchmarks.common import REPO, WORK, best_of, history_files, machine, median
from incident_feed.config import SourceConfig
from incident_feed.export import ExportItem, Period, render
from incident_feed.pipeline import ingest
from incident_feed.sources.base import Document
from incident_feed.sources.statuspage import StatuspageCollector
from incident_feed.store import IncidentQuery, Store

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
COUNT = 1000


def export(store: Store, since: dt.datetime) -> str:
    rows = store.incidents(IncidentQuery(since=since, limit=None))
    ids = [row["id"] for row in rows]
    updates, records = store.updates_for(ids), store.records_for(ids)
    items = [ExportItem(r, updates.get(r["id"], []), records.get(r["id"], [])) for r in rows]
    return render(items, zone=dt.UTC, report=True, period=Period(since=since))


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
    text = export(store, since)
    assert text.count("\n## ") == COUNT + 2  # every incident, plus the two summary sections
    in_process = best_of(5, lambda: export(store, since))
    store.close()
    command = [
        sys.executable, "-m", "tests.ops.entry", "--db", url, "export",
        "--since", since.isoformat(), "--tz", "UTC", "-o", str(folder / "report.md"),
    ]  # fmt: skip
    env = os.environ | {"PYTHONPATH": str(REPO)}
    cold = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, cwd=REPO, stderr=subprocess.DEVNULL)
        cold.append(time.perf_counter() - started)
    size = (folder / "report.md").stat().st_size
    print(f"export of a {COUNT}-incident period report ({machine()}): {size / 1024:.0f} KiB")
    print(f"  in-process (query + render): best {in_process * 1000:.0f} ms (goal < 1 s)")
    print(f"  cold `export --since ... -o FILE`: median {median(cold) * 1000:.0f} ms, "
          f"worst {max(cold) * 1000:.0f} ms of {len(cold)} (goal < 1 s)")  # fmt: skip


if __name__ == "__main__":
    main()
