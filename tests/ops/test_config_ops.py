"""``[[notify]]`` tables and per-source ``interval``: strict, with the file, key and reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from incident_feed.config import IMPACTS, NOTIFY_EVENTS, PHASES, load_config, parse_config
from incident_feed.errors import ConfigError
from tests.ops.conftest import CONFIG

SOURCE = {"name": "acme-status", "vendor": "Acme", "kind": "statuspage", "url": "https://s.test"}


def _parse(source: dict[str, Any] | None = None, notify: list[dict[str, Any]] | None = None) -> Any:
    raw: dict[str, Any] = {"vendor": [{"name": "Acme"}], "source": [source or SOURCE]}
    if notify is not None:
        raw["notify"] = notify
    return parse_config(raw, Path("/etc/incident-feed.toml"))


def test_impact_names_match_the_model() -> None:
    from incident_feed.enums import IMPACT_ORDER

    assert IMPACTS == tuple(i.value for i in IMPACT_ORDER)


def test_phase_names_match_the_model() -> None:
    from incident_feed.enums import Phase

    assert set(PHASES) == {p.value for p in Phase}


def test_the_shipped_catalogue_still_loads() -> None:
    config = load_config(CONFIG)
    assert config.notify == ()
    assert all(source.interval is None for source in config.sources)


@pytest.mark.parametrize(
    ("value", "seconds"), [("90s", 90.0), ("5m", 300.0), ("1h", 3600.0), (120, 120.0)]
)
def test_source_interval(value: object, seconds: float) -> None:
    assert _parse(SOURCE | {"interval": value}).sources[0].interval == seconds


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("soon", "is not a duration"),
        ("0s", "must be more than zero"),
        ("0.5s", "outside 1s..86400s"),
        ("2d", "is not a duration"),
        ("25h", "outside"),
        (True, "must be a duration"),
        ([5], "must be a duration"),
    ],
)
def test_bad_source_interval_names_file_key_and_reason(value: object, reason: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _parse(SOURCE | {"interval": value})
    message = str(caught.value)
    assert message.startswith("/etc/incident-feed.toml: source[0].interval: ")
    assert reason in message


def test_notify_table_in_full() -> None:
    config = _parse(
        notify=[
            {
                "name": "ops-chat",
                "webhook_env": "INCIDENT_FEED_SLACK_URL",
                "vendors": ["Acme"],
                "components": ["API"],
                "min_impact": "major",
                "events": ["new", "resolved"],
            },
            {"command": "notify-send 'incident feed'"},
            {"command": ["/usr/local/bin/page-me", "--team", "sre"]},
        ]
    )
    chat, desktop, pager = config.notify
    assert chat.webhook_env == "INCIDENT_FEED_SLACK_URL"
    assert chat.events == ("new", "resolved")
    assert desktop.name == "notify-1"
    assert desktop.command == ("notify-send", "incident feed")
    assert desktop.events == NOTIFY_EVENTS
    assert pager.command == ("/usr/local/bin/page-me", "--team", "sre")


@pytest.mark.parametrize(
    ("table", "key", "reason"),
    [
        ({"command": "x", "url": "https://hooks"}, "notify[0].url", "unknown key"),
        ({"name": "n"}, "notify[0]", "needs a command or a webhook_env"),
        ({"command": ""}, "notify[0].command", "is empty"),
        ({"command": "echo 'unclosed"}, "notify[0].command", "cannot split"),
        ({"command": [1, 2]}, "notify[0].command", "string or a list of strings"),
        ({"webhook_env": "1BAD"}, "notify[0].webhook_env", "not an environment variable"),
        ({"command": "x", "min_impact": "huge"}, "notify[0].min_impact", "is not one of"),
        ({"command": "x", "events": ["recovered"]}, "notify[0].events", "is not one of"),
        ({"command": "x", "events": []}, "notify[0].events", "at least one"),
        ({"command": "x", "vendors": ["Nope"]}, "notify[0].vendors", "not a [[vendor]] name"),
        ({"command": "x", "components": "API"}, "notify[0].components", "list of non-empty"),
        ({"command": "x", "name": "Bad Name"}, "notify[0].name", "lower-case"),
        ({"kind": "email", "command": "x"}, "notify[0].kind", "is not one of"),
        ({"kind": "slack"}, "notify[0].webhook_env", "required for kind = 'slack'"),
        ({"kind": "ntfy"}, "notify[0].webhook_env", "holding the topic URL"),
        ({"kind": "command"}, "notify[0].command", "required for kind"),
        ({"kind": "teams", "webhook_env": "U", "command": "x"}, "notify[0].command", "only for"),
        ({"kind": "command", "command": "x", "webhook_env": "U"}, "notify[0].webhook_env", "not"),
        ({"kind": "slack", "webhook_env": "U", "token_env": "T"}, "notify[0].token_env", "ntfy"),
        ({"kind": "ntfy", "webhook_env": "U", "token_env": "9"}, "notify[0].token_env", "not an"),
        ({"command": "x", "phases": ["fixed"]}, "notify[0].phases", "is not one of"),
        ({"command": "x", "phases": []}, "notify[0].phases", "at least one phase"),
    ],
)
def test_bad_notify_tables(table: dict[str, Any], key: str, reason: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _parse(notify=[table])
    message = str(caught.value)
    assert message.startswith(f"/etc/incident-feed.toml: {key}: ")
    assert reason in message


def test_a_webhook_url_pasted_into_the_config_is_refused_and_not_echoed() -> None:
    secret = "https://hooks.slack.com/services/T000/B000/XXXXSECRET"
    with pytest.raises(ConfigError) as caught:
        _parse(notify=[{"webhook_env": secret}])
    assert "XXXXSECRET" not in str(caught.value)
    assert "not the URL itself" in str(caught.value)


def test_notify_kinds_and_routing() -> None:
    config = _parse(
        notify=[
            {"name": "ai-team", "kind": "slack", "webhook_env": "SLACK_AI",
             "vendors": ["Acme"], "phases": ["resolved", "resolved"], "events": ["resolved"]},
            {"name": "phones", "kind": "ntfy", "webhook_env": "NTFY_TOPIC",
             "token_env": "NTFY_TOKEN", "min_impact": "major"},
            {"name": "both", "command": "x", "webhook_env": "HOOK"},
            {"name": "hook", "webhook_env": "HOOK"},
            {"name": "script", "command": "x"},
        ]
    )  # fmt: skip
    ai, phones, both, hook, script = config.notify
    assert (ai.kind, ai.channels(), ai.phases) == ("slack", ("slack",), ("resolved",))
    assert (phones.kind, phones.token_env, phones.webhook_env) == (
        "ntfy",
        "NTFY_TOKEN",
        "NTFY_TOPIC",
    )
    # Written before kinds existed: still a command and a webhook, as before.
    assert (both.kind, both.channels()) == ("", ("command", "webhook"))
    assert hook.channels() == ("webhook",)
    assert script.channels() == ("command",)


def test_a_token_pasted_into_the_config_is_refused_and_not_echoed() -> None:
    for token in ("tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2", "Bearer tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"):
        with pytest.raises(ConfigError) as caught:
            _parse(notify=[{"kind": "ntfy", "webhook_env": "T", "token_env": token}])
        assert "AgQdq7mVBoFD37zQVN29RhuMzNIz2" not in str(caught.value)
        assert "not the token itself" in str(caught.value)


def test_a_command_that_cannot_be_split_is_not_echoed() -> None:
    with pytest.raises(ConfigError) as caught:
        _parse(notify=[{"command": "curl -H 'token: s3cr3t"}])
    assert "s3cr3t" not in str(caught.value)


def test_notify_names_are_unique() -> None:
    with pytest.raises(ConfigError, match=r"notify\[1\]\.name: 'a' is used twice"):
        _parse(notify=[{"name": "a", "command": "x"}, {"name": "a", "command": "y"}])
