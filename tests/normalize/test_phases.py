"""Reading one text: negation, intent, advice, weak rules and the order of phases inside it; then
how decide_phase combines a status page's label with the text. (Each rule on its own:
test_phase_rules.py; social posts: test_classify_post.py.)"""

from __future__ import annotations

import pytest

from incident_feed.enums import Kind, Phase
from incident_feed.normalize.phases import NO_SIGNAL, classify, decide_phase

INV, IDE, REM, MON, RES = (
    Phase.INVESTIGATING,
    Phase.IDENTIFIED,
    Phase.REMEDIATING,
    Phase.MONITORING,
    Phase.RESOLVED,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the seed's lines
        ("We have identified the issue and are working to roll out a fix.", IDE),
        ("We are rolling out a remediation.", REM),
        ("We're experiencing an outage. We have identified the issue and are working to roll out a fix.", IDE),
        # order inside one text: the furthest phase stated as fact wins
        ("We identified the cause and are rolling out a fix now.", REM),
        ("The fix has been deployed and we are monitoring recovery.", MON),
        ("We've rolled back a network change that we believe is causing impact. We're monitoring the service as the rollback takes effect.", MON),
        # negation
        ("The root cause has not yet been identified.", None),
        ("We have not identified the cause yet and continue investigating.", INV),
        ("This issue is not resolved.", None),
        ("We are no longer seeing errors.", MON),  # "seeing errors" is negated; the recovery is read
        ("Errors on the login page have decreased, but we are not fully mitigated.", None),
        # intent is not fact
        ("We are working to resolve the issue.", None),
        ("We will be rolling out a fix shortly.", IDE),
        ("Once the fix has been deployed we will update this page.", None),
        ("We are continuing to investigate the cause and steps to mitigate.", INV),
        ("We anticipate this to be fully mitigated in approximately thirty minutes.", None),
        # progress is not intent
        ("We are continuing to roll out the fix.", REM),
        ("We are starting to see recovery.", MON),
        ("We're attempting to mitigate degraded performance.", REM),
        ("As we continue to mitigate the issue, users will see gradual relief.", REM),
        # weak readings yield to strong ones, even of an earlier phase
        ("We are actively investigating and working on a fix.", INV),
        ("Engineers are working on a fix.", IDE),
        ("Mitigation efforts are continuing and we are seeing signs of recovery.", REM),
        ("Webhooks is operating normally. We continue to investigate issues with Actions.", INV),
        ("Webhooks is operating normally.", RES),
        # intent readings are weak too
        ("We are experiencing delays and are working to roll out a fix.", INV),
        # advice to the reader says nothing of the vendor
        ("Workaround: Fail over to another region if your service supports it.", None),
        ("Customers can restart the job to recover.", None),
        # symptom and workaround sections describe the problem, not the vendor's progress
        ("Description: We will provide more information soon.\nDiagnosis: Log reads experiencing latency.", None),
        ("Description: The backlog of recent data is being processed.\nDiagnosis: Customers are experiencing latency.", REM),
        # retrospective summaries are resolved whatever history they tell
        ("On March 3, 2026, between 18:46 UTC and 20:09 UTC, GitHub experienced degraded availability. We were investigating and deployed a fix.", RES),
        # not an incident update
        ("Introducing our new model, now available to everyone!", None),
    ],
)  # fmt: skip
def test_negation_intent_and_order(text: str, expected: Phase | None) -> None:
    assert classify(text, Kind.INCIDENT).phase is expected


def test_reading_carries_its_evidence() -> None:
    reading = classify("We’ve identified the issue and are rolling out a fix.", Kind.INCIDENT)
    assert (reading.phase, reading.phrase, reading.rule) == (
        REM,
        "rolling out a fix",
        "rolling-out",
    )
    assert reading.confidence == pytest.approx(0.85)
    intent = classify("We will be rolling out a fix.", Kind.INCIDENT)
    assert (intent.phase, intent.rule) == (IDE, "rolling-out")
    assert intent.confidence < reading.confidence
    assert classify("Hello.", Kind.INCIDENT) == NO_SIGNAL


def test_phrase_keeps_the_original_case_and_apostrophes_are_straightened() -> None:
    reading = classify("We’re INVESTIGATING elevated errors.", Kind.INCIDENT)
    assert reading.phrase == "INVESTIGATING"
    # a character that lower-cases to two: the phrase is shown lower-cased, offsets stay right
    assert classify("İstanbul: we are investigating.", Kind.INCIDENT).phrase == "investigating"


def test_kind_limits_the_phases() -> None:
    text = "Scheduled maintenance is currently in progress."
    assert classify(text, Kind.MAINTENANCE).phase is Phase.IN_PROGRESS
    assert classify(text, Kind.INCIDENT).phase is None
    assert classify("We are rolling out a fix.", Kind.MAINTENANCE).phase is None


def test_maintenance_reading_wins_a_tie_with_an_incident_phrase() -> None:
    text = (
        "Actions will be in a maintenance window on Monday as we apply mitigations to reduce load."
    )
    assert classify(text).phase is Phase.SCHEDULED


def test_decisive_label_wins_over_text() -> None:
    phase, evidence = decide_phase("monitoring", "We are investigating.", Kind.INCIDENT)
    assert (phase, evidence) == (MON, 'label "monitoring"')


def test_weak_label_refined_by_text_but_never_to_resolved() -> None:
    phase, evidence = decide_phase(
        "investigating",
        "Services have recovered. We are continuing to monitor.",
        Kind.INCIDENT,
    )
    assert phase is MON
    assert evidence == 'phrase "continuing to monitor" over label "investigating"'
    assert decide_phase("investigating", "It has been resolved.", Kind.INCIDENT)[0] is INV
    phase, evidence = decide_phase(
        "investigating",
        "All services are operating normally but we are working on restoring delayed pull request updates.",
        Kind.INCIDENT,
    )
    assert (phase, evidence) == (REM, 'phrase "restoring" over label "investigating"')


def test_unlabelled_update_inherits_previous_phase() -> None:
    phase, evidence = decide_phase("update", "More details soon.", Kind.INCIDENT, IDE)
    assert (phase, evidence) == (IDE, "unchanged from the previous update")
    # "working to resolve" says nothing about the phase: the thread keeps the one it had
    assert (
        decide_phase("update", "We are working to resolve the issue.", Kind.INCIDENT, REM)[0] is REM
    )
    assert decide_phase(None, "Hello.", Kind.MAINTENANCE)[0] is Phase.SCHEDULED
