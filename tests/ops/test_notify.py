"""Notifications into a real command and a real webhook on 127.0.0.1: once per transition; never
for the baseline, a restart, a new source's history or a failed fetch; retried, logged, never
blocking collection."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from incident_feed.config import Config, NotifyConfig
from incident_feed.enums import ComponentState, Impact
from incident_feed.normalize.drafts import ComponentStatus, PageStatus
from incident_feed.outputs.notify import Notifier, matches, plan_events
from incident_feed.outputs.notify_payloads import Event, webhook_payload
from incident_feed.schedule import Watcher
from incident_feed.sources.http import Fetcher, make_client
from incident_feed.store.database import Store
from incident_feed.store.page_status import record_page_status
from tests.ops.local_server import LocalServer, Reply, Request, Switch, conditional, respond
from tests.ops.payloads import document, incident, local_config, progress, shifted, toml_config

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
A = shifted(incident("zjchv3zvfg50"), NOW - dt.timedelta(hours=10))  # major; 20 updates, 7h30m
B = shifted(incident("8qy34dmg4kdm"), NOW - dt.timedelta(hours=2))  # minor; 4 updates, 48m
HOOK = "/hooks/T0/B0/hook-secret-path"
RECORDER = """
import json, sys
with open(sys.argv[1], "a", encoding="utf-8") as out:
    out.write(json.dumps(json.load(sys.stdin)) + "\\n")
"""
FLAKY_RECORDER = """
import json, pathlib, sys
marker = pathlib.Path(sys.argv[1] + ".failed-once")
if not marker.exists():
    marker.write_text("x")
    sys.exit(3)
with open(sys.argv[1], "a", encoding="utf-8") as out:
    out.write(json.dumps(json.load(sys.stdin)) + "\\n")
"""


class Hook:
    """The webhook's receiving end: records posted JSON; answers from a script of statuses."""

    def __init__(self, statuses: list[int] | None = None, delay: float = 0.0) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.statuses = list(statuses or [])
        self.delay = delay
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Reply:
        with self.lock:
            status = self.statuses.pop(0) if self.statuses else 204
            if status < 300:
                self.bodies.append(json.loads(request.body))
        return Reply(status, b"", delay=self.delay)


@pytest.fixture
def recorder(tmp_path: Path) -> Path:
    script = tmp_path / "recorder.py"
    script.write_text(RECORDER, encoding="utf-8")
    return script


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


class Rig:
    """A watcher over one status page whose content the test moves forward."""

    def __init__(self, server: LocalServer, store: Store, tmp_path: Path, recorder: Path) -> None:
        self.page = Switch(conditional(document([progress(A, 1)]), '"v1"'))
        self.hook = Hook()
        server.route("/page/api/v2/incidents.json", self.page)
        server.route(HOOK, self.hook)
        self.server, self.store, self.out = server, store, tmp_path / "command.jsonl"
        self.targets: list[dict[str, Any]] = [
            {"name": "script", "command": [sys.executable, str(recorder), str(self.out)]},
            {"name": "chat", "webhook_env": "TEST_HOOK_URL"},
            {"name": "pager", "command": [sys.executable, str(recorder), str(self.out) + ".crit"],
             "min_impact": "critical"},
        ]  # fmt: skip
        self.config = local_config(server, {"github-status": "/page"}, notify=self.targets)
        self.fetcher = Fetcher.for_settings(make_client(), self.config.settings)
        self.notifier = self.restart()
        self.version = 1

    def restart(self) -> Notifier:
        """A new notifier over the same database, as after a process restart."""
        self.notifier = Notifier.from_config(
            self.config, self.store, clock=lambda: NOW, delays=(0.05, 0.1),
            environ={"TEST_HOOK_URL": self.server.url(HOOK)},
        )  # fmt: skip
        return self.notifier

    def serve(self, *incidents: dict[str, Any]) -> None:
        self.version += 1
        self.page.handler = conditional(document(list(incidents)), f'"v{self.version}"')

    def cycle(self) -> list[Event]:
        watcher = Watcher(
            self.config, self.store, self.fetcher, sources=self.config.sources, interval=60,
            stop=threading.Event(), clock=lambda: NOW,
        )  # fmt: skip
        report = watcher.run_cycle(["github-status"])
        events = self.notifier.after_run(report)
        assert self.notifier.dispatcher.drain(10)
        return events

    def close(self) -> None:
        self.notifier.close()
        self.fetcher.client.close()


@pytest.fixture
def rig(server: LocalServer, store: Store, tmp_path: Path, recorder: Path) -> Iterator[Rig]:
    made = Rig(server, store, tmp_path, recorder)
    yield made
    made.close()


def test_one_notification_per_transition_into_a_command_and_a_webhook(rig: Rig) -> None:
    assert rig.cycle() == []  # the first run is the baseline
    rig.serve(progress(A, 4), progress(B, 2))
    events = rig.cycle()
    assert sorted((e.kind, e.incident["id"]) for e in events) == [
        ("new", "github-8qy34dmg4kdm"),
        ("phase", "github-zjchv3zvfg50"),
    ]
    rig.serve(A, progress(B, 2))
    assert [(e.kind, e.previous_phase) for e in rig.cycle()] == [("resolved", "identified")]
    rig.cycle()  # 304: nothing new
    rig.serve(A, progress(B, 2))  # same content, new ETag: stored again, nothing changed
    assert rig.cycle() == []

    sent = _lines(rig.out)
    assert [(m["event"], m["incident"]["id"]) for m in sent] == [
        ("phase", "github-zjchv3zvfg50"),
        ("new", "github-8qy34dmg4kdm"),
        ("resolved", "github-zjchv3zvfg50"),
    ]
    assert sent[0]["previous_phase"] == "investigating"
    assert sent[0]["incident"]["phase"] == "identified"
    assert sent[0]["latest_update"]["text"].startswith("We have identified the issue")
    assert sent[2]["summary"] == (
        "Resolved at GitHub after 7h 30m: Incident with Issues, API Requests and Git Operations"
    )
    assert len(rig.hook.bodies) == 3
    for body in rig.hook.bodies:
        assert body["text"].startswith("*") and body["content"].startswith("**")
        assert body["allowed_mentions"] == {"parse": []}
    assert not Path(str(rig.out) + ".crit").exists()  # filtered out: nothing is critical


def test_never_on_restart_and_never_for_a_failed_fetch(rig: Rig) -> None:
    rig.cycle()
    rig.serve(progress(A, 4))
    assert len(rig.cycle()) == 1
    rig.notifier.close()
    rig.restart()
    assert rig.cycle() == []  # restarted: what was sent is remembered
    rig.page.handler = respond(b"upstream down", status=503)
    assert rig.cycle() == []
    rig.page.handler = respond(b"<html>maintenance</html>", headers={"Content-Type": "text/html"})
    assert rig.cycle() == []
    rig.serve(progress(A, 4))  # back, unchanged: a recovery of the source is not an event
    assert rig.cycle() == []
    assert len(_lines(rig.out)) == 1
    assert len(rig.hook.bodies) == 1


def test_a_new_source_history_is_baseline_not_news(
    rig: Rig, server: LocalServer, recorder: Path
) -> None:
    rig.cycle()
    server.route("/other/api/v2/incidents.json", conditional(document([progress(B, 2)]), '"o"'))
    config = local_config(
        server, {"github-status": "/page", "github-feed": "/other"}, notify=rig.targets
    )
    rig.config = config
    watcher = Watcher(
        config, rig.store, rig.fetcher, sources=config.sources, interval=60,
        stop=threading.Event(), clock=lambda: NOW,
    )  # fmt: skip
    assert rig.notifier.after_run(watcher.run_cycle(["github-status", "github-feed"])) == []
    server.route("/other/api/v2/incidents.json", conditional(document([progress(B, 3)]), '"o2"'))
    report = watcher.run_cycle(["github-feed"])
    assert rig.notifier.after_run(report) == []  # B: investigating -> investigating
    server.route("/other/api/v2/incidents.json", conditional(document([progress(B, 4)]), '"o3"'))
    events = rig.notifier.after_run(watcher.run_cycle(["github-feed"]))
    assert [(e.kind, e.incident["id"]) for e in events] == [("resolved", "github-8qy34dmg4kdm")]


def test_old_history_surfacing_is_not_a_new_incident() -> None:
    row = {"id": "x", "phase": "resolved", "updated_at": NOW - dt.timedelta(days=3)}
    fresh = row | {"id": "y", "updated_at": NOW - dt.timedelta(hours=2)}
    events = plan_events(
        [row | {"noted_phase": None}, fresh | {"noted_phase": None}],
        {"x": {"s"}, "y": {"s"}},
        {"s"},
        now=NOW,
    )
    assert [e.incident["id"] for e in events] == ["y"]


def test_retries_then_delivers_and_logs(
    rig: Rig, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    flaky = tmp_path / "flaky.py"
    flaky.write_text(FLAKY_RECORDER, encoding="utf-8")
    out = tmp_path / "flaky.jsonl"
    target = NotifyConfig("flaky", command=(sys.executable, str(flaky), str(out)))
    hook_target = NotifyConfig("chat", webhook_env="TEST_HOOK_URL")
    rig.notifier.targets = (target, hook_target)
    rig.hook.statuses = [500, 429]
    caplog.set_level(logging.INFO, logger="incident_feed")
    rig.cycle()
    rig.serve(progress(A, 4))
    rig.cycle()
    assert len(_lines(out)) == 1
    assert len(rig.hook.bodies) == 1
    messages = [r.getMessage() for r in caplog.records]
    assert sum("event=notify_retry target=flaky" in m for m in messages) == 1
    assert sum("event=notify_retry target=chat" in m for m in messages) == 2
    assert sum("event=notified" in m for m in messages) == 2
    assert "hook-secret-path" not in caplog.text
    assert str(rig.server.port) not in "\n".join(m for m in messages if "notif" in m)


def test_failures_are_logged_and_given_up(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    rig.notifier.targets = (
        NotifyConfig("gone", command=("/nonexistent/notifier",)),
        NotifyConfig("unset", webhook_env="NOT_SET_ANYWHERE"),
        NotifyConfig("chat", webhook_env="TEST_HOOK_URL"),
    )
    rig.hook.statuses = [500, 500, 500]
    caplog.set_level(logging.INFO, logger="incident_feed")
    rig.cycle()
    rig.serve(progress(A, 4))
    rig.cycle()
    failed = [r.getMessage() for r in caplog.records if "event=notify_failed" in r.getMessage()]
    assert len(failed) == 3
    assert any("target=gone" in m and "attempts=1" in m for m in failed)
    assert any("target=unset" in m and "NOT_SET_ANYWHERE is not set" in m for m in failed)
    assert any("target=chat" in m and "attempts=3" in m for m in failed)
    assert "hook-secret-path" not in caplog.text


def test_a_slow_webhook_never_blocks_collection(rig: Rig) -> None:
    rig.hook.delay = 1.5
    rig.cycle()
    rig.serve(progress(A, 4), progress(B, 1))
    started = time.monotonic()
    watcher = Watcher(
        rig.config, rig.store, rig.fetcher, sources=rig.config.sources, interval=60,
        stop=threading.Event(), clock=lambda: NOW,
    )  # fmt: skip
    events = rig.notifier.after_run(watcher.run_cycle(["github-status"]))
    assert len(events) == 2
    assert time.monotonic() - started < 1.0
    rig.hook.delay = 0.0  # let the second one through quickly at teardown


def _event(kind: str = "new", **incident: Any) -> Event:
    row = {
        "id": "github-x", "vendor": "GitHub", "kind": "incident", "title": "t", "impact": "major",
        "phase": "investigating", "components": [{"id": "1", "name": "Actions"}],
    } | incident  # fmt: skip
    return Event(kind, row, None)


@pytest.mark.parametrize(
    ("target", "event", "expected"),
    [
        (NotifyConfig("a", command=("x",)), _event(), True),
        (NotifyConfig("a", command=("x",), vendors=("github",)), _event(), True),
        (NotifyConfig("a", command=("x",), vendors=("Slack",)), _event(), False),
        (NotifyConfig("a", command=("x",), components=("actions",)), _event(), True),
        (NotifyConfig("a", command=("x",), components=("Pages",)), _event(), False),
        (NotifyConfig("a", command=("x",), min_impact="major"), _event(), True),
        (NotifyConfig("a", command=("x",), min_impact="major"), _event(impact="minor"), False),
        (NotifyConfig("a", command=("x",), min_impact="minor"), _event(impact="unknown"), False),
        (NotifyConfig("a", command=("x",), events=("resolved",)), _event(), False),
        (NotifyConfig("a", command=("x",), events=("resolved",)), _event("resolved"), True),
    ],
)
def test_filters(target: NotifyConfig, event: Event, expected: bool) -> None:
    assert matches(target, event) is expected


def test_webhook_text_is_inert_for_slack_and_discord() -> None:
    event = _event(
        title="<!channel> @everyone [x](javascript:alert(1)) <https://evil|click>",
        url="javascript:alert(1)",
    )
    payload = webhook_payload(event)
    assert "<!channel>" not in payload["text"] and "<https://evil" not in payload["text"]
    assert "&lt;!channel&gt;" in payload["text"]
    assert "@everyone" not in payload["content"] and "\\[x\\]" in payload["content"]
    assert "Status page" not in payload["text"]  # no link from a javascript: URL
    assert "<javascript" not in payload["content"]
    assert payload["allowed_mentions"] == {"parse": []}


# -- through the command line: three separate `watch` processes -------------------------------


def test_watch_processes_notify_once_per_transition(
    server: LocalServer,
    tmp_path: Path,
    recorder: Path,
    cli_command: list[str],
    subprocess_env: dict[str, str],
) -> None:
    now = dt.datetime.now(dt.UTC)
    recent = shifted(incident("zjchv3zvfg50"), now - dt.timedelta(hours=8))
    page = Switch(conditional(document([progress(recent, 1)]), '"1"'))
    hook = Hook()
    server.route("/page/api/v2/incidents.json", page)
    server.route(HOOK, hook)
    out = tmp_path / "out.jsonl"
    config = toml_config(
        tmp_path / "config.toml",
        server,
        {"github-status": "/page"},
        tail=[
            "[[notify]]",
            f"command = [{json.dumps(sys.executable)}, {json.dumps(str(recorder))}, "
            f"{json.dumps(str(out))}]",
            "[[notify]]",
            'webhook_env = "INCIDENT_FEED_TEST_HOOK"',
            'events = ["resolved"]',
        ],
    )
    env = subprocess_env | {"INCIDENT_FEED_TEST_HOOK": server.url(HOOK)}
    command = [*cli_command, "--config", str(config), "--db", f"sqlite:///{tmp_path / 'n.db'}",
               "watch", "--cycles", "1", "--interval", "1s",
               "--log-file", str(tmp_path / "watch.log")]  # fmt: skip
    # A restarted watch keeps each source's place in the schedule: with a 1 s interval, every
    # start fetches the page again within about a second.

    def watch_once() -> None:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr

    watch_once()  # baseline
    watch_once()  # restart, nothing new
    page.handler = conditional(document([progress(recent, 4)]), '"2"')
    watch_once()
    page.handler = conditional(document([recent]), '"3"')
    watch_once()
    watch_once()
    assert [m["event"] for m in _lines(out)] == ["phase", "resolved"]
    assert [b["text"].split(":")[0] for b in hook.bodies] == ["*Resolved at GitHub after 7h 30m"]
    log = (tmp_path / "watch.log").read_text()
    assert "event=notify_baseline" in log
    assert "hook-secret-path" not in log


def test_collect_from_cron_notifies_too(
    server: LocalServer,
    tmp_path: Path,
    recorder: Path,
    cli_command: list[str],
    subprocess_env: dict[str, str],
) -> None:
    recent = shifted(incident("zjchv3zvfg50"), dt.datetime.now(dt.UTC) - dt.timedelta(hours=8))
    page = Switch(conditional(document([progress(recent, 1)]), '"1"'))
    server.route("/page/api/v2/incidents.json", page)
    out = tmp_path / "out.jsonl"
    argv = json.dumps([sys.executable, str(recorder), str(out)])
    config = toml_config(
        tmp_path / "config.toml", server, {"github-status": "/page"},
        tail=["[[notify]]", f"command = {argv}"],
    )  # fmt: skip
    command = [*cli_command, "--config", str(config), "--db", f"sqlite:///{tmp_path / 'c.db'}",
               "collect"]  # fmt: skip
    for version in (1, 1, 4, 4, 20, 20):
        page.handler = conditional(document([progress(recent, version)]), f'"{version}"')
        done = subprocess.run(
            command, env=subprocess_env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
    assert [m["event"] for m in _lines(out)] == ["phase", "resolved"]


def test_config_is_needed_for_notifier(store: Store) -> None:
    config = Config(path=None)
    notifier = Notifier.from_config(config, store)
    try:
        assert notifier.targets == ()
    finally:
        notifier.close()


def test_command_gets_json_on_stdin_without_a_shell(tmp_path: Path, recorder: Path) -> None:
    # The argument with shell syntax reaches the program as one literal argument.
    out = tmp_path / "$(touch pwned)"
    done = subprocess.run([sys.executable, str(recorder), str(out)], input=b'{"ok": 1}', check=True)
    assert done.returncode == 0
    assert out.exists() and not (tmp_path / "pwned").exists()


def test_a_team_watching_webhooks_is_told_about_webhooks_only(rig: Rig) -> None:
    rig.notifier = Notifier.from_config(
        dataclasses.replace(
            rig.config,
            sources=tuple(
                dataclasses.replace(s, components=("web*",)) for s in rig.config.sources
            ),
        ),
        rig.store, clock=lambda: NOW, delays=(0.05, 0.1),
        environ={"TEST_HOOK_URL": rig.server.url(HOOK)},
    )  # fmt: skip
    assert rig.cycle() == []  # the baseline
    rig.serve(progress(A, 4), progress(B, 2))  # A: Git Operations, API, Issues; B: Webhooks
    events = rig.cycle()
    assert [(e.kind, e.incident["id"]) for e in events] == [("new", "github-8qy34dmg4kdm")]
    assert [m["incident"]["id"] for m in _lines(rig.out)] == ["github-8qy34dmg4kdm"]
    rig.serve(A, progress(B, 2))  # A resolves: still not a component the team watches
    assert rig.cycle() == []


def test_a_pattern_on_a_group_reaches_the_outages_through_the_page_state(rig: Rig) -> None:
    # GitHub's page lists its components ungrouped; this page state (derived: the real ids and
    # names, a group "Integrations" added for Webhooks) is what a grouped page's summary gives.
    grouped = PageStatus(Impact.NONE, "All Systems Operational", (
        ComponentStatus("Webhooks", ComponentState.OPERATIONAL, "4230lsnqdsld", "Integrations"),
        ComponentStatus("Git Operations", ComponentState.OPERATIONAL, "8l4ygp009s5s", "Git"),
    ), None)  # fmt: skip
    record_page_status(rig.store, "github-status", "GitHub", grouped, NOW)
    rig.notifier = Notifier.from_config(
        dataclasses.replace(
            rig.config,
            sources=tuple(
                dataclasses.replace(s, components=("integrations / *",))
                for s in rig.config.sources
            ),
        ),
        rig.store, clock=lambda: NOW, delays=(0.05, 0.1),
        environ={"TEST_HOOK_URL": rig.server.url(HOOK)},
    )  # fmt: skip
    assert rig.cycle() == []  # the baseline
    rig.serve(progress(A, 4), progress(B, 2))  # A: Git Operations, API, Issues; B: Webhooks
    events = rig.cycle()
    assert [(e.kind, e.incident["id"]) for e in events] == [("new", "github-8qy34dmg4kdm")]
