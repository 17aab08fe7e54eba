"""Every phase rule, tested on its own; then negation, intent and order inside one text."""

from __future__ import annotations

import pytest

from incident_feed.model import Kind, Phase
from incident_feed.normalize.phases import RULES, classify, decide_phase

# rule name -> (a text it must fire on, the phase expected from the whole text)
RULE_EXAMPLES: dict[str, tuple[str, Phase]] = {
    "investigating": ("We are investigating reports of degraded performance.", Phase.INVESTIGATING),
    "looking-into": ("Our team is looking into elevated errors.", Phase.INVESTIGATING),
    "aware-of": ("We are aware of login problems for some users.", Phase.INVESTIGATING),
    "experiencing": ("We're experiencing an outage right now.", Phase.INVESTIGATING),
    "reports-of": ("Reports of failed payments in EU.", Phase.INVESTIGATING),
    "identified": ("We have identified the issue.", Phase.IDENTIFIED),
    "cause-identified": ("The cause has been identified.", Phase.IDENTIFIED),
    "working-on-fix": ("Engineers are working on a fix.", Phase.IDENTIFIED),
    "rolling-out": ("We are rolling out a remediation.", Phase.REMEDIATING),
    "deploying-fix": ("We are deploying a fix to all regions.", Phase.REMEDIATING),
    "fix-being-applied": ("A mitigation is being applied.", Phase.REMEDIATING),
    "mitigating": ("We are failing over to the secondary region.", Phase.REMEDIATING),
    "fix-done": ("The fix has been deployed to all regions.", Phase.MONITORING),
    "deployed-fix": ("We have deployed a fix.", Phase.MONITORING),
    "monitoring": ("We are monitoring the results.", Phase.MONITORING),
    "recovering": ("Error rates have returned to normal levels.", Phase.MONITORING),
    "resolved": ("This incident has been resolved.", Phase.RESOLVED),
    "operational": ("All systems are fully operational.", Phase.RESOLVED),
    "maintenance-scheduled": ("We will be performing scheduled maintenance.", Phase.SCHEDULED),
    "maintenance-in-progress": (
        "Scheduled maintenance is currently in progress.",
        Phase.IN_PROGRESS,
    ),
    "maintenance-verifying": ("Verification is underway.", Phase.VERIFYING),
    "maintenance-completed": ("The scheduled maintenance has been completed.", Phase.COMPLETED),
}


def test_every_rule_has_an_example() -> None:
    assert {rule.name for rule in RULES} == set(RULE_EXAMPLES)


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_rule_fires_on_its_example(rule: object) -> None:
    name = rule.name  # type: ignore[attr-defined]
    text, expected = RULE_EXAMPLES[name]
    assert rule.pattern.search(text), f"rule {name} does not match {text!r}"  # type: ignore[attr-defined]
    kind = Kind.MAINTENANCE if expected in (Phase.SCHEDULED, Phase.IN_PROGRESS, Phase.VERIFYING, Phase.COMPLETED) else Kind.INCIDENT  # fmt: skip
    assert classify(text, kind).phase is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the seed's lines
        ("We have identified the issue and are working to roll out a fix.", Phase.IDENTIFIED),
        ("We are rolling out a remediation.", Phase.REMEDIATING),
        ("We're experiencing an outage. We have identified the issue and are working to roll out a fix.", Phase.IDENTIFIED),
        # order inside one post: the furthest phase stated as fact wins
        ("We identified the cause and are rolling out a fix now.", Phase.REMEDIATING),
        ("The fix has been deployed and we are monitoring recovery.", Phase.MONITORING),
        # negation
        ("The root cause has not yet been identified.", None),
        ("We have not identified the cause yet and continue investigating.", Phase.INVESTIGATING),
        ("This issue is not resolved.", None),
        # intent is not fact
        ("We are working to resolve the issue.", None),
        ("We will be rolling out a fix shortly.", Phase.IDENTIFIED),
        ("Once the fix has been deployed we will update this page.", None),
        # not an incident update
        ("Introducing our new model, now available to everyone!", None),
    ],
)  # fmt: skip
def test_negation_intent_and_order(text: str, expected: Phase | None) -> None:
    assert classify(text, Kind.INCIDENT).phase is expected


def test_decisive_label_wins_over_text() -> None:
    phase, evidence = decide_phase("monitoring", "We are investigating.", Kind.INCIDENT)
    assert (phase, evidence) == (Phase.MONITORING, 'label "monitoring"')


def test_weak_label_refined_by_text_but_never_to_resolved() -> None:
    phase, evidence = decide_phase(
        "investigating",
        "Services have fully recovered. We are continuing to monitor.",
        Kind.INCIDENT,
    )
    assert phase is Phase.MONITORING
    assert evidence == 'phrase "continuing to monitor" over label "investigating"'
    assert (
        decide_phase("investigating", "It has been resolved.", Kind.INCIDENT)[0]
        is Phase.INVESTIGATING
    )


def test_unlabelled_update_inherits_previous_phase() -> None:
    phase, evidence = decide_phase("update", "More details soon.", Kind.INCIDENT, Phase.IDENTIFIED)
    assert (phase, evidence) == (Phase.IDENTIFIED, "unchanged from the previous update")
    assert decide_phase(None, "Hello.", Kind.MAINTENANCE)[0] is Phase.SCHEDULED


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_hints_never_hide_a_match(rule: object) -> None:
    """A rule's pre-check hints must occur in every text the rule matches."""
    texts = [t for t, _ in RULE_EXAMPLES.values()] + [
        "We have identified the issue and are working to roll out a fix.",
        "ERROR RATES HAVE RETURNED TO NORMAL. THE ISSUE HAS BEEN RESOLVED.",
        "We're pushing out a hotfix; a patch is being deployed.",
    ]
    for text in texts:
        if rule.pattern.search(text):  # type: ignore[attr-defined]
            assert any(h in text.lower() for h in rule.hints), (rule.name, text)  # type: ignore[attr-defined]
