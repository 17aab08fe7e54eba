"""Two writer processes, each with its own Store, applying overlapping drafts at the same time.

SQLite: both on one WAL file (write transactions take the lock up front with BEGIN IMMEDIATE,
then the busy timeout makes the other wait). PostgreSQL: writers serialised by an advisory lock.
Either way no update may be stored twice and no apply may fail ("database is locked", or a
unique-constraint violation from two writers inserting the same row).

The writers run in lockstep: before each job both wait at a barrier, then apply at once.
1. Cross-source: for each incident of the 2022-11-04 Atom feed that the API history also has,
   writer A applies the API incident while writer B applies the feed entry. Unserialised, both
   would see no updates yet and both would insert theirs: 2x the updates.
2. Same source: both writers apply the same batches of other API incidents at the same moment.
   Serialised, one writes each batch and the other finds nothing to write.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from incident_feed.store.database import IncidentQuery, Store
from tests.store._workers import Job, write_in_lockstep
from tests.store.helpers import (
    API,
    FEED,
    HISTORY,
    NOW,
    all_updates,
    duplicate_updates,
    feed_drafts,
    history_drafts,
    history_ids,
)

SAME_SOURCE_INCIDENTS = 80
BATCH = 4
TIME_LIMIT = 45.0  # seconds for the whole exchange: a deadlock fails instead of hanging


def _jobs() -> tuple[list[Job], list[Job], int]:
    """Writer A's jobs, writer B's jobs (same length), and where phase 2 starts."""
    feed = [d for d in feed_drafts() if (HISTORY / f"{d.key}.json").exists()]
    assert len(feed) == 22
    writer_a: list[Job] = [(*API, history_drafts([d.key])) for d in feed]
    writer_b: list[Job] = [(*FEED, [d]) for d in feed]
    phase_two = len(writer_a)
    in_feed = {d.key for d in feed}
    others = [i for i in history_ids() if i not in in_feed][:SAME_SOURCE_INCIDENTS]
    drafts = history_drafts(others)
    for start in range(0, len(drafts), BATCH):
        batch = drafts[start : start + BATCH]
        writer_a.append((*API, batch))
        writer_b.append((*API, batch))
    return writer_a, writer_b, phase_two


def _per_incident(store: Store) -> dict[str, int]:
    ids = [row["id"] for row in store.incidents(IncidentQuery(limit=None))]
    return {i: len(rows) for i, rows in store.updates_for(ids).items()}


def _sequential(path: Path, steps: Sequence[Job]) -> tuple[dict[str, int], list[int]]:
    """Per-incident update counts and rows written per job, applying ``steps`` one by one."""
    store = Store.open(f"sqlite:///{path}")
    try:
        written = [
            store.apply(name, kind, drafts, NOW).rows_written for name, kind, drafts in steps
        ]
        return _per_incident(store), written
    finally:
        store.close()


def _run_writers(url: str, writers: dict[str, list[Job]]) -> dict[str, dict[str, Any]]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(writers))
    results = context.Queue()
    processes = [
        context.Process(
            target=write_in_lockstep,
            args=(name, url, jobs, NOW, barrier, results),
            daemon=True,
        )
        for name, jobs in writers.items()
    ]
    deadline = time.monotonic() + TIME_LIMIT
    for process in processes:
        process.start()
    reports: dict[str, dict[str, Any]] = {}
    try:
        for _ in processes:
            try:
                report = results.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"writers still running after {TIME_LIMIT:.0f} s") from None
            reports[report["name"]] = report
        for process in processes:
            process.join(timeout=max(0.1, deadline - time.monotonic()))
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
    assert [p.exitcode for p in processes] == [0] * len(processes)
    return reports


def test_concurrent_writers_never_duplicate_or_fail(any_url: str, tmp_path: Path) -> None:
    writer_a, writer_b, phase_two = _jobs()
    # Whoever wins each race, the outcome must be the same: check that sequentially first.
    interleaved = [job for pair in zip(writer_a, writer_b, strict=True) for job in pair]
    expected, written = _sequential(tmp_path / "a-first.db", interleaved)
    swapped = [job for pair in zip(writer_b, writer_a, strict=True) for job in pair]
    expected_swapped, _ = _sequential(tmp_path / "b-first.db", swapped)
    assert expected == expected_swapped
    phase_two_rows = sum(written[2 * phase_two :])
    assert phase_two_rows > 0

    store = Store.open(any_url)  # migrated up front: the writers only write
    try:
        reports = _run_writers(any_url, {"a": writer_a, "b": writer_b})
        assert [e for r in reports.values() for e in r["errors"]] == []
        assert duplicate_updates(all_updates(store)) == []
        assert _per_incident(store) == expected
        # Same drafts at the same moment: one writer wrote each row, the other found it there.
        a, b = reports["a"]["written"], reports["b"]["written"]
        assert sum(a[phase_two:]) + sum(b[phase_two:]) == phase_two_rows
        # Nothing is left to write.
        for name, kind, drafts in writer_a + writer_b:
            assert store.apply(name, kind, drafts, NOW).rows_written == 0
    finally:
        store.close()
