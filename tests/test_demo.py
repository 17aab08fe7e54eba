"""`make demo`: every shipped payload family imports into a throwaway database, with the OpenAI
seed linked across channels."""

from __future__ import annotations

from pathlib import Path

import pytest

from incident_feed import demo
from incident_feed.store.database import IncidentQuery, Store
from incident_feed.store.links import channels_for
from incident_feed.store.page_status import read_page_statuses


def test_demo_imports_every_family_and_links_the_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert demo.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "show openai-ctrsv3lwd797" in out
    store = Store.open(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        vendors = {row["vendor"] for row in store.incidents(IncidentQuery(limit=None))}
        assert vendors == {"GitHub", "Google Cloud", "Slack", "OpenAI"}
        records = store.records_for(["openai-ctrsv3lwd797"])["openai-ctrsv3lwd797"]
        assert [r["source_kind"] for r in records] == ["statuspage"]
        (openai_page,) = [
            row for row in read_page_statuses(store).values() if row["vendor"] == "OpenAI"
        ]
        assert len(openai_page["components"]) == 34  # the widget summary: `status openai`
        links = channels_for(store, ["openai-ctrsv3lwd797"])["openai-ctrsv3lwd797"].links
        assert sorted(link["incident_id"].split("-")[1] for link in links) == [
            "bluesky",
            "mastodon",
        ]
    finally:
        store.close()


def test_the_demo_runs_from_the_package_alone(tmp_path: Path) -> None:
    """Installed from a wheel there is no tests/ folder: the demo reads only the package."""
    import shutil
    import subprocess
    import sys

    from tests.conftest import REPO

    site = tmp_path / "site"
    shutil.copytree(
        REPO / "incident_feed",
        site / "incident_feed",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (site / "incident_feed" / "data" / "config.toml").unlink()
    shutil.copy(REPO / "config.toml", site / "incident_feed" / "data" / "config.toml")
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "incident_feed.demo", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    listed = subprocess.run(
        [sys.executable, "-m", "incident_feed", "--db", str(tmp_path / "demo.db"),
         "incidents", "--vendor", "OpenAI"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert listed.stdout.startswith("openai-ctrsv3lwd797") and "(+2 linked)" in listed.stdout
