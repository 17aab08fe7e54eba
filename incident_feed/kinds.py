"""The words config and the catalogue share: source kinds, social kinds, roles, vendor slugs.

Free of dependencies, so the catalogue (package data) and config (the user's file) can both
use them without importing each other.
"""

from __future__ import annotations

import re

__all__ = ["SOCIAL_KINDS", "SOURCE_KINDS", "SOURCE_ROLES", "slugify"]

SOURCE_KINDS = (
    "statuspage",
    "incidentio",
    "statusio",
    "betterstack",
    "instatus",
    "feed",
    "gcp",
    "slack",
    "mastodon",
    "bluesky",
    "x",
)
SOCIAL_KINDS = frozenset({"mastodon", "bluesky", "x"})
SOURCE_ROLES = ("status", "brand")


def slugify(name: str) -> str:
    """Lower-case ``[a-z0-9-]`` form of a vendor name (stable incident ids are built from it)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "vendor"
