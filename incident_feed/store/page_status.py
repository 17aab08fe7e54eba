"""Each source's current page state (:class:`PageStatus`), kept from its last summary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, select, update

from incident_feed.normalize.drafts import PageStatus
from incident_feed.store.tables import PAGE_STATUS

if TYPE_CHECKING:
    from incident_feed.store.database import Store


def write_page_status(
    conn: Connection, source_name: str, vendor: str, status: PageStatus, now: dt.datetime
) -> None:
    """Replace the source's stored state with ``status`` (read at ``now``), inside the caller's
    transaction (a collection writes it with the drafts of the same documents)."""
    row = {
        "source_name": source_name,
        "vendor": vendor,
        "fetched_at": now,
        "indicator": status.indicator.value,
        "description": status.description,
        "updated_at": status.updated,
        "components": [
            {"name": c.name, "state": c.state.value, "id": c.id, "group": c.group}
            for c in status.components
        ],
    }
    conn.execute(delete(PAGE_STATUS).where(PAGE_STATUS.c.source_name == source_name))
    conn.execute(PAGE_STATUS.insert().values(**row))


def record_page_status(
    store: Store, source_name: str, vendor: str, status: PageStatus, now: dt.datetime
) -> None:
    """:func:`write_page_status` in a transaction of its own."""
    with store.write() as conn:
        write_page_status(conn, source_name, vendor, status, now)


def confirm_page_status(store: Store, source_name: str, now: dt.datetime) -> bool:
    """The page said its summary is unchanged (304): the stored state still holds at ``now``.
    False when no state is stored for the source."""
    with store.write() as conn:
        return confirm_page_status_in(conn, source_name, now)


def confirm_page_status_in(conn: Connection, source_name: str, now: dt.datetime) -> bool:
    """:func:`confirm_page_status` inside the caller's transaction (the one recording the
    source's attempt)."""
    done = conn.execute(
        update(PAGE_STATUS)
        .where(PAGE_STATUS.c.source_name == source_name, PAGE_STATUS.c.fetched_at < now)
        .values(fetched_at=now)
    )
    return bool(done.rowcount)


def read_page_statuses(store: Store) -> dict[str, Mapping[str, Any]]:
    """Every stored page state, by source name."""
    with store.read() as conn:
        rows = conn.execute(select(PAGE_STATUS)).mappings().all()
    return {row["source_name"]: dict(row) for row in rows}
