"""Build the vcrpy replay cassettes in ``cassettes/`` from the real payloads in the shared fixtures.

Run from the repository root::

    python -m tests.tools.build_cassettes [FIXTURES_DIR] [--output DIR]

``FIXTURES_DIR`` defaults to ``../shared/fixtures`` (relative to the repository root) and
``--output`` to ``<repo>/cassettes``. The fixtures are described in their ``README.md`` (a copy
ships in ``tests/data/fixtures/README.md``). Nothing here reaches the network and nothing depends
on the clock: the same fixtures always give the same bytes.

Every cassette is vcrpy's own YAML format (``{"version": 1, "interactions": [...]}``), built with
``vcr.request.Request`` + ``vcr.serialize.serialize``, so ``vcr.VCR(record_mode="none",
match_on=["method", "uri"])`` replays it exactly as if vcrpy had recorded it. The YAML text is
emitted the way ``vcr.serializers.yamlserializer`` does (``yaml.dump``, default options) but always
with PyYAML's pure-Python emitter: vcrpy picks libyaml's ``CDumper`` when PyYAML was built with it,
and the two emitters fold long strings differently, so pinning one keeps the bytes the same on every
machine. Each cassette is read back with vcrpy's own loader before it is written. Request headers
are only ``User-Agent: incident-feed``; request bodies are ``None``. Response bodies are stored
as plain text (never gzip; AWS's currentevents as UTF-16 ``!!binary``, as it is served), with a
correct ``Content-Type``, a ``Content-Length`` equal to the body's size and no
``Content-Encoding``. Verbatim bodies are the fixture file's bytes decoded
as UTF-8; the tool checks that each one survives a YAML round trip unchanged.

Status-page cassettes (``statuspage/``, ``feeds/``) also carry the validators a conditional GET
needs: ``ETag`` is the first 32 hex digits of the SHA-256 of the body, quoted, and
``Last-Modified`` is a timestamp taken from the body itself (named per cassette below), as an
HTTP date truncated to the second. The GCP and Slack cassettes carry no validators.

Cassettes (path under the output directory -> what it holds, where it came from):

``statuspage/githubstatus-api.yaml`` (derived)
    Two interactions. ``GET https://www.githubstatus.com/api/v2/incidents.json`` returns
    Statuspage's ``{"page": ..., "incidents": [...]}`` envelope with the 50 most recent
    incidents of ``statuspage/github-incident-history/<id>.json`` (sorted by the incident's
    ``created_at``, newest first; equal times ordered by id, descending). Each file's
    ``incident`` object is copied unchanged; ``page`` is the page object of the newest
    incident's file. The body is compact JSON (``separators=(",", ":")``,
    ``ensure_ascii=False``, key order kept), as the real API serves it.
    ``GET .../api/v2/scheduled-maintenances.json`` returns
    ``{"page": <same page>, "scheduled_maintenances": []}``; the empty list is the real
    ``scheduled_maintenances`` value of ``githubstatus-summary/summary-2022-11-25.json`` (the
    only real capture of that key). ``Last-Modified``: the latest of the page's ``updated_at``
    and the listed incidents' ``updated_at`` (for the maintenance list, the page's
    ``updated_at``).
``statuspage/githubstatus-summary.yaml``
    ``GET https://www.githubstatus.com/api/v2/summary.json`` -> ``summary-2022-11-25.json``
    verbatim (a live major incident, 7 updates). ``Last-Modified``: ``page.updated_at``.
``statuspage/githubstatus-incident-<id>.yaml``
    ``GET https://www.githubstatus.com/api/v2/incidents/<id>.json`` -> ``<id>.json`` verbatim,
    for the incident with the most ``incident_updates`` (ties by id). ``Last-Modified``: the
    later of ``page.updated_at`` and ``incident.updated_at``.
``feeds/githubstatus-history-<date>.yaml`` (one per ``feeds/githubstatus/history-*.atom``)
    ``GET https://www.githubstatus.com/history.atom`` -> the snapshot verbatim, as
    ``application/atom+xml; charset=utf-8``. ``Last-Modified``: the feed's ``<updated>``.
``feeds/githubstatus-history-2026-03-04-to-06.yaml``
    Three interactions of that same request, the 2026-03-04, 03-05 and 03-06 snapshots in that
    order. vcrpy (``allow_playback_repeats=False``, its default) plays repeated identical
    requests in recorded order, so three polls watch one feed change.
``gcp/<stem>.yaml`` (one per ``gcp/incidents-*.json``, e.g. ``gcp/incidents-full.yaml``)
    ``GET https://status.cloud.google.com/incidents.json`` -> the file verbatim.
``slack/history.yaml``, ``slack/current-ok.yaml``
    ``GET https://status.slack.com/api/v2.0.0/history`` -> ``slack/history.json`` and
    ``GET https://status.slack.com/api/v2.0.0/current`` -> ``slack/current-ok.json``, verbatim.
``slack/current-active.yaml`` (derived)
    ``GET https://status.slack.com/api/v2.0.0/current`` -> the envelope of Slack's documented
    active example around ``slack/history.json``'s incident, unchanged.
``incidentio/openai-quiet.yaml`` (history derived)
    ``GET https://status.openai.com/proxy/status.openai.com`` -> the quiet summary of
    ``platforms/incidentio/`` verbatim; ``GET .../proxy/status.openai.com/incidents`` ->
    ``{"incidents": [<the resolved incident's object>]}``, the history envelope (no real capture
    of that endpoint exists; its shape is the one yash492/statusy's incident.io collector reads,
    see ``cassettes/README.md``), the object copied unchanged from the incident file.
``incidentio/openai-ongoing.yaml`` (summary derived)
    The same history, the incident file verbatim at ``.../incidents/<id>``, and a summary that
    lists that incident as ongoing: the quiet summary with the incident's object (unchanged) as
    its only ``ongoing_incidents`` item and the object's ``affected_components`` as the
    summary's. Compact JSON.
``incidentio/openai-history-atom.yaml``
    ``GET https://status.openai.com/history.atom`` -> the incident.io Atom feed verbatim.
``statusio/gitlab-2023-06-29.yaml``
    ``GET https://api.status.io/1.0/status/5b36dc6502d06804c08349f7`` -> GitLab's real status
    document verbatim. Not in the shared fixtures: read from this repository's
    ``tests/data/fixtures/platforms/statusio/`` (its README names the source).
``aws/data-json-2022-06.yaml``
    ``GET https://status.aws.amazon.com/data.json`` -> the legacy archive verbatim.
``aws/currentevents-open.yaml``, ``aws/currentevents-quiet.yaml`` (derived)
    ``GET https://health.aws.amazon.com/public/currentevents`` -> the derived two-event array
    of ``tests/data/fixtures/platforms/aws/`` (no real capture exists), or ``[]``, in UTF-16LE
    with a BOM.
``salesforce/eu48-2022-11.yaml``
    ``GET https://api.status.salesforce.com/v1/incidents?instance=EU48`` and ``.../maintenances
    ?instance=EU48`` -> the real EU48 answers verbatim.
``statusio/gitlab-incident-runs.yaml`` (derived)
    That request three times, for three runs: the real document with one open incident added
    (two messages), then with a third message, then the real document again (the incident
    gone, as status.io lists only what is open). See ``STATUSIO_INCIDENT`` for what is ours.
``betterstack/status-betterstack-runs.yaml`` (derived)
    ``GET https://status.betterstack.com/index.json`` twice: the derived index of
    ``tests/data/fixtures/platforms/betterstack/`` verbatim, then the same with its open report
    resolved (see :func:`betterstack_resolved`).
``instatus/wistia-runs.yaml`` (derived)
    ``GET https://status.wistia.com/summary.json`` and ``.../v3/components.json`` three times:
    the derived HASISSUES summary (an incident, a maintenance), then the same moved on
    (monitoring, in progress; :func:`instatus_moved_on`), then Wistia's quiet summary; its
    components answer each time.
``instatus/instatus-doc-example.yaml``
    ``GET https://instat.us/summary.json`` -> Instatus's documented example (the fixture, verbatim);
    ``.../v3/components.json`` answered 404 (the documentation shows no answer for it).
``cachet/api-2.4.yaml``, ``cachet/api-2.3.yaml``
    The three GETs of a Cachet run (components, schedules, incidents) on
    ``https://cachet.example.com``, answered with the Cachet fixtures verbatim (2.3: the
    WWW-Cachet components, a 404 for ``/schedules``, the 2.3 incidents).
``social/mastodon/*.yaml``, ``social/x/test_client_*.yaml``
    The Mastodon.py and tweepy (X API v2) vcrpy YAML cassettes, copied byte for byte (the tweepy
    bodies stay gzip ``!!binary`` with ``content-encoding: gzip``; vcrpy and httpx decode them).
``social/x/test{getstatus,searchtweets,usertimeline}.yaml``
    tweepy's X API v1.1 cassettes, recorded with vcrpy's JSON serializer, converted to the YAML
    serializer: the same dictionary, re-serialized, nothing else changed.
``social/bluesky/thread.yaml``
    ``GET https://public.api.bsky.app/xrpc/app.bsky.feed.getPostThread?uri=<post uri>`` (the
    ``thread.post.uri`` of the fixture, percent-encoded as httpx encodes ``params``) ->
    ``social/bluesky/thread_view_post_with_embed_media.json`` verbatim.
``social/mastodon/openai-seed*.yaml``, ``social/bluesky/openai-seed*.yaml``,
``social/x/msft365status-*.yaml`` (derived)
    The seed (OpenAI's posts of 2024-12-11) in real Mastodon status and Bluesky feed shapes,
    and real @MSFT365Status posts in X API v2 shapes, as the social collectors request them
    (URIs built by the collectors' own URL functions). How each is derived from which real file
    is in ``tests/tools/social_derive.py`` and in the generated ``social/README.md``.

Each output folder also gets the source repository's licence file as ``LICENSE`` (plus
``statuspage/LICENSE.statuspage-exporter`` for the summary cassette), and ``README.md`` lists
every cassette with its source and derivation.
"""

from __future__ import annotations

import argparse
import codecs
import hashlib
import html
import json
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import yaml
from vcr.request import Request
from vcr.serialize import serialize
from vcr.serializers import yamlserializer

from tests.tools import social_derive as sd

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
DEFAULT_FIXTURES: Final = REPO_ROOT / ".." / "shared" / "fixtures"
DEFAULT_OUTPUT: Final = REPO_ROOT / "cassettes"

USER_AGENT: Final = "incident-feed"
JSON_TYPE: Final = "application/json; charset=utf-8"
ATOM_TYPE: Final = "application/atom+xml; charset=utf-8"
ATOM_NS: Final = "{http://www.w3.org/2005/Atom}"

GITHUB_API: Final = "https://www.githubstatus.com/api/v2"
GITHUB_ATOM: Final = "https://www.githubstatus.com/history.atom"
GCP_URL: Final = "https://status.cloud.google.com/incidents.json"
SLACK_API: Final = "https://status.slack.com/api/v2.0.0"
OPENAI_PAGE: Final = "https://status.openai.com"
OPENAI_PROXY: Final = f"{OPENAI_PAGE}/proxy/status.openai.com"
INCIDENTIO: Final = "platforms/incidentio"
INCIDENTIO_SUMMARY: Final = "openai-proxy-widget-summary-quiet-2026-09-03.json"
INCIDENTIO_INCIDENT: Final = "openai-proxy-incident-01M1KWEDH417T2CF44YYHZDFCR-resolved.json"
INCIDENTIO_ATOM: Final = "openai-history-atom-4entries-2026-09-03.atom"
REPO_FIXTURES: Final = REPO_ROOT / "tests" / "data" / "fixtures"
STATUSIO_FILE: Final = "platforms/statusio/gitlab-status-2023-06-29.json"
GITLAB_STATUSIO: Final = "https://api.status.io/1.0/status/5b36dc6502d06804c08349f7"
# The derived incident: field names and order, containers and the API component are the real
# maintenance's; the id, name, times, states and texts are ours (no real status.io incident
# capture was found).
STATUSIO_INCIDENT: Final = {
    "name": "Degraded performance of the GitLab API",
    "_id": "649d8d7a6c2f36053b37056a",
    "datetime_open": "2023-06-29T14:05:00.000Z",
}
STATUSIO_MESSAGES: Final = (
    ("We are investigating elevated error rates on the API.", 100, "2023-06-29T14:05:00.000Z"),
    ("We have identified a misbehaving database replica.", 200, "2023-06-29T14:32:00.000Z"),
    ("The replica was removed; we are monitoring the API.", 300, "2023-06-29T15:10:00.000Z"),
)
STATUSY: Final = (
    "yash492/statusy `internal/adapter/collector/incidentio/incidentio.go` "
    "(`IncidentsReq{Incidents []Incident}`) at cb0bfcbb6e2e74b6ae171508b8f5ec9fdad1d328"
)
AWS_CURRENT: Final = "https://health.aws.amazon.com/public/currentevents"
AWS_DATA_JSON: Final = "https://status.aws.amazon.com/data.json"
AWS_LEGACY_FILE: Final = "platforms/aws/aws-shd-data-json-2022-06.json"
AWS_DERIVED_FILE: Final = "platforms/aws/aws-currentevents-derived.json"
TRUST_API: Final = "https://api.status.salesforce.com/v1"
SALESFORCE_INCIDENTS: Final = "platforms/salesforce/salesforce-trust-incidents-EU48-es-2022-11.json"
SALESFORCE_MAINTENANCES: Final = (
    "platforms/salesforce/salesforce-trust-maintenances-EU48-2022-11.json"
)
BSKY_THREAD: Final = "https://public.api.bsky.app/xrpc/app.bsky.feed.getPostThread"

PLATFORMS: Final = REPO_FIXTURES / "platforms"
BETTERSTACK_PAGE: Final = "https://status.betterstack.com"
BETTERSTACK_INDEX: Final = "betterstack/betterstack-index-derived.json"
WISTIA_PAGE: Final = "https://status.wistia.com"
INSTATUS_DOC_PAGE: Final = "https://instat.us"
CACHET_PAGE: Final = "https://cachet.example.com"
CACHET_QUERY: Final = "sort=id&order=desc&per_page=50"
HTTP_REASONS: Final = {200: "OK", 404: "Not Found"}
NOTE_QUOTE: Final = (
    "quoted in a public research note (stored file id 68951616455 of the search index; its "
    "repository, and so its licence, is not reported)"
)

RECENT_INCIDENTS: Final = 50
FEED_SEQUENCE: Final = ("2026-03-04", "2026-03-05", "2026-03-06")
SUMMARY_FILE: Final = "statuspage/githubstatus-summary/summary-2022-11-25.json"


class PortableYamlSerializer:
    """``vcr.serializers.yamlserializer`` with the emitter pinned to PyYAML's pure-Python one.

    ``yaml.SafeDumper`` also refuses Python objects, as vcrpy's ``_CassetteDumper`` does.
    """

    @staticmethod
    def serialize(cassette_dict: Mapping[str, Any]) -> str:
        return yaml.dump(cassette_dict, Dumper=yaml.SafeDumper)

    @staticmethod
    def deserialize(cassette_string: str) -> Any:
        return yamlserializer.deserialize(cassette_string)


SERIALIZER: Final = PortableYamlSerializer()


class BuildError(Exception):
    """A fixture is missing or not what the builder expects."""


@dataclass(frozen=True)
class Reply:
    """One recorded exchange: a GET of ``uri`` answered 200 with ``body``."""

    uri: str
    body: str
    content_type: str
    last_modified: datetime | None = None
    validators: bool = False
    headers: tuple[tuple[str, str], ...] = ()  # extra response headers, e.g. x-rate-limit-*
    utf16: bool = False  # served as UTF-16LE with a BOM (AWS currentevents), stored as !!binary
    status: int = 200

    def wire(self) -> str | bytes:
        """The body as the cassette stores it: text, or the UTF-16 bytes."""
        return codecs.BOM_UTF16_LE + self.body.encode("utf-16-le") if self.utf16 else self.body


@dataclass
class Built:
    """What the run wrote, for the README and the summary printed at the end."""

    readme: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def read_text(path: Path) -> str:
    """The file's bytes decoded as UTF-8 (verbatim bodies are stored as this text)."""
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError as exc:
        raise BuildError(f"missing fixture: {path}") from exc
    except UnicodeDecodeError as exc:
        raise BuildError(f"not UTF-8: {path}") from exc


def read_json(path: Path) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise BuildError(f"not JSON: {path}: {exc}") from exc


def parse_time(value: str) -> datetime:
    """An ISO 8601 timestamp (``Z`` or an offset) as an aware UTC datetime."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise BuildError(f"timestamp without a zone: {value!r}")
    return parsed.astimezone(UTC)


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def compact_json(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def response(reply: Reply) -> dict[str, Any]:
    """A response in the shape vcrpy's httpx stub records."""
    wire = reply.wire()
    body = wire if isinstance(wire, bytes) else wire.encode("utf-8")
    headers: dict[str, list[str]] = {
        "Content-Type": [reply.content_type],
        "Content-Length": [str(len(body))],
    }
    if reply.validators:
        headers["ETag"] = [etag(body)]
        if reply.last_modified is not None:
            headers["Last-Modified"] = [http_date(reply.last_modified)]
    for name, value in reply.headers:
        headers[name] = [value]
    return {
        "status": {"code": reply.status, "message": HTTP_REASONS[reply.status]},
        "headers": headers,
        "body": {"string": wire},
    }


def cassette_text(replies: Sequence[Reply]) -> str:
    requests = [Request("GET", r.uri, None, {"User-Agent": USER_AGENT}) for r in replies]
    text: str = serialize(
        {"requests": requests, "responses": [response(r) for r in replies]}, SERIALIZER
    )
    check_round_trip(text, replies)
    return text


def check_round_trip(text: str, replies: Sequence[Reply]) -> None:
    """Refuse to write a cassette whose bodies would not replay byte for byte."""
    loaded = yamlserializer.deserialize(text)
    stored = [i["response"]["body"]["string"] for i in loaded["interactions"]]
    if stored != [r.wire() for r in replies]:
        raise BuildError("a body did not survive the YAML round trip")


class Writer:
    def __init__(self, fixtures: Path, output: Path) -> None:
        self.fixtures = fixtures
        self.output = output
        self.built = Built()

    def write(self, relative: str, data: bytes) -> None:
        target = self.output / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.built.files.append(target)

    def cassette(self, relative: str, replies: Sequence[Reply], note: str) -> None:
        self.write(relative, cassette_text(replies).encode("utf-8"))
        self.built.readme.append(f"- `{relative}`: {note}")

    def copy(self, source: str, relative: str, note: str | None = None) -> None:
        path = self.fixtures / source
        if not path.is_file():
            raise BuildError(f"missing fixture: {path}")
        self.write(relative, path.read_bytes())
        if note is not None:
            self.built.readme.append(f"- `{relative}`: {note}")


def build_statuspage(w: Writer) -> None:
    history = w.fixtures / "statuspage" / "github-incident-history"
    files = sorted(p for p in history.glob("*.json") if p.name != "incident_codes.json")
    if not files:
        raise BuildError(f"no incident files in {history}")
    documents: list[tuple[Path, Mapping[str, Any]]] = [(p, read_json(p)) for p in files]
    for path, doc in documents:
        if set(doc) != {"page", "incident"} or doc["incident"]["id"] != path.stem:
            raise BuildError(f"unexpected shape: {path}")

    newest_first = sorted(
        documents,
        key=lambda pd: (parse_time(pd[1]["incident"]["created_at"]), pd[1]["incident"]["id"]),
        reverse=True,
    )
    recent = newest_first[:RECENT_INCIDENTS]
    page: Mapping[str, Any] = recent[0][1]["page"]
    incidents = [doc["incident"] for _, doc in recent]
    page_time = parse_time(page["updated_at"])
    incidents_time = max([page_time, *(parse_time(i["updated_at"]) for i in incidents)])

    summary_path = w.fixtures / SUMMARY_FILE
    summary: Mapping[str, Any] = read_json(summary_path)
    maintenances = summary["scheduled_maintenances"]
    if maintenances != []:
        raise BuildError(f"{summary_path}: expected the real empty scheduled_maintenances")

    w.cassette(
        "statuspage/githubstatus-api.yaml",
        [
            Reply(
                f"{GITHUB_API}/incidents.json",
                compact_json({"page": page, "incidents": incidents}),
                JSON_TYPE,
                incidents_time,
                validators=True,
            ),
            Reply(
                f"{GITHUB_API}/scheduled-maintenances.json",
                compact_json({"page": page, "scheduled_maintenances": maintenances}),
                JSON_TYPE,
                page_time,
                validators=True,
            ),
            Reply(
                f"{GITHUB_API}/summary.json",
                compact_json(
                    {
                        "page": page,
                        "components": summary["components"],
                        "incidents": [],
                        "scheduled_maintenances": maintenances,
                        "status": summary["status"],
                    }
                ),
                JSON_TYPE,
                page_time,
                validators=True,
            ),
        ],
        f"GET `/api/v2/incidents.json` -> derived envelope of the {len(incidents)} newest "
        f"incidents (by `created_at`, {incidents[-1]['created_at']} .. "
        f"{incidents[0]['created_at']}) from `statuspage/github-incident-history/*.json`, "
        f"page object of `{recent[0][0].name}`; GET `/api/v2/scheduled-maintenances.json` -> "
        "same page + the real empty `scheduled_maintenances` of `summary-2022-11-25.json`; "
        "GET `/api/v2/summary.json` -> same page + the real `components` and `status` of "
        "`summary-2022-11-25.json` (Packages in partial outage, indicator minor, as on that day) "
        "with `incidents: []` (every incident of the envelope is resolved). "
        "Compact JSON; ETag/Last-Modified derived from the body. Unlicense (`LICENSE`).",
    )

    summary_page_time = parse_time(summary["page"]["updated_at"])
    w.cassette(
        "statuspage/githubstatus-summary.yaml",
        [
            Reply(
                f"{GITHUB_API}/summary.json",
                read_text(summary_path),
                JSON_TYPE,
                summary_page_time,
                validators=True,
            )
        ],
        "GET `/api/v2/summary.json` -> `statuspage/githubstatus-summary/summary-2022-11-25.json` "
        "verbatim (live major incident, status investigating). MIT "
        "(`LICENSE.statuspage-exporter`).",
    )

    busiest_path, busiest = max(
        documents,
        key=lambda pd: (len(pd[1]["incident"]["incident_updates"]), pd[1]["incident"]["id"]),
    )
    incident = busiest["incident"]
    incident_time = max(
        parse_time(busiest["page"]["updated_at"]), parse_time(incident["updated_at"])
    )
    w.cassette(
        f"statuspage/githubstatus-incident-{incident['id']}.yaml",
        [
            Reply(
                f"{GITHUB_API}/incidents/{incident['id']}.json",
                read_text(busiest_path),
                JSON_TYPE,
                incident_time,
                validators=True,
            )
        ],
        f"GET `/api/v2/incidents/{incident['id']}.json` -> "
        f"`statuspage/github-incident-history/{busiest_path.name}` verbatim (the incident with "
        f"the most updates: {len(incident['incident_updates'])}, {incident['name']!r}). "
        "Unlicense (`LICENSE`).",
    )

    w.copy(
        "statuspage/github-incident-history/LICENSE.GitHub-Incident-History",
        "statuspage/LICENSE",
    )
    w.copy(
        "statuspage/githubstatus-summary/LICENSE.statuspage-exporter",
        "statuspage/LICENSE.statuspage-exporter",
    )


def feed_updated(path: Path, text: str) -> datetime:
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        raise BuildError(f"not XML: {path}: {exc}") from exc
    updated = root.findtext(f"{ATOM_NS}updated")
    if not updated:
        raise BuildError(f"no feed <updated>: {path}")
    return parse_time(updated.strip())


def feed_reply(path: Path) -> Reply:
    text = read_text(path)
    return Reply(GITHUB_ATOM, text, ATOM_TYPE, feed_updated(path, text), validators=True)


def build_feeds(w: Writer) -> None:
    folder = w.fixtures / "feeds" / "githubstatus"
    snapshots = sorted(folder.glob("history-*.atom"))
    if not snapshots:
        raise BuildError(f"no Atom snapshots in {folder}")
    for path in snapshots:
        date = path.stem.removeprefix("history-")
        w.cassette(
            f"feeds/githubstatus-history-{date}.yaml",
            [feed_reply(path)],
            f"GET `history.atom` -> `feeds/githubstatus/{path.name}` verbatim. MIT (`LICENSE`).",
        )
    sequence = [folder / f"history-{date}.atom" for date in FEED_SEQUENCE]
    w.cassette(
        f"feeds/githubstatus-history-{FEED_SEQUENCE[0]}-to-{FEED_SEQUENCE[-1][-2:]}.yaml",
        [feed_reply(path) for path in sequence],
        "GET `history.atom` three times -> "
        + ", ".join(f"`{p.name}`" for p in sequence)
        + " verbatim, in that order (vcrpy plays repeated requests in order). MIT (`LICENSE`).",
    )
    w.copy("feeds/githubstatus/LICENSE.github-statuses", "feeds/LICENSE")


def build_gcp(w: Writer) -> None:
    folder = w.fixtures / "gcp"
    files = sorted(folder.glob("incidents-*.json"))
    if not files:
        raise BuildError(f"no GCP fixtures in {folder}")
    for path in files:
        read_json(path)
        w.cassette(
            f"gcp/{path.stem}.yaml",
            [Reply(GCP_URL, read_text(path), JSON_TYPE)],
            f"GET `{GCP_URL}` -> `gcp/{path.name}` verbatim. GPL-3.0 (`LICENSE`).",
        )
    w.copy("gcp/LICENSE.GoogleCloudStatusExporter", "gcp/LICENSE")


def build_slack(w: Writer) -> None:
    for endpoint, name, cassette in (
        ("history", "history.json", "history.yaml"),
        ("current", "current-ok.json", "current-ok.yaml"),
    ):
        path = w.fixtures / "slack" / name
        read_json(path)
        w.cassette(
            f"slack/{cassette}",
            [Reply(f"{SLACK_API}/{endpoint}", read_text(path), JSON_TYPE)],
            f"GET `{SLACK_API}/{endpoint}` -> `slack/{name}` verbatim. MIT (`LICENSE`).",
        )
    # No real /current with an incident was found: Slack's API documentation shows one
    # (docs.slack.dev/reference/slack-status-api, "Current Status API"): its envelope around
    # the very incident history.json holds. Derived: that envelope, the real object unchanged.
    history = read_json(w.fixtures / "slack" / "history.json")
    active = {
        "status": "active",
        "date_created": "2019-04-09T07:35:46-07:00",
        "date_updated": "2019-04-09T07:35:46-07:00",
        "active_incidents": [history[0]],
    }
    w.cassette(
        "slack/current-active.yaml",
        [Reply(f"{SLACK_API}/current", compact_json(active), JSON_TYPE)],
        f"derived: GET `{SLACK_API}/current` -> the envelope Slack's API documentation shows "
        "for an active incident (docs.slack.dev/reference/slack-status-api: `status` "
        '"active", its `date_created`/`date_updated`) around `slack/history.json`\'s incident '
        "546, unchanged (no real capture of /current during an incident was found). MIT "
        "(`LICENSE`).",
    )
    w.copy("slack/LICENSE.status-checker", "slack/LICENSE")


def build_incidentio(w: Writer) -> None:
    folder = w.fixtures / INCIDENTIO
    summary_path, incident_path = folder / INCIDENTIO_SUMMARY, folder / INCIDENTIO_INCIDENT
    summary: dict[str, Any] = read_json(summary_path)
    incident: dict[str, Any] = read_json(incident_path)["incident"]
    page = summary["summary"]
    if page["ongoing_incidents"] or page["affected_components"] or page["scheduled_maintenances"]:
        raise BuildError(f"{summary_path}: expected the quiet summary")
    history = Reply(f"{OPENAI_PROXY}/incidents", compact_json({"incidents": [incident]}), JSON_TYPE)
    history_note = (
        f'GET `/proxy/status.openai.com/incidents` -> derived `{{"incidents": [...]}}` holding '
        f"the `incident` object of `{INCIDENTIO_INCIDENT}` unchanged (no real capture of this "
        f"endpoint exists; the envelope is the one {STATUSY} reads)"
    )
    w.cassette(
        "incidentio/openai-quiet.yaml",
        [Reply(OPENAI_PROXY, read_text(summary_path), JSON_TYPE), history],
        f"GET `{OPENAI_PROXY}` -> `{INCIDENTIO}/{INCIDENTIO_SUMMARY}` verbatim (quiet: 34 "
        f"components, nothing ongoing); {history_note}. MIT (`LICENSE`).",
    )
    ongoing = {
        "summary": {
            **page,
            "affected_components": incident["affected_components"],
            "ongoing_incidents": [incident],
        }
    }
    w.cassette(
        "incidentio/openai-ongoing.yaml",
        [
            Reply(OPENAI_PROXY, compact_json(ongoing), JSON_TYPE),
            history,
            Reply(
                f"{OPENAI_PROXY}/incidents/{incident['id']}", read_text(incident_path), JSON_TYPE
            ),
        ],
        f"derived: GET `{OPENAI_PROXY}` -> the quiet summary with one change, a test "
        "derivation (the real capture is quiet): `ongoing_incidents` holds the incident's "
        "object unchanged and `affected_components` is that object's; compact JSON. "
        f"GET `.../incidents/{incident['id']}` -> `{INCIDENTIO}/{INCIDENTIO_INCIDENT}` verbatim. "
        f"{history_note}. MIT (`LICENSE`).",
    )
    atom_path = folder / INCIDENTIO_ATOM
    atom = read_text(atom_path)
    w.cassette(
        "incidentio/openai-history-atom.yaml",
        [Reply(f"{OPENAI_PAGE}/history.atom", atom, ATOM_TYPE)],
        f"GET `{OPENAI_PAGE}/history.atom` -> `{INCIDENTIO}/{INCIDENTIO_ATOM}` verbatim "
        "(4 entries, links with a double slash). MIT (`LICENSE`).",
    )
    w.copy(f"{INCIDENTIO}/LICENSE.StackStatus", "incidentio/LICENSE")


def statusio_with_incident(document: dict[str, Any], messages: int) -> dict[str, Any]:
    """The real document with the derived incident open, showing its first ``messages``."""
    derived = json.loads(json.dumps(document))
    result = derived["result"]
    (maintenance,) = result["maintenance"]["upcoming"]
    api = [c for c in maintenance["components_affected"] if c["name"] == "API"]
    incident = {
        **STATUSIO_INCIDENT,
        "messages": [
            {"details": text, "state": state, "status": 300, "datetime": at}
            for text, state, at in STATUSIO_MESSAGES[:messages]
        ],
        "containers_affected": maintenance["containers_affected"],
        "components_affected": api,
    }
    result["incidents"] = [incident]
    result["status_overall"].update(status="Degraded Performance", status_code=300)
    for component in result["status"]:
        if component["name"] == "API":
            component.update(status="Degraded Performance", status_code=300)
    return derived


def build_statusio(w: Writer) -> None:
    path = REPO_FIXTURES / STATUSIO_FILE
    text = read_text(path)
    document: dict[str, Any] = read_json(path)
    if document["result"]["incidents"] != []:
        raise BuildError(f"{path}: expected no incidents")
    w.cassette(
        "statusio/gitlab-2023-06-29.yaml",
        [Reply(GITLAB_STATUSIO, text, JSON_TYPE)],
        f"GET `{GITLAB_STATUSIO}` -> `{STATUSIO_FILE}` verbatim (GitLab, 2023-06-29: 17 "
        "components, one upcoming maintenance). dokuwiki/translate.dokuwiki.org "
        "`tests/Services/GitLab/GitLabStatusServiceTest.php` at "
        "cdde913e0fc3fb2c4037f49fd220c5618ffcbe1e (see the fixture's README). MIT (`LICENSE`).",
    )
    w.cassette(
        "statusio/gitlab-incident-runs.yaml",
        [
            Reply(GITLAB_STATUSIO, compact_json(statusio_with_incident(document, 2)), JSON_TYPE),
            Reply(GITLAB_STATUSIO, compact_json(statusio_with_incident(document, 3)), JSON_TYPE),
            Reply(GITLAB_STATUSIO, text, JSON_TYPE),
        ],
        "derived, three runs of the same GET: (1) the real document with one open incident "
        "added, derived from status.io's documented shape (kb.status.io/developers/"
        "public-status-api) and the real maintenance's fields (its containers and API "
        "component; id, name, times, message states and texts are ours), `status_overall` and "
        "the API component set to 300 Degraded Performance, two messages (state 100, 200); "
        "(2) the same with a third message (state 300); (3) the real document verbatim: the "
        "incident no longer listed. Compact JSON for (1) and (2). MIT (`LICENSE`).",
    )
    w.write(
        "statusio/LICENSE",
        (REPO_FIXTURES / "platforms/statusio/LICENSE.translate.dokuwiki.org").read_bytes(),
    )


def build_aws(w: Writer) -> None:
    legacy = read_text(w.fixtures / AWS_LEGACY_FILE)
    w.cassette(
        "aws/data-json-2022-06.yaml",
        [Reply(AWS_DATA_JSON, legacy, JSON_TYPE)],
        f"GET `{AWS_DATA_JSON}` -> `{AWS_LEGACY_FILE}` verbatim (86 archived events "
        "2021-06-24..2022-06-16, `current` empty). moritalous/cloud-status-history "
        "`app/public/data.json` at 3abd4d99be02be48868a53528fc0fabffceae37e. Apache-2.0 "
        "(`LICENSE`).",
    )
    derived_path = REPO_FIXTURES / AWS_DERIVED_FILE
    events: list[Any] = read_json(derived_path)
    if len(events) != 2:
        raise BuildError(f"{derived_path}: expected 2 events")
    utf16 = "application/json; charset=utf-16"
    w.cassette(
        "aws/currentevents-open.yaml",
        [Reply(AWS_CURRENT, read_text(derived_path), utf16, utf16=True)],
        f"derived: GET `{AWS_CURRENT}` -> `{AWS_DERIVED_FILE}` (ours, in the shape public "
        "clients read; no real capture was found, see that folder's README) encoded UTF-16LE "
        "with a BOM (`!!binary`), as the live endpoint serves it: an open EC2 event and a "
        "resolved Lambda event.",
    )
    w.cassette(
        "aws/currentevents-quiet.yaml",
        [Reply(AWS_CURRENT, "[]", utf16, utf16=True)],
        f"derived: GET `{AWS_CURRENT}` -> `[]` (a quiet dashboard) in UTF-16LE with a BOM.",
    )
    w.copy("platforms/aws/LICENSE.cloud-status-history", "aws/LICENSE")


def build_salesforce(w: Writer) -> None:
    incidents = read_text(w.fixtures / SALESFORCE_INCIDENTS)
    maintenances = read_text(w.fixtures / SALESFORCE_MAINTENANCES)
    w.cassette(
        "salesforce/eu48-2022-11.yaml",
        [
            Reply(f"{TRUST_API}/incidents?instance=EU48", incidents, JSON_TYPE),
            Reply(f"{TRUST_API}/maintenances?instance=EU48", maintenances, JSON_TYPE),
        ],
        f"GET `{TRUST_API}/incidents?instance=EU48` -> `{SALESFORCE_INCIDENTS}` verbatim "
        "(3 incidents; captured with `&locale=es`, hence the Spanish labels); GET "
        f"`{TRUST_API}/maintenances?instance=EU48` -> `{SALESFORCE_MAINTENANCES}` verbatim (9 "
        "maintenances). Both re-serialised by their collector (indent 4). josepadial/MII_CC "
        "`data/incidencias.json`, `data/cambios.json` at "
        "ba0bd009dd4e5850807b1bd686824725a221a5af. GPL-3.0 (`LICENSE`).",
    )
    w.copy("platforms/salesforce/LICENSE.MII_CC", "salesforce/LICENSE")


def betterstack_resolved(document: dict[str, Any]) -> dict[str, Any]:
    """The derived index one run later: report 1061234 resolved by a third update (ours) whose
    resource is back to ``resolved``; the page and the resource operational again."""
    later = json.loads(json.dumps(document))
    later["data"]["attributes"]["aggregate_state"] = "operational"
    for item in later["included"]:
        if item["type"] == "status_page_resource" and item["id"] == "4188758":
            item["attributes"]["status"] = "operational"
        if item["type"] == "status_report" and item["id"] == "1061234":
            item["attributes"]["aggregate_state"] = "resolved"
            item["attributes"]["affected_resources"][0]["status"] = "resolved"
            refs = item["relationships"]["status_updates"]["data"]
            refs.append({"id": "5720003", "type": "status_update"})
    later["included"].append(
        {
            "type": "status_update",
            "id": "5720003",
            "attributes": {
                "message": "Log search in the Europe region is back to normal speed.",
                "published_at": "2026-09-06T09:25:00.000Z",
                "affected_resources": [
                    {"status_page_resource_id": "4188758", "status": "resolved"}
                ],
            },
        }
    )
    return later


def build_betterstack(w: Writer) -> None:
    path = PLATFORMS / BETTERSTACK_INDEX
    document: dict[str, Any] = read_json(path)
    uri = f"{BETTERSTACK_PAGE}/index.json"
    w.cassette(
        "betterstack/status-betterstack-runs.yaml",
        [
            Reply(uri, read_text(path), JSON_TYPE),
            Reply(uri, compact_json(betterstack_resolved(document)), JSON_TYPE),
        ],
        f"derived, two runs of GET `{uri}`: (1) `{BETTERSTACK_INDEX}` verbatim, itself derived "
        f"(the trimmed live sample of status.betterstack.com {NOTE_QUOTE}, plus an open incident "
        "and a maintenance of ours; Better Stack's documentation of the endpoint: "
        "betterstack.com/docs/uptime/status-pages/subscribing-to-status-updates/"
        "subscribing-to-api; see `tests/data/fixtures/platforms/README.md`); (2) the same one "
        "run later, compact JSON: report 1061234 `resolved` by a third update of ours "
        "(5720003), its resource and the page operational. No real capture with a licence "
        "exists.",
    )


def instatus_moved_on(document: dict[str, Any]) -> dict[str, Any]:
    """The derived HASISSUES summary one run later: the incident monitoring, the maintenance
    in progress (the times are ours)."""
    later = json.loads(json.dumps(document))
    (incident,) = later["activeIncidents"]
    incident.update(status="MONITORING", updatedAt="2022-06-11T19:40:00Z")
    (maintenance,) = later["activeMaintenances"]
    maintenance.update(status="INPROGRESS", updatedAt="2022-06-11T18:56:30Z")
    return later


def build_instatus(w: Writer) -> None:
    folder = PLATFORMS / "instatus"
    up = folder / "instatus-summary-wistia-up.json"
    components = folder / "instatus-components-wistia.json"
    issues = folder / "instatus-summary-hasissues-derived.json"
    summary_uri = f"{WISTIA_PAGE}/summary.json"
    components_uri = f"{WISTIA_PAGE}/v3/components.json"
    quiet = [
        Reply(summary_uri, read_text(up), JSON_TYPE),
        Reply(components_uri, read_text(components), JSON_TYPE),
    ]
    w.cassette(
        "instatus/wistia-runs.yaml",
        [
            Reply(summary_uri, read_text(issues), JSON_TYPE),
            quiet[1],
            Reply(summary_uri, compact_json(instatus_moved_on(read_json(issues))), JSON_TYPE),
            quiet[1],
            *quiet,
        ],
        f"derived, three runs of GET `{summary_uri}` and `{components_uri}`: (1) `{issues.name}` (derived from Instatus's "
        "documented example, see `tests/data/fixtures/platforms/README.md`); (2) the same one run "
        "later, compact JSON: the incident `MONITORING` (`updatedAt` 19:40Z), the maintenance "
        "`INPROGRESS` (18:56:30Z), times ours; (3) the quiet summary verbatim (the items left it); "
        f"the components answer verbatim each time. The quiet summary (`{up.name}`) and the "
        f"components (`{components.name}`) are Wistia's live answers {NOTE_QUOTE}.",
    )
    doc = folder / "instatus-summary-doc-example.json"
    w.cassette(
        "instatus/instatus-doc-example.yaml",
        [
            Reply(f"{INSTATUS_DOC_PAGE}/summary.json", read_text(doc), JSON_TYPE),
            Reply(f"{INSTATUS_DOC_PAGE}/v3/components.json", "", JSON_TYPE, status=404),
        ],
        f"GET `{INSTATUS_DOC_PAGE}/summary.json` -> `platforms/instatus/{doc.name}` verbatim, "
        "the example of Instatus's documentation (instatus.com/help/api/public-data; no ids, "
        "JavaScript Date.toString() times); GET `.../v3/components.json` answered 404 with an "
        "empty body (ours: the documentation shows no answer for it).",
    )


def build_cachet(w: Writer) -> None:
    folder = PLATFORMS / "cachet"
    components = f"{CACHET_PAGE}/api/v1/components?per_page=100"
    schedules = f"{CACHET_PAGE}/api/v1/schedules?{CACHET_QUERY}"
    incidents = f"{CACHET_PAGE}/api/v1/incidents?{CACHET_QUERY}"
    w.cassette(
        "cachet/api-2.4.yaml",
        [
            Reply(components, read_text(folder / "components-doc-example.json"), JSON_TYPE),
            Reply(schedules, read_text(folder / "schedules-2.4-go-client.json"), JSON_TYPE),
            Reply(incidents, read_text(folder / "incidents-2.4-doc-example.json"), JSON_TYPE),
        ],
        f"a Cachet 2.4 run on `{CACHET_PAGE}` (the host is ours): GET `/api/v1/components"
        "?per_page=100` -> `components-doc-example.json` (gavD/cachet-node README, MIT), GET "
        f"`/api/v1/schedules?{CACHET_QUERY}` -> `schedules-2.4-go-client.json` and GET "
        f"`/api/v1/incidents?{CACHET_QUERY}` -> `incidents-2.4-doc-example.json` "
        "(andygrunwald/cachet tests, MIT), each verbatim; see "
        "`tests/data/fixtures/platforms/cachet/README.md` (`LICENSE.*`).",
    )
    w.cassette(
        "cachet/api-2.3.yaml",
        [
            Reply(components, read_text(folder / "components-www-cachet.json"), JSON_TYPE),
            Reply(schedules, '{"errors":[{"status":404}]}', JSON_TYPE, status=404),
            Reply(incidents, read_text(folder / "incidents-2.3-doc-example.json"), JSON_TYPE),
        ],
        f"a Cachet 2.3 run on `{CACHET_PAGE}`: components -> `components-www-cachet.json` "
        "(WWW-Cachet's test, Perl's terms), `/api/v1/schedules` answered 404 (2.3 has no such "
        "route; the body is ours), incidents -> `incidents-2.3-doc-example.json` (gavD/cachet-node "
        "README, MIT), verbatim.",
    )
    for name in ("LICENSE.cachet-node", "LICENSE.andygrunwald-cachet", "LICENSE.WWW-Cachet"):
        w.write(f"cachet/{name}", (folder / name).read_bytes())


def build_social(w: Writer) -> None:
    mastodon = w.fixtures / "social" / "mastodon"
    for path in sorted(mastodon.glob("*.yaml")):
        w.copy(
            f"social/mastodon/{path.name}",
            f"social/mastodon/{path.name}",
            f"`social/mastodon/{path.name}` (Mastodon.py, local dev server) copied byte for "
            "byte. MIT (`LICENSE`).",
        )
    w.copy("social/mastodon/LICENSE.Mastodon.py", "social/mastodon/LICENSE")

    x = w.fixtures / "social" / "x"
    for path in sorted(x.glob("*.yaml")):
        w.copy(
            f"social/x/{path.name}",
            f"social/x/{path.name}",
            f"`social/x/{path.name}` (tweepy, X API v2, gzip `!!binary` bodies) copied byte "
            "for byte. MIT (`LICENSE`).",
        )
    for path in sorted(x.glob("*.json")):
        data = read_json(path)
        if data.get("version") != 1 or not data.get("interactions"):
            raise BuildError(f"not a vcrpy JSON cassette: {path}")
        text = SERIALIZER.serialize(data)
        if yamlserializer.deserialize(text) != data:
            raise BuildError(f"YAML conversion changed {path}")
        relative = f"social/x/{path.stem}.yaml"
        w.write(relative, text.encode("utf-8"))
        w.built.readme.append(
            f"- `{relative}`: `social/x/{path.name}` (tweepy, X API v1.1, vcrpy JSON serializer) "
            "converted to the YAML serializer, content unchanged. MIT (`LICENSE`)."
        )
    w.copy("social/x/LICENSE.tweepy", "social/x/LICENSE")

    thread_path = w.fixtures / "social" / "bluesky" / "thread_view_post_with_embed_media.json"
    post_uri: str = read_json(thread_path)["thread"]["post"]["uri"]
    uri = f"{BSKY_THREAD}?uri={quote(post_uri, safe='')}"
    w.cassette(
        "social/bluesky/thread.yaml",
        [Reply(uri, read_text(thread_path), JSON_TYPE)],
        f"GET `app.bsky.feed.getPostThread?uri={post_uri}` (percent-encoded) -> "
        f"`social/bluesky/{thread_path.name}` verbatim. MIT (`LICENSE`).",
    )
    w.copy("social/bluesky/LICENSE.atproto-MarshalX", "social/bluesky/LICENSE")
    build_social_derived(w)


def derived(uri: str, document: Any, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    body = document if isinstance(document, str) else sd.compact(document)
    return Reply(uri, body, JSON_TYPE, headers=headers)


SOCIAL_README_HEAD: Final = """\
# Social cassettes

Raw copies (`mastodon/test_*.yaml`, `x/test*.yaml`, `bluesky/thread.yaml`) are the upstream
cassettes and payloads as described in `../README.md`. The other cassettes here are **derived**
by `tests/tools/social_derive.py` (run through `python -m tests.tools.build_cassettes`): each
JSON object starts as a copy of a real one and only the fields listed below were changed. Texts
are the vendors' own words: OpenAI's posts of 2024-12-11 (the seed) and
`tests/data/fixtures/social/posts/vendor-posts.jsonl`. Hosts
and accounts that are not the vendor's real ones use reserved names (`mastodon.example`,
`openai.example`); ids are derived from the post times (Mastodon and X ids are time snowflakes).
Bodies are compact JSON.

**Seed post times are derived, not observed.** The real posts' times were not available: each
seed post is timed after the status-page update it repeats (times in
`tests/golden/seed/README.md`) by a delay per channel, so that the lag `show` and `stats` print
means something: Mastodon {mastodon} minutes, Bluesky {bluesky} minutes (posts 1, 2, 3;
`SEED_DELAY_MINUTES` in `tests/tools/social_derive.py`). A social post typically follows the
status page by minutes, each channel a little differently; these figures are ours.

"""


def build_social_derived(w: Writer) -> None:
    notes: list[str] = []

    # Mastodon: the seed thread on mastodon.example, and two stories built on it.
    bodies = sd.mastodon_bodies(w.fixtures)
    account = sd.mastodon_account(bodies)
    lookup = derived(sd.mastodon_lookup_uri(), account)
    p3, p2, p1 = sd.mastodon_seed(bodies)
    window = sd.mastodon_statuses_uri()
    w.cassette(
        "social/mastodon/openai-seed.yaml",
        [lookup, derived(window, [p3, p2, p1])],
        "derived: GET accounts/lookup -> the account; GET accounts/:id/statuses -> the seed "
        "thread (3 statuses, each replying to the one before). MIT (`LICENSE`).",
    )
    notes.append(
        "- `mastodon/openai-seed.yaml`: `accounts/lookup?acct=openai` -> the `account` of "
        "`test_status_edit.yaml`'s edited status (interaction 3); changed: host "
        "(`localhost:3000` -> `mastodon.example`), id, username, acct, display_name, url, uri, "
        "created_at, statuses_count, last_status_at. `accounts/:id/statuses` -> the seed "
        "statuses, newest first. Post 1 from `test_list_timeline.yaml`'s first timeline status "
        "(interaction 5), posts 2 and 3 from `test_status_reply.yaml`'s reply (interaction 2); "
        "changed: host, id, created_at, uri, url, content (`<p>` + the seed text, `'` as "
        "`&#39;` as Mastodon writes it), account (above), in_reply_to_id and "
        "in_reply_to_account_id (the previous seed post, the account itself), mentions (empty: "
        "a reply to oneself mentions nobody), edited_at; removed: `application` and the "
        "viewer-only fields (favourited, reblogged, muted, bookmarked, pinned, filtered), which "
        "an anonymous reader does not get."
    )
    draft = sd.mastodon_status(bodies, 0, text=sd.SEED_FIRST_DRAFT)
    edited = sd.mastodon_status(bodies, 0, edited_at=sd.SEED_EDITED_AT)
    w.cassette(
        "social/mastodon/openai-seed-runs.yaml",
        [
            lookup,
            derived(window, [draft]),
            derived(window, [p2, edited]),
            derived(window, [p3, edited]),
        ],
        "derived: three runs over the seed: post 1 first published shorter, then edited; post 2 "
        "added, then deleted while post 3 arrives. MIT (`LICENSE`).",
    )
    notes.append(
        "- `mastodon/openai-seed-runs.yaml`: three collection runs of the same account. Run 1: "
        "lookup, then statuses -> post 1 with only its first sentence ("
        f"{sd.SEED_FIRST_DRAFT!r}). Run 2: statuses -> post 2 and post 1 edited to its full "
        f"text (`edited_at` {sd.SEED_EDITED_AT}). Run 3: statuses -> post 3 and post 1; post 2 "
        "is gone (deleted). The edit and the deletion are test derivations: OpenAI's posts "
        "were neither edited nor deleted. Statuses as in `openai-seed.yaml`."
    )
    w.cassette(
        "social/mastodon/openai-seed-gap.yaml",
        [
            derived(sd.mastodon_statuses_uri(limit=2), [p3, p2]),
            derived(sd.mastodon_statuses_uri(limit=2, max_id=p2["id"], since_id=p1["id"]), []),
        ],
        "derived: a page of 2 that is all new since post 1, then the gap page (empty). "
        "MIT (`LICENSE`).",
    )
    notes.append(
        "- `mastodon/openai-seed-gap.yaml`: for a collector paging 2 statuses at a time whose "
        "cursor is post 1: statuses?limit=2 -> posts 3 and 2 (all new, so there may be a gap); "
        "statuses?limit=2&max_id=<post 2>&since_id=<post 1> -> `[]` (what Mastodon answers "
        "when nothing lies between). Statuses as in `openai-seed.yaml`."
    )

    # Bluesky: the seed as an author feed, with a repost and a reply to another account.
    thread_path = w.fixtures / "social/bluesky/thread_view_post_with_embed_media.json"
    fixture = read_json(thread_path)
    items = sd.bluesky_seed(fixture)
    (single,) = sd.bluesky_pages(items, 50)
    w.cassette(
        "social/bluesky/openai-seed.yaml",
        [derived(single.uri, single.body)],
        "derived: getAuthorFeed -> the seed thread plus a repost and a reply to another "
        "account. MIT (`LICENSE`).",
    )
    # The same two seed answers as plain files, for `import` (make demo needs no YAML reader).
    w.write("social/payloads/openai-seed-mastodon.json", sd.compact([p3, p2, p1]).encode())
    w.write("social/payloads/openai-seed-bluesky.json", str(single.body).encode())
    notes.append(
        "- `payloads/openai-seed-mastodon.json`, `payloads/openai-seed-bluesky.json`: the "
        "statuses and getAuthorFeed bodies of `mastodon/openai-seed.yaml` and "
        "`bluesky/openai-seed.yaml`, as files for `incident-feed import` (`make demo`)."
    )
    w.cassette(
        "social/bluesky/openai-seed-paging.yaml",
        [derived(page.uri, page.body) for page in sd.bluesky_pages(items, 2)],
        "derived: the same feed in pages of 2, followed by cursor. MIT (`LICENSE`).",
    )
    notes.append(
        "- `bluesky/openai-seed.yaml`: `app.bsky.feed.getAuthorFeed?actor=openai.example` -> "
        '`{"cursor", "feed"}` (the lexicon\'s output) of five feedViewPost items, newest '
        "first. The three seed posts are the postView of `thread_view_post_with_embed_media."
        "json`; changed: uri (did derived from the handle, rkey a TID from the time), cid (a "
        "CID-shaped placeholder, not the record's hash), author (did, handle, displayName, "
        "avatar path, createdAt), record (createdAt, text, no embed; posts 2 and 3 carry "
        "`reply` {root, parent} strong refs as in the `app.bsky.feed.post` lexicon), the view "
        "`embed` removed, indexedAt = createdAt. Items of posts 2 and 3 carry the feedViewPost "
        "`reply` {root, parent} postViews (`app.bsky.feed.defs`). Also: the fixture's own post "
        "unchanged with `reason` #reasonRepost by the account (indexedAt 2024-12-12T00:30Z), and "
        "a reply by the account to that post (2024-12-12T02:00Z) whose text is the seed status "
        "page's first update; the normalizer must leave both out. The page `cursor` is the last "
        "item's time: the AppView's cursor is opaque to clients, this one is only echoed back."
    )
    notes.append(
        "- `bluesky/openai-seed-paging.yaml`: the same five items in pages of 2 (limit=2): "
        "page 1 without cursor, pages 2 and 3 with the cursor of the page before."
    )

    # X: real @MSFT365Status posts of 2024-07-19 as a self-thread, three runs; and an edit.
    body = sd.x_tweepy_body(w.fixtures)
    template = body["data"][0]
    posts = [p for p in sd.vendor_posts(w.fixtures) if p["posted_at"] == "2024-07-19"]
    if len(posts) != 4:
        raise BuildError("expected four @MSFT365Status posts of 2024-07-19 in vendor-posts")
    tweets: list[dict[str, Any]] = []
    for when, post in zip(sd.MSFT_TIMES, posts, strict=True):
        tweet_id = sd.snowflake(when)
        tweets.append(
            sd.x_tweet(
                template,
                tweet_id=tweet_id,
                when=when,
                text=post["text"],
                author_id=sd.MSFT_USER_ID,
                reply_to=tweets[-1]["id"] if tweets else None,
                conversation_id=tweets[0]["id"] if tweets else tweet_id,
            )
        )
    a, b, c, d = tweets
    user = derived(
        sd.x_user_uri("MSFT365Status"),
        {
            "data": {
                "id": sd.MSFT_USER_ID,
                "name": "Microsoft 365 Status",
                "username": "MSFT365Status",
            }
        },
        sd.X_RATE_HEADERS,
    )
    w.cassette(
        "social/x/msft365status-2024-07-19.yaml",
        [
            user,
            derived(sd.x_tweets_uri(), sd.x_page(body, [b, a]), sd.X_RATE_HEADERS),
            derived(sd.x_tweets_uri(since_id=b["id"]), sd.x_page(body, [d, c]), sd.X_RATE_HEADERS),
            derived(sd.x_tweets_uri(since_id=d["id"]), sd.x_page(body, []), sd.X_RATE_HEADERS),
        ],
        "derived: user lookup, then three runs of the timeline (2 tweets, 2 newer, none). "
        "MIT (`LICENSE`).",
    )
    short = a["text"].split(" More info")[0]
    draft_id = a["id"]
    edit_id = sd.snowflake("2024-07-19T09:10:00.000Z")
    first = sd.x_tweet(
        template, tweet_id=draft_id, when=sd.MSFT_TIMES[0], text=html.unescape(short),
        author_id=sd.MSFT_USER_ID,
    )  # fmt: skip
    second = sd.x_tweet(
        template, tweet_id=edit_id, when="2024-07-19T09:10:00.000Z",
        text=html.unescape(a["text"]), author_id=sd.MSFT_USER_ID,
        history=[draft_id, edit_id], conversation_id=draft_id,
    )  # fmt: skip
    w.cassette(
        "social/x/msft365status-edit.yaml",
        [
            user,
            derived(sd.x_tweets_uri(), sd.x_page(body, [first]), sd.X_RATE_HEADERS),
            derived(
                sd.x_tweets_uri(since_id=draft_id), sd.x_page(body, [second]), sd.X_RATE_HEADERS
            ),
        ],
        "derived: a tweet, then its edit (a new id whose edit history starts with the first). "
        "MIT (`LICENSE`).",
    )
    notes.append(
        "- `x/msft365status-2024-07-19.yaml`: `GET /2/users/by/username/MSFT365Status` -> "
        '`{"data": {"id", "name", "username"}}` (the X API v2 reference\'s default '
        f"user fields; the id {sd.MSFT_USER_ID} is a placeholder, the real one was not "
        "available offline). Then `GET /2/users/:id/tweets` three times (first run; "
        "`since_id` = newest of run 1; `since_id` = newest of run 2) -> tweepy's "
        "`test_client_get_users_tweets.yaml` body shape (`data` + `meta` with newest_id, "
        'oldest_id, result_count; the last run `{"meta": {"result_count": 0}}`). Tweets: '
        "the four @MSFT365Status posts of 2024-07-19 in `vendor-posts.jsonl`, in file order, "
        "each a reply to the one before (a self-thread, as the account posts updates; the "
        "source pages do not show the threading). Each starts from tweepy's first tweet "
        "(edit_history_tweet_ids, id, text) with text escaped as X does (`&`, `<`, `>`) and "
        "the `tweet.fields` incident-feed asks for added in the reference's shape: author_id, "
        "conversation_id, created_at, in_reply_to_user_id and referenced_tweets "
        "(`replied_to`). The source gives the date only: the hours (09:00Z..12:00Z) are ours, "
        "and ids are X snowflakes of those times. `entities` is left out: the t.co links' "
        "targets are not known. Response headers include tweepy's recorded x-rate-limit-*."
    )
    notes.append(
        "- `x/msft365status-edit.yaml`: lookup as above; run 1 -> the first 2024-07-19 post "
        'without its last sentence ("More info is posted ..."); run 2 (`since_id` = that '
        "tweet) -> its edit: a new id (a snowflake of 09:10Z) with the full text and "
        "`edit_history_tweet_ids` [first id, new id]. The edit is a test derivation."
    )
    notes += build_account_feeds(w)
    delays = {k: ", ".join(map(str, v)) for k, v in sd.SEED_DELAY_MINUTES.items()}
    readme = SOCIAL_README_HEAD.format(**delays) + "\n".join(notes) + "\n"
    w.write("social/README.md", readme.encode("utf-8"))


def build_account_feeds(w: Writer) -> list[str]:
    """The seed as the account feeds Mastodon and Bluesky serve (kind ``account-feed``)."""
    bodies = sd.mastodon_bodies(w.fixtures)
    w.write("social/feeds/openai-seed-mastodon.rss", sd.mastodon_rss(bodies, w.fixtures).encode())
    w.write("social/feeds/openai-seed-bluesky.rss", sd.bluesky_rss(w.fixtures).encode())
    return [
        "- `feeds/openai-seed-mastodon.rss`: derived: `https://mastodon.example/@openai.rss` "
        "holding the seed statuses of `mastodon/openai-seed.yaml` (their `url` and `content`, "
        "`created_at` as RFC 822 pubDate) and a product-launch post, newest first, in the shape "
        "of the real mastodon.social account feed `tests/data/fixtures/social/feeds/"
        "mastodon-pdxjohnny.rss` (see `tests/data/fixtures/README.md`): channel title, "
        "description, link, image, lastBuildDate, webfeeds:icon, generator; items with a "
        "permalink guid, link, pubDate and the status HTML escaped in description.",
        "- `feeds/openai-seed-bluesky.rss`: derived: `https://bsky.app/profile/openai.example/"
        "rss` as Bluesky's own generator renders it (bluesky-social/social-app "
        "`bskyweb/cmd/bskyweb/rss.go` at 89b4abfed1644987c5b8ba479242ca41571d447b, MIT: Go "
        "encoding/xml, no indentation, pubDate `02 Jan 2006 15:04 -0700`, guid the at:// URI "
        'with isPermaLink="false", no item title, no description when the profile has none). '
        "The real bsky.app feed `tests/data/fixtures/social/feeds/bluesky-kaedotcom.rss` (see "
        "`tests/data/fixtures/README.md`) has the same elements in the same order, plus the "
        "channel description this profile lacks. That feed lists no replies, so the seed's three "
        "posts are "
        "top-level posts here (rkeys and did as in `bluesky/openai-seed.yaml`), plus the "
        "product-launch post.",
        "- Both feeds' product-launch post is @github's real 2021-06-29 launch post (`Meet "
        "GitHub Copilot ...`, `social/posts/vendor-posts-2.jsonl`), placed in OpenAI's feeds "
        f"at {sd.LAUNCH_TIME} (ours) as the item that is no incident update.",
    ]


README_HEAD: Final = """\
# Cassettes

Generated by `python -m tests.tools.build_cassettes` (`make cassettes`) from the real payloads in
`../shared/fixtures` (copied into `tests/data/fixtures/`; see its README for each source). Do not
edit by hand: rebuild. vcrpy YAML; match on `method` + `uri`. Bodies are plain text with
`Content-Type` and `Content-Length`; statuspage/ and feeds/ responses also carry an `ETag` (SHA-256
of the body) and a `Last-Modified` taken from the body. Each folder's `LICENSE` is the licence of
the repository its payloads came from.

"""


def build(fixtures: Path, output: Path) -> Built:
    if not fixtures.is_dir():
        raise BuildError(f"fixtures directory not found: {fixtures}")
    w = Writer(fixtures, output)
    build_statuspage(w)
    build_feeds(w)
    build_gcp(w)
    build_slack(w)
    build_incidentio(w)
    build_statusio(w)
    build_aws(w)
    build_salesforce(w)
    build_betterstack(w)
    build_instatus(w)
    build_cachet(w)
    build_social(w)
    readme = README_HEAD + "\n".join(w.built.readme) + "\n"
    w.write("README.md", readme.encode("utf-8"))
    return w.built


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.tools.build_cassettes",
        description="Build cassettes/ from the shared real-payload fixtures.",
    )
    parser.add_argument(
        "fixtures",
        nargs="?",
        type=Path,
        default=DEFAULT_FIXTURES,
        help="fixtures directory (default: ../shared/fixtures from the repository root)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="output directory (default: <repo>/cassettes)",
    )
    args = parser.parse_args(argv)
    fixtures: Path = args.fixtures.resolve()
    output: Path = args.output.resolve()
    try:
        built = build(fixtures, output)
    except BuildError as exc:
        print(f"build_cassettes: {exc}", file=sys.stderr)
        return 1
    for path in built.files:
        print(f"{path.stat().st_size:>9}  {path.relative_to(output)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
