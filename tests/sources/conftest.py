"""Fixtures for HTTP tests: a scripted server on 127.0.0.1, a client, fetchers with small limits.

Nothing here reaches the network: the server listens on 127.0.0.1 only, and cassette replays
(``replay``) run with record mode ``none``, so a request missing from a cassette raises instead
of going out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr

from incident_feed.config import Limits, SourceConfig
from incident_feed.sources.addresses import AddressPolicy
from incident_feed.sources.http import Fetcher, Resolver, make_client
from tests.conftest import CASSETTES
from tests.sources.server import LocalServer

# Small enough to keep fault tests quick, large enough for real payloads on 127.0.0.1.
TEST_LIMITS = Limits(
    connect_timeout=1.0,
    read_timeout=1.0,
    deadline=1.0,
    max_body_bytes=1024 * 1024,
    max_redirects=3,
)
# Any global unicast address: the address check passes, nothing ever connects to it
# (vcrpy answers, or a test routes the name elsewhere).
PUBLIC_ADDRESS = "140.82.112.3"

FetcherFactory = Callable[..., Fetcher]


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A started :class:`LocalServer`; after the test, stopped and checked (handler errors,
    request cap)."""
    with LocalServer(max_requests=200) as running:
        yield running
    running.check()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client() as opened:
        yield opened


@pytest.fixture
def limits() -> Limits:
    return TEST_LIMITS


@pytest.fixture
def make_fetcher(client: httpx.Client) -> FetcherFactory:
    """``make_fetcher(deadline=2.0, policy=AddressPolicy(), resolver=...)``: a Fetcher over the
    shared test client, loopback allowed unless ``policy`` says otherwise; keyword arguments
    naming :class:`Limits` fields override :data:`TEST_LIMITS`, the others go to
    :class:`Fetcher`."""

    def build(**options: Any) -> Fetcher:
        limit_fields = set(Limits.__dataclass_fields__)
        overrides = {k: options.pop(k) for k in list(options) if k in limit_fields}
        options.setdefault("policy", AddressPolicy(allow_loopback=True))
        return Fetcher(client, replace(TEST_LIMITS, **overrides), **options)

    return build


@pytest.fixture
def fetcher(make_fetcher: FetcherFactory) -> Fetcher:
    """Loopback allowed (the server is on 127.0.0.1), :data:`TEST_LIMITS`."""
    return make_fetcher()


def public_resolver(address: str = PUBLIC_ADDRESS) -> Resolver:
    """A resolver that answers every name with one public address, recording what it was asked."""
    asked: list[tuple[str, int]] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return [address]

    resolve.asked = asked  # type: ignore[attr-defined]
    return resolve


def source(name: str, kind: str, url: str, vendor: str = "Example") -> SourceConfig:
    return SourceConfig(name=name, vendor=vendor, kind=kind, url=url)


def replay(cassette: str | Path, **options: Any) -> AbstractContextManager[Any]:
    """Replay a cassette from the repo's ``cassettes/``: record mode ``none``, matched on method
    and URI, each recorded response played once, in order."""
    path = Path(cassette)
    if not path.is_absolute():
        path = CASSETTES / path
    if not path.is_file():
        raise FileNotFoundError(f"no cassette {path}")
    recorder = vcr.VCR(record_mode="none", match_on=["method", "uri"])
    context: AbstractContextManager[Any] = recorder.use_cassette(str(path), **options)
    return context
