"""Component watching: which components a source's ``components`` / ``exclude_components``
keep. Pure; the one home of the rule for every view (status, listing, export, notify).

A pattern is a shell-style glob (``API*``, ``*Login``) matched, case-insensitively, against a
component's id, its name, and ``group / name``. A component is kept when no ``components`` are
given or one of them matches, and none of ``exclude_components`` matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any


def _matches(patterns: Iterable[str], names: Iterable[str | None]) -> bool:
    folded = [n.casefold() for n in names if n]
    return any(fnmatchcase(name, p.casefold()) for p in patterns for name in folded)


def component_watched(
    name: str,
    ident: str | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    group: str | None = None,
) -> bool:
    """Whether a component is watched under ``include`` / ``exclude``."""
    names = [name, ident, f"{group} / {name}" if group else None]
    if include and not _matches(include, names):
        return False
    return not (exclude and _matches(exclude, names))


@dataclass(frozen=True, slots=True)
class VendorWatch:
    """The component rules of one vendor's sources: a component is watched when one rule
    (``(components, exclude_components)`` of a source) keeps it."""

    vendor: str
    rules: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]

    def watches(self, name: str, ident: str | None) -> bool:
        return any(component_watched(name, ident, inc, exc) for inc, exc in self.rules)

    def keeps(self, components: Iterable[Mapping[str, Any]]) -> bool:
        """Whether an outage of this vendor with ``components`` ({name, id}) is watched."""
        listed = [c for c in components if isinstance(c, Mapping)]
        if not listed:
            return True
        return any(self.watches(str(c.get("name") or ""), _ident(c)) for c in listed)


def vendor_watches(sources: Iterable[Any]) -> tuple[VendorWatch, ...]:
    """One :class:`VendorWatch` per vendor whose every active source sets ``components`` or
    ``exclude_components`` (a source without them watches everything of its vendor)."""
    rules: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    names: dict[str, str] = {}
    unfiltered: set[str] = set()
    for source in sources:
        if not getattr(source, "active", True):
            continue
        key = str(source.vendor).casefold()
        names.setdefault(key, str(source.vendor))
        if source.components or source.exclude_components:
            rules.setdefault(key, []).append(
                (tuple(source.components), tuple(source.exclude_components))
            )
        else:
            unfiltered.add(key)
    return tuple(
        VendorWatch(names[key], tuple(dict.fromkeys(found)))
        for key, found in rules.items()
        if key not in unfiltered
    )


def outage_kept(watches: Iterable[VendorWatch], vendor: str, components: Iterable[Any]) -> bool:
    """Whether an outage of ``vendor`` touching ``components`` passes the watches."""
    for watch in watches:
        if watch.vendor.casefold() == vendor.casefold():
            return watch.keeps(components)
    return True


def _ident(component: Mapping[str, Any]) -> str | None:
    value = component.get("id")
    return str(value) if value is not None else None
