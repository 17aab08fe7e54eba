"""Component watching: globs on a component's id, name or group / name, case-insensitive."""

from __future__ import annotations

from types import SimpleNamespace

from incident_feed.decide.watch import (
    VendorWatch,
    component_watched,
    outage_kept,
    page_components,
    vendor_watches,
)


def test_a_component_is_watched_by_glob_on_its_name_id_or_group() -> None:
    assert component_watched("Chat Completions", "01J", ("chat*",), ())
    assert component_watched("Login", "01JMX", ("01jmx",), ())  # by id
    assert component_watched("Login", None, ("ChatGPT / *",), (), group="ChatGPT")
    assert not component_watched("Login", None, ("ChatGPT / *",), (), group="APIs")
    assert not component_watched("Sora", None, (), ("SORA",))
    assert component_watched("API", None, (), ())  # no rule: everything
    assert not component_watched("API", None, ("API",), ("api",))  # excluded wins


def test_vendor_watches_come_from_active_sources_that_all_set_components() -> None:
    def src(
        vendor: str, inc: tuple[str, ...] = (), exc: tuple[str, ...] = (), active: bool = True
    ) -> SimpleNamespace:
        return SimpleNamespace(vendor=vendor, components=inc, exclude_components=exc, active=active)

    watches = vendor_watches([
        src("OpenAI", ("API*",)), src("OpenAI", ("API*",)),  # the same rule twice: once
        src("GitHub", ("Git*",)), src("GitHub"),  # a source watching everything: no rule
        src("Slack", (), ("Huddles",)), src("Slack", active=False),  # inactive: not counted
    ])  # fmt: skip
    assert watches == (
        VendorWatch("OpenAI", ((("API*",), ()),)),
        VendorWatch("Slack", (((), ("Huddles",)),)),
    )
    assert outage_kept(watches, "openai", [{"name": "API", "id": "x"}])
    assert not outage_kept(watches, "OpenAI", [{"name": "Sora", "id": None}])
    assert outage_kept(watches, "OpenAI", [])  # names no component: kept
    assert outage_kept(watches, "GitHub", [{"name": "Pages"}])  # no rule for GitHub
    assert not outage_kept(watches, "Slack", [{"name": "Huddles"}])


def test_an_outages_component_is_also_matched_by_its_page_name_and_group() -> None:
    # incident.io names an outage's component "APIs / Login"; its page state says Login in APIs.
    # Statuspage names it "Login" alone; its page state gives the group.
    page = {"01A": ("Login", "APIs"), "01B": ("Login", "ChatGPT")}
    watch = VendorWatch("OpenAI", ((("login",), ("ChatGPT / *",)),))
    assert watch.watches("APIs / Login", "01A", page)  # "login" by the page's name
    assert not watch.watches("ChatGPT / Login", "01B", page)  # excluded by the page's group
    assert not watch.watches("APIs / Login", "01A")  # without the page: its own name only
    assert watch.watches("Login", "01A", page) and not watch.watches("Login", "01B", page)
    rows = [
        {"vendor": "OpenAI", "components": [
            {"name": "Login", "id": "01A", "group": "APIs"}, {"name": "No id", "id": None},
            "junk", {"name": 5, "id": "x"}, {"name": "Sora", "id": 7, "group": ["bad"]},
        ]},
        {"vendor": "openai", "components": None},
    ]  # fmt: skip
    pages = page_components(rows)
    assert pages == {"openai": {"01A": ("Login", "APIs"), "7": ("Sora", None)}}
    assert outage_kept([watch], "OPENAI", [{"name": "APIs / Login", "id": "01A"}], pages)
