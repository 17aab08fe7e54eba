"""The ``catalogue`` command: the vendors incident-feed knows and which of them the config in
use follows. Searching is :meth:`incident_feed.catalogue.Catalogue.search`; this module prints."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from incident_feed.catalogue import CATEGORIES, CatalogueVendor, load_catalogue
from incident_feed.cli.common import EXIT_OK, EXIT_USAGE, safe
from incident_feed.config import ACCOUNT_KINDS, SOCIAL_KINDS, Config, parse_account
from incident_feed.kinds import social_channel

# Column widths of the text table (longer values are cut).
_WIDTHS = {"vendor": 26, "slug": 22, "category": 13, "kinds": 34}


def register(commands: Any) -> None:
    """Add ``catalogue`` to the subcommands."""
    parser = commands.add_parser(
        "catalogue", help="the vendors incident-feed knows (search, kinds, categories, followed?)"
    )
    parser.add_argument(
        "search", nargs="?", default="", metavar="SEARCH",
        help="words in a vendor's name, slug, products or category",
    )  # fmt: skip
    parser.add_argument("--kind", help="only vendors with a source of this kind (e.g. bluesky)")
    parser.add_argument("--category", choices=CATEGORIES)
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=cmd_catalogue)


def cmd_catalogue(args: argparse.Namespace, config: Config) -> int:
    catalogue = load_catalogue()
    kinds = {source.kind for vendor in catalogue.vendors for source in vendor.sources}
    if args.kind is not None and args.kind not in kinds:
        known = ", ".join(sorted(kinds)) or "none"
        print(f"incident-feed: no catalogue source has kind {args.kind!r} (kinds: {known})",
              file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    vendors = [
        vendor
        for vendor in catalogue.search(args.search)
        if (args.category is None or vendor.category == args.category)
        and (args.kind is None or any(s.kind == args.kind for s in vendor.sources))
    ]
    followed = followed_slugs(vendors, config)
    if args.json:
        items = [vendor_json(vendor, vendor.slug in followed) for vendor in vendors]
        json.dump(items, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return EXIT_OK
    if not vendors:
        print("No catalogue vendor matches.")
        return EXIT_OK
    print(_row("Vendor", "Slug", "Category", "Kinds", "Followed"))
    for vendor in vendors:
        kinds_text = ",".join(dict.fromkeys(s.kind for s in vendor.sources)) or "-"
        print(
            _row(
                vendor.name,
                vendor.slug,
                vendor.category,
                kinds_text,
                "yes" if vendor.slug in followed else "-",
            )  # fmt: skip
        )
    count = sum(v.slug in followed for v in vendors)
    print(f"{len(vendors)} vendor{'s' if len(vendors) != 1 else ''}, {count} followed.")
    return EXIT_OK


def followed_slugs(vendors: list[CatalogueVendor], config: Config) -> set[str]:
    """Vendors the config follows, or one of whose catalogue sources it configures by name."""
    configured = {source.name for source in config.sources}
    return set(config.followed) | {
        v.slug for v in vendors if any(s.name in configured for s in v.sources)
    }


def vendor_json(vendor: CatalogueVendor, followed: bool) -> dict[str, Any]:
    """One vendor for ``catalogue --json``; ``social`` lists the social sources and the
    accounts shown but not collected (``source`` null)."""
    social: list[dict[str, Any]] = [
        {
            "platform": social_channel(source.kind, source.url),
            "account": _account(source.kind, source.url),
            "role": source.role,
            "grade": source.grade,
            "source": source.name,
        }
        for source in vendor.sources
        if source.kind in SOCIAL_KINDS
    ]
    social += [
        {
            "platform": listed.platform,
            "account": listed.account,
            "role": listed.role,
            "grade": listed.grade,
            "source": None,
        }
        for listed in vendor.social
    ]
    return {
        "vendor": vendor.name,
        "slug": vendor.slug,
        "category": vendor.category,
        "sources": [
            {
                "name": source.name,
                "kind": source.kind,
                "url": source.url,
                "grade": source.grade,
                "active": source.active,
                "role": source.role,
            }
            for source in vendor.sources
        ],
        "social": social,
        "crowd_url": vendor.crowd_url,
        "followed": followed,
    }


def _account(kind: str, url: str) -> str:
    """A social source's account as people write it (its URL when the form is not known, and
    for an account feed)."""
    if kind not in ACCOUNT_KINDS:
        return url
    try:
        return parse_account(kind, url).label
    except ValueError:
        return url


def _row(vendor: str, slug: str, category: str, kinds: str, followed: str) -> str:
    cells = zip(_WIDTHS.values(), (vendor, slug, category, kinds), strict=True)
    return " ".join(f"{safe(text)[:width]:<{width}}" for width, text in cells) + f" {followed}"
