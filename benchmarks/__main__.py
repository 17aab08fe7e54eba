"""``make bench``: run every benchmark, or the groups and benchmarks named, and print its figures.

    python -m benchmarks                        # all of them, one after the other
    python -m benchmarks ops                    # a group: foundation, ops, tui, social
    python -m benchmarks export_report cli_cold

Each benchmark runs in its own process: the soak measures its own resident set size and the cold
start figures must not inherit another benchmark's imports. They run in turn, never at once, so
that they do not load the machine for each other.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from benchmarks.common import REPO

GROUPS = {
    "foundation": ("history_import", "feed_ingest", "cli_cold"),
    # about 3 minutes, most of it the soak
    "ops": ("collect_many", "collect_unchanged", "export_report", "watch_soak"),
    "scale": ("watch_many", "scale_out"),  # about 6 minutes; scale_out needs PostgreSQL
    "tui": ("tui_bench",),  # builds a 100,000-incident database on its first run
    "social": ("classify_posts", "classifier_accuracy"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="a group or a benchmark")
    names = parser.parse_args(argv).names or list(GROUPS)
    known = {b for group in GROUPS.values() for b in group}
    chosen: list[str] = []
    for name in names:
        if name not in GROUPS and name not in known:
            parser.error(f"unknown benchmark {name!r}; groups: {', '.join(GROUPS)}")
        chosen += [b for b in GROUPS.get(name, (name,)) if b not in chosen]
    failed = []
    for benchmark in chosen:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", f"benchmarks.{benchmark}"], cwd=REPO)
        if done.returncode:
            failed.append(benchmark)
        print(f"  ({benchmark}: {time.monotonic() - started:.0f} s)\n", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
