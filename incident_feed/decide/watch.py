"""Component watching: which components a source's ``components`` / ``exclude_components``
keep. Pure; the one home of the rule for every view (status, listing, export, notify).

A pattern is a shell-style glob (``API*``, ``*Login``) matched, case-insensitively, against a
component's id, its name, and ``group / name``. A component is kept when no ``components`` are
given or one of them matches, and none of ``exclude_components`` matches.

An outage's components name themselves as their incidents did (Statuspage: no group; incident.io:
``APIs / Login``); the page's state names the same components by id with their name and group.
So an outage's component is also matched by the name and ``group / name`` its page gives that id
(``page``), and a pattern means the same component in ``status`` and in every outage view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any


def _matches(patterns: Iterable[str], names: Iterable[str | None]) -> bool:
    folded = [n.casefold() for n in names if n]
    return any(fnmatchcase(name, p.casefold()) for p in patterns for name in folded)


# A page's components by id: (name, group), from its stored state.
PageComponents = Mapping[str, tuple[str, str | None]]


def component_watched(
    name: str,
    ident: str | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    group: str | None = None,
    page: PageComponents | None = None,
) -> bool:
    """Whether a component is watched under ``include`` / ``exclude``; ``page`` adds the name
    and group the page gives its id."""
    names = [name, ident, f"{group} / {name}" if group else None]
    if page and ident is not None and ident in page:
        page_name, page_group = page[ident]
        names += [page_name, f"{page_group} / {page_name}" if page_group else None]
    if include and not _matches(include, names):
        return False
    return not (exclude and _matches(exclude, names))


@dataclass(frozen=True, slots=True)
class VendorWatch:
    """The component rules of one vendor's sources: a component is watched when one rule
    (``(components, exclude_components)`` of a source) keeps it."""

    vendor: str
    rules: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]

    def watches(self, name: str, ident: str | None, page: PageComponents | None = None) -> bool:
        """Whether one of an outage's components is watched (``page``: the vendor's page
        components, see the module docstring)."""
        return any(component_watched(name, ident, inc, exc, page=page) for inc, exc in self.rules)

    def keeps(
        self, components: Iterable[Mapping[str, Any]], page: PageComponents | None = None
    ) -> bool:
        """Whether an outage of this vendor with ``components`` ({name, id}) is watched."""
        listed = [c for c in components if isinstance(c, Mapping)]
        if not listed:
            return True
        return any(self.watches(str(c.get("name") or ""), _ident(c), page) for c in listed)


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


def outage_kept(
    watches: Iterable[VendorWatch],
    vendor: str,
    components: Iterable[Any],
    pages: Mapping[str, PageComponents] | None = None,
) -> bool:
    """Whether an outage of ``vendor`` touching ``components`` passes the watches; ``pages``:
    each vendor's page components, by casefolded vendor name."""
    for watch in watches:
        if watch.vendor.casefold() == vendor.casefold():
            return watch.keeps(components, (pages or {}).get(vendor.casefold()))
    return True


def page_components(
    rows: Iterable[Mapping[Any, Any]],
) -> dict[str, dict[str, tuple[str, str | None]]]:
    """Each vendor's page components by id, ``(name, group)``, from stored page states
    (``{vendor, components: [{name, id, group}]}``), by casefolded vendor name."""
    found: dict[str, dict[str, tuple[str, str | None]]] = {}
    for row in rows:
        known = found.setdefault(str(row["vendor"]).casefold(), {})
        for item in row.get("components") or []:
            if not isinstance(item, Mapping) or item.get("id") is None:
                continue
            name, group = item.get("name"), item.get("group")
            if isinstance(name, str):
                known.setdefault(str(item["id"]), (name, group if isinstance(group, str) else None))
    return found


def _ident(component: Mapping[str, Any]) -> str | None:
    value = component.get("id")
    return str(value) if value is not None else None
