"""Notification targets: what Slack, Discord, Microsoft Teams, ntfy, the generic webhook and a
command receive (golden files under ``tests/golden/notify``, ``UPDATE_GOLDEN=1`` rewrites them;
review the diff), hostile feed text made inert for each, routing by phase, vendor and component,
retries recorded in the outbox, and ``notify test`` against a receiver on 127.0.0.1.

The events come from real GitHub incidents collected from a local status page (the same rig as
``test_notify.py``); the hostile one is one of them with its texts and link replaced.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from incident_feed.config import NotifyConfig, parse_config
from incident_feed.outputs.notify import Notifier, matches
from incident_feed.outputs.notify_payloads import (
    Event,
    command_payload,
    discord_payload,
    ntfy_message,
    slack_payload,
    teams_payload,
    webhook_payload,
)
from incident_feed.schedule import Watcher
from incident_feed.sources.http import Fetcher, make_client
from incident_feed.store.database import Store
from incident_feed.store.tables import NOTIFY_OUTBOX
from tests.ops.local_server import LocalServer, Reply, Request, Switch, conditional
from tests.ops.payloads import document, incident, local_config, progress, shifted

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "notify"
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
A = shifted(incident("zjchv3zvfg50"), NOW - dt.timedelta(hours=10))  # major; 20 updates, 7h30m
B = shifted(incident("8qy34dmg4kdm"), NOW - dt.timedelta(hours=2))  # minor; 4 updates, 48m
HOSTILE_TITLE = (
    "<!channel> @everyone @here **Outage** [click](javascript:alert(1)) <@&123> <t:1:R> "
    "\x1b[31mred\x1b[0m \x1b]8;;https://evil.test\x07link\x1b]8;;\x07 ||spoiler|| `code` "
    "{{DATE(2017-02-14T06:08:39Z, SHORT)}} \u202eevil\u202c\x07 Störung"
)
HOSTILE_TEXT = (
    "# Heading\n> quote\n-# subtext\n1. list\n<https://evil.test|Click me> <!here> "
    "[x](https://evil.test) \x00\x1b[2J\x9b done"
)
PAYLOADS: dict[str, Callable[[Event], Any]] = {
    "webhook": webhook_payload,
    "slack": slack_payload,
    "discord": discord_payload,
    "teams": teams_payload,
    "ntfy": lambda e: dataclasses.asdict(ntfy_message(e)),
    "command": command_payload,
}
SECRET = "/hooks/T0/B0/s3cr3t-path"


def _collect(server: LocalServer, store: Store, notifier: Notifier, page: Switch) -> list[Event]:
    config = local_config(server, {"github-status": "/page"})
    fetcher = Fetcher.for_settings(make_client(), config.settings)
    try:
        watcher = Watcher(
            config, store, fetcher, sources=config.sources, interval=60,
            stop=threading.Event(), clock=lambda: NOW,
        )  # fmt: skip
        return notifier.after_run(watcher.run_cycle(["github-status"]))
    finally:
        fetcher.client.close()


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Event]]:
    """Real events: B new, A identified, A resolved; and A's with hostile texts."""
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('events') / 'e.db'}")
    page = Switch(conditional(document([progress(A, 1)]), '"1"'))
    with LocalServer() as server:
        server.route("/page/api/v2/incidents.json", page)
        notifier = Notifier(store, [], _NoDispatch(), clock=lambda: NOW)
        assert _collect(server, store, notifier, page) == []  # the baseline
        page.handler = conditional(document([progress(A, 4), progress(B, 2)]), '"2"')
        second = {e.kind: e for e in _collect(server, store, notifier, page)}
        page.handler = conditional(document([A, progress(B, 2)]), '"3"')
        [resolved] = _collect(server, store, notifier, page)
    store.close()
    phase = second["phase"]
    assert phase.latest_update is not None
    hostile = dataclasses.replace(
        phase,
        incident=dict(phase.incident, title=HOSTILE_TITLE, vendor="Git<Hub> & *Co*",
                      url="https://status.test/x>y|z\\", components=[{"name": "@everyone API"}]),
        latest_update=dict(phase.latest_update, text=HOSTILE_TEXT),
    )  # fmt: skip
    yield {
        "new-minor": second["new"],
        "phase-major": phase,
        "resolved-major": resolved,
        "hostile": hostile,
    }


class _NoDispatch:
    """A dispatcher that sends nothing (the events are what these tests look at)."""

    ledger = None

    def submit(self, delivery: Any) -> None:
        pass

    def close(self, timeout: float = 0.0) -> None:
        pass


@pytest.mark.parametrize("kind", sorted(PAYLOADS))
@pytest.mark.parametrize("case", ["new-minor", "phase-major", "resolved-major", "hostile"])
def test_payload_matches_golden(events: dict[str, Event], case: str, kind: str) -> None:
    produced = json.dumps(PAYLOADS[kind](events[case]), indent=2, ensure_ascii=False) + "\n"
    path = GOLDEN / f"{case}.{kind}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(produced, encoding="utf-8")
    assert path.exists(), f"run UPDATE_GOLDEN=1 to create {path.name}"
    assert produced == path.read_text(encoding="utf-8")


def test_the_real_events_read_as_expected(events: dict[str, Event]) -> None:
    slack = slack_payload(events["resolved-major"])
    assert slack["text"] == (
        "Resolved at GitHub after 7h 30m: Incident with Issues, API Requests and Git Operations"
    )
    discord = discord_payload(events["new-minor"])
    [embed] = discord["embeds"]
    assert embed["color"] == 0xFCBF49  # minor: amber
    assert discord_payload(events["resolved-major"])["embeds"][0]["color"] == 0x2A9D8F
    assert discord_payload(events["phase-major"])["embeds"][0]["color"] == 0xF77F00
    assert embed["url"].startswith("https://stspg.io/")
    assert {f["name"] for f in embed["fields"]} >= {"Vendor", "Impact", "Phase"}
    card = teams_payload(events["phase-major"])["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard"
    assert card["content"]["body"][0]["style"] == "attention"
    assert (
        teams_payload(events["resolved-major"])["attachments"][0]["content"]["body"][0]["style"]
        == "good"
    )
    ntfy = ntfy_message(events["phase-major"])
    assert ntfy.headers["Priority"] == "4"
    assert ntfy.headers["Tags"] == "rotating_light,phase,major"
    assert ntfy.headers["Click"].startswith("https://stspg.io/")
    assert ntfy.body.startswith("We have identified the issue")


def _texts(payload: Any) -> list[str]:
    """Every string in a payload."""
    if isinstance(payload, dict):
        return [t for v in payload.values() for t in _texts(v)]
    if isinstance(payload, list):
        return [t for v in payload for t in _texts(v)]
    return [payload] if isinstance(payload, str) else []


def test_hostile_text_is_inert_for_every_target(events: dict[str, Event]) -> None:
    event = events["hostile"]
    for kind, build in PAYLOADS.items():
        if kind == "command":
            continue  # the JSON contract, for a program: not rendered
        texts = _texts(build(event))
        joined = "\n".join(texts)
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", joined), kind
        assert "[31m" not in joined and "evil.test\x07" not in joined, kind
        assert "javascript:" not in " ".join(t for t in texts if t.startswith("http")), kind
    slack = "\n".join(_texts(slack_payload(event)))
    # Slack: no <!channel>, <!here>, <@..>, <url|label> from the feed; the only link is ours.
    assert re.findall(r"<[^&\n]*?>", slack) == ["<https://status.test/x%3Ey%7Cz%5C|Status page>"]
    assert "&lt;!channel&gt;" in slack and "@\u200beveryone" in slack
    discord = discord_payload(event)
    body = "\n".join(_texts(discord))
    assert discord["allowed_mentions"] == {"parse": []}
    assert "@everyone" not in body and "@here" not in body
    assert re.search(r"(?<!\\)<[@#t!]", body) is None  # no mention, channel or timestamp tag
    assert re.search(r"(?<!\\)\[click\]", body) is None  # no masked link
    assert re.search(r"(?<!\\)\|\|", body) is None  # no spoiler
    description = discord["embeds"][0]["description"].split("\n")
    assert description[:4] == ["\\# Heading", "\\> quote", "\\-# subtext", "1\\. list"]
    assert discord["embeds"][0]["url"] == "https://status.test/x%3Ey%7Cz%5C"
    card = teams_payload(event)["attachments"][0]["content"]
    runs = [i for block in _blocks(card["body"]) for i in block.get("inlines", [])]
    assert runs and all(r["type"] == "TextRun" for r in runs)  # Markdown is never read
    assert not any(b["type"] == "TextBlock" for b in _blocks(card["body"]))
    assert "{\u200b{DATE(" in runs[0]["text"]
    assert card["actions"][0]["url"] == "https://status.test/x%3Ey%7Cz%5C"
    ntfy = ntfy_message(event)
    assert all(v.isascii() and "\n" not in v for v in ntfy.headers.values())
    assert "Markdown" not in ntfy.headers and "Markdown" not in ntfy.headers.get("X-Markdown", "")
    title = ntfy.headers["Title"]
    assert title.startswith("=?UTF-8?B?")  # not ASCII ("Störung"): RFC 2047
    decoded = base64.b64decode(title.removeprefix("=?UTF-8?B?").removesuffix("?=")).decode()
    assert decoded.startswith("Git<Hub> & *Co*: <!channel> @everyone")
    assert "\u202e" not in decoded and "\x1b" not in decoded


def _blocks(body: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for block in body:
        out.append(block)
        out += _blocks(block.get("items", []))
    return out


def test_a_link_that_is_not_http_is_left_out(events: dict[str, Event]) -> None:
    event = dataclasses.replace(
        events["phase-major"], incident=dict(events["phase-major"].incident, url="file:///etc")
    )
    for kind, build in PAYLOADS.items():
        if kind != "command":
            assert "file:" not in json.dumps(build(event)), kind
    assert "Click" not in ntfy_message(event).headers
    assert "actions" not in teams_payload(event)["attachments"][0]["content"]


def test_long_texts_keep_within_each_targets_limits(events: dict[str, Event]) -> None:
    long = dataclasses.replace(
        events["phase-major"],
        incident=dict(events["phase-major"].incident, title="T<" * 3000),
        latest_update=dict(events["phase-major"].latest_update or {}, text="é*" * 5000),
    )
    discord = discord_payload(long)
    assert len(discord["content"]) <= 2000
    embed = discord["embeds"][0]
    assert len(embed["title"]) <= 256 and len(embed["description"]) <= 4096
    assert embed["description"].endswith("…") and not embed["description"].endswith("\\…")
    total = sum(len(t) for t in _texts(embed)) - len(embed.get("url", ""))
    assert total <= 6000
    slack = slack_payload(long)
    assert all(len(b["text"]["text"]) <= 3000 for b in slack["blocks"] if "text" in b)
    assert len(slack["text"]) <= 3000
    assert "&lt" not in slack["blocks"][0]["text"]["text"][-6:]  # no entity cut in half
    ntfy = ntfy_message(long)
    assert len(ntfy.body.encode("utf-8")) <= 4096
    encoded = ntfy.headers["Title"].removeprefix("=?UTF-8?B?").removesuffix("?=")
    assert len(base64.b64decode(encoded).decode("utf-8")) <= 250
    assert len(webhook_payload(long)["content"]) <= 2000


# -- routing ------------------------------------------------------------------------------------


def _route(**options: Any) -> NotifyConfig:
    return NotifyConfig("t", kind="slack", webhook_env="U", **options)


@pytest.mark.parametrize(
    ("target", "case", "expected"),
    [
        (_route(phases=("resolved",)), "resolved-major", True),
        (_route(phases=("resolved",)), "phase-major", False),
        (_route(phases=("identified", "monitoring")), "phase-major", True),
        (_route(phases=("identified",)), "new-minor", False),  # B is investigating
        (_route(vendors=("github",), phases=("resolved",)), "resolved-major", True),
        (_route(vendors=("OpenAI",), phases=("resolved",)), "resolved-major", False),
        (_route(components=("webhooks",)), "new-minor", True),  # B: Webhooks
        (_route(components=("webhooks",)), "phase-major", False),
        (_route(min_impact="major", phases=("identified",)), "phase-major", True),
        (_route(min_impact="major"), "new-minor", False),
        (_route(events=("new",), phases=("resolved",)), "resolved-major", False),
    ],
)
def test_routing(events: dict[str, Event], target: NotifyConfig, case: str, expected: bool) -> None:
    assert matches(target, events[case]) is expected


class Receiver:
    """The receiving end of every target: records each request it accepts, answers from a
    script of statuses (a 429 asks to retry after 0 s)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.requests: list[Request] = []
        self.statuses = list(statuses or [])
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Reply:
        with self.lock:
            status = self.statuses.pop(0) if self.statuses else 200
            if status < 300:
                self.requests.append(request)
        return Reply(status, b"{}", {"Retry-After": "0"} if status == 429 else {})


def test_routing_example_of_the_readme_over_the_wire(
    server: LocalServer, store: Store, tmp_path: Path
) -> None:
    """OpenAI resolutions to the AI team's Slack; everything major to ntfy; each once."""
    slack, ntfy = Receiver(), Receiver()
    server.route(SECRET + "/slack", slack)
    server.route("/ntfy/incidents-5ZkqA2", ntfy)
    config = parse_config(
        {
            "vendor": [{"name": "GitHub"}, {"name": "OpenAI"}],
            "notify": [
                {"name": "ai-team", "kind": "slack", "webhook_env": "SLACK_AI_WEBHOOK",
                 "vendors": ["OpenAI"], "events": ["resolved"]},
                {"name": "github-fixed", "kind": "slack", "webhook_env": "SLACK_AI_WEBHOOK",
                 "vendors": ["GitHub"], "phases": ["resolved"]},
                {"name": "phones", "kind": "ntfy", "webhook_env": "NTFY_TOPIC_URL",
                 "token_env": "NTFY_TOKEN", "min_impact": "major"},
            ],
        },
        None,
    )  # fmt: skip
    page = Switch(conditional(document([progress(A, 1)]), '"1"'))
    server.route("/page/api/v2/incidents.json", page)
    environ = {
        "SLACK_AI_WEBHOOK": server.url(SECRET + "/slack"),
        "NTFY_TOPIC_URL": server.url("/ntfy/incidents-5ZkqA2"),
        "NTFY_TOKEN": "tk_testtoken0000000000000000000",
    }
    notifier = Notifier.from_config(config, store, clock=lambda: NOW, environ=environ)
    try:
        _collect(server, store, notifier, page)
        page.handler = conditional(document([progress(A, 4), progress(B, 2)]), '"2"')
        _collect(server, store, notifier, page)
        page.handler = conditional(document([A, progress(B, 2)]), '"3"')
        _collect(server, store, notifier, page)
        assert notifier.dispatcher.drain(10)
    finally:
        notifier.close()
    # Slack: only GitHub's resolution (no OpenAI outage happened); ntfy: A twice, B never.
    assert [json.loads(r.body)["text"][:24] for r in slack.requests] == ["Resolved at GitHub after"]
    titles = [r.headers["title"] for r in ntfy.requests]
    assert titles == [
        "GitHub: Incident with Issues, API Requests and Git Operations is now identified "
        "(was investigating)",
        "Resolved at GitHub after 7h 30m: Incident with Issues, API Requests and Git Operations",
    ]
    first = ntfy.requests[0]
    assert first.headers["authorization"] == "Bearer tk_testtoken0000000000000000000"
    assert first.headers["priority"] == "4"
    assert first.headers["tags"] == "rotating_light,phase,major"
    assert first.headers["click"].startswith("https://stspg.io/")
    assert first.headers["content-type"] == "text/plain; charset=utf-8"
    assert first.body.decode("utf-8").startswith("We have identified the issue")
    assert ntfy.requests[1].headers["tags"] == "white_check_mark,resolved,major"
    with store.read() as conn:
        rows = conn.execute(select(NOTIFY_OUTBOX).order_by(NOTIFY_OUTBOX.c.id)).mappings().all()
    assert [(r["target"], r["event"], r["state"], r["attempts"]) for r in rows] == [
        ("phones", "phase", "sent", 1),
        ("github-fixed", "resolved", "sent", 1),
        ("phones", "resolved", "sent", 1),
    ]
    assert all(r["sent_at"] == NOW and r["last_error"] is None for r in rows)


class Hooked:
    """One target of ``kind`` posting to a receiver, behind a notifier over ``store``."""

    def __init__(
        self, server: LocalServer, store: Store, kind: str, receiver: Receiver, **options: Any
    ) -> None:
        server.route(SECRET, receiver)
        self.config = parse_config(
            {"notify": [{"name": "chat", "kind": kind, "webhook_env": "HOOK"}]}, None
        )
        self.page = Switch(conditional(document([progress(A, 1)]), '"1"'))
        server.route("/page/api/v2/incidents.json", self.page)
        self.server, self.store, self.options = server, store, options
        self.notifier = self.start(NOW)

    def start(self, now: dt.datetime) -> Notifier:
        return Notifier.from_config(
            self.config, self.store, clock=lambda: now,
            environ={"HOOK": self.server.url(SECRET)}, **self.options,
        )  # fmt: skip

    def transition(self) -> Event:
        _collect(self.server, self.store, self.notifier, self.page)  # the baseline
        self.page.handler = conditional(document([progress(A, 4)]), '"2"')
        [event] = _collect(self.server, self.store, self.notifier, self.page)
        return event

    def rows(self) -> list[dict[str, Any]]:
        with self.store.read() as conn:
            return [dict(r) for r in conn.execute(select(NOTIFY_OUTBOX)).mappings()]


@pytest.mark.parametrize("kind", ["slack", "discord", "teams", "ntfy", "webhook"])
def test_retries_then_sent_once_and_recorded(
    server: LocalServer, store: Store, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    receiver = Receiver([500, 429])
    # The 429's Retry-After (0 s) is waited, not the 30 s of the schedule: drain(5) passes.
    hooked = Hooked(server, store, kind, receiver, delays=(0.05, 30.0))
    caplog.set_level("INFO", logger="incident_feed")
    try:
        hooked.transition()
        assert hooked.notifier.dispatcher.drain(5)
    finally:
        hooked.notifier.close()
    assert len(receiver.requests) == 1
    [row] = hooked.rows()
    what = "the ntfy topic" if kind == "ntfy" else "the webhook"
    assert (row["state"], row["attempts"], row["sent_at"]) == ("sent", 3, NOW)
    assert row["last_error"] == f"{what} answered HTTP 429"  # the last failed attempt's
    messages = [r.getMessage() for r in caplog.records]
    assert sum("event=notify_retry target=chat" in m for m in messages) == 2
    assert "retry_in=0.0" in "\n".join(messages)
    assert "s3cr3t" not in caplog.text


def test_a_refused_send_is_given_up_at_once(server: LocalServer, store: Store) -> None:
    receiver = Receiver([400])
    hooked = Hooked(server, store, "discord", receiver, delays=(0.05,))
    try:
        hooked.transition()
        assert hooked.notifier.dispatcher.drain(5)
    finally:
        hooked.notifier.close()
    [row] = hooked.rows()
    assert (row["state"], row["attempts"], row["last_error"]) == (
        "failed", 1, "the webhook answered HTTP 400",
    )  # fmt: skip
    assert receiver.requests == []


def test_a_send_cut_short_by_a_stop_is_sent_by_the_next_start(
    server: LocalServer, store: Store
) -> None:
    receiver = Receiver([503, 503])
    hooked = Hooked(server, store, "teams", receiver, delays=(30.0, 30.0))
    hooked.transition()
    assert _wait_for(lambda: hooked.rows()[0]["last_error"] is not None)
    # In the 30 s wait: the stop cuts it short, one more attempt fails, and the row is left
    # pending for a later start (not given up: the stop, not the target, ended the retries).
    hooked.notifier.close(timeout=2)
    [row] = hooked.rows()
    assert (row["state"], row["attempts"]) == ("pending", 2)
    restarted = hooked.start(NOW + dt.timedelta(minutes=1))
    try:
        assert restarted.resume(force=True) == 0  # touched a minute ago: maybe still alive
    finally:
        restarted.close()
    later = hooked.start(NOW + dt.timedelta(minutes=3))
    try:
        assert later.resume(force=True) == 1
        assert later.dispatcher.drain(5)
    finally:
        later.close()
    [row] = hooked.rows()
    assert (row["state"], row["attempts"]) == ("sent", 3)
    [request] = receiver.requests
    card = json.loads(request.body)["attachments"][0]["content"]
    assert (
        "is now identified (was investigating)" in card["body"][0]["items"][0]["inlines"][0]["text"]
    )


def _wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


# -- notify test --------------------------------------------------------------------------------

RECORDER = """
import json, sys
with open(sys.argv[1], "a", encoding="utf-8") as out:
    out.write(json.dumps(json.load(sys.stdin)) + "\\n")
"""


def test_notify_test_sends_one_marked_event_per_target(
    server: LocalServer,
    tmp_path: Path,
    run_cli: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    receivers = {kind: Receiver() for kind in ("slack", "discord", "teams", "ntfy", "webhook")}
    for kind, receiver in receivers.items():
        server.route(f"{SECRET}/{kind}", receiver)
        monkeypatch.setenv(f"HOOK_{kind.upper()}", server.url(f"{SECRET}/{kind}"))
    monkeypatch.setenv("NTFY_TOKEN", "tk_testtoken0000000000000000000")
    script = tmp_path / "recorder.py"
    script.write_text(RECORDER, encoding="utf-8")
    out = tmp_path / "command.jsonl"
    lines = []
    for kind in receivers:
        lines += ["[[notify]]", f'name = "{kind}-target"', f'kind = "{kind}"',
                  f'webhook_env = "HOOK_{kind.upper()}"']  # fmt: skip
        if kind == "ntfy":
            lines.append('token_env = "NTFY_TOKEN"')
    lines += ["[[notify]]", 'name = "script"',
              f"command = {json.dumps([sys.executable, str(script), str(out)])}"]  # fmt: skip
    config = tmp_path / "config.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "never-created.db"
    base = ["--config", config, "--db", db, "notify", "test"]

    assert run_cli(*base) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        "slack-target    slack    sent (HTTP 200)",
        "discord-target  discord  sent (HTTP 200)",
        "teams-target    teams    sent (HTTP 200)",
        "ntfy-target     ntfy     sent (HTTP 200)",
        "webhook-target  webhook  sent (HTTP 200)",
        "script          command  sent (exit 0)",
    ]
    assert all(len(r.requests) == 1 for r in receivers.values())
    assert "TEST: incident-feed" in json.loads(receivers["slack"].requests[0].body)["text"]
    ntfy = receivers["ntfy"].requests[0]
    assert ntfy.headers["title"].startswith("New incident at incident-feed: TEST:")
    assert ntfy.headers["authorization"] == "Bearer tk_testtoken0000000000000000000"
    [sample] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sample["incident"]["id"] == "incident-feed-test"
    assert "notify test" in sample["latest_update"]["text"]
    assert not db.exists()  # no database opened, nothing written

    # One target named; it fails (the receiver is down for it): exit 1, no secret shown.
    server.route(f"{SECRET}/teams", lambda request: Reply(503))
    monkeypatch.delenv("HOOK_DISCORD")
    assert run_cli(*base, "teams-target", "discord-target", "script") == 1
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        "teams-target    teams    failed: the webhook answered HTTP 503",
        "discord-target  discord  failed: environment variable HOOK_DISCORD is not set (it "
        "should hold the URL)",
        "script          command  sent (exit 0)",
    ]
    assert len(receivers["slack"].requests) == 1  # not named: not sent again
    assert not db.exists()

    assert run_cli(*base, "nope") == 2
    assert "no [[notify]] target named 'nope'" in capsys.readouterr().err


def test_the_readme_notify_example_is_valid_and_routes_as_it_says(
    events: dict[str, Event],
) -> None:
    import tomllib

    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    [block] = re.findall(r"```toml\n(\[\[notify\]\].*?)```", readme, re.DOTALL)
    config = parse_config(tomllib.loads(block), Path("README.md"))
    targets = {t.name: t for t in config.notify}
    assert {t.kind for t in config.notify} == {
        "slack", "ntfy", "discord", "teams", "webhook", "command",
    }  # fmt: skip
    openai = dataclasses.replace(
        events["resolved-major"],
        incident=dict(events["resolved-major"].incident, vendor="OpenAI"),
    )
    assert matches(targets["ai-team"], openai)
    assert not matches(targets["ai-team"], events["resolved-major"])  # GitHub's
    assert matches(targets["phones"], events["phase-major"])
    assert not matches(targets["phones"], events["new-minor"])
