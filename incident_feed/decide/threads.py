"""Social posts -> threads, before they are stored.

A social collector turns each post that is an incident update into its own draft. Here the
drafts of one account are gathered into threads:

- a reply to the account's own post continues that post's thread (the parent may be in this
  batch or stored by an earlier run);
- a post that is not a reply but reads as a follow-up (remediating, monitoring, resolved, in
  progress, verifying, completed) joins the account's most recent open thread when that
  thread moved within :data:`FOLLOW_UP_WINDOW`; so does an ``identified`` post when that
  thread is still ``investigating`` (the cause found: Statuspage's usual second step; after
  that, "identified" names a new problem), and a post that says the work goes on ("we are
  continuing to investigate", :func:`~incident_feed.normalize.social.says_ongoing`);
- anything else starts a new thread; on a brand account (``role = "brand"``, mostly news) only
  when the classifier was confident the post is an incident update: a post that would open a
  thread without that confidence is held back (kept as "not an incident", never a thread).

A feed of posts without reply ids (``account-feed``) is threaded by the second rule alone:
consecutive incident posts within the window continue a thread, a resolution closes it.

:func:`plan_threads` is pure: :func:`incident_feed.store.threads.thread_posts` reads what it
needs from the store and calls it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from incident_feed.config import slugify
from incident_feed.decide.merge import incident_id_for
from incident_feed.enums import FINAL_PHASES, Kind, Phase
from incident_feed.normalize.drafts import IncidentDraft, SetAside
from incident_feed.normalize.social import CONTINUATION, PARENT_UNSEEN, says_ongoing

FOLLOW_UP_WINDOW = dt.timedelta(hours=12)
HELD = "brand account: not read confidently enough as an incident update to open a thread"
# Phases a post can open a thread with; a post in a later phase is a follow-up when it can be.
OPENING_PHASES = frozenset({Phase.INVESTIGATING, Phase.IDENTIFIED, Phase.SCHEDULED})


@dataclass(frozen=True, slots=True)
class Thread:
    """A thread as far as threading needs it: where its posts go and how it stands."""

    key: str
    title: str
    kind: Kind
    phase: Phase
    last_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Planned:
    """Threaded drafts, and (brand accounts) the posts held back from opening a thread."""

    drafts: list[IncidentDraft]
    held: list[IncidentDraft]


def plan_threads(
    drafts: Sequence[IncidentDraft],
    parents: Mapping[str, Thread],
    open_threads: Sequence[Thread],
    *,
    brand: bool = False,
) -> Planned:
    """The drafts with each post's ``key``, ``title`` and ``kind`` set to its thread's.

    ``parents`` maps stored posts' native ids to their threads; ``open_threads`` are the
    account's unresolved threads, oldest first. With ``brand``, a post that would open a thread
    is held back unless :attr:`IncidentDraft.confident`.
    """
    known: dict[str, Thread] = dict(parents)
    open_: list[Thread] = list(open_threads)
    out: list[IncidentDraft] = []
    held: list[IncidentDraft] = []
    for draft in sorted(drafts, key=posted_at):
        at, phase = posted_at(draft), _phase(draft)
        thread = known.get(draft.reply_to) if draft.reply_to else None
        if thread is None and draft.reply_to is None:
            thread = _follow_up_target(open_, at, phase, _says_ongoing(draft))
        if thread is None and brand and not draft.confident:
            held.append(draft)
            continue
        if thread is None:
            thread = Thread(draft.key, draft.title, draft.kind, phase, at)
        else:
            draft = replace(draft, key=thread.key, title=thread.title, kind=thread.kind)
            last = draft.updates[-1] if draft.updates else None
            if last is not None and last.evidence.startswith(CONTINUATION):
                # A reply that says nothing of the phase keeps the thread's phase (its parent
                # may have been re-decided, or stored by an earlier run).
                phase = thread.phase
                evidence = last.evidence
                if evidence == PARENT_UNSEEN:
                    evidence = f"{CONTINUATION}: phase of the thread it continues"
                continued = replace(last, phase=phase, evidence=evidence)
                draft = replace(draft, updates=(*draft.updates[:-1], continued))
        moved = replace(thread, phase=phase, last_at=max(at, thread.last_at))
        open_ = [t for t in open_ if t.key != thread.key]
        if phase not in FINAL_PHASES:
            open_.append(moved)
        for native, known_thread in list(known.items()):
            if known_thread.key == thread.key:
                known[native] = moved
        known[draft.native_id] = moved
        out.append(draft)
    return Planned(out, held)


def held_post(draft: IncidentDraft) -> SetAside:
    """A post :func:`plan_threads` held back, as the set-aside post it is kept as."""
    update = draft.updates[-1] if draft.updates else None
    stamp = update.stamp if update is not None else draft.started
    if stamp is None:
        raise ValueError(f"post {draft.native_id!r} has no time")
    return SetAside(
        native_id=draft.native_id,
        stamp=stamp,
        text=update.text if update is not None else draft.title,
        reason=HELD,
        url=draft.url,
        phase=update.phase if update is not None else None,
        evidence=update.evidence if update is not None else "",
    )


def _follow_up_target(
    open_threads: Sequence[Thread], at: dt.datetime, phase: Phase, ongoing: bool
) -> Thread | None:
    """The open thread a post in ``phase`` (not a reply) continues: the most recent one that
    moved within the window, when the post can follow it; else None (the post opens one)."""
    recent = [t for t in open_threads if t.last_at <= at and at - t.last_at <= FOLLOW_UP_WINDOW]
    if not recent:
        return None
    latest = max(recent, key=lambda t: t.last_at)
    if ongoing and phase != Phase.SCHEDULED:
        return latest
    if phase == Phase.IDENTIFIED:
        return latest if latest.phase == Phase.INVESTIGATING else None
    return latest if phase not in OPENING_PHASES else None


def _says_ongoing(draft: IncidentDraft) -> bool:
    return bool(draft.updates) and says_ongoing(draft.updates[-1].text)


def posted_at(draft: IncidentDraft) -> dt.datetime:
    return draft.updates[0].stamp.at if draft.updates else dt.datetime.min.replace(tzinfo=dt.UTC)


def _phase(draft: IncidentDraft) -> Phase:
    return draft.updates[-1].phase if draft.updates else Phase.INVESTIGATING


def stored_thread(vendor: str, row: Any) -> Thread | None:
    key = key_of(vendor, row.id)
    if key is None:
        return None
    return Thread(key, row.title, Kind(row.kind), Phase(row.phase), row.updated_at)


def key_of(vendor: str, incident_id: str) -> str | None:
    """The draft key that gives ``incident_id`` for ``vendor``; None when it was hashed."""
    prefix = f"{slugify(vendor)}-"
    if not incident_id.startswith(prefix):
        return None
    key = incident_id[len(prefix) :]
    return key if incident_id_for(vendor, key) == incident_id else None
