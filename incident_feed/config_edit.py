"""Writing a ``[[source]]`` into a config file, keeping its comments and layout (tomlkit).

The file is parsed with tomlkit (a round-trip TOML library: comments, order and spacing are
kept), the table appended, and the whole new text validated by :func:`config.parse_config`
before anything is written; the write is atomic (:func:`files.write_output`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomlkit
from tomlkit.items import AoT

from incident_feed.config import Config, parse_config, slugify
from incident_feed.errors import ConfigError
from incident_feed.files import read_regular_file, write_output
from incident_feed.normalize.text import clean_line
from incident_feed.paths import bundled_config_file, user_config_file

MAX_CONFIG_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class SourceEdit:
    """A new ``[[source]]`` (and the ``[[vendor]]`` it needs, if the file lists vendors)."""

    target: Path  # the file written
    text: str  # the file's new text
    added: str  # the TOML added, for ``--dry-run`` and the report
    config: Config  # the new text, validated
    new_vendor: bool


def config_to_edit(in_use: Path) -> tuple[Path, str]:
    """The file ``sources add`` writes, and its text now.

    The config shipped with the package is never edited: its text becomes the start of the
    user's own config file (so its comments and settings are kept there, and the user's file
    is used from then on).
    """
    try:
        bundled = in_use.resolve() == bundled_config_file().resolve()
    except OSError:
        bundled = False
    target = user_config_file() if bundled else in_use
    if bundled and target.exists():
        bundled = False  # the user's file exists: edit it (never overwrite it with the bundle)
    source = in_use if bundled or not target.exists() else target
    if not source.exists():
        raise ConfigError(f"{in_use}: no such config file")
    try:
        text = read_regular_file(source, MAX_CONFIG_BYTES).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{source}: cannot read: {exc}") from None
    return target, text


def add_source(
    target: Path, text: str, *, name: str, vendor: str, kind: str, url: str, comment: str
) -> SourceEdit:
    """``text`` with a new ``[[source]]`` appended; ConfigError if the result is not valid.

    The new tables go at the end of the file, so every byte already there (comments, order,
    spacing) stays as it was; tomlkit writes them, quoting each value as TOML needs.
    """
    try:
        current = parse_config(tomllib.loads(text), target)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{target}: not valid TOML: {exc}") from None
    if any(s.name == name for s in current.sources):
        raise ConfigError(f"{target}: a source named {name!r} exists already (use --name)")
    if any(s.url.rstrip("/") == url.rstrip("/") and s.kind == kind for s in current.sources):
        raise ConfigError(f"{target}: a {kind} source for {url} exists already")
    new_vendor = bool(current.vendors) and current.vendor(vendor) is None
    added = tomlkit.document()
    if new_vendor:
        added.append("vendor", _aot({"name": vendor}))
    added.append("source", _aot({"name": name, "vendor": vendor, "kind": kind, "url": url}))
    snippet = "".join(f"# {line}\n" for line in _comment_lines(comment)) + tomlkit.dumps(added)
    new_text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + snippet
    try:
        config = parse_config(tomllib.loads(new_text), target)
    except tomllib.TOMLDecodeError as exc:  # e.g. `source = [...]` written inline
        raise ConfigError(f"{target}: cannot append a [[source]] table: {exc}") from None
    return SourceEdit(target, new_text, snippet, config, new_vendor)


def _aot(fields: dict[str, str]) -> AoT:
    table = tomlkit.table()
    for key, value in fields.items():
        table.add(key, value)
    array = tomlkit.aot()
    array.append(table)
    return array


def _comment_lines(comment: str) -> list[str]:
    """A comment as TOML comment lines: no control characters, at most 96 characters a line."""
    words = clean_line(comment).split()
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + len(word) < 96:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def write_edit(edit: SourceEdit) -> None:
    """Write the edited file (its folder made when it is the user's first config file)."""
    edit.target.parent.mkdir(parents=True, exist_ok=True)
    write_output(edit.target, edit.text)


def free_name(config: Config, vendor: str, kind: str) -> str:
    """A source name for ``vendor`` not used yet: ``<vendor>-status``, then ``-<kind>``, ..."""
    used = {s.name for s in config.sources}
    stem = slugify(vendor)[:50]
    for candidate in (f"{stem}-status", f"{stem}-{kind}"):
        if candidate not in used:
            return candidate
    number = 2
    while f"{stem}-{kind}-{number}" in used:
        number += 1
    return f"{stem}-{kind}-{number}"
