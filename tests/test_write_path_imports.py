"""The write path imports what it uses (issue 13: half of a cold ``import`` was module imports).

Each check runs a fresh interpreter and reads its ``sys.modules``: the pipeline alone, and an
``import`` of Statuspage files through the CLI, load no ORM, no TUI, no feed or HTML parser and
no other platform's collector.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from incident_feed.kinds import SOURCE_KINDS
from incident_feed.sources.registry import COLLECTORS, collector_for
from tests.conftest import FIXTURES, REPO

HISTORY = FIXTURES / "statuspage" / "github-incident-history"
# Modules of other kinds' collectors and normalizers, and of the faces.
OTHER_KINDS = (
    "incident_feed.sources.feed", "incident_feed.sources.account_feed",
    "incident_feed.sources.mastodon", "incident_feed.sources.bluesky", "incident_feed.sources.x",
    "incident_feed.sources.gcp", "incident_feed.sources.aws", "incident_feed.sources.slack",
    "incident_feed.sources.cachet", "incident_feed.normalize.feed",
    "incident_feed.normalize.social", "incident_feed.decide.threads", "incident_feed.tui",
    "incident_feed.outputs.markdown", "incident_feed.outputs.notify",
)  # fmt: skip
NEVER = (
    "sqlmodel", "pydantic", "sqlalchemy.orm", "textual", "rich", "feedparser", "bs4",
    *OTHER_KINDS,
)  # fmt: skip
# The network side, loaded only to fetch.
NETWORK = ("httpx", "httpcore", "incident_feed.sources.http")


def _loaded(code: str, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` (or their submodules) a fresh interpreter running ``code`` loaded."""
    report = (
        f"\nimport sys, json\nnames = {names!r}\n"
        "print(json.dumps(sorted({n for m in sys.modules for n in names"
        " if m == n or m.startswith(n + '.')})))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", code + report], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_the_pipeline_imports_no_orm_tui_parser_or_network_code() -> None:
    assert _loaded("import incident_feed.pipeline", (*NEVER, *NETWORK, "alembic")) == []


def test_importing_statuspage_files_loads_only_the_statuspage_collector(tmp_path: Path) -> None:
    files = sorted(str(p) for p in HISTORY.glob("0*.json"))[:5]
    args = ["--db", str(tmp_path / "x.db"), "import", "--kind", "statuspage"]
    args += ["--vendor", "GitHub", *files]
    code = (
        "import contextlib, io\nfrom incident_feed.cli import main\n"
        "with contextlib.redirect_stderr(io.StringIO()) as err:\n"
        f"    assert main({args!r}) == 0, err.getvalue()\n"
    )
    assert _loaded(code, (*NEVER, *NETWORK, "incident_feed.sources.statuspage")) == [
        "incident_feed.sources.statuspage"
    ]


def test_every_kind_has_its_collector() -> None:
    assert sorted(COLLECTORS) == sorted(SOURCE_KINDS)
    for kind in SOURCE_KINDS:
        assert collector_for(kind).kind == kind
