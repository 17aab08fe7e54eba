"""Command palette (ctrl+p): jump to a vendor or an incident, open the other screens."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from incident_feed.errors import IncidentFeedError
from incident_feed.store.queries import search_incidents, vendor_names
from incident_feed.tui import formatting as fmt

if TYPE_CHECKING:
    from incident_feed.tui.app import IncidentFeedApp

INCIDENT_HITS = 12


class IncidentCommands(Provider):
    """Vendors (fuzzy) and incidents (full-text on titles and updates)."""

    vendors: list[str]

    @property
    def feed(self) -> IncidentFeedApp:
        # The app type for the checker only: importing the app here would make a cycle.
        return cast("IncidentFeedApp", self.app)

    async def startup(self) -> None:
        configured = [v.name for v in self.feed.config.vendors]
        try:
            stored = await asyncio.to_thread(vendor_names, self.feed.store)
        except IncidentFeedError:
            stored = []
        self.vendors = sorted(set(stored) | set(configured), key=str.lower)

    async def discover(self) -> Hits:
        yield DiscoveryHit(
            "Sources and vendors",
            self.feed.action_show_sources,
            help="health of every source; incidents per vendor",
        )
        yield DiscoveryHit(
            "Collect now",
            self.feed.action_collect_now,
            help="fetch every configured source in the background",
        )
        for vendor in self.vendors:
            yield DiscoveryHit(
                Text(f"Vendor: {fmt.one_line(vendor)}"),
                partial(self.feed.show_vendor, vendor),
                help="show this vendor's incidents",
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for vendor in self.vendors:
            label = f"Vendor: {fmt.one_line(vendor)}"
            score = matcher.match(label)
            if score > 0:
                # Not matcher.highlight(): it parses the candidate as markup.
                yield Hit(
                    score,
                    Text(label),
                    partial(self.feed.show_vendor, vendor),
                    text=label,
                    help="show this vendor's incidents",
                )
        if len(query.strip()) < 2:
            return
        try:
            rows = await asyncio.to_thread(search_incidents, self.feed.store, query, INCIDENT_HITS)
        except IncidentFeedError:
            return
        for rank, row in enumerate(rows):
            prompt = Text(end="", no_wrap=True, overflow="ellipsis")
            prompt.append_text(fmt.phase_badge(row.phase))
            prompt.append(f" {fmt.one_line(row.vendor)}: ", style="bold")
            prompt.append(fmt.one_line(row.title))
            # Titles that match the query itself first, then newest first (the rest matched
            # through their update texts).
            score = max(matcher.match(fmt.one_line(row.title)), 0.2) - rank / 1000
            yield Hit(
                score,
                prompt,
                partial(self.feed.open_incident, row.id),
                text=prompt.plain,
                help=f"incident {row.id}, started {row.started_at:%Y-%m-%d}",
            )
