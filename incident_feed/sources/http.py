"""One careful HTTP GET: every source's requests go through :class:`Fetcher`.

Hygiene: connect/read timeouts plus an overall deadline (enforced by cutting the connection,
since httpx timeouts are per socket operation), and within :meth:`Fetcher.scoped` one deadline
for a source's whole fetch that every request's deadline stays within; decoded bytes capped
while streaming (decompression is ours, so one network read cannot decode past the cap); at
most N redirects, http/https only; each hop's host resolved once, every address checked against
the :class:`~incident_feed.sources.addresses.AddressPolicy` and the connection made to those
checked addresses (see :mod:`incident_feed.sources.addresses`); conditional GET, and where the
server sends no validators (or ignores them) a body whose SHA-256 is the one stored taken as not
modified; 429/503
``Retry-After`` (or, on a 429 without it, X's ``x-rate-limit-reset`` epoch time) raised as
:class:`RateLimited`. A caller's ``Authorization`` header goes only to the origin it was meant
for: a redirect to another origin drops it.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from incident_feed import __version__
from incident_feed.clock import utc_now
from incident_feed.config import Limits, Settings
from incident_feed.errors import FetchError, RateLimited, SourceDeadlinePassed
from incident_feed.sources.addresses import (
    AddressPolicy,
    PinnedTransport,
    Resolver,
    pin_for,
    pinned,
    resolve_host,
)

__all__ = [
    "AddressPolicy",
    "FetchedResponse",
    "Fetcher",
    "Resolver",
    "Validators",
    "body_digest",
    "make_client",
    "parse_rate_limit_reset",
    "parse_retry_after",
    "resolve_host",
]

USER_AGENT = f"incident-feed/{__version__} (+https://pypi.org/project/incident-feed/)"
DEFAULT_RETRY_AFTER = 60.0
MAX_RETRY_AFTER = 6 * 3600.0


_DIGEST = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Validators:
    """What tells next time whether a document changed: the server's validators, for a
    conditional GET, and the SHA-256 (hex) of the decoded body, for servers that send none."""

    etag: str | None = None
    last_modified: str | None = None
    digest: str | None = None

    def as_json(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["etag"] = self.etag
        if self.last_modified:
            out["last_modified"] = self.last_modified
        if self.digest:
            out["digest"] = self.digest
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Validators:
        data = data or {}
        etag, modified, digest = data.get("etag"), data.get("last_modified"), data.get("digest")
        return cls(
            etag if isinstance(etag, str) else None,
            modified if isinstance(modified, str) else None,
            digest if isinstance(digest, str) and _DIGEST.fullmatch(digest) else None,
        )


def body_digest(body: bytes) -> str:
    """The digest :class:`Validators` keeps of a decoded body."""
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True, slots=True)
class FetchedResponse:
    """A finished GET: the final URL, its headers (lower-case keys) and the decoded body."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes = b""
    validators: Validators = field(default_factory=Validators)
    # A 200 whose body has the digest the caller's validators hold: the body is not kept.
    same_body: bool = False

    @property
    def not_modified(self) -> bool:
        """Nothing new: a 304, or the same body again (to be treated exactly as a 304)."""
        return self.status == 304 or self.same_body


def make_client() -> httpx.Client:
    """The shared client: redirects handled by :class:`Fetcher`, our User-Agent on every request.

    Its transport connects only to the addresses :class:`Fetcher` checked for the request
    (:class:`~incident_feed.sources.addresses.PinnedTransport`). No keep-alive: every request
    opens its own connection, so the deadline watchdog sees the socket (a pooled connection is
    reused without a connect event). No proxy from the environment either: a proxy would make
    the connection, to addresses nobody checked.
    """
    return httpx.Client(
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        transport=PinnedTransport(),
    )


class Fetcher:
    """GETs with the project's HTTP hygiene, over an injected ``httpx.Client``."""

    def __init__(
        self,
        client: httpx.Client,
        limits: Limits,
        *,
        policy: AddressPolicy | None = None,
        resolver: Resolver = resolve_host,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.limits = limits
        self.policy = policy or AddressPolicy()
        self.resolver = resolver
        self.clock = clock
        self._until: float | None = None  # the end of a scoped source's fetch, on ``clock``
        self._scope = 0.0  # that fetch's length in seconds, for messages

    @classmethod
    def for_settings(cls, client: httpx.Client, settings: Settings) -> Fetcher:
        """A fetcher with the limits and address policy of the config's ``[settings]``."""
        return cls(client, settings.limits, policy=AddressPolicy.from_settings(settings))

    def scoped(self, seconds: float) -> Fetcher:
        """A view of this fetcher for one source's whole fetch, from now for ``seconds``.

        It shares the client, limits, address policy, resolver and clock; each of its requests
        ends at its own deadline or at the end of the scope, whichever comes first, and one
        that the scope cuts (or that starts after it) raises :class:`SourceDeadlinePassed`.
        Scoping a view again never extends it.
        """
        view = copy.copy(self)
        until = self.clock() + seconds
        if self._until is not None and self._until <= until:
            view._until, view._scope = self._until, self._scope
        else:
            view._until, view._scope = until, seconds
        return view

    def get(
        self,
        url: str,
        *,
        validators: Validators | None = None,
        accept: str = "*/*",
        headers: Mapping[str, str] | None = None,
    ) -> FetchedResponse:
        """GET ``url``, following redirects; raise :class:`FetchError` on any failure.

        With ``validators``, the request is conditional, and a 200 whose body has their digest
        comes back :attr:`~FetchedResponse.not_modified` too, without its body."""
        deadline = self.clock() + self.limits.deadline
        if self._until is not None and self._until < deadline:
            deadline = self._until
        request_headers = {"Accept": accept, **(headers or {})}
        if validators and validators.etag:
            request_headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            request_headers["If-Modified-Since"] = validators.last_modified
        try:
            current = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise FetchError(f"invalid URL: {exc}") from None
        if self.clock() >= deadline:
            raise self._too_slow(current, deadline)
        origin = _origin(current)
        with _Watchdog(deadline - self.clock()) as watchdog:
            for _hop in range(self.limits.max_redirects + 1):
                if _origin(current) != origin:
                    # Credentials are for the origin the caller named, never a redirect target.
                    request_headers = {
                        k: v for k, v in request_headers.items() if k.lower() != "authorization"
                    }
                self._check_url(current)
                pin = pin_for(
                    current, _show(current), self.policy, self.resolver, deadline, self.clock
                )
                timeout = self._timeout(current, deadline)
                try:
                    with (
                        pinned(pin),
                        self.client.stream(
                            "GET",
                            current,
                            headers=request_headers,
                            timeout=timeout,
                            extensions={"trace": watchdog.trace},
                        ) as response,
                    ):
                        if response.status_code in (301, 302, 303, 307, 308):
                            location = response.headers.get("location")
                            if not location:
                                raise FetchError(
                                    f"redirect without a Location from {_show(current)}"
                                )
                            current = current.join(location)
                            continue
                        return self._finish(current, response, deadline, validators)
                except httpx.InvalidURL as exc:
                    # A Location httpx cannot turn into a URL: ``join`` here, or httpx itself
                    # (it builds ``next_request`` even with redirects off; "javascript:x()").
                    raise FetchError(f"invalid redirect from {_show(current)}: {exc}") from None
                except httpx.HTTPError as exc:
                    if watchdog.fired or self.clock() >= deadline:
                        raise self._too_slow(current, deadline) from None
                    if isinstance(exc, httpx.TimeoutException):
                        raise FetchError(f"timed out fetching {_show(current)}") from None
                    raise FetchError(
                        f"{type(exc).__name__} fetching {_show(current)}: {exc}"
                    ) from None
        raise FetchError(f"more than {self.limits.max_redirects} redirects from {_show(url)}")

    def _too_slow(self, url: httpx.URL, deadline: float) -> FetchError:
        if self._until is not None and deadline >= self._until:
            return SourceDeadlinePassed(
                f"the whole-source deadline of {self._scope:g}s (all its documents and pages) "
                f"passed while fetching {_show(url)}"
            )
        return FetchError(f"{_show(url)} took longer than the {self.limits.deadline:g}s deadline")

    def _timeout(self, url: httpx.URL, deadline: float) -> httpx.Timeout:
        remaining = deadline - self.clock()
        if remaining <= 0:
            raise self._too_slow(url, deadline)
        return httpx.Timeout(
            connect=min(self.limits.connect_timeout, remaining),
            read=min(self.limits.read_timeout, remaining),
            write=min(self.limits.read_timeout, remaining),
            pool=min(self.limits.connect_timeout, remaining),
        )

    def _check_url(self, url: httpx.URL) -> None:
        if url.scheme not in ("http", "https"):
            raise FetchError(f"refusing non-http(s) URL {_show(url)}")
        host = url.host
        if not host:
            raise FetchError(f"URL without a host: {_show(url)}")

    def _finish(
        self,
        url: httpx.URL,
        response: httpx.Response,
        deadline: float,
        asked: Validators | None,
    ) -> FetchedResponse:
        headers = {key.lower(): value for key, value in response.headers.items()}
        status = response.status_code
        if status == 304:
            return FetchedResponse(str(url), status, headers)
        if status in (429, 503):
            now = utc_now()
            retry_after = parse_retry_after(headers.get("retry-after"), now)
            if retry_after is None and status == 429:
                retry_after = parse_rate_limit_reset(headers.get("x-rate-limit-reset"), now)
            if status == 429 or retry_after is not None:
                wait = retry_after if retry_after is not None else DEFAULT_RETRY_AFTER
                raise RateLimited(
                    f"HTTP {status} from {_show(url)}; retry after {wait:.0f}s", retry_after=wait
                )
        if status >= 400:
            raise FetchError(f"HTTP {status} {response.reason_phrase} from {_show(url)}")
        if status >= 300:
            raise FetchError(f"unexpected HTTP {status} from {_show(url)}")
        body = self._read_capped(response, url, deadline)
        digest = body_digest(body)
        validators = Validators(headers.get("etag"), headers.get("last-modified"), digest)
        if asked is not None and asked.digest == digest:
            return FetchedResponse(str(url), status, headers, b"", validators, same_body=True)
        return FetchedResponse(str(url), status, headers, body, validators)

    def _read_capped(self, response: httpx.Response, url: httpx.URL, deadline: float) -> bytes:
        cap = self.limits.max_body_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise FetchError(f"body of {_show(url)} is {int(declared)} bytes, over the {cap} cap")
        decoder = _Decoder(response.headers.get("content-encoding", ""), url)
        parts: list[bytes] = []
        size = 0
        for chunk in response.iter_raw():
            for piece in decoder.feed(chunk, cap - size + 1):
                size += len(piece)
                if size > cap:
                    raise FetchError(f"body of {_show(url)} is over the {cap} byte cap")
                parts.append(piece)
            if self.clock() > deadline:
                raise self._too_slow(url, deadline)
        for piece in decoder.flush():
            size += len(piece)
            if size > cap:
                raise FetchError(f"body of {_show(url)} is over the {cap} byte cap")
            parts.append(piece)
        return b"".join(parts)


class _Watchdog:
    """Cuts a request's connection when the overall deadline passes.

    httpx timeouts apply to each socket operation, so a server that sends one byte of its
    headers or body every few seconds never trips them. httpcore's ``trace`` extension hands
    over each new connection's stream; at the deadline its socket is shut down, which wakes the
    blocked read with an error that :meth:`Fetcher.get` reports as the deadline. A connection
    reused from a pool has no connect event and is not covered (:func:`make_client` disables
    keep-alive for that reason).
    """

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._done = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        if event not in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._socket = sock
                if self.fired:
                    self._cut()

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            self._cut()

    def _cut(self) -> None:
        if self._socket is None:
            return
        try:
            # The plain-socket method even for an SSLSocket: shut the descriptor down under a
            # read blocked in another thread without touching the TLS object it is using.
            socket.socket.shutdown(self._socket, socket.SHUT_RDWR)
        except OSError:
            pass  # already closed: the request finished as the deadline passed


class _Decoder:
    """Content-Encoding decoding that never produces more than asked per step."""

    def __init__(self, encoding: str, url: httpx.URL) -> None:
        encoding = encoding.strip().lower()
        self._zlib: Any = None
        if encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(wbits=31)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj(wbits=47)  # zlib or gzip header, auto-detected
        elif encoding not in ("", "identity"):
            raise FetchError(f"unsupported Content-Encoding {encoding!r} from {_show(url)}")
        self._url = url

    def feed(self, chunk: bytes, budget: int) -> Iterator[bytes]:
        if self._zlib is None:
            yield chunk
            return
        data = chunk
        try:
            while data:
                piece = self._zlib.decompress(data, max(budget, 1))
                yield piece
                budget -= len(piece)
                data = self._zlib.unconsumed_tail
                if budget <= 0:
                    yield b"\0"  # one byte past the budget: the caller's cap check trips
                    return
        except zlib.error as exc:
            raise FetchError(f"corrupt compressed body from {_show(self._url)}: {exc}") from None

    def flush(self) -> Iterator[bytes]:
        if self._zlib is not None:
            try:
                tail = self._zlib.flush()
            except zlib.error as exc:
                raise FetchError(
                    f"corrupt compressed body from {_show(self._url)}: {exc}"
                ) from None
            if tail:
                yield tail


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return min(max((when - now).total_seconds(), 0.0), MAX_RETRY_AFTER)


def parse_rate_limit_reset(value: str | None, now: dt.datetime) -> float | None:
    """Seconds until an ``x-rate-limit-reset`` epoch time (X API), capped; None if unreadable."""
    if not value or not value.strip().isdigit():
        return None
    try:
        reset = dt.datetime.fromtimestamp(int(value.strip()), dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return min(max((reset - now).total_seconds(), 1.0), MAX_RETRY_AFTER)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


def _show(url: httpx.URL | str) -> str:
    """A URL for messages: no query string or credentials (they may hold secrets)."""
    parsed = httpx.URL(str(url))
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}{parsed.path}"
