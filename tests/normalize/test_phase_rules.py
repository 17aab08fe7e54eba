"""Every phrase rule and every not-an-update marker, tested on its own: a text it fires on (and the
phase the whole text then reads as), and a near miss it must not fire on."""

from __future__ import annotations

import re

import pytest

from incident_feed.enums import MAINTENANCE_PHASES, Kind, Phase
from incident_feed.normalize.phase_rules import MARKERS, POST_RULES, RULES, Marker, Rule
from incident_feed.normalize.phases import classify, classify_post
from tests.conftest import REPO

INV, IDE, REM, MON, RES = (
    Phase.INVESTIGATING,
    Phase.IDENTIFIED,
    Phase.REMEDIATING,
    Phase.MONITORING,
    Phase.RESOLVED,
)

# rule name -> (a text it fires on, the phase of that whole text, a near miss it must not fire on)
RULE_EXAMPLES: dict[str, tuple[str, Phase, str]] = {
    "investigating": ("We are investigating reports of degraded performance.", INV, "Our investigator's notes are online."),
    "looking-into": ("Some users are having trouble with Chats. We're looking into it!", INV, "We're looking at new ways to help you."),
    "aware-of": ("We are aware of login problems for some users.", INV, "Be aware of phishing emails."),
    "experiencing": ("We're experiencing an outage right now.", INV, "We're experiencing record growth!"),
    "consequence": ("Some of you may be unable to log in right now.", INV, "Users may be able to see the new layout."),
    "out-of-service": ("Uploads are currently down.", INV, "Our prices are down 20% this week."),
    "not-working": ("Snaps aren't sending right now.", INV, "We're not sending newsletters this week."),
    "reports-of": ("We've received reports of users being unable to sign in.", INV, "Download the reports from your dashboard."),
    "seeking-cause": ("We're working to identify the underlying root cause of the errors.", INV, "Identify your account type in settings."),
    "impact-scope": ("We've confirmed that this issue affects users globally.", INV, "We've confirmed the meeting time."),
    "identified": ("We have identified the issue.", IDE, "We identified new opportunities for growth."),
    "cause-identified": ("The root cause has been identified.", IDE, "The root cause has not yet been identified."),
    "cause-stated": ("We've determined that a recent deployment caused the errors.", IDE, "We've determined that the best plan is to wait."),
    "cause-found": ("We've tracked this down to a bad config push.", IDE, "We tracked down the best pizza in town."),
    "caused-by": ("Errors were caused by an expired certificate.", IDE, "Delays due to weather are expected."),
    "working-on-fix": ("Engineers are working on a fix for the errors.", IDE, "We're working on a new design."),
    "rolling-out": ("We are rolling out a remediation.", REM, "We are rolling out a new editor."),
    "deploying-fix": ("We are deploying a fix to all regions.", REM, "We are deploying to a new data center."),
    "fix-in-progress": ("A mitigation is being applied.", REM, "The change is being discussed."),
    "mitigating": ("We are mitigating the impact.", REM, "We are working on mitigating the impact."),
    "recovery-action": ("We are rerouting traffic away from the failing region.", REM, "Traffic to our blog doubled."),
    "recovery-efforts": ("Mitigation work is currently underway by our engineering team.", REM, "Recovery codes are in your settings."),
    "bringing-back": ("Found the cause of the errors; we're bringing services back now.", REM, "We're bringing back the classic theme!"),
    "adding-capacity": ("Sign-ups are failing; we are adding new servers to handle the load.", REM, "We're adding new emoji."),
    "fix-done": ("The fix has been deployed to all regions.", MON, "The fix has been planned for next week."),
    "deployed-fix": ("We have deployed a fix for the errors.", MON, "We have deployed new servers."),
    "monitoring": ("We are monitoring the results.", MON, "Our monitoring dashboard got a new look."),
    "recovering": ("Error rates have dropped and services are recovering.", MON, "Recovering your password is easy."),
    "recovery-seen": ("We are seeing signs of recovery.", MON, "Recovery mode is available on all devices."),
    "no-longer-seeing": ("We are no longer seeing errors.", MON, "We no longer support Windows 7."),
    "partly-recovered": ("The issue is partially resolved.", MON, "Partially cloudy today."),
    "mitigated": ("The issue has been mitigated.", MON, "We mitigated risks in the plan."),
    "resolved": ("This incident has been resolved.", RES, "This issue is not resolved."),
    "operational": ("All systems are fully operational.", RES, "Operational excellence matters to us."),
    "working-again": ("Everything is working again, sorry about that!", RES, "We're working again with our partners."),
    "back-to-normal": ("Things are back to normal now.", RES, "Getting things back to normal after the holidays."),
    "fixed-now": ("This issue is now fixed. Thanks for bearing with us.", RES, "It's fixed in the next version, coming soon."),
    "is-back": ("Spotify is back! Thanks for your patience during the outage.", RES, "Black Friday is back with 50% off."),
    "apology-after": ("We apologize for a period of extreme slowness today.", RES, "Sorry for the late reply!"),
    "able-again": ("Users should once again be able to sign in.", RES, "Try again later."),
    "all-clear": ("Fixed! Thanks for your patience.", RES, "We fixed a typo in the docs."),
    "no-longer-affected": ("Users should no longer be encountering issues signing in.", RES, "Users no longer need a password."),
    "retrospective": (
        "On March 11, 2024, between 06:30 UTC and 11:45 UTC the Copilot Chat service was degraded.",
        RES,
        "We will be doing work on March 11, 2024.",
    ),
    "incident-report": ("Mini Incident Report. Incident Start: 07 July 2021 14:25.", RES, "Please report an incident with the form."),
    "maintenance-scheduled": ("We will be performing scheduled maintenance on Sunday.", Phase.SCHEDULED, "Maintenance of your car is up to you."),
    "maintenance-in-progress": ("Scheduled maintenance is currently in progress.", Phase.IN_PROGRESS, "Maintenance mode settings moved."),
    "maintenance-verifying": ("The maintenance is done on our side; verification is underway.", Phase.VERIFYING, "Verify your email address."),
    "maintenance-completed": ("The scheduled maintenance has been completed.", Phase.COMPLETED, "Maintenance costs have completed their review."),
    "acknowledged": ("We're working to resolve the issue.", INV, "We're working to improve the app."),
}  # fmt: skip

# marker name -> (a post it marks as no update, a near miss it must not fire on)
MARKER_EXAMPLES: dict[str, tuple[str, str]] = {
    "dm-us": ("Send us a DM with your account details and we'll take a look.", "We're investigating; updates on our status page."),
    "reply-courtesy": ("Thanks for reaching out! We'd be happy to help.", "Thanks for your patience."),
    "promotion": ("Stop losing sales to downtime: detect outages before your customers do.", "We're investigating the outage."),
    "release-notes": ("Version 4.2 is out with bug fixes and performance improvements.", "We're rolling out a fix for version errors."),
    "leading-mention": ("@jane we're looking into this issue for you", "We're looking into the issue, thanks @jane"),
    "launch": ("Introducing dark mode, now available on iOS.", "The service is now available again."),
}  # fmt: skip


def _lower(text: str) -> str:
    return text.replace("\u2019", "'").lower()


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", _lower(text)))


def test_every_rule_and_marker_has_an_example() -> None:
    assert [r.name for r in RULES + POST_RULES] == list(RULE_EXAMPLES)
    assert [m.name for m in MARKERS] == list(MARKER_EXAMPLES)
    assert len({r.name for r in RULES + POST_RULES}) == len(RULES + POST_RULES)


@pytest.mark.parametrize("rule", RULES + POST_RULES, ids=lambda r: r.name)
def test_rule_fires_on_its_example(rule: Rule) -> None:
    text, expected, _ = RULE_EXAMPLES[rule.name]
    assert rule.pattern.search(_lower(text)), f"{rule.name} does not match {text!r}"
    if rule in POST_RULES:
        reading = classify_post(text)
    elif expected in MAINTENANCE_PHASES:
        reading = classify(text, Kind.MAINTENANCE)
    else:
        reading = classify(text, Kind.INCIDENT)
    assert (reading.phase, reading.rule) == (expected, rule.name)


@pytest.mark.parametrize("rule", RULES + POST_RULES, ids=lambda r: r.name)
def test_rule_misses_its_near_miss(rule: Rule) -> None:
    near_miss = RULE_EXAMPLES[rule.name][2]
    assert not rule.pattern.search(_lower(near_miss))


@pytest.mark.parametrize("rule", RULES + POST_RULES, ids=lambda r: r.name)
def test_rule_is_well_formed(rule: Rule) -> None:
    """Patterns are lower case (they run on lower-cased text), anchored ones start with ^, the
    keywords are lower-case words and occur in the rule's example, and the phases line up."""
    letters = re.sub(r"\\[a-zA-Z]", "", rule.pattern.pattern)
    assert letters == letters.lower()
    assert rule.anchored == rule.pattern.pattern.startswith("^")
    assert all(re.fullmatch(r"[a-z0-9]+", word) for word in rule.keywords)
    assert rule.keywords & _words(RULE_EXAMPLES[rule.name][0])
    assert 0 < rule.confidence <= 1
    if rule.intent_phase is not None:
        assert (rule.intent_phase in MAINTENANCE_PHASES) == (rule.phase in MAINTENANCE_PHASES)


@pytest.mark.parametrize("marker", MARKERS, ids=lambda m: m.name)
def test_marker_makes_its_example_no_update(marker: Marker) -> None:
    text, near_miss = MARKER_EXAMPLES[marker.name]
    assert marker.pattern.search(_lower(text))
    assert not marker.keywords or marker.keywords & _words(text)
    reading = classify_post(text)
    assert (reading.phase, reading.rule) == (None, marker.name)
    assert not marker.pattern.search(_lower(near_miss))


def test_docs_list_every_rule_and_marker() -> None:
    docs = (REPO / "docs" / "phases.md").read_text(encoding="utf-8")
    for name in [r.name for r in RULES + POST_RULES] + [m.name for m in MARKERS]:
        assert f"`{name}`" in docs, name


def test_negation_hints_cover_every_negation_word() -> None:
    """The classifier searches NEGATION only when one of these substrings is there."""
    from incident_feed.normalize.phase_rules import NEGATION
    from incident_feed.normalize.phases import _NEGATION_HINTS

    for word in ["not", "no", "n't", "never", "yet to", "unable to", "without", "nor"]:
        assert NEGATION.search(f"we {word} ")
        assert any(hint in word for hint in _NEGATION_HINTS), word


def test_advice_hints_cover_every_advice_form() -> None:
    """The classifier searches ADVICE only when one of these substrings is there."""
    from incident_feed.normalize.phase_rules import ADVICE
    from incident_feed.normalize.phases import _ADVICE_HINTS

    for before in [
        "workaround: ",
        "customers can ",
        "users should ",
        "you might ",
        "please ",
        "try ",
    ]:
        assert ADVICE.search(before), before
        assert any(hint in before for hint in _ADVICE_HINTS), before
