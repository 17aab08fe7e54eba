"""An all-unchanged cycle over 50 Statuspage sources whose server sends no validators.

Each source is its own vendor on 127.0.0.1 (no added latency) and serves a real-sized
``incidents.json`` (50 real GitHub incidents, 10 different slices of the history), an empty
``scheduled-maintenances.json`` and a real ``summary.json``, all without ``ETag`` or
``Last-Modified``: every request of every cycle is a 200 with the same body, so a conditional GET
cannot help. The collection is ``pipeline.collect`` with its default pool, through the real
``Fetcher`` and a real SQLite file. Cycle 1 stores everything; cycles 2 and 3 see the same bodies.

Measured per cycle: the wall time, documents parsed (calls of the collector's ``parse``), and
what reached the database: statements executed and rows they changed (``rowcount`` of every
INSERT, UPDATE and DELETE), split into data (incidents, updates, outages), the page state, and
bookkeeping (the source's state row and lease, the run's row). Floor, in the same run: the same 150
requests from a plain ``httpx.Client`` on a ``ThreadPoolExecutor`` of the same worker count,
bodies read and thrown away.
"""

from __future__ import annotations

import re
import shutil
import time
from collections import Counter
from typing import Any

from sqlalchemy import event

from benchmarks.common import WORK, load, machine
from benchmarks.network_floor import NetworkFloor
from benchmarks.statuspage_farm import PATHS, farm_urls, incident_bodies, serve_farm
from incident_feed.config import parse_config
from incident_feed.pipeline import DEFAULT_WORKERS, collect
from incident_feed.sources.http import Fetcher, make_client
from incident_feed.sources.statuspage import StatuspageCollector
from incident_feed.store.database import Store
from tests.ops.local_server import LocalServer

SOURCES = 50
PER_SOURCE = 50
CYCLES = 3
BOOKKEEPING = {"source", "collection_run", "source_lease"}  # state row, run row, its lease
_WRITE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)


def serve(server: LocalServer) -> dict[str, Any]:
    groups = [range(n * PER_SOURCE, (n + 1) * PER_SOURCE) for n in range(10)]
    return serve_farm(server, SOURCES, incident_bodies(groups), etags=False)


class Writes:
    """Statements and changed rows per table, from the engine's cursor events."""

    def __init__(self, store: Store) -> None:
        self.statements = 0
        self.rows: Counter[str] = Counter()
        event.listen(store.engine, "after_cursor_execute", self._seen)

    def _seen(self, _conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        self.statements += 1
        match = _WRITE.match(statement)
        if match and cursor.rowcount and cursor.rowcount > 0:
            self.rows[match.group(1).lower()] += cursor.rowcount

    def take(self) -> tuple[int, Counter[str]]:
        taken = (self.statements, self.rows)
        self.statements, self.rows = 0, Counter()
        return taken


def floor(server: LocalServer) -> float:
    urls = farm_urls(server, SOURCES)
    took, statuses = NetworkFloor(urls, DEFAULT_WORKERS).cycle()
    assert set(statuses) == {200}, statuses
    return took


def main() -> None:
    folder = WORK / "collect-unchanged"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"collect {SOURCES} unchanged sources without validators ({machine()}), "
          f"{DEFAULT_WORKERS} fetches at once; {load()} at start")  # fmt: skip
    parsed = Counter[int]()
    original = StatuspageCollector.parse
    cycle = [0]

    def counting_parse(self: StatuspageCollector, document: Any, context: Any) -> Any:
        parsed[cycle[0]] += 1
        return original(self, document, context)

    StatuspageCollector.parse = counting_parse  # type: ignore[method-assign]
    with LocalServer(max_requests=SOURCES * len(PATHS) * (CYCLES + 2)) as server:
        config = parse_config(serve(server), None)
        floors = [floor(server)]
        store = Store.open(f"sqlite:///{folder / 'unchanged.db'}")
        writes = Writes(store)
        lines = []
        with make_client() as client:
            fetcher = Fetcher.for_settings(client, config.settings)
            for number in range(1, CYCLES + 1):
                cycle[0] = number
                before = server.total
                started = time.perf_counter()
                report = collect(config, store, fetcher)
                took = time.perf_counter() - started
                statements, rows = writes.take()
                booked = sum(n for table, n in rows.items() if table in BOOKKEEPING)
                page = rows["page_status"]
                kept = sum(rows.values()) - booked - page
                statuses = Counter(o.status for o in report.outcomes)
                lines.append(
                    f"  cycle {number}: {took:.2f} s; {server.total - before} requests; "
                    f"{parsed[number]} documents parsed; {statements} statements; rows changed: "
                    f"{kept} data, {page} page state, {booked} bookkeeping ({dict(sorted(rows.items()))}); "
                    f"outcomes {dict(statuses)}"
                )  # fmt: skip
        store.close()
        floors.append(floor(server))
        server.check()
    print(f"  floor (plain httpx.Client + ThreadPoolExecutor({DEFAULT_WORKERS}), same "
          f"{SOURCES * len(PATHS)} requests, nothing parsed): {min(floors):.2f} s "
          f"(before / after ours: {' / '.join(f'{f:.2f}' for f in floors)})")  # fmt: skip
    print("\n".join(lines))
    print(f"  {load()} at end")


if __name__ == "__main__":
    main()
