"""``incident-feed catalogue``: the table, the JSON, the filters, and text made safe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from incident_feed.catalogue import Catalogue, CatalogueSource, CatalogueVendor, ListedAccount
from incident_feed.cli import catalogue as command
from incident_feed.cli import main
from tests.conftest import REPO


def run(capsys: pytest.CaptureFixture[str], config: Path, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--config", str(config), "catalogue", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_table_says_which_vendors_are_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, write(tmp_path, 'follow = ["openai"]\n'), "--category", "ai")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["Vendor", "Slug", "Category", "Kinds", "Followed"]
    rows = {line.split()[0]: line.split() for line in lines[1:-1]}
    assert rows["OpenAI"] == ["OpenAI", "openai", "ai", "incidentio,x", "yes"]
    assert rows["Anthropic"] == ["Anthropic", "anthropic", "ai", "statuspage,bluesky", "-"]
    assert lines[-1] == f"{len(rows)} vendors, 1 followed."


def test_the_bundled_config_follows_42(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, REPO / "config.toml")
    assert code == 0
    total = int(out.splitlines()[-1].split()[0])
    assert total >= 47 and out.splitlines()[-1].endswith(", 42 followed.")


def test_a_configured_catalogue_source_counts_as_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(
        tmp_path,
        '[[source]]\nname = "github-status"\nvendor = "GitHub"\nkind = "statuspage"\n'
        'url = "https://www.githubstatus.com"\n',
    )
    _, out, _ = run(capsys, config, "github")
    assert [line.split()[-1] for line in out.splitlines()[1:-1]] == ["yes"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["chatgpt"], ["openai"]),  # a product
        (["TAILSCALE"], ["tailscale"]),  # the name, any case
        (["git", "--kind", "bluesky"], ["github", "gitlab"]),
        (["--kind", "mastodon"], ["codeberg", "mastodon", "pypi", "signal", "tailscale"]),
        (["--category", "security", "--kind", "bluesky"], ["tailscale"]),
    ],
)
def test_search_kind_and_category(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: list[str]
) -> None:
    code, out, _ = run(capsys, write(tmp_path, ""), *argv, "--json")
    assert code == 0
    assert [item["slug"] for item in json.loads(out)] == expected


def test_no_match_and_an_unknown_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write(tmp_path, "")
    assert run(capsys, config, "zzzz-no-such-vendor") == (0, "No catalogue vendor matches.\n", "")
    assert run(capsys, config, "zzzz-no-such-vendor", "--json")[:2] == (0, "[]\n")
    code, out, err = run(capsys, config, "--kind", "carrier-pigeon")
    assert (code, out) == (2, "")
    assert "no catalogue source has kind 'carrier-pigeon' (kinds: " in err
    assert "statuspage" in err


def test_the_json_lists_sources_and_social_accounts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, write(tmp_path, 'follow = ["cloudflare"]\n'), "cloudflare", "--json")
    [item] = json.loads(out)
    assert set(item) == {"vendor", "slug", "category", "sources", "social", "crowd_url", "followed"}
    assert (item["vendor"], item["slug"], item["category"]) == ("Cloudflare", "cloudflare", "cdn")
    assert item["crowd_url"] == "https://downdetector.com/status/cloudflare/"
    assert item["followed"] is True
    assert item["sources"][0] == {
        "name": "cloudflare-status", "kind": "statuspage", "url": "https://www.cloudflarestatus.com",
        "grade": "B", "active": True, "role": None,
    }  # fmt: skip
    assert item["social"] == [
        {"platform": "bluesky", "account": "cloudflare.social", "role": "brand", "grade": "A",
         "source": "cloudflare-bluesky"},
        {"platform": "x", "account": "@Cloudflare", "role": "brand", "grade": "A",
         "source": "cloudflare-x"},
        {"platform": "x", "account": "@CloudflareDev", "role": "brand", "grade": "A",
         "source": "cloudflare-dev-x"},
        {"platform": "threads", "account": "@cloudflare", "role": "brand", "grade": "A",
         "source": None},
    ]  # fmt: skip


def test_hostile_text_is_made_safe_for_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loader refuses control characters; the command cleans what it prints anyway."""
    evil = CatalogueVendor(
        name="Evil\x1b]52;c;cm0gLXJmIH4=\x07\u202eCorp and more words past the column",
        slug="evil",
        category="other",
        file="x.toml",
        products=("\x1b[2J",),
        sources=(CatalogueSource("evil-status", "feed\x1b[31m", "https://e.example", "B", "e"),),
        social=(ListedAccount("threads", "@evil\x9b", "brand", "U"),),
    )
    monkeypatch.setattr(command, "load_catalogue", lambda: Catalogue((evil,)))
    code, out, _ = run(capsys, write(tmp_path, ""), "evil")
    assert code == 0
    row = out.splitlines()[1].split()
    assert row == [
        "Evil]52;c;cm0gLXJmIH4=Corp",
        "evil",
        "other",
        "feed[31m",
        "-",
    ]  # the name cut at 26
    for bad in ("\x1b", "\x07", "\u202e", "\x9b"):
        assert bad not in out
