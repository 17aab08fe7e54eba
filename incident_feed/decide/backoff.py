"""When a source is next due: its interval plus jitter; after failures, exponential backoff up to
a cap; never before a server's ``Retry-After``. One rule for ``watch`` and ``collect``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DEFAULT_INTERVAL = 300.0  # seconds between two collections of a source, unless configured
JITTER = 0.1  # fraction of the interval added at random, so many workers do not align
MAX_BACKOFF = 3600.0


@dataclass(frozen=True, slots=True)
class Backoff:
    """The schedule's policy. ``interval`` is the default; a source's own interval wins."""

    interval: float = DEFAULT_INTERVAL
    max_backoff: float = MAX_BACKOFF
    jitter: float = JITTER

    def delay(self, source_interval: float | None, *, failures: int, draw: float) -> float:
        """Seconds until the next attempt. ``failures``: consecutive failures so far, 0 after a
        success; ``draw``: a random number in [0, 1) for the jitter."""
        interval = source_interval or self.interval
        delay = interval
        if failures:
            # Doubling stops long past any cap: 2 ** 1024 no longer fits a float.
            doublings = min(failures - 1, 64)
            delay = max(interval, min(self.max_backoff, interval * 2.0**doublings))
        return delay * (1 + self.jitter * draw)

    def next_due(
        self,
        now: dt.datetime,
        source_interval: float | None,
        *,
        failures: int,
        draw: float,
        retry_after_until: dt.datetime | None = None,
    ) -> dt.datetime:
        """The time of the next attempt: after the delay, and not before ``retry_after_until``."""
        due = now + dt.timedelta(seconds=self.delay(source_interval, failures=failures, draw=draw))
        if retry_after_until is not None and retry_after_until > due:
            return retry_after_until
        return due
