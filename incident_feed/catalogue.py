"""The vendor catalogue: the vendors incident-feed knows, their status sources and accounts.

It ships as package data, ``incident_feed/data/catalogue/*.toml``: files group vendors by
category and are all read, sorted by file name, so files added later need no code. The user's
config chooses vendors from it with ``follow`` (:func:`resolve_follow`); config turns them into
ordinary vendors and sources. The files are read once (cached) and every entry is validated;
an error names the file and the entry. Nothing here touches the network.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from incident_feed.errors import ConfigError
from incident_feed.files import read_regular_file
from incident_feed.kinds import ACCOUNT_KINDS, SOCIAL_KINDS, SOURCE_ROLES, slugify
from incident_feed.paths import catalogue_dir

__all__ = [
    "CATEGORIES",
    "GRADES",
    "Catalogue",
    "CatalogueSource",
    "CatalogueVendor",
    "Followed",
    "ListedAccount",
    "load_catalogue",
    "parse_catalogue",
    "read_catalogue",
    "resolve_follow",
]

CATEGORIES = (
    "cloud", "cdn", "devtools", "ai", "payments", "communication", "productivity",
    "observability", "security", "data", "hosting", "ecommerce", "games", "consumer", "social",
    "finance", "other",
)  # fmt: skip
GRADES = ("A", "B", "C", "U")  # evidence grades, as docs/catalogue.md defines them
MAX_FILE_BYTES = 1024 * 1024
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")  # as config's source names
_KIND = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_HTTPS = re.compile(r"^https://[^\s/?#@]+(?:[/?#]\S*)?$")
_VENDOR_KEYS = frozenset(
    {"name", "slug", "category", "crowd_url", "products", "default", "note", "source", "social"}
)
_SOURCE_KEYS = frozenset(
    {"name", "kind", "url", "grade", "evidence", "active", "role", "token_env"}
)
_SOCIAL_KEYS = frozenset({"platform", "account", "role", "grade"})
_FOLLOW_KEYS = frozenset({"vendor", "components", "exclude_components"})


@dataclass(frozen=True, slots=True)
class CatalogueSource:
    """One place a vendor announces outages: a status page, a feed or a social account."""

    name: str
    kind: str
    url: str
    grade: str
    evidence: str
    active: bool = True
    role: str | None = None  # social kinds: "status" (a dedicated account) or "brand"
    token_env: str | None = None  # x: the variable holding the API token

    @property
    def social(self) -> bool:
        return self.kind in SOCIAL_KINDS

    def table(self, vendor: str) -> dict[str, Any]:
        """This source as a config ``[[source]]`` table of ``vendor``."""
        table: dict[str, Any] = {
            "name": self.name,
            "vendor": vendor,
            "kind": self.kind,
            "url": self.url,
            "active": self.active,
        }
        if self.role is not None:
            table["role"] = self.role
        if self.token_env is not None:
            table["token_env"] = self.token_env
        return table


@dataclass(frozen=True, slots=True)
class ListedAccount:
    """An account shown with its vendor but not collected (e.g. Threads: no collector)."""

    platform: str
    account: str
    role: str
    grade: str


@dataclass(frozen=True, slots=True)
class CatalogueVendor:
    name: str
    slug: str
    category: str
    file: str  # the catalogue file it is in, e.g. "ai.toml"
    crowd_url: str | None = None
    products: tuple[str, ...] = ()
    default: bool = False  # followed by the bundled config
    note: str = ""
    sources: tuple[CatalogueSource, ...] = ()
    social: tuple[ListedAccount, ...] = ()

    def matches(self, words: Sequence[str]) -> bool:
        """Every word is in the name, the slug, the category or a product (any case)."""
        text = " ".join((self.name, self.slug, self.category, *self.products)).casefold()
        return all(word.casefold() in text for word in words)


@dataclass(frozen=True, slots=True)
class Catalogue:
    vendors: tuple[CatalogueVendor, ...] = ()

    def find(self, text: str) -> CatalogueVendor | None:
        """The vendor whose slug or name (any case) is ``text``."""
        key = text.strip().casefold()
        for vendor in self.vendors:
            if key in (vendor.slug, vendor.name.casefold()):
                return vendor
        return None

    def suggest(self, text: str, limit: int = 5) -> list[str]:
        """Slugs of the vendors ``text`` may have meant: close spellings, then containment."""
        key = text.strip().casefold()[:100]
        by_key = {v.slug: v.slug for v in self.vendors}
        by_key.update({v.name.casefold(): v.slug for v in self.vendors})
        found = [by_key[k] for k in difflib.get_close_matches(key, list(by_key), limit, 0.6)]
        if len(key) >= 3:
            found += [slug for k, slug in by_key.items() if key in k or k in key]
        return list(dict.fromkeys(found))[:limit]

    def search(self, text: str = "") -> tuple[CatalogueVendor, ...]:
        """Vendors matching every word of ``text`` (all of them for ``""``), by name."""
        words = text.split()
        found = [v for v in self.vendors if v.matches(words)]
        return tuple(sorted(found, key=lambda v: v.name.casefold()))

    @property
    def default_slugs(self) -> tuple[str, ...]:
        return tuple(v.slug for v in self.vendors if v.default)


@dataclass(frozen=True, slots=True)
class Followed:
    """One item of the config's ``follow`` list, resolved."""

    index: int  # its place in ``follow``, for error messages
    vendor: CatalogueVendor
    components: tuple[str, ...] = ()
    exclude_components: tuple[str, ...] = ()


@functools.cache
def load_catalogue() -> Catalogue:
    """The catalogue shipped with the package, read once."""
    return read_catalogue(catalogue_dir())


SNAPSHOT = "snapshot.json"  # the parsed files, for a start-up without parsing TOML


def read_catalogue(directory: Path) -> Catalogue:
    """Every ``*.toml`` file of ``directory``, sorted by name (none: an empty catalogue).

    TOML parsing costs ~25 ms a process for the whole catalogue, so the package ships the
    parsed documents as JSON (``snapshot.json``, ~1 ms to read), used only while its
    fingerprint (SHA-256 of every file's name and bytes) matches the files; an edited file
    is read from its TOML. Either way every entry is validated.
    """
    files = [
        (path.name, read_regular_file(path, MAX_FILE_BYTES))
        for path in sorted(directory.glob("*.toml"))
    ]
    documents = _from_snapshot(directory / SNAPSHOT, _fingerprint(files))
    if documents is None:
        documents = [(name, _toml(name, body)) for name, body in files]
    return parse_catalogue(documents)


def snapshot_text(directory: Path) -> str:
    """What ``snapshot.json`` holds for the files of ``directory`` (written by
    ``python -m tests.tools.catalogue_snapshot``; a test checks it is current)."""
    files = [
        (path.name, read_regular_file(path, MAX_FILE_BYTES))
        for path in sorted(directory.glob("*.toml"))
    ]
    documents = [[name, _toml(name, body)] for name, body in files]
    payload = {"fingerprint": _fingerprint(files), "documents": documents}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def _fingerprint(files: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for name, body in files:
        digest.update(name.encode("utf-8") + b"\0" + body + b"\0")
    return digest.hexdigest()


def _from_snapshot(path: Path, fingerprint: str) -> list[tuple[str, Mapping[str, Any]]] | None:
    """The snapshot's documents when it is for exactly these files, else None."""
    try:
        payload = json.loads(read_regular_file(path, 8 * MAX_FILE_BYTES))
    except (OSError, ValueError, RecursionError, ConfigError):
        return None
    if not isinstance(payload, dict) or payload.get("fingerprint") != fingerprint:
        return None
    documents = payload.get("documents")
    if not isinstance(documents, list) or not all(
        isinstance(d, list) and len(d) == 2 and isinstance(d[0], str) and isinstance(d[1], dict)
        for d in documents
    ):
        return None
    return [(name, document) for name, document in documents]


def _toml(name: str, body: bytes) -> dict[str, Any]:
    where = f"catalogue/{name}"
    try:
        return tomllib.loads(body.decode("utf-8"))
    except RecursionError:
        raise ConfigError(f"{where}: not valid TOML: nested too deeply") from None
    except ValueError as exc:  # undecodable bytes, bad TOML, a 4,300-digit integer
        raise ConfigError(f"{where}: not valid TOML: {str(exc)[:200]}") from None


def parse_catalogue(documents: Iterable[tuple[str, Mapping[str, Any]]]) -> Catalogue:
    """Validate parsed catalogue files (``(file name, TOML document)``, in reading order)."""
    vendors: list[CatalogueVendor] = []
    keys: dict[str, str] = {}  # slug or lower-case name -> the entry using it
    source_names: dict[str, str] = {}
    for file, raw in documents:
        where = f"catalogue/{file}"
        _only(raw, {"vendor"}, f"{where}: ")
        tables = raw.get("vendor", [])
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise ConfigError(f"{where}: vendor: must be an array of tables ([[vendor]])")
        for i, table in enumerate(tables):
            vendor = _vendor(table, file, f"{where}: vendor[{i}]")
            at = f"{where}: vendor[{i}] ({vendor.name})"
            for key in dict.fromkeys((vendor.slug, vendor.name.casefold())):
                if key in keys:
                    raise ConfigError(f"{at}: {key!r} is already used by {keys[key]}")
                keys[key] = at
            for j, source in enumerate(vendor.sources):
                if source.name in source_names:
                    raise ConfigError(
                        f"{at}.source[{j}].name: {source.name!r} is already used by "
                        f"{source_names[source.name]}"
                    )
                source_names[source.name] = f"{at}.source[{j}]"
            vendors.append(vendor)
    return Catalogue(tuple(vendors))


def resolve_follow(value: object, catalogue: Catalogue, where: str) -> tuple[Followed, ...]:
    """The config's ``follow`` list: slugs or names, or tables ``{vendor = "openai",
    components = ["API*"], exclude_components = ["Sora"]}``. An unknown vendor is an error
    suggesting close slugs; a vendor followed twice is an error."""
    if not isinstance(value, list):
        raise ConfigError(
            f'{where}: follow: must be a list of vendors, e.g. ["openai", "github"] '
            '(or tables like {vendor = "openai", components = ["API*"]})'
        )
    followed: list[Followed] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(value):
        at = f"{where}: follow[{i}]"
        components: tuple[str, ...] = ()
        excluded: tuple[str, ...] = ()
        if isinstance(item, dict):
            _only(item, _FOLLOW_KEYS, f"{at}.")
            text = item.get("vendor")
            if not isinstance(text, str):
                raise ConfigError(f"{at}.vendor: required: a vendor's slug or name")
            components = _follow_strings(item, "components", at)
            excluded = _follow_strings(item, "exclude_components", at)
        elif isinstance(item, str):
            text = item
        else:
            raise ConfigError(f"{at}: must be a vendor's slug or name, or a table with vendor =")
        vendor = catalogue.find(text)
        if vendor is None:
            hint = catalogue.suggest(text)
            raise ConfigError(
                f"{at}: {_shown(text)} is not a vendor of the catalogue"
                + (f"; did you mean {', '.join(hint)}?" if hint else "")
                + " (`incident-feed catalogue WORD` searches it)"
            )
        if vendor.slug in seen:
            raise ConfigError(
                f"{at}: {vendor.slug!r} is already followed (follow[{seen[vendor.slug]}])"
            )
        seen[vendor.slug] = i
        followed.append(Followed(i, vendor, components, excluded))
    return tuple(followed)


def _vendor(table: Mapping[str, Any], file: str, at: str) -> CatalogueVendor:
    name = _text(table, "name", at, limit=100)
    at = f"{at} ({name})"
    _only(table, _VENDOR_KEYS, f"{at}.")
    slug = _text(table, "slug", at, limit=63, default=slugify(name))
    if not _SLUG.match(slug):
        raise ConfigError(f"{at}.slug: {slug!r} must be lower-case letters and digits joined by -")
    category = _text(table, "category", at, limit=30)
    if category not in CATEGORIES:
        raise ConfigError(f"{at}.category: {category!r} is not one of {', '.join(CATEGORIES)}")
    crowd_url = _text(table, "crowd_url", at, limit=500, default="") or None
    if crowd_url is not None and not _HTTPS.match(crowd_url):
        raise ConfigError(f"{at}.crowd_url: {_shown(crowd_url)} is not an https:// URL")
    default = table.get("default", False)
    if not isinstance(default, bool):
        raise ConfigError(f"{at}.default: must be true or false")
    sources_raw = _list_of_tables(table, "source", at)
    social_kinds = [
        isinstance(t.get("kind"), str) and t["kind"] in SOCIAL_KINDS for t in sources_raw
    ]
    first_page = social_kinds.index(False) if False in social_kinds else -1
    sources = tuple(
        _source(raw, slug, j == first_page, f"{at}.source[{j}]")
        for j, raw in enumerate(sources_raw)
    )
    social = tuple(
        _listed(raw, f"{at}.social[{j}]")
        for j, raw in enumerate(_list_of_tables(table, "social", at))
    )
    return CatalogueVendor(
        name=name,
        slug=slug,
        category=category,
        file=file,
        crowd_url=crowd_url,
        products=_strings(table, "products", at, limit=100),
        default=default,
        note=_text(table, "note", at, limit=1000, default=""),
        sources=sources,
        social=social,
    )


def _source(table: Mapping[str, Any], slug: str, first_page: bool, at: str) -> CatalogueSource:
    """A ``[[vendor.source]]``. Its default name: ``<slug>-status`` for the vendor's first
    source that is not a social account, ``<slug>-<kind>`` for the others."""
    _only(table, _SOURCE_KEYS, f"{at}.")
    kind = _text(table, "kind", at, limit=32)
    if not _KIND.match(kind):
        raise ConfigError(f"{at}.kind: {_shown(kind)} is not a source kind")
    name = _text(table, "name", at, limit=63, default=f"{slug}-{'status' if first_page else kind}")
    if not _SOURCE_NAME.match(name):
        raise ConfigError(f"{at}.name: {name!r} must be lower-case letters, digits and -")
    at = f"{at} ({name})"
    url = _text(table, "url", at, limit=2000)
    if kind not in ACCOUNT_KINDS and not _HTTPS.match(url):
        raise ConfigError(f"{at}.url: {_shown(url)} is not an https:// URL")
    grade = _grade(table, at)
    evidence = _text(table, "evidence", at, limit=1000)
    active = table.get("active", kind != "x")  # x needs a token: opt-in
    if not isinstance(active, bool):
        raise ConfigError(f"{at}.active: must be true or false")
    role = _text(table, "role", at, limit=10, default="") or None
    if kind in SOCIAL_KINDS and role is None:
        raise ConfigError(f"{at}.role: required for a social account: status or brand")
    if role is not None and kind not in SOCIAL_KINDS:
        raise ConfigError(f"{at}.role: only social accounts have a role ({kind} is not one)")
    if role is not None and role not in SOURCE_ROLES:
        raise ConfigError(f"{at}.role: must be one of {', '.join(SOURCE_ROLES)}")
    token_env = _text(table, "token_env", at, limit=128, default="") or None
    if kind == "x" and token_env is None:
        raise ConfigError(f"{at}.token_env: required for x: the variable holding the API token")
    if token_env is not None and (kind != "x" or not _ENV_NAME.match(token_env)):
        # Not echoed: a token pasted here by mistake is a secret.
        raise ConfigError(f"{at}.token_env: x only, and the name of an environment variable")
    return CatalogueSource(name, kind, url, grade, evidence, active, role, token_env)


def _listed(table: Mapping[str, Any], at: str) -> ListedAccount:
    _only(table, _SOCIAL_KEYS, f"{at}.")
    platform = _text(table, "platform", at, limit=32)
    if not _KIND.match(platform):
        raise ConfigError(f"{at}.platform: {_shown(platform)} must be lower-case, like threads")
    account = _text(table, "account", at, limit=300)
    role = _text(table, "role", at, limit=10)
    if role not in SOURCE_ROLES:
        raise ConfigError(f"{at}.role: must be one of {', '.join(SOURCE_ROLES)}")
    return ListedAccount(platform, account, role, _grade(table, at))


def _grade(table: Mapping[str, Any], at: str) -> str:
    grade = _text(table, "grade", at, limit=10)
    if grade not in GRADES:
        raise ConfigError(f"{at}.grade: {_shown(grade)} is not one of {', '.join(GRADES)}")
    return grade


def _text(
    table: Mapping[str, Any], key: str, at: str, *, limit: int, default: str | None = None
) -> str:
    """A one-line printable string of at most ``limit`` characters (no controls, no bidi
    overrides: these names reach terminals)."""
    value = table.get(key, default)
    if value is None:
        raise ConfigError(f"{at}.{key}: required")
    if not isinstance(value, str):
        raise ConfigError(f"{at}.{key}: must be a string, not {type(value).__name__}")
    if value != default and not value.strip():
        raise ConfigError(f"{at}.{key}: must not be empty")
    if len(value) > limit:
        raise ConfigError(f"{at}.{key}: longer than {limit} characters")
    if not value.isprintable():
        raise ConfigError(f"{at}.{key}: {_shown(value)} holds a control or format character")
    return value


def _strings(table: Mapping[str, Any], key: str, at: str, *, limit: int) -> tuple[str, ...]:
    values = table.get(key, [])
    if not isinstance(values, list):
        raise ConfigError(f"{at}.{key}: must be a list of strings")
    return tuple(_text({key: v}, key, at, limit=limit) for v in values)


def _list_of_tables(table: Mapping[str, Any], key: str, at: str) -> list[Mapping[str, Any]]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{at}.{key}: must be an array of tables ([[vendor.{key}]])")
    return value


def _follow_strings(item: Mapping[str, Any], key: str, at: str) -> tuple[str, ...]:
    value = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{at}.{key}: must be a list of non-empty strings (names or globs)")
    return tuple(value)


def _only(table: Mapping[str, Any], allowed: frozenset[str] | set[str], prefix: str) -> None:
    for key in table:
        if key not in allowed:
            shown = key if key.isidentifier() else _shown(key)
            raise ConfigError(
                f"{prefix}{shown}: unknown key (allowed: {', '.join(sorted(allowed))})"
            )


def _shown(text: str) -> str:
    """A value for an error message: quoted, cut short, controls escaped by repr."""
    return repr(text[:80] + ("..." if len(text) > 80 else ""))
