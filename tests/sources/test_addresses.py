"""The address policy and the pinned connection, against the test server on 127.0.0.1.

Nothing here connects anywhere but 127.0.0.1: ``connections`` replaces the socket connect and
fails the test on any other address, except fake addresses a test routes to the local server
(that is how "the connection went to the checked address" is observed without going there).
``block_network`` is a second guard underneath.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from incident_feed.errors import FetchError
from incident_feed.sources.addresses import MAX_ADDRESSES_TRIED, AddressPolicy, Pin, pinned
from incident_feed.sources.http import Fetcher
from tests.sources.conftest import PUBLIC_ADDRESS, TEST_LIMITS, FetcherFactory
from tests.sources.server import LocalServer, redirect, respond

pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])

HOST = "status.example.test"  # .test never resolves for real: only the stub answers it
LOOPBACK = AddressPolicy(allow_loopback=True)


@dataclass
class Connections:
    """Every connect attempted (address as given to the socket layer), and fake routes."""

    server_port: int
    opened: list[tuple[str, int]] = field(default_factory=list)
    routed: set[tuple[str, int]] = field(default_factory=set)
    refuse: bool = False  # answer every routed address with "connection refused"
    delay: float = 0.0  # wait this long (or the timeout, if shorter) before answering

    def route(self, address: str, port: int) -> None:
        """Let connections to ``address:port`` (never really reached) land on the server."""
        self.routed.add((address, port))


@pytest.fixture
def connections(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Connections]:
    real_create_connection = socket.create_connection
    seen = Connections(server.port)

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        host, port = str(address[0]), int(address[1])
        seen.opened.append((host, port))
        if (host, port) in seen.routed:
            timeout = args[0] if args else kwargs.get("timeout")
            wait = min(seen.delay, timeout) if timeout is not None else seen.delay
            if wait:
                time.sleep(wait)
                if wait < seen.delay:
                    raise TimeoutError("timed out")
            if seen.refuse:
                raise ConnectionRefusedError(111, "Connection refused")
            return real_create_connection(("127.0.0.1", server.port), *args, **kwargs)
        if host == "127.0.0.1":
            return real_create_connection(address, *args, **kwargs)
        raise AssertionError(f"test tried to connect to {host}:{port}")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    yield seen


def stub(*answers: list[str]) -> Any:
    """A resolver answering ``HOST`` with each answer in turn (the last one repeated)."""
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        if host != HOST:
            raise AssertionError(f"unexpected lookup of {host}")
        return answers[min(len(asked) - 1, len(answers) - 1)]

    resolve.asked = asked  # type: ignore[attr-defined]
    return resolve


def refusal(fetcher: Fetcher, url: str) -> FetchError:
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetcher.get(url)
    assert time.monotonic() - started < 1.0
    return caught.value


# -- the policy -----------------------------------------------------------------------------------

REFUSED_BY_DEFAULT = [
    "127.0.0.1", "127.8.8.8", "::1", "::ffff:127.0.0.1",
    "10.0.0.1", "172.16.0.1", "192.168.1.1", "fc00::1", "fd12:3456::1",
    "169.254.169.254", "169.254.1.1", "fe80::1", "fe80::1%eth0", "fd00:ec2::254",
    "::ffff:169.254.169.254", "::ffff:a9fe:a9fe", "::ffff:10.0.0.1",
    "2002:a9fe:a9fe::1",  # 6to4 around 169.254.169.254
    "64:ff9b::a9fe:a9fe",  # NAT64 around 169.254.169.254
    "::a9fe:a9fe",  # IPv4-compatible (deprecated) 169.254.169.254
    "100.64.0.1", "0.0.0.0", "::", "224.0.0.1", "239.255.255.250", "ff02::1", "ff0e::1",
    "240.0.0.1", "255.255.255.255", "192.0.2.1", "198.18.0.1", "2001:db8::1", "100.100.100.200",
]  # fmt: skip


@pytest.mark.parametrize("address", REFUSED_BY_DEFAULT)
def test_non_public_addresses_are_refused_by_default(address: str) -> None:
    assert AddressPolicy().refusal(address) is not None


@pytest.mark.parametrize("address", ["140.82.112.3", "8.8.8.8", "2606:4700::1111", "2002:8c52::1"])
def test_public_addresses_pass(address: str) -> None:
    assert AddressPolicy().refusal(address) is None


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.8.8", "::1", "::ffff:127.0.0.1"])
def test_allow_loopback_allows_loopback(address: str) -> None:
    assert LOOPBACK.refusal(address) is None
    assert "allow_loopback" in (AddressPolicy().refusal(address) or "")


@pytest.mark.parametrize(
    "address",
    [
        a
        for a in REFUSED_BY_DEFAULT
        if a not in ("127.0.0.1", "127.8.8.8", "::1", "::ffff:127.0.0.1")
    ],
)
def test_allow_loopback_allows_nothing_else(address: str) -> None:
    assert LOOPBACK.refusal(address) is not None


def test_a_listed_range_is_allowed_and_nothing_beside_it() -> None:
    policy = AddressPolicy(allow_networks=(ipaddress.ip_network("10.0.0.0/8"),))
    assert policy.refusal("10.0.0.1") is None
    assert policy.refusal("10.255.0.9") is None
    assert policy.refusal("::ffff:10.0.0.1") is None
    for address in ("172.16.0.1", "127.0.0.1", "169.254.169.254", "100.64.0.1"):
        assert policy.refusal(address) is not None
    reason = AddressPolicy().refusal("10.0.0.1") or ""
    assert "private" in reason and "allow_networks" in reason


def test_metadata_addresses_need_listing_alone() -> None:
    link_local = AddressPolicy(True, (ipaddress.ip_network("169.254.0.0/16"),))
    assert link_local.refusal("169.254.1.1") is None
    assert "metadata" in (link_local.refusal("169.254.169.254") or "")
    assert "metadata" in (link_local.refusal("::ffff:169.254.169.254") or "")
    alone = AddressPolicy(allow_networks=(ipaddress.ip_network("169.254.169.254/32"),))
    assert alone.refusal("169.254.169.254") is None


# -- resolve once, connect to what was checked ----------------------------------------------------


def test_a_name_resolving_to_loopback_is_refused_before_any_connect(
    server: LocalServer, connections: Connections, make_fetcher: FetcherFactory
) -> None:
    server.route("/", respond(b"{}"))
    resolver = stub(["127.0.0.1"])
    fetcher = make_fetcher(policy=AddressPolicy(), resolver=resolver)
    error = refusal(fetcher, f"http://{HOST}:{server.port}/")
    assert f"{HOST} resolves to 127.0.0.1" in str(error)
    assert "allow_loopback" in str(error)
    assert resolver.asked == [HOST]
    assert connections.opened == []
    assert server.count() == 0


def test_a_mixed_answer_is_refused(
    server: LocalServer, connections: Connections, make_fetcher: FetcherFactory
) -> None:
    fetcher = make_fetcher(policy=AddressPolicy(), resolver=stub([PUBLIC_ADDRESS, "10.1.2.3"]))
    error = refusal(fetcher, f"http://{HOST}:{server.port}/")
    assert "10.1.2.3" in str(error)
    assert connections.opened == []


def test_the_connection_goes_to_the_checked_address_with_the_original_host(
    server: LocalServer, connections: Connections, make_fetcher: FetcherFactory
) -> None:
    """Also the check that :class:`PinnedTransport`'s seam into httpx holds: were the pool not
    ours, httpcore would connect to the name itself and the guard would fail the test."""
    server.route("/doc", respond(b'{"ok": true}'))
    resolver = stub(["127.0.0.1"])
    fetched = make_fetcher(resolver=resolver).get(f"http://{HOST}:{server.port}/doc")
    assert fetched.body == b'{"ok": true}'
    assert resolver.asked == [HOST]
    assert connections.opened == [("127.0.0.1", server.port)]
    assert server.requests[0].headers["host"] == f"{HOST}:{server.port}"


def test_rebinding_after_the_check_is_not_followed(
    server: LocalServer, connections: Connections, make_fetcher: FetcherFactory
) -> None:
    """The resolver answers a public address, then 127.0.0.1: the request connects to the
    public one (routed to the server here); the next request sees 127.0.0.1 and is refused."""
    server.route("/doc", respond(b"{}"))
    connections.route(PUBLIC_ADDRESS, server.port)
    resolver = stub([PUBLIC_ADDRESS], ["127.0.0.1"])
    fetcher = make_fetcher(policy=AddressPolicy(), resolver=resolver)
    url = f"http://{HOST}:{server.port}/doc"
    assert fetcher.get(url).status == 200
    assert connections.opened == [(PUBLIC_ADDRESS, server.port)]
    error = refusal(fetcher, url)
    assert "127.0.0.1" in str(error)
    assert resolver.asked == [HOST, HOST]
    assert connections.opened == [(PUBLIC_ADDRESS, server.port)]
    assert server.count() == 1


def test_a_client_used_without_a_fetcher_connects_nowhere(
    server: LocalServer, connections: Connections, client: httpx.Client
) -> None:
    with pytest.raises(httpx.ConnectError, match="no checked address"):
        client.get(server.url("/"))
    assert connections.opened == []


# -- redirects ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
        "http://[fe80::1]/",
        "http://10.0.0.1/private",
        "http://[::ffff:10.0.0.1]/private",
        "http://0.0.0.0:{port}/private",
        "http://100.64.0.1/private",
        "http://internal.example.test/private",  # a name resolving to 10.0.0.1
    ],
)
def test_redirect_to_a_non_public_address_is_refused_with_loopback_allowed(
    server: LocalServer, connections: Connections, make_fetcher: FetcherFactory, location: str
) -> None:
    server.route("/start", redirect(location.format(port=server.port)))

    def resolve(host: str, port: int) -> list[str]:
        assert host == "internal.example.test"
        return ["10.0.0.1"]

    fetcher = make_fetcher(policy=LOOPBACK, resolver=resolve)
    error = refusal(fetcher, server.url("/start"))
    assert str(error).startswith("refusing http://")
    assert [r.path for r in server.requests] == ["/start"]
    assert connections.opened == [("127.0.0.1", server.port)]


def test_redirect_to_metadata_names_the_reason(
    server: LocalServer, connections: Connections, make_fetcher: FetcherFactory
) -> None:
    server.route("/start", redirect("http://169.254.169.254/latest/meta-data/"))
    error = refusal(make_fetcher(policy=LOOPBACK), server.url("/start"))
    assert "metadata" in str(error)


@pytest.mark.parametrize(
    ("location", "address"),
    [
        ("http://10.0.0.1/private", "10.0.0.1"),
        ("http://internal.example.test/private", "10.0.0.1"),
    ],
)
def test_redirect_into_a_listed_range_connects_to_the_checked_address(
    server: LocalServer,
    connections: Connections,
    make_fetcher: FetcherFactory,
    location: str,
    address: str,
) -> None:
    server.route("/start", redirect(location))
    server.route("/private", respond(b"inside"))
    connections.route(address, 80)
    policy = AddressPolicy(True, (ipaddress.ip_network("10.0.0.0/8"),))
    fetcher = make_fetcher(policy=policy, resolver=lambda host, port: [address])
    assert fetcher.get(server.url("/start")).body == b"inside"
    assert connections.opened == [("127.0.0.1", server.port), (address, 80)]
    assert server.requests[1].headers["host"] == httpx.URL(location).host


# -- many addresses -------------------------------------------------------------------------------

MANY = [f"140.82.112.{n}" for n in range(1, 11)]


def test_failing_addresses_are_tried_up_to_a_cap(
    server: LocalServer, connections: Connections, make_fetcher: FetcherFactory
) -> None:
    for address in MANY:
        connections.route(address, server.port)
    connections.refuse = True
    fetcher = make_fetcher(policy=AddressPolicy(), resolver=stub(MANY))
    error = refusal(fetcher, f"http://{HOST}:{server.port}/")
    assert "cannot connect" in str(error)
    assert connections.opened == [(a, server.port) for a in MANY[:MAX_ADDRESSES_TRIED]]


def test_unreachable_addresses_stop_at_the_deadline(
    server: LocalServer, connections: Connections, make_fetcher: FetcherFactory
) -> None:
    """Each address eats its whole connect timeout; without the cap and the deadline, ten
    addresses would take ten connect timeouts."""
    for address in MANY:
        connections.route(address, server.port)
    connections.delay = 60.0
    fetcher = make_fetcher(
        policy=AddressPolicy(), resolver=stub(MANY), connect_timeout=0.4, deadline=1.0
    )
    started = time.monotonic()
    with pytest.raises(FetchError):
        fetcher.get(f"http://{HOST}:{server.port}/")
    assert time.monotonic() - started < TEST_LIMITS.deadline + 0.6
    assert 1 < len(connections.opened) <= MAX_ADDRESSES_TRIED
    assert server.count() == 0


def test_tls_is_started_for_the_host_name_on_the_pinned_connection(
    server: LocalServer, connections: Connections, client: httpx.Client
) -> None:
    """An https request connects to the checked address and hands TLS the URL's host name
    (SNI and certificate check). The local server speaks plain HTTP, so the handshake then
    fails: only what was asked of the connection matters here."""
    events: list[tuple[str, dict[str, Any]]] = []

    def trace(event: str, info: dict[str, Any]) -> None:
        if event.endswith(".started"):
            events.append((event, dict(info)))

    pin = Pin(HOST, server.port, ("127.0.0.1",), time.monotonic() + 1.0)
    with pinned(pin), pytest.raises(httpx.HTTPError):
        client.get(f"https://{HOST}:{server.port}/", extensions={"trace": trace}, timeout=1.0)
    assert connections.opened == [("127.0.0.1", server.port)]
    started = dict(events)
    assert started["connection.connect_tcp.started"]["host"] == HOST
    assert started["connection.start_tls.started"]["server_hostname"] == HOST
