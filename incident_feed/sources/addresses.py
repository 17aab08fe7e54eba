"""Which addresses a fetch may connect to, and the connection that goes only there.

A URL's host is resolved once per request (every redirect hop is a request); every address of
the answer is checked against the :class:`AddressPolicy`, and the connection is then made to
those checked addresses, never to a second DNS answer (DNS rebinding: a name that is public
when checked and 127.0.0.1 when connected). The TLS server name and the ``Host`` header stay
the URL's host name: only the TCP connect is pinned.

The pin travels from :class:`~incident_feed.sources.http.Fetcher` to the socket in a context
variable read by :class:`PinnedTransport`'s network backend, because httpcore hands a network
backend only host and port. A connection with no pin for its host is refused, so a client from
:func:`~incident_feed.sources.http.make_client` used outside a Fetcher cannot connect anywhere.
"""

from __future__ import annotations

import contextvars
import ipaddress
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from incident_feed.config import IPNetwork, Settings
from incident_feed.errors import FetchError

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# A host with many addresses that do not answer would otherwise cost one connect timeout each.
MAX_ADDRESSES_TRIED = 3

_LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
# Cloud instance metadata endpoints (AWS/GCP/Azure/OpenStack, AWS IPv6, ECS task metadata,
# Alibaba): never reachable through loopback or a wider allowed range, only when listed alone.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated IPv4-compatible ::a.b.c.d


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Public addresses always; loopback when ``allow_loopback`` (local test servers); any other
    non-public address (private, link-local, shared, reserved, ...) only inside a listed range.
    """

    allow_loopback: bool = False
    allow_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> AddressPolicy:
        return cls(settings.allow_loopback, settings.allow_networks)

    def refusal(self, address: str) -> str | None:
        """Why ``address`` may not be connected to (a phrase naming the setting), or None."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return f"{address!r} is not an IP address"
        # An IPv4-mapped address is its IPv4 address to the OS; 6to4, NAT64 and IPv4-compatible
        # ones are forwarded to the IPv4 address inside them, so both forms must pass.
        mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
        for candidate in (mapped,) if mapped else (ip, *_embedded_ipv4(ip)):
            reason = self._refusal(candidate)
            if reason is not None:
                return reason
        return None

    def _refusal(self, ip: IPAddress) -> str | None:
        if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
            ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
        listed = [net for net in self.allow_networks if ip.version == net.version and ip in net]
        if ip in METADATA_ADDRESSES:
            if any(net.num_addresses == 1 for net in listed):
                return None
            return (
                f"{ip} is a cloud metadata address (allowed only when listed alone in "
                "[settings] allow_networks)"
            )
        if listed:
            return None
        if any(ip in net for net in _LOOPBACK if net.version == ip.version):
            if self.allow_loopback:
                return None
            return f"{ip} is a loopback address (set allow_loopback = true for a local server)"
        if ip.is_global and not ip.is_multicast:
            return None
        return (
            f"{ip} is {_kind(ip)} address (list its range in [settings] allow_networks to allow it)"
        )


def _embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    if isinstance(ip, ipaddress.IPv4Address):
        return []
    found = [ip.sixtofour] if ip.sixtofour is not None else []
    if ip in _NAT64 or (ip in _COMPATIBLE and int(ip) > 1):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _kind(ip: IPAddress) -> str:
    """The address's class, for messages."""
    if ip.is_unspecified:
        return "an unspecified"
    if ip.is_multicast:
        return "a multicast"
    if ip.is_link_local:
        return "a link-local"
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"):
        return "a shared (carrier-grade NAT)"
    if ip.is_reserved:
        return "a reserved"
    if ip.is_private:
        return "a private"
    return "a non-public"


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order of preference."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def checked_addresses(
    host: str, port: int, policy: AddressPolicy, resolver: Resolver, label: str
) -> tuple[str, ...]:
    """The addresses to connect to for ``host``: an IP literal as it is, a name resolved once.

    Every address of the answer must pass ``policy``: one refused address refuses the host (a
    mixed answer is how rebinding starts). FetchError names ``label`` (the URL) and the reason.
    """
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = list(dict.fromkeys(resolver(host, port)))
    if not addresses:
        raise FetchError(f"cannot resolve {host}: no addresses")
    for address in addresses:
        reason = policy.refusal(address)
        if reason is not None:
            where = "" if host == address else f"{host} resolves to {address}; "
            raise FetchError(f"refusing {label}: {where}{reason}")
    return tuple(addresses)


@dataclass(frozen=True, slots=True)
class Pin:
    """The checked addresses one request may connect to, and when its time is up."""

    host: str
    port: int
    addresses: tuple[str, ...]
    deadline: float
    clock: Callable[[], float] = time.monotonic


_PIN: contextvars.ContextVar[Pin | None] = contextvars.ContextVar("incident_feed_pin", default=None)


@contextmanager
def pinned(pin: Pin) -> Iterator[None]:
    """Connections opened in this block (this thread) for ``pin.host`` go to its addresses."""
    token = _PIN.set(pin)
    try:
        yield
    finally:
        _PIN.reset(token)


class PinnedBackend(httpcore.NetworkBackend):
    """Connects to the current :class:`Pin`'s addresses instead of resolving the host again."""

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        pin = _PIN.get()
        if pin is None or (pin.host, pin.port) != (host, port):
            raise httpcore.ConnectError(
                f"no checked address for {host}:{port}: connections go through Fetcher.get"
            )
        failures: list[str] = []
        for address in pin.addresses[:MAX_ADDRESSES_TRIED]:
            remaining = pin.deadline - pin.clock()
            if remaining <= 0:
                break
            try:
                return self._inner.connect_tcp(
                    address,
                    port,
                    timeout=remaining if timeout is None else min(timeout, remaining),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failures.append(f"{address}: {exc or type(exc).__name__}")
        tried = "; ".join(failures) or "the deadline passed before connecting"
        raise httpcore.ConnectError(f"cannot connect to {host}:{port} ({tried})")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """httpx's own transport over a pool whose connections go only to pinned addresses.

    Subclassing ``HTTPTransport`` (rather than writing a transport on httpcore) keeps its
    request/response and exception mapping, and keeps vcrpy's cassette patch of
    ``HTTPTransport.handle_request`` working. It sets ``_pool``, an httpx attribute that is
    not public API: httpx is pinned to 0.28.x and ``tests/sources/test_addresses.py`` checks the
    seam, so a change there fails a test instead of silently connecting unpinned.
    """

    def __init__(self) -> None:
        ssl_context = httpx.create_ssl_context()
        # No keep-alive: the deadline watchdog needs each request's own connect event.
        super().__init__(verify=ssl_context, limits=httpx.Limits(max_keepalive_connections=0))
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_keepalive_connections=0,
            network_backend=PinnedBackend(),
        )


def pin_for(
    url: httpx.URL,
    label: str,
    policy: AddressPolicy,
    resolver: Resolver,
    deadline: float,
    clock: Callable[[], float],
) -> Pin:
    """Resolve and check ``url``'s host: the :class:`Pin` its request connects with.

    The host is taken as httpcore will give it to the backend (IDNA-encoded, IPv6 unbracketed).
    """
    host = url.raw_host.decode("ascii")
    port = url.port or (443 if url.scheme == "https" else 80)
    addresses = checked_addresses(host, port, policy, resolver, label)
    return Pin(host, port, addresses, deadline, clock)


__all__ = [
    "METADATA_ADDRESSES",
    "AddressPolicy",
    "Pin",
    "PinnedBackend",
    "PinnedTransport",
    "Resolver",
    "checked_addresses",
    "pin_for",
    "pinned",
    "resolve_host",
]
