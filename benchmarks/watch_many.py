"""One ``watch`` pass over 5,000 Statuspage sources on 127.0.0.1 with 50 ms latency, then the
all-unchanged pass (every answer 304), each against the network floor of the same run.

Each source is its own vendor and serves three documents with an ETag: an ``incidents.json``
(two real GitHub incidents, 10 different pairs), an empty ``scheduled-maintenances.json`` and
GitHub's real ``summary.json``: 15,000 requests a pass. The pass is the real
:class:`~incident_feed.schedule.Watcher` (per-source scheduling, leases, 16 fetches at once)
on a real SQLite file, run until every source has been stored once; the second pass makes
every source due again and runs until each is stored again.

Floor, in the same run and against the same server: the same 15,000 requests (each source's
three in turn) from a plain ``httpx.Client`` on a ``ThreadPoolExecutor`` of the same size, bodies
read and thrown away: no parsing, no storing, no schedule. The 304 floor sends the same
conditional requests.
"""

from __future__ import annotations

import shutil
import threading
import time
from typing import Any

from sqlalchemy import update

from benchmarks.common import WORK, load, machine
from benchmarks.network_floor import NetworkFloor
from benchmarks.statuspage_farm import PATHS, farm_urls, incident_bodies, serve_farm
from incident_feed.clock import utc_now
from incident_feed.config import parse_config
from incident_feed.pipeline import DEFAULT_WORKERS
from incident_feed.schedule import Watcher
from incident_feed.sources.http import Fetcher, make_client
from incident_feed.store.database import Store
from incident_feed.store.tables import SOURCE_LEASE
from tests.ops.local_server import LocalServer

SOURCES = 5000
LATENCY = 0.05


def serve(server: LocalServer) -> dict[str, Any]:
    bodies = incident_bodies([(n, n + 1) for n in range(0, 20, 2)])
    return serve_farm(server, SOURCES, bodies)


def one_pass(watcher: Watcher) -> float:
    """Run the watcher until it has stored every source once more; the seconds it took."""
    stop = watcher.stop
    stop.clear()
    target = watcher.fetches + SOURCES
    runner = threading.Thread(target=watcher.run)
    started = time.perf_counter()
    runner.start()
    while watcher.fetches < target:
        time.sleep(0.05)
    took = time.perf_counter() - started
    stop.set()
    runner.join()
    return took


def main() -> None:
    folder = WORK / "watch-many"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"watch 5,000 sources ({machine()}): {LATENCY * 1000:.0f} ms latency per request, "
          f"{DEFAULT_WORKERS} fetches at once; {load()} at start")  # fmt: skip
    with LocalServer(max_requests=SOURCES * len(PATHS) * 5, latency=LATENCY) as server:
        config = parse_config(serve(server), None)
        floor = NetworkFloor(
            farm_urls(server, SOURCES),
            DEFAULT_WORKERS,
        )
        floor_first, first_statuses = floor.cycle(revalidate=False)
        floor_second, second_statuses = floor.cycle(revalidate=True)
        assert first_statuses == {200: 3 * SOURCES}, first_statuses
        assert second_statuses == {304: 3 * SOURCES}, second_statuses
        store = Store.open(f"sqlite:///{folder / 'many.db'}")
        with make_client() as client:
            fetcher = Fetcher.for_settings(client, config.settings)
            watcher = Watcher(
                config, store, fetcher, sources=config.sources, interval=3600.0,
                stop=threading.Event(),
            )  # fmt: skip
            before = server.total
            first = one_pass(watcher)
            requests_first = server.total - before
            incidents, updates = store.count("incident"), store.count("update")
            with store.write() as conn:  # every source due again
                conn.execute(update(SOURCE_LEASE).values(due_at=utc_now()))
            before = server.total
            second = one_pass(watcher)
            requests_second = server.total - before
            rows_after = store.count("incident"), store.count("update")
        store.close()
        server.check()
    print(f"  floor (plain httpx.Client + ThreadPoolExecutor({DEFAULT_WORKERS}), same "
          f"{3 * SOURCES:,} requests, no parsing): {floor_first:.1f} s; 304 pass "
          f"{floor_second:.1f} s")  # fmt: skip
    print(f"  watch pass 1: {first:.1f} s = {first / floor_first:.2f}x floor; "
          f"{requests_first:,} requests; {incidents} incidents, {updates} updates")  # fmt: skip
    print(f"  watch pass 2 (all unchanged, 304): {second:.1f} s = "
          f"{second / floor_second:.2f}x floor; {requests_second:,} requests; rows after "
          f"{rows_after[0]} incidents, {rows_after[1]} updates (unchanged: "
          f"{rows_after == (incidents, updates)})")  # fmt: skip
    print(f"  {load()} at end")


if __name__ == "__main__":
    main()
