"""``make demo``: the product on the real payloads the repo ships, no network needed.

Imports GitHub's incident history (Statuspage API files), GitHub's Atom history snapshots,
Google Cloud's incidents.json and Slack's status history into a throwaway SQLite database,
then shows the incidents (the TUI when it is available and this is a terminal).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from incident_feed.cli import main as cli_main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "data" / "fixtures"
CONFIG = REPO / "config.toml"


def demo_imports() -> list[list[str]]:
    """The ``import`` commands the demo runs, one per payload family."""
    history = sorted(
        str(p)
        for p in (FIXTURES / "statuspage" / "github-incident-history").glob("*.json")
        if p.name != "incident_codes.json"  # a list of ids, not a payload
    )
    feeds = sorted(str(p) for p in (FIXTURES / "feeds" / "githubstatus").glob("*.atom"))
    return [
        ["import", "--kind", "statuspage", "--vendor", "GitHub", *history],
        ["import", "--kind", "feed", "--vendor", "GitHub", "--source", "github-feed", *feeds],
        ["import", "--kind", "gcp", "--vendor", "Google Cloud",
         str(FIXTURES / "gcp" / "incidents-full.json")],
        ["import", "--kind", "slack", "--vendor", "Slack",
         str(FIXTURES / "slack" / "history.json")],
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not FIXTURES.is_dir():
        print("incident-feed demo: run it from a clone of the repository (tests/data missing)")
        return 2
    database = Path(args[0]) if args else Path(tempfile.mkdtemp(prefix="incident-feed-demo-"))
    db = str(database / "demo.db") if database.is_dir() else str(database)
    base = ["--config", str(CONFIG), "--db", db]
    print(f"incident-feed demo: importing the shipped real payloads into {db}")
    for command in demo_imports():
        code = cli_main([*base, *command])
        if code not in (0, 1):
            return code
    print()
    cli_main([*base, "incidents", "--limit", "15"])
    print(f"\nExplore: .venv/bin/incident-feed --db {db} show github-nlmpksjb2ll7")
    print(f"         .venv/bin/incident-feed --db {db} incidents --vendor 'Google Cloud' --json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
