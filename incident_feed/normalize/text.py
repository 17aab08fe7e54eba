"""Untrusted text -> safe plain text: HTML flattened, control and bidi characters removed."""

from __future__ import annotations

import re
import warnings
from html import unescape

# C0 controls except TAB and LF, DEL, C1 controls, the invisible direction marks (U+200E, U+200F,
# U+061C) and the bidi embeddings/overrides/isolates (U+202A-202E, U+2066-2069) that can make
# text read differently from what it says. VT, FF, NEL and U+2028 are line breaks and U+2029 a
# paragraph break: turned into newlines first, so the words either side stay apart.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85\u2028]")
_PARAGRAPH_BREAK = "\u2029"
# A lone surrogate (from a JSON ``\udfff`` escape) cannot be encoded, so it cannot be stored.
_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_BLOCK_TAGS = ("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre")

_NEEDS_WORK = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u00a0\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
    "\ud800-\udfff]|  | \n|\n |\n\n\n|^\\s|\\s$"
)
_HTTP_URL = re.compile(r"^https?://[^\s/?#]+", re.IGNORECASE)
_SPACE = re.compile(r"\s")  # the characters str.isspace() is true for, every one of them
_LINE_NEEDS_WORK = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _breaks_and_surrogates(text: str) -> str:
    text = _LINE_BREAKS.sub("\n", text).replace(_PARAGRAPH_BREAK, "\n\n")
    return _SURROGATE.sub("\ufffd", text)


def clean_text(text: str) -> str:
    """Strip unsafe characters and tidy whitespace; keep paragraph breaks."""
    if not _NEEDS_WORK.search(text):
        return text  # the common case: already clean
    text = _UNSAFE.sub("", _breaks_and_surrogates(text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def strip_unsafe(text: str) -> str:
    """Only remove the unsafe characters (line and paragraph separators become newlines, lone
    surrogates U+FFFD); layout otherwise untouched."""
    if not _LINE_NEEDS_WORK.search(text):
        return text
    return _UNSAFE.sub("", _breaks_and_surrogates(text))


def clean_line(text: str) -> str:
    """Like :func:`clean_text`, folded onto one line (titles, names)."""
    if _LINE_NEEDS_WORK.search(text):
        text = _UNSAFE.sub("", _breaks_and_surrogates(text))
    return " ".join(text.split())


def html_to_text(html: str) -> str:
    """Flatten HTML to plain text: block elements become paragraphs, ``<br>`` a line break."""
    if "<" not in html:
        return clean_text(unescape(html))
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning  # not needed by the CLI's start

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "template"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(_BLOCK_TAGS):
        block.insert_before("\n\n")
        block.insert_after("\n\n")
    return clean_text(soup.get_text())


def safe_http_url(url: object) -> str | None:
    """The URL when it is an absolute http(s) URL without controls, spaces, invisible marks or
    lone surrogates, else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not _HTTP_URL.match(url) or _LINE_NEEDS_WORK.search(url):
        return None
    if _SPACE.search(url) or len(url) > 2048:
        return None
    return url
