"""Real payloads -> drafts, and small readers of what the store holds (no fixtures here).

Payloads come from ``tests/data/fixtures`` (see its README). Where a test needs a shape no real
file has, it derives it from a real file with :func:`load_history` and says what it changed.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from incident_feed.enums import Impact, Kind, Phase
from incident_feed.normalize.drafts import Context, IncidentDraft, Stamp, UpdateDraft
from incident_feed.normalize.feed import parse_feed
from incident_feed.normalize.statuspage import parse_statuspage
from incident_feed.store.database import IncidentQuery, Store

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "fixtures"
HISTORY = FIXTURES / "statuspage" / "github-incident-history"
FEEDS = FIXTURES / "feeds" / "githubstatus"
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
UTC_ZERO = dt.timedelta(0)

VENDOR = "GitHub"
API = ("github-status", "statuspage")  # (source name, source kind)
FEED = ("github-atom", "feed")

# In tests/data/fixtures/feeds/githubstatus/history-2022-11-04.atom and in the API history:
# 11 updates, two of them at 02:33, and an "Issues is operating normally." update (labelled
# "Update" in the feed, "investigating" in the API) before more investigating and the resolution.
BOTH_SOURCES_ID = "qd7z2cytghrd"
FEED_2022_11_04 = "history-2022-11-04.atom"


def history_ids() -> list[str]:
    """Every incident id in the GitHub incident history (one file each)."""
    return sorted(p.stem for p in HISTORY.glob("*.json") if p.stem != "incident_codes")


def load_history(incident_id: str) -> dict[str, Any]:
    """One history file (``{"page": ..., "incident": ...}``), as a fresh, editable copy."""
    document: dict[str, Any] = json.loads((HISTORY / f"{incident_id}.json").read_text("utf-8"))
    return copy.deepcopy(document)


def api_context(now: dt.datetime = NOW) -> Context:
    return Context(API[0], API[1], VENDOR, now)


def feed_context(now: dt.datetime = NOW) -> Context:
    return Context(FEED[0], FEED[1], VENDOR, now)


def api_drafts(
    documents: Iterable[Mapping[str, Any]], now: dt.datetime = NOW
) -> list[IncidentDraft]:
    """Drafts of Statuspage documents; a skipped item fails the test (the data is real)."""
    drafts: list[IncidentDraft] = []
    for document in documents:
        result = parse_statuspage(document, api_context(now))
        assert result.problems == (), result.problems
        drafts += result.drafts
    return drafts


def history_drafts(ids: Iterable[str], now: dt.datetime = NOW) -> list[IncidentDraft]:
    return api_drafts((load_history(i) for i in ids), now)


def feed_drafts(name: str = FEED_2022_11_04, now: dt.datetime = NOW) -> list[IncidentDraft]:
    body = (FEEDS / name).read_bytes()
    result = parse_feed(body, {"Content-Type": "application/atom+xml"}, feed_context(now))
    assert result.problems == (), result.problems
    return list(result.drafts)


def api_incident_id(native_id: str) -> str:
    """The store's id for a GitHub incident (vendor slug + Statuspage id)."""
    return f"github-{native_id}"


def utc(text: str) -> dt.datetime:
    """A Statuspage time string (``2022-10-26T04:34:08.341Z``) read directly, not through the
    normalizer, so the store's times are checked against the payload itself."""
    value = dt.datetime.fromisoformat(text)
    assert value.utcoffset() is not None
    return value


def counts(store: Store) -> dict[str, int]:
    return {table: store.count(table) for table in ("incident", "update", "record")}


def updates_of(store: Store, incident_id: str) -> list[Mapping[str, Any]]:
    return store.updates_for([incident_id]).get(incident_id, [])


def duplicate_updates(rows: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Updates stored twice: same incident, same minute, same text (whitespace folded)."""
    keys = Counter(
        (
            row["incident_id"],
            row["at"].replace(second=0, microsecond=0),
            " ".join(row["text"].split()),
        )
        for row in rows
    )
    return [key for key, n in keys.items() if n > 1]


def make_draft(
    key: str,
    updates: Sequence[tuple[dt.datetime, Phase, str]],
    *,
    kind: Kind = Kind.INCIDENT,
    status_label: str | None = None,
    started: dt.datetime | None = None,
    resolved: dt.datetime | None = None,
    title: str = "Incident with Actions",
) -> IncidentDraft:
    """A hand-made draft (for rules the real data cannot isolate); an update's id is its key
    and its time, so it keeps its id when other updates come and go."""

    def stamp(at: dt.datetime) -> Stamp:
        return Stamp(at=at, raw=at.isoformat())

    return IncidentDraft(
        key=key,
        native_id=key,
        vendor=VENDOR,
        kind=kind,
        title=title,
        impact=Impact.MINOR,
        updates=tuple(
            UpdateDraft(
                native_id=f"{key}-{at:%Y%m%dT%H%M%S}",
                stamp=stamp(at),
                phase=phase,
                label=phase.value,
                evidence="test",
                text=text,
            )
            for at, phase, text in updates
        ),
        status_label=status_label,
        started=stamp(started) if started else None,
        resolved=stamp(resolved) if resolved else None,
    )


def all_updates(store: Store) -> list[Mapping[str, Any]]:
    """Every stored update, of every incident."""
    ids = [row["id"] for row in store.incidents(IncidentQuery(limit=None))]
    return [row for rows in store.updates_for(ids).values() for row in rows]
