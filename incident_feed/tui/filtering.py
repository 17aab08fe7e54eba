"""The filter bar's language -> an :class:`IncidentFilter`. Pure: ``now`` is passed in.

``disk full vendor:github phase:investigating,identified since:24h`` -- free words must all
appear (as word prefixes) in the title, vendor or an update; ``vendor:`` and ``phase:`` take
comma-separated values (quote a value with spaces: ``vendor:"google cloud"``); ``since:`` and
``until:`` take ``30m``, ``24h``, ``7d``, ``2w`` (ago) or an ISO date or time (UTC when no zone
is given), read by :func:`incident_feed.clock.parse_moment` like the CLI's options.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shlex
from dataclasses import dataclass

from incident_feed.clock import parse_moment
from incident_feed.enums import Impact, Kind, Phase
from incident_feed.store.queries import IncidentFilter

_PHASES = {p.value for p in Phase}
_PHASE_ALIASES = {p.value.replace("_", "-"): p.value for p in Phase} | {
    p.value.replace("_", ""): p.value for p in Phase
}


@dataclass(frozen=True, slots=True)
class ParsedFilter:
    """The filter, and what in the input could not be used (shown under the bar)."""

    filter: IncidentFilter
    problems: tuple[str, ...] = ()


_KNOWN = {"kind": {k.value for k in Kind}, "impact": {i.value for i in Impact}}


def parse_filter(text: str, now: dt.datetime, base: IncidentFilter | None = None) -> ParsedFilter:
    """Read the filter bar; ``base`` carries the toggles (active only, maintenance)."""
    base = base or IncidentFilter()
    try:
        tokens = shlex.split(text)
    except ValueError:  # an unbalanced quote: read the words as they stand
        tokens = text.split()
    words: list[str] = []
    vendors: list[str] = []
    phases: list[str] = []
    listed: dict[str, list[str]] = {"kind": [], "impact": [], "component": []}
    moments: dict[str, dt.datetime | None] = {"since": None, "until": None}
    problems: list[str] = []
    for token in tokens:
        key, sep, value = token.partition(":")
        key = key.lower()
        if not sep or key not in ("vendor", "phase", "since", "until", *listed):
            words.append(token)
            continue
        if not value:
            problems.append(f"{key}: needs a value")
        elif key == "vendor":
            vendors += [v.strip() for v in value.split(",") if v.strip()]
        elif key in listed:
            values = [v.strip() for v in value.split(",") if v.strip()]
            known = _KNOWN.get(key)
            for name in values:
                if known is not None and name.lower() not in known:
                    problems.append(f"{key}:{name} is not one of {', '.join(sorted(known))}")
                else:
                    listed[key].append(name.lower() if known is not None else name)
        elif key == "phase":
            for name in (v.strip().lower() for v in value.split(",") if v.strip()):
                phase = _PHASE_ALIASES.get(name, name)
                if phase in _PHASES:
                    phases.append(phase)
                else:
                    problems.append(f"phase:{name} is not a phase ({', '.join(sorted(_PHASES))})")
        else:
            try:
                moments[key] = parse_moment(value, now)
            except ValueError:
                problems.append(f"{key}:{value} is not a time (try 30m, 24h, 7d, 2w, 2024-12-11)")
    result = dataclasses.replace(
        base,
        text=" ".join(words),
        vendors=tuple(vendors),
        phases=tuple(phases),
        since=moments["since"],
        until=moments["until"],
        kinds=tuple(listed["kind"]),
        impacts=tuple(listed["impact"]),
        components=tuple(listed["component"]),
    )
    return ParsedFilter(result, tuple(problems))


def describe(filt: IncidentFilter) -> str:
    """A one-line summary of what is shown (for the status line)."""
    parts = []
    if filt.active_only:
        parts.append("active only")
    if not filt.show_maintenance:
        parts.append("no maintenance")
    if filt.vendors:
        parts.append("vendor " + ", ".join(filt.vendors))
    if filt.phases:
        parts.append("phase " + ", ".join(filt.phases))
    if filt.since:
        parts.append(f"since {filt.since.astimezone(dt.UTC):%Y-%m-%d %H:%M}Z")
    if filt.until:
        parts.append(f"until {filt.until.astimezone(dt.UTC):%Y-%m-%d %H:%M}Z")
    if filt.text:
        parts.append(f"matching {filt.text!r}")
    return "; ".join(parts) if parts else "all incidents"
