"""After a run where every source failed, the user is told so and why; `sources` marks inactive
sources and prints times as every other view does."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from types import SimpleNamespace

import pytest

from incident_feed.cli import main
from incident_feed.cli.export_watch import every_source_failed


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _config(tmp_path: Path, port: int) -> list[str]:
    text = f"""
[settings]
timezone = "UTC"
allow_loopback = true
[settings.limits]
connect_timeout = 1.0
deadline = 3.0
[[vendor]]
name = "Acme"
[[source]]
name = "acme-status"
vendor = "Acme"
kind = "statuspage"
url = "http://127.0.0.1:{port}"
[[source]]
name = "acme-feed"
vendor = "Acme"
kind = "feed"
url = "http://127.0.0.1:{port}/history.atom"
[[source]]
name = "acme-old"
vendor = "Acme"
kind = "feed"
url = "http://127.0.0.1:{port}/old.atom"
active = false
"""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return ["--config", str(path), "--db", str(tmp_path / "db.sqlite")]


def test_an_offline_run_says_every_source_failed_and_what_to_try(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path, _closed_port())
    assert main([*cfg, "collect"]) == 1
    err = capsys.readouterr().err
    assert "every source failed (2 no connection). No network? `make demo`" in err
    assert main([*cfg, "sources"]) == 0
    lines = capsys.readouterr().out.splitlines()
    status = next(line for line in lines if line.startswith("acme-status"))
    assert "FAILING x1" in status and "last ok -" in status
    assert "inactive" in next(line for line in lines if line.startswith("acme-old"))
    assert main([*cfg, "sources", "--json"]) == 0
    items = {i["name"]: i for i in json.loads(capsys.readouterr().out)}
    assert items["acme-old"]["active"] is False and items["acme-status"]["active"] is True


def test_the_summary_names_the_kinds_of_failure() -> None:
    failed = [
        SimpleNamespace(error="cannot resolve status.example: [Errno -3] Temporary failure"),
        SimpleNamespace(error="cannot resolve other.example: no addresses"),
        SimpleNamespace(error="HTTP 500 from https://status.example"),
    ]
    text = every_source_failed(failed)
    assert text.startswith("every source failed (2 no name resolved, 1 other error).")
    assert "No network?" in text
    broken = every_source_failed([SimpleNamespace(error="HTTP 500")] * 3)
    assert "No network?" not in broken and "`incident-feed sources`" in broken
