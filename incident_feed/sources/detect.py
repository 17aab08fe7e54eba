"""Which kind of source a status page is, told from what it serves (``sources add URL``).

Each probe is one GET through the project's :class:`~incident_feed.sources.http.Fetcher` (so
the address policy, limits and deadline hold) and looks for a mark only that platform leaves:

- Atlassian Statuspage: ``/api/v2/summary.json`` with a page and its status, answered with an
  ``x-statuspage-version`` header;
- incident.io: its widget API ``/proxy/<host>`` (a ``summary`` object);
- Better Stack: ``/index.json``, a JSON:API document whose data is a ``status_page``;
- Instatus: ``/summary.json`` with ``page.status`` such as ``UP`` or ``HASISSUES``;
- Cachet: ``/api/v1/ping`` answering ``Pong!``;
- status.io: its public API URL (``api.status.io/1.0/status/<page id>``);
- Salesforce Trust: an instance's page (``status.salesforce.com/instances/EU48``) or the Trust
  API's URL (``api.status.salesforce.com/v1...``), by its form (no request);
- an RSS or Atom feed: the URL itself, or an HTML page's ``<link rel="alternate">``;
- social accounts by the form of their URL (``https://instance/@user``, ``bsky.app/profile/``,
  ``x.com/``).

Only kinds this build has a collector for are proposed. At most :data:`MAX_PROBES` requests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser

import httpx

from incident_feed.config import SOCIAL_KINDS, SOURCE_KINDS, parse_account
from incident_feed.errors import FetchError, SourceError
from incident_feed.kinds import social_channel
from incident_feed.normalize.text import clean_line
from incident_feed.sources.base import page_root, peek_json
from incident_feed.sources.http import FetchedResponse, Fetcher
from incident_feed.sources.salesforce import TRUST_API, trust_base

MAX_PROBES = 8
_STATUSIO = re.compile(r"^https://api\.status\.io/1\.0/status/[0-9a-f]{24}/?$", re.IGNORECASE)
_TRUST_PAGE = re.compile(
    r"^https://status\.salesforce\.com/instances/(?P<instance>[A-Za-z]{1,8}[0-9]{1,5}[A-Za-z]?)"
    r"(?:/[A-Za-z]*)?/?(?:[?#].*)?$",
    re.IGNORECASE,
)
_TRUST_API = re.compile(
    r"^https://api\.status\.salesforce\.com/v1(?:/incidents|/maintenances)?/?(?:\?[^#\s]*)?$",
    re.IGNORECASE,
)
_INSTATUS_STATES = frozenset({"UP", "HASISSUES", "UNDERMAINTENANCE", "ALLUP", "MAJOROUTAGE"})
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+xml")
_TITLE_TAIL = re.compile(r"\s*[-|:\u2013\u2014]?\s*(status( page)?|system status)\s*$", re.I)


@dataclass(frozen=True, slots=True)
class Detection:
    """What a URL was found to be: the source kind, the URL to configure, and why."""

    kind: str
    url: str
    reasons: tuple[str, ...]
    vendor: str | None = None  # the page's own name for its company, when it gives one


@dataclass(slots=True)
class _Probe:
    fetcher: Fetcher
    tried: list[str] = field(default_factory=list)
    count: int = 0

    def get(self, url: str, accept: str = "application/json") -> FetchedResponse | None:
        """The response, or None when the GET failed (the failure is kept for the report)."""
        if self.count >= MAX_PROBES:
            return None
        self.count += 1
        try:
            response = self.fetcher.get(url, accept=accept)
        except FetchError as exc:
            self.tried.append(f"GET {url}: {exc}")
            return None
        return response

    def json(self, url: str) -> tuple[FetchedResponse, Mapping[str, object]] | None:
        """A response whose body is a JSON object, or None (noted)."""
        response = self.get(url)
        if response is None:
            return None
        document = peek_json(response.body)
        if not isinstance(document, dict):
            self.tried.append(f"GET {url}: not a JSON object")
            return None
        return response, document


def detect(url: str, fetcher: Fetcher) -> Detection:
    """The kind of ``url``; :class:`SourceError` listing what was tried when nothing matched."""
    url = url.strip()
    social = _social(url)
    if social is not None:
        return social
    trust = _salesforce(url)
    if trust is not None:
        return trust
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise SourceError(f"{url[:80]!r} is not a URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise SourceError(f"{url[:80]!r} is not an http(s) URL")
    probe = _Probe(fetcher)
    if _STATUSIO.match(url) and "statusio" in SOURCE_KINDS:
        found = probe.json(url)
        if found and isinstance(found[1].get("result"), dict):
            return Detection("statusio", url, (f"{url} is status.io's public status API",))
    first = probe.get(url, accept="text/html, application/xhtml+xml, application/xml;q=0.9, */*")
    if first is not None and _is_feed(first):
        return Detection("feed", url, (f"{url} answered an RSS/Atom feed",), _feed_title(first))
    base = page_root(str(first.url) if first is not None else url)
    for check in _PAGE_CHECKS:
        found_kind = check(base, probe)
        if found_kind is not None:
            return found_kind
    if first is not None:
        link = _feed_link(first)
        if link is not None:
            feed = probe.get(link, accept="application/rss+xml, application/atom+xml, */*")
            if feed is not None and _is_feed(feed):
                return Detection(
                    "feed",
                    link,
                    (f"{url} is an HTML page advertising the feed {link} (<link rel=alternate>)",),
                    _page_title(first),
                )
            probe.tried.append(f"{url} advertises {link}, which is not a feed")
    tried = "; ".join(probe.tried) or "nothing answered"
    raise SourceError(
        f"could not tell what kind of status page {url} is ({tried}); "
        "add it with --kind, or write its [[source]] table by hand"
    )


_ACCOUNT_FEED = re.compile(
    r"^https://(?:[^/?#\s]+/@[A-Za-z0-9_]+\.rss|(?:www\.)?bsky\.app/profile/[^/?#\s]+/rss)/?$"
)


def _salesforce(url: str) -> Detection | None:
    """A Salesforce Trust instance page or API URL, told by its form: the API URL with the
    instance in its query (the collector adds ``/incidents`` and ``/maintenances``)."""
    if "salesforce" not in SOURCE_KINDS:
        return None
    page = _TRUST_PAGE.match(url)
    if page is not None:
        instance = page["instance"].upper()
        api = f"{TRUST_API}?instance={instance}"
        reason = f"{url} is Salesforce Trust's page of instance {instance}; its API is {api}"
        return Detection("salesforce", api, (reason,), "Salesforce")
    if _TRUST_API.match(url):
        api = trust_base(url)
        return Detection("salesforce", api, (f"{url} is Salesforce Trust's API",), "Salesforce")
    return None


def _social(url: str) -> Detection | None:
    """A social account URL, recognised by its form alone (no request): an account's own feed
    (``https://instance/@user.rss``, ``https://bsky.app/profile/<handle>/rss``) is an
    ``account-feed``, an account's page its platform's kind."""
    if "account-feed" in SOCIAL_KINDS and _ACCOUNT_FEED.match(url):
        channel = social_channel("account-feed", url)
        return Detection("account-feed", url, (f"{url} is a {channel} account's own feed",))
    for kind in ("mastodon", "bluesky", "x"):
        if kind not in SOCIAL_KINDS:
            continue
        try:
            account = parse_account(kind, url)
        except ValueError:
            continue
        if "://" not in url and kind != "bluesky" and not url.startswith("@"):
            continue  # a bare word is not taken as an X user name
        return Detection(kind, url, (f"{url} is a {kind} account ({account.label})",))
    return None


def _statuspage(base: str, probe: _Probe) -> Detection | None:
    found = probe.json(f"{base}/api/v2/summary.json")
    if found is None:
        return None
    response, document = found
    page = document.get("page")
    if not isinstance(page, dict) or "status" not in document:
        probe.tried.append(f"{base}/api/v2/summary.json: no page and status")
        return None
    name = _name(page.get("name"))
    if "x-statuspage-version" in {k.lower() for k in response.headers}:
        return Detection(
            "statuspage",
            base,
            (
                f"{base}/api/v2/summary.json is a Statuspage summary "
                "answered with an x-statuspage-version header (Atlassian Statuspage)",
            ),
            name,
        )
    incidentio = _incidentio(base, probe)
    if incidentio is not None:
        return incidentio
    return Detection(
        "statuspage",
        base,
        (
            f"{base}/api/v2/summary.json is a Statuspage-compatible summary "
            "(no x-statuspage-version header: not Atlassian's own, but the same API)",
        ),
        name,
    )


def _incidentio(base: str, probe: _Probe) -> Detection | None:
    if "incidentio" not in SOURCE_KINDS:
        return None
    host = httpx.URL(base).host
    found = probe.json(f"{base}/proxy/{host}")
    if found is None or not isinstance(found[1].get("summary"), dict):
        return None
    summary = found[1]["summary"]
    name = _name(summary.get("name")) if isinstance(summary, dict) else None
    return Detection(
        "incidentio",
        base,
        (f"{base}/proxy/{host} is incident.io's widget API (a summary object)",),
        name,
    )


def _betterstack(base: str, probe: _Probe) -> Detection | None:
    if "betterstack" not in SOURCE_KINDS:
        return None
    found = probe.json(f"{base}/index.json")
    if found is None:
        return None
    data = found[1].get("data")
    if not isinstance(data, dict) or data.get("type") != "status_page":
        probe.tried.append(f"{base}/index.json: not a Better Stack status_page")
        return None
    attributes = data.get("attributes")
    name = _name(attributes.get("company_name")) if isinstance(attributes, dict) else None
    return Detection(
        "betterstack",
        base,
        (f"{base}/index.json is a JSON:API status_page document (Better Stack)",),
        name,
    )


def _instatus(base: str, probe: _Probe) -> Detection | None:
    if "instatus" not in SOURCE_KINDS:
        return None
    found = probe.json(f"{base}/summary.json")
    if found is None:
        return None
    page = found[1].get("page")
    if not isinstance(page, dict) or page.get("status") not in _INSTATUS_STATES:
        probe.tried.append(f"{base}/summary.json: no Instatus page status")
        return None
    return Detection(
        "instatus",
        base,
        (f"{base}/summary.json has page.status {page.get('status')} (Instatus)",),
        _name(page.get("name")),
    )


def _cachet(base: str, probe: _Probe) -> Detection | None:
    if "cachet" not in SOURCE_KINDS:
        return None
    found = probe.json(f"{base}/api/v1/ping")
    if found is None or found[1].get("data") != "Pong!":
        return None
    return Detection("cachet", base, (f"{base}/api/v1/ping answered Pong! (Cachet)",))


_PAGE_CHECKS: tuple[Callable[[str, _Probe], Detection | None], ...] = (
    _statuspage,
    _incidentio,
    _betterstack,
    _instatus,
    _cachet,
)


def _is_feed(response: FetchedResponse) -> bool:
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in _FEED_TYPES:
        return True
    head = response.body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<?xml") and (b"<rss" in head or b"<feed" in head or b"<rdf" in head)


def _feed_title(response: FetchedResponse) -> str | None:
    match = re.search(rb"<title[^>]*>([^<]{1,200})</title>", response.body[:8192])
    return _name(match.group(1).decode("utf-8", "replace")) if match else None


class _Head(HTMLParser):
    """The first feed ``<link rel="alternate">`` and the ``<title>`` of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.feed_href: str | None = None
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "title":
            self._in_title = True
        if tag != "link" or self.feed_href is not None:
            return
        rels = values.get("rel", "").lower().split()
        if "alternate" in rels and values.get("type", "").lower() in _FEED_TYPES:
            self.feed_href = values.get("href") or None

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title and len(self.title) < 300:
            self.title += data


def _head(response: FetchedResponse) -> _Head:
    parser = _Head()
    try:
        parser.feed(response.body[:262_144].decode("utf-8", "replace"))
    except Exception:  # html.parser is lenient; a pathological page yields nothing
        pass
    return parser


def _feed_link(response: FetchedResponse) -> str | None:
    href = _head(response).feed_href
    if not href:
        return None
    try:
        link = httpx.URL(str(response.url)).join(href.strip())
    except httpx.InvalidURL:
        return None
    return str(link) if link.scheme in ("http", "https") else None


def _page_title(response: FetchedResponse) -> str | None:
    return _name(_head(response).title)


def _name(value: object) -> str | None:
    """A vendor name from a page's own title: cleaned, "Status" dropped, None when empty."""
    if not isinstance(value, str):
        return None
    name = _TITLE_TAIL.sub("", clean_line(value)).strip()[:80]
    return name or None
