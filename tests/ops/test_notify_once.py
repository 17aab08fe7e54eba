"""Each notification sent exactly once while several notifiers (one per ``watch`` process, each
with its own engine) decide at the same time over one database, on SQLite and on a real
PostgreSQL on 127.0.0.1; and at most once across a crash.

The worst case is forced: every notifier has read the changed outages before any of them records
a decision (a barrier in front of ``notify_state.record``), so all of them decide to send the
same transitions and only the database can tell who won.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from incident_feed.config import parse_config
from incident_feed.outputs.notify import RESUME_AFTER, Notifier
from incident_feed.outputs.notify_delivery import Delivery, Dispatcher
from incident_feed.outputs.notify_payloads import Event
from incident_feed.pipeline import RunReport
from incident_feed.schedule import Watcher
from incident_feed.sources.http import Fetcher, make_client
from incident_feed.store import notify_state
from incident_feed.store.database import Store
from incident_feed.store.notify_state import Note, Outgoing, claim, record, settle
from incident_feed.store.tables import NOTIFY_INCIDENT, NOTIFY_OUTBOX
from tests.ops.local_server import LocalServer, Switch, conditional
from tests.ops.payloads import document, incident, local_config, progress, shifted
from tests.ops.receivers import RECORDER, Receiver
from tests.store.conftest import any_store, any_url  # noqa: F401 - fixtures

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
A = shifted(incident("zjchv3zvfg50"), NOW - dt.timedelta(hours=10))
B = shifted(incident("8qy34dmg4kdm"), NOW - dt.timedelta(hours=2))
WORKERS = 3


class Team:
    """One collector and ``WORKERS`` notifiers, each on its own engine, over one database."""

    def __init__(self, url: str, server: LocalServer, tmp_path: Path) -> None:
        self.slack, self.ntfy = Receiver(), Receiver()
        server.route("/hooks/slack-secret", self.slack)
        server.route("/ntfy/topic-secret", self.ntfy)
        self.page = Switch(conditional(document([progress(A, 1)]), '"1"'))
        server.route("/page/api/v2/incidents.json", self.page)
        script = tmp_path / "recorder.py"
        script.write_text(RECORDER, encoding="utf-8")
        self.out = tmp_path / "command.jsonl"
        self.config = local_config(
            server,
            {"github-status": "/page"},
            notify=[
                {"name": "chat", "kind": "slack", "webhook_env": "SLACK_URL"},
                {"name": "phones", "kind": "ntfy", "webhook_env": "NTFY_URL"},
                {"name": "script", "command": [sys.executable, str(script), str(self.out)]},
            ],
        )
        environ = {
            "SLACK_URL": server.url("/hooks/slack-secret"),
            "NTFY_URL": server.url("/ntfy/topic-secret"),
        }
        self.collector = Store.open(url)
        self.stores = [Store.open(url) for _ in range(WORKERS)]
        self.notifiers = [
            Notifier.from_config(
                self.config, store, clock=lambda: NOW, environ=environ, delays=(0.05,)
            )
            for store in self.stores
        ]
        self.fetcher = Fetcher.for_settings(make_client(), self.config.settings)
        self.version = 1

    def serve(self, *incidents: dict[str, Any]) -> None:
        self.version += 1
        self.page.handler = conditional(document(list(incidents)), f'"{self.version}"')

    def collect(self) -> RunReport:
        watcher = Watcher(
            self.config, self.collector, self.fetcher, sources=self.config.sources,
            interval=60, stop=threading.Event(), clock=lambda: NOW,
        )  # fmt: skip
        return watcher.run_cycle(["github-status"])

    def decide_at_once(self, report: RunReport) -> list[list[Event]]:
        """Every notifier's ``after_run`` at the same moment; what each returned."""
        results: list[list[Event]] = [[] for _ in self.notifiers]
        errors: list[BaseException] = []
        start = threading.Barrier(len(self.notifiers))

        def run(index: int) -> None:
            try:
                start.wait(10)
                results[index] = self.notifiers[index].after_run(report)
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(self.notifiers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not errors, errors
        for notifier in self.notifiers:
            assert notifier.dispatcher.drain(10)
        return results

    def outbox(self) -> list[dict[str, Any]]:
        with self.collector.read() as conn:
            rows = conn.execute(select(NOTIFY_OUTBOX).order_by(NOTIFY_OUTBOX.c.id)).mappings()
            return [dict(r) for r in rows]

    def close(self) -> None:
        for notifier in self.notifiers:
            notifier.close()
        self.fetcher.client.close()
        for store in [*self.stores, self.collector]:
            store.close()


@pytest.fixture
def team(any_url: str, server: LocalServer, tmp_path: Path) -> Iterator[Team]:  # noqa: F811
    made = Team(any_url, server, tmp_path)
    yield made
    made.close()


def _all_read_before_any_records(monkeypatch: pytest.MonkeyPatch, parties: int) -> None:
    """Hold every notifier in front of ``record`` until all have read and decided."""
    real = notify_state.record
    gate = threading.Barrier(parties)

    def held(*args: Any, **kwargs: Any) -> Any:
        gate.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(notify_state, "record", held)


@pytest.mark.parametrize("forced", [True, False], ids=["all-read-first", "free-race"])
def test_several_notifiers_deciding_at_once_send_each_event_once(
    team: Team, monkeypatch: pytest.MonkeyPatch, forced: bool
) -> None:
    if forced:
        _all_read_before_any_records(monkeypatch, WORKERS)
    assert team.decide_at_once(team.collect()) == [[]] * WORKERS  # the baseline, silently
    passes = [
        ((progress(A, 4), progress(B, 2)), {("phase", "github-zjchv3zvfg50"),
                                            ("new", "github-8qy34dmg4kdm")}),
        ((A, progress(B, 2)), {("resolved", "github-zjchv3zvfg50")}),
        ((A, progress(B, 4)), {("resolved", "github-8qy34dmg4kdm")}),
    ]  # fmt: skip
    sent: list[tuple[str, str]] = []
    for served, expected in passes:
        team.serve(*served)
        results = team.decide_at_once(team.collect())
        decided = [(e.kind, str(e.incident["id"])) for events in results for e in events]
        # Each transition was noted (and will be sent) by exactly one of the notifiers.
        assert sorted(decided) == sorted(expected)
        sent += decided
    assert len(team.slack.requests) == len(sent) == 4
    assert len(team.ntfy.requests) == 4
    lines = [json.loads(line) for line in team.out.read_text(encoding="utf-8").splitlines()]
    assert sorted((m["event"], m["incident"]["id"]) for m in lines) == sorted(sent)
    slack = sorted(json.loads(r.body)["text"] for r in team.slack.requests)
    assert len(set(slack)) == 4  # four different messages, none twice
    rows = team.outbox()
    assert len(rows) == 12  # 4 transitions x 3 targets
    assert {(r["state"], r["attempts"]) for r in rows} == {("sent", 1)}
    assert len({(r["target"], r["incident_id"], r["seq"]) for r in rows}) == 12


def test_a_stale_decision_notes_and_queues_nothing(any_store: Store) -> None:  # noqa: F811
    """Compare-and-set: a decision made on a read someone else has acted on since loses,
    including the A-B-A case (noted X, then Y, then X again, read at the first X)."""
    out = Outgoing("o-1", "chat", "slack", "new", None, "investigating")
    first = record(any_store, [Note("o-1", "investigating", None)], [out], now=NOW)
    assert first.noted == {"o-1"} and list(first.outbox) == [("o-1", "chat", "slack")]
    again = record(any_store, [Note("o-1", "investigating", None)], [out], now=NOW)
    assert again.noted == frozenset() and again.outbox == {}
    to_y = Outgoing("o-1", "chat", "slack", "phase", "investigating", "identified")
    assert record(any_store, [Note("o-1", "identified", 1)], [to_y], now=NOW).noted == {"o-1"}
    back = Outgoing("o-1", "chat", "slack", "phase", "identified", "investigating")
    assert record(any_store, [Note("o-1", "investigating", 2)], [back], now=NOW).outbox
    stale = record(any_store, [Note("o-1", "identified", 1)], [to_y], now=NOW)
    assert stale.noted == frozenset() and stale.outbox == {}
    with any_store.read() as conn:
        noted = conn.execute(select(NOTIFY_INCIDENT.c.phase, NOTIFY_INCIDENT.c.seq)).one()
        rows = conn.execute(select(NOTIFY_OUTBOX.c.seq, NOTIFY_OUTBOX.c.event)).all()
    assert tuple(noted) == ("investigating", 3)
    assert sorted(tuple(r) for r in rows) == [(1, "new"), (2, "phase"), (3, "phase")]


def test_an_attempt_is_claimed_by_one_worker_only(any_store: Store) -> None:  # noqa: F811
    out = Outgoing("o-2", "chat", "slack", "new", None, "investigating")
    [row_id] = record(
        any_store, [Note("o-2", "investigating", None)], [out], now=NOW
    ).outbox.values()
    assert claim(any_store, row_id, NOW) is True
    assert claim(any_store, row_id, NOW) is False  # already being sent


class _Crashing(Dispatcher):
    """A process that dies right after its decisions are committed: nothing is sent."""

    def submit(self, delivery: Delivery) -> None:
        pass


def test_after_a_crash_pending_rows_are_sent_once_and_cut_sends_never(
    any_url: str,  # noqa: F811
    server: LocalServer,
    tmp_path: Path,
) -> None:
    receiver = Receiver()
    server.route("/hooks/discord-secret", receiver)
    page = Switch(conditional(document([progress(A, 1)]), '"1"'))
    server.route("/page/api/v2/incidents.json", page)
    config = local_config(
        server, {"github-status": "/page"},
        notify=[{"name": "chat", "kind": "discord", "webhook_env": "HOOK"}],
    )  # fmt: skip
    environ = {"HOOK": server.url("/hooks/discord-secret")}
    store = Store.open(any_url)
    fetcher = Fetcher.for_settings(make_client(), config.settings)
    crashed = Notifier.from_config(config, store, clock=lambda: NOW, environ=environ)
    crashed.dispatcher.close()
    crashed.dispatcher = _Crashing(ledger=crashed.dispatcher.ledger)

    def collect() -> RunReport:
        watcher = Watcher(
            config, store, fetcher, sources=config.sources, interval=60,
            stop=threading.Event(), clock=lambda: NOW,
        )  # fmt: skip
        return watcher.run_cycle(["github-status"])

    try:
        crashed.after_run(collect())
        page.handler = conditional(document([progress(A, 4), progress(B, 2)]), '"2"')
        assert len(crashed.after_run(collect())) == 2  # decided and recorded, never sent
        rows = _rows(store)
        # One was being sent when the process died: it may have arrived, so it is not resent.
        assert claim(store, rows[0]["id"], NOW)
        # Two workers restart and resume at once, well after the crash.
        later = NOW + RESUME_AFTER + dt.timedelta(seconds=1)
        stores = [Store.open(any_url) for _ in range(2)]
        resumed = [
            Notifier.from_config(config, s, clock=lambda: later, environ=environ) for s in stores
        ]
        try:
            gate = threading.Barrier(2)
            counts: list[int] = []

            def resume(notifier: Notifier) -> None:
                gate.wait(10)
                counts.append(notifier.resume(force=True))

            threads = [threading.Thread(target=resume, args=(n,)) for n in resumed]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
            for notifier in resumed:
                assert notifier.dispatcher.drain(10)
        finally:
            for notifier in resumed:
                notifier.close()
            for s in stores:
                s.close()
        assert sum(counts) >= 1
        assert len(receiver.requests) == 1  # the pending one, by one of the two
        body = json.loads(receiver.requests[0].body)
        assert body["content"].startswith(
            "New incident at GitHub" if rows[1]["event"] == "new" else "GitHub:"
        )
        final = {r["id"]: (r["state"], r["attempts"], r["last_error"]) for r in _rows(store)}
        assert final == {
            rows[0]["id"]: ("failed", 1, "interrupted while sending; not resent"),
            rows[1]["id"]: ("sent", 1, None),
        }
    finally:
        crashed.close()
        fetcher.client.close()
        store.close()


def test_a_row_left_pending_longer_than_max_age_is_not_sent(
    any_store: Store,  # noqa: F811
) -> None:
    out = Outgoing("o-3", "chat", "slack", "new", None, "investigating")
    record(any_store, [Note("o-3", "investigating", None)], [out], now=NOW)
    config = parse_config(
        {"notify": [{"name": "chat", "kind": "slack", "webhook_env": "NOT_SET"}]}, None
    )
    a_day_later = NOW + dt.timedelta(hours=25)
    notifier = Notifier.from_config(config, any_store, clock=lambda: a_day_later, environ={})
    try:
        assert notifier.resume(force=True) == 0
    finally:
        notifier.close()
    [row] = _rows(any_store)
    assert (row["state"], row["attempts"]) == ("failed", 0)
    assert row["last_error"] == "not sent in time; too old to send now"


def _rows(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        rows = conn.execute(select(NOTIFY_OUTBOX).order_by(NOTIFY_OUTBOX.c.id)).mappings()
        return [dict(r) for r in rows]


def test_rows_settled_long_ago_are_forgotten(any_store: Store) -> None:  # noqa: F811
    outs = [Outgoing(f"o-{n}", "chat", "slack", "new", None, "investigating") for n in (4, 5)]
    notes = [Note(o.incident_id, "investigating", None) for o in outs]
    recorded = record(any_store, notes, outs, now=NOW)
    old, recent = (
        recorded.outbox[("o-4", "chat", "slack")],
        recorded.outbox[("o-5", "chat", "slack")],
    )
    settle(any_store, old, "sent", NOW - dt.timedelta(days=31))
    settle(any_store, recent, "failed", NOW - dt.timedelta(days=29), "the webhook answered 404")
    notifier = Notifier(any_store, [], Dispatcher(), clock=lambda: NOW)
    try:
        notifier.resume(force=True)
    finally:
        notifier.close()
    assert [r["id"] for r in _rows(any_store)] == [recent]


def test_the_outbox_key_stops_a_transition_queued_twice(any_store: Store) -> None:  # noqa: F811
    """Belt and braces: were a transition noted twice (its noted row lost in between), the
    unique outbox key would still queue its notification once."""
    out = Outgoing("o-6", "chat", "slack", "new", None, "investigating")
    assert record(any_store, [Note("o-6", "investigating", None)], [out], now=NOW).outbox
    with any_store.write() as conn:
        conn.execute(NOTIFY_INCIDENT.delete())
    again = record(any_store, [Note("o-6", "investigating", None)], [out], now=NOW)
    assert again.noted == {"o-6"} and again.outbox == {}
    assert len(_rows(any_store)) == 1
