"""Labels and free text -> phases, with the evidence that decided them.

Two readers share the phrase rules of :mod:`incident_feed.normalize.phase_rules`:

- :func:`classify` reads a status-page update, which is an incident update by definition;
  :func:`decide_phase` combines it with the source's own label.
- :func:`classify_post` reads a social post, which may be no update at all (a reply to a user,
  product news), so it asks for more before it names a phase.

A match is dropped when negated ("not yet identified"), when it is advice to the reader
("Workaround: fail over ...") or sits in a symptom section ("Diagnosis: ..."), and is read as its
intent phase when stated as intent ("working to roll out a fix" is identified, not remediating).
Of the matches left, weak ones (weak rules, and anything stated as intent) count only when no
strong one matched, and then the furthest phase along the progression wins, so "identified ...
rolling out a fix" is remediating, while "investigating ... working to roll out a fix" stays
investigating. docs/phases.md has the whole table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from incident_feed.enums import INCIDENT_PHASES, MAINTENANCE_PHASES, Kind, Phase, phase_rank
from incident_feed.normalize.phase_rules import (
    ADVICE,
    ASIDE,
    INCIDENT_CONTEXT,
    INTENT,
    MAINTENANCE_CONTEXT,
    MARKERS,
    NEGATION,
    POST_RULES,
    RULES,
    Marker,
    Rule,
)

__all__ = [
    "DECISIVE",
    "LABELS",
    "MARKERS",
    "NO_SIGNAL",
    "POST_RULES",
    "RULES",
    "Classification",
    "Marker",
    "Rule",
    "classify",
    "classify_post",
    "decide_phase",
]

# The source's own label (lower-cased) -> phase. None: the label says nothing; read the text.
LABELS: dict[str, Phase | None] = {
    "investigating": Phase.INVESTIGATING,
    "identified": Phase.IDENTIFIED,
    "monitoring": Phase.MONITORING,
    "resolved": Phase.RESOLVED,
    "postmortem": Phase.RESOLVED,
    "update": None,
    "available": Phase.RESOLVED,  # Google Cloud: the service is available again
    "scheduled": Phase.SCHEDULED,
    "in_progress": Phase.IN_PROGRESS,
    "in progress": Phase.IN_PROGRESS,
    "verifying": Phase.VERIFYING,
    "completed": Phase.COMPLETED,
    # incident.io maintenance statuses (its incidents use the four labels above)
    "maintenance_scheduled": Phase.SCHEDULED,
    "maintenance_in_progress": Phase.IN_PROGRESS,
    "maintenance_complete": Phase.COMPLETED,
}
# Labels that are decisive whatever the text says.
DECISIVE = frozenset(
    {Phase.MONITORING, Phase.RESOLVED, Phase.IN_PROGRESS, Phase.VERIFYING, Phase.COMPLETED}
)

_CONTEXT = 40  # characters before a match searched for negation and intent
_FINAL = frozenset({Phase.RESOLVED, Phase.COMPLETED})
_INTENT_PENALTY = 0.1
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})
_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE_END = re.compile(r"[.!?\n]")
# Substrings of NEGATION's and ADVICE's words: the regexes run only when one is there.
_NEGATION_HINTS = ("no", "n't", "never", "yet to", "unable to", "without")
_ADVICE_HINTS = ("workaround", "customers", "users", "you", "please", "try")
_INCIDENT = frozenset(INCIDENT_PHASES)
_ANY = frozenset(Phase)
_POST_RULES = RULES + POST_RULES


@dataclass(frozen=True, slots=True)
class Classification:
    """A phase read from text, with the phrase and rule that decided it.

    ``confidence`` (0..1) is the confidence in ``phase``; it is 0 when ``phase`` is None. With no
    phase, ``phrase`` and ``rule`` name the marker that made a post no update ("DM us", rule
    ``dm-us``), or are None when nothing in the text spoke of an incident.

    ``strength`` (0..1) is how strongly the text says it is an incident (or maintenance) update at
    all, whatever its phase: the most confident phrase read (not only the one that named the
    phase, which is the furthest along), less half a weaker marker's strength; 0 when ``phase``
    is None. From 0.7 up, a phrase that is plainly an incident update said so ("we are
    investigating", "identified the issue", "has been resolved", "we're back"); below it only
    softer ones did ("some of you may be unable to log in" 0.6, "we're experiencing issues" 0.6,
    "we're on it" 0.5), which a brand account's post may be held to (docs/phases.md lists each
    rule's confidence).
    """

    phase: Phase | None
    confidence: float = 0.0
    phrase: str | None = None
    rule: str | None = None
    strength: float = 0.0


NO_SIGNAL = Classification(None)


@dataclass(frozen=True, slots=True)
class _Reading:
    rule: Rule
    phase: Phase
    confidence: float
    phrase: str
    weak: bool  # the rule is weak, or the phrase was stated as intent


def classify(
    text: str, kind: Kind | None = None, *, exclude: frozenset[Phase] = frozenset()
) -> Classification:
    """Read a phase from a status-page update's text; ``kind`` limits it to incident or
    maintenance phases, and ``exclude`` drops phases the caller may not conclude from text."""
    text, lowered = _prepared(text)
    words = frozenset(_WORD.findall(lowered))
    readings = _readings(text, lowered, words, _allowed_phases(kind) - exclude, RULES)
    best = _decide(readings)
    if best is None:
        return NO_SIGNAL
    strength = max(r.confidence for r in readings)
    return Classification(best.phase, best.confidence, best.phrase, best.rule.name, strength)


def classify_post(text: str, *, in_thread: bool = False) -> Classification:
    """Whether a social post is an incident update, and if so its phase, phrase and confidence.

    ``in_thread``: the post continues an incident thread (a reply to the account's own update), so
    phrases that also occur in product news ("we are monitoring", "all systems operational")
    count without an incident word beside them, and a leading @mention is no sign of a reply to
    a user. In a thread, phase None means the post says nothing new about the phase (the thread
    keeps the one it had). Outside a thread, a post that speaks of an incident without a phase
    phrase ("We're working to resolve the issue") opens it: investigating, at low confidence.
    Replies to users and product news are no update unless a phase phrase is more confident
    than the marker that says so.
    """
    text, lowered = _prepared(text)
    allowed = _INCIDENT
    if ("maint" in lowered or "scheduled" in lowered) and MAINTENANCE_CONTEXT.search(lowered):
        allowed = _ANY
    words = frozenset(_WORD.findall(lowered))
    readings = _readings(text, lowered, words, allowed, RULES if in_thread else _POST_RULES)
    if not in_thread and any(r.rule.needs_context for r in readings):
        if not INCIDENT_CONTEXT.search(lowered):
            readings = [r for r in readings if not r.rule.needs_context]
    best = _decide(readings)
    marker, marker_phrase = _strongest_marker(text, lowered, words, in_thread)
    if marker is not None and (best is None or marker.strength >= best.confidence):
        return Classification(None, 0.0, marker_phrase, marker.name)
    if best is None:
        return NO_SIGNAL
    penalty = marker.strength / 2 if marker is not None else 0.0
    confidence = round(best.confidence - penalty, 2)
    strength = round(max(r.confidence for r in readings) - penalty, 2)
    return Classification(best.phase, confidence, best.phrase, best.rule.name, strength)


def decide_phase(
    label: str | None, text: str, kind: Kind, previous: Phase | None = None
) -> tuple[Phase, str]:
    """The phase of one update and its evidence, from the source's label and the text.

    A decisive label (monitoring, resolved, maintenance states) wins. A label of investigating or
    identified is refined by the text when the text shows the incident further along (but never
    to resolved: the vendor has not said so). Without a usable label the text decides, then the
    previous update's phase, then the first phase of the kind.
    """
    base = LABELS.get(label.strip().lower()) if label else None
    if base is not None and (base in DECISIVE or not _same_kind(base, kind)):
        return base, f'label "{label}"'
    if base is not None:
        reading = classify(text, kind, exclude=_FINAL)
        if reading.phase is not None and phase_rank(reading.phase) > phase_rank(base):
            return reading.phase, f'phrase "{reading.phrase}" over label "{label}"'
        return base, f'label "{label}"'
    reading = classify(text, kind)
    if reading.phase is not None:
        return reading.phase, f'phrase "{reading.phrase}"'
    if previous is not None:
        return previous, "unchanged from the previous update"
    first = MAINTENANCE_PHASES[0] if kind is Kind.MAINTENANCE else INCIDENT_PHASES[0]
    return first, "first update"


def _readings(
    text: str,
    lowered: str,
    words: frozenset[str],
    allowed: frozenset[Phase],
    rules: tuple[Rule, ...],
) -> list[_Reading]:
    """Every match of every rule whose phase (or intent phase) is allowed; negated matches, advice
    to the reader and symptom or workaround sections dropped, intent read as the intent phase."""
    found: list[_Reading] = []
    for rule in rules:
        if rule.phase not in allowed and rule.intent_phase not in allowed:
            continue
        if rule.keywords.isdisjoint(words) or (rule.also and rule.also.isdisjoint(words)):
            continue
        if rule.anchored:
            first = rule.pattern.match(lowered)
            matches: list[re.Match[str]] = [] if first is None else [first]
        else:
            matches = list(rule.pattern.finditer(lowered))
        if not matches or (rule.unless is not None and rule.unless.search(lowered)):
            continue
        for match in matches:
            start, end = match.span()
            before = lowered[max(0, start - _CONTEXT) : start]
            if _negated(before) or _advice(before):
                continue
            if ASIDE.match(lowered, lowered.rfind("\n", 0, start) + 1):
                continue
            if _in_question(lowered, end):
                continue
            if INTENT.search(before):
                phase = rule.intent_phase
                if phase is not None and phase in allowed:
                    confidence = rule.confidence - _INTENT_PENALTY
                    found.append(_Reading(rule, phase, confidence, text[start:end], True))
            elif rule.phase in allowed:
                found.append(
                    _Reading(rule, rule.phase, rule.confidence, text[start:end], rule.weak)
                )
    return found


def _negated(before: str) -> bool:
    """NEGATION, searched only when one of its words is there (most texts have none; the regex
    alone was a tenth of the classifier's time)."""
    return any(word in before for word in _NEGATION_HINTS) and NEGATION.search(before) is not None


def _advice(before: str) -> bool:
    """ADVICE, searched only when one of its words is there."""
    return any(word in before for word in _ADVICE_HINTS) and ADVICE.search(before) is not None


def _in_question(lowered: str, end: int) -> bool:
    """Whether the sentence a match ends in is a question ("Are your users seeing errors?"): a
    question says nothing of the vendor's own state (the sentence after it may)."""
    stop = _SENTENCE_END.search(lowered, end)
    # " ?" after a space is more often an emoji the source mangled than a question
    return stop is not None and stop.group() == "?" and not lowered[stop.start() - 1].isspace()


def _decide(readings: list[_Reading]) -> _Reading | None:
    """Weak readings count only without a strong one; then the furthest phase wins."""
    strong = [r for r in readings if not r.weak]
    best: _Reading | None = None
    for reading in strong or readings:
        if best is None or _beats(reading, best):
            best = reading
    return best


def _beats(candidate: _Reading, best: _Reading) -> bool:
    if (candidate.phase in INCIDENT_PHASES) != (best.phase in INCIDENT_PHASES):
        # Text that states a maintenance phase is about the maintenance ("a maintenance window as
        # we apply mitigations"), unless an incident phrase is clearly more confident.
        if candidate.phase in MAINTENANCE_PHASES:
            return candidate.confidence >= best.confidence
        return candidate.confidence > best.confidence
    rank, best_rank = phase_rank(candidate.phase), phase_rank(best.phase)
    return rank > best_rank or (rank == best_rank and candidate.confidence > best.confidence)


def _strongest_marker(
    text: str, lowered: str, words: frozenset[str], in_thread: bool
) -> tuple[Marker | None, str]:
    strongest: Marker | None = None
    phrase = ""
    for marker in MARKERS:
        if in_thread and marker.outside_thread_only:
            continue
        if strongest is not None and marker.strength <= strongest.strength:
            continue
        if marker.keywords and marker.keywords.isdisjoint(words):
            continue
        match = marker.pattern.search(lowered)
        if match is not None:
            strongest, phrase = marker, text[match.start() : match.end()]
    return strongest, phrase


def _prepared(text: str) -> tuple[str, str]:
    """The text with straight apostrophes, and its lower-cased form of the same length (rules
    match the lower-cased text; phrases are cut from the text at the same offsets)."""
    text = text.translate(_QUOTES)
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lower-case to two ("İ"): show the lower case
        text = lowered
    return text, lowered


def _allowed_phases(kind: Kind | None) -> frozenset[Phase]:
    if kind is Kind.INCIDENT:
        return frozenset(INCIDENT_PHASES)
    if kind is Kind.MAINTENANCE:
        return frozenset(MAINTENANCE_PHASES)
    return frozenset(Phase)


def _same_kind(phase: Phase, kind: Kind) -> bool:
    return (phase in MAINTENANCE_PHASES) == (kind is Kind.MAINTENANCE)
