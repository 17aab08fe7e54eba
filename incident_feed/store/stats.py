"""The outages a period's figures rest on, read whole from the store (the same outages, with the
same threads, that ``incidents`` and ``show`` print)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from incident_feed.decide.stats import Outage
from incident_feed.decide.watch import VendorWatch
from incident_feed.enums import Kind
from incident_feed.store.database import Store


def load_outages(
    store: Store,
    *,
    since: dt.datetime | None,
    until: dt.datetime | None = None,
    vendors: Sequence[str] = (),
    watch: tuple[VendorWatch, ...] = (),
) -> list[Outage]:
    """The period's outages (not maintenance), each read whole: the same outages, with the same
    threads, that ``incidents`` and ``show`` print."""
    from incident_feed.store.queries import IncidentFilter, Listing, outage_details

    filt = IncidentFilter(
        vendors=tuple(vendors),
        kinds=(Kind.INCIDENT.value,),
        since=since,
        until=until,
        watch=watch,
    )
    rows = Listing(store, filt).all()
    outages = []
    for detail in outage_details(store, [row.id for row in rows]):
        outages.append(
            Outage(
                vendor=detail.incident["vendor"],
                incidents=list(detail.members),
                updates=list(detail.updates),
                lags=[(lag.channel, lag.seconds) for lag in detail.lags().values()],
                summary=detail.incident,
            )
        )
    return outages
