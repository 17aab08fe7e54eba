"""The catalogue shipped as package data is well-formed, and its loader refuses bad entries,
naming the file and the entry. Nothing here reaches the network."""

from __future__ import annotations

import os
import socket
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from incident_feed.catalogue import (
    CATEGORIES,
    GRADES,
    SNAPSHOT,
    Catalogue,
    CatalogueVendor,
    load_catalogue,
    parse_catalogue,
    read_catalogue,
    snapshot_text,
)
from incident_feed.config import SOCIAL_KINDS, SOURCE_KINDS, parse_account, parse_config
from incident_feed.errors import ConfigError
from incident_feed.paths import catalogue_dir
from incident_feed.sources.registry import COLLECTORS
from tests.conftest import REPO


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the catalogue must not reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def catalogue() -> Catalogue:
    return read_catalogue(catalogue_dir())


def sources() -> list[tuple[CatalogueVendor, Any]]:
    return [(v, s) for v in catalogue().vendors for s in v.sources]


def test_every_file_is_read_in_name_order() -> None:
    files = sorted(p.name for p in catalogue_dir().glob("*.toml"))
    assert {"ai.toml", "cloud.toml", "devtools.toml", "social.toml"} <= set(files)
    seen = list(dict.fromkeys(v.file for v in catalogue().vendors))
    assert seen == [f for f in files if f in seen]
    assert load_catalogue() is load_catalogue()  # read once


def test_the_known_vendors_are_there_with_their_sources() -> None:
    found = catalogue()
    openai = found.find("OpenAI")
    assert openai is not None and openai.slug == "openai" and openai.category == "ai"
    assert [s.name for s in openai.sources][:1] == ["openai-status"]
    assert openai.sources[0].url == "https://status.openai.com"
    github = found.find("github")
    assert github is not None
    assert [(s.name, s.kind, s.role) for s in github.sources] == [
        ("github-status", "statuspage", None),
        ("github-x", "x", "status"),
        ("github-bluesky", "bluesky", "brand"),
        ("github-brand-x", "x", "brand"),
    ]
    tailscale = found.find("tailscale")
    assert tailscale is not None and not tailscale.default
    assert {s.kind for s in tailscale.sources} == {"statuspage", "mastodon", "bluesky", "x"}
    cloudflare = found.find("cloudflare")
    assert cloudflare is not None
    assert [(a.platform, a.account) for a in cloudflare.social] == [("threads", "@cloudflare")]


def test_the_default_set_is_what_the_bundled_config_follows() -> None:
    bundled = tomllib.loads((REPO / "config.toml").read_text(encoding="utf-8"))
    defaults = catalogue().default_slugs
    assert len(defaults) == 42
    assert sorted(bundled["follow"]) == sorted(defaults)


def test_names_and_slugs_are_unique() -> None:
    vendors = catalogue().vendors
    keys = Counter(k for v in vendors for k in {v.slug, v.name.casefold()})
    assert [k for k, n in keys.items() if n > 1] == []
    names = Counter(s.name for v in vendors for s in v.sources)
    assert [k for k, n in names.items() if n > 1] == []
    assert len(vendors) >= 47


def test_urls_are_https_and_grades_and_categories_valid() -> None:
    for vendor in catalogue().vendors:
        assert vendor.category in CATEGORIES, vendor.name
        assert vendor.crowd_url is None or vendor.crowd_url.startswith("https://"), vendor.name
        for source in vendor.sources:
            assert source.url.startswith("https://"), source.name
            assert source.grade in GRADES, source.name
            assert source.evidence.strip(), source.name
        for listed in vendor.social:
            assert listed.grade in GRADES and listed.role in ("status", "brand"), vendor.name


def _kinds() -> list[str]:
    return sorted({s.kind for _, s in sources()})


@pytest.mark.parametrize("kind", _kinds())
def test_every_kind_has_a_collector(kind: str) -> None:
    assert kind in SOURCE_KINDS
    assert kind in COLLECTORS


def test_each_source_passes_config_validation() -> None:
    checked = 0
    for vendor, source in sources():
        if source.kind not in SOURCE_KINDS:
            continue  # test_every_kind_has_a_collector says which
        raw = {"vendor": [{"name": vendor.name}], "source": [source.table(vendor.name)]}
        [parsed] = parse_config(raw, Path(vendor.file)).sources
        assert (parsed.name, parsed.kind, parsed.url) == (source.name, source.kind, source.url)
        assert (parsed.active, parsed.role, parsed.token_env) == (
            source.active,
            source.role,
            source.token_env,
        )
        checked += 1
    assert checked >= 89


def test_social_sources_name_an_account_and_a_role() -> None:
    social = [s for _, s in sources() if s.kind in SOCIAL_KINDS]
    assert len(social) >= 50
    for source in social:
        parse_account(source.kind, source.url)
        assert source.role in ("status", "brand"), source.name
        if source.kind == "x":
            assert not source.active, f"{source.name}: X needs a token, so it is opt-in"
            assert source.token_env == "X_BEARER_TOKEN"
        else:
            assert source.active, source.name


# --- the loader refuses bad entries ------------------------------------------------------------

GOOD: dict[str, Any] = {
    "name": "Example",
    "category": "devtools",
    "source": [{"kind": "statuspage", "url": "https://status.example.com", "grade": "B",
                "evidence": "its own docs"}],
}  # fmt: skip


def vendor(**changes: Any) -> dict[str, Any]:
    table = {**GOOD, **changes}
    return {k: v for k, v in table.items() if v is not None}


def source(**changes: Any) -> dict[str, Any]:
    table = {**GOOD["source"][0], **changes}
    return vendor(source=[{k: v for k, v in table.items() if v is not None}])


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (vendor(colour="red"), "vendor[0] (Example).colour: unknown key"),
        (vendor(name=None), "vendor[0].name: required"),
        (vendor(name=""), "vendor[0].name: must not be empty"),
        (vendor(name="Ex\x1b[31mample"), "vendor[0].name: 'Ex\\x1b[31mample' holds a control"),
        (vendor(name="Ex\u202eample"), "holds a control or format character"),
        (vendor(name="E" * 101), "vendor[0].name: longer than 100"),
        (vendor(name=3), "vendor[0].name: must be a string, not int"),
        (vendor(slug="Ex ample"), "(Example).slug: 'Ex ample' must be lower-case"),
        (vendor(category="toys"), "(Example).category: 'toys' is not one of cloud"),
        (vendor(category=None), "(Example).category: required"),
        (vendor(crowd_url="http://downdetector.com/x"), "(Example).crowd_url: 'http://"),
        (vendor(crowd_url="javascript:alert(1)"), "is not an https:// URL"),
        (vendor(products="API"), "(Example).products: must be a list"),
        (vendor(products=["API", ""]), "(Example).products: must not be empty"),
        (vendor(default="yes"), "(Example).default: must be true or false"),
        (vendor(source={"kind": "feed"}), "(Example).source: must be an array of tables"),
        (source(kind="Status Page"), "source[0].kind: 'Status Page' is not a source kind"),
        (source(kind=None), "source[0].kind: required"),
        (source(url="http://status.example.com"), "source[0] (example-status).url: 'http://"),
        (source(url="https://"), "is not an https:// URL"),
        (source(url="https://a b"), "is not an https:// URL"),
        (source(grade="A+"), "(example-status).grade: 'A+' is not one of A, B, C, U"),
        (source(grade=None), "(example-status).grade: required"),
        (source(evidence=" "), "(example-status).evidence: must not be empty"),
        (source(name="Example Status"), "source[0].name: 'Example Status' must be lower-case"),
        (source(active="no"), "(example-status).active: must be true or false"),
        (source(role="status"), "(example-status).role: only social accounts have a role"),
        (source(kind="bluesky", url="example.com"), "(example-bluesky).role: required"),
        (source(kind="mastodon", url="@a@b.c", role="owner"), "role: must be one of status, brand"),
        (source(kind="x", url="@example", role="status"), "(example-x).token_env: required"),
        (source(token_env="X_TOKEN"), "(example-status).token_env: x only"),
        (source(extra=1), "source[0].extra: unknown key"),
        (vendor(social=[{"platform": "threads", "account": "@e", "role": "brand"}]), "social[0].grade: required"),
        (vendor(social=[{"platform": "Threads", "account": "@e", "role": "brand", "grade": "A"}]), "social[0].platform"),
        (vendor(social=[{"platform": "threads", "account": "@e", "role": "fan", "grade": "A"}]), "social[0].role"),
    ],
)  # fmt: skip
def test_bad_entries_are_refused_naming_file_and_entry(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_catalogue([("tools.toml", {"vendor": [table]})])
    assert str(info.value).startswith("catalogue/tools.toml: ")
    assert message in str(info.value)


def test_a_token_pasted_into_token_env_is_not_echoed() -> None:
    secret = "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI"
    with pytest.raises(ConfigError) as info:
        parse_catalogue(
            [("t.toml", {"vendor": [source(kind="x", url="@e", role="status", token_env=secret)]})]
        )
    assert secret not in str(info.value)
    assert "name of an environment variable" in str(info.value)


@pytest.mark.parametrize(
    ("documents", "message"),
    [
        ([("a.toml", {"vendor": [vendor()]}), ("b.toml", {"vendor": [vendor()]})],
         "catalogue/b.toml: vendor[0] (Example): 'example' is already used by catalogue/a.toml: vendor[0] (Example)"),
        ([("a.toml", {"vendor": [vendor(), vendor(name="Other", slug="example")]})],
         "vendor[1] (Other): 'example' is already used by"),
        ([("a.toml", {"vendor": [vendor(), vendor(name="EXAMPLE", slug="other")]})],
         "vendor[1] (EXAMPLE): 'example' is already used"),
        ([("a.toml", {"vendor": [vendor(), vendor(name="Other", source=[{**GOOD["source"][0], "name": "example-status"}])]})],
         "vendor[1] (Other).source[0].name: 'example-status' is already used by catalogue/a.toml: vendor[0] (Example).source[0]"),
        ([("a.toml", {"vendors": []})], "catalogue/a.toml: vendors: unknown key"),
        ([("a.toml", {"vendor": {"name": "x"}})], "catalogue/a.toml: vendor: must be an array of tables"),
    ],
)  # fmt: skip
def test_duplicates_and_bad_documents(documents: list[Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_catalogue(documents)
    assert message in str(info.value)


def test_default_source_names_and_activity() -> None:
    table = vendor(
        name="Example Co",
        source=[
            {"kind": "bluesky", "url": "example.com", "role": "brand", "grade": "B", "evidence": "e"},
            {"kind": "statuspage", "url": "https://a.example.com", "grade": "B", "evidence": "e"},
            {"kind": "feed", "url": "https://b.example.com/rss", "grade": "C", "evidence": "e"},
            {"kind": "x", "url": "@example", "role": "status", "token_env": "X_BEARER_TOKEN",
             "grade": "B", "evidence": "e"},
        ],
    )  # fmt: skip
    [found] = parse_catalogue([("a.toml", {"vendor": [table]})]).vendors
    assert found.slug == "example-co"
    assert [(s.name, s.active) for s in found.sources] == [
        ("example-co-bluesky", True),
        ("example-co-status", True),
        ("example-co-feed", True),
        ("example-co-x", False),
    ]


def test_files_appearing_later_are_read_and_bad_toml_is_named(tmp_path: Path) -> None:
    assert read_catalogue(tmp_path).vendors == ()
    (tmp_path / "b.toml").write_text('[[vendor]]\nname = "Bee"\ncategory = "ai"\n')
    (tmp_path / "a.toml").write_text('[[vendor]]\nname = "Ant"\ncategory = "ai"\n')
    (tmp_path / "notes.md").write_text("not read")
    assert [v.name for v in read_catalogue(tmp_path).vendors] == ["Ant", "Bee"]
    (tmp_path / "c.toml").write_text("[[vendor]\nname = ")
    with pytest.raises(ConfigError, match=r"^catalogue/c\.toml: not valid TOML"):
        read_catalogue(tmp_path)
    (tmp_path / "c.toml").write_bytes(b'[[vendor]]\nname = "\xff"\n')
    with pytest.raises(ConfigError, match=r"^catalogue/c\.toml: not valid TOML"):
        read_catalogue(tmp_path)


def test_a_fifo_or_huge_file_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "a.toml")
    with pytest.raises(ConfigError, match="a.toml"):
        read_catalogue(tmp_path)
    (tmp_path / "a.toml").unlink()
    (tmp_path / "a.toml").write_text("# " + "x" * (1024 * 1024 + 1))
    with pytest.raises(ConfigError, match="a.toml"):
        read_catalogue(tmp_path)


def test_search_and_suggestions() -> None:
    found = catalogue()
    assert [v.slug for v in found.search("chatgpt")] == ["openai"]
    assert "tailscale" in [v.slug for v in found.search("security")]
    assert [v.slug for v in found.search("git actions")] == ["github"]  # every word, any field
    assert found.suggest("githb")[0] == "github"
    assert "aws" in found.suggest("amazon")
    assert found.suggest("zzzzqqq") == []


def test_the_shipped_snapshot_is_the_catalogues_files() -> None:
    """snapshot.json (read instead of parsing TOML) holds exactly the files' documents; after
    editing a file run ``python -m tests.tools.catalogue_snapshot``."""
    shipped = (catalogue_dir() / SNAPSHOT).read_text(encoding="utf-8")
    assert shipped == snapshot_text(catalogue_dir())


def test_a_stale_snapshot_is_not_used(tmp_path: Path) -> None:
    for path in catalogue_dir().glob("*.toml"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / SNAPSHOT).write_text(snapshot_text(tmp_path), encoding="utf-8")
    fresh = read_catalogue(tmp_path)
    assert len(fresh.vendors) == len(load_catalogue().vendors)
    edited = tmp_path / "ai.toml"
    edited.write_text(
        edited.read_text("utf-8").replace('name = "OpenAI"', 'name = "OpenAI Edited"'), "utf-8"
    )
    assert any(v.name == "OpenAI Edited" for v in read_catalogue(tmp_path).vendors)
    (tmp_path / SNAPSHOT).write_text('{"fingerprint": "x", "documents": 5}', encoding="utf-8")
    assert any(v.name == "OpenAI Edited" for v in read_catalogue(tmp_path).vendors)
