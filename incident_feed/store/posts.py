"""Set-aside social posts: what a social source posted that is not an incident update (reposts,
news, a brand account's posts read without confidence). Kept cheaply, one row per post (text cut
at :data:`KEPT_TEXT` characters), to be shown on demand by ``posts SOURCE``; never an incident,
never listed as an outage, never notified. A post that later becomes an incident update (an edit
made it one) leaves this table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select

from incident_feed.normalize.drafts import MAX_LINE, SetAside
from incident_feed.store.database import Store
from incident_feed.store.tables import RECORD, SET_ASIDE, UPDATE

KEPT_TEXT = 2_000  # characters of a set-aside post's text kept
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class StoredPost:
    """One post of a social source as ``posts`` shows it: set aside, or an incident update."""

    native_id: str
    at: dt.datetime
    text: str
    url: str | None
    phase: str | None  # the classifier's reading (an update's phase; None: no phase read)
    reason: str  # set aside: why; an update: "incident update"
    evidence: str
    incident_id: str | None = None  # the incident it is an update of
    deleted: bool = False


def keep_set_aside(
    store: Store, source_name: str, posts: Iterable[SetAside], now: dt.datetime
) -> int:
    """Store (or refresh) a source's set-aside posts; returns how many rows were written. Posts
    holding a value that cannot be stored (a NUL, a lone surrogate) are skipped."""
    rows = {}
    for post in posts:
        row = _row(source_name, post, now)
        if row is not None:
            rows[post.native_id] = row
    if not rows:
        return 0
    values = list(rows.values())
    statement = store._insert(SET_ASIDE)
    refreshed = ("at", "text", "url", "reason", "phase", "evidence")  # not first_seen_at
    statement = statement.on_conflict_do_update(
        index_elements=["source_name", "native_id"],
        set_={name: statement.excluded[name] for name in refreshed},
    )
    with store.write() as conn:
        for start in range(0, len(values), _CHUNK):
            conn.execute(statement, values[start : start + _CHUNK])
    return len(values)


def forget_set_aside(store: Store, source_name: str, native_ids: Iterable[str]) -> None:
    """Remove set-aside rows of posts that are now incident updates."""
    wanted = sorted(set(native_ids))
    if not wanted:
        return
    with store.write() as conn:
        for start in range(0, len(wanted), _CHUNK):
            conn.execute(
                delete(SET_ASIDE).where(
                    SET_ASIDE.c.source_name == source_name,
                    SET_ASIDE.c.native_id.in_(wanted[start : start + _CHUNK]),
                )
            )


def source_posts(
    store: Store, source_name: str, *, include_updates: bool = False, limit: int = 50
) -> list[StoredPost]:
    """A source's newest posts: the set-aside ones, and with ``include_updates`` the ones that
    are incident updates too; newest first, at most ``limit``."""
    with store.read() as conn:
        aside = conn.execute(
            select(SET_ASIDE)
            .where(SET_ASIDE.c.source_name == source_name)
            .order_by(SET_ASIDE.c.at.desc(), SET_ASIDE.c.native_id)
            .limit(limit)
        ).mappings()
        out = [
            StoredPost(r["native_id"], r["at"], r["text"], r["url"], r["phase"], r["reason"],
                       r["evidence"])
            for r in aside
        ]  # fmt: skip
        if include_updates:
            updates = conn.execute(
                select(UPDATE)
                .where(UPDATE.c.source_name == source_name)
                .order_by(UPDATE.c.at.desc(), UPDATE.c.native_id)
                .limit(limit)
            ).mappings()
            out += [
                StoredPost(u["native_id"], u["at"], u["text"], u["url"], u["phase"],
                           "incident update", u["evidence"], u["incident_id"],
                           u["deleted_at"] is not None)
                for u in updates
            ]  # fmt: skip
    out.sort(key=lambda p: (p.at, p.native_id), reverse=True)
    return out[:limit]


def has_posts(store: Store, source_name: str) -> bool:
    """Whether anything of ``source_name`` is stored (set aside or recorded)."""
    with store.read() as conn:
        for table in (SET_ASIDE, RECORD):
            found = conn.execute(
                select(table.c.native_id).where(table.c.source_name == source_name).limit(1)
            ).first()
            if found is not None:
                return True
    return False


def _row(source_name: str, post: SetAside, now: dt.datetime) -> dict[str, object] | None:
    text = post.text[:KEPT_TEXT]
    url = post.url if post.url and len(post.url) <= MAX_LINE else None
    values = (post.native_id, text, post.reason, post.evidence[:MAX_LINE], url or "")
    if len(post.native_id) > MAX_LINE or not all(_storable(v) for v in values):
        return None
    return {
        "source_name": source_name,
        "native_id": post.native_id,
        "at": post.stamp.at,
        "text": text,
        "url": url,
        "reason": post.reason[:MAX_LINE],
        "phase": post.phase.value if post.phase is not None else None,
        "evidence": post.evidence[:MAX_LINE],
        "first_seen_at": now,
    }


def _storable(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
