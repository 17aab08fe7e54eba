"""Statuspage ``summary.json`` as a page state: the indicator and description, each component
with its state and group; group containers give their name and are not listed themselves.

GitHub's real summary of 2022-11-25 lists no groups. The grouped variants below are derived from
it in the shape Statuspage's API reference gives a group container (``"group": true`` and the
member ids in ``components``; a member's ``group_id`` names its container); the hostile ones
change one field each.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from incident_feed.enums import ComponentState, Impact
from incident_feed.normalize.drafts import ComponentStatus, Context
from incident_feed.normalize.statuspage import MAX_COMPONENTS, parse_statuspage
from tests.conftest import FIXTURES, NOW

SUMMARY: dict[str, Any] = json.loads(
    (FIXTURES / "statuspage" / "githubstatus-summary" / "summary-2022-11-25.json").read_bytes()
)
CONTEXT = Context("github-status", "statuspage", "GitHub", NOW)


def summary() -> dict[str, Any]:
    return copy.deepcopy(SUMMARY)


def grouped() -> dict[str, Any]:
    """The real summary with a container "Code" holding Git Operations and Pull Requests."""
    document = summary()
    members = [
        c for c in document["components"] if c["name"] in ("Git Operations", "Pull Requests")
    ]
    for member in members:
        member["group_id"] = "grp00code000"
    container = copy.deepcopy(members[0]) | {
        "id": "grp00code000", "name": "Code", "group": True, "group_id": None,
        "components": [m["id"] for m in members],
    }  # fmt: skip
    document["components"].insert(0, container)
    return document


def test_the_real_summary_gives_the_page_state() -> None:
    result = parse_statuspage(summary(), CONTEXT)
    status = result.status
    assert status is not None
    assert (status.indicator, status.description) == (Impact.MINOR, "Minor Service Outage")
    assert len(status.components) == 11 and all(c.group is None for c in status.components)
    assert status.components[7] == ComponentStatus(
        "Packages", ComponentState.PARTIAL_OUTAGE, "st3j38cctv9l"
    )
    assert [d.native_id for d in result.drafts] == ["ljwdk6qml8z8"]  # its open incident too
    # incidents.json has no page state (no components or status keys).
    envelope = {"page": SUMMARY["page"], "incidents": SUMMARY["incidents"]}
    assert parse_statuspage(envelope, CONTEXT).status is None


def test_a_group_container_names_its_members_group_and_is_not_listed() -> None:
    status = parse_statuspage(grouped(), CONTEXT).status
    assert status is not None
    names = [(c.name, c.group) for c in status.components]
    assert len(names) == 11 and ("Code", None) not in names
    assert ("Git Operations", "Code") in names and ("Pull Requests", "Code") in names
    assert ("Issues", None) in names


def test_hostile_summaries() -> None:
    document = grouped()
    document["status"] = {"indicator": "\x1b[31mMAJOR", "description": "[b]x[/b]\u202e" + "d" * 300}
    document["components"][0]["name"] = ""  # a container without a name names no group
    document["components"][2]["status"] = ["partial_outage"]  # not a word: unknown
    document["components"][3]["name"] = "Hooks\x1b]0;t\x07 \u2066x"
    document["components"][4]["group_id"] = "no-such-group"
    document["components"] += ["junk", None, {"name": None, "id": "x"}, {"id": 5, "name": 7}]
    status = parse_statuspage(document, CONTEXT).status
    assert status is not None
    assert status.indicator is Impact.UNKNOWN  # "[31mmajor" is no indicator
    assert status.description == "[b]x[/b]" + "d" * 192  # cleaned, at most 200 characters
    by_name = {c.name: c for c in status.components}
    assert len(status.components) == 11
    assert by_name["Git Operations"].group is None
    assert by_name["API Requests"].state is ComponentState.UNKNOWN
    assert "Hooks]0;t x" in by_name
    assert by_name["Visit www.githubstatus.com for more information"].group is None

    document = summary()
    document["status"] = "down"  # not an object: nothing said
    document["page"] = None
    status = parse_statuspage(document, CONTEXT).status
    assert status is not None
    assert (status.indicator, status.description, status.updated) == (Impact.UNKNOWN, "", None)


def test_a_page_with_absurdly_many_components_is_read_up_to_the_cap() -> None:
    document = summary()
    document["components"] = [
        {"id": f"c{n}", "name": f"Component {n}", "status": "operational", "group": False}
        for n in range(MAX_COMPONENTS + 500)
    ]
    result = parse_statuspage(document, CONTEXT)
    assert result.status is not None and len(result.status.components) == MAX_COMPONENTS
    assert [str(p) for p in result.problems] == [
        f"components: {MAX_COMPONENTS + 500:,} components; the first {MAX_COMPONENTS:,} read"
    ]
