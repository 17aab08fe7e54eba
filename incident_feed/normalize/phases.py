"""Labels and free text -> phases, with the evidence that decided them.

The rules are data (:data:`RULES`), one row a phrase family, each tested on its own. A match is
dropped when negated ("not yet identified") and downgraded when stated as intent ("working to roll
out a fix" is identified, not remediating). Of the matches left, the furthest phase along the
progression wins, so "identified ... rolling out a fix" is remediating.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from incident_feed.model import INCIDENT_PHASES, MAINTENANCE_PHASES, Kind, Phase, phase_rank

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
}
# Labels that are decisive whatever the text says.
DECISIVE = frozenset(
    {Phase.MONITORING, Phase.RESOLVED, Phase.IN_PROGRESS, Phase.VERIFYING, Phase.COMPLETED}
)


@dataclass(frozen=True, slots=True)
class Rule:
    """A phrase family that signals a phase.

    ``intent_phase`` is what the phrase signals when it is stated as intent ("working to ...",
    "will ..."); None means intent says nothing about the phase.
    """

    name: str
    phase: Phase
    pattern: re.Pattern[str]
    confidence: float
    intent_phase: Phase | None = None
    hints: tuple[str, ...] = ()


def _rule(
    name: str, phase: Phase, pattern: str, confidence: float, intent: Phase | None = None
) -> Rule:
    return Rule(name, phase, re.compile(pattern, re.IGNORECASE), confidence, intent, HINTS[name])


# Per rule, lower-case strings of which at least one occurs in any text the rule matches: a
# cheap pre-check that skips most regex work (tested against every rule's examples).
HINTS: dict[str, tuple[str, ...]] = {
    "investigating": ("investigat",),
    "looking-into": ("looking into",),
    "aware-of": ("aware of",),
    "experiencing": ("experiencing", "seeing", "observing"),
    "reports-of": ("report",),
    "identified": ("identified", "found", "determined", "isolated", "pinpointed", "located"),
    "cause-identified": ("been",),
    "working-on-fix": ("working on",),
    "rolling-out": (" out",),
    "deploying-fix": ("deploy", "apply", "implement", "roll", "revert"),
    "fix-being-applied": ("being",),
    "mitigating": ("mitigat", "failing over", "rerout", "re-rout", "restart", "scaling up"),
    "fix-done": ("been",),
    "deployed-fix": ("deployed", "applied", "implemented", "rolled", "reverted"),
    "monitoring": ("monitor",),
    "recovering": ("recover", "returned", "error rate"),
    "resolved": ("been", "resolved", "closed"),
    "operational": ("operational", "normal", "recovered", "restored"),
    "maintenance-scheduled": ("maintenance",),
    "maintenance-in-progress": ("maintenance",),
    "maintenance-verifying": ("verif",),
    "maintenance-completed": ("maintenance",),
}


_FIX = r"(?:fix(?:es)?|remediation|mitigation|patch|hotfix|workaround|change|rollback)"
RULES: tuple[Rule, ...] = (
    _rule("investigating", Phase.INVESTIGATING, r"\binvestigat(?:ing|e|ion)\b", 0.7),
    _rule("looking-into", Phase.INVESTIGATING, r"\blooking into\b", 0.7),
    _rule("aware-of", Phase.INVESTIGATING, r"\b(?:are|we're|is) aware of\b", 0.7),
    _rule(
        "experiencing",
        Phase.INVESTIGATING,
        r"\b(?:experiencing|seeing|observing) (?:an? |some )?(?:outage|issues?|problems?|errors?|"
        r"degraded|degradation|disruption|elevated|increased|intermittent|partial)",
        0.6,
    ),
    _rule("reports-of", Phase.INVESTIGATING, r"\breports? of\b", 0.5),
    _rule(
        "identified",
        Phase.IDENTIFIED,
        r"\b(?:identified|found|determined|isolated|pinpointed|located) (?:the|a|an)? ?"
        r"(?:likely |potential |probable |root )?(?:cause|issue|problem|source|culprit|trigger)",
        0.85,
    ),
    _rule(
        "cause-identified",
        Phase.IDENTIFIED,
        r"\b(?:cause|issue|problem|source) (?:has|have) been (?:identified|found|determined|isolated)",
        0.85,
    ),
    _rule(
        "working-on-fix",
        Phase.IDENTIFIED,
        rf"\bworking on (?:a|the) {_FIX}",
        0.75,
    ),
    _rule(
        "rolling-out",
        Phase.REMEDIATING,
        rf"\b(?:roll(?:ing)?|push(?:ing)?) out (?:a |the |an )?(?:\w+ )?{_FIX}",
        0.85,
        intent=Phase.IDENTIFIED,
    ),
    _rule(
        "deploying-fix",
        Phase.REMEDIATING,
        rf"\b(?:deploy(?:ing)?|apply(?:ing)?|implement(?:ing)?|roll(?:ing)? back|revert(?:ing)?)"
        rf" (?:a |the |an )?(?:\w+ )?(?:{_FIX}|changes?|deploy(?:ment)?)",
        0.8,
        intent=Phase.IDENTIFIED,
    ),
    _rule(
        "fix-being-applied",
        Phase.REMEDIATING,
        rf"\b{_FIX} (?:is|are) (?:being|currently being|now being) "
        r"(?:rolled out|deployed|applied|implemented)",
        0.85,
    ),
    _rule(
        "mitigating",
        Phase.REMEDIATING,
        r"\b(?:mitigating|mitigation (?:is |are )?(?:in progress|underway|under way)|"
        r"failing over|rerouting|re-routing|restarting|scaling up)\b",
        0.7,
        intent=Phase.IDENTIFIED,
    ),
    _rule(
        "fix-done",
        Phase.MONITORING,
        rf"\b{_FIX} (?:has|have) been (?:rolled out|deployed|applied|implemented|put in place)",
        0.85,
    ),
    _rule(
        "deployed-fix",
        Phase.MONITORING,
        rf"\b(?:have|has|we've) (?:deployed|applied|implemented|rolled out|rolled back|reverted)"
        rf" (?:a |the |an )?(?:\w+ )?(?:{_FIX}|changes?)",
        0.75,
    ),
    _rule(
        "monitoring",
        Phase.MONITORING,
        r"\b(?:monitoring (?:the )?(?:results|recovery|the situation|closely|for)|"
        r"(?:are|we're|continue to|continuing to) monitor(?:ing)?\b)",
        0.75,
    ),
    _rule(
        "recovering",
        Phase.MONITORING,
        r"\b(?:(?:signs of|seeing|observing) (?:a )?recovery|(?:are|is|have|has) (?:now )?"
        r"(?:recovering|recovered|returned to normal)|error rates? (?:have|has) (?:returned|dropped))",
        0.7,
    ),
    _rule(
        "resolved",
        Phase.RESOLVED,
        r"\b(?:has|have) been (?:fully )?(?:resolved|fixed|restored|mitigated)|"
        r"\b(?:is|are) (?:now )?(?:fully )?resolved\b|\bincident (?:is|has been) (?:now )?closed\b",
        0.9,
    ),
    _rule(
        "operational",
        Phase.RESOLVED,
        r"\b(?:(?:are|is) (?:now )?(?:fully )?operational|back to normal|operating normally|"
        r"functioning normally|fully recovered|(?:service|services|access) (?:is|are|has been|have been) restored)",
        0.8,
    ),
    _rule(
        "maintenance-scheduled",
        Phase.SCHEDULED,
        r"\b(?:scheduled maintenance|will be (?:performing|undergoing|conducting) (?:scheduled )?maintenance|"
        r"maintenance (?:is )?scheduled)",
        0.8,
    ),
    _rule(
        "maintenance-in-progress",
        Phase.IN_PROGRESS,
        r"\b(?:maintenance is (?:now |currently )?(?:in progress|underway|under way)|"
        r"(?:are|is) (?:now |currently )?(?:performing|undergoing|conducting) (?:scheduled )?maintenance|"
        r"maintenance has (?:begun|started))",
        0.85,
    ),
    _rule(
        "maintenance-verifying",
        Phase.VERIFYING,
        r"\bverif(?:ying|ication)\b",
        0.6,
    ),
    _rule(
        "maintenance-completed",
        Phase.COMPLETED,
        r"\bmaintenance (?:has been |is |was )?(?:now )?(?:completed?|finished|over|concluded)\b",
        0.9,
    ),
)

_NEGATION = re.compile(
    r"(?:\bnot\b|\bno\b|n't\b|\bnever\b|\byet to\b|\bunable to\b|\bwithout\b|\bnor\b)"
    r"[\w\s,]{0,12}$",
    re.IGNORECASE,
)
_INTENT = re.compile(
    r"(?:\b(?:working|continu\w*|aim\w*|plan\w*|prepar\w*|expect\w*|hope|hoping|need|needs|try\w*|"
    r"going|intend\w*|begin|beginning|start\w*) to|\bwill(?: be)?|\bwe'll|\bshould|"
    r"\bonce (?:we|the)|\bbefore|\bafter|\bwhen)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
_CONTEXT = 40
_FINAL = frozenset({Phase.RESOLVED, Phase.COMPLETED})


@dataclass(frozen=True, slots=True)
class Classification:
    """A phase read from text, with the phrase and rule that decided it."""

    phase: Phase | None
    confidence: float = 0.0
    phrase: str | None = None
    rule: str | None = None


NO_SIGNAL = Classification(None)


def classify(
    text: str, kind: Kind | None = None, *, exclude: frozenset[Phase] = frozenset()
) -> Classification:
    """Read a phase from free text; ``kind`` limits it to incident or maintenance phases, and
    ``exclude`` drops phases the caller may not conclude from text."""
    allowed = _allowed_phases(kind) - exclude
    best = NO_SIGNAL
    lowered = text.lower()
    for rule in RULES:
        if rule.phase not in allowed and (
            rule.intent_phase is None or rule.intent_phase not in allowed
        ):
            continue
        if rule.hints and not any(hint in lowered for hint in rule.hints):
            continue
        for match in rule.pattern.finditer(text):
            before = text[max(0, match.start() - _CONTEXT) : match.start()]
            if _NEGATION.search(before):
                continue
            phase: Phase | None = rule.phase
            if _INTENT.search(before):
                phase = rule.intent_phase
            if phase is None or phase not in allowed:
                continue
            candidate = Classification(phase, rule.confidence, match.group(0), rule.name)
            if _beats(candidate, best):
                best = candidate
    return best


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


def _allowed_phases(kind: Kind | None) -> frozenset[Phase]:
    if kind is Kind.INCIDENT:
        return frozenset(INCIDENT_PHASES)
    if kind is Kind.MAINTENANCE:
        return frozenset(MAINTENANCE_PHASES)
    return frozenset(Phase)


def _same_kind(phase: Phase, kind: Kind) -> bool:
    return (phase in MAINTENANCE_PHASES) == (kind is Kind.MAINTENANCE)


def _beats(candidate: Classification, best: Classification) -> bool:
    if best.phase is None:
        return True
    assert candidate.phase is not None
    if (candidate.phase in INCIDENT_PHASES) != (best.phase in INCIDENT_PHASES):
        return candidate.confidence > best.confidence
    rank, best_rank = phase_rank(candidate.phase), phase_rank(best.phase)
    return rank > best_rank or (rank == best_rank and candidate.confidence > best.confidence)
