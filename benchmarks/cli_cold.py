"""``incidents --json --limit 50`` in a cold process on a database of 100,000 incidents.

The database is synthesised from GitHub's real incident history: each of the 1,282 incidents is
cloned with new ids and times shifted back by whole weeks until there are 100,000. Goal: under
0.35 s wall time (median).

Baselines in the same run, interleaved with the measured command so that load on the shared
machine hits all three alike: a bare ``python -c pass`` start, and ``python -c "import
sqlalchemy"``, the floor of a read path built on SQLAlchemy Core.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time

from benchmarks.common import REPO, WORK, history_files, machine, median
from incident_feed.normalize.drafts import Context, IncidentDraft, Stamp
from incident_feed.normalize.statuspage import parse_statuspage
from incident_feed.store.database import Store

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
TARGET = 100_000
RUNS = 21
GOAL = 0.350


def shifted(draft: IncidentDraft, copy: int) -> IncidentDraft:
    delta = dt.timedelta(weeks=copy)

    def move(stamp: Stamp | None) -> Stamp | None:
        return dataclasses.replace(stamp, at=stamp.at - delta) if stamp else None

    updates = tuple(
        dataclasses.replace(u, native_id=f"{u.native_id}-{copy}", stamp=move(u.stamp))
        for u in draft.updates
    )
    return dataclasses.replace(
        draft, key=f"{draft.key}{copy:03d}", native_id=f"{draft.native_id}-{copy}", updates=updates,
        started=move(draft.started), resolved=move(draft.resolved),
    )  # fmt: skip


def build(path: str) -> tuple[int, int]:
    store = Store.open(f"sqlite:///{path}")
    if store.count("incident") >= TARGET:
        return store.count("incident"), store.count("update")
    context = Context("github", "statuspage", "GitHub", NOW)
    drafts = [
        d
        for p in history_files()
        for d in parse_statuspage(json.loads(p.read_bytes()), context).drafts
    ]
    copy, made = 0, 0
    while made < TARGET:
        batch = [shifted(d, copy) for d in drafts][: TARGET - made]
        store.apply("github", "statuspage", batch, NOW)
        made += len(batch)
        copy += 1
    return store.count("incident"), store.count("update")


def cold_run(args: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    path = str(WORK / "100k.db")
    incidents, updates = build(path)
    command = [sys.executable, "-m", "incident_feed", "--config", str(REPO / "config.toml"),
               "--db", path, "incidents", "--json", "--limit", "50"]  # fmt: skip
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import sqlalchemy'": [sys.executable, "-c", "import sqlalchemy"],
        "incident-feed incidents --json --limit 50": command,
    }
    for args in commands.values():
        cold_run(args)  # first touch of the files (and of the .pyc caches) after building
    load_before = os.getloadavg()[0]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(RUNS):
        for name, args in commands.items():
            times[name].append(cold_run(args))
    load_after = os.getloadavg()[0]
    print(
        f"incidents --json --limit 50 ({machine()}): {incidents:,} incidents, {updates:,} updates"
    )
    print(f"  {RUNS} cold processes each, interleaved; load average {load_before:.2f} before, "
          f"{load_after:.2f} after")  # fmt: skip
    for name, values in times.items():
        print(f"  {name:<42} median {median(values) * 1000:4.0f} ms, "
              f"p95 {p95(values) * 1000:4.0f} ms")  # fmt: skip
    ours = times["incident-feed incidents --json --limit 50"]
    met = "met" if median(ours) < GOAL else "NOT met"
    print(f"  goal: median < {GOAL * 1000:.0f} ms: {met}")


if __name__ == "__main__":
    main()
