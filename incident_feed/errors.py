"""The project's exceptions, one tree::

    IncidentFeedError            anything the user can act on; the CLI prints it without a traceback
    ├── ConfigError              a config or command-line value is wrong (file, key, reason)
    ├── StoreError               the database cannot be opened, migrated or written
    ├── LinkRefused              ``link`` will not join these two incidents (self, vendors, twice)
    └── SourceError              one source failed; the run goes on for the others
        ├── FetchError           the HTTP exchange failed (network, status, limits, refused address)
        │   ├── RateLimited      429/503 with Retry-After: try again after ``retry_after`` seconds
        │   └── SourceDeadlinePassed   one source's whole fetch (all its documents) ran out of time
        └── PayloadError         the body arrived but is not what the source kind expects

Everything unexpected is a bug and still raises as itself.
"""

from __future__ import annotations

from incident_feed.redact import redact_urls

__all__ = [
    "ConfigError",
    "FetchError",
    "IncidentFeedError",
    "LinkRefused",
    "PayloadError",
    "RateLimited",
    "SourceDeadlinePassed",
    "SourceError",
    "StoreError",
]


class IncidentFeedError(Exception):
    """Base of every error the user can act on."""


class ConfigError(IncidentFeedError):
    """A config file or command-line value is wrong."""


class StoreError(IncidentFeedError):
    """The database cannot be opened, migrated or written."""


class LinkRefused(IncidentFeedError):
    """A hand-made link that would be wrong: to itself, across vendors, or already there."""


class SourceError(IncidentFeedError):
    """One source failed; ``source`` names it when known. URLs in the message are redacted."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.source = source

    def __str__(self) -> str:
        text = redact_urls(super().__str__())
        return f"{self.source}: {text}" if self.source else text


class FetchError(SourceError):
    """The HTTP exchange failed."""


class RateLimited(FetchError):
    """The server asked us to come back later."""

    def __init__(self, message: str, *, retry_after: float, source: str | None = None) -> None:
        super().__init__(message, source=source)
        self.retry_after = retry_after


class SourceDeadlinePassed(FetchError):
    """The deadline of one source's whole fetch passed. Collectors that keep going past a
    failed optional document (a note) re-raise this one: nothing of the source is stored."""


class PayloadError(SourceError):
    """The body is not what the source kind expects."""
