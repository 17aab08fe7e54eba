"""An RSS/Atom document is read whole or refused: feedparser's parse errors fail the document,
its notices about media type and encoding do not."""

from __future__ import annotations

import datetime as dt
import io

import feedparser
import pytest
from feedparser.exceptions import CharacterEncodingOverride, NonXMLContentType

from incident_feed.errors import PayloadError
from incident_feed.normalize.drafts import Context
from incident_feed.normalize.feed import html_entities_to_references, parse_feed
from tests.conftest import FIXTURES, NOW

CONTEXT = Context("github-feed", "feed", "GitHub", NOW)
ATOM = {"content-type": "application/atom+xml"}
FEED = (FIXTURES / "feeds" / "githubstatus" / "history-2024-04-13.atom").read_bytes()


def rss(title: str, *, declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return (
        f'{declaration}\n<rss version="2.0"><channel><title>Status</title><item>'
        f"<guid>a-1</guid><title>{title}</title><pubDate>Tue, 02 Apr 2024 10:00:00 GMT</pubDate>"
        "<description>We are investigating.</description></item></channel></rss>\n"
    ).encode()


def test_truncated_feed_is_refused_whole() -> None:
    with pytest.raises(PayloadError) as caught:
        parse_feed(FEED[:36_957], ATOM, CONTEXT)
    message = str(caught.value)
    assert "malformed XML at line 113" in message
    assert "no element found" in message
    assert "nothing in the document was used" in message


@pytest.mark.parametrize("cut", [100, 20_000, 50_000, len(FEED) - 3])
def test_feed_cut_anywhere_is_refused(cut: int) -> None:
    with pytest.raises(PayloadError, match="malformed XML"):
        parse_feed(FEED[:cut], ATOM, CONTEXT)


def test_full_feed_is_read() -> None:
    assert len(parse_feed(FEED, ATOM, CONTEXT).drafts) == 25


def test_html_entities_are_read_and_do_not_hide_truncation() -> None:
    body = rss("Degraded&nbsp;API &rsquo;s &amp; Pages")
    (draft,) = parse_feed(body, ATOM, CONTEXT).drafts
    assert draft.title == "Degraded API \u2019s & Pages"  # a no-break space cleaned to a space
    # Cut after the entity: the strict parser must get past it to see the truncation.
    with pytest.raises(PayloadError, match="malformed XML"):
        parse_feed(body[: body.index(b"</item>")], ATOM, CONTEXT)


def test_entities_are_rewritten_in_utf16_too() -> None:
    body = rss("a&nbsp;b", declaration='<?xml version="1.0" encoding="utf-16"?>')
    wide = body.decode().encode("utf-16")
    assert html_entities_to_references(wide).decode("utf-16") == body.decode().replace(
        "&nbsp;", "&#160;"
    )
    (draft,) = parse_feed(wide, ATOM, CONTEXT).drafts
    assert draft.title == "a b"


def test_xml_entities_and_unknown_names_are_left_alone() -> None:
    assert html_entities_to_references(b"&amp;&lt;&gt;&quot;&apos;&bogus;&#1;") == (
        b"&amp;&lt;&gt;&quot;&apos;&bogus;&#1;"
    )


def test_undefined_entity_is_an_error() -> None:
    with pytest.raises(PayloadError, match="undefined entity"):
        parse_feed(rss("a &bogus; b"), ATOM, CONTEXT)


@pytest.mark.parametrize(
    ("headers", "notice"),
    [
        pytest.param(
            {"content-type": "text/plain; charset=utf-8"}, NonXMLContentType, id="non-xml-type"
        ),
        pytest.param({"content-location": "https://example.com/"}, NonXMLContentType, id="no-type"),
        pytest.param(
            {"content-type": "application/rss+xml; charset=us-ascii"},
            CharacterEncodingOverride,
            id="encoding-override",
        ),
    ],
)
def test_notices_that_are_not_parse_errors_keep_the_document(
    headers: dict[str, str], notice: type[Exception]
) -> None:
    body = rss("Caf\u00e9 outage")  # UTF-8 bytes: us-ascii is overridden
    assert isinstance(
        feedparser.parse(io.BytesIO(body), response_headers=headers).bozo_exception, notice
    )
    (draft,) = parse_feed(body, headers, CONTEXT).drafts
    assert draft.title == "Caf\u00e9 outage"
    assert draft.updates[0].stamp.at == dt.datetime(2024, 4, 2, 10, tzinfo=dt.UTC)
