"""RSS/Atom ingestion rate vs feedparser's own parse rate on the same feeds (same run).

Ours covers the whole normalize step (entity stripping, feedparser, splitting Statuspage
entries into updates, strict times, phases, text cleaning). Goal: at least 0.8x feedparser's
default-settings parse rate, measured in entries per second.
"""

from __future__ import annotations

import datetime as dt
import io

import feedparser

from benchmarks.common import FIXTURES, best_of, machine
from incident_feed.normalize.drafts import Context
from incident_feed.normalize.feed import parse_feed

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
HEADERS = {"content-type": "application/atom+xml"}


def main() -> None:
    bodies = [p.read_bytes() for p in sorted((FIXTURES / "feeds" / "githubstatus").glob("*.atom"))]
    context = Context("bench", "feed", "GitHub", NOW)
    entries = sum(len(feedparser.parse(io.BytesIO(b)).entries) for b in bodies)
    updates = sum(len(d.updates) for b in bodies for d in parse_feed(b, HEADERS, context).drafts)
    baseline = best_of(7, lambda: [feedparser.parse(io.BytesIO(b)) for b in bodies])
    ours = best_of(7, lambda: [parse_feed(b, HEADERS, context) for b in bodies])
    print(
        f"feed ingestion ({machine()}): {len(bodies)} Atom files, {entries} entries, {updates} updates"
    )
    print(f"  feedparser.parse alone: {entries / baseline:,.0f} entries/s")
    print(f"  incident-feed normalize: {entries / ours:,.0f} entries/s "
          f"= {baseline / ours:.2f}x feedparser's rate (goal >= 0.8x)")  # fmt: skip


if __name__ == "__main__":
    main()
