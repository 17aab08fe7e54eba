"""Social sources in the config: the account forms each kind accepts, and ``token_env``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from incident_feed.config import load_config, parse_account, parse_config
from incident_feed.errors import ConfigError
from tests.conftest import REPO


def one_source(**fields: Any) -> dict[str, Any]:
    return {"source": [{"name": "s", "vendor": "V", **fields}]}


@pytest.mark.parametrize(
    ("kind", "text", "name", "base"),
    [
        ("mastodon", "@status@mastodon.social", "status", "https://mastodon.social"),
        ("mastodon", "status@Mastodon.Social", "status", "https://mastodon.social"),
        ("mastodon", "https://fosstodon.org/@py_status", "py_status", "https://fosstodon.org"),
        ("mastodon", "http://127.0.0.1:8080/@a.b", "a.b", "http://127.0.0.1:8080"),
        ("bluesky", "status.example.com", "status.example.com", None),
        ("bluesky", "@Status.Bsky.Social", "status.bsky.social", None),
        ("bluesky", "did:plc:6anhfgjkkjl4zhisacwertic", "did:plc:6anhfgjkkjl4zhisacwertic", None),
        ("bluesky", "https://bsky.app/profile/bsky.app", "bsky.app", None),
        ("bluesky", "https://bsky.app/profile/did:plc:abc/", "did:plc:abc", None),
        ("x", "@MSFT365Status", "MSFT365Status", None),
        ("x", "githubstatus", "githubstatus", None),
        ("x", "https://twitter.com/SlackStatus", "SlackStatus", None),
        ("x", "https://x.com/XboxSupport/", "XboxSupport", None),
    ],
)  # fmt: skip
def test_account_forms(kind: str, text: str, name: str, base: str | None) -> None:
    account = parse_account(kind, text)
    assert (account.platform, account.name, account.base) == (kind, name, base)


@pytest.mark.parametrize(
    ("kind", "text", "reason"),
    [
        ("mastodon", "mastodon.social/@status", "is not a Mastodon account"),
        ("mastodon", "https://mastodon.social/@status@other.example", "home instance"),
        ("mastodon", "@status", "is not a Mastodon account"),
        ("mastodon", "javascript:alert(1)", "is not a Mastodon account"),
        ("bluesky", "status", "is not a Bluesky account"),
        ("bluesky", "https://bsky.app/profile/", "is not a Bluesky account"),
        ("bluesky", "status.123", "is not a Bluesky account"),
        ("x", "@much_too_long_username", "is not an X account"),
        ("x", "https://x.com/status/123", "is not an X account"),
        ("x", "https://evil.example/x.com/name", "is not an X account"),
    ],
)  # fmt: skip
def test_bad_accounts_are_refused_with_the_forms_allowed(kind: str, text: str, reason: str) -> None:
    with pytest.raises(ConfigError, match="bad.toml") as info:
        parse_config(one_source(kind=kind, url=text, **_token(kind)), Path("bad.toml"))
    message = str(info.value)
    assert "source[0].url" in message and reason in message


def _token(kind: str) -> dict[str, str]:
    return {"token_env": "X_BEARER_TOKEN"} if kind == "x" else {}


def test_status_page_kinds_still_need_http_urls() -> None:
    with pytest.raises(ConfigError, match=r"source\[0\].url: '@a@b.c' is not an http\(s\) URL"):
        parse_config(one_source(kind="statuspage", url="@a@b.c"), None)


def test_token_env_is_required_for_x_and_refused_elsewhere() -> None:
    with pytest.raises(ConfigError, match="token_env: required for x sources"):
        parse_config(one_source(kind="x", url="@githubstatus"), None)
    for kind, url in (("mastodon", "@a@b.example"), ("feed", "https://a.example/rss")):
        with pytest.raises(ConfigError, match="token_env: only x sources take a token"):
            parse_config(one_source(kind=kind, url=url, token_env="T"), None)
    config = parse_config(one_source(kind="x", url="@githubstatus", token_env="X_TOKEN"), None)
    assert config.sources[0].token_env == "X_TOKEN"


def test_a_token_pasted_into_token_env_is_not_echoed() -> None:
    secret = "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI"
    with pytest.raises(ConfigError) as info:
        parse_config(one_source(kind="x", url="@githubstatus", token_env=secret), None)
    assert secret not in str(info.value)
    assert "not the token itself" in str(info.value)


def test_shipped_catalogue_social_sources() -> None:
    config = load_config(REPO / "config.toml")
    social = [s for s in config.sources if s.kind in ("mastodon", "bluesky", "x")]
    assert social, "the catalogue ships social accounts"
    for source in social:
        parse_account(source.kind, source.url)
        if source.kind == "x":
            assert not source.active, f"{source.name}: X needs a token, so it ships opt-in"
            assert source.token_env == "X_BEARER_TOKEN"
    slack = config.source("slack-x")
    assert slack.url == "https://x.com/SlackStatus" and not slack.active
