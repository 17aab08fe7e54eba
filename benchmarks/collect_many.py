"""One collection cycle over 500 Statuspage sources on 127.0.0.1 with 50 ms added latency, then a
second cycle where every answer is 304 Not Modified.

Each source is its own vendor and serves a real-sized ``incidents.json`` (50 real GitHub
incidents, 10 different slices of the history) and an empty ``scheduled-maintenances.json``,
both with an ETag: 1,000 requests per cycle. The collection is ``pipeline.collect`` with its
default pool (16 fetches at once), through the real ``Fetcher`` and a real SQLite file.
Goals: first cycle < 30 s, second (all 304) < 5 s.
"""

from __future__ import annotations

import json
import shutil
import time
from typing import Any

from benchmarks.common import WORK, history_files, machine
from incident_feed.config import parse_config
from incident_feed.pipeline import DEFAULT_WORKERS, collect
from incident_feed.sources.http import Fetcher, make_client
from incident_feed.store import Store
from tests.ops.local_server import LocalServer, conditional

SOURCES = 500
PER_SOURCE = 50
LATENCY = 0.05


def serve(server: LocalServer) -> dict[str, Any]:
    history = [json.loads(p.read_text()) for p in history_files()]
    page = history[0]["page"]
    incidents = [h["incident"] for h in history]
    bodies = []
    for n in range(10):
        chunk = incidents[n * PER_SOURCE : (n + 1) * PER_SOURCE]
        bodies.append(json.dumps({"page": page, "incidents": chunk}).encode())
    empty = json.dumps({"page": page, "scheduled_maintenances": []}).encode()
    vendors, sources = [], []
    for n in range(SOURCES):
        base = f"/s{n}"
        server.route(f"{base}/api/v2/incidents.json", conditional(bodies[n % 10], f'"i{n}"'))
        server.route(f"{base}/api/v2/scheduled-maintenances.json", conditional(empty, f'"m{n}"'))
        vendors.append({"name": f"Vendor {n:03d}"})
        sources.append(
            {"name": f"source-{n:03d}", "vendor": f"Vendor {n:03d}", "kind": "statuspage",
             "url": server.url(base)}
        )  # fmt: skip
    return {
        "settings": {"allow_private_addresses": True},
        "vendor": vendors,
        "source": sources,
    }


def main() -> None:
    folder = WORK / "collect-many"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with LocalServer(max_requests=10 * SOURCES * 2, latency=LATENCY) as server:
        config = parse_config(serve(server), None)
        store = Store.open(f"sqlite:///{folder / 'many.db'}")
        with make_client() as client:
            fetcher = Fetcher(client, config.settings.limits, allow_private_addresses=True)
            started = time.perf_counter()
            first = collect(config, store, fetcher)
            first_s = time.perf_counter() - started
            requests_first = server.total
            started = time.perf_counter()
            second = collect(config, store, fetcher)
            second_s = time.perf_counter() - started
        server.check()
        statuses = sorted({o.status for o in second.outcomes})
        totals = first.totals
        print(f"collect 500 sources ({machine()}): {LATENCY * 1000:.0f} ms latency per request, "
              f"{DEFAULT_WORKERS} fetches at once")  # fmt: skip
        print(f"  cycle 1: {first_s:.1f} s (goal < 30 s); {requests_first} requests; "
              f"{totals.incidents_new} incidents, {totals.updates_new} updates stored; "
              f"{sum(o.failed for o in first.outcomes)} sources failed")  # fmt: skip
        print(f"  cycle 2 (all 304): {second_s:.1f} s (goal < 5 s); statuses {statuses}")
        store.close()


if __name__ == "__main__":
    main()
