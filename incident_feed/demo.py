"""``make demo``: the product on the real payloads the repo ships, no network needed.

Imports GitHub's incident history (Statuspage API files), GitHub's Atom history snapshots,
Google Cloud's incidents.json, Slack's status history, the OpenAI outage of 2024-12-11 (the
status-page incident and the vendor's posts on Mastodon and Bluesky, derived from real payload
shapes: see cassettes/social/README.md) and OpenAI's incident.io widget summary (its components,
for ``status``) into a throwaway SQLite database, then shows the incidents: the TUI on a
terminal, a list otherwise.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from incident_feed.cli import main as cli_main

# The payloads ship inside the package (a wheel has no tests/ folder), and so does the config.
DATA = Path(__file__).resolve().parent / "data"
DEMO = DATA / "demo"
CONFIG = DATA / "config.toml"


def demo_imports() -> list[list[str]]:
    """The ``import`` commands the demo runs, one per payload family."""
    history = sorted(
        str(p)
        for p in (DEMO / "github-incident-history").glob("*.json")
        if p.name != "incident_codes.json"  # a list of ids, not a payload
    )
    feeds = sorted(str(p) for p in (DEMO / "githubstatus-feed").glob("*.atom"))
    return [
        ["import", "--kind", "statuspage", "--vendor", "GitHub", *history],
        ["import", "--kind", "feed", "--vendor", "GitHub", "--source", "github-feed", *feeds],
        ["import", "--kind", "gcp", "--vendor", "Google Cloud",
         str(DEMO / "gcp-incidents-full.json")],
        ["import", "--kind", "slack", "--vendor", "Slack", str(DEMO / "slack-history.json")],
        ["import", "--kind", "statuspage", "--vendor", "OpenAI", "--source", "openai-status",
         str(DEMO / "openai-2024-12-11.json")],
        ["import", "--kind", "mastodon", "--vendor", "OpenAI", "--source", "openai-mastodon",
         str(DEMO / "openai-seed-mastodon.json")],
        ["import", "--kind", "bluesky", "--vendor", "OpenAI", "--source", "openai-bluesky",
         str(DEMO / "openai-seed-bluesky.json")],
        # OpenAI's page through incident.io's widget API: its 34 components for `status`.
        ["import", "--kind", "incidentio", "--vendor", "OpenAI", "--source", "openai-status",
         str(DEMO / "openai-widget-summary.json")],
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not DEMO.is_dir():
        print(f"incident-feed demo: the shipped payloads are missing ({DEMO})")
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
    if sys.stdin.isatty() and sys.stdout.isatty():
        cli_main(base)  # the TUI
    else:
        cli_main([*base, "incidents", "--limit", "15"])
    print(f"\nExplore: .venv/bin/incident-feed --db {db}              (the TUI)")
    print(f"         .venv/bin/incident-feed --db {db} show openai-ctrsv3lwd797")
    print(f"         .venv/bin/incident-feed --db {db} stats --since 2010-01-01")
    print(f"         .venv/bin/incident-feed --db {db} status openai")
    print(f"         .venv/bin/incident-feed --db {db} export github-nlmpksjb2ll7")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
