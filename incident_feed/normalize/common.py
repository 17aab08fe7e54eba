"""Helpers shared by the payload normalizers: typed access to untrusted JSON, thread building."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from incident_feed.enums import Kind, Phase
from incident_feed.errors import PayloadError
from incident_feed.normalize.drafts import (
    MAX_ITEMS,
    Component,
    IncidentDraft,
    ItemProblem,
    Stamp,
    UpdateDraft,
)
from incident_feed.normalize.phases import decide_phase
from incident_feed.normalize.text import clean_line
from incident_feed.normalize.times import TimeParseError, clamp_future, parse_time

# (native id, time, source label, plain text, extras: url / components / refs)
RawUpdate = tuple[str, Stamp, str | None, str, dict[str, Any]]


def as_mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PayloadError(f"{what} is {type(value).__name__}, expected an object")
    return value


def as_list(value: object, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{what} is {type(value).__name__}, expected a list")
    return value


def text_field(item: Mapping[str, Any], key: str, default: str = "") -> str:
    """A string field, or ``default`` when it is missing or not a string."""
    value = item.get(key)
    return value if isinstance(value, str) else default


def id_field(item: Mapping[str, Any], key: str = "id") -> str:
    """An identifier (string or integer), cleaned; a missing one is a payload error."""
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int):
        what = "missing" if value is None else f"unusable ({_describe(value)})"
        raise PayloadError(f"{what} {key!r}")
    text = clean_line(str(value))
    if not text or len(text) > 200:
        raise PayloadError(f"unusable {key!r} {text[:40]!r}")
    return text


def _describe(value: object) -> str:
    """A short, safe description of an unexpected value (never its whole text)."""
    if isinstance(value, str | int | float | bool | list | dict):
        return type(value).__name__
    return clean_line(str(value))[:60]  # e.g. an OversizedNumber: "<integer of 5000 digits>"


def stamp_field(item: Mapping[str, Any], *keys: str, now: dt.datetime | None) -> Stamp | None:
    """The first of ``keys`` that holds a time, strictly parsed, and clamped to ``now`` unless
    ``now`` is None (scheduled times are legitimately in the future).

    Raises :class:`TimeParseError` when the first present key holds something unreadable.
    """
    for key in keys:
        value = item.get(key)
        if value is None or value == "":
            continue
        stamp = parse_time(value)
        return clamp_future(stamp, now) if now is not None else stamp
    return None


def components_from(items: Iterable[Any]) -> tuple[Component, ...]:
    """Components named by the source (``{"id", "name"}`` objects or plain names), deduplicated."""
    seen: dict[tuple[str | None, str], Component] = {}
    for item in items:
        if isinstance(item, Mapping):
            name = clean_line(text_field(item, "name"))
            raw_id = item.get("id") if item.get("id") is not None else item.get("code")
            ident = clean_line(str(raw_id)) if isinstance(raw_id, str | int) else None
        elif isinstance(item, str):
            name, ident = clean_line(item), None
        else:
            continue
        if name:
            seen.setdefault((ident, name), Component(name=name, id=ident))
    return tuple(seen.values())


def thread(
    raw_updates: Iterable[RawUpdate],
    kind: Kind,
) -> tuple[UpdateDraft, ...]:
    """Updates in time order with phases decided one after another.

    Each input is ``(native_id, stamp, label, text, extra)``; ``extra`` may carry ``url``,
    ``components`` and ``refs``. Phases are decided oldest first so an unlabelled update
    inherits the phase before it.
    """
    ordered = sorted(raw_updates, key=lambda u: (u[1].at, u[0]))
    drafts: list[UpdateDraft] = []
    previous: Phase | None = None
    for native_id, stamp, label, text, extra in ordered:
        phase, evidence = decide_phase(label, text, kind, previous)
        previous = phase
        drafts.append(
            UpdateDraft(
                native_id=native_id,
                stamp=stamp,
                phase=phase,
                label=label,
                evidence=evidence,
                text=text,
                url=extra.get("url"),
                components=extra.get("components", ()),
                refs=extra.get("refs", ()),
            )
        )
    return tuple(drafts)


def collect_items(
    items: list[Any],
    what: str,
    build: Callable[[Mapping[str, Any]], Any],
    problems: list[ItemProblem],
    limit: int | None = MAX_ITEMS,
) -> list[Any]:
    """Apply ``build`` to each item; an item that fails is one problem, the others go on.

    Past ``limit`` items (``Context.max_items``; None: no limit) the rest is not read, and one
    problem says how many were dropped, never silently.

    An incident draft must pass :func:`require_usable`: an item without a title, an id or any
    time is skipped, never stored as an "(untitled)" incident that is active forever.
    """
    out: list[Any] = []
    if limit is not None and len(items) > limit:
        dropped = len(items) - limit
        message = f"{len(items)} items; only the first {limit} read, {dropped} dropped"
        problems.append(ItemProblem(what, message, dropped=dropped))
        items = items[:limit]
    for index, item in enumerate(items):
        label = f"{what}[{index}]"
        try:
            mapping = as_mapping(item, label)
            ident = mapping.get("id", mapping.get("_id"))  # status.io names its ids "_id"
            if isinstance(ident, str | int) and not isinstance(ident, bool):
                label = f"{what} {clean_line(str(ident))[:40]}"
            built = build(mapping)
            if isinstance(built, IncidentDraft):
                require_usable(built)
            out.append(built)
        except (PayloadError, TimeParseError) as exc:
            problems.append(ItemProblem(label, str(exc)))
        except (ValueError, OverflowError, RecursionError) as exc:
            # A value no field can hold (a number too long to convert, a time out of range, text
            # that cannot be encoded): this item is unusable, the others are not.
            reason = f"{type(exc).__name__}: {clean_line(str(exc))[:200]}"
            problems.append(ItemProblem(label, f"unusable value ({reason})"))
    return out


def require_usable(draft: IncidentDraft) -> IncidentDraft:
    """``draft`` if it has a title, an id and some time; else a :class:`PayloadError` saying
    what is missing."""
    missing = []
    if not draft.native_id.strip() or not draft.key.strip():
        missing.append("id")
    if not draft.title.strip():
        missing.append("title")
    times = (draft.started, draft.resolved, draft.scheduled_for, *draft.updates)
    if all(t is None for t in times):
        missing.append("time")
    if missing:
        raise PayloadError(f"no {' and no '.join(missing)}")
    return draft
