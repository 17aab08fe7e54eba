"""Golden files for the normalizers: each input's drafts, as JSON, beside it.

Regenerate with ``UPDATE_GOLDEN=1 pytest tests/normalize/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from incident_feed.normalize.drafts import Context, PageStatus, ParseResult
from incident_feed.normalize.feed import parse_feed
from incident_feed.normalize.gcp import parse_gcp
from incident_feed.normalize.incidentio import parse_incidentio
from incident_feed.normalize.slack import parse_slack
from incident_feed.normalize.statusio import parse_statusio
from incident_feed.normalize.statuspage import parse_statuspage
from incident_feed.normalize.times import format_utc
from tests.conftest import FIXTURES, NOW, REPO

GOLDEN = REPO / "tests" / "golden"
INCIDENTIO = FIXTURES / "platforms" / "incidentio"
INCIDENTIO_SUMMARY = INCIDENTIO / "openai-proxy-widget-summary-quiet-2026-09-03.json"
STATUSIO_PAGE = "5b36dc6502d06804c08349f7"  # GitLab's status.io page
CASES: list[tuple[str, str, Path, str]] = [
    ("statuspage", "GitHub", FIXTURES / "statuspage/github-incident-history/00km0kwpz23b.json", "statuspage/incident-00km0kwpz23b"),
    ("statuspage", "GitHub", FIXTURES / "statuspage/github-incident-history/f0mhbz9xn497.json", "statuspage/incident-f0mhbz9xn497"),
    ("statuspage", "GitHub", FIXTURES / "statuspage/githubstatus-summary/summary-2022-11-25.json", "statuspage/summary-2022-11-25"),
    ("feed", "GitHub", FIXTURES / "feeds/githubstatus/history-2026-03-05.atom", "feed/history-2026-03-05"),
    ("feed", "GitHub", FIXTURES / "feeds/githubstatus/history-2025-05-24.atom", "feed/history-2025-05-24"),
    ("gcp", "Google Cloud", FIXTURES / "gcp/incidents-low_severity_incident.json", "gcp/low_severity_incident"),
    ("gcp", "Google Cloud", FIXTURES / "gcp/incidents-missing_available_status.json", "gcp/missing_available_status"),
    ("slack", "Slack", FIXTURES / "slack/history.json", "slack/history"),
    ("slack", "Slack", FIXTURES / "slack/current-ok.json", "slack/current-ok"),
    ("statuspage", "OpenAI", GOLDEN / "seed/openai-2024-12-11.json", "seed/openai-2024-12-11"),
    ("incidentio", "OpenAI", INCIDENTIO / "openai-proxy-incident-01M1KWEDH417T2CF44YYHZDFCR-resolved.json", "incidentio/incident-01M1KWEDH417T2CF44YYHZDFCR"),
    ("incidentio", "OpenAI", INCIDENTIO_SUMMARY, "incidentio/summary-quiet-2026-09-03"),
    ("statusio", "GitLab", FIXTURES / "platforms/statusio/gitlab-status-2023-06-29.json", "statusio/gitlab-2023-06-29"),
]  # fmt: skip


def normalize(kind: str, vendor: str, path: Path) -> ParseResult:
    context = Context(f"{kind}-golden", kind, vendor, NOW)
    body = path.read_bytes()
    if kind == "feed":
        return parse_feed(body, {"content-type": "application/atom+xml"}, context)
    document = json.loads(body)
    if kind == "incidentio":  # incidents name components by id: read with the page's summary
        summary = json.loads(INCIDENTIO_SUMMARY.read_bytes())
        return parse_incidentio(document, context, summary=summary)
    if kind == "statusio":
        return parse_statusio(document, context, page_id=STATUSIO_PAGE)
    parser = {"statuspage": parse_statuspage, "gcp": parse_gcp, "slack": parse_slack}[kind]
    return parser(document, context)


def as_json(result: ParseResult) -> dict[str, Any]:
    status = {} if result.status is None else {"status": status_json(result.status)}
    return status | {
        "problems": [str(p) for p in result.problems],
        "incidents": [
            {
                "key": d.key,
                "native_id": d.native_id,
                "kind": d.kind.value,
                "title": d.title,
                "impact": d.impact.value,
                "status_label": d.status_label,
                "postmortem": d.postmortem,
                "url": d.url,
                "started": format_utc(d.started.at) if d.started else None,
                "resolved": format_utc(d.resolved.at) if d.resolved else None,
                "components": [c.as_json() for c in d.components],
                "updates": [
                    {
                        "native_id": u.native_id,
                        "at": format_utc(u.stamp.at),
                        "raw": u.stamp.raw,
                        "flags": list(u.stamp.flags),
                        "phase": u.phase.value,
                        "label": u.label,
                        "evidence": u.evidence,
                        "text": u.text,
                        "components": [c.as_json() for c in u.components],
                        "refs": list(u.refs),
                    }
                    for u in d.updates
                ],
            }
            for d in result.drafts
        ],
    }


def status_json(status: PageStatus) -> dict[str, Any]:
    return {
        "indicator": status.indicator.value,
        "description": status.description,
        "updated": format_utc(status.updated) if status.updated else None,
        "components": [
            {"name": c.name, "group": c.group, "id": c.id, "state": c.state.value}
            for c in status.components
        ],
    }


@pytest.mark.parametrize(("kind", "vendor", "source", "name"), CASES, ids=[c[3] for c in CASES])
def test_normalizer_matches_golden(kind: str, vendor: str, source: Path, name: str) -> None:
    actual = json.dumps(as_json(normalize(kind, vendor, source)), indent=2, ensure_ascii=False)
    expected_path = GOLDEN / f"{name}.expected.json"
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.write_text(actual + "\n", encoding="utf-8")
    assert expected_path.exists(), f"missing golden file {expected_path}; run with UPDATE_GOLDEN=1"
    assert actual + "\n" == expected_path.read_text(encoding="utf-8")


def test_seed_thread_reads_identified_remediating_resolved() -> None:
    result = normalize("statuspage", "OpenAI", GOLDEN / "seed/openai-2024-12-11.json")
    (incident,) = result.drafts
    assert [u.phase.value for u in incident.updates] == ["identified", "remediating", "resolved"]
    assert (
        incident.updates[1].evidence == 'phrase "rolling out a remediation" over label "identified"'
    )
    assert [c.name for c in incident.components] == ["API", "ChatGPT", "Sora"]
