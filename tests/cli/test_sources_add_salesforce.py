"""`sources add` tells a Salesforce Trust instance page or API URL by its form, without a
request, and writes the API URL with the instance in its query."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from incident_feed.cli import main
from incident_feed.sources.detect import _salesforce

pytestmark = pytest.mark.block_network


@pytest.mark.parametrize(
    ("url", "configured"),
    [
        ("https://status.salesforce.com/instances/eu48", "?instance=EU48"),
        ("https://status.salesforce.com/instances/NA224/maintenances", "?instance=NA224"),
        ("https://api.status.salesforce.com/v1/incidents?instance=EU48&locale=es",
         "?instance=EU48&locale=es"),
        ("https://api.status.salesforce.com/v1", ""),
    ],
)  # fmt: skip
def test_a_trust_url_is_added_as_the_api_with_its_instance(
    url: str, configured: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[settings]\ntimezone = "UTC"\n', encoding="utf-8")
    code = main(["--config", str(config), "--db", str(tmp_path / "db.sqlite"),
                 "sources", "add", url])  # fmt: skip
    assert code == 0, capsys.readouterr()
    assert "detected: salesforce" in capsys.readouterr().out
    (added,) = tomllib.loads(config.read_text(encoding="utf-8"))["source"]
    assert (added["kind"], added["vendor"], added["name"]) == (
        "salesforce",
        "Salesforce",
        "salesforce-status",
    )
    assert added["url"] == f"https://api.status.salesforce.com/v1{configured}"


@pytest.mark.parametrize(
    "url",
    [
        "https://status.salesforce.com/instances/../../etc",
        "https://status.salesforce.com.evil.example/instances/EU48",
        "https://api.status.salesforce.com/v2/incidents",
    ],
)
def test_look_alikes_are_not_trust(url: str) -> None:
    assert _salesforce(url) is None
