"""TUI speed at 100,000 incidents: first paint, cursor and page latency, filter latency, RSS.

    python -m benchmarks.tui_bench [--db PATH] [--rebuild] [--moves 200] [--filter-rounds 3]

The database is synthesised from real data: the 1,282 GitHub incident files in
``tests/data/fixtures/statuspage/github-incident-history`` are parsed once, then cloned with new
ids, shifted times and a vendor from the shipped catalogue (round robin) until there are
100,000 incidents. Incidents with fewer than four updates get copies of their first update a
few minutes apart (a derived padding, to reach the ~4 updates per incident the issue sizes for:
~400,000 updates). One clone in 400 has its resolution dropped, so ~250 incidents are active.
The file is kept in ``benchmarks/.work`` and reused while it has 100,000 incidents.

Two apps run, one after the other, in a real pseudo-terminal (100x30, xterm-256color) in a
child process, and get the same keys: the baseline ("floor": Textual's own ``DataTable`` holding
rows read before it started, see :func:`floor_app`) and the real app. Latencies are measured
from writing a key to the terminal until the screen update that shows its effect has been read
back (the status line's "N of 100,000", or the filter's description), so they include Textual's
rendering and the terminal output. Peak RSS is the child's VmHWM. The database part alone is
timed in-process first (:func:`query_timings`).
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
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

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
    from incident_feed.enums import Phase
    from incident_feed.normalize.drafts import Context, IncidentDraft, Stamp
    from incident_feed.sources.base import Document
    from incident_feed.sources.registry import collector_for
    from incident_feed.store.database import Store

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


# -- the apps in a pseudo-terminal --------------------------------------------------------------

FLOOR_ROWS = 4000  # rows the baseline holds: enough for every page move of a run
FLOOR_WINDOW = 120  # rows the baseline shows after a "filter" (a window's worth)


def child(db: Path, marks: Path, mode: str) -> None:
    """Runs in the pseudo-terminal: the real app (``app``) or the baseline (``floor``), with the
    real clock and the catalogue."""
    process_start = float(os.environ["TUI_BENCH_SPAWNED"])
    from incident_feed.config import load_config
    from incident_feed.store.database import Store

    config = load_config(REPO / "config.toml")
    store = Store.open(f"sqlite:///{db}")
    if mode == "floor":
        app = floor_app(store)
    else:
        from incident_feed.tui.app import create_app

        app = create_app(store, config, poll_seconds=None)
    marks.write_text(json.dumps({"spawned": process_start, "run": time.time()}))
    app.run()


def floor_app(store):  # type: ignore[no-untyped-def]
    """The baseline: Textual's own ``DataTable`` with rows already in memory.

    It shows the same columns, cells and status line as the app, but its rows were read before
    it started (``FLOOR_ROWS`` of them, so moving never needs the database), and a "filter"
    only swaps in another ``FLOOR_WINDOW`` rows from memory. What the app costs beyond it is
    the database, the row window and our own code.
    """
    from rich.text import Text
    from textual.app import App
    from textual.binding import Binding
    from textual.widgets import DataTable, Footer, Input, Static

    from incident_feed.store.queries import IncidentFilter, page_after
    from incident_feed.tui import formatting as fmt
    from incident_feed.tui.filtering import describe, parse_filter

    now = dt.datetime.now(dt.UTC)
    rows = page_after(store, IncidentFilter(), None, FLOOR_ROWS)

    def cells(row):  # type: ignore[no-untyped-def]
        style = "bold" if row.active else ""
        return [
            fmt.cell(row.vendor, style),
            fmt.phase_badge(row.phase),
            fmt.cell(row.title, style),
            Text(fmt.when(row.started_at, now, None), end=""),
            Text(fmt.span(row.started_at, row.resolved_at, now), end="", justify="right"),
            fmt.source_badges(row.source_kinds),
        ]

    class Floor(App[None]):
        CSS = """
        #title, #status { height: 1; padding: 0 1; background: $panel; }
        #bar { height: 1; border: none; padding: 0 1; display: none; }
        #bar:focus { display: block; }
        #table { height: 1fr; }
        """
        BINDINGS = [
            Binding("slash", "filter"),
            Binding("escape", "clear"),
            Binding("g", "first"),
            Binding("G", "last"),
            Binding("j", "down"),
        ]
        described = "all incidents"
        shown_from = 0

        def compose(self):  # type: ignore[no-untyped-def]
            yield Static(Text("incident-feed  100,000 incidents stored"), id="title")
            yield Input(id="bar")
            yield DataTable(id="table", cursor_type="row")
            yield Static(id="status")
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            width = max(20, self.size.width - 12 - 13 - 12 - 7 - 9 - 16)
            for key, label, size in (
                ("vendor", "Vendor", 12),
                ("phase", "Phase", 13),
                ("title", "Title", width),
                ("started", "Started", 12),
                ("lasted", "Lasted", 7),
                ("sources", "Sources", 9),
            ):
                table.add_column(label, width=size, key=key)
            self.show(rows[:FLOOR_WINDOW])
            table.focus()
            # The rest after the first paint, as a window would bring them in.
            self.call_after_refresh(self.add_rest)

        def add_rest(self) -> None:
            table = self.query_one(DataTable)
            for row in rows[FLOOR_WINDOW:]:
                table.add_row(*cells(row), key=row.id)

        def show(self, chosen) -> None:  # type: ignore[no-untyped-def]
            table = self.query_one(DataTable)
            table.clear()
            for row in chosen:
                table.add_row(*cells(row), key=row.id)
            self.status(0)

        def status(self, position: int) -> None:
            line = Text(f"{position + 1:,} of 100,000  ·  {self.described}", end="")
            self.query_one("#status", Static).update(line, layout=False)

        def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
            self.status(event.cursor_row)

        def on_input_submitted(self, event: Input.Submitted) -> None:
            self.described = describe(parse_filter(event.value, now).filter)
            # Rows not shown before: nothing of them is cached.
            self.shown_from = (self.shown_from + FLOOR_WINDOW) % (FLOOR_ROWS - FLOOR_WINDOW)
            self.show(rows[self.shown_from : self.shown_from + FLOOR_WINDOW])
            self.query_one(DataTable).focus()

        def action_filter(self) -> None:
            self.query_one(Input).focus()

        def action_clear(self) -> None:
            self.query_one(Input).value = ""
            self.described = "all incidents"
            self.show(rows[:FLOOR_WINDOW])

        def action_first(self) -> None:
            self.query_one(DataTable).move_cursor(row=0)

        def action_down(self) -> None:
            self.query_one(DataTable).action_cursor_down()

        def action_last(self) -> None:
            table = self.query_one(DataTable)
            table.move_cursor(row=table.row_count - 1)

    return Floor()


class Terminal:
    def __init__(self, db: Path, marks: Path, mode: str) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor")
        env["PYTHONPATH"] = str(REPO)
        env["TUI_BENCH_SPAWNED"] = repr(time.time())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.tui_bench", "--child", mode, str(db), str(marks)],
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
        is when it was read. The last match: one read may hold several screen updates."""
        deadline = time.monotonic() + timeout
        seen = b""
        while time.monotonic() < deadline:
            seen += self.read(0.05)
            matches = list(pattern.finditer(seen))
            if matches:
                self.seen_at = time.perf_counter()
                return matches[-1]
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


def p50_p95(values: list[float]) -> tuple[float, float]:
    p95 = statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]
    return statistics.median(values), p95


FILTERS = (
    # (what is typed, what the status line then says)
    ("degraded", "matching 'degraded'"),
    ("webhooks delayed", "matching 'webhooks delayed'"),
    ("git operations", "matching 'git operations'"),
    ("zzzznothing", "matching 'zzzznothing'"),
    ("vendor:cloudflare", "vendor cloudflare"),
    ("phase:investigating", "phase investigating"),
    ("since:30d", "since 20"),
    ("actions vendor:slack since:365d", "matching 'actions'"),
)


def measure(db: Path, moves: int, mode: str, filter_rounds: int) -> dict[str, Any]:
    """Drive one app (``app`` or ``floor``) through the same keys; latencies in ms."""
    marks = WORK / f"tui-bench-marks-{mode}.json"
    marks.unlink(missing_ok=True)
    term = Terminal(db, marks, mode)
    out: dict[str, Any] = {}
    try:
        term.wait_for(re.compile(rb"1 of 100,000"), timeout=60)
        painted = time.time() - (time.perf_counter() - term.seen_at)
        stamps = json.loads(marks.read_text())
        out["first paint from App.run (s)"] = painted - stamps["run"]
        out["first paint from process start (s)"] = painted - stamps["spawned"]
        term.drain(2.0)

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
        downs: list[float] = []
        ups: list[float] = []
        for keys, times, forward in ((b"\x1b[6~", downs, True), (b"\x1b[5~", ups, False)):
            for _ in range(moves // 2 if forward else moves // 4):
                sent = term.send(keys)
                match = term.wait_for(STATUS)
                while (position(match) <= current) if forward else (position(match) >= current):
                    match = term.wait_for(STATUS)
                current = position(match)
                times.append((term.seen_at - sent) * 1000)
        out["cursor"] = cursor
        out["page down"] = downs
        out["page up"] = ups
        out["jump to the end, G"] = [step(b"G", TARGET if mode == "app" else FLOOR_ROWS)]
        out["back to the top, g"] = [step(b"g", 1)]

        filters: dict[str, list[float]] = {}
        counted: dict[str, list[float]] = {}
        for _ in range(filter_rounds):
            for query, shows in FILTERS:
                term.send(b"/")
                time.sleep(0.2)
                for char in query.encode():
                    term.send(bytes([char]))
                    time.sleep(0.01)
                time.sleep(0.05)  # the debounce timer is pending; Enter applies the filter now
                sent = term.send(b"\r")
                before = len(term.buffer)
                term.wait_for(re.compile(re.escape(shows.encode())))
                filters.setdefault(query, []).append((term.seen_at - sent) * 1000)
                shown = term.buffer[before:]
                if b"counting" in shown:
                    # The count may have come in the same read as the rows.
                    if not COUNTED.search(shown, shown.rindex(b"counting")):
                        term.wait_for(COUNTED)
                    counted.setdefault(query, []).append((term.seen_at - sent) * 1000)
                term.send(b"\x1b")  # escape: clear the filter
                time.sleep(0.3)
                term.wait_for(re.compile(rb"of 100,000"))
                term.drain(0.2)
        out["filters"] = filters
        out["counted"] = counted
        out["peak RSS (MiB)"] = term.rss_peak_mib()
    finally:
        term.close()
    return out


def query_timings(db: Path) -> dict[str, float]:
    """The database part alone, in-process: what the app asks for a 30-line terminal (a first
    page of 40 rows, the next page by keyset with the plan reused, the count after the rows).
    Best of 5 runs, in ms."""
    from incident_feed.store.database import Store
    from incident_feed.store.queries import IncidentFilter, Listing

    store = Store.open(f"sqlite:///{db}")
    out: dict[str, float] = {}
    page = 40

    def timed(name: str, call: Callable[[], object]) -> None:
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            call()
            runs.append((time.perf_counter() - started) * 1000)
        out[name] = min(runs)

    def first_page(filt: IncidentFilter) -> object:
        return Listing(store, filt).after(None, page)  # a new listing: planned again

    for label, filt in (
        ("all", IncidentFilter()),
        ("'degraded'", IncidentFilter(text="degraded")),
        ("'webhooks delayed'", IncidentFilter(text="webhooks delayed")),
        ("'git operations'", IncidentFilter(text="git operations")),
        ("'zzzznothing'", IncidentFilter(text="zzzznothing")),
        ("vendor:cloudflare", IncidentFilter(vendors=("cloudflare",))),
    ):
        timed(f"{label}: first page (plan + {page} rows)", partial(first_page, filt))
        listing = Listing(store, filt)
        first = listing.after(None, page)
        if first:
            timed(f"{label}: next page (keyset)", partial(listing.after, first[-1].key, page))
        timed(f"{label}: count", listing.count)
    timed(
        f"all: last page ({page} rows)",
        partial(Listing(store, IncidentFilter()).before, None, page),
    )
    store.close()
    return out


def report(floor: dict[str, Any], app: dict[str, Any]) -> None:
    print(f"  {'':<40} {'floor':>17} {'incident-feed':>17}")
    for name in ("first paint from App.run (s)", "first paint from process start (s)"):
        print(f"  {name:<40} {floor[name]:>17.2f} {app[name]:>17.2f}")
    for name in ("cursor", "page down", "page up"):
        f50, f95 = p50_p95(floor[name])
        a50, a95 = p50_p95(app[name])
        label = f"{name} p50 / p95 (ms, n={len(app[name])})"
        print(f"  {label:<40} {f50:>8.1f} / {f95:<6.1f} {a50:>8.1f} / {a95:<6.1f}")
    both = floor["page down"] + floor["page up"], app["page down"] + app["page up"]
    (f50, f95), (a50, a95) = p50_p95(both[0]), p50_p95(both[1])
    label = "page up+down p50 / p95 (ms)"
    print(f"  {label:<40} {f50:>8.1f} / {f95:<6.1f} {a50:>8.1f} / {a95:<6.1f}")
    for name in ("jump to the end, G", "back to the top, g"):
        print(f"  {name + ' (ms)':<40} {floor[name][0]:>17.1f} {app[name][0]:>17.1f}")
    every_floor = [ms for runs in floor["filters"].values() for ms in runs]
    every_app = [ms for runs in app["filters"].values() for ms in runs]
    (f50, f95), (a50, a95) = p50_p95(every_floor), p50_p95(every_app)
    label = f"filter p50 / p95 (ms, n={len(every_app)})"
    print(f"  {label:<40} {f50:>8.1f} / {f95:<6.1f} {a50:>8.1f} / {a95:<6.1f}")
    print("  filter, Enter -> rows painted (ms; median / worst of the rounds):")
    for query, runs in app["filters"].items():
        base = floor["filters"].get(query, [0.0])
        print(
            f"      {query:<34} {statistics.median(base):>7.1f} / {max(base):<6.1f}"
            f" {statistics.median(runs):>8.1f} / {max(runs):<6.1f}"
        )
    if app["counted"]:
        print("  ... -> exact count painted (ms; shown after the rows):")
        for query, runs in app["counted"].items():
            print(f"      {query:<34} {'':>17} {statistics.median(runs):>8.1f} / {max(runs):.1f}")
    print(
        f"  {'peak RSS (MiB)':<40} {floor['peak RSS (MiB)']:>17.0f} {app['peak RSS (MiB)']:>17.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=WORK / "tui-100k.db")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--moves", type=int, default=200)
    parser.add_argument("--filter-rounds", type=int, default=3)
    parser.add_argument("--only", choices=("app", "floor"), help="run one of the two (no ratio)")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "DB", "MARKS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[1]), Path(args.child[2]), args.child[0])
        return
    WORK.mkdir(parents=True, exist_ok=True)
    if args.rebuild or not ready(args.db):
        build(args.db)
    print(f"tui_bench: {args.db} ({args.db.stat().st_size / 2**20:.0f} MiB), 100x30 pty")
    for name, value in query_timings(args.db).items():
        print(f"  query  {name:<50} {value:7.1f} ms")
    modes = [args.only] if args.only else ["floor", "app"]
    results = {mode: measure(args.db, args.moves, mode, args.filter_rounds) for mode in modes}
    if len(results) == 2:
        report(results["floor"], results["app"])
    else:
        report(results[modes[0]], results[modes[0]])


if __name__ == "__main__":
    main()
