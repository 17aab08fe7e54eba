"""A real, scripted HTTP server on 127.0.0.1 for tests (stdlib ``ThreadingHTTPServer``).

Routes map a request path (query string ignored) to a handler that writes the whole response
itself, possibly slowly::

    with LocalServer() as server:
        server.route("/api/v2/incidents.json", respond(body, headers={"ETag": '"v1"'}))
        server.route("/slow", drip(b"x" * 100, interval=0.2))
        fetcher.get(server.url("/slow"))
        assert server.count("/slow") == 1

Safety: the server listens on an ephemeral port of 127.0.0.1 only; serving and handler threads
are daemons; handlers wait on :attr:`LocalServer.stopping` instead of sleeping, so stopping the
server ends slow responses at once; past ``max_requests`` it answers 503 and :meth:`check`
fails, so a runaway client loop ends the test instead of hanging it. Handler exceptions are
kept and reported by :meth:`check` rather than printed.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = [
    "Exchange",
    "Handler",
    "LocalServer",
    "RecordedRequest",
    "chunked",
    "compress",
    "conditional",
    "drip",
    "drip_headers",
    "json_reply",
    "not_found",
    "redirect",
    "respond",
    "sequence",
]

HOST = "127.0.0.1"
JSON = "application/json; charset=utf-8"


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the server received."""

    method: str
    target: str  # the request target as sent (path and query)
    path: str  # without the query string
    headers: Mapping[str, str]  # lower-case names
    at: float  # time.monotonic() when its request line and headers had been read
    body: bytes = b""  # what a POST or PUT sent (at most 1 MiB is read)


class Exchange:
    """What a handler sees: the request, and ways to write the response."""

    def __init__(self, raw: BaseHTTPRequestHandler, server: LocalServer, request: RecordedRequest):
        self.raw = raw
        self.server = server
        self.request = request

    @property
    def headers(self) -> Mapping[str, str]:
        return self.request.headers

    def send(
        self,
        status: int,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        *,
        content_length: bool = True,
    ) -> None:
        """A complete response; ``Connection: close`` unless the handler sets it."""
        self.start(status, headers, content_length=len(body) if content_length else None)
        if body:
            self.write(body)

    def start(
        self, status: int, headers: Mapping[str, str] | None = None, *, content_length: int | None
    ) -> None:
        """Status line and headers only; the body follows with :meth:`write`."""
        raw = self.raw
        raw.send_response(status)
        names = set()
        for name, value in (headers or {}).items():
            raw.send_header(name, value)
            names.add(name.lower())
        if content_length is not None and "content-length" not in names:
            raw.send_header("Content-Length", str(content_length))
        if "connection" not in names:
            raw.send_header("Connection", "close")
        raw.end_headers()
        raw.wfile.flush()

    def write(self, data: bytes) -> None:
        """Raw bytes onto the connection, flushed."""
        self.raw.wfile.write(data)
        self.raw.wfile.flush()

    def wait(self, seconds: float) -> bool:
        """Sleep unless the server is stopping; False when it is (the handler should return)."""
        return not self.server.stopping.wait(seconds)


Handler = Callable[[Exchange], None]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256  # the stdlib's 5 drops connections from a 16-wide client pool
    owner: LocalServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up (deadline, stop) is expected here, not a server fault


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 10  # socket timeout: a stuck peer cannot pin a handler thread for long

    def do_GET(self) -> None:
        self.server.owner._dispatch(self)

    do_HEAD = do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


class LocalServer:
    """A threaded HTTP server on ``127.0.0.1:<ephemeral port>`` serving scripted routes."""

    def __init__(
        self, *, max_requests: int = 200, latency: float = 0.0, keep_requests: int = 10_000
    ) -> None:
        """``latency``: seconds added before every response; ``keep_requests``: how many of
        the latest requests are kept for inspection (bounded memory under soak tests)."""
        self.max_requests = max_requests
        self.latency = latency
        self.keep_requests = keep_requests
        self.routes: dict[str, Handler] = {}
        self.fallback: Handler = not_found()
        self.requests: list[RecordedRequest] = []
        self.counts: Counter[str] = Counter()
        self.total = 0
        self.errors: list[str] = []
        self.refused = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> LocalServer:
        if self._httpd is not None:
            raise RuntimeError("server already started")
        httpd = _Server((HOST, 0), _RequestHandler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"test-http-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; slow handlers see :attr:`stopping` and return. Safe to call twice."""
        self.stopping.set()
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses and routes -----------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def url(self, path: str = "/") -> str:
        return f"{self.base_url}{path if path.startswith('/') else '/' + path}"

    def route(self, path: str, handler: Handler) -> str:
        """Serve ``path`` with ``handler`` (replacing any earlier one); returns its full URL."""
        with self._lock:
            self.routes[path] = handler
        return self.url(path)

    # -- what happened ------------------------------------------------------------------------

    def count(self, path: str | None = None) -> int:
        """Requests received in all, or for one path."""
        with self._lock:
            return self.total if path is None else self.counts[path]

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def check(self) -> None:
        """Fail if a handler raised or the request cap was hit."""
        problems = list(self.errors)
        if self.refused:
            problems.append(
                f"{self.refused} request(s) refused past the cap of {self.max_requests}"
            )
        if problems:
            raise AssertionError("test HTTP server: " + "; ".join(problems))

    # -- serving ------------------------------------------------------------------------------

    def _dispatch(self, raw: BaseHTTPRequestHandler) -> None:
        target = raw.path
        length = int(raw.headers.get("Content-Length") or 0)
        request = RecordedRequest(
            method=raw.command,
            target=target,
            path=target.split("?", 1)[0],
            headers={k.lower(): v for k, v in raw.headers.items()},
            at=time.monotonic(),
            body=raw.rfile.read(min(length, 1 << 20)) if length > 0 else b"",
        )
        with self._lock:
            over_cap = self.total >= self.max_requests
            if over_cap:
                self.refused += 1
            else:
                self.total += 1
                self.counts[request.path] += 1
                self.requests.append(request)
                if len(self.requests) > self.keep_requests:
                    del self.requests[: len(self.requests) // 2]
            handler = self.routes.get(request.path, self.fallback)
        exchange = Exchange(raw, self, request)
        try:
            if self.latency and not over_cap and not exchange.wait(self.latency):
                return
            if over_cap:
                exchange.send(
                    503, b"test server request cap reached\n", {"Content-Type": "text/plain"}
                )
            else:
                handler(exchange)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the client hung up (a cap or a deadline tripped): expected in fault tests
        except Exception as exc:
            with self._lock:
                self.errors.append(f"{request.method} {target}: {type(exc).__name__}: {exc}")
        finally:
            raw.close_connection = True


# -- handlers -----------------------------------------------------------------------------------


def respond(
    body: bytes | str = b"",
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    *,
    content_type: str = JSON,
) -> Handler:
    """A fixed response with a Content-Length."""
    data = body.encode() if isinstance(body, str) else body
    all_headers = {"Content-Type": content_type, **(headers or {})}

    def handler(exchange: Exchange) -> None:
        exchange.send(status, data, all_headers)

    return handler


def json_reply(
    document: object, status: int = 200, headers: Mapping[str, str] | None = None
) -> Handler:
    """``document`` as JSON (a Path is served byte for byte)."""
    if isinstance(document, Path):
        body = document.read_bytes()
    else:
        body = json.dumps(document).encode()
    return respond(body, status, headers)


def not_found() -> Handler:
    return respond(b"not found\n", 404, content_type="text/plain")


def redirect(location: str, status: int = 302) -> Handler:
    return respond(b"", status, {"Location": location}, content_type="text/plain")


def conditional(body: bytes, etag: str, *, content_type: str = JSON) -> Handler:
    """200 with ``ETag``; 304 (no body) when the request's ``If-None-Match`` names it."""

    def handler(exchange: Exchange) -> None:
        if exchange.headers.get("if-none-match") == etag:
            exchange.send(304, b"", {"ETag": etag}, content_length=False)
        else:
            exchange.send(200, body, {"Content-Type": content_type, "ETag": etag})

    return handler


def drip(
    body: bytes,
    interval: float,
    *,
    status: int = 200,
    content_type: str = JSON,
    declare_length: bool = True,
) -> Handler:
    """Headers at once, then the body one byte every ``interval`` seconds."""

    def handler(exchange: Exchange) -> None:
        headers = {"Content-Type": content_type}
        exchange.start(status, headers, content_length=len(body) if declare_length else None)
        for i in range(len(body)):
            exchange.write(body[i : i + 1])
            if not exchange.wait(interval):
                return

    return handler


def drip_headers(interval: float, *, count: int = 1000) -> Handler:
    """A status line, then header bytes one every ``interval`` seconds, never finishing."""

    def handler(exchange: Exchange) -> None:
        exchange.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(count):
            if not exchange.wait(interval):
                return
            exchange.write(b"a")

    return handler


def chunked(
    parts: Iterable[bytes],
    *,
    status: int = 200,
    content_type: str = JSON,
    headers: Mapping[str, str] | None = None,
) -> Handler:
    """``Transfer-Encoding: chunked``, no Content-Length, one chunk per part."""
    frozen = list(parts)

    def handler(exchange: Exchange) -> None:
        all_headers = {
            "Content-Type": content_type,
            "Transfer-Encoding": "chunked",
            **(headers or {}),
        }
        exchange.start(status, all_headers, content_length=None)
        for part in frozen:
            if part:
                exchange.write(b"%x\r\n%s\r\n" % (len(part), part))
        exchange.write(b"0\r\n\r\n")

    return handler


def sequence(*handlers: Handler) -> Handler:
    """The first request gets the first handler, and so on; the last one repeats."""
    if not handlers:
        raise ValueError("sequence() needs at least one handler")
    lock = threading.Lock()
    calls = [0]

    def handler(exchange: Exchange) -> None:
        with lock:
            index = min(calls[0], len(handlers) - 1)
            calls[0] += 1
        handlers[index](exchange)

    return handler


def compress(size: int, encoding: str = "gzip", *, block: bytes = b"\0" * (1 << 20)) -> bytes:
    """``size`` bytes of ``block`` repeated, compressed, without holding them decompressed."""
    if encoding == "gzip":
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    elif encoding == "deflate":
        compressor = zlib.compressobj(9, zlib.DEFLATED, 15)
    else:
        raise ValueError(f"unknown encoding {encoding!r}")
    out = []
    remaining = size
    while remaining > 0:
        piece = block[: min(len(block), remaining)]
        out.append(compressor.compress(piece))
        remaining -= len(piece)
    out.append(compressor.flush())
    return b"".join(out)
