"""The collector interface: fetch documents (network), then parse them (pure, via normalize/).

``import`` feeds saved files to :meth:`Collector.parse` exactly as if they had been fetched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from incident_feed.config import SourceConfig
from incident_feed.errors import FetchError, PayloadError
from incident_feed.normalize.drafts import Context, ParseResult

if TYPE_CHECKING:  # the network side: ``import`` parses saved files without loading it
    from incident_feed.sources.http import Fetcher, Validators


@dataclass(frozen=True, slots=True)
class Document:
    """One fetched (or saved) payload."""

    url: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    # Documents this one is read with: an incident.io incident names its components by id only,
    # and the page's summary, fetched in the same run, names them.
    related: tuple[Document, ...] = ()


@dataclass(frozen=True, slots=True)
class Fetched:
    """What one source's fetch brought: new documents, and validators to keep once stored."""

    documents: tuple[Document, ...]
    validators: Mapping[str, Validators]
    not_modified: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    cursor: str | None = None  # paging position to keep once stored (social: newest post id)


class Collector:
    """One source kind. Subclasses name their URLs and their parser."""

    kind: ClassVar[str]
    accept: ClassVar[str] = "application/json"

    def urls(self, source: SourceConfig) -> list[str]:
        """Required documents: any failure fails the source."""
        return [source.url]

    def optional_urls(self, source: SourceConfig) -> list[str]:
        """Documents a page may not serve: a 404 there is a note, not a failure."""
        return []

    def fetch(
        self,
        source: SourceConfig,
        fetcher: Fetcher,
        validators: Mapping[str, Validators],
        *,
        cursor: str | None = None,
    ) -> Fetched:
        """New documents of ``source``. ``cursor`` is the paging position the last stored run
        returned as :attr:`Fetched.cursor` (social sources); status pages ignore it."""
        documents: list[Document] = []
        kept: dict[str, Validators] = {}
        unchanged: list[str] = []
        notes: list[str] = []
        required = self.urls(source)
        for url in required + self.optional_urls(source):
            try:
                response = fetcher.get(url, validators=validators.get(url), accept=self.accept)
            except FetchError as exc:
                if url not in required and " 404 " in str(exc):
                    notes.append(f"{url} not served (404)")
                    continue
                raise
            if response.not_modified:
                unchanged.append(url)
                continue
            documents.append(Document(response.url, response.body, response.headers))
            kept[url] = response.validators
        return Fetched(tuple(documents), kept, tuple(unchanged), tuple(notes))

    def parse(self, document: Document, context: Context) -> ParseResult:
        raise NotImplementedError


def decode_cursor(cursor: str | None, account: str) -> dict[str, str]:
    """The fields a social collector stored as its cursor, when they are for ``account``.

    A cursor is a small JSON object naming the account it was made for, so a source whose
    ``url`` now names another account starts afresh instead of paging from the old one's
    position. Anything unreadable also starts afresh.
    """
    if not cursor:
        return {}
    try:
        fields = json.loads(cursor)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(fields, dict) or fields.get("account") != account:
        return {}
    return {k: v for k, v in fields.items() if isinstance(k, str) and isinstance(v, str)}


def encode_cursor(account: str, **fields: str | None) -> str:
    """A cursor for :func:`decode_cursor`: the account and the fields that are set."""
    kept = {"account": account, **{k: v for k, v in fields.items() if v is not None}}
    return json.dumps(kept, sort_keys=True, separators=(",", ":"))


MAX_INT_DIGITS = 1000  # far beyond any id or count; Python refuses int() past 4,300 digits


@dataclass(frozen=True, slots=True)
class OversizedNumber:
    """A JSON integer too long to read. No field accepts it, so the item holding it is skipped
    with a problem naming it, instead of the whole document failing."""

    digits: int

    def __str__(self) -> str:
        return f"<integer of {self.digits} digits>"


def _parse_int(text: str) -> int | OversizedNumber:
    return int(text) if len(text.lstrip("-")) <= MAX_INT_DIGITS else OversizedNumber(len(text))


def decode_json(body: bytes | str) -> object:
    """``json.loads`` with integers too long to read kept as :class:`OversizedNumber`."""
    return json.loads(body, parse_int=_parse_int)


def peek_json(body: bytes) -> object:
    """A body's JSON for a collector deciding what to fetch next; None when it is not JSON (the
    parser then reports why, as one error for the source)."""
    try:
        return decode_json(body)
    except (ValueError, RecursionError):
        return None


def api_url(base: str, path: str, params: Mapping[str, str | None]) -> str:
    """``base`` + ``path`` with the query ``params`` that are not None, encoded."""
    import httpx

    query = {key: value for key, value in params.items() if value is not None}
    return str(httpx.URL(f"{base.rstrip('/')}{path}", params=query))


def page_root(url: str) -> str:
    """A page's root, scheme and host (and port): ``https://status.example.com/any/path`` ->
    ``https://status.example.com``. Status platforms serve their documents from the root."""
    import httpx

    parsed = httpx.URL(url)
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}"


def load_json(document: Document) -> object:
    """The JSON in a document, or a :class:`PayloadError` saying what arrived instead."""
    content_type = document.headers.get("content-type", "").split(";")[0].strip().lower()
    head = document.body[:512].lstrip().lower()
    if "html" in content_type or head.startswith((b"<!doctype html", b"<html")):
        raise PayloadError(
            f"expected JSON but got an HTML page ({content_type or 'no content type'})"
        )
    if not document.body.strip():
        raise PayloadError("empty body where JSON was expected")
    try:
        return decode_json(document.body)
    except UnicodeDecodeError as exc:
        raise PayloadError(f"JSON body is not valid UTF-8/16/32: {exc.reason}") from None
    except json.JSONDecodeError as exc:
        raise PayloadError(
            f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise PayloadError("JSON nested too deeply") from None
