"""The stored page state (table ``page_status``), on SQLite and on PostgreSQL: written with a
source's drafts in one transaction, replaced whole, its times UTC-aware (the PostgreSQL server
runs in America/Tijuana), confirmed forward only. GitHub's real summary of 2022-11-25."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json

import pytest

from incident_feed.enums import Impact
from incident_feed.normalize.drafts import Context, IncidentDraft, PageStatus
from incident_feed.normalize.statuspage import parse_statuspage
from incident_feed.store.database import IncidentQuery, Store
from incident_feed.store.page_status import (
    confirm_page_status,
    read_page_statuses,
    record_page_status,
    write_page_status,
)
from tests.conftest import FIXTURES
from tests.store.helpers import NOW, UTC_ZERO

SUMMARY = FIXTURES / "statuspage" / "githubstatus-summary" / "summary-2022-11-25.json"


def github_summary() -> tuple[list[IncidentDraft], PageStatus]:
    parsed = parse_statuspage(
        json.loads(SUMMARY.read_bytes()), Context("github-status", "statuspage", "GitHub", NOW)
    )
    assert parsed.status is not None
    return list(parsed.drafts), parsed.status


def test_the_page_state_is_stored_with_the_drafts_in_one_transaction(any_store: Store) -> None:
    drafts, status = github_summary()
    write = functools.partial(
        write_page_status, source_name="github-status", vendor="GitHub", status=status, now=NOW
    )
    any_store.apply("github-status", "statuspage", drafts, NOW, also=write)
    (row,) = read_page_statuses(any_store).values()
    assert (row["source_name"], row["vendor"], row["indicator"]) == ("github-status", "GitHub", "minor")  # fmt: skip
    assert row["description"] == "Minor Service Outage"
    assert row["fetched_at"] == NOW and row["fetched_at"].utcoffset() == UTC_ZERO
    assert row["updated_at"] == dt.datetime(2022, 11, 25, 15, 50, 5, 892000, tzinfo=dt.UTC)
    assert row["updated_at"].utcoffset() == UTC_ZERO
    assert len(row["components"]) == 11  # in the page's order
    assert row["components"][7] == {
        "name": "Packages", "state": "partial_outage", "id": "st3j38cctv9l", "group": None,
    }  # fmt: skip
    assert [c["name"] for c in row["components"][:2]] == ["Git Operations", "API Requests"]

    # A write that fails after the drafts takes them back with it.
    def broken(conn: object) -> None:
        raise RuntimeError("disk gone")

    fresh = [dataclasses.replace(d, native_id="other", key="other") for d in drafts]
    with pytest.raises(RuntimeError):
        any_store.apply("github-status", "statuspage", fresh, NOW, also=broken)
    assert len(any_store.incidents(IncidentQuery(limit=None))) == 1


def test_a_new_state_replaces_the_old_one_and_a_304_confirms_it_forward_only(
    any_store: Store,
) -> None:
    _, status = github_summary()
    record_page_status(any_store, "github-status", "GitHub", status, NOW)
    quiet = PageStatus(Impact.NONE, "All Systems Operational", (), None)
    later = NOW + dt.timedelta(minutes=3)
    record_page_status(any_store, "github-status", "GitHub", quiet, later)
    (row,) = read_page_statuses(any_store).values()
    assert (row["indicator"], row["components"], row["updated_at"]) == ("none", [], None)
    assert row["fetched_at"] == later

    assert confirm_page_status(any_store, "github-status", later + dt.timedelta(minutes=1))
    assert read_page_statuses(any_store)["github-status"]["fetched_at"] == later + dt.timedelta(
        minutes=1
    )
    # An older clock never moves it back; a source with no state stored has none to confirm.
    assert not confirm_page_status(any_store, "github-status", NOW)
    assert read_page_statuses(any_store)["github-status"]["fetched_at"] > later
    assert not confirm_page_status(any_store, "gcp", later)
    assert list(read_page_statuses(any_store)) == ["github-status"]
