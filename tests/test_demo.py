"""`make demo`: every shipped payload family imports into a throwaway database, with the OpenAI
seed linked across channels."""

from __future__ import annotations

from pathlib import Path

import pytest

from incident_feed import demo
from incident_feed.decide.links import channels_for
from incident_feed.store.database import IncidentQuery, Store


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
        links = channels_for(store, ["openai-ctrsv3lwd797"])["openai-ctrsv3lwd797"].links
        assert sorted(link["incident_id"].split("-")[1] for link in links) == [
            "bluesky",
            "mastodon",
        ]
    finally:
        store.close()
