"""A farm of Statuspage pages on the 127.0.0.1 test server, for the collection benchmarks.

Page ``n`` is its own vendor and serves the three documents a Statuspage source reads:
an ``incidents.json`` (real GitHub incidents, ``bodies[n % len(bodies)]``), an empty
``scheduled-maintenances.json`` and GitHub's real ``summary.json``; with ``etags``, each with an
ETag, so a second pass is all 304.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from benchmarks.common import FIXTURES, history_files
from tests.ops.local_server import LocalServer, conditional, respond

PATHS = ("api/v2/incidents.json", "api/v2/scheduled-maintenances.json", "api/v2/summary.json")
SUMMARY = FIXTURES / "statuspage" / "githubstatus-summary" / "summary-2022-11-25.json"


def incident_bodies(groups: Sequence[Sequence[int]]) -> list[bytes]:
    """One ``incidents.json`` body per group of history positions (the history's files in
    name order), all with the history's page."""
    files = history_files()
    wanted = sorted({index for group in groups for index in group})
    history = {index: json.loads(files[index].read_text()) for index in wanted}
    page = json.loads(files[0].read_text())["page"]
    return [
        json.dumps({"page": page, "incidents": [history[i]["incident"] for i in group]}).encode()
        for group in groups
    ]


def serve_farm(
    server: LocalServer, count: int, bodies: Sequence[bytes], *, etags: bool = True
) -> dict[str, Any]:
    """Route ``count`` pages (``/s<n>/api/v2/...``); their config as ``parse_config`` reads it."""
    page = json.loads(history_files()[0].read_text())["page"]
    empty = json.dumps({"page": page, "scheduled_maintenances": []}).encode()
    summary = SUMMARY.read_bytes()
    digits = max(3, len(str(count - 1)))
    vendors, sources = [], []
    for n in range(count):
        base = f"/s{n}"
        documents = (bodies[n % len(bodies)], empty, summary)
        for path, body, tag in zip(PATHS, documents, "ims", strict=True):
            handler = conditional(body, f'"{tag}{n}"') if etags else respond(body)
            server.route(f"{base}/{path}", handler)
        vendor = f"Vendor {n:0{digits}d}"
        vendors.append({"name": vendor})
        sources.append(
            {"name": f"source-{n:0{digits}d}", "vendor": vendor, "kind": "statuspage",
             "url": server.url(base)}
        )  # fmt: skip
    return {"settings": {"allow_loopback": True}, "vendor": vendors, "source": sources}


def farm_urls(server: LocalServer, count: int) -> list[list[str]]:
    """Each page's three URLs, in the order a source fetches them (for the network floor)."""
    return [[server.url(f"/s{n}/{path}") for path in PATHS] for n in range(count)]
