"""Source kind -> collector."""

from __future__ import annotations

from incident_feed.errors import ConfigError
from incident_feed.sources.account_feed import AccountFeedCollector
from incident_feed.sources.aws import AwsCollector
from incident_feed.sources.base import Collector
from incident_feed.sources.betterstack import BetterstackCollector
from incident_feed.sources.bluesky import BlueskyCollector
from incident_feed.sources.cachet import CachetCollector
from incident_feed.sources.feed import FeedCollector
from incident_feed.sources.gcp import GcpCollector
from incident_feed.sources.incidentio import IncidentioCollector
from incident_feed.sources.instatus import InstatusCollector
from incident_feed.sources.mastodon import MastodonCollector
from incident_feed.sources.salesforce import SalesforceCollector
from incident_feed.sources.slack import SlackCollector
from incident_feed.sources.statusio import StatusioCollector
from incident_feed.sources.statuspage import StatuspageCollector
from incident_feed.sources.x import XCollector

COLLECTORS: dict[str, Collector] = {
    collector.kind: collector
    for collector in (
        StatuspageCollector(),
        FeedCollector(),
        GcpCollector(),
        IncidentioCollector(),
        StatusioCollector(),
        BetterstackCollector(),
        InstatusCollector(),
        CachetCollector(),
        SalesforceCollector(),
        AwsCollector(),
        SlackCollector(),
        MastodonCollector(),
        BlueskyCollector(),
        XCollector(),
        AccountFeedCollector(),
    )
}


def collector_for(kind: str) -> Collector:
    try:
        return COLLECTORS[kind]
    except KeyError:
        raise ConfigError(
            f"unknown source kind {kind!r} (known: {', '.join(sorted(COLLECTORS))})"
        ) from None
