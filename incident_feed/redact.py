"""Secrets out of URLs before they are printed, logged or stored as an error.

A URL keeps its scheme, host, port and path; its userinfo (``user:password@``) is dropped and the
value of every query (or fragment) parameter whose name looks like a credential (token, key,
secret, password, signature, auth, ...; ``X-Amz-Signature`` too) becomes ``REDACTED``. Over-
redacting a harmless parameter is the accepted cost of never showing a secret.
"""

from __future__ import annotations

import re

__all__ = ["REDACTED", "redact_url", "redact_urls"]

REDACTED = "REDACTED"
# Substrings of a lower-cased parameter name (``_``, ``-`` and ``.`` removed) that mark a secret.
_SECRET_NAME = re.compile(r"token|key|secret|passw|pwd|signature|sig|auth|credential|session")
_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"'`]+")
_AUTHORITY = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<authority>[^/?#]*)")


def redact_url(url: str) -> str:
    """``url`` without userinfo and with the values of secret-looking parameters redacted."""
    match = _AUTHORITY.match(url)
    if match and "@" in match["authority"]:
        host = match["authority"].rpartition("@")[2]
        url = f"{match['scheme']}{host}{url[match.end() :]}"
    base, hash_mark, fragment = url.partition("#")
    base, question_mark, query = base.partition("?")
    if question_mark:
        base += "?" + _redact_params(query)
    if hash_mark:
        base += "#" + _redact_params(fragment)
    return base


def redact_urls(text: str) -> str:
    """``text`` with every URL in it passed through :func:`redact_url`."""
    if "://" not in text:
        return text
    return _URL.sub(_redact_match, text)


def _redact_match(match: re.Match[str]) -> str:
    url = match[0]
    trail = len(url) - len(url.rstrip(".,:;)]"))  # punctuation of the sentence, not the URL
    return redact_url(url[: len(url) - trail]) + url[len(url) - trail :]


def _redact_params(params: str) -> str:
    parts = []
    for part in params.split("&"):
        name, equals, _value = part.partition("=")
        if equals and _is_secret(name):
            part = f"{name}={REDACTED}"
        parts.append(part)
    return "&".join(parts)


def _is_secret(name: str) -> bool:
    plain = re.sub(r"[-_.]|%5f|%2d", "", name.lower())
    return bool(_SECRET_NAME.search(plain))
