"""incident-feed: follow vendor outages as phased incident threads.

Data flows one way, and the packages show it::

    sources/ (httpx: the only network I/O)
        -> normalize/ (pure: payload -> incident drafts with phased updates)
        -> decide/ (merge: drafts -> rows; outages: links -> one outage's summary)
        -> store/ (the only SQL: schema, migrations, queries)
        -> faces: cli/, tui/, outputs/ (Markdown, JSON, notifications)

``pipeline`` wires one collection run through that flow; ``schedule`` repeats it.
"""

from __future__ import annotations

__version__ = "0.2.0"
__all__ = ["__version__"]
