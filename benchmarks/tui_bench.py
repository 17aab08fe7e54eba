"""TUI speed at 100,000 incidents: first paint, cursor and page latency, filter latency, RSS.

    python -m benchmarks.tui_bench [--db PATH] [--rebuild] [--moves 200]

The database is synthesised from real data: the 1,282 GitHub incident files in
``tests/data/fixtures/statuspage/github-incident-history`` are parsed once, then cloned with new
ids, shifted times and a vendor from the shipped catalogue (round robin) until there are
100,000 incidents. Incidents with fewer than four updates get copies of their first update a
few minutes apart (a derived padding, to reach the ~4 updates per incident the issue sizes for:
~400,000 updates). One clone in 400 has its resolution dropped, so ~250 incidents are active.
The file is kept in ``benchmarks/.work`` and reused while it has 100,000 incidents.

The app runs in a real pseudo-terminal (100x30, xterm-256color) in a child process; latencies
are measured from writing a key to the terminal until the screen update that shows its effect
has been read back (the status line's "N of 100,000"), so they include Textual's rendering and
the terminal output. Peak RSS is the child's VmHWM.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import fcntl
import json
import os
import pty
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / ".work"
HISTORY = REPO / "tests" / "data" / "fixtures" / "statuspage" / "github-incident-history"
TARGET = 100_000
NOW = dt.datetime(2026, 8, 21, 9, 0, tzinfo=dt.UTC)
STATUS = re.compile(rb"(\d[\d,]*) of 100,000")
COUNTED = re.compile(rb"\d of [\d,]+(?![\d,+])")


# -- the database -------------------------------------------------------------------------------


def build(path: Path) -> None:
    from incident_feed.config import load_config, slugify
    from incident_feed.model import Phase
    from incident_feed.normalize.drafts import Context, IncidentDraft, Stamp
    from incident_feed.sources.base import Document
    from incident_feed.sources.registry import collector_for
    from incident_feed.store import Store

    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    vendors = [v.name for v in load_config(REPO / "config.toml").vendors]
    collector = collector_for("statuspage")
    context = Context("github-status", "statuspage", "GitHub", NOW)
    originals: list[IncidentDraft] = []
    for file in sorted(HISTORY.glob("*.json")):
        if file.name == "incident_codes.json":
            continue
        document = Document(str(file), file.read_bytes(), {"content-type": "application/json"})
        originals += collector.parse(document, context).drafts
    store = Store.open(f"sqlite:///{path}")
    started = time.perf_counter()
    batches: dict[str, list[IncidentDraft]] = defaultdict(list)
    made = updates = 0
    clone = 0
    while made < TARGET:
        shift = dt.timedelta(days=3 * clone, minutes=17 * clone)
        for index, original in enumerate(originals):
            if made >= TARGET:
                break
            vendor = vendors[(index + clone) % len(vendors)]
            draft = _clone(original, clone, shift, vendor, Stamp, Phase, active=made % 400 == 7)
            batches[vendor].append(draft)
            made += 1
            updates += len(draft.updates)
            if len(batches[vendor]) >= 500:
                store.apply(f"{slugify(vendor)}-status", "statuspage", batches.pop(vendor), NOW)
        clone += 1
    for vendor, drafts in batches.items():
        store.apply(f"{slugify(vendor)}-status", "statuspage", drafts, NOW)
    store.close()
    print(
        f"built {made:,} incidents / {updates:,} updates from {len(originals):,} real GitHub "
        f"incidents in {time.perf_counter() - started:.0f} s -> {path}"
    )


def _clone(original, clone, shift, vendor, Stamp, Phase, *, active):  # type: ignore[no-untyped-def]
    def moved(stamp):  # type: ignore[no-untyped-def]
        return None if stamp is None else Stamp(stamp.at - shift, stamp.raw, stamp.flags)

    updates = list(original.updates)
    if active:
        while len(updates) > 1 and updates[-1].phase is Phase.RESOLVED:
            updates.pop()
    first = updates[0]
    pad = [
        dataclasses.replace(
            first,
            native_id=f"{first.native_id}p{n}",
            stamp=Stamp(first.stamp.at + dt.timedelta(minutes=3 * n), first.stamp.raw, ()),
        )
        for n in range(1, max(0, 4 - len(updates)) + 1)
    ]
    ordered = sorted([*updates, *pad], key=lambda u: u.stamp.at)
    return dataclasses.replace(
        original,
        key=f"{original.key}x{clone}",
        native_id=f"{original.native_id}x{clone}",
        vendor=vendor,
        started=moved(original.started),
        resolved=None if active else moved(original.resolved),
        status_label=None if active else original.status_label,
        updates=tuple(
            dataclasses.replace(u, native_id=f"{u.native_id}x{clone}", stamp=moved(u.stamp))
            for u in ordered
        ),
    )


def ready(path: Path) -> bool:
    if not path.exists():
        return False
    import sqlite3

    with sqlite3.connect(path) as conn:
        try:
            return bool(conn.execute("SELECT count(*) FROM incident").fetchone()[0] == TARGET)
        except sqlite3.Error:
            return False


# -- the app in a pseudo-terminal ---------------------------------------------------------------


def child(db: Path, marks: Path) -> None:
    """Runs in the pseudo-terminal: the real app with the real clock and the catalogue."""
    process_start = float(os.environ["TUI_BENCH_SPAWNED"])
    from incident_feed.config import load_config
    from incident_feed.store import Store
    from incident_feed.tui.app import create_app

    config = load_config(REPO / "config.toml")
    store = Store.open(f"sqlite:///{db}")
    app = create_app(store, config, poll_seconds=None)
    marks.write_text(json.dumps({"spawned": process_start, "run": time.time()}))
    app.run()


class Terminal:
    def __init__(self, db: Path, marks: Path) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor")
        env["PYTHONPATH"] = str(REPO)
        env["TUI_BENCH_SPAWNED"] = repr(time.time())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.tui_bench", "--child", str(db), str(marks)],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=REPO,
            start_new_session=True,
        )
        os.close(slave)
        self.buffer = b""
        self.seen_at = 0.0

    def read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return b""
        try:
            data = os.read(self.master, 1 << 16)
        except OSError:
            return b""
        self.buffer += data
        return data

    def wait_for(self, pattern: re.Pattern[bytes], timeout: float = 30.0) -> re.Match[bytes]:
        """Read until ``pattern`` appears in what arrived since the last call; ``self.seen_at``
        is when it was read."""
        deadline = time.monotonic() + timeout
        seen = b""
        while time.monotonic() < deadline:
            seen += self.read(0.05)
            match = pattern.search(seen)
            if match:
                self.seen_at = time.perf_counter()
                return match
        shown = re.sub(rb"\x1b\[[\d;?]*[a-zA-Z]", b"", seen)[-400:]
        raise TimeoutError(f"{pattern.pattern!r} not seen in {timeout}s; last output: {shown!r}")

    def drain(self, quiet: float) -> None:
        while self.read(quiet):
            pass

    def send(self, keys: bytes) -> float:
        self.drain(0.0)
        os.write(self.master, keys)
        return time.perf_counter()

    def rss_peak_mib(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kib = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
        return kib / 1024

    def close(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        os.close(self.master)


def position(match: re.Match[bytes]) -> int:
    return int(match.group(1).replace(b",", b""))


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def measure(db: Path, moves: int) -> dict[str, object]:
    marks = WORK / "tui-bench-marks.json"
    marks.unlink(missing_ok=True)
    term = Terminal(db, marks)
    figures: dict[str, object] = {}
    try:
        term.wait_for(re.compile(rb"1 of 100,000"), timeout=60)
        painted = time.time() - (time.perf_counter() - term.seen_at)
        stamps = json.loads(marks.read_text())
        figures["first paint from App.run (s)"] = painted - stamps["run"]
        figures["first paint from process start (s)"] = painted - stamps["spawned"]
        term.drain(0.5)

        def step(keys: bytes, expect: int | None) -> float:
            sent = term.send(keys)
            while True:
                match = term.wait_for(STATUS, timeout=10)
                if expect is None or position(match) == expect:
                    return (term.seen_at - sent) * 1000

        current = 1
        cursor: list[float] = []
        for _ in range(moves):
            current += 1
            cursor.append(step(b"j", current))
        pages: list[float] = []
        for _ in range(moves // 2):
            sent = term.send(b"\x1b[6~")  # page down
            match = term.wait_for(STATUS)
            while position(match) <= current:
                match = term.wait_for(STATUS)
            current = position(match)
            pages.append((term.seen_at - sent) * 1000)
        for _ in range(moves // 4):
            sent = term.send(b"\x1b[5~")  # page up
            match = term.wait_for(STATUS)
            while position(match) >= current:
                match = term.wait_for(STATUS)
            current = position(match)
            pages.append((term.seen_at - sent) * 1000)
        figures["cursor move p50/p95 (ms)"] = (statistics.median(cursor), p95(cursor))
        figures["page up/down p50/p95 (ms)"] = (statistics.median(pages), p95(pages))
        figures["jump to the end, G (ms)"] = step(b"G", 100_000)
        figures["back to the top, g (ms)"] = step(b"g", 1)

        filters: dict[str, float] = {}
        counted: dict[str, float] = {}
        for query, shows in (
            # (what is typed, what the status line then says)
            ("degraded", "matching 'degraded'"),
            ("webhooks delayed", "matching 'webhooks delayed'"),
            ("git operations", "matching 'git operations'"),
            ("zzzznothing", "matching 'zzzznothing'"),
            ("vendor:cloudflare", "vendor cloudflare"),
            ("phase:investigating", "phase investigating"),
            ("since:30d", "since 20"),
            ("actions vendor:slack since:365d", "matching 'actions'"),
        ):
            term.send(b"/")
            time.sleep(0.2)
            for char in query.encode():
                term.send(bytes([char]))
                time.sleep(0.01)
            time.sleep(0.05)  # the debounce timer is pending; Enter applies the filter at once
            sent = term.send(b"\r")
            before = len(term.buffer)
            term.wait_for(re.compile(re.escape(shows.encode())))
            filters[query] = (term.seen_at - sent) * 1000
            if b"counting" in term.buffer[before:]:
                term.wait_for(COUNTED)
                counted[query] = (term.seen_at - sent) * 1000
            term.send(b"\x1b")  # escape: clear the filter
            time.sleep(0.3)
            term.wait_for(re.compile(rb"of 100,000"))
            term.drain(0.2)
        figures["filter latency, Enter -> results painted (ms)"] = filters
        figures["... -> exact count painted (ms; shown after the rows)"] = counted
        figures["peak RSS (MiB)"] = term.rss_peak_mib()
    finally:
        term.close()
    return figures


def query_timings(db: Path) -> dict[str, float]:
    """The database part alone, in-process (the keyset page and the count behind each view)."""
    from incident_feed.queries import IncidentFilter, count_incidents, page_after, page_before
    from incident_feed.store import Store

    store = Store.open(f"sqlite:///{db}")
    out: dict[str, float] = {}

    def timed(name: str, call) -> None:  # type: ignore[no-untyped-def]
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            call()
            runs.append((time.perf_counter() - started) * 1000)
        out[name] = min(runs)

    everything = IncidentFilter()
    middle = page_after(store, everything, None, 50)[-1].key
    timed("first page (150 rows)", lambda: page_after(store, everything, None, 150))
    timed("next page (50 rows, keyset)", lambda: page_after(store, everything, middle, 50))
    timed("last page (150 rows)", lambda: page_before(store, everything, None, 150))
    timed("count all", lambda: count_incidents(store, everything))
    for text in ("degraded", "webhooks delayed", "zzzznothing"):
        filt = IncidentFilter(text=text)
        timed(f"search {text!r}: page + count", lambda f=filt: (  # type: ignore[misc]
            page_after(store, f, None, 150), count_incidents(store, f)))  # fmt: skip
    store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=WORK / "tui-100k.db")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--moves", type=int, default=200)
    parser.add_argument("--child", nargs=2, metavar=("DB", "MARKS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    if args.rebuild or not ready(args.db):
        build(args.db)
    print(f"tui_bench: {args.db} ({args.db.stat().st_size / 2**20:.0f} MiB), 100x30 pty")
    for name, value in query_timings(args.db).items():
        print(f"  query  {name:<40} {value:7.1f} ms")
    for name, value in measure(args.db, args.moves).items():
        if isinstance(value, dict):
            print(f"  {name}:")
            for query, ms in value.items():
                print(f"      {query:<34} {ms:7.1f}")
        elif isinstance(value, tuple):
            print(f"  {name:<46} {value[0]:7.1f} / {value[1]:.1f}")
        else:
            print(f"  {name:<46} {value:7.2f}" if isinstance(value, float) else f"  {name} {value}")


if __name__ == "__main__":
    main()
