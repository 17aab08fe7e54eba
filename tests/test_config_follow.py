"""``follow``: the user's config chooses catalogue vendors; the bundled config follows 42."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from incident_feed import config as config_module
from incident_feed.catalogue import Catalogue, parse_catalogue
from incident_feed.config import load_config, parse_config
from incident_feed.errors import ConfigError
from tests.conftest import REPO

# The 51 sources config.toml listed before the catalogue moved to package data: the demo, the
# tests and users' habits rely on these names.
FORMER_SOURCES = """
akamai-status aws-health anthropic-status atlassian-bitbucket atlassian-confluence atlassian-jira
bluesky-bsky circleci-status circleci-x cloudflare-status datadog-status digitalocean-status
digitalocean-x discord-status docker-status dropbox-status fastly-status figma-status
flyio-status github-status github-x gitlab-status gitlab-x gcp-status hashicorp-status
heroku-status heroku-x linear-status microsoft365-x azure-status azure-x mongodb-status
netlify-status newrelic-status notion-status npm-status openai-status pypi-status reddit-status
reddit-x render-status sentry-status shopify-status slack-status slack-x stripe-status stripe-x
supabase-status twilio-status vercel-status zoom-status
""".split()

SMALL = [
    (
        "a.toml",
        {
            "vendor": [
                {
                    "name": "Acme Cloud",
                    "slug": "acme",
                    "category": "cloud",
                    "crowd_url": "https://downdetector.com/status/acme/",
                    "products": ["Compute", "Storage"],
                    "source": [
                        {"kind": "statuspage", "url": "https://status.acme.example",
                         "grade": "B", "evidence": "e"},
                        {"kind": "x", "url": "@acmestatus", "role": "status",
                         "token_env": "X_BEARER_TOKEN", "grade": "B", "evidence": "e"},
                    ],
                },
                {
                    "name": "Beta",
                    "category": "ai",
                    "source": [
                        {"kind": "feed", "url": "https://beta.example/rss", "grade": "C",
                         "evidence": "e"},
                        {"kind": "statuspal", "url": "https://beta.example", "grade": "B",
                         "evidence": "e"},
                    ],
                },
                {"name": "Gamma", "category": "ai"},
            ]
        },
    )
]  # fmt: skip


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> Catalogue:
    """A catalogue of three vendors in place of the shipped one."""
    found = parse_catalogue(SMALL)
    monkeypatch.setattr(config_module, "load_catalogue", lambda: found)
    return found


def parse(raw: dict[str, Any]) -> Any:
    return parse_config(raw, Path("me.toml"))


def test_the_bundled_config_follows_the_default_vendors_with_their_former_sources() -> None:
    config = load_config(REPO / "config.toml")
    assert len(config.followed) == 42 and len(config.vendors) == 42
    names = [s.name for s in config.sources]
    assert [n for n in names if n in FORMER_SOURCES] == FORMER_SOURCES
    openai = config.source("openai-status")
    assert (openai.vendor, openai.kind, openai.url) == (
        "OpenAI", "incidentio", "https://status.openai.com",
    )  # fmt: skip
    assert config.source("github-bluesky").role == "brand"
    assert not config.source("github-x").active
    assert "tailscale-status" not in names  # Tailscale is in the catalogue, not followed
    aws = config.vendor("aws")
    assert aws is not None and aws.name == "Amazon Web Services"
    assert aws.downdetector == "https://downdetector.com/status/aws-amazon-web-services/"


def test_following_brings_the_vendor_and_its_sources(small: Catalogue) -> None:
    config = parse({"follow": ["acme", "GAMMA"]})
    assert config.followed == ("acme", "gamma")
    assert [(v.name, v.slug, v.downdetector) for v in config.vendors] == [
        ("Acme Cloud", "acme", "https://downdetector.com/status/acme/"),
        ("Gamma", "gamma", None),
    ]
    assert [(s.name, s.vendor, s.kind, s.active, s.role) for s in config.sources] == [
        ("acme-status", "Acme Cloud", "statuspage", True, None),
        ("acme-x", "Acme Cloud", "x", False, "status"),
    ]
    assert config.source("acme-x").token_env == "X_BEARER_TOKEN"
    assert parse({"follow": ["Acme Cloud"]}).followed == ("acme",)


def test_components_are_copied_into_each_source(small: Catalogue) -> None:
    config = parse(
        {"follow": [{"vendor": "acme", "components": ["API*"], "exclude_components": ["Sora"]}]}
    )
    for source in config.sources:
        assert (source.components, source.exclude_components) == (("API*",), ("Sora",))


def test_a_source_of_the_same_name_changes_only_what_it_sets(small: Catalogue) -> None:
    config = parse(
        {
            "follow": [{"vendor": "acme", "components": ["API*"]}],
            "source": [
                {"name": "acme-x", "active": True, "interval": "5m"},
                {"name": "acme-status", "components": ["Storage"]},
            ],
        }
    )
    x = config.source("acme-x")
    assert (x.active, x.interval, x.url, x.token_env, x.components) == (
        True, 300.0, "@acmestatus", "X_BEARER_TOKEN", ("API*",),
    )  # fmt: skip
    assert config.source("acme-status").components == ("Storage",)
    assert [s.name for s in config.sources] == ["acme-status", "acme-x"]  # catalogue order kept


def test_a_vendor_table_of_the_same_name_replaces_the_entry(small: Catalogue) -> None:
    config = parse(
        {
            "follow": ["acme"],
            "vendor": [{"name": "acme cloud", "products": ["Mine"]}],
            "source": [{"name": "own", "vendor": "Acme Cloud", "kind": "feed",
                        "url": "https://own.example/rss"}],
        }
    )  # fmt: skip
    assert [(v.name, v.downdetector, v.products) for v in config.vendors] == [
        ("acme cloud", None, ("Mine",))
    ]
    assert [s.name for s in config.sources] == ["acme-status", "acme-x", "own"]


def test_without_follow_nothing_comes_from_the_catalogue(small: Catalogue) -> None:
    raw = {
        "vendor": [{"name": "Acme Cloud"}],
        "source": [{"name": "acme-status", "vendor": "Acme Cloud", "kind": "feed",
                    "url": "https://elsewhere.example/rss"}],
    }  # fmt: skip
    config = parse(raw)
    assert config.followed == ()
    assert [(s.name, s.kind, s.url) for s in config.sources] == [
        ("acme-status", "feed", "https://elsewhere.example/rss")
    ]
    assert parse({}).vendors == () and parse({}).sources == ()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"follow": ["acme", "zeta"]}, "me.toml: follow[1]: 'zeta' is not a vendor of the catalogue; did you mean beta?"),
        ({"follow": ["acm"]}, "follow[0]: 'acm' is not a vendor of the catalogue; did you mean acme?"),
        ({"follow": ["nothing-like-it"]}, "'nothing-like-it' is not a vendor of the catalogue (`incident-feed catalogue"),
        ({"follow": ["\x1b[2Jacme"]}, "follow[0]: '\\x1b[2Jacme' is not a vendor"),
        ({"follow": ["acme", "Acme Cloud"]}, "follow[1]: 'acme' is already followed (follow[0])"),
        ({"follow": "acme"}, "me.toml: follow: must be a list of vendors"),
        ({"follow": [3]}, "follow[0]: must be a vendor's slug or name"),
        ({"follow": [{"components": ["x"]}]}, "follow[0].vendor: required"),
        ({"follow": [{"vendor": "acme", "only": ["x"]}]}, "follow[0].only: unknown key"),
        ({"follow": [{"vendor": "acme", "components": "API"}]}, "follow[0].components: must be a list of non-empty strings"),
        ({"follow": [{"vendor": "acme", "exclude_components": [""]}]}, "follow[0].exclude_components: must be a list"),
        ({"follow": ["beta"]}, "follow[0] (beta: catalogue source beta-statuspal).kind: 'statuspal' is not one of"),
        ({"source": [{"name": "acme-x", "active": True}]}, "source[0].kind: required"),
        ({"follow": ["acme"], "source": [{"name": "acme-status", "role": "brand"}]}, "source[0].role: only social sources"),
        ({"follow": ["acme"], "source": [{"name": "own", "vendor": "Nobody", "kind": "feed", "url": "https://a.example"}]}, "source[0].vendor: 'Nobody' is not a [[vendor]] name"),
        ({"follow": ["acme"], "source": [{"name": "acme-x"}, {"name": "acme-x", "vendor": "Acme Cloud", "kind": "feed", "url": "https://a.example"}]}, "source[1].name: 'acme-x' is used twice"),
        ({"follow": ["acme"], "notify": [{"command": "true", "vendors": ["Gamma"]}]}, "notify[0].vendors: 'Gamma' is not a [[vendor]] name"),
    ],
)  # fmt: skip
def test_bad_follow_entries_are_named(small: Catalogue, raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse(raw)
    assert message in str(info.value)
    assert "\x1b" not in str(info.value)


def test_an_unknown_vendor_suggests_real_slugs() -> None:
    with pytest.raises(
        ConfigError, match=r"'githb' is not a vendor of the catalogue; did you mean github"
    ):
        parse({"follow": ["githb"]})
    with pytest.raises(ConfigError, match=r"did you mean .*\baws\b"):
        parse({"follow": ["amazon"]})


def test_sources_add_writes_a_source_for_a_followed_vendor(tmp_path: Path) -> None:
    """``sources add`` finds the vendor among the followed ones: no [[vendor]] is added."""
    from incident_feed.config_edit import add_source

    path = tmp_path / "config.toml"
    text = 'follow = ["github"]\n'
    edit = add_source(path, text, name="github-extra", vendor="GitHub", kind="feed",
                      url="https://www.githubstatus.com/history.atom", comment="test")  # fmt: skip
    assert not edit.new_vendor
    assert "[[vendor]]" not in edit.added
    assert edit.config.source("github-extra").vendor == "GitHub"
    assert len(edit.config.sources) == 5
