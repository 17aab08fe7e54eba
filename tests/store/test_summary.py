"""An incident's phase, start and resolution, derived from its updates (both backends).

Hand-made drafts isolate each rule; the texts are GitHub's own, from the incident history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from incident_feed.enums import Kind, Phase
from incident_feed.normalize.drafts import IncidentDraft
from incident_feed.store.database import IncidentQuery, Store
from tests.store.helpers import API, NOW, UTC_ZERO, api_incident_id, make_draft

T0 = dt.datetime(2022, 10, 26, 0, 47, 52, 562_000, tzinfo=dt.UTC)


def t(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def _summary(store: Store, key: str) -> dict[str, Any]:
    rows = store.incidents(IncidentQuery(ids=(api_incident_id(key),)))
    assert len(rows) == 1
    row = dict(rows[0])
    for name in ("started_at", "resolved_at", "updated_at"):
        value = row[name]
        assert value is None or value.utcoffset() == UTC_ZERO
    return row


def _apply(store: Store, draft: IncidentDraft, now: dt.datetime = NOW) -> None:
    store.apply(*API, [draft], now)


INVESTIGATING = (t(0), Phase.INVESTIGATING, "We are investigating reports of degraded performance.")
IDENTIFIED = (t(20), Phase.IDENTIFIED, "We found an issue that impacts some customers.")
PARTLY = (t(105), Phase.RESOLVED, "Issues is operating normally.")
STILL = (t(106), Phase.INVESTIGATING, "Codespaces is now experiencing degraded availability.")
RESOLVED = (t(226), Phase.RESOLVED, "This incident has been resolved.")


def test_open_incident(any_store: Store) -> None:
    _apply(any_store, make_draft("open0000", [INVESTIGATING, IDENTIFIED]))
    row = _summary(any_store, "open0000")
    assert row["phase"] == Phase.IDENTIFIED
    assert row["started_at"] == t(0)
    assert row["resolved_at"] is None
    assert row["updated_at"] == t(20)


def test_resolution_is_the_last_resolved_run_not_an_earlier_partial_one(any_store: Store) -> None:
    # As in qd7z2cytghrd: one service recovers ("operating normally") while another is still
    # down; the incident is resolved by the last update, not by the partial recovery.
    _apply(any_store, make_draft("partial0", [INVESTIGATING, PARTLY, STILL, RESOLVED]))
    row = _summary(any_store, "partial0")
    assert row["phase"] == Phase.RESOLVED
    assert row["started_at"] == t(0)
    assert row["resolved_at"] == t(226)
    assert row["updated_at"] == t(226)


def test_reopened_incident_is_resolved_again_later(any_store: Store) -> None:
    _apply(any_store, make_draft("reopen00", [INVESTIGATING, PARTLY]))
    assert _summary(any_store, "reopen00")["resolved_at"] == t(105)
    _apply(any_store, make_draft("reopen00", [INVESTIGATING, PARTLY, STILL]))
    row = _summary(any_store, "reopen00")
    assert row["phase"] == Phase.INVESTIGATING
    assert row["resolved_at"] is None
    _apply(any_store, make_draft("reopen00", [INVESTIGATING, PARTLY, STILL, RESOLVED]))
    row = _summary(any_store, "reopen00")
    assert row["phase"] == Phase.RESOLVED
    assert row["resolved_at"] == t(226)


def test_declared_status_and_times_win(any_store: Store) -> None:
    # The source says "resolved" with a resolution time, though its last update says otherwise;
    # its start time is earlier than its first update.
    draft = make_draft(
        "declared",
        [INVESTIGATING, STILL],
        status_label="resolved",
        started=t(-5),
        resolved=t(300),
    )
    _apply(any_store, draft)
    row = _summary(any_store, "declared")
    assert row["phase"] == Phase.RESOLVED
    assert row["started_at"] == t(-5)
    assert row["resolved_at"] == t(300)


def test_start_never_moves_later(any_store: Store) -> None:
    _apply(any_store, make_draft("startkep", [INVESTIGATING, IDENTIFIED]))
    # A later payload lists only the newer update: the incident still started at t(0).
    _apply(any_store, make_draft("startkep", [IDENTIFIED]))
    assert _summary(any_store, "startkep")["started_at"] == t(0)


def test_maintenance_completes(any_store: Store) -> None:
    updates = [
        (t(0), Phase.SCHEDULED, "We will be performing scheduled maintenance."),
        (t(60), Phase.IN_PROGRESS, "Scheduled maintenance is currently in progress."),
        (t(120), Phase.COMPLETED, "The scheduled maintenance has been completed."),
    ]
    _apply(any_store, make_draft("maint000", updates[:2], kind=Kind.MAINTENANCE))
    row = _summary(any_store, "maint000")
    assert (row["kind"], row["phase"], row["resolved_at"]) == ("maintenance", "in_progress", None)
    _apply(any_store, make_draft("maint000", updates, kind=Kind.MAINTENANCE))
    row = _summary(any_store, "maint000")
    assert row["phase"] == Phase.COMPLETED
    assert row["resolved_at"] == t(120)
