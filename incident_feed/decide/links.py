"""Social threads <-> status-page incidents of the same vendor.

A thread is linked to the incident it announces by explicit references first (a link to the
incident in a post, or the post's id named on a Statuspage update as ``tweet_id``), then by
time: within :data:`CLOSE` of each other on time alone, further apart only with product and
component words both sides use (more words, more confidence). Each link keeps its confidence
and reason. Status-page incidents that the same thread announces within :data:`GROUP_WINDOW` of
each other are grouped as one outage. A link a user undid (``state = rejected``) is never
proposed again; a link a user made (``manual``) is never replaced.

Only incidents of the vendor inside :data:`WINDOW` of a changed incident are read: linking a
new batch never rescans the history.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

WINDOW = dt.timedelta(hours=6)
CLOSE = dt.timedelta(minutes=30)  # a thread and an incident this close are linked on time alone
GROUP_WINDOW = dt.timedelta(minutes=30)
THRESHOLD = 0.6
SAME, GROUP = "same", "group"
AUTO, MANUAL, REJECTED = "auto", "manual", "rejected"
_WORD = re.compile(r"[a-z0-9][a-z0-9+.#-]*[a-z0-9+#]|[a-z0-9]", re.IGNORECASE)
# Words every outage message uses: sharing them says nothing about which incident it is.
_GENERIC = frozenset(
    """a an and are as at be been being but by can for from has have in is it its of on or our
    some that the this to we were with you your all any issue issues problem problems error errors
    elevated degraded degradation performance outage outages partial major minor disruption
    incident incidents investigating identified monitoring resolved fix fixed users customers
    service services affecting affected experiencing impact impacted increased rates latency
    access accessing currently working looking into update updates more details soon now right
    some being are facing availability""".split()
)


@dataclass(slots=True)
class Side:
    """One incident, as linking sees it."""

    id: str
    vendor: str
    started_at: dt.datetime
    ended_at: dt.datetime
    social: bool
    title: str
    texts: list[str] = field(default_factory=list)
    refs: set[str] = field(default_factory=set)
    urls: set[str] = field(default_factory=set)
    natives: set[str] = field(default_factory=set)
    components: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Link:
    incident_id: str
    target_id: str
    kind: str
    confidence: float
    reason: str


def score(thread: Side, incident: Side) -> Link | None:
    """How surely ``thread`` (social) announces ``incident`` (status page); None: not at all."""
    explicit = _explicit(thread, incident)
    if explicit is not None:
        return Link(thread.id, incident.id, SAME, 1.0, explicit)
    gap = abs(thread.started_at - incident.started_at)
    overlaps = (
        incident.started_at - dt.timedelta(hours=1)
        <= thread.started_at
        <= (incident.ended_at + dt.timedelta(hours=1))
    )
    if gap > WINDOW and not overlaps:
        return None
    shared = sorted(_words(thread.texts) & _incident_words(incident))
    time_score = 0.6 if gap <= CLOSE else 0.45 if gap <= dt.timedelta(hours=2) else 0.3
    word_score = min(0.35, 0.2 + 0.1 * (len(shared) - 1)) if shared else 0.0
    confidence = round(min(0.95, time_score + word_score), 2)
    if confidence < THRESHOLD:
        return None
    minutes = int(gap.total_seconds() // 60)
    reason = f"started {_span(minutes)} apart; " + (
        f"both name {', '.join(shared[:5])}" if shared else "no product or component named"
    )
    return Link(thread.id, incident.id, SAME, confidence, reason)


def _explicit(thread: Side, incident: Side) -> str | None:
    for ref in sorted(thread.refs):
        url = ref.rstrip("/")
        if url in incident.urls:
            return f"a post links to {url}"
        for native in incident.natives:
            if url.endswith(f"/incidents/{native}") or f"/incidents/{native}?" in url:
                return f"a post links to {url}"
    for native in sorted(thread.natives):
        if f"tweet:{native}" in incident.refs:
            return f"the status page names post {native} (tweet_id)"
    return None


def _span(minutes: int) -> str:
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"


def _words(texts: Iterable[str]) -> set[str]:
    return {w.lower() for text in texts for w in _WORD.findall(text)} - _GENERIC


def _incident_words(incident: Side) -> set[str]:
    return _words([incident.title, *incident.components])


def plan_links(thread: Side, candidates: Sequence[Side], rejected: set[str]) -> list[Link]:
    """The thread's best incident, plus the other incidents it announces as one outage."""
    scored = [
        link
        for candidate in candidates
        if candidate.id not in rejected and (link := score(thread, candidate)) is not None
    ]
    if not scored:
        return []
    starts = {c.id: c.started_at for c in candidates}
    best = max(
        scored,
        key=lambda link: (
            link.confidence,
            -abs((starts[link.target_id] - thread.started_at).total_seconds()),
        ),
    )
    links = [best]
    for other in scored:
        if other is best or abs(starts[other.target_id] - starts[best.target_id]) > GROUP_WINDOW:
            continue
        links.append(
            Link(
                other.target_id,
                best.target_id,
                GROUP,
                other.confidence,
                f"one outage: {thread.id} announces both ({other.reason})",
            )
        )
    return links


def link_row(link: Link, state: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "incident_id": link.incident_id,
        "target_id": link.target_id,
        "kind": link.kind,
        "confidence": link.confidence,
        "reason": link.reason,
        "state": state,
        "created_at": now,
    }


def near_any(at: dt.datetime, sorted_times: Sequence[dt.datetime], span: dt.timedelta) -> bool:
    """Whether ``at`` is within ``span`` of one of ``sorted_times``."""
    index = bisect.bisect_left(sorted_times, at - span)
    return index < len(sorted_times) and sorted_times[index] <= at + span


def longest_thread(threads: Iterable[Side]) -> dt.timedelta:
    """How long the longest thread ran: an incident may start while a thread is still open."""
    return max((t.ended_at - t.started_at for t in threads), default=dt.timedelta())


# -- reading links ----------------------------------------------------------------------------


def other_end(link: Mapping[Any, Any], incident_id: str) -> str:
    """The incident at the other end of ``link`` from ``incident_id``."""
    return str(link["target_id"] if link["incident_id"] == incident_id else link["incident_id"])


def joined(
    links: Iterable[Mapping[Any, Any]], incident_id: str, kinds: Iterable[str] = (SAME, GROUP)
) -> list[str]:
    """The incidents ``links`` join to ``incident_id`` (links of ``kinds``, not undone)."""
    wanted = set(kinds)
    return [
        other_end(link, incident_id)
        for link in links
        if link["kind"] in wanted and link["state"] != REJECTED
    ]


def ordered_links(links: Iterable[Mapping[Any, Any]]) -> list[Mapping[Any, Any]]:
    return sorted(links, key=lambda r: (r["state"] == REJECTED, -r["confidence"]))


@dataclass(frozen=True, slots=True)
class Channels:
    """When each channel first spoke about an incident (its own and its linked incidents')."""

    first_social_at: dt.datetime | None
    first_status_at: dt.datetime | None
    links: tuple[Mapping[Any, Any], ...] = ()
