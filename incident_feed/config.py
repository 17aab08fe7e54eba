"""config.toml -> typed, validated settings. Unknown keys and bad values are rejected with the
file, the key and the reason. Secrets never live here: only names of environment variables."""

from __future__ import annotations

import ipaddress
import math
import os
import re
import shlex
import tomllib
import unicodedata
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from incident_feed.catalogue import Followed, load_catalogue, resolve_follow
from incident_feed.errors import ConfigError

# Re-exported (``import X as X``): callers import them from here as before.
from incident_feed.kinds import ACCOUNT_KINDS as ACCOUNT_KINDS
from incident_feed.kinds import SOCIAL_KINDS as SOCIAL_KINDS
from incident_feed.kinds import SOURCE_KINDS as SOURCE_KINDS
from incident_feed.kinds import SOURCE_ROLES as SOURCE_ROLES
from incident_feed.kinds import slugify as slugify
from incident_feed.paths import CONFIG_ENV, bundled_config_file, user_config_file
from incident_feed.redact import redact_url

SOURCE_KEYS = frozenset(
    {"name", "vendor", "kind", "url", "active", "interval", "token_env", "components",
     "exclude_components", "role", "timezone"}
)  # fmt: skip
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(s|m|h)?$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
# A URL whose authority holds userinfo (``https://user:password@host/``).
_USERINFO = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*@")
# Social account forms (see :func:`parse_account`). Mastodon's own username rule; atproto's handle
# and DID syntax; X usernames are 1-15 letters, digits or underscores.
_MASTODON_USER = r"[A-Za-z0-9_]+(?:[.-]+[A-Za-z0-9_]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = rf"(?:{_LABEL}\.)*{_LABEL}"
_MASTODON_ACCT = re.compile(rf"^@?(?P<user>{_MASTODON_USER})@(?P<host>{_HOST})$")
_MASTODON_URL = re.compile(
    rf"^(?P<scheme>https?)://(?P<host>{_HOST})(?::(?P<port>\d{{1,5}}))?/@(?P<user>{_MASTODON_USER})/?$"
)
_BSKY_HANDLE = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)
_BSKY_DID = re.compile(r"^did:[a-z]+:[A-Za-z0-9._:%-]{1,2040}$")
_BSKY_PROFILE = re.compile(r"^https://(?:www\.)?bsky\.app/profile/(?P<actor>[^/?#\s]+)/?$")
_X_USER = re.compile(r"^@?(?P<user>[A-Za-z0-9_]{1,15})$")
_X_URL = re.compile(
    r"^https://(?:www\.|mobile\.)?(?:x|twitter)\.com/(?P<user>[A-Za-z0-9_]{1,15})/?$"
)
NOTIFY_EVENTS = ("new", "phase", "resolved")
# What a ``[[notify]]`` target is: a generic JSON webhook (Slack- and Discord-compatible), a
# native Slack, Discord, Microsoft Teams or ntfy message, or a command reading JSON on stdin.
NOTIFY_KINDS = ("webhook", "slack", "discord", "teams", "ntfy", "command")
# enums.Phase's values (kept here: config imports no other layer), for ``phases = [...]``.
PHASES = (
    "investigating", "identified", "remediating", "monitoring", "resolved",
    "scheduled", "in_progress", "verifying", "completed",
)  # fmt: skip
# enums.IMPACT_ORDER's values, least severe first (kept here: config imports no other layer).
IMPACTS = ("unknown", "none", "maintenance", "minor", "major", "critical")
MIN_INTERVAL = 1.0  # seconds; per-source and `watch --interval`
MAX_INTERVAL = 86400.0
# The TUI's binding ids, which ``[keys]`` may remap (listed here, not imported: config stays free
# of textual; tests/tui/test_keys.py checks this against the TUI's bindings).
KEY_BINDING_IDS = frozenset(
    {
        # everywhere
        "quit", "help", "collect-now", "show-sources",
        # the incidents list
        "cursor-down", "cursor-up", "page-down", "page-up", "first", "last", "open-incident",
        "filter", "clear-filter", "toggle-active", "toggle-maintenance", "reload",
        "hide-progress", "filter-done",
        # one incident
        "update-down", "update-up", "update-first", "update-last", "back", "open-link",
        "open-page", "toggle-details", "export-markdown", "copy-markdown",
        # sources, down now, help
        "sources-down", "sources-up", "show-status", "status-down", "status-up", "close-help",
    }
)  # fmt: skip
_KEY_MODIFIERS = frozenset({"ctrl", "alt", "shift", "super", "meta", "hyper"})
_NAMED_KEYS = frozenset(
    {"escape", "enter", "tab", "backspace", "delete", "insert", "home", "end", "pageup",
     "pagedown", "up", "down", "left", "right", "space"}
    | {f"f{n}" for n in range(1, 25)}
    # Textual's short names for some characters (textual.keys.KEY_NAME_REPLACEMENTS).
    | {"slash", "backslash", "at", "minus", "plus", "underscore"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on every HTTP request, and on each source's whole fetch."""

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    deadline: float = 30.0  # one request, redirects included
    # One source's whole fetch: all its documents and pages (each request still within
    # ``deadline``), so a dripping or paging source holds a worker this long at most.
    source_deadline: float = 60.0
    max_body_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5


# ``[settings.limits]`` key -> (minimum, maximum, whole number). Out of range is a config error.
LIMIT_BOUNDS: dict[str, tuple[float, float, bool]] = {
    "connect_timeout": (0.001, 300.0, False),
    "read_timeout": (0.001, 3600.0, False),
    "deadline": (0.001, 3600.0, False),
    "source_deadline": (0.001, 3600.0, False),
    "max_body_bytes": (1, 1024**3, True),  # 1 GiB: also the largest file `import` reads
    "max_redirects": (0, 20, True),
}
MAX_CONFIG_BYTES = 1024 * 1024  # a config file past this is a mistake (or /dev/zero)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Settings:
    database: str = ""
    timezone: str = "local"
    # Connect to 127.0.0.0/8 and ::1 (local test servers); never to metadata addresses.
    allow_loopback: bool = False
    # Non-public ranges sources may reach (e.g. 10.0.0.0/8 for an internal status page).
    allow_networks: tuple[IPNetwork, ...] = ()
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True, slots=True)
class VendorConfig:
    name: str
    slug: str
    downdetector: str | None = None
    products: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SourceConfig:
    name: str
    vendor: str
    kind: str
    url: str
    active: bool = True
    interval: float | None = None  # seconds between collections under `watch`; None: the default
    # x only: the name of the environment variable holding the API bearer token (never the token).
    token_env: str | None = None
    # Components to keep / leave out (ids or names, shell-style globs, case-insensitive): only
    # outages touching a kept component are listed, counted, exported and notified.
    components: tuple[str, ...] = ()
    exclude_components: tuple[str, ...] = ()
    # Social sources: "status" (an account that posts status news) or "brand" (a brand account
    # posting product news too: only confident incident posts open a thread). None: status.
    role: str | None = None
    # The page's IANA zone, for pages whose times carry no offset (Cachet); None: UTC, flagged.
    timezone: str | None = None


@dataclass(frozen=True, slots=True)
class SocialAccount:
    """A social account a ``mastodon``, ``bluesky`` or ``x`` source follows, as written in ``url``.

    ``name`` is the Mastodon username, the Bluesky handle (lower-cased) or DID, or the X username;
    ``base`` is the Mastodon instance's URL (``https://host[:port]``), None for the others.
    """

    platform: str
    name: str
    base: str | None = None

    @property
    def label(self) -> str:
        """The account as people write it: ``user@host``, the handle or DID, ``@user``."""
        if self.platform == "mastodon" and self.base is not None:
            return f"{self.name}@{self.base.split('://', 1)[1]}"
        return f"@{self.name}" if self.platform == "x" else self.name


def parse_account(kind: str, text: str) -> SocialAccount:
    """The account named by a social source's ``url``; ValueError saying which forms are allowed.

    mastodon: ``@user@instance``, ``user@instance`` or ``https://instance/@user``;
    bluesky: a handle (``name.bsky.social``, ``@status.example.com``), a DID (``did:plc:...``)
    or ``https://bsky.app/profile/<handle or DID>``;
    x: ``@username``, ``username`` or ``https://x.com/username`` (twitter.com too).
    """
    text = text.strip()
    if kind == "mastodon":
        match = _MASTODON_URL.match(text)
        if match:
            port = f":{match['port']}" if match["port"] else ""
            base = f"{match['scheme']}://{match['host'].lower()}{port}"
            return SocialAccount("mastodon", match["user"], base)
        match = _MASTODON_ACCT.match(text)
        if match:
            return SocialAccount("mastodon", match["user"], f"https://{match['host'].lower()}")
        raise ValueError(
            f"{_shown(text)} is not a Mastodon account: write @user@instance or "
            "https://instance/@user (the account's home instance)"
        )
    if kind == "bluesky":
        match = _BSKY_PROFILE.match(text)
        actor = match["actor"] if match else text.removeprefix("@")
        if _BSKY_DID.match(actor):
            return SocialAccount("bluesky", actor)
        if len(actor) <= 253 and _BSKY_HANDLE.match(actor):
            return SocialAccount("bluesky", actor.lower())
        raise ValueError(
            f"{_shown(text)} is not a Bluesky account: write a handle (name.bsky.social), "
            "a DID (did:plc:...) or https://bsky.app/profile/<handle>"
        )
    if kind == "x":
        match = _X_URL.match(text) or _X_USER.match(text)
        if match:
            return SocialAccount("x", match["user"])
        raise ValueError(
            f"{_shown(text)} is not an X account: write @username or https://x.com/username"
        )
    raise ValueError(f"{kind!r} is not a social source kind")


def _shown(text: str) -> str:
    """A value for an error message: quoted, cut short, controls escaped by repr."""
    return repr(text[:80] + ("..." if len(text) > 80 else ""))


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    """One ``[[notify]]`` target: where to send (``kind``) and which events (the filters).

    The HTTP kinds read their URL from the environment variable ``webhook_env`` (for ntfy, the
    topic URL) and ntfy its optional access token from ``token_env``: both are secrets, never in
    the file. A target without ``kind`` written before kinds existed keeps working: a command,
    a webhook, or both (:meth:`channels`).
    """

    name: str
    command: tuple[str, ...] = ()
    webhook_env: str | None = None
    vendors: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    min_impact: str | None = None
    events: tuple[str, ...] = NOTIFY_EVENTS
    kind: str = ""  # one of NOTIFY_KINDS; empty: inferred from command / webhook_env
    phases: tuple[str, ...] = ()  # only outages now in one of these phases; empty: any
    token_env: str | None = None  # ntfy: the access token's environment variable

    def channels(self) -> tuple[str, ...]:
        """How this target is sent: its kind, or (no kind written) what its keys say."""
        if self.kind:
            return (self.kind,)
        return (("command",) if self.command else ()) + (
            ("webhook",) if self.webhook_env is not None else ()
        )


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None
    settings: Settings = field(default_factory=Settings)
    vendors: tuple[VendorConfig, ...] = ()
    sources: tuple[SourceConfig, ...] = ()
    notify: tuple[NotifyConfig, ...] = ()
    # ``[keys]``: TUI binding id -> Textual key string ("j", "ctrl+d", "pagedown,ctrl+f").
    keys: Mapping[str, str] = field(default_factory=dict)
    # Slugs of the catalogue vendors ``follow`` names, in its order.
    followed: tuple[str, ...] = ()

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"no source named {name!r} in {self.path} (known: {known})")

    def vendor(self, name: str) -> VendorConfig | None:
        for vendor in self.vendors:
            if vendor.name.lower() == name.lower() or vendor.slug == name.lower():
                return vendor
        return None


def find_config(explicit: str | os.PathLike[str] | None) -> Path:
    """The config file to use: ``--config``, then ``$INCIDENT_FEED_CONFIG``, then the user's
    config file when it exists, then the config shipped with the package."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env)
    user_file = user_config_file()
    return user_file if user_file.is_file() else bundled_config_file()


def load_config(path: Path) -> Config:
    """Read and validate one config file."""
    from incident_feed.files import read_regular_file

    if not path.exists() and not path.is_symlink():
        raise ConfigError(f"{path}: no such config file")
    # Never a FIFO (blocks), a device (/dev/zero never ends) or a file no config could need.
    body = read_regular_file(path, MAX_CONFIG_BYTES)
    try:
        raw = tomllib.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise ConfigError(f"{path}: not valid TOML: {str(exc)[:120]}") from None
    try:
        return parse_config(raw, path)
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply") from None


def parse_config(raw: Mapping[str, Any], path: Path | None) -> Config:
    """Validate an already-parsed TOML document.

    ``follow`` names catalogue vendors (:mod:`incident_feed.catalogue`): each brings its vendor
    entry and its sources, which then stand in ``vendors`` and ``sources`` like the file's own.
    A ``[[source]]`` named like a followed source changes only the keys it sets; a
    ``[[vendor]]`` named like a followed vendor replaces that vendor's entry.
    """
    where = str(path) if path else "<config>"
    _only(raw, {"settings", "follow", "vendor", "source", "notify", "keys"}, where, "")
    settings = _settings(raw.get("settings", {}), where)
    followed = resolve_follow(raw["follow"], load_catalogue(), where) if "follow" in raw else ()
    own_vendors = tuple(
        _vendor(item, where, f"vendor[{i}]") for i, item in enumerate(_tables(raw, "vendor", where))
    )
    _unique([v.name.lower() for v in own_vendors], where, "vendor", "name")
    own_names = {v.name.lower() for v in own_vendors}
    vendors = (
        tuple(_followed_vendor(f) for f in followed if f.vendor.name.lower() not in own_names)
        + own_vendors
    )
    labelled = [
        (at, _source(table, where, at)) for at, table in _source_tables(raw, followed, where)
    ]
    sources = tuple(source for _, source in labelled)
    seen: set[str] = set()
    known_vendors = {v.name.lower() for v in vendors}
    for at, source in labelled:
        if source.name in seen:
            raise ConfigError(f"{where}: {at}.name: {source.name!r} is used twice")
        seen.add(source.name)
        if vendors and source.vendor.lower() not in known_vendors:
            raise ConfigError(f"{where}: {at}.vendor: {source.vendor!r} is not a [[vendor]] name")
    notify = tuple(
        _notify(item, where, f"notify[{i}]", i)
        for i, item in enumerate(_tables(raw, "notify", where))
    )
    _unique([n.name for n in notify], where, "notify", "name")
    for i, target in enumerate(notify):
        for vendor in target.vendors:
            if vendors and vendor.lower() not in known_vendors:
                raise ConfigError(
                    f"{where}: notify[{i}].vendors: {vendor!r} is not a [[vendor]] name"
                )
    keys = _keys(raw.get("keys", {}), where)
    return Config(
        path=path,
        settings=settings,
        vendors=vendors,
        sources=sources,
        notify=notify,
        keys=keys,
        followed=tuple(f.vendor.slug for f in followed),
    )


def _followed_vendor(followed: Followed) -> VendorConfig:
    vendor = followed.vendor
    return VendorConfig(vendor.name, vendor.slug, vendor.crowd_url, vendor.products)


def _source_tables(
    raw: Mapping[str, Any], followed: tuple[Followed, ...], where: str
) -> list[tuple[str, Mapping[str, Any]]]:
    """Every ``[[source]]`` table to validate, with where it comes from: the followed vendors'
    sources first (``follow`` order; a followed vendor's components copied into each, and a
    ``[[source]]`` of the same name laid over it), then the file's other ``[[source]]``s."""
    own = _tables(raw, "source", where)
    by_name: dict[str, int] = {}
    for j, table in enumerate(own):
        name = table.get("name")
        if isinstance(name, str):
            by_name.setdefault(name, j)
    tables: list[tuple[str, Mapping[str, Any]]] = []
    laid_over: set[int] = set()
    for item in followed:
        chosen: dict[str, Any] = {}
        if item.components:
            chosen["components"] = list(item.components)
        if item.exclude_components:
            chosen["exclude_components"] = list(item.exclude_components)
        for source in item.vendor.sources:
            table = source.table(item.vendor.name) | chosen
            mine = by_name.get(source.name)
            if mine is None:
                at = f"follow[{item.index}] ({item.vendor.slug}: catalogue source {source.name})"
                tables.append((at, table))
            else:
                laid_over.add(mine)
                tables.append((f"source[{mine}]", {**table, **own[mine]}))
    tables += [(f"source[{j}]", table) for j, table in enumerate(own) if j not in laid_over]
    return tables


def parse_duration(text: str) -> float:
    """``90s``, ``5m``, ``1h`` or a number of seconds -> seconds."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration like 90s, 5m or 1h")
    value = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2) or "s"]
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]!r} is too long a duration")
    if value <= 0:
        raise ValueError(f"{text!r} must be more than zero")
    return value


def _settings(raw: object, where: str) -> Settings:
    table = _table(raw, where, "settings")
    # Replaced by allow_loopback and allow_networks: `false` (the old default) is still read,
    # `true` is an error, since it allowed ranges that now need listing one by one.
    if _bool(table, "allow_private_addresses", where, "settings", False):
        raise ConfigError(
            f"{where}: settings.allow_private_addresses was replaced: write allow_loopback = true "
            'for a server on 127.0.0.1, and allow_networks = ["10.0.0.0/8"] (the ranges you '
            "need) for private addresses"
        )
    _only(
        {k: v for k, v in table.items() if k != "allow_private_addresses"},
        {"database", "timezone", "allow_loopback", "allow_networks", "limits"},
        where,
        "settings",
    )
    limits_raw = _table(table.get("limits", {}), where, "settings.limits")
    defaults = Limits()
    _only(limits_raw, set(Limits.__dataclass_fields__), where, "settings.limits")
    limits = Limits(
        **{
            key: _number(limits_raw, key, getattr(defaults, key), where, *bounds)
            for key, bounds in LIMIT_BOUNDS.items()
        }
    )
    timezone = _string(table, "timezone", where, "settings", default="local")
    _check_timezone(timezone, where)
    return Settings(
        database=_string(table, "database", where, "settings", default=""),
        timezone=timezone,
        allow_loopback=_bool(table, "allow_loopback", where, "settings", False),
        allow_networks=_networks(table, where),
        limits=limits,
    )


def _networks(table: Mapping[str, Any], where: str) -> tuple[IPNetwork, ...]:
    """``allow_networks``: CIDR ranges without host bits; ``/0`` (everything) is refused."""
    at = f"{where}: settings.allow_networks"
    values = table.get("allow_networks", [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigError(f'{at}: must be a list of ranges like "10.0.0.0/8"')
    networks = []
    for value in values:
        try:
            network = ipaddress.ip_network(value.strip())
        except ValueError as exc:
            raise ConfigError(
                f'{at}: {_shown(value)} is not a range like "10.0.0.0/8": {exc}'
            ) from None
        if network.prefixlen == 0:
            raise ConfigError(f"{at}: {value!r} allows every address; list the ranges you need")
        networks.append(network)
    return tuple(networks)


def _vendor(raw: Mapping[str, Any], where: str, at: str) -> VendorConfig:
    _only(raw, {"name", "downdetector", "products"}, where, at)
    name = _string(raw, "name", where, at)
    downdetector = _string(raw, "downdetector", where, at, default="") or None
    if downdetector and not downdetector.startswith("https://"):
        raise ConfigError(f"{where}: {at}.downdetector: must be an https:// URL")
    products = raw.get("products", [])
    if not isinstance(products, list) or not all(isinstance(p, str) for p in products):
        raise ConfigError(f"{where}: {at}.products: must be a list of strings")
    return VendorConfig(name, slugify(name), downdetector, tuple(products))


def _source(raw: Mapping[str, Any], where: str, at: str) -> SourceConfig:
    _only(raw, SOURCE_KEYS, where, at)
    name = _string(raw, "name", where, at)
    if not _NAME.match(name):
        raise ConfigError(f"{where}: {at}.name: {name!r} must be lower-case letters, digits and -")
    kind = _string(raw, "kind", where, at)
    if kind not in SOURCE_KINDS:
        raise ConfigError(f"{where}: {at}.kind: {kind!r} is not one of {', '.join(SOURCE_KINDS)}")
    url = _string(raw, "url", where, at)
    if _USERINFO.match(url):
        # Not echoed: the part before the @ is a password.
        raise ConfigError(
            f"{where}: {at}.url: source {name!r}: a user name or password in the URL "
            "(user:password@host) is not accepted: it would be shown in errors, logs and "
            "`sources`; keep secrets out of this file and in an environment variable "
            "(as x sources do with token_env)"
        )
    if kind in ACCOUNT_KINDS:
        try:
            parse_account(kind, url)
        except ValueError as exc:
            raise ConfigError(f"{where}: {at}.url: {exc}") from None
    elif not re.match(r"^https?://[^\s/]+", url):
        raise ConfigError(f"{where}: {at}.url: {redact_url(url)!r} is not an http(s) URL")
    return SourceConfig(
        name=name,
        vendor=_string(raw, "vendor", where, at),
        kind=kind,
        url=url,
        active=_bool(raw, "active", where, at, True),
        interval=_interval(raw, where, at),
        token_env=_token_env(raw, kind, where, at),
        components=_strings(raw, "components", where, at),
        exclude_components=_strings(raw, "exclude_components", where, at),
        role=_role(raw, kind, where, at),
        timezone=_page_zone(raw, where, at),
    )


def _role(raw: Mapping[str, Any], kind: str, where: str, at: str) -> str | None:
    """``role``: "status" or "brand", for social sources only."""
    value = raw.get("role")
    if value is None:
        return None
    if kind not in SOCIAL_KINDS:
        raise ConfigError(f"{where}: {at}.role: only social sources have a role ({kind} is not)")
    if value not in SOURCE_ROLES:
        raise ConfigError(f"{where}: {at}.role: must be one of {', '.join(SOURCE_ROLES)}")
    return str(value)


def _page_zone(raw: Mapping[str, Any], where: str, at: str) -> str | None:
    """``timezone``: the IANA zone a page's offset-less times are in."""
    from incident_feed.clock import display_zone

    value = raw.get("timezone")
    if value is None:
        return None
    if not isinstance(value, str) or not value or value == "local":
        raise ConfigError(f'{where}: {at}.timezone: must be an IANA zone name like "Europe/Berlin"')
    try:
        display_zone(value)
    except ValueError:
        raise ConfigError(f"{where}: {at}.timezone: {_shown(value)} is not a known zone") from None
    return value


def _token_env(raw: Mapping[str, Any], kind: str, where: str, at: str) -> str | None:
    """``token_env``: required for x (API bearer token), refused for every other kind."""
    value = raw.get("token_env")
    if kind != "x":
        if value is not None:
            raise ConfigError(
                f"{where}: {at}.token_env: only x sources take a token ({kind} reads public data)"
            )
        return None
    if value is None:
        raise ConfigError(
            f"{where}: {at}.token_env: required for x sources: the name of the environment "
            "variable holding the X API bearer token"
        )
    if not isinstance(value, str) or not _ENV_NAME.match(value):
        # Not echoed: a token pasted here by mistake is a secret.
        raise ConfigError(
            f"{where}: {at}.token_env: must name an environment variable holding the token "
            "(letters, digits and _), not the token itself; keep the token out of this file"
        )
    return value


def _interval(raw: Mapping[str, Any], where: str, at: str) -> float | None:
    """``interval = "5m"`` (or a number of seconds), within MIN_INTERVAL..MAX_INTERVAL."""
    value = raw.get("interval")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConfigError(f'{where}: {at}.interval: must be a duration like "90s" or "5m"')
    try:
        seconds = parse_duration(str(value))
    except ValueError as exc:
        raise ConfigError(f"{where}: {at}.interval: {exc}") from None
    if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
        raise ConfigError(
            f"{where}: {at}.interval: {value!r} is outside {MIN_INTERVAL:g}s..{MAX_INTERVAL:g}s"
        )
    return seconds


def _notify(raw: Mapping[str, Any], where: str, at: str, index: int) -> NotifyConfig:
    allowed = {
        "name", "kind", "command", "webhook_env", "token_env",
        "vendors", "components", "phases", "min_impact", "events",
    }  # fmt: skip
    _only(raw, allowed, where, at)
    name = _string(raw, "name", where, at, default=f"notify-{index}")
    if not _NAME.match(name):
        raise ConfigError(f"{where}: {at}.name: {name!r} must be lower-case letters, digits and -")
    kind = _string(raw, "kind", where, at, default="")
    if kind and kind not in NOTIFY_KINDS:
        raise ConfigError(f"{where}: {at}.kind: {kind!r} is not one of {', '.join(NOTIFY_KINDS)}")
    command = _command(raw.get("command"), where, at)
    webhook_env = _secret_env(raw, "webhook_env", "URL", where, at)
    token_env = _secret_env(raw, "token_env", "token", where, at)
    if not kind and not command and webhook_env is None:
        raise ConfigError(f"{where}: {at}: needs a command or a webhook_env")
    if kind == "command" and not command:
        raise ConfigError(f'{where}: {at}.command: required for kind = "command"')
    if kind and kind != "command" and webhook_env is None:
        what = "the topic URL" if kind == "ntfy" else "the webhook URL"
        raise ConfigError(
            f"{where}: {at}.webhook_env: required for kind = {kind!r}: the name of the "
            f"environment variable holding {what}"
        )
    if kind and kind != "command" and command:
        raise ConfigError(f'{where}: {at}.command: only for kind = "command" (not {kind!r})')
    if kind == "command" and webhook_env is not None:
        raise ConfigError(f'{where}: {at}.webhook_env: not for kind = "command"')
    if token_env is not None and kind != "ntfy":
        raise ConfigError(f'{where}: {at}.token_env: only for kind = "ntfy"')
    min_impact = _string(raw, "min_impact", where, at, default="") or None
    if min_impact is not None and min_impact not in IMPACTS:
        raise ConfigError(
            f"{where}: {at}.min_impact: {min_impact!r} is not one of {', '.join(IMPACTS)}"
        )
    events = _strings(raw, "events", where, at, default=NOTIFY_EVENTS)
    for event in events:
        if event not in NOTIFY_EVENTS:
            raise ConfigError(
                f"{where}: {at}.events: {event!r} is not one of {', '.join(NOTIFY_EVENTS)}"
            )
    if not events:
        raise ConfigError(f"{where}: {at}.events: must name at least one event")
    phases = _strings(raw, "phases", where, at)
    for phase in phases:
        if phase not in PHASES:
            raise ConfigError(f"{where}: {at}.phases: {phase!r} is not one of {', '.join(PHASES)}")
    if "phases" in raw and not phases:
        raise ConfigError(f"{where}: {at}.phases: must name at least one phase (or leave it out)")
    return NotifyConfig(
        name=name,
        command=command,
        webhook_env=webhook_env,
        vendors=_strings(raw, "vendors", where, at),
        components=_strings(raw, "components", where, at),
        min_impact=min_impact,
        events=tuple(dict.fromkeys(events)),
        kind=kind,
        phases=tuple(dict.fromkeys(phases)),
        token_env=token_env,
    )


def _secret_env(raw: Mapping[str, Any], key: str, what: str, where: str, at: str) -> str | None:
    """The name of the environment variable holding a secret ``what``, or None."""
    value = _string(raw, key, where, at, default="") or None
    # Never echoed: what was written here may be the secret itself. An ntfy access token ("tk_"
    # and 29 letters and digits) even looks like a variable name.
    if value is not None and (value.startswith("tk_") or not _ENV_NAME.match(value)):
        raise ConfigError(
            f"{where}: {at}.{key}: is not an environment variable name: it must name a "
            f"variable holding the {what}, not the {what} itself (keep the {what} out of "
            "this file)"
        )
    return value


def _keys(raw: object, where: str) -> dict[str, str]:
    """``[keys]``: each binding id must be one of the TUI's, each value a key string."""
    table = _table(raw, where, "keys")
    keys: dict[str, str] = {}
    for binding_id, value in table.items():
        if binding_id not in KEY_BINDING_IDS:
            raise ConfigError(
                f"{where}: keys.{binding_id}: unknown binding id "
                f"(known: {', '.join(sorted(KEY_BINDING_IDS))})"
            )
        if not isinstance(value, str) or not _is_key_list(value):
            raise ConfigError(
                f"{where}: keys.{binding_id}: {value!r} is not a key string "
                '(like "j", "ctrl+d", "pagedown" or "f5"; several separated by commas)'
            )
        keys[binding_id] = ",".join(key.strip() for key in value.split(","))
    return keys


def _is_key_list(value: str) -> bool:
    return all(_is_key(key.strip()) for key in value.split(","))


def _is_key(key: str) -> bool:
    """A Textual key: modifiers joined by ``+``, then one character or a key's name."""
    if len(key) == 1:
        return key.isprintable() and not key.isspace()
    *modifiers, name = key.split("+")
    if any(m not in _KEY_MODIFIERS for m in modifiers) or len(set(modifiers)) < len(modifiers):
        return False
    if len(name) == 1:
        return name.isprintable() and not name.isspace()
    return name in _NAMED_KEYS or _is_character_name(name)


def _is_character_name(name: str) -> bool:
    """Textual names other characters by their Unicode name: ``question_mark``, ``comma``."""
    if name != name.lower():
        return False
    try:
        return len(unicodedata.lookup(name.replace("_", " "))) == 1
    except KeyError:
        return False


def _command(value: object, where: str, at: str) -> tuple[str, ...]:
    """A command as an argument list (run without a shell); a string is split like a shell."""
    if value is None:
        return ()
    if isinstance(value, str):
        try:
            argv = shlex.split(value)
        except ValueError as exc:
            # Not echoed: a command line may carry a token.
            raise ConfigError(f"{where}: {at}.command: cannot split it: {exc}") from None
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        argv = list(value)
    else:
        raise ConfigError(f"{where}: {at}.command: must be a string or a list of strings")
    if not argv or not argv[0]:
        raise ConfigError(f"{where}: {at}.command: is empty")
    return tuple(argv)


def _strings(
    table: Mapping[str, Any], key: str, where: str, at: str, default: tuple[str, ...] = ()
) -> tuple[str, ...]:
    value = table.get(key)
    if value is None:
        return default
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}: {at}.{key}: must be a list of non-empty strings")
    return tuple(value)


def _tables(raw: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{where}: {key}: must be an array of tables ([[{key}]])")
    return value


def _table(value: object, where: str, at: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {at}: must be a table")
    return value


def _only(table: Mapping[str, Any], allowed: Set[str], where: str, at: str) -> None:
    for key in table:
        if key not in allowed:
            prefix = f"{at}." if at else ""
            raise ConfigError(
                f"{where}: {prefix}{key}: unknown key (allowed: {', '.join(sorted(allowed))})"
            )


def _string(
    table: Mapping[str, Any], key: str, where: str, at: str, *, default: str | None = None
) -> str:
    value = table.get(key, default)
    if value is None:
        raise ConfigError(f"{where}: {at}.{key}: required")
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {at}.{key}: must be a string, not {type(value).__name__}")
    return value


def _bool(table: Mapping[str, Any], key: str, where: str, at: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {at}.{key}: must be true or false")
    return value


def _number(
    table: Mapping[str, Any],
    key: str,
    default: float,
    where: str,
    minimum: float,
    maximum: float,
    whole: bool,
) -> Any:
    """A finite number within ``minimum..maximum`` (an int when ``whole``)."""
    value = table.get(key, default)
    at = f"{where}: settings.limits.{key}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{at}: must be a number")
    if not math.isfinite(value):
        raise ConfigError(f"{at}: must be a finite number, not {value!r}")
    if whole and value != int(value):
        raise ConfigError(f"{at}: must be a whole number")
    if value < minimum:
        raise ConfigError(f"{at}: must be at least {minimum:g}, not {value:g}")
    if value > maximum:
        raise ConfigError(f"{at}: must be at most {maximum:g}, not {value:g}")
    return int(value) if whole else float(value)


def _unique(names: list[str], where: str, table: str, key: str) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise ConfigError(f"{where}: {table}[{i}].{key}: {name!r} is used twice")
        seen.add(name)


def _check_timezone(name: str, where: str) -> None:
    from incident_feed.clock import display_zone

    try:
        display_zone(name)
    except ValueError as exc:
        raise ConfigError(f"{where}: settings.timezone: {exc}") from None
