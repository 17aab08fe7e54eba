"""Delivering notifications: one background thread, retries with backoff, every outcome logged.

A command gets JSON on stdin (no shell); a webhook's URL is read from the environment variable
``webhook_env`` and never logged.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence

import httpx

from incident_feed.config import NotifyConfig
from incident_feed.outputs.notify_payloads import Event, command_payload, webhook_payload

log = logging.getLogger("incident_feed.outputs.notify")
RETRY_DELAYS = (1.0, 5.0, 15.0)  # seconds before the 2nd, 3rd and 4th attempts
COMMAND_TIMEOUT = 30.0
WEBHOOK_TIMEOUT = 10.0
QUEUE_SIZE = 1000


class Dispatcher:
    """Sends on one background thread; retries with backoff; logs every outcome."""

    def __init__(
        self,
        *,
        delays: Sequence[float] = RETRY_DELAYS,
        environ: Mapping[str, str] | None = None,
        client_factory: Callable[[], httpx.Client] | None = None,
    ) -> None:
        self.delays = tuple(delays)
        self.environ = environ if environ is not None else os.environ
        self.client_factory = client_factory or (
            lambda: httpx.Client(timeout=WEBHOOK_TIMEOUT, follow_redirects=False)
        )
        self.sent = 0
        self.failed = 0
        self._queue: queue.Queue[tuple[NotifyConfig, Event] | None] = queue.Queue(QUEUE_SIZE)
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._work, name="incident-feed-notify", daemon=True)
        self._thread.start()

    def submit(self, target: NotifyConfig, event: Event) -> None:
        """Queue one send; never blocks (a full queue drops it, with a log line)."""
        try:
            self._queue.put_nowait((target, event))
        except queue.Full:
            self.failed += 1
            log.error(
                "event=notify_dropped target=%s incident=%s reason=queue_full",
                target.name,
                event.incident["id"],
            )

    def close(self, timeout: float = 15.0) -> None:
        """Send what is queued (retries cut short), for at most ``timeout`` seconds."""
        self._closing.set()
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            pass
        self._thread.join(timeout)

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until everything queued so far was handled (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def _work(self) -> None:
        client: httpx.Client | None = None
        try:
            while True:
                item = self._queue.get()
                try:
                    if item is None:
                        return
                    target, event = item
                    if target.webhook_env is not None and client is None:
                        client = self.client_factory()
                    self._send(target, event, client)
                finally:
                    self._queue.task_done()
        finally:
            if client is not None:
                client.close()

    def _send(self, target: NotifyConfig, event: Event, client: httpx.Client | None) -> None:
        channels: list[tuple[str, Callable[[], None]]] = []
        if target.command:
            channels.append(("command", lambda: self._run_command(target, event)))
        if target.webhook_env is not None and client is not None:
            channels.append(("webhook", lambda: self._post(target, event, client)))
        for channel, send in channels:
            for attempt in range(len(self.delays) + 1):
                try:
                    send()
                except _Permanent as exc:
                    self.failed += 1
                    log.error(_FAILED, target.name, channel, event.incident["id"], attempt + 1, exc)
                    break
                except _Retry as exc:
                    last = attempt == len(self.delays)
                    if last or self._closing.is_set():
                        self.failed += 1
                        log.error(
                            _FAILED, target.name, channel, event.incident["id"], attempt + 1, exc
                        )
                        break
                    log.warning(
                        "event=notify_retry target=%s channel=%s incident=%s attempt=%d "
                        "error=%r retry_in=%.1f",
                        target.name,
                        channel,
                        event.incident["id"],
                        attempt + 1,
                        str(exc),
                        self.delays[attempt],
                    )
                    self._closing.wait(self.delays[attempt])
                else:
                    self.sent += 1
                    log.info(
                        "event=notified target=%s channel=%s kind=%s incident=%s attempt=%d",
                        target.name,
                        channel,
                        event.kind,
                        event.incident["id"],
                        attempt + 1,
                    )
                    break

    def _run_command(self, target: NotifyConfig, event: Event) -> None:
        data = json.dumps(command_payload(event), ensure_ascii=False).encode("utf-8")
        try:
            done = subprocess.run(
                list(target.command),
                input=data,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
        except FileNotFoundError:
            raise _Permanent(f"command not found: {target.command[0]}") from None
        except subprocess.TimeoutExpired:
            raise _Retry(f"command timed out after {COMMAND_TIMEOUT:g}s") from None
        except OSError as exc:
            raise _Retry(f"cannot run the command: {exc.strerror}") from None
        if done.returncode != 0:
            raise _Retry(f"command exited with {done.returncode}")

    def _post(self, target: NotifyConfig, event: Event, client: httpx.Client) -> None:
        assert target.webhook_env is not None
        url = self.environ.get(target.webhook_env, "").strip()
        if not url:
            raise _Permanent(f"environment variable {target.webhook_env} is not set")
        if not url.startswith(("https://", "http://")):
            raise _Permanent(f"{target.webhook_env} does not hold an http(s) URL")
        try:
            response = client.post(url, json=webhook_payload(event))
        except httpx.HTTPError as exc:
            # The message may carry the URL (a secret): only the error's type is logged.
            raise _Retry(f"{type(exc).__name__} posting to the webhook") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retry(f"webhook answered HTTP {response.status_code}")
        if response.status_code >= 300:
            raise _Permanent(f"webhook answered HTTP {response.status_code}")


_FAILED = "event=notify_failed target=%s channel=%s incident=%s attempts=%d error=%r"


class _Retry(Exception):
    """Worth another attempt."""


class _Permanent(Exception):
    """Another attempt would fail the same way."""
