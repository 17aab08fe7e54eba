"""How far a vendor's social posts run behind (or ahead of) its status page. Pure.

The lag of a post is its time minus the time of the status-page update it matches, in the same
outage: positive, the post came after the status page said the same; negative, social was first.
A thread's first post matches the status page's first update (both announce the outage); each
later post matches the status-page update of the same phase nearest in time (the post repeating
"rolling out a fix" matches the update that said so). A post whose phase the status page never
took has no lag, nor has a post in an outage with no status-page update. Updates deleted upstream
are left out on both sides.

Lags are per channel (``mastodon``, ``bluesky``, ``x``, ``feed``: see
:func:`incident_feed.kinds.social_channel`): ``show`` prints each post's, ``stats`` the median
per channel with how many posts it rests on.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from incident_feed.clock import format_duration

Row = Mapping[Any, Any]


@dataclass(frozen=True, slots=True)
class PostLag:
    """One social post's lag behind the status-page update it matches."""

    update_id: int  # the post's update row
    channel: str
    seconds: float  # post time - status-page update time
    status_update_id: int  # the status-page update it matches


def post_lags(
    updates: Sequence[Row], social: frozenset[str] | set[str], channel: Callable[[Row], str]
) -> list[PostLag]:
    """The lag of every social post among an outage's ``updates`` (rows with ``id``,
    ``incident_id``, ``at``, ``phase``, ``deleted_at``); ``social`` holds the ids of the social
    members, ``channel`` names a post's channel."""
    live = [u for u in updates if not u.get("deleted_at")]
    status = sorted((u for u in live if u["incident_id"] not in social), key=_order)
    if not status:
        return []
    threads: dict[str, list[Row]] = defaultdict(list)
    for update in live:
        if update["incident_id"] in social:
            threads[update["incident_id"]].append(update)
    lags = []
    for posts in threads.values():
        for index, post in enumerate(sorted(posts, key=_order)):
            match = status[0] if index == 0 else _same_phase(post, status)
            if match is None:
                continue
            seconds = (post["at"] - match["at"]).total_seconds()
            lags.append(PostLag(post["id"], channel(post), seconds, match["id"]))
    return sorted(lags, key=lambda lag: lag.update_id)


def _same_phase(post: Row, status: Sequence[Row]) -> Row | None:
    same = [u for u in status if u["phase"] == post["phase"]]
    return min(same, key=lambda u: (abs(u["at"] - post["at"]), _order(u))) if same else None


def _order(update: Row) -> tuple[dt.datetime, int]:
    return (update["at"], update["id"])


def format_lag(seconds: float, *, short: bool = False) -> str:
    """``3m after the status page``, ``2m before the status page``, ``with the status page``;
    ``short`` (a narrow screen): ``3m after page``."""
    page = "page" if short else "the status page"
    if seconds == 0:
        return f"with {page}"
    side = "after" if seconds > 0 else "before"
    return f"{format_duration(dt.timedelta(seconds=abs(seconds)))} {side} {page}"
