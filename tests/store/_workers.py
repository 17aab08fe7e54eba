"""Code run in child processes by the concurrency tests (importable, no fixtures)."""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Sequence
from typing import Any

from incident_feed.normalize.drafts import IncidentDraft

# (source name, source kind, drafts) applied in one ``Store.apply`` call.
Job = tuple[str, str, Sequence[IncidentDraft]]


def write_in_lockstep(
    name: str,
    url: str,
    jobs: Sequence[Job],
    now: dt.datetime,
    barrier: Any,
    results: Any,
) -> None:
    """Open a store of our own, then apply each job at the same moment as the other writer
    applies its job of the same index (both wait at ``barrier`` first), and report back.

    Without the barrier SQLite would not make them overlap: its busy handler sleeps and polls
    (it is not a queue), so the writer that just committed usually takes the lock again, and
    one writer can finish everything before the other gets a turn.
    """
    written: list[int] = []
    errors: list[str] = []
    try:
        from incident_feed.store.database import Store

        store = Store.open(url)
        try:
            for source_name, source_kind, drafts in jobs:
                barrier.wait(timeout=30)
                try:
                    written.append(store.apply(source_name, source_kind, drafts, now).rows_written)
                except Exception as exc:  # reported; the next job still meets the other writer
                    written.append(0)
                    errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            store.close()
    except BaseException:
        errors.append(traceback.format_exc())
    results.put({"name": name, "written": written, "errors": errors})
