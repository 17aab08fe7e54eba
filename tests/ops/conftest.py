"""Fixtures for the operations tests (export, watch, lock, notifications).

``run_cli`` runs the real command line in-process with ``export`` and ``watch`` registered
(see :mod:`tests.ops.entry`); ``cli_command`` gives the argv prefix to run it as a subprocess.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.ops import entry
from tests.ops.local_server import LocalServer
from tests.store.conftest import postgres_server, postgres_url  # noqa: F401 - shared fixtures

CONFIG = REPO / "config.toml"


@pytest.fixture
def run_cli() -> Callable[..., int]:
    def run(*argv: str | os.PathLike[str]) -> int:
        return entry.main([str(a) for a in argv])

    return run


@pytest.fixture
def cli_command() -> list[str]:
    return [sys.executable, "-m", "tests.ops.entry"]


@pytest.fixture
def subprocess_env(tmp_path: Path) -> dict[str, str]:
    """The environment for CLI subprocesses: this repo importable, nothing from the real user."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_FEED_")}
    env["PYTHONPATH"] = str(REPO)
    env["INCIDENT_FEED_DATA_DIR"] = str(tmp_path / "data")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")
    return env


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running
    running.check()
