"""The phrase rules that read phases from free text, and the markers of posts that are not updates.

Data only: :mod:`incident_feed.normalize.phases` applies them. Each rule is one phrase family with
a test of its own (``tests/normalize/test_phase_rules.py``); the table in ``docs/phases.md`` lists
them. Patterns are written in lower case and matched against the lower-cased text (curly
apostrophes made straight): a regex without IGNORECASE runs several times faster. A rule's
``keywords`` are words of which at least one occurs, as a whole word, in any text its pattern
matches; a rule runs only on texts holding one of them, which skips most regex work (a test checks
the keywords against every real text the project ships). A marker's ``keywords`` work the same
way; an empty set means it always runs (only for a pattern anchored at the start, which is cheap).
"""

# The rules are regular expressions kept whole, one alternative list per line (as pyproject.toml
# allows for phases.py, where they used to live).

from __future__ import annotations

import re
from dataclasses import dataclass

from incident_feed.enums import Phase

INV, IDE, REM, MON, RES = (
    Phase.INVESTIGATING,
    Phase.IDENTIFIED,
    Phase.REMEDIATING,
    Phase.MONITORING,
    Phase.RESOLVED,
)


@dataclass(frozen=True, slots=True)
class Rule:
    """A phrase family that signals a phase.

    ``intent_phase``: what the phrase signals when stated as intent ("working to roll out a fix"
    is identified); None: intent says nothing. ``weak``: suggestive only, so it yields to any
    other (strong) rule that matched the same text, even one of an earlier phase ("investigating
    and working on a fix" is investigating). ``needs_context``: the phrase also occurs in product
    news ("rolling out changes", "we are monitoring"), so a post outside an incident thread needs an
    incident word as well (:data:`INCIDENT_CONTEXT`).
    """

    name: str
    phase: Phase
    pattern: re.Pattern[str]
    confidence: float
    keywords: frozenset[str]
    intent_phase: Phase | None = None
    weak: bool = False
    needs_context: bool = False
    anchored: bool = False  # the pattern only matches at the start of the text
    unless: re.Pattern[str] | None = None  # the rule is skipped on a text this matches anywhere
    also: frozenset[str] = frozenset()  # when set, one of these words must occur as well


@dataclass(frozen=True, slots=True)
class Marker:
    """A phrase family that marks a post as something other than an incident update: a reply to
    one user, or product news. It outweighs any phase reading no more confident than ``strength``.
    ``outside_thread_only``: ignored when the post continues an incident thread."""

    name: str
    pattern: re.Pattern[str]
    strength: float
    keywords: frozenset[str]
    outside_thread_only: bool = False


def _rule(
    name: str,
    phase: Phase,
    pattern: str,
    confidence: float,
    keywords: str,
    *,
    intent: Phase | None = None,
    weak: bool = False,
    needs_context: bool = False,
    unless: re.Pattern[str] | None = None,
    also: str = "",
) -> Rule:
    words = frozenset(keywords.split())
    anchored = pattern.startswith("^")
    return Rule(
        name,
        phase,
        re.compile(pattern),
        confidence,
        words,
        intent,
        weak,
        needs_context,
        anchored,
        unless,
        frozenset(also.split()),
    )


# Announced work: consequences stated ahead of a window ("will be paused on Monday ... users may
# see delays") are a maintenance notice, not an incident.
PLANNED = re.compile(
    r"\bwill (?:\w+ ){0,2}be (?:paused|unavailable|offline|down|disabled|read-only|upgraded|migrated|moved|"
    r"performing|undergoing|taken)\b|\b(?:scheduled|planned|upcoming) (?:\w+ )?(?:maintenance|downtime|work|"
    r"upgrade|migration|outage)\b|\bmaintenance window\b"
)


# What a fix is called. "change" is also product news, hence needs_context on the rules using it.
_FIX = (
    r"(?:fix(?:es)?|hotfix(?:es)?|remediations?|mitigations?|patch(?:es)?|workarounds?|"
    r"rollbacks?|changes?)\b"
)
_A = r"(?:a |an |the |our |some |several |additional |further )?"

RULES: tuple[Rule, ...] = (
    # -- investigating: something is wrong, the cause is not known ------------------------------
    _rule(
        "investigating", INV, r"\binvestigat(?:ing|e|es|ed|ion|ions)\b",
        0.7, "investigating investigate investigates investigated investigation investigations",
        intent=INV,
    ),
    _rule(
        "looking-into", INV,
        r"\b(?:looking|digging|checking) into\b|\btaking a (?:closer )?look\b|"
        r"\banaly[sz]ing (?:the )?(?:situation|issue|problem|impact|cause)\b",
        0.7, "into look analysing analyzing", intent=INV, needs_context=True,
    ),
    _rule(
        "aware-of", INV,
        r"\b(?:are|we're|is|am|been|now|fully) aware (?:of|that|some|many|a few|users|people|customers|players|you)\b",
        0.7, "aware", needs_context=True,
    ),
    _rule(
        "experiencing", INV,
        r"\b(?:experiencing|experience|seeing|observing|encountering|having|facing) "
        r"(?:an? |some |intermittent |elevated |increased |high |higher |significant |partial |major |minor )*"
        r"(?:(?:technical|temporary|unexpected|ongoing|unusual|widespread|network|connection|connectivity|server|login|"
        r"service|performance|stability) )?(?:outages?|issues?|problems?|errors?|degraded|degradation|disruptions?|trouble|"
        r"difficult(?:y|ies)|delays?|latency|failures?|slowness|timeouts?|elevated|increased|intermittent)\b|"
        r"\b(?:issues?|errors?|problems?|impact|failures?) (?:persists?|continues?|remains?)\b",
        0.6, "experiencing experience seeing observing encountering having facing persist persists continue continues remain remains",
    ),
    # An incident told through what users see, in three rules so that each runs only on texts
    # holding its words. All weak, and not on a text announcing work ("will be unavailable on
    # Sunday ... users may see delays"), which is a maintenance notice.
    _rule(
        "consequence", INV,
        # "some of you may be unable to log in", "you might see errors", "people can't sign in"
        r"\b(?:you|users|people|customers|players|members|folks|accounts|creators|developers|some|many|others|"
        r"snapchatters|subscribers|viewers|streamers|gamers|owners|traders|sellers|buyers|riders|drivers|listeners)"
        r"(?:(?:'re| are| may| might| could| will| can)? (?:(?!no |not |longer |never )[\w'-]+ ){0,3}?"
        r"(?:(?:be )?unable to|not (?:be )?able to|(?:be )?having (?:some )?(?:trouble|issues|problems|difficult\w+)|"
        r"(?:see|notice|experience|encounter|get|run into|hit)(?:ing)? (?:some |an? |intermittent |occasional )?"
        r"(?:errors?|issues?|problems?|trouble|delays?|slowness|failures?|outages?|disruptions?|difficult\w+|"
        r"interruptions?|glitch\w*|timeouts?|degraded \w+|latency|crash\w*))\b|"
        r"(?: (?:[\w'-]+ ){0,2}?)? ?(?:can't|cannot|can not|couldn't|won't be able to|aren't able to|are unable to) "
        r"(?:log|sign|access|connect|load|open|see|send|post|upload|play|stream|use|reach|make|get|watch|view|join|"
        r"download|receive|login|check|update|place|buy|trade|pay|call|text|hear|start|edit|save|search|share)\b)",
        0.6, "unable able trouble issues problems difficulty difficulties errors error issue problem delay delays "
        "slowness failure failures outage outages disruption disruptions interruption interruptions glitch "
        "glitches glitchy glitching timeout timeouts degraded latency crash crashes crashing crashed t cannot",
        weak=True, unless=PLANNED,
        also="you users people customers players members folks accounts creators developers some many others "
        "snapchatters subscribers viewers streamers gamers owners traders sellers buyers riders drivers listeners",
    ),
    _rule(
        "out-of-service", INV,
        # "messages are delayed", "uploads are currently down", "the site is temporarily unavailable"
        r"\b(?:is|are|'s|'re) (?:currently |temporarily |partially |now |still |all |being )?(?:(?:offline|unavailable|"
        r"unreachable|inaccessible|delayed)(?! to\b| by\b| from\b| \d)\b|"
        r"down(?=\s*(?:[.!,;:\n]|$|for |right now|at the moment|again|and |in |across |on |globally|worldwide)))",
        0.6, "down offline unavailable unreachable inaccessible delayed",
        weak=True, unless=PLANNED,
    ),
    _rule(
        "not-working", INV,
        # "snaps aren't sending right now", "the site may not work as expected", "we're having a moment"
        r"\b(?:isn't|aren't|is not|are not|not) (?:currently )?(?:loading|working|available|responding|sending|"
        r"updating|showing up|going through|delivering|connecting|playing|opening|refreshing|syncing)"
        r"(?=\s*(?:[.!,;:)\n]|$|for|right now|at the moment|properly|correctly|as expected|on|in))|"
        r"\b(?:may|might|will) not (?:be )?(?:work|working|load|loading|function|functioning)(?:ing)? "
        r"(?:as (?:expected|intended|normal)|properly|correctly|right now|for some)\b|"
        r"\b(?:is|are|'s|'re) (?:currently )?(?:having|experiencing) (?:some )?(?:a )?(?:moment|hiccups?|difficulties)\b",
        0.6, "not t moment hiccup hiccups difficulties",
        weak=True, unless=PLANNED,
        also="loading working available responding sending updating showing going delivering connecting playing "
        "opening refreshing syncing work load function functioning moment hiccup hiccups difficulties",
    ),
    _rule(
        "reports-of", INV, r"\b(?:reports?|reported) (?:of|that)\b", 0.5, "report reports reported",
        needs_context=True,
    ),
    _rule(
        "seeking-cause", INV,
        r"\b(?:identify|isolate|determine|find|pinpoint|diagnose|investigate|troubleshoot(?:ing)?) "
        r"(?:the |a |an |what |what's )?(?:underlying |root |exact |likely |potential |possible )*"
        r"(?:cause|source|issue|problem|culprit|error)",
        0.65, "identify isolate determine find pinpoint diagnose investigate troubleshoot troubleshooting",
        intent=INV,
    ),
    _rule(
        "impact-scope", INV,
        r"\b(?:identified|confirmed|determined|found) (?:that )?(?:(?:this|the) (?:issue|problem|incident) "
        r"(?:affects|impacts|is affecting|is impacting|also affects|may affect)|"
        r"(?:additional |downstream |further |broader |wider |related )?impact\b)",
        0.6, "identified confirmed determined found",
    ),
    # -- identified: the cause is known, a fix is being prepared ---------------------------------
    _rule(
        "identified", IDE,
        r"\b(?:identified|found|determined|isolated|pinpointed|located|traced|diagnosed) "
        r"(?:what |the |a |an |one |two |several |multiple )?"
        r"(?:likely |potential |probable |possible |root |underlying |specific |problematic |faulty |main |primary )*"
        r"(?:causes?|issues?|problems?|sources?|culprits?|triggers?|components?|bugs?|regressions?)\b|"
        r"\bunderstand (?:the )?(?:root )?cause\b|\bknow what(?:'s| is) causing\b",
        0.85, "identified found determined isolated pinpointed located traced diagnosed understand know",
        intent=INV,
    ),
    _rule(
        "cause-identified", IDE,
        r"\b(?:cause|issue|problem|source|culprit)s? (?:has|have|was|were|is|are) (?:now )?(?:been )?"
        r"(?:identified|found|determined|isolated|pinpointed|located|understood)\b",
        0.85, "identified found determined isolated pinpointed located understood",
        intent=INV,
    ),
    _rule(
        "cause-stated", IDE,
        r"\b(?:determined|identified|found|confirmed|believe|suspect) that (?:a |an |the )?"
        r"(?:recent |bad |faulty |problematic )?(?:\w+ ){0,2}(?:change|deployment|deploy|update|"
        r"configuration|upgrade|release|certificate|dependency|migration)s?\b",
        0.75, "determined identified found confirmed believe suspect",
        intent=INV,
    ),
    _rule(
        "cause-found", IDE,
        r"\b(?:tracked|traced|narrowed|pinned) (?:it|this|that|them|the (?:\w+ )?(?:issue|problem|errors?|outage|bug)) "
        r"(?:back )?down\b|\btraced (?:it|this|that|the (?:\w+ )?(?:issue|problem|errors?|outage)) (?:back )?to\b|"
        r"\bfigured out (?:what|the (?:cause|problem|issue)|why)\b|"
        r"\broot cause (?:was|is|appears to be|seems to be)\b|"
        r"\b(?:know|found|understand) (?:what|why) (?:happened|went wrong|(?:is |was |'s )?(?:causing|caused) )|"
        r"\b(?:we|we've|we have) (?:made|pushed|deployed|shipped) an? (?:\w+ )?(?:change|update|deploy|deployment|"
        r"configuration change|config change) (?:that|which) (?:had|has|caused|broke|resulted|led)\b",
        0.75, "tracked traced narrowed pinned figured know found understand made pushed deployed shipped root",
        intent=INV,
    ),
    _rule(
        "caused-by", IDE,
        r"\b(?:caused by|due to|(?:is|was) the result of|resulted from|traced (?:back )?to|attributed to|"
        r"stemm(?:ing|ed) from|triggered by) (?:a|an|the)\b|\bbecause (?:of )?(?:a|an|the|so many|too many|of high|high)\b",
        0.55, "caused due result resulted traced attributed stemming stemmed triggered because",
        weak=True, needs_context=True,
    ),
    _rule(
        "working-on-fix", IDE,
        rf"\b(?:working on|preparing|developing|authoring|testing|validating|verifying|working towards?) "
        rf"{_A}(?:\w+ )?{_FIX}|\bworking on (?:mitigating|fixing|remediating)\b|"
        rf"\b{_FIX}(?: for [\w '-]{{1,40}}?)? (?:is|are|'s) (?:on (?:the|its|their) way|coming|in the works)\b",
        0.7, "working preparing developing authoring testing validating verifying way coming works",
        weak=True,
    ),
    # -- remediating: a fix or mitigation is being rolled out ------------------------------------
    _rule(
        "rolling-out", REM,
        rf"\b(?:roll(?:ing|s)?|push(?:ing|es)?) out {_A}(?:\w+ )?{_FIX}|\brollout of {_A}(?:\w+ )?{_FIX}",
        0.85, "out rollout", intent=IDE, needs_context=True,
    ),
    _rule(
        "deploying-fix", REM,
        rf"\b(?:deploy(?:ing)?|apply(?:ing)?|implement(?:ing)?|roll(?:ing)? back|revert(?:ing)?|"
        rf"ship(?:ping)?) (?:on )?{_A}(?:\w+ )?(?:{_FIX}|deploy(?:ment)?s?\b)",
        0.8, "deploy deploying apply applying implement implementing roll rolling revert reverting ship shipping", intent=IDE,
        needs_context=True,
    ),
    _rule(
        "fix-in-progress", REM,
        rf"\b{_FIX} (?:is|are) (?:being|currently being|now being|in the process of being) "
        rf"(?:rolled out|deployed|applied|implemented|rolled back)|"
        rf"\b{_FIX} (?:is|are|'s) (?:currently |now |still )?(?:underway|under way|in progress|rolling out|deploying|"
        rf"going out|shipping)\b|"
        rf"\b{_FIX} (?:rollout|deployment) (?:is )?(?:underway|in progress|has (?:started|begun))|"
        r"\bin the process of (?:being )?(?:rolled out|deployed|applied|implemented|rolling out|deploying|"
        r"applying|implementing)\b",
        0.85, "rolled deployed applied implemented underway way progress rolling started begun process deploying going shipping",
    ),
    _rule(
        "mitigating", REM, r"(?<!working on )\bmitigat(?:e|ing)\b", 0.7, "mitigate mitigating", intent=IDE,
    ),
    _rule(
        "recovery-action", REM,
        r"\b(?:failing over|rerouting|re-routing|(?:re)?directing (?:the )?(?:\w+ )?traffic|"
        r"shifting (?:the )?(?:\w+ )?traffic|draining|restarting|rebooting|scaling up|adding (?:more )?capacity|"
        r"restoring|re-?enabling|rebuilding|reprocessing|"
        r"(?:processing|working through|clearing|burning down) (?:the |a )?(?:\w+ )?backlog|"
        r"backlog\b[^.\n]{0,40}? (?:is|are) (?:now )?being (?:processed|drained|cleared)|"
        # the plain verb with its object: mostly stated as intent ("working to restore service")
        r"(?:fail over|reroute|re-route|(?:re)?direct (?:the )?(?:\w+ )?traffic|drain|restart|reboot|restore|"
        r"re-?enable|rebuild|reprocess|add (?:more )?capacity|(?:process|work through|clear) (?:the |a )?(?:\w+ )?backlog) "
        r"(?:the|our|a|an|it|this|that|them|service|services|access|traffic|capacity|full|normal|delivery|remaining|"
        r"to)\b)\b",
        0.7, "failing fail rerouting reroute routing route directing redirecting direct redirect shifting draining drain restarting restart rebooting reboot scaling adding add capacity restoring restore enabling enable reenabling reenable rebuilding rebuild reprocessing reprocess backlog",
        intent=IDE, needs_context=True,
    ),
    _rule(
        "recovery-efforts", REM,
        r"\b(?:mitigation|mitigating|remediation|recovery|restoration|cleanup|clean-up|repair) "
        r"(?:work|efforts?|actions?|steps|operations?|measures)\b|"
        r"\bmitigations? (?:is|are) (?:\w+ )?(?:underway|under way|in progress|progressing|continuing|ongoing)\b|"
        r"\bperform(?:ing|ed)? (?:\w+ )?mitigations?\b|"
        r"\b(?:started|begun|began) (?:a |the )?(?:cleanup|clean-up|recovery|restoration|rollback)\b",
        0.7, "mitigation mitigations mitigating remediation recovery restoration cleanup clean repair rollback", intent=IDE,
    ),
    _rule(
        "bringing-back", REM,
        # the casual remediation: "we're bringing services back", "rolling it back now"; stated as
        # intent ("working to get things back up") it says no more than "working to resolve"
        r"\b(?:bringing|getting) (?:(?:the|our|all|your|its|some|more|every|\w+'s) )?"
        r"(?:[\w-]+ ){0,2}?(?:back (?:online|up|to normal)|back\b(?= as| for| in| now| soon| quickly|[.,!;]| -|$))|"
        r"\b(?:rolling|roll) (?:it|this|that|them|the (?:\w+ ){0,2}?(?:change|update|deploy\w*|release|config\w*|"
        r"migration|push)) back\b|\breverting (?:it|this|that|the (?:\w+ ){0,2}?(?:change|update|deploy\w*|release|"
        r"config\w*|migration|push))\b",
        0.7, "bringing getting rolling roll reverting", needs_context=True,
    ),
    _rule(
        "adding-capacity", REM,
        r"\b(?:adding|add|bringing on|bring on|bringing|bring|spinning up|spin up|provisioning|provision) "
        r"(?:new |more |extra |additional )?(?:servers|capacity|machines|nodes|hardware|instances)"
        r"(?: online)?\b|"
        r"\bmaking (?:good |some |steady )?progress (?:on|towards?|with|in) (?:\w+ ){0,2}?"
        r"(?:recovery|restor\w+|fix\w*|getting|bringing|resolv\w+|mitigat\w+)",
        0.7, "adding add bringing bring spinning spin provisioning provision making",
        intent=REM, needs_context=True,
    ),
    # -- monitoring: the fix is in, recovery is being watched ------------------------------------
    _rule(
        "fix-done", MON,
        rf"\b{_FIX} (?:has|have) (?:now )?been (?:fully |successfully |completely )?"
        rf"(?:rolled out|deployed|applied|implemented|put in place|completed|rolled back)|"
        rf"\b{_FIX} (?:work )?(?:is|are|was|were|has been|have been) (?:now )?(?:fully )?"
        rf"(?:complete|completed|in place|live|done|finished)\b|"
        rf"\b{_FIX} (?:has|have) (?:now )?(?:fully )?(?:rolled out|been rolled out|deployed)\b",
        0.85, "been complete completed place live done finished rolled deployed",
    ),
    _rule(
        "deployed-fix", MON,
        rf"\b(?:have|has|we've|we|and|team) (?:now |also |successfully |fully |just )?"
        rf"(?:deployed|applied|implemented|rolled out|rolled back|reverted|pushed|shipped|completed) "
        rf"{_A}(?:\w+ )?{_FIX}|\b(?:we've|we have|have|has) (?:now )?fixed (?:the|this|an|a|all)\b|"
        r"\b(?:rolled back|reverted) (?:the |a |an |our )?(?:\w+ )?(?:deployment|deploy|release|update)s?\b|"
        r"\b(?:we've|we have|have|has|we) (?:now )?(?:rolled (?:it|this|that|them) back|reverted (?:it|this|that|them)\b|"
        r"undone (?:it|this|that|the change))",
        0.75, "deployed applied implemented rolled reverted pushed shipped completed fixed undone",
    ),
    _rule(
        "monitoring", MON,
        r"\bmonitoring (?:the |for |closely|results|recovery|progress)|"
        r"\b(?:are|we're|continue to|continuing to|continue|continues to|will be|keep|keeping) "
        r"(?:closely |actively )?monitor(?:ing)?\b|\bkeep(?:ing)? (?:a close |an )?eye on\b|"
        r"\bwatching (?:it |this |things |everything )?(?:closely|carefully)\b",
        0.75, "monitor monitoring eye watching", needs_context=True,
    ),
    _rule(
        "recovering", MON,
        r"\b(?:are|is|have|has) (?:now )?(?:largely |mostly )?(?:recovering|recovered|"
        r"stabili[sz]ed|stabili[sz]ing|returning to normal)\b|"
        r"\berror rates? (?:have|has|are|is) (?:now )?(?:returned|dropped|decreased|subsided|declining|decreasing|back)\b|"
        r"\brecovery (?:is|are) (?:underway|in progress|progressing|continuing)\b|"
        r"\b(?:is|are|'s|'re) (?:now |slowly |gradually |steadily |starting to )?(?:coming|come) back(?: online| up)?\b",
        0.7, "coming come recovering recovered stabilized stabilised stabilizing stabilising returning error recovery",
    ),
    _rule(
        "recovery-seen", MON,
        r"\b(?:signs?|indications?) of (?:\w+ )?recovery\b|"
        r"\b(?:seeing|observing|see|observe|saw|observed|showing) "
        r"(?:some |a |early |gradual |partial |continued |significant |steady |widespread |full )*"
        r"(?:recovery|improvements?|improved|relief|reductions?)\b|"
        r"\b(?:things|it|everything|services?|performance|error rates?|latency) (?:is|are|'s|'re) (?:now )?"
        r"(?:looking|getting) (?:much )?(?:better|good|healthier|stable|normal)\b|"
        r"\b(?:things|it|everything|services?|systems?) (?:is|are|'s|'re|seem|seems|look|looks)(?: to be)? (?:now )?stable(?: now)?\b",
        0.6, "recovery improvement improvements improved relief reduction reductions better good healthier stable "
        "normal", weak=True, needs_context=True,
    ),
    _rule(
        "no-longer-seeing", MON, r"\bno longer (?:seeing|observing|detecting|receiving reports)\b", 0.7, "longer",
    ),
    _rule(
        "partly-recovered", MON,
        r"\bpartially (?:resolved|recovered|mitigated|restored)\b|\bpartial recovery\b|"
        r"\bmostly (?:resolved|recovered|restored)\b|\b(?:close to|nearing|near) full recovery\b|"
        r"\b(?:almost|nearly) (?:fully )?(?:recovered|restored|resolved)\b",
        0.7, "partially partial mostly full almost nearly",
    ),
    _rule(
        "mitigated", MON,
        r"\b(?:has|have) (?:now )?been mitigated\b|\b(?:is|are|was|were) (?:now )?mitigated\b|"
        r"\b(?:have|has|we've|we|and) (?:now |successfully )?mitigated (?:it|the|this|an|a|all)\b",
        0.75, "mitigated",
    ),
    # -- resolved --------------------------------------------------------------------------------
    _rule(
        "resolved", RES,
        r"\b(?:has|have) (?:now )?been (?:fully |completely )?(?:resolved|fixed)\b|"
        r"\b(?:is|are) (?:now )?(?:fully |completely )?resolved\b|\bincident (?:is|has been) (?:now )?closed\b|"
        r"\b(?:we've|we have|has|have) (?:now )?(?:fully )?resolved (?:the|this|an|a|all)\b|"
        r"\bfully mitigated\b|"
        r"\b(?:was|were|should (?:now )?be) (?:fully |completely )?(?:resolved|mitigated|restored|fixed)"
        r"(?: for [\w ]{1,30}?)? (?:at|as of)\b",
        0.9, "resolved fixed closed mitigated restored",
    ),
    _rule(
        "operational", RES,
        r"\b(?:are|is) (?:now )?(?:fully )?operational\b|\b(?:back|returned) to normal\b|"
        r"\b(?:operating|functioning|working|performing) (?:normally|as expected|as normal)\b|"
        r"\b(?<!almost )(?<!nearly )fully (?:recovered|restored)\b|"
        r"\b(?:service|services|access|functionality|connectivity) (?:is|are|has been|have been) (?:now )?(?:fully )?restored\b|"
        r"\b(?:are|is) (?:now )?being (?:processed|delivered) as (?:expected|normal)\b|"
        r"\ball (?:services|systems) (?:have |had )?recovered\b|\b(?:was|were) (?:fully )?restored\b|\brestored to normal\b",
        0.8, "operational normal normally expected recovered restored running online",
        weak=True, needs_context=True,
    ),
    # the casual resolution, in three rules so that each runs only on texts holding its words
    _rule(
        "working-again", RES,
        r"\b(?:should (?:now |all |already )?be|is|are|'s|'re|be|been|now|all|everything|things|it|we're|we are) "
        r"(?:all |now |fully |finally )?"
        r"(?:working|running|loading|online|up|functioning|operational|functional|accessible|reachable|stable|"
        r"responsive|healthy|normal|back up|back online|up and running|working properly|back to normal)"
        r"(?: (?:as )?normal(?:ly)?| properly| fine| as expected)? again"
        r"(?=\s*(?:[.!,;:)\n]|$|now|for|and|as|after|thanks|sorry|-|\u2014))|"
        r"\b(?:working|functioning|operating) (?:as normal|normally) again\b",
        0.8, "again",
    ),
    _rule(
        "back-to-normal", RES,
        r"\b(?:should (?:now |all |already )?be|is|are|'s|'re|be|been|now|has|have|had|we're) "
        r"(?:(?!coming |getting |bringing |come )\w+ )?back (?:to normal|up and running|online)\b|"
        r"\brestored to normal\b|\bback to normal (?:now|again)\b|"
        r"\bup and running(?: again)?(?=\s*(?:[.!,;:)\n]|$|now|for|and|after|thanks|sorry|-|\u2014))|"
        r"\b(?:working|functioning|operating) (?:as normal|normally) now\b",
        0.8, "back normal normally running",
    ),
    _rule(
        "fixed-now", RES,
        r"\b(?:issues?|problems?|outage|incident|bug|this|it|that|everything|all)(?:'s| is| are| has been| have been| was)? "
        r"(?:now |all |fully )*(?:resolved|fixed|sorted)(?: now)?(?=\s*(?:[.!,;:)\n]|$|and|thanks|sorry|-|\u2014))|"
        r"\bshould (?:now )?be (?:back(?: up)?|working|fixed|resolved|sorted)(?: again| now)?"
        r"(?=\s*(?:[.!,;:)\n]|$|again|now|for (?:everyone|everybody|all|most)|normally|as (?:normal|expected|usual)|"
        r"and |thanks|sorry|-|\u2014))|"
        r"^\W*(?:(?:and )?we're back(?: up| online)?|we are back(?: up| online)?|all fixed|all good now|all sorted|fixed now)"
        r"(?=\s*(?:[!.,;:\n]|$|and |-|\u2014))",
        0.8, "resolved fixed sorted should back good",
    ),
    _rule(
        "is-back", RES,
        # "Spotify is back! Thanks for your patience": also how a sale returns, hence the context
        r"\b(?:is|are|'s|'re|we're) (?:all |now |fully )?back(?: up| online)?(?: now| again)?"
        r"(?=\s*(?:[.!,;:)\n]|$|and |thanks|sorry|-|\u2014|for (?:everyone|everybody|all|most)))",
        0.75, "back", needs_context=True,
    ),
    _rule(
        "apology-after", RES,
        # a look back: "we apologize for a period of extreme slowness today", "sorry for the earlier outage"
        r"\b(?:apologi[sz]e|sorry) (?:again )?for (?:the |a |an |any |this |today's |yesterday's |last night's )?"
        r"(?:earlier|brief|short|recent|long|lengthy|extended|period of|temporary|unexpected|previous)\b"
        r"(?! delays? (?:in|while))|"
        r"\b(?:apologi[sz]e|apologies|sorry) (?:again )?(?:for|about) (?:the |any |this |that )?(?:\w+ )?"
        r"(?:downtime|outage|disruption|interruption|trouble|issues?|problems?|hiccups?|inconvenience|slowness) "
        r"(?:earlier|this morning|this afternoon|today|yesterday|last night|over the weekend)\b",
        0.8, "apologize apologise apologies sorry", needs_context=True,
    ),
    _rule(
        "able-again", RES,
        r"\b(?:should|will|can|are|is) (?:now )?(?:once again|again) (?:be )?able to\b|"
        r"\bonce again (?:be )?(?:available|working|accessible|able|operational|functional)\b|"
        r"\bable to \w+(?: \w+)? again\b",
        0.75, "again",
    ),
    _rule(
        "all-clear", RES,
        r"^\W*(?:all (?:clear|good|fixed)|fixed|resolved|(?:and )?we're back(?: up)?)\s*[!.]",
        0.75, "clear good fixed resolved back", needs_context=True,
    ),
    _rule(
        "no-longer-affected", RES,
        r"\b(?:users|customers|you|people|everyone|players|members|developers|accounts|snapchatters)\b"
        r"[\w\s,'-]{0,40}?\bno longer (?:be )?(?:experienc|encounter|see|seeing|hav|affected|impacted|receiv)\w*",
        0.75, "longer",
    ),
    _rule(
        "retrospective", RES,
        r"^\W*(?:on|between|from|starting) (?:[\w,:]+ ){0,4}?(?:\d{1,2}(?:st|nd|rd|th)?,? \d{4}\b|"
        r"\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w* \d{4}\b|"
        r"\d{4}-\d{2}-\d{2}\b|\d{1,2}:\d{2}[^.\n]{0,40}?(?:and|to|until|through|-|–) ?[^.\n]{0,30}?\d{1,2}:\d{2})",
        0.85, "on between from starting", needs_context=True,
    ),
    _rule(
        "incident-report", RES,
        r"\bincident (?:start|end)\b|\b(?:incident report|(?:issue|incident|technical) summary)\b|"
        r"\bmay have caused\b|\bpost-?mortem\b|\b(?:here's|here is) (?:a (?:quick |brief |short |full )?"
        r"(?:summary|recap|rundown|look at|write-?up|explanation) of )?what (?:happened|went wrong)\b|"
        r"\broot cause analysis\b|\bretrospective\b",
        0.85, "incident summary caused postmortem mortem here analysis retrospective",
        needs_context=True,
    ),
    # -- maintenance -----------------------------------------------------------------------------
    _rule(
        "maintenance-scheduled", Phase.SCHEDULED,
        r"\b(?:scheduled maintenance|will be (?:performing|undergoing|conducting) (?:\w+ )?maintenance|"
        r"maintenance (?:is )?(?:scheduled|planned)|(?:upcoming|planned) maintenance|will be in a maintenance window)",
        0.8, "maintenance",
    ),
    _rule(
        "maintenance-in-progress", Phase.IN_PROGRESS,
        r"\b(?:maintenance is (?:now |currently )?(?:in progress|underway|under way)|"
        r"(?:are|is) (?:now |currently )?(?:performing|undergoing|conducting) (?:scheduled )?maintenance|"
        r"maintenance has (?:begun|started))",
        0.85, "maintenance",
    ),
    _rule("maintenance-verifying", Phase.VERIFYING, r"\bverif(?:ying|ication)\b", 0.6, "verifying verification"),
    _rule(
        "maintenance-completed", Phase.COMPLETED,
        r"\bmaintenance (?:has been |is |was )?(?:now )?(?:completed?|finished|over|concluded)\b",
        0.9, "maintenance",
    ),
)  # fmt: skip


# Only for a post outside an incident thread: it speaks of an incident but names no phase, so it
# opens one ("We're working to resolve the issue", "Sorry for the trouble, more soon"). In a thread
# (and on a status page) such an update keeps the phase it had.
POST_RULES: tuple[Rule, ...] = (
    _rule(
        "acknowledged", INV,
        r"\bworking (?:\w+ ){0,2}?(?:to|on) (?:fully |quickly )?(?:resolve|resolving|fix|fixing|address|addressing|"
        r"restore|restoring) (?:the |this |these |it\b|service)|\bwe're on it\b|\bworking on (?:it|this|a resolution)\b|"
        r"\b(?:sorry|apologi[sz]e) for (?:the|any) (?:trouble|inconvenience|disruption|issues?)\b|"
        r"\b(?:updates?|more (?:info|information|details)) (?:to follow|soon|shortly)\b|"
        r"\bwe'll (?:share|provide|post) (?:an |more )?(?:updates?|details)\b",
        0.5, "working sorry apologize apologise follow soon shortly share provide post re",
        weak=True, needs_context=True,
    ),
)  # fmt: skip


def _marker(
    name: str,
    pattern: str,
    strength: float,
    keywords: str,
    *,
    outside_thread_only: bool = False,
) -> Marker:
    return Marker(
        name, re.compile(pattern), strength, frozenset(keywords.split()), outside_thread_only
    )


MARKERS: tuple[Marker, ...] = (
    _marker(
        "dm-us",
        r"\b(?:dm us|send us a (?:dm|direct message|private message|message)|"
        r"(?:via|in|by|through|over) (?:a )?(?:dm|direct message|private message)|"
        r"(?:your|the) account (?:details|info(?:rmation)?|email|name|number)|"
        r"(?:click|tap) the (?:little )?envelope|follow these steps)\b",
        0.8,
        "dm direct private send account envelope follow",
    ),
    _marker(
        "reply-courtesy",
        r"\b(?:thanks?(?: you)? for (?:reaching out|contacting us|getting in touch|letting us know|flagging|"
        r"the (?:report|heads[- ]up|feedback|tag|shout-?out|kind words|love|mention))|sorry to hear|"
        r"(?:we'd|we would|we'll|happy to|glad to|here to) (?:be )?(?:happy |glad )?(?:to )?help|"
        r"let's see how we can help|how can we help|we're here (?:for you|to help))",
        0.8,
        "thank thanks sorry help here",
    ),
    _marker(
        "promotion",
        r"\b(?:\d+% off|hurry|limited[- ]time|discount|sale ends|on sale|giveaway|sweepstakes|contest|"
        r"promo(?: code)?|coupon|free trial|webinar|ebook|e-book|case study|learn how|"
        r"(?:detect|prevent|avoid|reduce|monitor|predict) (?:\w+ )?(?:outages|downtime|incidents)|"
        r"black friday|cyber monday|prime day|shop now|order now|buy now|pre-?order|"
        r"use code|here's what we (?:found|learned)|our (?:latest |new |annual )?(?:report|survey|study)\b|"
        r"the (?:latest|new|annual) (?:report|survey|study)\b|"
        r"we (?:surveyed|asked|analy[sz]ed) (?:\d|over|more)|get alerted|alerts? you when)\b",
        0.75,
        "off hurry limited discount sale giveaway sweepstakes contest promo coupon trial webinar ebook book study learn "
        "detect prevent avoid predict reduce monitor black cyber prime shop order preorder pre buy code found learned "
        "survey surveyed asked analyzed analysed alerted alerts alert report",
    ),
    _marker(
        "release-notes",
        r"\b(?:release notes|patch notes|changelog|bug fixes and|what's new in|update (?:is )?(?:now )?out\b|"
        r"version \d+(?:\.\d+)+)",
        0.75,
        "notes changelog fixes what out version",
    ),
    _marker("leading-mention", r"^\s*@\w", 0.75, "", outside_thread_only=True),
    _marker(
        "launch",
        r"\b(?:introducing|now available(?! again)|available (?:now|today|on (?:ios|android|web))|new features?|"
        r"(?:just )?launch(?:ed|ing|es)?\b|announc(?:e|es|ed|ing)|"
        r"(?:we're|we are|i'm) (?:so |very )?(?:excited|thrilled|proud|happy) to|check (?:it )?out(?! (?:our |the )?status)|sign up|"
        r"register (?:now|today)|join us|we're hiring|coming soon|early access|new (?:release|version)|"
        r"tip tuesday)\b",
        0.75,
        "introducing available features feature launch launched launching launches announce announces announced "
        "announcing excited thrilled proud happy check sign register join hiring coming early new tip",
    ),
)  # fmt: skip

# A post outside an incident thread needs one of these before a needs_context rule counts.
INCIDENT_CONTEXT = re.compile(
    r"\b(?:outages?|incidents?|issues?|errors?|degrad\w*|disrupt\w*|interrupt\w*|unavailab\w*|"
    r"unable to|not able to|can't|cannot|trouble|problems?|fail\w*|down|downtime|latency|delay\w*|"
    r"slow\w*|impact\w*|affected|recover\w*|restor\w*|mitigat\w*|(?:hot)?fix\w*|patch\w*|remediat\w*|"
    r"workaround|rollback|broken|bugs?|investigat\w*|connectivity|timeouts?|timing out|5\d\d|offline|back online|"
    r"sorry|apologi[sz]\w*|patience|inconvenience|interruption|hiccups?|glitch\w*|technical difficult\w*)\b"
)
# Maintenance phases are read from a post only when it talks about maintenance.
MAINTENANCE_CONTEXT = re.compile(r"\bmaint(?:enance)?\b|\bscheduled (?:downtime|work)\b")

# Before a match: a negation within a few words drops it ("not yet identified the cause").
NEGATION = re.compile(
    r"(?:\bnot\b|\bno\b|n't\b|\bnever\b|\byet to\b|\bunable to\b|\bwithout\b|\bnor\b)[\w\s,]{0,12}$"
)
# Before a match: advice to the reader ("Workaround: fail over to another region", "customers can
# restart ..."), which says nothing of what the vendor does; the match is dropped.
ADVICE = re.compile(
    r"(?:\bworkaround\W{0,3}|\b(?:customers|users|you) (?:can|could|may|should|might|will need to)\s+|"
    r"\b(?:please|try)\s+(?:\w+\s+)?)$"
)
# The line a match is on: a section that lists symptoms or a workaround (Google Cloud's
# "Diagnosis:", "Workaround:") describes the problem, not how far along the vendor is; dropped.
ASIDE = re.compile(r"\W*(?:impact/)?(?:diagnosis|self-diagnosis|symptoms|workaround)\s*:")
# Before a match: intent, future or purpose ("working to roll out", "will deploy", "once the fix
# has been deployed", "steps to mitigate"). Progress is not intent: "continuing to roll out",
# "starting to see recovery", "attempting to mitigate".
INTENT = re.compile(
    r"\b(?:(?:working|aim\w*|plan\w*|prepar\w*|expect\w*|anticipat\w*|hope|hoping|need|needs|try\w*|"
    r"going|intend\w*|seek\w*|steps|efforts?|order|work) to|"
    r"to be(?<!appear to be)(?<!appears to be)(?<!seem to be)(?<!seems to be)|"
    r"will(?: be)?|we'll|should|once|before|after|when|until)\s+(?:\w+\s+){0,3}$|"
    # a bare "to" just before the match, unless it follows a verb of progress
    r"\bto(?<!continue to)(?<!continues to)(?<!continuing to)(?<!started to)(?<!starting to)"
    r"(?<!begun to)(?<!began to)(?<!beginning to)(?<!attempting to)\s+$"
)
