"""The outage listing's filters and rules, on SQLite and on PostgreSQL: components matched by
name inside the JSON (not its text), maintenances taken as over only when they really are, and
the sources screen's per-vendor counts as the listing counts them."""

from __future__ import annotations

import dataclasses
import datetime as dt

from incident_feed.decide.watch import VendorWatch
from incident_feed.enums import ComponentState, Impact, Kind, Phase
from incident_feed.normalize.drafts import (
    Component,
    ComponentStatus,
    IncidentDraft,
    PageStatus,
    Stamp,
    UpdateDraft,
)
from incident_feed.store.database import Store
from incident_feed.store.page_status import record_page_status
from incident_feed.store.queries import IncidentFilter, Listing, vendor_summaries


def at(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2025, 1, day, hour, tzinfo=dt.UTC)


def update(
    native: str, when: dt.datetime, phase: str, components: tuple[str, ...] = ()
) -> UpdateDraft:
    return UpdateDraft(
        native, Stamp(when, when.isoformat()), Phase(phase), None, "test", "update",
        components=tuple(Component(c) for c in components),
    )  # fmt: skip


def draft(key: str, title: str, updates: list[UpdateDraft], **fields: object) -> IncidentDraft:
    components = tuple(Component(str(c)) for c in fields.pop("components", ()))  # type: ignore[attr-defined]
    return IncidentDraft(
        key=key, native_id=key, vendor="Acme", kind=fields.pop("kind", Kind.INCIDENT),  # type: ignore[arg-type]
        title=title, impact=Impact.MINOR, updates=tuple(updates), components=components,
        **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def titles(store: Store, filt: IncidentFilter) -> list[str]:
    return sorted(row.title for row in Listing(store, filt).all())


def test_components_match_by_name_inside_the_json(any_store: Store) -> None:
    any_store.apply("acme-status", "statuspage", [
        draft("A", "Zurich region down", [update("a1", at(2), "investigating")], components=["Zürich DC"]),
        draft("B", "Tokyo slow", [update("b1", at(3), "investigating")], components=["東京"]),
        draft("C", "API errors", [update("c1", at(4), "investigating")], components=["API"]),
    ], at(5))  # fmt: skip
    now = at(5)
    assert titles(any_store, IncidentFilter(now=now, components=("zürich",))) == [
        "Zurich region down"
    ]
    assert titles(any_store, IncidentFilter(now=now, components=("Zürich DC",))) == [
        "Zurich region down"
    ]
    assert titles(any_store, IncidentFilter(now=now, components=("東京",))) == ["Tokyo slow"]
    assert titles(any_store, IncidentFilter(now=now, components=("api",))) == ["API errors"]
    # The JSON's own text (keys, null) is not a component.
    for word in ("name", "id", "null"):
        assert titles(any_store, IncidentFilter(now=now, components=(word,))) == [], word


def test_a_maintenance_is_over_only_when_it_really_is(any_store: Store) -> None:
    maintenance = Kind.MAINTENANCE
    any_store.apply("acme-status", "statuspage", [
        # Window ended at 10:00; at 11:00 the vendor said it runs over: still on.
        draft("over", "Network work overrunning",
              [update("o1", at(10, 8), "in_progress"), update("o2", at(10, 11), "in_progress")],
              kind=maintenance, scheduled_for=at(10, 8), scheduled_until=at(10, 10)),
        # Window ended, nothing said after it: over (assumed).
        draft("done", "Database upgrade",
              [update("d1", at(10, 8), "in_progress")],
              kind=maintenance, scheduled_for=at(10, 8), scheduled_until=at(10, 10)),
        # Announced on the 1st for the 20th, no end given: not over before it starts.
        draft("next", "Upgrade next week", [update("n1", at(1), "scheduled")],
              kind=maintenance, scheduled_for=at(20)),
        # No window, silent for more than a week: over (assumed).
        draft("old", "Old maintenance", [update("m1", at(1), "in_progress")], kind=maintenance),
    ], at(10, 12))  # fmt: skip
    now = at(10, 12)
    active = titles(any_store, IncidentFilter(now=now, active_only=True))
    assert active == ["Network work overrunning", "Upgrade next week"]
    rows = {row.title: row for row in Listing(any_store, IncidentFilter(now=now)).all()}
    assert rows["Database upgrade"].ended_assumed and rows["Old maintenance"].ended_assumed
    assert not rows["Network work overrunning"].ended_assumed
    # A week after the overrun's last word, it too is taken as over.
    later = now + dt.timedelta(days=8)
    assert titles(any_store, IncidentFilter(now=later, active_only=True)) == ["Upgrade next week"]


def test_vendor_summaries_count_outages_as_the_listing_does(any_store: Store) -> None:
    any_store.apply("acme-status", "statuspage", [
        draft("S", "Open outage", [update("s1", at(2), "investigating")]),
        draft("T", "Old maintenance", [update("t1", at(1), "in_progress")], kind=Kind.MAINTENANCE),
        draft("U", "Resolved", [update("u1", at(1), "investigating"), update("u2", at(1, 5), "resolved")]),
    ], at(20))  # fmt: skip
    [summary] = vendor_summaries(any_store, at(20))
    listed = Listing(any_store, IncidentFilter(now=at(20), active_only=True)).count()
    assert (summary.active, summary.total) == (listed, 3) == (1, 3)


def test_component_watching_keeps_a_vendors_outages_on_watched_components(any_store: Store) -> None:
    any_store.apply("acme-status", "statuspage", [
        draft("A", "API errors", [update("a1", at(2), "investigating")], components=["API"]),
        draft("B", "Sora slow", [update("b1", at(3), "investigating")], components=["Sora"]),
        draft("C", "Login and Sora", [update("c1", at(4), "investigating")], components=["Login", "Sora"]),
        draft("D", "Something", [update("d1", at(4), "investigating")]),
    ], at(5))  # fmt: skip
    now = at(5)
    api = VendorWatch("acme", ((("API*",), ()),))  # vendor names match in any case
    assert titles(any_store, IncidentFilter(now=now, watch=(api,))) == [
        "API errors", "Something",  # an outage naming no component is kept
    ]  # fmt: skip
    no_sora = VendorWatch("Acme", (((), ("sora",)),))
    assert titles(any_store, IncidentFilter(now=now, watch=(no_sora,))) == [
        "API errors", "Login and Sora", "Something",  # Login is watched
    ]  # fmt: skip
    other = VendorWatch("Globex", ((("API",), ()),))  # another vendor's rule changes nothing here
    assert len(titles(any_store, IncidentFilter(now=now, watch=(other,)))) == 4
    nothing = VendorWatch("Acme", ((("Billing",), ()),))
    assert titles(any_store, IncidentFilter(now=now, watch=(nothing,))) == ["Something"]
    assert Listing(any_store, IncidentFilter(now=now, watch=(api,))).count() == 2


def test_watching_reads_an_outages_components_by_the_names_and_groups_its_page_gives_them(
    any_store: Store,
) -> None:
    # A Statuspage page with two components named "Login" in two groups: incidents name them
    # by name and id only; the page's state gives their groups.
    def logins(key: str, title: str, ident: str) -> IncidentDraft:
        return dataclasses.replace(
            draft(key, title, [update(f"{key}1", at(2), "investigating")]),
            components=(Component("Login", ident),),
        )

    any_store.apply("acme-status", "statuspage", [
        logins("A", "API login errors", "cmp-a"), logins("B", "ChatGPT login errors", "cmp-b"),
    ], at(3))  # fmt: skip
    page = PageStatus(Impact.MINOR, "Partial outage", (
        ComponentStatus("Login", ComponentState.PARTIAL_OUTAGE, "cmp-a", "APIs"),
        ComponentStatus("Login", ComponentState.OPERATIONAL, "cmp-b", "ChatGPT"),
    ), None)  # fmt: skip
    record_page_status(any_store, "acme-status", "ACME", page, at(3))  # vendor in another case
    now = at(3)
    apis = VendorWatch("Acme", ((("APIs / *",), ()),))
    assert titles(any_store, IncidentFilter(now=now, watch=(apis,))) == ["API login errors"]
    not_chatgpt = VendorWatch("Acme", ((("login",), ("chatgpt / *",)),))
    assert titles(any_store, IncidentFilter(now=now, watch=(not_chatgpt,))) == ["API login errors"]
    by_id = VendorWatch("Acme", ((("CMP-B",), ()),))
    assert titles(any_store, IncidentFilter(now=now, watch=(by_id,))) == ["ChatGPT login errors"]
