"""The network floor of a collection: the same GETs from a plain ``httpx.Client`` (keep-alive)
on a ``ThreadPoolExecutor``, each source's documents in turn, bodies read and thrown away:
nothing parsed, stored or scheduled. The collection benchmarks measure against it in the same
run."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import httpx


class NetworkFloor:
    """``sources``: each source's URLs, fetched in turn by one of ``threads`` threads."""

    def __init__(self, sources: Sequence[Sequence[str]], threads: int) -> None:
        self.sources = [list(urls) for urls in sources]
        self.threads = threads
        self.etags: dict[str, str] = {}

    def cycle(self, revalidate: bool = False) -> tuple[float, Counter[int]]:
        """One pass: seconds taken and the statuses seen. The first pass keeps each document's
        ETag; ``revalidate`` sends them back (the floor of an all-304 pass)."""

        def fetch(urls: list[str]) -> list[int]:
            statuses = []
            for url in urls:
                etag = self.etags.get(url) if revalidate else None
                response = client.get(url, headers={"If-None-Match": etag} if etag else {})
                if not revalidate and "etag" in response.headers:
                    self.etags[url] = response.headers["etag"]
                statuses.append(response.status_code)
            return statuses

        with httpx.Client() as client, ThreadPoolExecutor(self.threads) as pool:
            started = time.perf_counter()
            statuses = Counter(s for batch in pool.map(fetch, self.sources) for s in batch)
            took = time.perf_counter() - started
        return took, statuses
