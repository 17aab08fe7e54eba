"""The Fetcher and the collection pipeline against a misbehaving HTTP server on 127.0.0.1.

Each test bounds its own run time: a limit that does not hold shows up as a failed time bound,
not as a hung suite.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from incident_feed import __version__
from incident_feed.clock import Clock
from incident_feed.config import SourceConfig
from incident_feed.errors import FetchError, RateLimited
from incident_feed.pipeline import collect, collect_source
from incident_feed.sources.http import Fetcher, Validators, body_digest
from incident_feed.sources.statuspage import StatuspageCollector
from incident_feed.store.database import IncidentQuery, Store
from tests.conftest import FIXTURES, make_config
from tests.sources.conftest import TEST_LIMITS, FetcherFactory, source
from tests.sources.server import (
    Exchange,
    LocalServer,
    chunked,
    compress,
    conditional,
    drip,
    drip_headers,
    redirect,
    respond,
    sequence,
)

SUMMARY = FIXTURES / "statuspage" / "githubstatus-summary" / "summary-2022-11-25.json"
CAP = TEST_LIMITS.max_body_bytes
DEADLINE = TEST_LIMITS.deadline
# The deadline plus room for a slow machine; far below what the faults would take unchecked.
DEADLINE_BOUND = DEADLINE + 1.5
QUICK = 1.0  # anything refused before or right after one exchange

# Only the test server may be reached: any other connection raises.
pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1$"])

HTML_ERROR_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1><p>The upstream server is unavailable.</p></body></html>\n"
)


@contextmanager
def timed(bound: float) -> Iterator[list[float]]:
    """Fail unless the block finishes within ``bound`` seconds; yields [elapsed] after it."""
    result: list[float] = []
    started = time.monotonic()
    try:
        yield result
    finally:
        elapsed = time.monotonic() - started
        result.append(elapsed)
    assert elapsed < bound, f"took {elapsed:.2f}s, bound {bound}s"


def fetch_error(fetcher: Fetcher, url: str, bound: float = QUICK, **kwargs: Any) -> FetchError:
    """The FetchError that ``fetcher.get(url)`` raises, within ``bound`` seconds."""
    with timed(bound), pytest.raises(FetchError) as caught:
        fetcher.get(url, **kwargs)
    return caught.value


def statuspage_source(server: LocalServer, name: str, prefix: str | None = None) -> SourceConfig:
    return source(name, "statuspage", server.url(f"/{prefix or name}"), vendor="GitHub")


def state_of(store: Store, name: str) -> dict[str, Any] | None:
    states = store.source_states()
    return dict(states[name]) if name in states else None


def snapshot(store: Store) -> dict[str, Any]:
    """Every incident and update row, for "nothing was lost or changed" comparisons."""
    incidents = store.incidents(IncidentQuery(limit=None))
    ids = [row["id"] for row in incidents]
    updates = store.updates_for(ids)
    return {
        "incidents": {row["id"]: dict(row) for row in incidents},
        "updates": {
            incident_id: [dict(row) for row in rows] for incident_id, rows in updates.items()
        },
    }


# -- time -----------------------------------------------------------------------------------------


def test_slow_body_drip_stops_at_the_deadline(server: LocalServer, fetcher: Fetcher) -> None:
    # 50 bytes at 1 byte / 0.2 s would take 10 s; every read is well inside the read timeout.
    url = server.route("/drip", drip(b"x" * 50, interval=0.2))
    with timed(DEADLINE_BOUND) as elapsed:
        with pytest.raises(FetchError) as caught:
            fetcher.get(url)
    assert type(caught.value) is FetchError
    assert f"took longer than the {DEADLINE:g}s deadline" in str(caught.value)
    assert "/drip" in str(caught.value)
    assert elapsed[0] >= DEADLINE * 0.9


def test_slow_header_drip_stops_at_the_deadline(server: LocalServer, fetcher: Fetcher) -> None:
    # The response headers never finish: per-read timeouts alone would wait 10 s here (and forever if it went on).
    url = server.route("/drip-headers", drip_headers(interval=0.2, count=50))
    error = fetch_error(fetcher, url, DEADLINE_BOUND)
    assert type(error) is FetchError
    assert f"took longer than the {DEADLINE:g}s deadline" in str(error)


def test_silent_server_times_out(server: LocalServer, make_fetcher: FetcherFactory) -> None:
    def silent(exchange: Exchange) -> None:
        exchange.wait(5)

    url = server.route("/silent", silent)
    fetcher = make_fetcher(read_timeout=0.3, deadline=5.0)
    error = fetch_error(fetcher, url, 0.3 + 1.0)
    assert "timed out fetching" in str(error)


# -- size -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["gzip", "deflate"])
def bomb(request: pytest.FixtureRequest) -> tuple[str, bytes]:
    """64 MiB of zeros compressed to ~64 KiB: 64 times the cap once decoded."""
    encoding: str = request.param
    return encoding, compress(64 * CAP, encoding)


def test_compression_bomb_stops_at_the_cap(
    server: LocalServer, fetcher: Fetcher, bomb: tuple[str, bytes]
) -> None:
    encoding, body = bomb
    assert len(body) < CAP // 4  # small on the wire: the Content-Length check cannot catch it
    url = server.route("/bomb", respond(body, headers={"Content-Encoding": encoding}))
    tracemalloc.start()
    try:
        error = fetch_error(fetcher, url, 3.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert type(error) is FetchError
    assert f"over the {CAP} byte cap" in str(error)
    # Decoded bytes are kept up to the cap only (the parts plus slack), not 64 MiB.
    assert peak < 4 * CAP, f"peak traced memory {peak / 2**20:.1f} MiB"


def test_corrupt_compressed_body(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.route(
        "/corrupt", respond(b"\x1f\x8bnot gzip at all", headers={"Content-Encoding": "gzip"})
    )
    error = fetch_error(fetcher, url)
    assert "corrupt compressed body" in str(error)


def test_unsupported_content_encoding(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.route("/br", respond(b"\x00\x01", headers={"Content-Encoding": "br"}))
    error = fetch_error(fetcher, url)
    assert "unsupported Content-Encoding 'br'" in str(error)


def test_declared_length_over_the_cap(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.route("/big", respond(b"x" * (CAP + 1)))
    error = fetch_error(fetcher, url)
    assert type(error) is FetchError
    assert f"is {CAP + 1} bytes, over the {CAP} cap" in str(error)


def close_delimited(body: bytes) -> Callable[[Exchange], None]:
    """No Content-Length and no chunking: the body ends when the connection closes."""

    def handler(exchange: Exchange) -> None:
        exchange.start(200, {"Content-Type": "application/json"}, content_length=None)
        for start in range(0, len(body), 65536):
            exchange.write(body[start : start + 65536])

    return handler


@pytest.mark.parametrize(
    "framing",
    [
        pytest.param(lambda: chunked([b"x" * 65536] * 40), id="chunked"),
        pytest.param(lambda: close_delimited(b"x" * (40 * 65536)), id="close-delimited"),
    ],
)
def test_undeclared_length_over_the_cap(
    server: LocalServer, fetcher: Fetcher, framing: Callable[[], Callable[[Exchange], None]]
) -> None:
    url = server.route("/big", framing())
    error = fetch_error(fetcher, url)
    assert type(error) is FetchError
    assert f"over the {CAP} byte cap" in str(error)


def test_body_at_the_cap_is_accepted(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.route("/exact", chunked([b"x" * (CAP // 2), b"y" * (CAP // 2)]))
    with timed(QUICK):
        response = fetcher.get(url)
    assert len(response.body) == CAP


# -- redirects and addresses ----------------------------------------------------------------------


def test_redirect_loop(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.route("/loop", redirect("/loop"))
    error = fetch_error(fetcher, url)
    assert type(error) is FetchError
    assert f"more than {TEST_LIMITS.max_redirects} redirects" in str(error)
    assert server.count("/loop") == TEST_LIMITS.max_redirects + 1


def test_redirects_within_the_limit_are_followed(server: LocalServer, fetcher: Fetcher) -> None:
    server.route("/a", redirect("/b", 301))
    server.route("/b", redirect(server.url("/c"), 307))
    server.route("/c", redirect("/final?x=1", 308))
    server.route("/final", respond(b'{"ok": true}'))
    with timed(QUICK):
        response = fetcher.get(server.url("/a"))
    assert response.body == b'{"ok": true}'
    assert response.url == server.url("/final?x=1")


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("file:///etc/passwd", "refusing non-http(s) URL file:///etc/passwd"),
        ("ftp://example.com/x", "refusing non-http(s) URL ftp://example.com/x"),
        ("javascript:/x", "refusing non-http(s) URL javascript:"),
        # httpx itself fails on this one while building its (unused) next request.
        ("javascript:alert(document.cookie)", "invalid redirect from"),
    ],
)
def test_redirect_to_a_non_http_scheme(
    server: LocalServer, fetcher: Fetcher, location: str, message: str
) -> None:
    url = server.route("/start", redirect(location))
    error = fetch_error(fetcher, url)
    assert type(error) is FetchError
    assert message in str(error)
    assert server.count() == 1


def test_redirect_without_location(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.route("/start", respond(b"", 302, content_type="text/plain"))
    error = fetch_error(fetcher, url)
    assert "redirect without a Location" in str(error)


def test_redirect_to_an_invalid_url(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.route("/start", redirect("http://[::1"))
    error = fetch_error(fetcher, url)
    assert type(error) is FetchError
    assert "location" in str(error).lower()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_loopback_is_refused_by_default(
    server: LocalServer, client: httpx.Client, host: str
) -> None:
    server.route("/", respond(b"{}"))
    fetcher = Fetcher(client, TEST_LIMITS)  # the defaults: loopback refused, real DNS
    error = fetch_error(fetcher, f"http://{host}:{server.port}/")
    assert type(error) is FetchError
    assert "loopback address" in str(error) and "allow_loopback" in str(error)
    assert server.count() == 0


# -- status codes ---------------------------------------------------------------------------------


def test_not_modified_with_if_none_match(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.route("/doc", conditional(b'{"v": 1}', '"v1"'))
    first = fetcher.get(url)
    assert first.status == 200 and not first.not_modified
    assert first.validators == Validators(etag='"v1"', digest=body_digest(b'{"v": 1}'))
    with timed(QUICK):
        second = fetcher.get(url, validators=first.validators)
    assert second.not_modified
    assert second.body == b""
    assert [r.headers.get("if-none-match") for r in server.requests] == [None, '"v1"']


def test_not_modified_skips_parsing_and_writes_nothing(
    server: LocalServer,
    fetcher: Fetcher,
    store: Store,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    src = statuspage_source(server, "github")
    server.route("/github/api/v2/incidents.json", conditional(SUMMARY.read_bytes(), '"s1"'))
    first = collect_source(store, fetcher, src, None, clock)
    assert first.status == "ok", first.error
    assert first.stats.incidents_new == 1
    state = state_of(store, "github")
    assert state is not None
    incidents_url = server.url("/github/api/v2/incidents.json")
    kept = {"etag": '"s1"', "digest": body_digest(SUMMARY.read_bytes())}
    assert state["validators"][incidents_url] == kept

    parsed: list[str] = []
    original_parse = StatuspageCollector.parse

    def counting_parse(self: StatuspageCollector, document: Any, context: Any) -> Any:
        parsed.append(document.url)
        return original_parse(self, document, context)

    monkeypatch.setattr(StatuspageCollector, "parse", counting_parse)
    second = collect_source(store, fetcher, src, state_of(store, "github"), clock)
    assert second.status == "unchanged"
    assert second.error is None
    assert second.documents == 0
    assert second.stats.rows_written == 0
    assert parsed == []
    assert (
        server.requests_to("/github/api/v2/incidents.json")[-1].headers["if-none-match"] == '"s1"'
    )
    after = state_of(store, "github")
    assert after is not None
    assert after["validators"][incidents_url] == kept
    assert after["consecutive_failures"] == 0


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"),
    [
        (429, "120", 120.0),
        (503, "30", 30.0),
        (429, None, 60.0),  # no Retry-After: the default wait
        (429, "99999999", 6 * 3600.0),  # capped
    ],
)
def test_rate_limited_with_retry_after_seconds(
    server: LocalServer, fetcher: Fetcher, status: int, retry_after: str | None, expected: float
) -> None:
    headers = {"Retry-After": retry_after} if retry_after else {}
    url = server.route(
        "/limited", respond(b"slow down", status, headers, content_type="text/plain")
    )
    error = fetch_error(fetcher, url)
    assert type(error) is RateLimited
    assert error.retry_after == expected
    assert f"HTTP {status}" in str(error)
    assert "retry after" in str(error)


@pytest.mark.parametrize("status", [429, 503])
def test_rate_limited_with_retry_after_http_date(
    server: LocalServer, fetcher: Fetcher, status: int
) -> None:
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=300)
    header = email.utils.format_datetime(when, usegmt=True)
    url = server.route("/limited", respond(b"", status, {"Retry-After": header}))
    error = fetch_error(fetcher, url)
    assert isinstance(error, RateLimited)
    assert 290.0 <= error.retry_after <= 300.0


def test_503_without_retry_after_is_a_plain_failure(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.route("/down", respond(b"down", 503, content_type="text/plain"))
    error = fetch_error(fetcher, url)
    assert type(error) is FetchError
    assert "HTTP 503 Service Unavailable" in str(error)


def test_server_error(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.route("/boom", respond(b"oops", 500, content_type="text/plain"))
    error = fetch_error(fetcher, url)
    assert type(error) is FetchError
    assert "HTTP 500" in str(error)
    assert "/boom" in str(error)


def test_messages_leave_out_the_query_string(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.route("/boom", respond(b"oops", 500, content_type="text/plain"))
    error = fetch_error(fetcher, url + "?api_key=s3cret")
    assert "s3cret" not in str(error)


def test_user_agent_names_the_project_and_version(server: LocalServer, fetcher: Fetcher) -> None:
    url = server.route("/ua", respond(b"{}"))
    fetcher.get(url, accept="application/json")
    (request,) = server.requests
    assert request.headers["user-agent"].startswith(f"incident-feed/{__version__} ")
    assert request.headers["accept"] == "application/json"
    assert request.headers["accept-encoding"] == "gzip, deflate"


# -- payloads through the pipeline ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        pytest.param(respond(b'{"incidents": [{"id": "x",'), "invalid JSON", id="invalid-json"),
        pytest.param(
            respond(HTML_ERROR_PAGE, content_type="text/html; charset=utf-8"),
            "HTML page",
            id="html-error-page",
        ),
        pytest.param(respond(HTML_ERROR_PAGE), "HTML page", id="html-labelled-json"),
        pytest.param(respond(b""), "empty body", id="empty"),
    ],
)
def test_bad_payload_with_200_fails_the_source(
    server: LocalServer,
    fetcher: Fetcher,
    store: Store,
    clock: Clock,
    handler: Callable[[Exchange], None],
    message: str,
) -> None:
    src = statuspage_source(server, "github")
    server.route("/github/api/v2/incidents.json", handler)
    with timed(QUICK):
        outcome = collect_source(store, fetcher, src, None, clock)
    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error.startswith("github: ")
    assert message in outcome.error
    assert store.count("incident") == 0
    state = state_of(store, "github")
    assert state is not None
    assert state["consecutive_failures"] == 1
    assert state["last_error"] == outcome.error
    assert state["validators"] == {}


def test_rate_limited_source_is_deferred_on_the_next_run(
    server: LocalServer, fetcher: Fetcher, store: Store, clock: Clock
) -> None:
    src = statuspage_source(server, "github")
    server.route("/github/api/v2/incidents.json", respond(b"", 429, {"Retry-After": "600"}))
    first = collect_source(store, fetcher, src, None, clock)
    assert first.status == "failed"
    assert first.error is not None and "HTTP 429" in first.error
    state = state_of(store, "github")
    assert state is not None
    assert state["retry_after_until"] == clock() + dt.timedelta(seconds=600)
    second = collect_source(store, fetcher, src, state, clock)
    assert second.status == "deferred"
    assert server.count() == 1  # the deferred run sent nothing


def test_one_run_with_a_broken_a_slow_and_a_good_source(
    server: LocalServer, fetcher: Fetcher, store: Store, clock: Clock
) -> None:
    config = make_config(
        {"name": "broken", "vendor": "GitHub", "kind": "statuspage", "url": server.url("/broken")},
        {"name": "slow", "vendor": "GitHub", "kind": "statuspage", "url": server.url("/slow")},
        {"name": "good", "vendor": "GitHub", "kind": "statuspage", "url": server.url("/good")},
    )
    server.route("/broken/api/v2/incidents.json", respond(b"{not json"))
    server.route("/slow/api/v2/incidents.json", drip(SUMMARY.read_bytes(), interval=0.2))
    server.route("/good/api/v2/incidents.json", respond(SUMMARY.read_bytes()))
    with timed(DEADLINE + 3.0):
        report = collect(config, store, fetcher, clock=clock)

    assert not report.ok
    by_name = {o.name: o for o in report.outcomes}
    assert [o.name for o in report.outcomes] == ["broken", "slow", "good"]
    assert by_name["good"].status == "ok"
    assert by_name["good"].stats.incidents_new == 1
    assert by_name["good"].stats.updates_new == 7
    assert by_name["broken"].status == "failed"
    assert by_name["slow"].status == "failed"
    assert by_name["broken"].error is not None and "invalid JSON" in by_name["broken"].error
    assert by_name["slow"].error is not None and "deadline" in by_name["slow"].error

    (incident,) = store.incidents(IncidentQuery(limit=None))
    assert incident["title"] == "Incident with Packages and Pages"
    assert incident["phase"] == "investigating"
    assert incident["started_at"] == dt.datetime(2022, 11, 25, 14, 39, 9, 542000, tzinfo=dt.UTC)

    states = store.source_states()
    assert states["good"]["consecutive_failures"] == 0
    assert states["good"]["last_success_at"] == clock()
    for name in ("broken", "slow"):
        assert states[name]["consecutive_failures"] == 1
        assert states[name]["last_error"] == by_name[name].error
        assert states[name]["last_success_at"] is None
    (run,) = store.last_runs(1)
    assert (run["sources_ok"], run["sources_failed"]) == (1, 2)
    assert {e["source"] for e in run["errors"]} == {"broken", "slow"}


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(respond(b"oops", 500, content_type="text/plain"), id="http-500"),
        pytest.param(respond(HTML_ERROR_PAGE, content_type="text/html"), id="html-page"),
        pytest.param(respond(b'{"incidents": "nope"}'), id="wrong-shape"),
        pytest.param(drip(b"x" * 100, interval=0.2), id="too-slow"),
    ],
)
def test_a_later_failure_loses_nothing_stored_before(
    server: LocalServer,
    fetcher: Fetcher,
    store: Store,
    clock: Clock,
    failure: Callable[[Exchange], None],
) -> None:
    src = statuspage_source(server, "github")
    server.route("/github/api/v2/incidents.json", sequence(respond(SUMMARY.read_bytes()), failure))
    first = collect_source(store, fetcher, src, None, clock)
    assert first.status == "ok", first.error
    before = snapshot(store)
    assert len(before["incidents"]) == 1
    assert sum(len(rows) for rows in before["updates"].values()) == 7

    with timed(DEADLINE_BOUND):
        second = collect_source(store, fetcher, src, state_of(store, "github"), clock)
    assert second.status == "failed"
    assert snapshot(store) == before
    state = state_of(store, "github")
    assert state is not None
    assert state["consecutive_failures"] == 1
    assert state["last_success_at"] == clock()
    assert state["last_error"] == second.error
