"""The hostile-input campaign of issue 11, kept as tests so that it stays true.

Each fault is tried the way an attacker or a clumsy user would, through the real command line,
against a real server on 127.0.0.1 (never another address: redirects elsewhere must be refused
before any connection). For each one the campaign checks the exit code, that no traceback
escaped, and what happened to the stored rows (nothing, or only the good items). The figures of
the last run are in ``docs/robustness.md``.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from incident_feed.cli import main
from incident_feed.store.database import IncidentQuery, Store
from tests.conftest import FIXTURES, REPO
from tests.ops.local_server import LocalServer, Reply, respond

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])

ATOM = FIXTURES / "feeds" / "githubstatus" / "history-2024-04-13.atom"
HISTORY = FIXTURES / "statuspage" / "github-incident-history"
FEED_TYPE = {"Content-Type": "application/atom+xml; charset=utf-8"}
HUGE = "9" * 5000


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer(max_requests=200) as local:
        yield local


class Campaign:
    """A config and a database in ``tmp_path``, and the command line run on them."""

    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.tmp = tmp_path
        self.capsys = capsys
        self.db = tmp_path / "campaign.db"
        self.config = tmp_path / "config.toml"

    def configure(self, sources: str, settings: str = "allow_loopback = true\n") -> None:
        self.config.write_text(
            f'[settings]\ntimezone = "UTC"\n{settings}\n[settings.limits]\ndeadline = 5.0\n'
            f'[[vendor]]\nname = "GitHub"\n{sources}',
            encoding="utf-8",
        )

    def run(self, *args: str) -> tuple[int, str]:
        """Exit code and everything printed; a traceback escaping ``main`` fails the test."""
        self.capsys.readouterr()
        code = main(["--config", str(self.config), "--db", str(self.db), *args])
        out = self.capsys.readouterr()
        text = out.out + out.err
        assert "Traceback" not in text and "internal error" not in text
        return code, text

    def rows(self) -> dict[str, Any]:
        """Every incident and update, row for row (nothing when there is no database yet)."""
        if not self.db.exists():
            return {}
        store = Store.open(f"sqlite:///{self.db}")
        try:
            incidents = store.incidents(IncidentQuery(limit=None))
            ids = [row["id"] for row in incidents]
            updates = store.updates_for(ids)
            return {
                row["id"]: (dict(row), [dict(u) for u in updates.get(row["id"], [])])
                for row in incidents
            }
        finally:
            store.close()


@pytest.fixture
def campaign(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Campaign:
    return Campaign(tmp_path, capsys)


def source(name: str, kind: str, url: str) -> str:
    return f'[[source]]\nname = "{name}"\nvendor = "GitHub"\nkind = "{kind}"\nurl = "{url}"\n'


def incidents_document(*incidents: dict[str, Any]) -> bytes:
    page = json.loads((HISTORY / "00km0kwpz23b.json").read_text())["page"]
    return json.dumps({"page": page, "incidents": list(incidents)}).encode()


def real_incident(name: str) -> dict[str, Any]:
    incident: dict[str, Any] = json.loads((HISTORY / f"{name}.json").read_text())["incident"]
    return incident


# -- 1. a document is whole or it is an error ------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "path", "body", "headers"),
    [
        ("feed", "/history.atom", ATOM.read_bytes(), FEED_TYPE),
        (
            "statuspage",
            "/api/v2/incidents.json",
            incidents_document(real_incident("00km0kwpz23b"), real_incident("00lscqwb6ht5")),
            {"Content-Type": "application/json"},
        ),
    ],
    ids=["atom", "statuspage-json"],
)
def test_a_truncated_document_after_the_full_one_changes_nothing(
    campaign: Campaign,
    server: LocalServer,
    kind: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
) -> None:
    state = {"body": body}
    server.route(path, lambda _r: Reply(200, state["body"], headers))
    url = server.url(path) if kind == "feed" else server.url("/")
    campaign.configure(source("github", kind, url))
    assert campaign.run("collect")[0] == 0
    before = campaign.rows()
    assert before
    state["body"] = body[: len(body) // 2]
    code, text = campaign.run("collect")
    assert code == 1 and "github" in text
    assert campaign.rows() == before
    assert campaign.run("incidents", "--active")[1].startswith("No incidents match")


# -- 2. addresses -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://10.0.0.1/",
        "http://0.0.0.0/",
    ],
)
def test_a_redirect_off_loopback_is_refused_even_with_loopback_allowed(
    campaign: Campaign, server: LocalServer, target: str
) -> None:
    server.route("/history.atom", respond(b"", 302, {"Location": target}))
    campaign.configure(source("github", "feed", server.url("/history.atom")))
    code, text = campaign.run("collect")
    assert code == 1 and "refusing" in text
    assert len(server.requests) == 1  # the redirect itself; nothing was fetched from the target
    assert campaign.rows() == {}


# -- 3. one bad value fails its item, not the document ------------------------------------------


def test_unstorable_values_fail_their_item_only(campaign: Campaign, server: LocalServer) -> None:
    good = real_incident("00km0kwpz23b")
    surrogate = real_incident("00lscqwb6ht5") | {"name": "lone \udfff surrogate"}
    nul = real_incident("00ymkms22sz7") | {"name": "a NUL \x00 here"}
    text = incidents_document(good, surrogate, nul, real_incident("01g5rt6z89q2") | {"id": 0})
    body = text.replace(b'"id": 0,', f'"id": {HUGE},'.encode(), 1)
    server.route("/api/v2/incidents.json", respond(body))
    campaign.configure(source("github", "statuspage", server.url("/")))
    code, _ = campaign.run("collect")
    assert code == 0
    titles = {row["title"] for row, _ in campaign.rows().values()}
    assert good["name"] in titles and "lone \ufffd surrogate" in titles
    assert "a NUL  here" in titles or "a NUL here" in titles
    assert len(titles) == 3  # the 5,000-digit id is the one item skipped


def test_an_import_stores_every_good_file_and_names_the_bad_ones(
    campaign: Campaign, tmp_path: Path
) -> None:
    campaign.configure("")
    good = sorted(HISTORY.glob("0*.json"))[:33]
    bad = tmp_path / "bad.json"
    bad.write_text('{"incidents": [', encoding="utf-8")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    code, text = campaign.run(
        "import", "--kind", "statuspage", "--vendor", "GitHub", *map(str, good), str(bad),
        str(folder),
    )  # fmt: skip
    assert code == 1 and "bad.json" in text and "a-folder" in text
    assert len(campaign.rows()) == 33


def test_a_fifo_or_a_device_is_refused_without_reading(campaign: Campaign, tmp_path: Path) -> None:
    campaign.configure("")
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        result = subprocess.run(
            [sys.executable, "-m", "incident_feed", "--config", str(campaign.config), "--db",
             str(campaign.db), "import", "--kind", "statuspage", "--vendor", "GitHub", str(path)],
            cwd=REPO, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert str(path) in result.stderr


# -- 4. safe writes ----------------------------------------------------------------------------


def test_export_to_a_device_or_a_symlink_replaces_nothing(
    campaign: Campaign, tmp_path: Path
) -> None:
    campaign.configure("")
    campaign.run(
        "import", "--kind", "statuspage", "--vendor", "GitHub", str(HISTORY / "00km0kwpz23b.json")
    )
    assert campaign.run("export", "github-00km0kwpz23b", "-o", "/dev/null")[0] == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    target = tmp_path / "kept.md"
    target.write_text("mine", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    code, _ = campaign.run("export", "github-00km0kwpz23b", "-o", str(link))
    assert code == 2 and link.is_symlink() and target.read_text(encoding="utf-8") == "mine"


# -- 5. times ---------------------------------------------------------------------------------


def test_a_year_9999_maintenance_exports_in_any_zone(campaign: Campaign, tmp_path: Path) -> None:
    maintenance = real_incident("00km0kwpz23b") | {
        "id": "farfuture001",
        "name": "Maintenance at the end of time",
        "impact": "maintenance",
        "status": "scheduled",
        "scheduled_for": "9999-12-31T23:59:00.000Z",
        "scheduled_until": "9999-12-31T23:59:59.000Z",
        "resolved_at": None,
    }
    path = tmp_path / "maintenance.json"
    path.write_bytes(incidents_document(maintenance))
    campaign.configure("")
    assert campaign.run("import", "--kind", "statuspage", "--vendor", "GitHub", str(path))[0] == 0
    for zone in ("UTC", "Asia/Tokyo", "America/Los_Angeles"):
        code, text = campaign.run("export", "--vendor", "GitHub", "--tz", zone)
        assert code == 0 and "Maintenance at the end of time" in text


# -- 6, 7, 8. the lock, secrets, config and arguments -------------------------------------------


def test_a_password_in_a_source_url_is_refused_and_never_printed(campaign: Campaign) -> None:
    campaign.configure(source("github", "feed", "https://user:hunter2@status.example/feed"))
    code, text = campaign.run("sources", "--json")
    assert code == 2 and "hunter2" not in text and "environment variable" in text


def test_a_token_in_a_failing_source_url_never_shows(
    campaign: Campaign, server: LocalServer
) -> None:
    server.route("/feed", respond(b"<html>not a feed", 200, {"Content-Type": "text/html"}))
    campaign.configure(source("github", "feed", server.url("/feed") + "?access_token=s3cr3t"))
    code, text = campaign.run("collect")
    assert code == 1 and "s3cr3t" not in text
    assert "s3cr3t" not in campaign.run("sources", "--json")[1]


@pytest.mark.parametrize(
    "settings",
    ["deadline = inf", "deadline = nan", "deadline = 1e300", "max_body_bytes = inf"],
)
def test_non_finite_limits_are_config_errors(campaign: Campaign, settings: str) -> None:
    campaign.config.write_text(f"[settings.limits]\n{settings}\n", encoding="utf-8")
    code, text = campaign.run("sources")
    assert code == 2 and settings.split()[0] in text


@pytest.mark.parametrize(
    "args",
    [["incidents", "--limit", "99999999999999999999999"], ["incidents", "--since", "999999999d"]],
)
def test_huge_arguments_are_usage_errors(campaign: Campaign, args: list[str]) -> None:
    campaign.configure("")
    with pytest.raises(SystemExit) as exit_:
        campaign.run(*args)
    assert exit_.value.code == 2


def test_deep_toml_is_a_config_error(campaign: Campaign) -> None:
    campaign.config.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    assert campaign.run("sources")[0] == 2


def test_a_read_on_a_missing_database_creates_nothing(campaign: Campaign, tmp_path: Path) -> None:
    campaign.configure("")
    missing = tmp_path / "typo" / "nope.db"
    campaign.db = missing
    code, text = campaign.run("incidents")
    assert code == 1 and "no database" in text and not missing.parent.exists()


def test_a_db_path_is_taken_literally(campaign: Campaign, tmp_path: Path) -> None:
    campaign.configure("")
    campaign.db = tmp_path / "we?ird.db"
    campaign.run(
        "import", "--kind", "statuspage", "--vendor", "GitHub", str(HISTORY / "00km0kwpz23b.json")
    )
    assert campaign.db.exists() and not (tmp_path / "we").exists()


# -- 9. every printed field is cleaned --------------------------------------------------------


def test_hostile_text_is_inert_in_every_printed_view(campaign: Campaign, tmp_path: Path) -> None:
    hostile = "\x1b]52;c;cHduZWQ=\x07 \u200f\u061c evil\u2028line [@click=app.quit]x[/]"
    incident = real_incident("00km0kwpz23b") | {"name": f"Outage {hostile}"}
    path = tmp_path / "hostile.json"
    path.write_bytes(incidents_document(incident))
    campaign.configure("")
    campaign.run("import", "--kind", "statuspage", "--vendor", "GitHub", str(path))
    for args in (["incidents"], ["show", "github-00km0kwpz23b"], ["export", "github-00km0kwpz23b"]):
        _, text = campaign.run(*args)
        assert "Outage" in text
        for bad in ("\x1b", "\x07", "\u200f", "\u061c", "\u2028"):
            assert bad not in text, (args, bad)


# -- the earlier fault matrix: broken servers -------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


FAULTS: dict[str, Callable[[], Reply]] = {
    "500": lambda: Reply(500, b"oops"),
    "html-error-page": lambda: Reply(
        200, b"<html><body>Error</body></html>", {"Content-Type": "text/html"}
    ),
    "invalid-json": lambda: Reply(200, b"{not json", {"Content-Type": "application/json"}),
    "gzip-bomb": lambda: Reply(
        200,
        gzip.compress(b"\0" * 64 * 1024 * 1024),
        {"Content-Encoding": "gzip", "Content-Type": "application/json"},
    ),
    "slow-drip": lambda: Reply(
        200, b"{" + b" " * 200 + b"}", {"Content-Type": "application/json"}, drip=0.05
    ),
    "cut": lambda: Reply(cut=True),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_broken_server_is_one_error_and_changes_nothing(
    campaign: Campaign, server: LocalServer, fault: str
) -> None:
    state: dict[str, Callable[[], Reply]] = {
        "reply": lambda: Reply(200, ATOM.read_bytes(), FEED_TYPE)
    }
    server.route("/history.atom", lambda _r: state["reply"]())
    campaign.configure(
        source("github", "feed", server.url("/history.atom"))
        + source("down", "feed", f"http://127.0.0.1:{_closed_port()}/feed"),
        settings="allow_loopback = true\n",
    )
    campaign.run("collect")
    before = campaign.rows()
    assert len(before) == 25
    state["reply"] = FAULTS[fault]
    code, text = campaign.run("collect")
    assert code == 1 and "github" in text
    assert campaign.rows() == before
