"""Notification receivers for the tests: a 127.0.0.1 route that records every request, and a
command that appends each JSON event it reads on stdin to a file."""

from __future__ import annotations

import threading

from tests.ops.local_server import Reply, Request

# ``python RECORDER_FILE OUT``: appends the JSON event on stdin to OUT, one line each.
RECORDER = """
import json, sys
with open(sys.argv[1], "a", encoding="utf-8") as out:
    out.write(json.dumps(json.load(sys.stdin)) + "\\n")
"""


class Receiver:
    """Records every request (thread-safe); answers 200."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Reply:
        with self.lock:
            self.requests.append(request)
        return Reply(200, b"{}")
