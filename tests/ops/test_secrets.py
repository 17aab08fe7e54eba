"""Secrets in source URLs (issue 11, item 7): redacted wherever a URL is printed, logged or stored
as an error; userinfo refused in config."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from incident_feed.config import parse_config
from incident_feed.errors import ConfigError, PayloadError
from incident_feed.redact import redact_url, redact_urls
from incident_feed.store.database import Store
from tests.ops.local_server import LocalServer, respond

SECRET = "S3KR1T-token-value"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://status.example.com/feed", "https://status.example.com/feed"),
        ("https://u:p4ss@h.example/x", "https://h.example/x"),
        ("https://p4ss@h.example:8443/x?a=1", "https://h.example:8443/x?a=1"),
        ("https://h/x?access_token=t&page=2", "https://h/x?access_token=REDACTED&page=2"),
        ("https://h/x?X-Amz-Signature=abc&X-Amz-Date=1", "https://h/x?X-Amz-Signature=REDACTED&X-Amz-Date=1"),
        ("https://h/x?API_KEY=1&apikey=2&Client_Secret=3", "https://h/x?API_KEY=REDACTED&apikey=REDACTED&Client_Secret=REDACTED"),
        ("https://h/x?password=1&passwd=2&sig=3&auth=4", "https://h/x?password=REDACTED&passwd=REDACTED&sig=REDACTED&auth=REDACTED"),
        ("https://h/x?credential=1&q=token", "https://h/x?credential=REDACTED&q=token"),
        ("https://h/cb#access_token=t&state=s", "https://h/cb#access_token=REDACTED&state=s"),
        ("https://h/@user?x=1", "https://h/@user?x=1"),
    ],
)  # fmt: skip
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redact_urls_in_a_message() -> None:
    text = f"failed: https://a:b@h/x?token={SECRET} then http://h/y?key={SECRET}, done"
    assert redact_urls(text) == (
        "failed: https://h/x?token=REDACTED then http://h/y?key=REDACTED, done"
    )


def test_source_errors_redact_the_urls_they_quote() -> None:
    error = PayloadError(f"https://h/x?access_token={SECRET}: not JSON", source="s")
    assert SECRET not in str(error)


def _config(url: str) -> dict[str, object]:
    return {
        "vendor": [{"name": "Acme"}],
        "source": [{"name": "acme-feed", "vendor": "Acme", "kind": "feed", "url": url}],
    }


@pytest.mark.parametrize(
    "url", ["https://user:hunter2@status.example.com/feed", "https://hunter2@status.example.com/"]
)
def test_userinfo_in_a_source_url_is_refused_and_not_echoed(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(_config(url), Path("/etc/incident-feed.toml"))
    message = str(caught.value)
    assert message.startswith("/etc/incident-feed.toml: source[0].url: source 'acme-feed': ")
    assert "environment variable" in message
    assert "hunter2" not in message


def test_a_mastodon_profile_url_is_not_mistaken_for_userinfo() -> None:
    raw = {
        "vendor": [{"name": "Acme"}],
        "source": [
            {
                "name": "acme-social",
                "vendor": "Acme",
                "kind": "mastodon",
                "url": "https://mastodon.social/@acme",
            }
        ],
    }
    assert parse_config(raw, None).sources[0].url == "https://mastodon.social/@acme"


def test_a_token_in_a_failing_source_url_is_never_shown(
    server: LocalServer,
    tmp_path: Path,
    run_cli: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.route(
        "/feed", respond(b"this is not a feed", headers={"Content-Type": "application/xml"})
    )
    url = server.url(f"/feed?access_token={SECRET}&page=1")
    config = tmp_path / "config.toml"
    config.write_text(
        "[settings]\nallow_loopback = true\n"
        '[[vendor]]\nname = "Acme"\n'
        f'[[source]]\nname = "acme-feed"\nvendor = "Acme"\nkind = "feed"\nurl = "{url}"\n',
        encoding="utf-8",
    )
    db = f"sqlite:///{tmp_path / 'incidents.db'}"
    log = tmp_path / "collect.log"
    base = ["--config", config, "--db", db]
    assert run_cli(*base, "collect", "--log-file", log) != 0
    assert server.count() >= 1  # the token was sent to the server, only never shown
    assert run_cli(*base, "sources") == 0
    assert run_cli(*base, "sources", "--json") == 0
    printed = capsys.readouterr()
    store = Store.open(db)
    try:
        state = store.source_states()["acme-feed"]
    finally:
        store.close()
    logged = log.read_text(encoding="utf-8")
    assert "not an RSS/Atom feed" in state["last_error"]
    assert "access_token=REDACTED" in logged
    assert "access_token=REDACTED" in printed.out  # sources --json
    for shown in (printed.out, printed.err, logged, state["last_error"], state["url"]):
        assert SECRET not in shown
