"""Scale-out on PostgreSQL: a full pass over 160 Statuspage sources at 300 ms latency by 1, 2 and
4 ``watch`` processes sharing one database, against the network floor of the same run.

Each source is its own vendor and serves three documents on 127.0.0.1 (one real GitHub
incident, an empty maintenance list, GitHub's real summary), each answer 300 ms late. Every
worker is a real ``incident-feed watch --interval 1h`` process (16 fetches at once) on a fresh
database of a throwaway PostgreSQL server on 127.0.0.1. A pass ends when every source's attempt
is recorded; the time counts from the workers' launch, start-up included. Each source must be
fetched exactly once in the pass, whoever fetched it.

Floor, in the same run: the same 480 requests from a plain ``httpx.Client`` on a
``ThreadPoolExecutor`` of 16 and of 32 threads (one and two workers' worth). Goal (the issue's):
two workers take at most 1/1.6 of one worker's time.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import tomlkit
from sqlalchemy import func, select

from benchmarks.common import REPO, WORK, load, machine
from benchmarks.network_floor import NetworkFloor
from benchmarks.statuspage_farm import PATHS, farm_urls, incident_bodies, serve_farm
from incident_feed.store.database import Store
from incident_feed.store.tables import SOURCE
from tests.ops.local_server import LocalServer, Request
from tests.store.pg_server import admin_connect, running_postgres

SOURCES = 160
LATENCY = 0.3
WORKERS = (1, 2, 4)


def serve(server: LocalServer, config: Path) -> None:
    """The farm, one real incident per page, and its config written as TOML."""
    farm = serve_farm(server, SOURCES, incident_bodies([[n] for n in range(SOURCES)]))
    config.write_text(tomlkit.dumps(farm), encoding="utf-8")


def floor(server: LocalServer, threads: int) -> float:
    urls = farm_urls(server, SOURCES)
    took, statuses = NetworkFloor(urls, threads).cycle()
    assert set(statuses) == {200}, statuses
    return took


def one_pass(server: LocalServer, url: str, config: Path, workers: int, logs: Path) -> float:
    """Seconds until ``workers`` watch processes have recorded every source once."""
    Store.open(url).close()  # migrated before the workers start
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_FEED_")}
    env["PYTHONPATH"] = str(REPO)
    command = [sys.executable, "-m", "incident_feed", "--config", str(config), "--db", url,
               "watch", "--interval", "1h"]  # fmt: skip
    before = Counter(r.path for r in _requests(server))
    started = time.perf_counter()
    processes = [
        subprocess.Popen([*command, "--log-file", str(logs / f"{workers}-{n}.log")], env=env)
        for n in range(workers)
    ]
    store = Store.open(url)
    try:
        while True:
            with store.read() as conn:
                done = conn.execute(select(func.count()).select_from(SOURCE)).scalar_one()
            if done >= SOURCES:
                break
            if time.perf_counter() - started > 120:
                raise SystemExit(f"{workers} workers: no full pass in 120 s ({done} sources)")
            time.sleep(0.02)
        took = time.perf_counter() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
        store.close()
    after = Counter(r.path for r in _requests(server))
    fetched = Counter({path: after[path] - before[path] for path in after})
    twice = [path for path, count in fetched.items() if count != 1]
    if twice or len(fetched) != SOURCES * len(PATHS):
        raise SystemExit(f"{workers} workers: fetched other than once each: {twice[:5]}")
    return took


def _requests(server: LocalServer) -> list[Request]:
    return [r for n in range(SOURCES) for p in PATHS for r in server.requests_to(f"/s{n}/{p}")]


def main() -> None:
    folder = WORK / "scale-out"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"scale-out on PostgreSQL ({machine()}): {SOURCES} sources, {LATENCY * 1000:.0f} ms "
          f"latency per request, 16 fetches per worker; {load()} at start")  # fmt: skip
    config = folder / "config.toml"
    times: dict[int, float] = {}
    with running_postgres() as pg, LocalServer(max_requests=SOURCES * 3 * 20, latency=LATENCY) as server:  # fmt: skip
        serve(server, config)
        floors = {threads: floor(server, threads) for threads in (16, 32)}
        for workers in WORKERS:
            name = f"scale_{workers}"
            with admin_connect(pg) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            times[workers] = one_pass(server, pg.url_for(name), config, workers, folder)
        server.check()
    print(f"  floor (plain httpx, same {SOURCES * 3} requests): 16 threads {floors[16]:.2f} s, "
          f"32 threads {floors[32]:.2f} s")  # fmt: skip
    for workers in WORKERS:
        ratio = times[workers] / times[1]
        print(f"  {workers} worker{'s' if workers > 1 else ' '}: full pass {times[workers]:.2f} s "
              f"(start-up included) = {ratio:.2f} of one worker's time"
              + ("; goal <= 0.625" if workers == 2 else ""))  # fmt: skip
    print("  every source fetched exactly once in each pass")
    print(f"  {load()} at end")


if __name__ == "__main__":
    main()
