"""Config validation and the shipped catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from incident_feed.config import load_config, parse_config, parse_duration
from incident_feed.errors import ConfigError
from tests.conftest import REPO


def test_shipped_catalogue_is_valid_and_large_enough() -> None:
    config = load_config(REPO / "config.toml")
    vendors = {v.name for v in config.vendors}
    assert len(vendors) >= 25
    for must in ("OpenAI", "Anthropic", "GitHub", "Cloudflare", "Slack", "Discord", "Stripe"):
        assert must in vendors
    assert all(s.url.startswith("https://") for s in config.sources)
    assert (REPO / "incident_feed" / "data" / "config.toml").resolve() == (
        REPO / "config.toml"
    ).resolve()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"settings": {"colour": 1}}, "settings.colour: unknown key"),
        ({"settings": {"timezone": "Mars/Base"}}, "not a known time zone"),
        ({"settings": {"limits": {"deadline": -1}}}, "settings.limits.deadline: must be at least"),
        ({"settings": {"allow_private_addresses": "yes"}}, "must be true or false"),
        ({"source": [{"name": "x", "vendor": "V", "kind": "smoke", "url": "https://a"}]}, "source[0].kind"),
        ({"source": [{"name": "X Y", "vendor": "V", "kind": "feed", "url": "https://a"}]}, "source[0].name"),
        ({"source": [{"name": "x", "vendor": "V", "kind": "feed", "url": "ftp://a"}]}, "source[0].url"),
        ({"source": [{"name": "x", "vendor": "V", "kind": "feed"}]}, "source[0].url: required"),
        ({"vendor": [{"name": "A"}], "source": [{"name": "x", "vendor": "B", "kind": "feed", "url": "https://a"}]}, "not a [[vendor]] name"),
        ({"source": [{"name": "x", "vendor": "V", "kind": "feed", "url": "https://a"}] * 2}, "used twice"),
    ],
)  # fmt: skip
def test_bad_values_are_rejected_with_the_key(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match="bad.toml") as info:
        parse_config(raw, Path("bad.toml"))
    assert message in str(info.value)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[settings\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_durations() -> None:
    assert parse_duration("90s") == 90 and parse_duration("5m") == 300 and parse_duration("2") == 2
    with pytest.raises(ValueError):
        parse_duration("soon")
