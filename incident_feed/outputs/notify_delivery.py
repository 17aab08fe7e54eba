"""Delivering notifications: one background thread, retries with backoff, every outcome logged.

A command gets JSON on stdin (no shell). The HTTP kinds POST to the URL held by the environment
variable ``webhook_env`` (ntfy: the topic URL, with an optional bearer token from ``token_env``);
neither the URL nor the token is ever logged or printed, and redirects are not followed.

With a :class:`Ledger` (the notifier's outbox), each attempt is claimed in the database first and
settled after: a row already claimed elsewhere is not sent, and a send is recorded before it
starts, so a crash mid-send can lose a notification but never repeat one.
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
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from incident_feed.config import NotifyConfig
from incident_feed.outputs.notify_payloads import (
    Event,
    command_payload,
    discord_payload,
    ntfy_message,
    slack_payload,
    teams_payload,
    webhook_payload,
)

log = logging.getLogger("incident_feed.outputs.notify")
RETRY_DELAYS = (1.0, 5.0, 15.0)  # seconds before the 2nd, 3rd and 4th attempts
MAX_RETRY_AFTER = 60.0  # a 429's Retry-After is followed up to this many seconds
COMMAND_TIMEOUT = 30.0
WEBHOOK_TIMEOUT = 10.0
QUEUE_SIZE = 1000
JSON_PAYLOADS: dict[str, Callable[[Event], dict[str, Any]]] = {
    "webhook": webhook_payload,
    "slack": slack_payload,
    "discord": discord_payload,
    "teams": teams_payload,
}


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event for one channel of one target; ``outbox_id`` is its row in the outbox."""

    target: NotifyConfig
    channel: str
    event: Event
    outbox_id: int | None = None


class Ledger(Protocol):
    """Where each attempt is claimed and settled (the notifier's outbox)."""

    def claim(self, outbox_id: int) -> bool:
        """Take the row for one attempt; False if it is not pending any more."""

    def settle(self, outbox_id: int, state: str, error: str | None = None) -> None:
        """``sent``, ``failed`` (given up) or ``pending`` (to be tried again)."""


class Failed(Exception):
    """A send that did not go through; the message carries no secret."""

    retry = False
    after: float | None = None


class _Retry(Failed):
    """Worth another attempt (``after``: what the server asked to wait, in seconds)."""

    retry = True

    def __init__(self, message: str, after: float | None = None) -> None:
        super().__init__(message)
        self.after = after


class _Permanent(Failed):
    """Another attempt would fail the same way."""


def send(delivery: Delivery, client: httpx.Client | None, environ: Mapping[str, str]) -> str:
    """One attempt; returns how it went ("HTTP 204", "exit 0") or raises :class:`Failed`."""
    target, event = delivery.target, delivery.event
    if delivery.channel == "command":
        return _run_command(target, event)
    if client is None:
        raise _Permanent("no HTTP client")
    url = _secret(target.webhook_env, environ, "URL")
    if not url.startswith(("https://", "http://")):
        raise _Permanent(f"{target.webhook_env} does not hold an http(s) URL")
    what = "the ntfy topic" if delivery.channel == "ntfy" else "the webhook"
    try:
        if delivery.channel == "ntfy":
            message = ntfy_message(event)
            headers = dict(message.headers)
            if target.token_env is not None:
                headers["Authorization"] = "Bearer " + _secret(target.token_env, environ, "token")
            response = client.post(url, content=message.body.encode("utf-8"), headers=headers)
        else:
            response = client.post(url, json=JSON_PAYLOADS[delivery.channel](event))
    except httpx.HTTPError as exc:
        # The message may carry the URL (a secret): only the error's type is told.
        raise _Retry(f"{type(exc).__name__} posting to {what}") from None
    except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
        raise _Permanent(f"{type(exc).__name__}: cannot post to {what} at that URL") from None
    status = response.status_code
    if status == 429 or status >= 500:
        raise _Retry(f"{what} answered HTTP {status}", _retry_after(response))
    if status >= 300:
        raise _Permanent(f"{what} answered HTTP {status}")
    return f"HTTP {status}"


def _secret(name: str | None, environ: Mapping[str, str], what: str) -> str:
    value = environ.get(name or "", "").strip()
    if not name or not value:
        raise _Permanent(f"environment variable {name} is not set (it should hold the {what})")
    if not value.isascii() or not value.isprintable():
        raise _Permanent(f"environment variable {name} holds characters a request cannot carry")
    return value


def _retry_after(response: httpx.Response) -> float | None:
    try:
        seconds = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return seconds if 0 <= seconds <= MAX_RETRY_AFTER else None


def _run_command(target: NotifyConfig, event: Event) -> str:
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
    return "exit 0"


def make_client() -> httpx.Client:
    return httpx.Client(timeout=WEBHOOK_TIMEOUT, follow_redirects=False)


class Dispatcher:
    """Sends on one background thread; retries with backoff; logs every outcome."""

    def __init__(
        self,
        *,
        delays: Sequence[float] = RETRY_DELAYS,
        environ: Mapping[str, str] | None = None,
        client_factory: Callable[[], httpx.Client] | None = None,
        ledger: Ledger | None = None,
    ) -> None:
        self.delays = tuple(delays)
        self.environ = environ if environ is not None else os.environ
        self.client_factory = client_factory or make_client
        self.ledger = ledger
        self.sent = 0
        self.failed = 0
        self._queue: queue.Queue[Delivery | None] = queue.Queue(QUEUE_SIZE)
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._work, name="incident-feed-notify", daemon=True)
        self._thread.start()

    def submit(self, delivery: Delivery) -> None:
        """Queue one send; never blocks (a full queue drops it, with a log line; an outbox row
        stays pending, for a later start to send)."""
        try:
            self._queue.put_nowait(delivery)
        except queue.Full:
            self.failed += 1
            log.error(
                "event=notify_dropped target=%s channel=%s incident=%s reason=queue_full",
                delivery.target.name,
                delivery.channel,
                delivery.event.incident["id"],
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
                    if item.channel != "command" and client is None:
                        client = self.client_factory()
                    self._deliver(item, client)
                except Exception as exc:  # a bug here must not end delivery for good
                    # Only the error's type: its message might carry a URL (a secret).
                    log.error(
                        "event=notify_error target=%s error=%s",
                        item.target.name if item is not None else None,
                        type(exc).__name__,
                    )
                finally:
                    self._queue.task_done()
        finally:
            if client is not None:
                client.close()

    def _deliver(self, delivery: Delivery, client: httpx.Client | None) -> None:
        target, channel, incident = delivery.target.name, delivery.channel, delivery.event
        for attempt in range(len(self.delays) + 1):
            if not self._claim(delivery):
                return
            try:
                outcome = send(delivery, client, self.environ)
            except Failed as exc:
                last = attempt == len(self.delays)
                if not exc.retry or last or self._closing.is_set():
                    self.failed += 1
                    # Cut short by a stop: left pending, for the next start to send.
                    again = exc.retry and not last
                    self._settle(delivery, "pending" if again else "failed", str(exc))
                    log.error(_FAILED, target, channel, incident.incident["id"], attempt + 1, exc)
                    return
                delay = exc.after if exc.after is not None else self.delays[attempt]
                self._settle(delivery, "pending", str(exc))
                log.warning(
                    "event=notify_retry target=%s channel=%s incident=%s attempt=%d "
                    "error=%r retry_in=%.1f",
                    target,
                    channel,
                    incident.incident["id"],
                    attempt + 1,
                    str(exc),
                    delay,
                )
                self._closing.wait(delay)
            else:
                self.sent += 1
                self._settle(delivery, "sent")
                log.info(
                    "event=notified target=%s channel=%s kind=%s incident=%s attempt=%d outcome=%s",
                    target,
                    channel,
                    incident.kind,
                    incident.incident["id"],
                    attempt + 1,
                    outcome,
                )
                return

    def _claim(self, delivery: Delivery) -> bool:
        if self.ledger is None or delivery.outbox_id is None:
            return True
        try:
            claimed = self.ledger.claim(delivery.outbox_id)
        except Exception as exc:  # the database is away: not recorded, so not sent
            log.error(
                "event=notify_unrecorded target=%s outbox=%d error=%r",
                delivery.target.name,
                delivery.outbox_id,
                str(exc),
            )
            return False
        if not claimed:
            log.info(
                "event=notify_skipped target=%s outbox=%d reason=not_pending",
                delivery.target.name,
                delivery.outbox_id,
            )
        return claimed

    def _settle(self, delivery: Delivery, state: str, error: str | None = None) -> None:
        if self.ledger is None or delivery.outbox_id is None:
            return
        try:
            self.ledger.settle(delivery.outbox_id, state, error)
        except Exception as exc:  # the row stays "sending": never sent again
            log.error(
                "event=notify_unsettled target=%s outbox=%d state=%s error=%r",
                delivery.target.name,
                delivery.outbox_id,
                state,
                str(exc),
            )


_FAILED = "event=notify_failed target=%s channel=%s incident=%s attempts=%d error=%r"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """How ``notify test`` went for one target."""

    target: str
    ok: bool
    detail: str  # "sent (HTTP 204)" or the error; never the URL or token


def send_test(
    targets: Sequence[NotifyConfig],
    event: Event,
    *,
    environ: Mapping[str, str] | None = None,
    client: httpx.Client | None = None,
) -> list[CheckResult]:
    """Send ``event`` to each target now, once each (no retry, no outbox), in order."""
    environ = environ if environ is not None else os.environ
    own = client is None
    http = client or make_client()
    results = []
    try:
        for target in targets:
            outcomes: list[str] = []
            error: str | None = None
            for channel in target.channels():
                try:
                    outcomes.append(send(Delivery(target, channel, event), http, environ))
                except Failed as exc:
                    error = f"{channel}: {exc}" if len(target.channels()) > 1 else str(exc)
                    break
            if error is None:
                results.append(CheckResult(target.name, True, f"sent ({', '.join(outcomes)})"))
            else:
                results.append(CheckResult(target.name, False, error))
    finally:
        if own:
            http.close()
    return results
