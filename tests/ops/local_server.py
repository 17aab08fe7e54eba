"""The 127.0.0.1 test server of ``tests/sources/server.py`` with handlers that return a
:class:`Reply` (for the operations tests and benchmarks): routes map a path (query ignored) to
``Request -> Reply``; a reply can be delayed, dripped slowly, or cut (connection closed, no
answer). Serving, bounds (ephemeral port on 127.0.0.1 only, request cap, daemon threads, waits
that end when the server stops) and recording are the base server's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.sources import server as base
from tests.sources.server import Exchange
from tests.sources.server import RecordedRequest as Request

__all__ = ["LocalServer", "Reply", "Request", "Switch", "conditional", "json_body", "respond"]


@dataclass(frozen=True, slots=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    drip: float = 0.0  # seconds between body bytes (a slow server)
    cut: bool = False  # close the connection without answering


Handler = Callable[[Request], Reply]


def _serve(handler: Handler) -> base.Handler:
    """A ``Request -> Reply`` handler as the base server's exchange handler."""

    def serve(exchange: Exchange) -> None:
        reply = handler(exchange.request)
        if (reply.delay and not exchange.wait(reply.delay)) or reply.cut:
            return
        if not reply.drip:
            exchange.send(reply.status, reply.body, reply.headers)
            return
        exchange.start(reply.status, reply.headers, content_length=len(reply.body))
        for index in range(len(reply.body)):
            if not exchange.wait(reply.drip):
                return
            exchange.write(reply.body[index : index + 1])

    return serve


class LocalServer(base.LocalServer):
    def __init__(
        self, *, max_requests: int = 2000, latency: float = 0.0, keep_requests: int = 10_000
    ) -> None:
        super().__init__(max_requests=max_requests, latency=latency, keep_requests=keep_requests)
        self.start()  # bound at once: tests read `url()` before entering

    def __enter__(self) -> LocalServer:
        return self

    def route(self, path: str, handler: Handler) -> str:  # type: ignore[override]
        return super().route(path, _serve(handler))


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
