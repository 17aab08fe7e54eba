"""What the normalizer produces: frozen drafts of incidents and their updates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from incident_feed.enums import ComponentState, Impact, Kind, Phase

MAX_ITEMS = 5000  # items read from one fetched document; the rest is reported as dropped


@dataclass(frozen=True, slots=True)
class Context:
    """What a normalizer knows besides the payload."""

    source_name: str
    source_kind: str
    vendor: str
    now: dt.datetime
    # Items read from one document. None reads every item: `import` does, since the file size
    # cap already bounds the work and an archive must not lose its oldest incidents.
    max_items: int | None = MAX_ITEMS
    # The page's IANA zone for times without an offset (config ``timezone``; Cachet); None: UTC,
    # flagged as assumed.
    zone: str | None = None


@dataclass(frozen=True, slots=True)
class Component:
    """An affected component or product, as the source names it."""

    name: str
    id: str | None = None

    def as_json(self) -> dict[str, str | None]:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True, slots=True)
class Stamp:
    """A parsed time: UTC value, the source's raw string, and how it was interpreted."""

    at: dt.datetime
    raw: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UpdateDraft:
    """One update of an incident's thread."""

    native_id: str
    stamp: Stamp
    phase: Phase
    label: str | None
    evidence: str
    text: str
    url: str | None = None
    components: tuple[Component, ...] = ()
    refs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IncidentDraft:
    """One incident as one source record describes it.

    ``key`` identifies the incident within its vendor across sources (a Statuspage incident id
    is the same in the API and in the Atom feed's links), so records merge into one incident.
    """

    key: str
    native_id: str
    vendor: str
    kind: Kind
    title: str
    impact: Impact
    updates: tuple[UpdateDraft, ...]
    url: str | None = None
    status_label: str | None = None
    postmortem: bool = False
    started: Stamp | None = None
    resolved: Stamp | None = None
    scheduled_for: dt.datetime | None = None
    scheduled_until: dt.datetime | None = None
    components: tuple[Component, ...] = ()
    # Social posts only: the native id of the post this one replies to, when the account replies
    # to itself (a thread continues). ``pipeline`` rewrites ``key`` to the thread root's key.
    reply_to: str | None = None
    # Social posts only: the classifier is confident the post is an incident update
    # (:func:`incident_feed.normalize.social.confident`). A brand account's post opens a thread
    # only when it is; a continuation of an open thread is read either way.
    confident: bool = True


def one_per_record(drafts: list[IncidentDraft]) -> list[IncidentDraft]:
    """One draft per native id: a source's documents may list an incident twice (Statuspage's
    ``summary.json`` repeats the open incidents of ``incidents.json``); the draft with the most
    updates is kept (on a tie, the later one), in the order the ids first came."""
    kept: dict[str, IncidentDraft] = {}
    for draft in drafts:
        seen = kept.get(draft.native_id)
        if seen is None or len(draft.updates) >= len(seen.updates):
            kept[draft.native_id] = draft
    return list(kept.values())


MAX_TEXT = 200_000  # characters of one update's text: far beyond any real postmortem
MAX_LINE = 2_000  # characters of a title, label, name, id, URL or raw time


def unstorable(draft: IncidentDraft) -> str | None:
    """Why ``draft`` cannot be stored, or None.

    Normalizers clean the text they read; this is the last check before the store, for a value
    that got through uncleaned: a NUL (PostgreSQL text refuses it), a lone surrogate (cannot be
    encoded) or an absurd length. The item is skipped with this reason, the document goes on.
    """
    for where, what, value, limit in _fields(draft):
        if value is None or (
            len(value) <= limit
            and "\x00" not in value
            and (value.isascii() or not _SURROGATE.search(value))
        ):
            continue
        name = f"{where} {what}" if where else what
        if len(value) > limit:
            return f"{name} is {len(value):,} characters (limit {limit:,})"
        if "\x00" in value:
            return f"{name} holds a NUL character"
        return f"{name} holds a lone surrogate"
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")  # what UTF-8 cannot encode


def _fields(draft: IncidentDraft) -> Iterator[tuple[str, str, str | None, int]]:
    """Every text value of ``draft`` to store: (where, what, value, limit)."""
    yield "", "key", draft.key, MAX_LINE
    yield "", "native id", draft.native_id, MAX_LINE
    yield "", "vendor", draft.vendor, MAX_LINE
    yield "", "title", draft.title, MAX_LINE
    yield "", "url", draft.url, MAX_LINE
    yield "", "status", draft.status_label, MAX_LINE
    yield "", "reply_to", draft.reply_to, MAX_LINE
    yield "", "start time", draft.started.raw if draft.started else None, MAX_LINE
    yield "", "resolve time", draft.resolved.raw if draft.resolved else None, MAX_LINE
    for component in draft.components:
        yield "", "component", component.name, MAX_LINE
        yield "", "component", component.id, MAX_LINE
    for update in draft.updates:
        where = f"update {update.native_id[:60]!r}"
        yield where, "id", update.native_id, MAX_LINE
        yield where, "time", update.stamp.raw, MAX_LINE
        yield where, "label", update.label, MAX_LINE
        yield where, "evidence", update.evidence, MAX_LINE
        yield where, "text", update.text, MAX_TEXT
        yield where, "url", update.url, MAX_LINE
        for ref in update.refs:
            yield where, "reference", ref, MAX_LINE
        for component in update.components:
            yield where, "component", component.name, MAX_LINE
            yield where, "component", component.id, MAX_LINE


@dataclass(frozen=True, slots=True)
class ItemProblem:
    """One item of a payload that could not be used, and why."""

    item: str
    message: str
    dropped: int = 0  # items not read at all (over Context.max_items)

    def __str__(self) -> str:
        return f"{self.item}: {self.message}"


@dataclass(frozen=True, slots=True)
class Seen:
    """What a document shows of a timeline, to notice posts deleted upstream (social sources).

    ``native_ids`` are every post the document lists, drafts or not; ``since`` is the time of the
    oldest of them. A stored update of the source timed at or after ``since`` whose native id is
    not listed was deleted (the timeline is newest first, so nothing in that span is missing
    for any other reason).
    """

    native_ids: frozenset[str]
    since: dt.datetime

    def __or__(self, other: Seen) -> Seen:
        return Seen(self.native_ids | other.native_ids, min(self.since, other.since))


@dataclass(frozen=True, slots=True)
class ComponentStatus:
    """One component of a status page as the page shows it now."""

    name: str
    state: ComponentState
    id: str | None = None
    group: str | None = None  # the group the page lists it under, when it groups components


@dataclass(frozen=True, slots=True)
class PageStatus:
    """A status page's current state, read from its summary document.

    ``indicator`` is the page's overall state on the impact scale (``none`` = all operational,
    ``maintenance``, ``minor``, ``major``, ``critical``; ``unknown`` when the page does not say);
    ``description`` its own words ("All Systems Operational"); ``updated`` when the page says it
    last changed, None when it does not.
    """

    indicator: Impact
    description: str
    components: tuple[ComponentStatus, ...] = ()
    updated: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class SetAside:
    """A social post read fine that is not an incident update: kept (``posts SOURCE``) so a
    reader can check what the classifier left out, never listed as an outage or notified."""

    native_id: str
    stamp: Stamp
    text: str
    reason: str  # why it is no incident update: a repost, a reply to another account, ...
    url: str | None = None
    phase: Phase | None = None  # the classifier's reading, when it named a phase
    evidence: str = ""  # what the classifier matched (phrase, rule, confidence), if anything


@dataclass(frozen=True, slots=True)
class ParseResult:
    """Drafts from one document, plus the items that were skipped."""

    drafts: tuple[IncidentDraft, ...] = ()
    problems: tuple[ItemProblem, ...] = field(default_factory=tuple)
    ignored: int = 0  # items read fine that are not incident updates (social posts: news, replies)
    seen: Seen | None = None  # social timelines: the span of posts the document covers
    status: PageStatus | None = None  # summary documents: the page's current state
    set_aside: tuple[SetAside, ...] = ()  # social posts: the ignored posts themselves
