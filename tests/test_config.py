"""Config validation and the shipped catalogue."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from incident_feed.config import KEY_BINDING_IDS, load_config, parse_config, parse_duration
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
        ({"settings": {"allow_loopback": "yes"}}, "settings.allow_loopback: must be true or false"),
        ({"settings": {"allow_networks": "10.0.0.0/8"}}, "settings.allow_networks: must be a list"),
        ({"settings": {"allow_networks": ["10.0.0.1/8"]}}, "has host bits set"),
        ({"settings": {"allow_networks": ["intranet"]}}, "'intranet' is not a range"),
        ({"settings": {"allow_networks": ["0.0.0.0/0"]}}, "allows every address"),
        ({"settings": {"allow_networks": ["::/0"]}}, "allows every address"),
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


def test_address_settings() -> None:
    settings = parse_config(
        {"settings": {"allow_loopback": True, "allow_networks": ["10.0.0.0/8", "fd00::/8"]}}, None
    ).settings
    assert settings.allow_loopback is True
    assert [str(n) for n in settings.allow_networks] == ["10.0.0.0/8", "fd00::/8"]
    default = parse_config({}, None).settings
    assert default.allow_loopback is False and default.allow_networks == ()


def test_the_replaced_allow_private_addresses_setting() -> None:
    """``false`` (the old default, in many copied configs) is still read; ``true`` is an error
    with the replacement, rather than a silent change of what it allows."""
    assert parse_config({"settings": {"allow_private_addresses": False}}, None).settings == (
        parse_config({}, None).settings
    )
    with pytest.raises(ConfigError) as info:
        parse_config({"settings": {"allow_private_addresses": True}}, Path("old.toml"))
    message = str(info.value)
    assert message.startswith("old.toml: settings.allow_private_addresses was replaced")
    assert "allow_loopback = true" in message and "allow_networks" in message


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[settings\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_durations() -> None:
    assert parse_duration("90s") == 90 and parse_duration("5m") == 300 and parse_duration("2") == 2
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_keys_table_remaps_binding_ids() -> None:
    config = parse_config(
        {"keys": {"cursor-down": "n, ctrl+n", "help": "f1", "filter": "question_mark"}}, None
    )
    assert config.keys == {"cursor-down": "n,ctrl+n", "help": "f1", "filter": "question_mark"}
    assert parse_config({}, None).keys == {}


def test_shipped_catalogue_documents_every_binding_id() -> None:
    """The commented ``[keys]`` example in config.toml names every id, and parses once
    uncommented."""
    text = (REPO / "config.toml").read_text(encoding="utf-8")
    block = text[text.index("\n# [keys]\n") + 1 :].split("\n\n")[0]
    lines = [line.removeprefix("# ") for line in block.splitlines()]
    example = tomllib.loads("\n".join(line for line in lines if not line.startswith("#")))
    config = parse_config(example, Path("config.toml"))
    assert set(config.keys) == KEY_BINDING_IDS


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"cursor-dwn": "j"}, "keys.cursor-dwn: unknown binding id (known: back, "),
        ({"quit": "ctl+q"}, "keys.quit: 'ctl+q' is not a key string"),
        ({"quit": "pgdown"}, "keys.quit: 'pgdown' is not a key string"),
        ({"quit": "Enter"}, "keys.quit: 'Enter' is not a key string"),
        ({"quit": "ctrl+"}, "keys.quit: 'ctrl+' is not a key string"),
        ({"quit": "j,,k"}, "keys.quit: 'j,,k' is not a key string"),
        ({"quit": ""}, "keys.quit: '' is not a key string"),
        ({"quit": " "}, "keys.quit: ' ' is not a key string"),
        ({"quit": "ctrl+ctrl+q"}, "keys.quit: 'ctrl+ctrl+q' is not a key string"),
        ({"quit": 17}, "keys.quit: 17 is not a key string"),
        ({"quit": ["q"]}, "keys.quit: ['q'] is not a key string"),
    ],
)
def test_bad_keys_are_rejected_with_the_file_and_the_key(
    keys: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match="bad.toml") as info:
        parse_config({"keys": keys}, Path("bad.toml"))
    assert message in str(info.value)


def test_keys_must_be_a_table() -> None:
    with pytest.raises(ConfigError, match=r"bad.toml: keys: must be a table"):
        parse_config({"keys": ["quit"]}, Path("bad.toml"))
