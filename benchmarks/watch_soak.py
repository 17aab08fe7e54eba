"""The watcher's memory over 1,000 cycles against a local server (bounded: at most 3 minutes).

12 Statuspage sources on 127.0.0.1: 9 answer 304 most of the time, one changes its content every
25 cycles (writes, and notifications into a command), one always fails, one is slow past its
deadline every time. The notifier is on. The resident set size is sampled every tenth of the run
(every 100 cycles) after a garbage collection.

Baseline, in the same run: the RSS after warm-up (the first sample, cycle 100), once the first
cycles' one-off allocations (lazy imports, the connection pool, compiled statements) are done.
Reported: the growth from it to the last sample and the per-cycle slope (least squares over the
samples), which tells a steady creep from noise. Goal: flat, growth under 5 MiB.

    python -m benchmarks.watch_soak [--cycles 1000] [--time-limit 180]

``BENCH_SOAK_CYCLES`` and ``BENCH_SOAK_SECONDS`` set the same for ``make bench`` (quick runs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import logging
import multiprocessing
import os
import shutil
import statistics
import sys
import threading
import time
from typing import Any

from benchmarks.common import WORK, history_files, load, machine
from incident_feed.config import parse_config
from incident_feed.outputs.notify import Notifier
from incident_feed.pipeline import RunReport
from incident_feed.schedule import Watcher
from incident_feed.sources.http import Fetcher, make_client
from incident_feed.store.database import Store
from tests.ops.local_server import LocalServer, Reply, Request, conditional, respond
from tests.ops.payloads import shifted

CYCLES = int(os.environ.get("BENCH_SOAK_CYCLES", "1000"))
TIME_LIMIT = float(os.environ.get("BENCH_SOAK_SECONDS", "180"))
GOAL_MIB = 5.0
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def rss_mib() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE / 2**20


class Changing:
    """A page announcing a new incident every ``every`` requests."""

    def __init__(self, incident: dict[str, Any], page: dict[str, Any], every: int) -> None:
        self.incident, self.page, self.every = incident, page, every
        self.requests = 0

    def __call__(self, request: Request) -> Reply:
        self.requests += 1
        generation = self.requests // self.every  # a new incident each generation
        updates = sorted(self.incident["incident_updates"], key=lambda u: u["display_at"])
        item = dict(self.incident, incident_updates=updates[:1], id=f"soak{generation:04d}")
        body = json.dumps({"page": self.page, "incidents": [item]}).encode()
        return conditional(body, f'"{generation}"')(request)


def serve(connection: Any, now: dt.datetime) -> None:
    """In a child process, so that the parent's memory is the watcher's alone."""
    history = [json.loads(p.read_text()) for p in history_files()[:40]]
    page = history[0]["page"]
    with LocalServer(max_requests=10**9, keep_requests=100) as server:
        for n in range(9):
            body = json.dumps({"page": page, "incidents": [h["incident"] for h in history[n::9]]})
            server.route(f"/s{n}/api/v2/incidents.json", conditional(body.encode(), f'"{n}"'))
        fresh = shifted(history[0]["incident"], now - dt.timedelta(hours=1))
        server.route("/c/api/v2/incidents.json", Changing(fresh, page, 25))
        server.route("/f/api/v2/incidents.json", respond(b"down", status=500))
        server.route("/w/api/v2/incidents.json", respond(b"{}", delay=0.3))
        connection.send(server.port)
        connection.recv()  # until the parent is done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=CYCLES, help="default %(default)s")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT, help="seconds")
    args = parser.parse_args()
    cycles, every = args.cycles, max(1, args.cycles // 10)
    at_start = load()
    folder = WORK / "watch-soak"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    now = dt.datetime.now(dt.UTC)
    parent, child = multiprocessing.get_context("fork").Pipe()
    server_process = multiprocessing.get_context("fork").Process(target=serve, args=(child, now))
    server_process.start()
    port = parent.recv()
    paths = [(f"steady-{n}", f"/s{n}") for n in range(9)]
    paths += [("changing", "/c"), ("failing", "/f"), ("slow", "/w")]
    out = folder / "notified.jsonl"
    config = parse_config(
        {
            "settings": {
                "allow_loopback": True,
                "limits": {"deadline": 0.1, "read_timeout": 0.1},
            },
            "vendor": [{"name": "GitHub"}],
            "source": [
                {"name": name, "vendor": "GitHub", "kind": "statuspage",
                 "url": f"http://127.0.0.1:{port}{path}"}
                for name, path in paths
            ],
            "notify": [
                {"command": [sys.executable, "-c", f"import sys; open({str(out)!r}, 'a')"
                             ".write(sys.stdin.read() + '\\n')"]}
            ],
        },
        None,
    )  # fmt: skip
    store = Store.open(f"sqlite:///{folder / 'soak.db'}")
    samples: list[tuple[int, float]] = []
    try:
        with make_client() as client:
            fetcher = Fetcher.for_settings(client, config.settings)
            notifier = Notifier.from_config(config, store, clock=lambda: now, delays=(0.01,))
            began = time.monotonic()

            def moving() -> dt.datetime:
                """The schedule's clock: from ``now``, moving (each source is due 1 ms later)."""
                return now + dt.timedelta(seconds=time.monotonic() - began)

            stop = threading.Event()
            deadline = time.monotonic() + args.time_limit

            class Sampler:
                def after_run(self, report: RunReport) -> None:
                    notifier.after_run(report)
                    late = time.monotonic() > deadline
                    if watcher.cycles % every == 0 or late:
                        gc.collect()
                        samples.append((watcher.cycles, rss_mib()))
                    if late:
                        stop.set()

            watcher = Watcher(
                config, store, fetcher, sources=config.sources, interval=0.001, stop=stop,
                max_backoff=0.001, notifier=Sampler(), clock=moving, flush=0.01,
            )  # fmt: skip
            logging.getLogger("incident_feed").setLevel(logging.ERROR)
            started = time.monotonic()
            watcher.run(max_cycles=cycles)
            took = time.monotonic() - started
            notifier.dispatcher.drain(30)
            notifier.close()
    finally:
        store.close()
        parent.send("stop")
        server_process.join(10)
    notified = len(out.read_text().splitlines()) if out.exists() else 0
    stopped = " (stopped by the time limit)" if watcher.cycles < cycles else ""
    print(f"watch soak ({machine()}): {watcher.cycles} cycles in {took:.0f} s{stopped}, "
          f"{len(paths)} sources, {notified} notifications sent; {at_start} at start, {load()} at end")  # fmt: skip
    print("  RSS MiB by cycle: " + ", ".join(f"{c}: {m:.1f}" for c, m in samples))
    if len(samples) < 2:
        print("  too few samples for a growth figure")
        return
    (start, baseline), (end, last) = samples[0], samples[-1]
    slope = statistics.linear_regression([c for c, _ in samples], [m for _, m in samples]).slope
    print(f"  baseline (after warm-up, cycle {start}): {baseline:.1f} MiB")
    print(f"  growth to cycle {end}: {last - baseline:+.1f} MiB (goal < {GOAL_MIB:g} MiB); "
          f"slope {slope * 1024:+.2f} KiB per cycle")  # fmt: skip


if __name__ == "__main__":
    main()
