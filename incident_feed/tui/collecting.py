"""Collecting from the TUI ("collect now"): progress as data, and the messages carrying it.

The run itself is :func:`incident_feed.pipeline.collect`, called from a worker thread (see
``IncidentFeedApp.collect_in_thread``); each finished source arrives on the event loop as a
:class:`SourceCollected` message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

from incident_feed.config import Config

if TYPE_CHECKING:  # the HTTP and parsing stack loads on the first "collect now", not at start
    from incident_feed.pipeline import RunReport, SourceOutcome
    from incident_feed.sources.http import Fetcher

FetcherFactory = Callable[[], AbstractContextManager["Fetcher"]]


def default_fetcher_factory(config: Config) -> FetcherFactory:
    """A real HTTP client with the configured limits, closed when the run ends."""

    @contextmanager
    def open_fetcher() -> Iterator[Fetcher]:
        from incident_feed.sources.http import Fetcher, make_client

        with make_client() as client:
            yield Fetcher.for_settings(client, config.settings)

    return open_fetcher


@dataclass(slots=True)
class CollectionProgress:
    """What the collect panel shows: every source of the run and how it went so far."""

    names: list[str] = field(default_factory=list)
    outcomes: dict[str, SourceOutcome] = field(default_factory=dict)
    running: bool = False
    error: str | None = None  # the run itself failed (e.g. the database); sources carry their own

    @property
    def done(self) -> int:
        return len(self.outcomes)

    @property
    def failed(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes.values() if o.failed]


@dataclass
class CollectionStarted(Message):
    names: list[str]


@dataclass
class SourceCollected(Message):
    outcome: SourceOutcome


@dataclass
class CollectionFinished(Message):
    report: RunReport | None
    error: str | None = None
