"""The stored side of social threads: the parents and open threads a batch of posts continues,
read from the store for :func:`incident_feed.decide.threads.plan_threads`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, select

from incident_feed.decide.threads import (
    FOLLOW_UP_WINDOW,
    Planned,
    Thread,
    plan_threads,
    posted_at,
    stored_thread,
)
from incident_feed.enums import FINAL_PHASES
from incident_feed.normalize.drafts import IncidentDraft
from incident_feed.store.database import INCIDENT, RECORD, Store


def thread_posts(
    store: Store,
    source_name: str,
    vendor: str,
    drafts: Sequence[IncidentDraft],
    *,
    brand: bool = False,
) -> Planned:
    """:func:`plan_threads` with the stored parents and open threads of one source.

    Only the source's own records inside the follow-up window are read, never the history.
    """
    if not drafts:
        return Planned([], [])
    batch = {d.native_id for d in drafts}
    wanted = sorted({d.reply_to for d in drafts if d.reply_to and d.reply_to not in batch})
    earliest = min(posted_at(d) for d in drafts) - FOLLOW_UP_WINDOW
    columns = (
        RECORD.c.native_id,
        INCIDENT.c.id,
        INCIDENT.c.title,
        INCIDENT.c.kind,
        INCIDENT.c.phase,
        INCIDENT.c.updated_at,
    )
    parents: dict[str, Thread] = {}
    open_threads: dict[str, Thread] = {}
    with store.read() as conn:

        def threads_where(*conditions: Any) -> list[tuple[str, Thread]]:
            statement = (
                select(*columns)
                .select_from(RECORD.join(INCIDENT, INCIDENT.c.id == RECORD.c.incident_id))
                .where(and_(RECORD.c.source_name == source_name, *conditions))
            )
            found = [(row.native_id, stored_thread(vendor, row)) for row in conn.execute(statement)]
            return [(native, thread) for native, thread in found if thread is not None]

        for start in range(0, len(wanted), 500):
            parents.update(threads_where(RECORD.c.native_id.in_(wanted[start : start + 500])))
        still_open = threads_where(
            INCIDENT.c.phase.not_in([p.value for p in FINAL_PHASES]),
            INCIDENT.c.updated_at >= earliest,
        )
        open_threads.update((thread.key, thread) for _, thread in still_open)
    ordered = sorted(open_threads.values(), key=lambda t: t.last_at)
    return plan_threads(drafts, parents, ordered, brand=brand)
