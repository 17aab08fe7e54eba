"""Slack's ``/current`` as a page state: ``ok`` is all clear with no service named; during an
incident, the worst active item's type gives the indicator and its ``services`` the components.

The active document is derived as ``cassettes/slack/current-active.yaml`` is: the envelope of
Slack's documented example (docs.slack.dev/reference/slack-status-api) around the real incident
546 of ``slack/history.json``; the hostile variants change one field each.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

from incident_feed.enums import ComponentState, Impact
from incident_feed.normalize.drafts import ComponentStatus, Context
from incident_feed.normalize.slack import parse_slack
from incident_feed.sources.slack import current_url
from tests.conftest import FIXTURES, NOW

CONTEXT = Context("slack", "slack", "Slack", NOW)
INCIDENT: dict[str, Any] = json.loads((FIXTURES / "slack" / "history.json").read_bytes())[0]
APPS = "Apps/Integrations/APIs"


def current(*incidents: dict[str, Any], status: object = "active") -> dict[str, Any]:
    return {
        "status": status,
        "date_created": "2019-04-09T07:35:46-07:00",
        "date_updated": "2019-04-09T07:35:46-07:00",
        "active_incidents": [copy.deepcopy(i) for i in incidents],
    }


def variant(**fields: Any) -> dict[str, Any]:
    changed = copy.deepcopy(INCIDENT)
    changed.update(fields)
    return changed


def test_an_active_incident_gives_a_minor_state_and_its_service() -> None:
    result = parse_slack(current(INCIDENT), CONTEXT)
    assert result.status is not None
    assert (result.status.indicator, result.status.description) == (
        Impact.MINOR,
        "1 active incident",
    )
    assert result.status.components == (ComponentStatus(APPS, ComponentState.PARTIAL_OUTAGE),)
    assert result.status.updated == dt.datetime(2019, 4, 9, 14, 35, 46, tzinfo=dt.UTC)
    assert [d.native_id for d in result.drafts] == ["546"]  # the incident is read as ever


def test_the_worst_item_sets_the_state_and_notices_or_resolved_items_name_no_service() -> None:
    outage = variant(id=547, type="outage", services=[APPS, "Messaging"])
    notice = variant(id=548, type="notice", services=["Search"])
    resolved = variant(id=549, type="outage", status="resolved", services=["Files"])
    status = parse_slack(current(INCIDENT, outage, notice, resolved), CONTEXT).status
    assert status is not None
    assert (status.indicator, status.description) == (Impact.MAJOR, "3 active incidents")
    assert status.components == (
        ComponentStatus(APPS, ComponentState.MAJOR_OUTAGE),  # the worst of both
        ComponentStatus("Messaging", ComponentState.MAJOR_OUTAGE),
    )
    maintenance = variant(id=550, type="maintenance", services=["Calls"])
    status = parse_slack(current(maintenance), CONTEXT).status
    assert status is not None
    assert (status.indicator, status.components) == (
        Impact.MAINTENANCE,
        (ComponentStatus("Calls", ComponentState.MAINTENANCE),),
    )


def test_hostile_current_documents() -> None:
    # Nothing active and a status that is not "ok": the state is unknown, its word quoted.
    status = parse_slack(current(status="broken\x1b[2J" + "x" * 100), CONTEXT).status
    assert status is not None and status.indicator is Impact.UNKNOWN
    assert status.description == "status 'broken[2jxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'"
    for odd in (None, 7, ["ok"], {"ok": True}):
        status = parse_slack(current(status=odd), CONTEXT).status
        assert status is not None and status.indicator is Impact.UNKNOWN, odd
        assert status.description == "no status given"
    # An item that cannot be read is skipped by name and names no service; the others count.
    broken = variant(id=551, notes="not a list", services=["Workflows"])
    hostile = variant(id=552, services=["\x1b[31mHuddles\u202e", 5, None, {"x": 1}, ""])
    result = parse_slack(current(broken, hostile, "junk"), CONTEXT)
    assert result.status is not None
    assert [str(p) for p in result.problems][0].startswith("incident 551")
    assert result.status.indicator is Impact.MINOR
    assert result.status.components == (
        ComponentStatus("[31mHuddles", ComponentState.PARTIAL_OUTAGE),
    )
    # /history (an array) gives no page state.
    assert parse_slack([INCIDENT], CONTEXT).status is None


def test_current_is_fetched_beside_history_only() -> None:
    assert current_url("https://slack-status.com/api/v2.0.0/history") == (
        "https://slack-status.com/api/v2.0.0/current"
    )
    assert current_url("https://slack-status.com/api/v2.0.0/history/") == (
        "https://slack-status.com/api/v2.0.0/current"
    )
    assert current_url("https://slack-status.com/api/v2.0.0/current") is None
    assert current_url("https://status.example.com/feed") is None
    assert current_url("history") is None
