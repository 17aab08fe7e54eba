"""The README's JSON example is what the product prints for the seed outage (first two updates)."""

from __future__ import annotations

import json
import re

import pytest

from incident_feed.cli import main
from tests.conftest import REPO
from tests.decide.test_outages import seed_db  # noqa: F401  (the fixture)


def test_the_readme_json_example_is_the_seed_output(
    seed_db: list[str],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    [block] = re.findall(r"```json\n(\[\n  \{\n    \"id\".*?)\n```", readme, re.DOTALL)
    capsys.readouterr()
    assert main([*seed_db, "incidents", "--json", "--with-updates"]) == 0
    items = json.loads(capsys.readouterr().out)
    for item in items:
        item["updates"] = item["updates"][:2]
    assert json.loads(block) == items


def test_the_readme_config_example_is_a_valid_config() -> None:
    import tomllib
    from pathlib import Path

    from incident_feed.config import parse_config

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block, watching = re.findall(r"```toml\n(follow = .*?)```", readme, re.DOTALL)
    watched = parse_config(tomllib.loads(watching), Path("README.md"))
    assert watched.source("openai-status").exclude_components == ("*Sora*",)
    assert watched.source("github-status").components[0] == "Git Operations"
    config = parse_config(tomllib.loads(block), Path("README.md"))
    assert config.followed == ("github", "cloudflare", "openai")
    assert config.source("github-x").active  # the override switched it on
    assert config.source("openai-status").components == ("API*",)
    assert config.source("example-status").vendor == "Example"
