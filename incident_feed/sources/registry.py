"""Source kind -> collector, each collector's module imported when its kind is first asked for.

``import`` of a Statuspage history never loads feedparser, and a run over status pages never
loads the social platforms' modules.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping

from incident_feed.errors import ConfigError
from incident_feed.sources.base import Collector

# kind -> (module, collector class); tests/test_imports.py checks each class's ``kind``.
_WHERE = {
    "statuspage": ("statuspage", "StatuspageCollector"),
    "feed": ("feed", "FeedCollector"),
    "gcp": ("gcp", "GcpCollector"),
    "incidentio": ("incidentio", "IncidentioCollector"),
    "statusio": ("statusio", "StatusioCollector"),
    "betterstack": ("betterstack", "BetterstackCollector"),
    "instatus": ("instatus", "InstatusCollector"),
    "cachet": ("cachet", "CachetCollector"),
    "salesforce": ("salesforce", "SalesforceCollector"),
    "aws": ("aws", "AwsCollector"),
    "slack": ("slack", "SlackCollector"),
    "mastodon": ("mastodon", "MastodonCollector"),
    "bluesky": ("bluesky", "BlueskyCollector"),
    "x": ("x", "XCollector"),
    "account-feed": ("account_feed", "AccountFeedCollector"),
}


class _Collectors(MutableMapping[str, Collector]):
    """Every kind is a key from the start; its collector is made on first use. Setting a kind
    replaces its collector (tests put one with a test server's address)."""

    def __init__(self) -> None:
        self._made: dict[str, Collector] = {}

    def __getitem__(self, kind: str) -> Collector:
        collector = self._made.get(kind)
        if collector is None:
            module, name = _WHERE[kind]
            made = getattr(importlib.import_module(f"incident_feed.sources.{module}"), name)()
            collector = self._made[kind] = made
        return collector

    def __contains__(self, kind: object) -> bool:
        return kind in self._made or kind in _WHERE

    def __setitem__(self, kind: str, collector: Collector) -> None:
        self._made[kind] = collector

    def __delitem__(self, kind: str) -> None:
        del self._made[kind]

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(_WHERE), **dict.fromkeys(self._made)})

    def __len__(self) -> int:
        return len(_WHERE.keys() | self._made.keys())


COLLECTORS: MutableMapping[str, Collector] = _Collectors()


def collector_for(kind: str) -> Collector:
    try:
        return COLLECTORS[kind]
    except KeyError:
        raise ConfigError(
            f"unknown source kind {kind!r} (known: {', '.join(sorted(COLLECTORS))})"
        ) from None
