"""Smoke test in a real terminal: tmux runs the TUI at 100x30, keys go in, the pane comes out.

Skipped only when tmux is missing (CI installs it). A private tmux server (``-L``) is used and
killed at the end; every wait is bounded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from incident_feed.store.database import Store
from tests.conftest import REPO
from tests.tui.conftest import TUI_NOW
from tests.tui.drafts import hostile

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
CONFIG = """
[settings]
timezone = "UTC"

[[vendor]]
name = "GitHub"

[[source]]
name = "github-status"
vendor = "GitHub"
kind = "statuspage"
url = "https://www.githubstatus.com"
"""


class Pane:
    def __init__(self, socket: str, session: str) -> None:
        self.socket, self.session = socket, session

    def tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10
        )

    def text(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session).stdout

    def keys(self, *keys: str) -> None:
        for key in keys:  # one at a time: a person types, tmux would send a burst
            self.tmux("send-keys", "-t", self.session, key)
            # A lone ESC followed quickly by a letter reads as alt+letter: let it stand alone.
            time.sleep(0.4 if key == "Escape" else 0.05)

    def wait_for(self, needle: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if needle in text:
                return text
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} not on screen after {timeout}s:\n{self.text()}")

    def alive(self) -> bool:
        return self.tmux("has-session", "-t", self.session).returncode == 0


@pytest.fixture
def pane(seeded_db: Path, tmp_path: Path) -> Iterator[Pane]:
    db = tmp_path / "smoke.db"
    shutil.copy(seeded_db, db)
    store = Store.open(f"sqlite:///{db}")
    store.apply("evil-status", "statuspage", [hostile(TUI_NOW)], TUI_NOW)
    store.close()
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    env = {
        "PYTHONPATH": str(REPO),
        "INCIDENT_FEED_DATA_DIR": str(tmp_path / "data"),
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
    }
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    command = f"env -i {exports} {sys.executable} -m incident_feed --config {config} --db {db}"
    socket = f"incident-feed-test-{uuid.uuid4().hex[:8]}"
    session = "smoke"
    window = Pane(socket, session)
    started = window.tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", command)
    assert started.returncode == 0, started.stderr
    try:
        yield window
    finally:
        window.tmux("kill-server")


def test_tui_in_a_real_terminal(pane: Pane) -> None:
    screen = pane.wait_for("incidents stored")
    assert "1,397 incidents stored" in screen
    # The hostile incident (active, newest) is listed literally, and ESC[2J did not clear the
    # terminal: the header and the other rows are still there.
    assert "[@click=app.quit]x[/] [/] ␛[2J" in screen
    assert "Google Cloud" in screen
    pane.keys("/", "c", "o", "p", "i", "l", "o", "t", "Enter")
    pane.wait_for("matching 'copilot'")
    pane.keys("Escape")
    pane.wait_for("all incidents")
    pane.keys("G")
    pane.wait_for("1,397 of 1,397")
    pane.keys("g", "Enter")
    screen = pane.wait_for("why ")
    assert "[@click=app.quit]x[/]" in screen
    pane.keys("Escape", "s")
    pane.wait_for("Last success")
    pane.keys("?")
    pane.wait_for("incident-feed keys")
    pane.keys("Escape", "Escape", "q")
    deadline = time.monotonic() + 10
    while pane.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not pane.alive(), "the app did not quit on q"
