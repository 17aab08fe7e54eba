"""``unstorable``: the last check before the store names the first value it cannot hold."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from incident_feed.enums import Impact, Kind, Phase
from incident_feed.normalize.drafts import (
    MAX_LINE,
    MAX_TEXT,
    Component,
    IncidentDraft,
    Stamp,
    UpdateDraft,
    unstorable,
)

AT = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
UPDATE = UpdateDraft(
    native_id="u1",
    stamp=Stamp(AT, "2026-11-25T12:00:00Z"),
    phase=Phase.INVESTIGATING,
    label="investigating",
    evidence='label "investigating"',
    text="We are investigating — délais accrus.",
    refs=("tweet:1",),
    components=(Component("Git Operations", "c1"),),
)
DRAFT = IncidentDraft(
    key="k1",
    native_id="k1",
    vendor="GitHub",
    kind=Kind.INCIDENT,
    title="Incident with Git Operations",
    impact=Impact.MINOR,
    updates=(UPDATE,),
    components=(Component("Git Operations", "c1"),),
)


def _update(**changes: Any) -> IncidentDraft:
    return dataclasses.replace(DRAFT, updates=(dataclasses.replace(UPDATE, **changes),))


def test_a_clean_draft_is_storable() -> None:
    assert unstorable(DRAFT) is None
    assert unstorable(_update(text="x" * MAX_TEXT)) is None  # at the limit


@pytest.mark.parametrize(
    ("draft", "reason"),
    [
        (dataclasses.replace(DRAFT, title="a\x00b"), "title holds a NUL character"),
        (dataclasses.replace(DRAFT, key="k\ud800"), "key holds a lone surrogate"),
        (
            dataclasses.replace(DRAFT, url="https://x/" + "a" * MAX_LINE),
            f"url is {MAX_LINE + 10:,} characters (limit {MAX_LINE:,})",
        ),
        (
            dataclasses.replace(DRAFT, components=(Component("ok", "\x00"),)),
            "component holds a NUL character",
        ),
        (
            _update(text="x" * (MAX_TEXT + 1)),
            "update 'u1' text is 200,001 characters (limit 200,000)",
        ),
        (_update(label="\udfff"), "update 'u1' label holds a lone surrogate"),
        (_update(refs=("ok", "bad\x00")), "update 'u1' reference holds a NUL character"),
        (
            _update(components=(Component("Git\ud83d", None),)),
            "update 'u1' component holds a lone surrogate",
        ),
        # The first bad value is named: the title comes before the updates, length before NUL.
        (
            dataclasses.replace(_update(text="\x00"), title="t" * (MAX_LINE + 1) + "\x00"),
            f"title is {MAX_LINE + 2:,} characters (limit {MAX_LINE:,})",
        ),
    ],
)
def test_the_first_value_that_cannot_be_stored_is_named(draft: IncidentDraft, reason: str) -> None:
    assert unstorable(draft) == reason
