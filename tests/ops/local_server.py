"""A real HTTP server on 127.0.0.1 for the operations tests and benchmarks (stdlib only).

Routes map a path (query ignored) to a handler returning a :class:`Reply`; a fallback handler
takes the rest. Replies can be delayed, dripped slowly, or cut (connection closed, no answer).

Bounded: ephemeral port on 127.0.0.1 only; daemon threads; waits use :attr:`stopping`, so
stopping the server ends slow replies at once; past ``max_requests`` it answers 503 and
:meth:`check` fails, so a runaway client loop ends the test instead of hanging it.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    drip: float = 0.0  # seconds between body bytes (a slow server)
    cut: bool = False  # close the connection without answering


Handler = Callable[[Request], Reply]


class LocalServer:
    def __init__(
        self, *, max_requests: int = 2000, latency: float = 0.0, keep_requests: int = 10_000
    ) -> None:
        self.max_requests = max_requests
        self.latency = latency
        self.keep_requests = keep_requests
        self.stopping = threading.Event()
        self.routes: dict[str, Handler] = {}
        self.fallback: Handler | None = None
        self.requests: list[Request] = []  # the latest ones, at most keep_requests
        self.total = 0
        self.counts: Counter[str] = Counter()
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._httpd = _Server((HOST, 0), _RequestHandler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def check(self) -> None:
        """Fail when a handler raised or the request cap was reached."""
        assert not self.errors, self.errors

    # -- routes ---------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://{HOST}:{self.port}{path}"

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def count(self, path: str) -> int:
        with self._lock:
            return self.counts[path]

    def _dispatch(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            self.counts[request.path] += 1
            self.total += 1
            total = self.total
            if len(self.requests) > self.keep_requests:  # bounded memory under soak tests
                del self.requests[: len(self.requests) // 2]
        if total > self.max_requests:
            self.errors.append(f"request cap {self.max_requests} reached")
            return Reply(503, b"request cap reached\n")
        handler = self.routes.get(request.path, self.fallback)
        if handler is None:
            return Reply(404, b"not found\n")
        try:
            return handler(request)
        except Exception as exc:  # reported by check(), not printed by the server thread
            self.errors.append(f"{request.path}: {type(exc).__name__}: {exc}")
            return Reply(500, b"handler error\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256  # the stdlib's 5 drops connections from a 16-wide client pool
    owner: LocalServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up (deadline, stop) is expected here, not a server fault


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's naming
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def _handle(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 1 << 20)) if length else b""
        path = self.path.split("?", 1)[0]
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = owner._dispatch(Request(self.command, path, headers, body))
        wait = owner.latency + reply.delay
        if wait and owner.stopping.wait(wait):
            self.close_connection = True
            return
        if reply.cut:
            self.close_connection = True
            return
        self.send_response(reply.status)
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if not reply.drip:
            self.wfile.write(reply.body)
            return
        for index in range(len(reply.body)):
            if owner.stopping.wait(reply.drip):
                self.close_connection = True
                return
            self.wfile.write(reply.body[index : index + 1])
            self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet: tests read the recorded requests instead


# -- handlers -----------------------------------------------------------------------------------


def json_body(document: object) -> bytes:
    return json.dumps(document).encode("utf-8")


def conditional(body: bytes, etag: str, content_type: str = "application/json") -> Handler:
    """``body`` with an ETag; a matching ``If-None-Match`` gets 304."""

    def handle(request: Request) -> Reply:
        if request.headers.get("if-none-match") == etag:
            return Reply(304, headers={"ETag": etag})
        return Reply(200, body, {"Content-Type": content_type, "ETag": etag})

    return handle


def respond(
    body: bytes = b"",
    status: int = 200,
    headers: dict[str, str] | None = None,
    **options: Any,
) -> Handler:
    reply = Reply(status, body, {"Content-Type": "application/json", **(headers or {})}, **options)
    return lambda _request: reply


def sequence(handlers: Sequence[Handler]) -> Handler:
    """The n-th request gets the n-th handler; the last one repeats."""
    lock = threading.Lock()
    state = {"next": 0}

    def handle(request: Request) -> Reply:
        with lock:
            index = min(state["next"], len(handlers) - 1)
            state["next"] += 1
        return handlers[index](request)

    return handle


class Switch:
    """A handler whose behaviour the test changes between cycles."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    def __call__(self, request: Request) -> Reply:
        return self.handler(request)
