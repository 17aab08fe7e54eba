"""A write costs what changed (issue 13), on both backends.

Collecting documents again that changed nothing rewrites no row; a changed update rewrites that
row alone; and outages refreshed in place (only changed rows written) equal outages rebuilt from
scratch. Row writes are counted by the database itself: a row trigger on each table logs every
insert, update and delete into a table of the test's own.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from incident_feed.config import SourceConfig
from incident_feed.pipeline import Ingested, ingest
from incident_feed.sources.base import Document
from incident_feed.sources.registry import collector_for
from incident_feed.store.database import Store
from incident_feed.store.links import link_changed, manual_link, unlink
from incident_feed.store.outages import rebuild_outages
from incident_feed.store.tables import LINK, MEMBER, OUTAGE
from incident_feed.store.threads import thread_posts
from tests.decide.linking.posts import SOCIAL, STATUS, seed_posts, seed_status_drafts
from tests.store.helpers import BOTH_SOURCES_ID, NOW, api_incident_id, history_ids, load_history

SOURCE = SourceConfig(name="github", vendor="GitHub", kind="statuspage", url="file://import")
WATCHED = (
    "incident",
    "incident_update",
    "incident_source",
    "incident_link",
    "outage",
    "outage_member",
)
IDS = [*history_ids()[:24], BOTH_SOURCES_ID]


def _install_write_log(store: Store) -> None:
    with store.write() as conn:
        conn.exec_driver_sql("CREATE TABLE test_row_write (tbl VARCHAR NOT NULL, op VARCHAR)")
        if store.dialect == "postgresql":
            conn.exec_driver_sql(
                "CREATE FUNCTION test_log_row_write() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN INSERT INTO test_row_write VALUES (TG_TABLE_NAME, TG_OP); RETURN NULL; "
                "END $$"
            )
        for table in WATCHED:
            if store.dialect == "postgresql":
                conn.exec_driver_sql(
                    f"CREATE TRIGGER test_write_{table} AFTER INSERT OR UPDATE OR DELETE "
                    f"ON {table} FOR EACH ROW EXECUTE FUNCTION test_log_row_write()"
                )
                continue
            for op in ("INSERT", "UPDATE", "DELETE"):
                conn.exec_driver_sql(
                    f"CREATE TRIGGER test_write_{table}_{op.lower()} AFTER {op} ON {table} "
                    f"BEGIN INSERT INTO test_row_write VALUES ('{table}', '{op}'); END"
                )


@contextmanager
def row_writes(store: Store) -> Iterator[Counter[tuple[str, str]]]:
    """The rows written to the watched tables while the block runs, as the database's triggers
    logged them: ``(table, INSERT|UPDATE|DELETE) -> rows``."""
    with store.write() as conn:
        conn.exec_driver_sql("DELETE FROM test_row_write")
    written: Counter[tuple[str, str]] = Counter()
    yield written
    with store.read() as conn:
        written.update(conn.exec_driver_sql("SELECT tbl, op FROM test_row_write").all())


def _documents(
    changes: dict[str, Any] | None = None, *, indent: int | None = None
) -> list[Document]:
    documents = []
    for incident_id in IDS:
        payload = (changes or {}).get(incident_id) or load_history(incident_id)
        body = json.dumps(payload, indent=indent).encode()
        documents.append(
            Document(f"{incident_id}.json", body, {"content-type": "application/json"})
        )
    return documents


def _ingest(store: Store, documents: list[Document], now: dt.datetime) -> Ingested:
    result = ingest(store, SOURCE, collector_for("statuspage"), documents, lambda: now)
    assert result.errors == [] and result.problems == []
    return result


def test_collecting_unchanged_documents_again_writes_no_row(any_store: Store) -> None:
    first = _ingest(any_store, _documents(), NOW)
    assert first.stats.incidents_new == len(IDS)
    _install_write_log(any_store)
    with row_writes(any_store) as written:
        # Other bytes, the same content (as a page re-rendered since), read an hour later.
        again = _ingest(any_store, _documents(indent=2), NOW + dt.timedelta(hours=1))
    assert again.stats.rows_written == 0 and again.stats.changed_ids == []
    assert written == Counter()


def test_a_changed_update_rewrites_its_row_and_nothing_else(any_store: Store) -> None:
    _ingest(any_store, _documents(), NOW)
    _install_write_log(any_store)
    edited = load_history(BOTH_SOURCES_ID)
    last = edited["incident"]["incident_updates"][0]
    assert last["status"] == "resolved"  # a label that decides the phase whatever the text says
    last["body"] += " We are sorry for the disruption."
    with row_writes(any_store) as written:
        result = _ingest(any_store, _documents({BOTH_SOURCES_ID: edited}), NOW)
    assert (result.stats.updates_changed, result.stats.rows_written) == (1, 1)
    # The incident, its summary and its outage are the same: their rows are not rewritten.
    assert written == Counter({("incident_update", "UPDATE"): 1})


def test_a_new_update_writes_its_row_its_incident_and_its_outage(any_store: Store) -> None:
    _ingest(any_store, _documents(), NOW)
    _install_write_log(any_store)
    edited = load_history(BOTH_SOURCES_ID)
    updates = edited["incident"]["incident_updates"]
    later = {**updates[0], "id": "test-postmortem-note", "body": "We published a postmortem."}
    later["created_at"] = later["display_at"] = "2022-11-04T20:00:00.000Z"
    updates.insert(0, later)
    with row_writes(any_store) as written:
        result = _ingest(any_store, _documents({BOTH_SOURCES_ID: edited}), NOW)
    assert result.stats.changed_ids == [api_incident_id(BOTH_SOURCES_ID)]
    assert written == Counter(
        {("incident_update", "INSERT"): 1, ("incident", "UPDATE"): 1, ("outage", "UPDATE"): 1}
    )


def _outages(store: Store) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    with store.read() as conn:
        outages = [dict(r) for r in conn.execute(select(OUTAGE).order_by(OUTAGE.c.id)).mappings()]
        members = [tuple(r) for r in conn.execute(select(MEMBER).order_by(MEMBER.c.incident_id))]
    return outages, members  # type: ignore[return-value]


def _rebuilt(store: Store) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    with store.write() as conn:
        rebuild_outages(conn)
    return _outages(store)


def test_outages_refreshed_in_place_equal_outages_rebuilt(any_store: Store) -> None:
    _ingest(any_store, _documents(), NOW)
    a, b, c, d = (api_incident_id(i) for i in IDS[:4])
    steps = [
        lambda: manual_link(any_store, a, b, NOW),  # two outages become one
        lambda: manual_link(any_store, c, b, NOW),  # a third member
        lambda: manual_link(any_store, d, c, NOW),  # a fourth, joined through the third
        lambda: unlink(any_store, c, b, NOW),  # split in two: a with b, c with d
        lambda: unlink(any_store, a, b, NOW),  # a and b on their own again
    ]
    sizes = []
    for step in steps:
        step()
        refreshed = _outages(any_store)
        assert refreshed == _rebuilt(any_store)
        sizes.append(sorted(o["members"] for o in refreshed[0] if o["members"] > 1))
    assert sizes == [[2], [3], [4], [2, 2], [2]]
    assert len(_outages(any_store)[1]) == len(IDS)


def _links(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        return [dict(r) for r in conn.execute(select(LINK).order_by(LINK.c.incident_id)).mappings()]


def test_relinking_a_thread_whose_links_stand_writes_no_row(any_store: Store) -> None:
    status = any_store.apply(STATUS.name, STATUS.kind, seed_status_drafts(), NOW)
    drafts = thread_posts(any_store, SOCIAL.name, SOCIAL.vendor, seed_posts()).drafts
    thread = any_store.apply(SOCIAL.name, SOCIAL.kind, drafts, NOW)
    assert link_changed(any_store, SOCIAL.vendor, thread.changed_ids, NOW) == 1
    before = _links(any_store)
    assert [(r["state"], r["created_at"]) for r in before] == [("auto", NOW)]
    _install_write_log(any_store)
    later = NOW + dt.timedelta(minutes=5)
    with row_writes(any_store) as written:
        # Both sides changed again, say: the thread is planned again, to the same link.
        changed = [*status.changed_ids, *thread.changed_ids]
        assert link_changed(any_store, SOCIAL.vendor, changed, later) == 1
    assert written == Counter()
    assert _links(any_store) == before  # kept as it was, creation time and all
