"""Real GitHub Statuspage incidents, served the way a status page serves them.

``incident(id)`` loads one real incident; ``progress`` cuts its thread to its first updates and
can move every time so that the incident looks recent (for notification freshness rules).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from incident_feed.config import Config, parse_config
from tests.conftest import FIXTURES
from tests.ops.local_server import LocalServer

HISTORY = FIXTURES / "statuspage" / "github-incident-history"
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def history_files() -> list[Path]:
    return sorted(p for p in HISTORY.glob("*.json") if p.name != "incident_codes.json")


def incident(native_id: str) -> dict[str, Any]:
    document = json.loads((HISTORY / f"{native_id}.json").read_text(encoding="utf-8"))
    return dict(document["incident"])


def page() -> dict[str, Any]:
    return dict(json.loads((HISTORY / "zjchv3zvfg50.json").read_text(encoding="utf-8"))["page"])


def document(incidents: Sequence[dict[str, Any]]) -> bytes:
    """An ``incidents.json`` body."""
    return json.dumps({"page": page(), "incidents": list(incidents)}).encode("utf-8")


def shifted(item: dict[str, Any], start: dt.datetime) -> dict[str, Any]:
    """The same incident with every time moved so that it started at ``start``."""
    delta = start - _parse(item["created_at"])

    def move(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: move(v) for k, v in value.items()}
        if isinstance(value, list):
            return [move(v) for v in value]
        if isinstance(value, str) and _TIME.match(value):
            return (_parse(value) + delta).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        return value

    return dict(move(copy.deepcopy(item)))


def progress(item: dict[str, Any], updates: int, *, statuses: Sequence[str] = ()) -> dict[str, Any]:
    """The incident as it stood after its first ``updates`` updates (oldest first), with their
    statuses optionally replaced; unresolved unless its last kept update is ``resolved``."""
    out = copy.deepcopy(item)
    thread = sorted(out["incident_updates"], key=lambda u: u["display_at"])[:updates]
    for update, status in zip(thread, statuses, strict=False):
        update["status"] = status
    out["incident_updates"] = list(reversed(thread))
    last = thread[-1]
    out["status"] = last["status"]
    out["updated_at"] = last["display_at"]
    if last["status"] != "resolved":
        out["resolved_at"] = None
    else:
        out["resolved_at"] = last["display_at"]
    return dict(out)


def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def local_config(
    server: LocalServer | None,
    sources: dict[str, str],
    *,
    kind: str = "statuspage",
    vendor: str = "GitHub",
    deadline: float = 2.0,
    notify: list[dict[str, Any]] | None = None,
    extra: dict[str, dict[str, Any]] | None = None,
) -> Config:
    """A config whose sources are paths on ``server`` (or full URLs), loopback allowed."""
    tables = []
    for name, path in sources.items():
        url = path if path.startswith("http") or server is None else server.url(path)
        tables.append(
            {"name": name, "vendor": vendor, "kind": kind, "url": url} | (extra or {}).get(name, {})
        )
    raw: dict[str, Any] = {
        "settings": {
            "allow_loopback": True,
            "limits": {"connect_timeout": 1.0, "read_timeout": deadline, "deadline": deadline},
        },
        "vendor": [{"name": vendor}],
        "source": tables,
    }
    if notify:
        raw["notify"] = notify
    return parse_config(raw, None)


def toml_config(
    config_path: Path, server: LocalServer, sources: dict[str, str], **extra: Any
) -> Path:
    """The same as :func:`local_config`, written as a config file (for subprocesses)."""
    lines = [
        "[settings]",
        "allow_loopback = true",
        "[settings.limits]",
        f"deadline = {extra.get('deadline', 2.0)}",
        f"read_timeout = {extra.get('deadline', 2.0)}",
        "connect_timeout = 1.0",
        "[[vendor]]",
        'name = "GitHub"',
    ]
    for name, path in sources.items():
        lines += [
            "[[source]]",
            f'name = "{name}"',
            'vendor = "GitHub"',
            'kind = "statuspage"',
            f'url = "{server.url(path)}"',
        ]
    lines += extra.get("tail", [])
    config_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config_path


def free_port() -> int:
    """A port nothing listens on (bound, then closed): connections to it are refused."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
