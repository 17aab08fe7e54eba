"""One outage, one record: the pure rule (decide/outages) and, on the seed (OpenAI, 2024-12-11:
its status page and its posts on Mastodon and Bluesky), every view telling the same story."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from incident_feed.cli import main
from incident_feed.decide.outages import connected, summarize
from incident_feed.store.database import Store
from incident_feed.store.queries import incident_detail
from incident_feed.tui.exporting import incident_markdown
from tests.conftest import REPO

T0 = dt.datetime(2024, 12, 11, 23, 0, tzinfo=dt.UTC)
SEED = REPO / "tests" / "golden" / "seed" / "openai-2024-12-11.json"
SOCIAL = REPO / "cassettes" / "social" / "payloads"
STATUS_ID = "openai-ctrsv3lwd797"


def _row(i: str, phase: str, start: int, end: int | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": i,
        "vendor": "OpenAI",
        "kind": "incident",
        "title": f"title {i}",
        "impact": extra.pop("impact", "minor"),
        "phase": phase,
        "postmortem": False,
        "started_at": T0 + dt.timedelta(minutes=start),
        "resolved_at": T0 + dt.timedelta(minutes=end) if end is not None else None,
        "updated_at": T0 + dt.timedelta(minutes=end if end is not None else start + 5),
        "scheduled_for": None,
        "scheduled_until": None,
        "url": None,
        "components": extra.pop("components", []),
        **extra,
    }


def test_connected_groups_ignore_edges_to_unknown_ids() -> None:
    groups = connected(["a", "b", "c", "d"], [("a", "c"), ("c", "x"), ("d", "b")])
    assert groups == [["a", "c"], ["b", "d"]]


def test_the_status_page_speaks_for_the_outage() -> None:
    status = _row("s", "monitoring", 10, None, impact="major")
    thread = _row("t", "resolved", 4, 40, impact="unknown")
    outage = summarize([status, thread], social={"t"})
    # The thread says resolved, the status page is still monitoring: the outage is monitoring.
    assert outage["id"] == "s" and outage["phase"] == "monitoring"
    assert outage["resolved_at"] is None
    assert outage["started_at"] == T0 + dt.timedelta(minutes=4)  # the post came first
    assert outage["impact"] == "major" and outage["members"] == 2


def test_resolved_when_every_status_page_member_is_resolved() -> None:
    a = _row("a", "resolved", 0, 30, components=[{"id": "1", "name": "API"}])
    b = _row("b", "resolved", 5, 50, components=[{"id": "2", "name": "ChatGPT"}])
    outage = summarize([b, a], social=set())
    assert outage["id"] == "a" and outage["phase"] == "resolved"
    assert outage["resolved_at"] == T0 + dt.timedelta(minutes=50)
    assert [c["name"] for c in outage["components"]] == ["API", "ChatGPT"]
    still_open = summarize([a, _row("b", "identified", 5, None)], social=set())
    assert still_open["phase"] == "identified" and still_open["resolved_at"] is None


def test_a_lone_thread_is_its_own_outage() -> None:
    outage = summarize([_row("t", "identified", 0, None)], social={"t"})
    assert outage["id"] == "t" and outage["phase"] == "identified"


@pytest.fixture
def seed_db(tmp_path: Path) -> list[str]:
    config = tmp_path / "config.toml"
    config.write_text('[settings]\ntimezone = "UTC"\n', encoding="utf-8")
    cfg = ["--config", str(config), "--db", str(tmp_path / "seed.db")]
    imports = [
        ["statuspage", "openai-status", SEED],
        ["mastodon", "openai-mastodon", SOCIAL / "openai-seed-mastodon.json"],
        ["bluesky", "openai-bluesky", SOCIAL / "openai-seed-bluesky.json"],
    ]
    for kind, source, path in imports:
        code = main([*cfg, "import", "--kind", kind, "--vendor", "OpenAI", "--source", source,
                     str(path)])  # fmt: skip
        assert code == 0
    return cfg


def _out(cfg: list[str], capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main([*cfg, *args]) == 0
    return capsys.readouterr().out


def test_the_seed_is_one_outage_in_every_view(
    seed_db: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    [outage] = json.loads(_out(seed_db, capsys, "incidents", "--json", "--with-updates"))
    assert outage["id"] == STATUS_ID and len(outage["members"]) == 3
    assert {m["channel"] for m in outage["members"]} == {"status", "social"}
    assert {u["channel"] for u in outage["updates"]} == {"status", "social"}
    assert len(outage["updates"]) == 9
    assert [u["at"] for u in outage["updates"]] == sorted(u["at"] for u in outage["updates"])
    # show --json of any member, or of the native id in any case, is the same outage.
    shown = [
        json.loads(_out(seed_db, capsys, "show", ident, "--json"))
        for ident in [m["id"] for m in outage["members"]] + ["CTRSV3LWD797"]
    ]
    assert all(s == shown[0] for s in shown)
    assert shown[0]["updates"] == outage["updates"]
    # The text views: the list has one row, show holds every update.
    rows = _out(seed_db, capsys, "incidents").splitlines()
    assert len(rows) == 1 and rows[0].startswith(STATUS_ID)
    text = _out(seed_db, capsys, "show", STATUS_ID)
    assert text.count("(social: openai-mastodon)") == 3 and text.count("(status: ") == 3
    # export of the status-page id holds the posts, and the TUI's `e` writes the same.
    exported = _out(seed_db, capsys, "export", STATUS_ID, "--tz", "UTC")
    assert exported.count("· openai-mastodon") == 3 and exported.count("· openai-bluesky") == 3
    store = Store.open(f"sqlite:///{seed_db[-1]}")
    try:
        detail = incident_detail(store, STATUS_ID)
        assert detail is not None
        assert incident_markdown(detail, dt.UTC) == exported
    finally:
        store.close()
    # A period report and stats count one outage.
    report = _out(seed_db, capsys, "export", "--vendor", "OpenAI", "--since", "2024-12-01")
    assert "1 incident from 1 vendor" in report
    [figures] = json.loads(_out(seed_db, capsys, "stats", "--since", "2024-12-01", "--json"))
    assert figures["incidents"] == 1


def test_unlinking_splits_the_outage_and_relinking_joins_it(
    seed_db: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    [outage] = json.loads(_out(seed_db, capsys, "incidents", "--json"))
    thread = next(m["id"] for m in outage["members"] if m["source"] == "openai-mastodon")
    assert main([*seed_db, "unlink", thread]) == 0
    ids = [o["id"] for o in json.loads(_out(seed_db, capsys, "incidents", "--json"))]
    assert sorted(ids) == sorted([STATUS_ID, thread])
    assert main([*seed_db, "link", thread, STATUS_ID]) == 0
    [again] = json.loads(_out(seed_db, capsys, "incidents", "--json"))
    assert again["id"] == STATUS_ID and len(again["members"]) == 3


def test_search_finds_an_outage_by_any_members_words(
    seed_db: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # "experiencing" is only in the posts; "remediation" in the posts and the status page.
    for words in ("experiencing", "remediation", "experiencing outage"):
        found = json.loads(_out(seed_db, capsys, "incidents", "--json", "--search", words))
        assert [o["id"] for o in found] == [STATUS_ID], words
    assert _out(seed_db, capsys, "incidents", "--search", "zzzznothing").startswith(
        "No incidents match"
    )


def test_search_by_probes_finds_non_head_members_too(
    seed_db: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every word too common to list up front, the head is probed and then the members."""
    import incident_feed.store.queries as queries

    monkeypatch.setattr(queries, "LISTED_HITS", 0)
    for words in ("experiencing", "remediation", "experiencing outage"):
        found = json.loads(_out(seed_db, capsys, "incidents", "--json", "--search", words))
        assert [o["id"] for o in found] == [STATUS_ID], words
    assert json.loads(_out(seed_db, capsys, "incidents", "--json", "--search", "zzzz")) == []


def test_the_same_filter_gives_the_same_outages_in_the_cli_and_the_tui(
    seed_db: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from incident_feed.store.queries import Listing
    from incident_feed.tui.filtering import parse_filter

    now = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)
    cases = [
        ("vendor:openai experiencing", ["--vendor", "openai", "--search", "experiencing"]),
        ("kind:incident impact:critical", ["--kind", "incident", "--impact", "critical"]),
        ("component:sora since:2024-12-01", ["--component", "sora", "--since", "2024-12-01"]),
        ("impact:minor", ["--impact", "minor"]),
    ]
    store = Store.open(f"sqlite:///{seed_db[-1]}")
    try:
        for bar, flags in cases:
            parsed = parse_filter(bar, now)
            assert parsed.problems == ()
            in_tui = [row.id for row in Listing(store, parsed.filter).all()]
            in_cli = [
                o["id"] for o in json.loads(_out(seed_db, capsys, "incidents", "--json", *flags))
            ]
            assert in_tui == in_cli, bar
            assert in_tui == ([] if bar == "impact:minor" else [STATUS_ID]), bar
    finally:
        store.close()


def test_notifications_see_the_seed_as_one_outage(seed_db: list[str]) -> None:
    from incident_feed.store.notify_state import (
        Note,
        changed_incidents,
        ensure_notify_tables,
        record,
    )

    store = Store.open(f"sqlite:///{seed_db[-1]}")
    try:
        ensure_notify_tables(store)
        changed = [row for row in changed_incidents(store) if row["vendor"] == "OpenAI"]
        assert [(row["id"], len(row["members"])) for row in changed] == [(STATUS_ID, 3)]
        # Noted under a thread's id before the status page joined it, the outage is not new.
        thread = next(m for m in changed[0]["members"] if m != STATUS_ID)
        record(
            store, [Note(thread, "resolved", None)], now=dt.datetime(2024, 12, 12, 4, tzinfo=dt.UTC)
        )
        [again] = [row for row in changed_incidents(store) if row["vendor"] == "OpenAI"]
        assert again["noted_phase"] == "resolved" and again.get("renoted_only") is True
    finally:
        store.close()
