"""incident-feed: follow vendor outages as phased incident threads.

Data flows one way, and the packages show it::

    sources/ (httpx: the only network I/O)
        -> normalize/ (pure: payload -> incident drafts with phased updates)
        -> store (sqlmodel: the only module that opens database sessions)
        -> views: cli, export, tui/

``pipeline`` wires one collection run through that flow; ``schedule`` repeats it.
"""

from __future__ import annotations

__version__ = "0.2.0"
__all__ = ["__version__"]
