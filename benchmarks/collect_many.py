"""One collection cycle over 500 Statuspage sources on 127.0.0.1 with 50 ms added latency, then a
second cycle where every answer is 304 Not Modified, against the network floor of the same run.

Each source is its own vendor and serves a real-sized ``incidents.json`` (50 real GitHub
incidents, 10 different slices of the history), an empty ``scheduled-maintenances.json`` and
GitHub's real ``summary.json`` (read since issue 12), each with an ETag: 1,500 requests per
cycle. The collection is ``pipeline.collect`` with its
default pool (16 fetches at once), through the real ``Fetcher`` and a real SQLite file.

Floor, in the same run and against the same server: the same 1,500 requests (same URLs, same
latency, each source's three in turn) from a plain ``httpx.Client`` on a ``ThreadPoolExecutor``
of the same worker count, bodies read and thrown away: no parsing, no storing. The 304 floor
sends the same conditional requests (the ETags its first pass received). The floor runs before
and after ours and the faster pass counts, so load from other jobs cannot flatter the ratio.
Goals (absolute): first cycle < 30 s, second (all 304) < 5 s.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from typing import Any

from benchmarks.common import WORK, load, machine
from benchmarks.network_floor import NetworkFloor
from benchmarks.statuspage_farm import PATHS, farm_urls, incident_bodies, serve_farm
from incident_feed.config import parse_config
from incident_feed.pipeline import DEFAULT_WORKERS, collect
from incident_feed.sources.http import Fetcher, make_client
from incident_feed.store.database import Store
from tests.ops.local_server import LocalServer

SOURCES = 500
PER_SOURCE = 50
LATENCY = 0.05


def serve(server: LocalServer) -> dict[str, Any]:
    groups = [range(n * PER_SOURCE, (n + 1) * PER_SOURCE) for n in range(10)]
    return serve_farm(server, SOURCES, incident_bodies(groups))


def main() -> None:
    folder = WORK / "collect-many"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"collect 500 sources ({machine()}): {LATENCY * 1000:.0f} ms latency per request, "
          f"{DEFAULT_WORKERS} fetches at once; {load()} at start")  # fmt: skip
    with LocalServer(max_requests=10 * SOURCES * len(PATHS), latency=LATENCY) as server:
        config = parse_config(serve(server), None)
        floor = NetworkFloor(
            farm_urls(server, SOURCES),
            DEFAULT_WORKERS,
        )
        floor_first = [floor.cycle(revalidate=False)]
        floor_second = [floor.cycle(revalidate=True)]
        store = Store.open(f"sqlite:///{folder / 'many.db'}")
        with make_client() as client:
            fetcher = Fetcher.for_settings(client, config.settings)
            before = server.total
            started = time.perf_counter()
            first = collect(config, store, fetcher)
            first_s = time.perf_counter() - started
            requests_first = server.total - before
            started = time.perf_counter()
            second = collect(config, store, fetcher)
            second_s = time.perf_counter() - started
            requests_second = server.total - before - requests_first
        store.close()
        floor_first.append(floor.cycle(revalidate=False))
        floor_second.append(floor.cycle(revalidate=True))
        server.check()
    for passes, expected in ((floor_first, 200), (floor_second, 304)):
        for _took, statuses in passes:
            assert statuses == {expected: len(PATHS) * SOURCES}, statuses
    floor_1 = min(took for took, _ in floor_first)
    floor_2 = min(took for took, _ in floor_second)
    statuses = sorted({o.status for o in second.outcomes})
    totals = first.totals

    def passes(runs: list[tuple[float, Counter[int]]]) -> str:
        return " / ".join(f"{took:.2f}" for took, _ in runs)

    print(f"  floor (plain httpx.Client + ThreadPoolExecutor({DEFAULT_WORKERS}), same 1,500 "
          f"requests, no parsing): cycle 1 {floor_1:.2f} s (before / after ours: "
          f"{passes(floor_first)}); 304 cycle {floor_2:.2f} s ({passes(floor_second)})")  # fmt: skip
    print(f"  cycle 1: {first_s:.1f} s = {first_s / floor_1:.2f}x floor (goal < 30 s); "
          f"{requests_first} requests; {totals.incidents_new} incidents, {totals.updates_new} "
          f"updates stored; {sum(o.failed for o in first.outcomes)} sources failed")  # fmt: skip
    print(f"  cycle 2 (all 304): {second_s:.2f} s = {second_s / floor_2:.2f}x floor "
          f"(goal < 5 s); {requests_second} requests; statuses {statuses}")  # fmt: skip
    print(f"  {load()} at end")


if __name__ == "__main__":
    main()
