"""The Better Stack and Instatus collectors' URLs, and what they make of a wrong body."""

from __future__ import annotations

import datetime as dt

import pytest

from incident_feed.errors import PayloadError
from incident_feed.normalize.drafts import Context
from incident_feed.sources.base import Document
from incident_feed.sources.betterstack import BetterstackCollector, index_url
from incident_feed.sources.instatus import InstatusCollector, components_url, summary_url

CONTEXT = Context("bs", "betterstack", "Better Stack", dt.datetime(2026, 9, 7, tzinfo=dt.UTC))


def test_urls_are_taken_from_the_page_root() -> None:
    assert index_url("https://status.example.com/incidents/1?x=1") == (
        "https://status.example.com/index.json"
    )
    assert summary_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/summary.json"
    assert components_url("https://status.example.com") == (
        "https://status.example.com/v3/components.json"
    )


@pytest.mark.parametrize("collector", [BetterstackCollector(), InstatusCollector()])
def test_an_html_page_where_json_is_expected_is_named(collector: object) -> None:
    # Better Stack answers 200 with its HTML page for any path.
    html = Document(
        "https://status.example.com/index.json",
        b"<!DOCTYPE html><html><body>Status</body></html>",
        {"content-type": "text/html; charset=utf-8"},
    )
    assert isinstance(collector, BetterstackCollector | InstatusCollector)
    with pytest.raises(PayloadError, match="expected JSON but got an HTML page"):
        collector.parse(html, CONTEXT)
