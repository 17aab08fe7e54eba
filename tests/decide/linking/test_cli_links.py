"""The command line over linked threads: `show` gives the link's reason, `incidents --json`
the channel times, `stats` the per-vendor figures, `unlink` undoes a link."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from incident_feed.cli import main
from incident_feed.store.database import Store
from tests.decide.linking.posts import seed_posts
from tests.decide.linking.test_links import (
    STATUS_ID,
    THREAD,
    store_other_vendor,
    store_posts,
    store_status,
)
from tests.test_cli import CONFIG


@pytest.fixture
def cfg(tmp_path: Path) -> list[str]:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    db = tmp_path / "cli.db"
    store = Store.open(f"sqlite:///{db}")
    store_status(store)
    store_posts(store, seed_posts())
    store.close()
    return ["--config", str(path), "--db", str(db)]


def output(cfg: list[str], capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main([*cfg, *args]) == 0
    return capsys.readouterr().out


def test_show_gives_the_links_reason_and_both_channels(
    cfg: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    text = output(cfg, capsys, "show", STATUS_ID)
    assert f"same as {THREAD} (auto, confidence " in text
    assert "started 4 min apart; both name api, chatgpt, sora" in text
    assert "(social: openai-mastodon)  https://example.social/@openai/113651000000000001" in text
    assert "(status: openai-status)" in text
    # Opened from the thread's id, it is the same outage: the same thread.
    assert output(cfg, capsys, "show", THREAD) == text
    # The thread reads in time order across both channels.
    phases = [line.split()[3] for line in text.splitlines() if line.startswith("2024-")]
    assert phases == [
        "IDENTIFIED",
        "IDENTIFIED",
        "REMEDIATING",
        "REMEDIATING",
        "RESOLVED",
        "RESOLVED",
    ]


def test_incidents_json_has_the_channel_times(
    cfg: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # One outage: the status-page incident (its head) with the thread as a member.
    [item] = json.loads(output(cfg, capsys, "incidents", "--json"))
    assert item["id"] == STATUS_ID and item["contract"] == 2
    assert [(m["id"], m["channel"]) for m in item["members"]] == [
        (THREAD, "social"),
        (STATUS_ID, "status"),
    ] or [(m["id"], m["channel"]) for m in item["members"]] == [
        (STATUS_ID, "status"),
        (THREAD, "social"),
    ]
    assert item["first_social_at"] == "2024-12-11T23:12:00Z"
    assert item["first_status_at"] == "2024-12-11T23:40:00Z"
    [link] = item["links"]
    assert link["incident"] == THREAD and link["role"] == "announced_by"
    # The raw records are still there, each naming its outage.
    records = json.loads(output(cfg, capsys, "incidents", "--records", "--json"))
    assert {(r["id"], r["outage"]) for r in records} == {
        (STATUS_ID, STATUS_ID),
        (THREAD, STATUS_ID),
    }


def test_stats_prints_per_vendor_figures(
    cfg: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    text = output(cfg, capsys, "stats", "--since", "2024-12-01")
    [row] = [line for line in text.splitlines() if line.startswith("OpenAI")]
    assert row.split() == [
        "OpenAI", "1", "0s", "(n=1)", "1h", "58m", "(n=1)", "4h", "26m", "(n=1)",
        "mastodon", "-5m", "(n=3)",
    ]  # fmt: skip
    assert "n: how many incidents (phase times) or posts (lag) each median rests on." in text
    [figures] = json.loads(output(cfg, capsys, "stats", "--since", "2024-12-01", "--json"))
    assert figures["lag"]["mastodon"] == {"median_s": -300.0, "n": 3, "posts_first": 2}


def test_unlink_from_the_command_line(cfg: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*cfg, "unlink", THREAD]) == 0
    assert "undid 1 link of" in capsys.readouterr().err
    text = output(cfg, capsys, "show", THREAD)
    assert f"same as {STATUS_ID} (undone, " in text
    assert main([*cfg, "unlink", THREAD]) == 1
    assert main([*cfg, "link", THREAD, STATUS_ID]) == 0
    assert "(manual, confidence 1.00): linked by hand" in output(cfg, capsys, "show", THREAD)


def test_link_refusals_exit_1_with_a_message(
    cfg: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main([*cfg, "link", THREAD, THREAD]) == 1
    assert f"incident-feed: cannot link '{THREAD}' to itself" in capsys.readouterr().err
    assert main([*cfg, "link", STATUS_ID, THREAD]) == 1  # THREAD -> STATUS_ID exists
    assert f"already linked: {THREAD} -> {STATUS_ID} (auto)" in capsys.readouterr().err
    text = output(cfg, capsys, "show", STATUS_ID)
    assert text.count(f"same as {THREAD}") == 1


def test_link_across_vendors_needs_force(
    cfg: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store.open(f"sqlite:///{cfg[3]}")
    github_id = store_other_vendor(store)
    store.close()
    capsys.readouterr()
    assert main([*cfg, "link", github_id, STATUS_ID]) == 1
    err = capsys.readouterr().err
    assert f"{github_id} is GitHub's and {STATUS_ID} is OpenAI's" in err
    assert "--force" in err
    assert main([*cfg, "link", "--force", github_id, STATUS_ID]) == 0
    # Forced, they are one outage (seen from its head, whichever that is).
    shown = output(cfg, capsys, "show", STATUS_ID)
    assert "(manual, confidence 1.00): linked by hand" in shown
    assert f"same as {github_id} " in shown or f"same as {STATUS_ID} " in shown
