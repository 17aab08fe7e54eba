"""The words config and the catalogue share: source kinds, social kinds, roles, vendor slugs.

Free of dependencies, so the catalogue (package data) and config (the user's file) can both
use them without importing each other.
"""

from __future__ import annotations

import re

__all__ = [
    "ACCOUNT_KINDS",
    "SOCIAL_KINDS",
    "SOURCE_KINDS",
    "SOURCE_ROLES",
    "social_channel",
    "slugify",
]

SOURCE_KINDS = (
    "statuspage",
    "incidentio",
    "statusio",
    "betterstack",
    "instatus",
    "cachet",
    "salesforce",
    "aws",
    "feed",
    "gcp",
    "slack",
    "mastodon",
    "bluesky",
    "x",
    "account-feed",
)
# Social kinds whose ``url`` names an account read through the platform's API (parse_account).
ACCOUNT_KINDS = frozenset({"mastodon", "bluesky", "x"})
# Every kind whose items are one account's posts: the API kinds, and an account's RSS/Atom feed
# (Mastodon's /@user.rss, Bluesky's /profile/<handle>/rss, an RSS bridge for X).
SOCIAL_KINDS = ACCOUNT_KINDS | {"account-feed"}
SOURCE_ROLES = ("status", "brand")


def slugify(name: str) -> str:
    """Lower-case ``[a-z0-9-]`` form of a vendor name (stable incident ids are built from it)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "vendor"


_BLUESKY_HOSTS = ("bsky.app", "bsky.social")
_X_HOSTS = ("x.com", "twitter.com")
_MASTODON_PATH = re.compile(r"^/@[A-Za-z0-9_]+(?:@[^/]+)?(?:\.(?:rss|atom)|/\d+)?/?$")


def social_channel(kind: str, url: str | None = None) -> str:
    """The platform a social source's posts come from: ``mastodon``, ``bluesky`` or ``x``, or
    ``feed`` for an account feed whose URL names none of them.

    The API kinds are their platform. An ``account-feed`` is told by its URL (the feed's, or a
    post's permalink): ``bsky.app`` is Bluesky; ``x.com``, ``twitter.com`` or a Nitter host (or
    a bridge path naming twitter) is X; a ``/@user.rss`` or ``/@user/<id>`` path is Mastodon.
    """
    if kind in ACCOUNT_KINDS:
        return kind
    match = re.match(r"^https?://([^/?#:]+)(?::\d+)?([^?#]*)", url or "", re.IGNORECASE)
    if match is None:
        return "feed"
    host, path = match[1].lower(), match[2]
    if _on(host, _BLUESKY_HOSTS):
        return "bluesky"
    if _on(host, _X_HOSTS) or "nitter" in host or "/twitter/" in path.lower():
        return "x"
    if _MASTODON_PATH.match(path):
        return "mastodon"
    return "feed"


def _on(host: str, domains: tuple[str, ...]) -> bool:
    """``host`` is one of ``domains`` or a subdomain of one."""
    return any(host == d or host.endswith(f".{d}") for d in domains)
