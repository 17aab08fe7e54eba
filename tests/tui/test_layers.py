"""Only ``incident_feed.tui`` imports Textual: the queries and the TUI's pure helpers do not, so
``incident-feed incidents --json`` and the benchmarks' query timings start without it."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

PURE = (
    "incident_feed.config",
    "incident_feed.store.queries",
    "incident_feed.tui.browser",
    "incident_feed.tui.columns",
    "incident_feed.tui.exporting",
    "incident_feed.tui.formatting",
    "incident_feed.tui.filtering",
    "incident_feed.tui.timeline",
    "incident_feed.tui.window",
)


def test_pure_modules_do_not_import_textual() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in PURE)
        + "print(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
