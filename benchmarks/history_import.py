"""Import of GitHub's whole incident history (1,282 incidents, 2,801 updates) vs a floor.

Floor, in the same run: ``json.loads`` of the same files plus one bulk insert of the same rows
(the incident, update and source-record rows our import writes, read back) into a fresh
database with the same schema, through the same engine. Goal: the import takes at most 3x the
floor, and importing again writes 0 rows.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from benchmarks.common import WORK, best_of, history_files, machine
from incident_feed.config import SourceConfig
from incident_feed.pipeline import ingest
from incident_feed.sources.base import Document
from incident_feed.sources.statuspage import StatuspageCollector
from incident_feed.store.database import INCIDENT, RECORD, UPDATE, Store

TABLES = {"incident": INCIDENT, "incident_update": UPDATE, "incident_source": RECORD}

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


def stored_rows() -> dict[str, list[dict[str, Any]]]:
    """Every row our import wrote, read back, to be bulk-inserted by the floor."""
    store = Store.open(f"sqlite:///{WORK / 'ours.db'}")
    with store.read() as conn:
        rows = {t: [dict(r) for r in conn.execute(TABLES[t].select()).mappings()] for t in TABLES}
    store.close()
    return rows


def floor(bodies: list[bytes], rows: dict[str, list[dict[str, Any]]]) -> None:
    """json.loads of the same files plus one bulk insert of the same rows into the same schema."""
    for suffix in ("", "-wal", "-shm"):
        (WORK / f"floor.db{suffix}").unlink(missing_ok=True)
    for body in bodies:
        json.loads(body)
    store = Store.open(f"sqlite:///{WORK / 'floor.db'}")
    with store.write() as conn:
        for name in ("incident", "incident_update", "incident_source"):
            conn.execute(TABLES[name].insert(), rows[name])
    store.close()


def ours(bodies: list[bytes], fresh: bool = True) -> int:
    path = WORK / "ours.db"
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            (WORK / f"ours.db{suffix}").unlink(missing_ok=True)
    store = Store.open(f"sqlite:///{path}")
    source = SourceConfig("github", "GitHub", "statuspage", "https://www.githubstatus.com")
    documents = [
        Document(f"file{i}.json", body, {"content-type": "application/json"})
        for i, body in enumerate(bodies)
    ]
    result = ingest(store, source, StatuspageCollector(), documents, lambda: NOW)
    store.close()
    return result.stats.rows_written


def main() -> None:
    # Only its own files: the 100,000-incident databases of cli_cold and tui_bench stay reusable.
    WORK.mkdir(parents=True, exist_ok=True)
    bodies = [p.read_bytes() for p in history_files()]
    written = ours(bodies)
    rows = stored_rows()
    floor_s = best_of(5, lambda: floor(bodies, rows))
    ours_s = best_of(5, lambda: ours(bodies))
    again = ours(bodies, fresh=False)
    again_s = best_of(3, lambda: ours(bodies, fresh=False))
    print(f"history import ({machine()}): {len(bodies)} files")
    print(f"  floor (json.loads + one bulk insert of the same rows): {floor_s * 1000:.0f} ms")
    print(f"  incident-feed import (parse, normalize, merge, upsert): {ours_s * 1000:.0f} ms "
          f"= {ours_s / floor_s:.2f}x floor (goal <= 3x); rows written {written}")  # fmt: skip
    print(f"  re-import: {again_s * 1000:.0f} ms, rows written {again} (goal 0)")


if __name__ == "__main__":
    main()
