"""Three real ``watch`` processes share five status pages on one PostgreSQL (a real server on
127.0.0.1) and notify a Slack-kind receiver and a command: every transition reaches each target
exactly once, whichever worker stored it and however many notifiers looked at it.

An integration check: here the notifiers race only when their passes happen to overlap (with
the compare-and-set disabled this test still passed twice out of two). The worst case, every
notifier deciding on the same read, is forced in ``test_notify_once.py``.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from incident_feed.store.database import Store
from incident_feed.store.tables import NOTIFY_META, NOTIFY_OUTBOX
from tests.ops.local_server import LocalServer, Switch, conditional
from tests.ops.payloads import document, incident, progress, toml_config
from tests.ops.receivers import RECORDER, Receiver

pytestmark = pytest.mark.postgres
INCIDENTS = "/api/v2/incidents.json"
# Real GitHub incidents with at least three updates each, one per page.
NATIVE_IDS = ("00km0kwpz23b", "00lscqwb6ht5", "00ymkms22sz7", "01g5rt6z89q2", "0d1bcqt29hm2")
STAGES = (
    ["investigating"],
    ["investigating", "identified"],
    ["investigating", "identified", "resolved"],
)


def _wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {seconds:g} s")
        time.sleep(0.1)


def test_three_watch_workers_notify_each_transition_once(
    server: LocalServer,
    postgres_url: str,
    tmp_path: Path,
    cli_command: list[str],
    subprocess_env: dict[str, str],
) -> None:
    pages = {f"page-{n}": Switch(conditional(b"", "")) for n in range(len(NATIVE_IDS))}
    items = {name: incident(native) for name, native in zip(pages, NATIVE_IDS, strict=True)}

    def stage(number: int) -> None:
        for name, page in pages.items():
            body = document([progress(items[name], number + 1, statuses=STAGES[number])])
            page.handler = conditional(body, f'"{name}-{number}"')

    stage(0)
    for name, page in pages.items():
        server.route(f"/{name}" + INCIDENTS, page)
    slack = Receiver()
    server.route("/hooks/slack-secret", slack)
    script = tmp_path / "recorder.py"
    script.write_text(RECORDER, encoding="utf-8")
    out = tmp_path / "command.jsonl"
    config = toml_config(
        tmp_path / "config.toml", server, {name: f"/{name}" for name in pages},
        tail=[
            "[[notify]]", 'name = "chat"', 'kind = "slack"', 'webhook_env = "SLACK_URL"',
            "[[notify]]", 'name = "script"',
            f"command = {json.dumps([sys.executable, str(script), str(out)])}",
        ],
    )  # fmt: skip
    env = subprocess_env | {"SLACK_URL": server.url("/hooks/slack-secret")}
    command = [*cli_command, "--config", str(config), "--db", postgres_url, "watch",
               "--interval", "1s", "--lease", "3s", "--workers", "2"]  # fmt: skip
    Store.open(postgres_url).close()  # migrated once, before the workers race to do it
    workers = [
        subprocess.Popen(
            [*command, "--log-file", str(tmp_path / f"worker-{n}.log")],
            env=env,
            text=True,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        for n in range(3)
    ]
    store = Store.open(postgres_url)

    def known() -> bool:  # every page's history taken as baseline by some notifier
        with store.read() as conn:
            keys = set(conn.execute(select(NOTIFY_META.c.key)).scalars())
        return {f"source:{name}" for name in pages} <= keys

    def messages(count: int) -> Callable[[], bool]:
        return lambda: len(slack.requests) >= count

    try:
        _wait_until(known, 30, "baseline of every page")
        stage(1)
        _wait_until(messages(len(pages)), 30, "identified notifications")
        time.sleep(3)  # several more passes by every worker: room for a duplicate
        stage(2)
        _wait_until(messages(2 * len(pages)), 30, "resolved notifications")
        time.sleep(3)
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        errors = [worker.communicate(timeout=30)[1] for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    try:
        with store.read() as conn:
            rows = [dict(r) for r in conn.execute(select(NOTIFY_OUTBOX)).mappings()]
    finally:
        store.close()
    assert all(worker.returncode == 0 for worker in workers), errors
    texts = [json.loads(r.body)["text"] for r in slack.requests]
    assert len(texts) == len(set(texts)) == 2 * len(pages), texts
    assert sum(" is now identified (was investigating)" in t for t in texts) == len(pages)
    assert sum(t.startswith("Resolved at GitHub") for t in texts) == len(pages)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    pairs = sorted((m["event"], m["incident"]["id"]) for m in lines)
    expected = sorted(
        (event, f"github-{native}") for native in NATIVE_IDS for event in ("phase", "resolved")
    )
    assert pairs == expected
    assert len(rows) == 4 * len(pages)  # 2 transitions x 2 targets per page
    assert {(r["state"], r["attempts"]) for r in rows} == {("sent", 1)}
    logs = [(tmp_path / f"worker-{n}.log").read_text() for n in range(3)]
    assert sum(log.count("event=notified ") for log in logs) == 4 * len(pages)
    assert "slack-secret" not in "".join(logs)
