"""Shared helpers for the benchmarks: repo paths, timing, machine description."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "data" / "fixtures"
WORK = REPO / "benchmarks" / ".work"


def best_of(
    repeats: int, run: Callable[[], object], setup: Callable[[], object] | None = None
) -> float:
    """The fastest of ``repeats`` runs, in seconds (the least disturbed by other load);
    ``setup`` runs before each, untimed."""
    times = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    return f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}"


def load() -> str:
    """The load averages, printed with a result: the machine is shared, so say how busy it was."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def history_files() -> list[Path]:
    folder = FIXTURES / "statuspage" / "github-incident-history"
    return sorted(p for p in folder.glob("*.json") if p.name != "incident_codes.json")
