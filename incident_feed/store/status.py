"""Each vendor's state now, read from the store: the one read of ``status`` and the TUI."""

from __future__ import annotations

from incident_feed.config import Config
from incident_feed.decide.status import SourceWatch, VendorState, vendor_states
from incident_feed.decide.watch import vendor_watches
from incident_feed.store.database import Store
from incident_feed.store.page_status import read_page_statuses
from incident_feed.store.queries import IncidentFilter, Listing


def vendor_states_now(
    store: Store, config: Config, vendors: list[str] | None = None
) -> list[VendorState]:
    """Every configured vendor's state (or those named), worst first: the one read of the
    ``status`` command and the TUI's status view."""
    names = [v.name for v in config.vendors] or sorted({s.vendor for s in config.sources})
    for source in config.sources:
        if source.vendor.casefold() not in {n.casefold() for n in names}:
            names.append(source.vendor)
    if vendors:
        wanted = {v.casefold() for v in vendors}
        slugs = {v.name.casefold(): v.slug for v in config.vendors}
        names = [n for n in names if n.casefold() in wanted or slugs.get(n.casefold()) in wanted]
    watches = [
        SourceWatch(s.name, s.vendor, s.components, s.exclude_components)
        for s in config.sources
        if s.active
    ]
    watch = vendor_watches(config.sources)
    filt = IncidentFilter(vendors=tuple(names), active_only=True, watch=watch)
    active = Listing(store, filt).all()
    collected = {name for name, row in store.source_states().items() if row["last_success_at"]}
    return vendor_states(names, watches, read_page_statuses(store), active, collected)
