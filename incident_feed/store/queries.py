"""Read queries for the views: keyset pages of outages, one outage's thread, sources' health.

The views list *outages* (see :mod:`incident_feed.decide.outages`): one row per event, however
many incidents and social threads describe it. Listing order is "active first, then newest": two
segments (active, then finished), each ordered by ``started_at DESC, id DESC``. A maintenance
whose window ended with no later update counts as finished (``ended_assumed``). Pages are
fetched by keyset (the last row's sort key), never by offset, so the thousandth page costs what
the first does. Free text matches an outage when it matches any member's title, vendor or
updates, through the full-text index of migration 0002 (FTS5 on SQLite, GIN ``tsvector``
indexes on PostgreSQL); a database without the index falls back to ``LIKE``.
"""

from __future__ import annotations

import datetime as dt
import re
import weakref
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    String,
    and_,
    bindparam,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
)

from incident_feed.clock import utc_now
from incident_feed.config import Config
from incident_feed.decide.lag import PostLag, post_lags
from incident_feed.decide.links import ordered_links
from incident_feed.decide.watch import VendorWatch, page_components
from incident_feed.enums import FINAL_PHASES, Kind, Phase
from incident_feed.kinds import social_channel
from incident_feed.store.database import INCIDENT, RECORD, SOURCE, UPDATE, Store
from incident_feed.store.tables import MEMBER, OUTAGE, PAGE_STATUS, RUN

__all__ = [
    "DataVersion",
    "IncidentDetail",
    "IncidentFilter",
    "IncidentRow",
    "Listing",
    "SortKey",
    "SourceHealth",
    "VendorSummary",
    "count_incidents",
    "data_version",
    "ended_assumed",
    "incident_detail",
    "outage_details",
    "resolve_ids",
    "page_after",
    "page_before",
    "search_incidents",
    "search_terms",
    "source_health",
    "vendor_names",
    "vendor_summaries",
]

_FINAL = tuple(p.value for p in FINAL_PHASES)
# The active phases listed (not "NOT IN final"), so the phase index finds them directly.
_ACTIVE = tuple(p.value for p in Phase if p not in FINAL_PHASES)
_WORD = re.compile(r"\w+", re.UNICODE)
# Keep identical to the index expressions in migrations/versions/0002_search.py.
INCIDENT_TSVECTOR = (
    "to_tsvector('simple', coalesce(incident.title, '') || ' ' || coalesce(incident.vendor, ''))"
)
UPDATE_TSVECTOR = "to_tsvector('simple', coalesce(incident_update.text, ''))"


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    """What the incidents view shows; every field is optional."""

    text: str = ""
    vendors: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    impacts: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    active_only: bool = False
    show_maintenance: bool = True
    # Component watching (``components`` / ``exclude_components`` of the config's sources): a
    # watched vendor's outages are listed only when they touch a watched component.
    watch: tuple[VendorWatch, ...] = ()
    # The moment "active" is judged at (a maintenance window ends); None: when the listing starts.
    now: dt.datetime | None = None


@dataclass(frozen=True, slots=True, order=True)
class SortKey:
    """Where a row sits in the listing: segment 0 = active, 1 = finished; then newest first."""

    segment: int
    started_at: dt.datetime
    id: str


@dataclass(frozen=True, slots=True)
class IncidentRow:
    """One line of the incidents view."""

    id: str
    vendor: str
    kind: str
    title: str
    phase: str
    impact: str
    started_at: dt.datetime
    resolved_at: dt.datetime | None
    updated_at: dt.datetime
    url: str | None
    source_kinds: tuple[str, ...] = ()
    members: int = 1
    # A maintenance whose window ended with no later update: over, though never marked so.
    ended_assumed: bool = False

    @property
    def active(self) -> bool:
        return self.phase not in _FINAL and not self.ended_assumed

    @property
    def key(self) -> SortKey:
        return SortKey(0 if self.active else 1, self.started_at, self.id)


@dataclass(frozen=True, slots=True)
class IncidentDetail:
    """One outage, read whole: the one thread every view shows (``show``, ``show --json``,
    ``export``, the TUI, notifications).

    ``incident`` is the outage's summary row (its id is the head incident's); ``members`` the
    incident rows it joins; ``updates`` every member's updates in time order (each names its
    ``incident_id`` and ``source_name``); ``records`` the source records behind the members;
    ``links`` every link touching a member (undone ones too, marked); ``social`` the ids of the
    members that are social threads.
    """

    incident: Mapping[Any, Any]
    updates: tuple[Mapping[Any, Any], ...]
    records: tuple[Mapping[Any, Any], ...]
    links: tuple[Mapping[Any, Any], ...] = ()
    members: tuple[Mapping[Any, Any], ...] = ()
    social: frozenset[str] = frozenset()

    @property
    def id(self) -> str:
        return str(self.incident["id"])

    def channel(self, incident_id: str) -> str:
        """``social`` or ``status`` for a member."""
        return "social" if incident_id in self.social else "status"

    def first_at(self, channel: str) -> dt.datetime | None:
        """When ``channel`` (``social`` or ``status``) first spoke about the outage."""
        times = [u["at"] for u in self.updates if self.channel(u["incident_id"]) == channel]
        return min(times) if times else None

    def platform(self, update: Mapping[Any, Any]) -> str:
        """Where an update was published: ``status`` for a status page, else the post's social
        channel (``mastodon``, ``bluesky``, ``x``, ``feed``; an account feed's from its URL)."""
        if update["incident_id"] not in self.social:
            return "status"
        kinds = {r["source_name"]: r["source_kind"] for r in self.records}
        return social_channel(kinds.get(update["source_name"], "account-feed"), update["url"])

    def lags(self) -> dict[int, PostLag]:
        """Each social post's lag behind the status page, by update id (decide.lag)."""
        return {lag.update_id: lag for lag in post_lags(self.updates, self.social, self.platform)}


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """A configured (or formerly configured) source and how its last attempts went."""

    name: str
    vendor: str
    kind: str
    url: str
    configured: bool
    last_attempt_at: dt.datetime | None = None
    last_success_at: dt.datetime | None = None
    consecutive_failures: int = 0
    last_error: str | None = None
    last_error_at: dt.datetime | None = None
    # Its place in the shared schedule (``watch``, ``collect``): when it is next due, and the
    # worker fetching it now (None when none holds a live lease).
    next_due_at: dt.datetime | None = None
    fetching_by: str | None = None


@dataclass(frozen=True, slots=True)
class VendorSummary:
    """Per vendor: active incidents, all incidents, and incidents started per week (oldest
    first)."""

    vendor: str
    active: int
    total: int
    last_started_at: dt.datetime | None
    weekly: tuple[int, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class DataVersion:
    """Cheap fingerprint of the database: changes when another process writes."""

    incidents: int
    last_update_id: int
    last_incident_change: dt.datetime | None
    last_run_id: int
    last_run_finished: dt.datetime | None
    last_source_attempt: dt.datetime | None


# -- the listing --------------------------------------------------------------------------------


class Listing:
    """One filter's listing, read a page at a time.

    The filter is planned once (:func:`_plan`: for free text, how many rows each word hits in
    the full-text index and, for rare words, which incidents) on first use, then every page
    and the count reuse the plan: paging through a search costs one keyset query per page,
    not the index look-ups again. A listing is a snapshot of the plan: build a new one when
    the data changes (the views do, on every reload).
    """

    def __init__(self, store: Store, filt: IncidentFilter) -> None:
        self.store = store
        self.filter = filt
        self._plan: _Plan | None = None

    def _planned(self, conn: Connection) -> _Plan:
        if self._plan is None:  # two threads may both plan: same result, no harm
            self._plan = _plan(conn, self.store, self.filter)
        return self._plan

    def after(self, after: SortKey | None, limit: int) -> list[IncidentRow]:
        """Up to ``limit`` rows following ``after`` (from the top when None)."""
        rows: list[Mapping[Any, Any]] = []
        with self.store.read() as conn:
            plan = self._planned(conn)
            for segment in _segments(self.filter) if not plan.empty else []:
                if after is not None and segment < after.segment:
                    continue
                statement, started = _listing(plan, segment)
                statement = statement.order_by(started.desc(), OUTAGE.c.id.desc())
                if after is not None and segment == after.segment:
                    statement = statement.where(
                        started <= after.started_at,
                        or_(started < after.started_at, OUTAGE.c.id < after.id),
                    )
                rows += conn.execute(statement.limit(limit - len(rows))).mappings().all()
                if len(rows) >= limit:
                    break
            return _with_sources(conn, rows, plan.now)

    def before(self, before: SortKey | None, limit: int) -> list[IncidentRow]:
        """Up to ``limit`` rows preceding ``before`` (the last rows when None), in listing
        order."""
        rows: list[Mapping[Any, Any]] = []
        with self.store.read() as conn:
            plan = self._planned(conn)
            for segment in reversed(_segments(self.filter)) if not plan.empty else []:
                if before is not None and segment > before.segment:
                    continue
                statement, started = _listing(plan, segment)
                statement = statement.order_by(started.asc(), OUTAGE.c.id.asc())
                if before is not None and segment == before.segment:
                    statement = statement.where(
                        started >= before.started_at,
                        or_(started > before.started_at, OUTAGE.c.id > before.id),
                    )
                rows += conn.execute(statement.limit(limit - len(rows))).mappings().all()
                if len(rows) >= limit:
                    break
            rows.reverse()
            return _with_sources(conn, rows, plan.now)

    def all(self, page: int = 1000) -> list[IncidentRow]:
        """Every row of the listing, a page at a time (reports)."""
        rows: list[IncidentRow] = []
        while True:
            found = self.after(rows[-1].key if rows else None, page)
            rows += found
            if len(found) < page:
                return rows

    def count(self) -> int:
        with self.store.read() as conn:
            plan = self._planned(conn)
            if plan.empty:
                return 0
            statement = select(func.count()).select_from(OUTAGE).where(*plan.conditions)
            return int(conn.execute(statement).scalar_one())


def page_after(
    store: Store, filt: IncidentFilter, after: SortKey | None, limit: int
) -> list[IncidentRow]:
    """Up to ``limit`` rows following ``after`` (from the top when None)."""
    return Listing(store, filt).after(after, limit)


def page_before(
    store: Store, filt: IncidentFilter, before: SortKey | None, limit: int
) -> list[IncidentRow]:
    """Up to ``limit`` rows preceding ``before`` (the last rows when None), in listing order."""
    return Listing(store, filt).before(before, limit)


def count_incidents(store: Store, filt: IncidentFilter) -> int:
    return Listing(store, filt).count()


def search_incidents(store: Store, words: str, limit: int = 20) -> list[IncidentRow]:
    """Incidents matching free text, newest first (the command palette's jump list)."""
    if not search_terms(words):
        return []
    return page_after(store, IncidentFilter(text=words), None, limit)


def search_terms(words: str) -> list[str]:
    """The words of a free-text query, as the index tokenizes them (lower case, no syntax)."""
    return [w.lower() for w in _WORD.findall(words)][:16]


def vendor_names(store: Store) -> list[str]:
    with store.read() as conn:
        statement = select(INCIDENT.c.vendor).distinct().order_by(INCIDENT.c.vendor)
        return [str(v) for v in conn.execute(statement).scalars()]


@dataclass(frozen=True, slots=True)
class _Plan:
    """A filter turned into SQL conditions for one connection.

    ``listed``: the words matched few enough rows that the matching incident ids were fetched
    up front (the query then starts from those ids); otherwise each word is an EXISTS probe
    and the listing walks the ``started_at`` index, stopping after a page of matches.
    """

    conditions: list[ColumnElement[bool]]
    listed: bool
    sqlite: bool
    now: dt.datetime

    @property
    def empty(self) -> bool:
        """A word matched nothing: no need to ask the database anything else."""
        return any(c is _NOTHING for c in self.conditions)


def _segments(filt: IncidentFilter) -> list[int]:
    return [0] if filt.active_only else [0, 1]


# A maintenance with no scheduled end, silent this long, is taken as over (feeds carry no window).
MAINTENANCE_SILENCE = dt.timedelta(days=7)


def _ended(now: dt.datetime) -> ColumnElement[bool]:
    """An open maintenance taken as over at ``now``: :func:`ended_assumed` in SQL (the two must
    agree, or keyset paging would skip or repeat rows)."""
    silent_since = now - MAINTENANCE_SILENCE
    return and_(
        OUTAGE.c.kind == Kind.MAINTENANCE.value,
        or_(
            and_(
                OUTAGE.c.scheduled_until.is_not(None),
                OUTAGE.c.scheduled_until < now,
                or_(
                    OUTAGE.c.updated_at <= OUTAGE.c.scheduled_until,
                    OUTAGE.c.updated_at < silent_since,
                ),
            ),
            and_(
                OUTAGE.c.scheduled_until.is_(None),
                OUTAGE.c.updated_at < silent_since,
                or_(OUTAGE.c.scheduled_for.is_(None), OUTAGE.c.scheduled_for < silent_since),
            ),
        ),
    )


def _listing(plan: _Plan, segment: int) -> tuple[Select[Any], ColumnElement[Any]]:
    """One segment's rows, and the ``started_at`` expression to order and compare on."""
    started: ColumnElement[Any] = OUTAGE.c.started_at
    phase: ColumnElement[Any] = OUTAGE.c.phase
    if plan.sqlite and not plan.listed:
        # SQLite's planner cannot know that active outages are few and finished ones nearly
        # all (ANALYZE keeps only averages), so it picks the wrong index for one segment or the
        # other. A unary "+" hides a column's index: active rows come from the phase index
        # and are sorted (they are few); finished rows walk the started_at index in order and
        # stop after a page.
        if segment:
            phase = literal_column("+outage.phase", String)
        else:
            started = literal_column("+outage.started_at", OUTAGE.c.started_at.type)
    ended = _ended(plan.now)
    where = (
        or_(phase.in_(_FINAL), and_(phase.in_(_ACTIVE), ended))
        if segment
        else and_(phase.in_(_ACTIVE), ~ended)
    )
    statement = select(
        OUTAGE.c.id,
        OUTAGE.c.vendor,
        OUTAGE.c.kind,
        OUTAGE.c.title,
        OUTAGE.c.phase,
        OUTAGE.c.impact,
        OUTAGE.c.started_at,
        OUTAGE.c.resolved_at,
        OUTAGE.c.updated_at,
        OUTAGE.c.scheduled_for,
        OUTAGE.c.scheduled_until,
        OUTAGE.c.url,
        OUTAGE.c.members,
    ).where(*plan.conditions, where)
    return statement, started


def _plan(conn: Connection, store: Store, filt: IncidentFilter) -> _Plan:
    now = filt.now or utc_now()
    conditions: list[ColumnElement[bool]] = []
    if filt.vendors:
        conditions.append(func.lower(OUTAGE.c.vendor).in_([v.lower() for v in filt.vendors]))
    if filt.phases:
        conditions.append(OUTAGE.c.phase.in_(filt.phases))
    if filt.kinds:
        conditions.append(OUTAGE.c.kind.in_(filt.kinds))
    if filt.impacts:
        conditions.append(OUTAGE.c.impact.in_(filt.impacts))
    if filt.since is not None:
        conditions.append(OUTAGE.c.started_at >= filt.since)
    if filt.until is not None:
        conditions.append(OUTAGE.c.started_at < filt.until)
    if filt.active_only:
        conditions += [OUTAGE.c.phase.in_(_ACTIVE), ~_ended(now)]
    if not filt.show_maintenance:
        conditions.append(OUTAGE.c.kind != Kind.MAINTENANCE.value)
    for number, component in enumerate(filt.components):
        conditions.append(_component_condition(store.dialect, number, component))
    if filt.watch:
        conditions += _watch_conditions(conn, store.dialect, filt.watch)
    terms = search_terms(filt.text)
    sqlite = store.dialect == "sqlite"
    member_conditions: list[ColumnElement[bool]] = []
    listed = False
    if sqlite and terms and _has_fts(store):
        condition, listed = _outage_fts(conn, terms)
        conditions.append(condition)
    else:
        member_conditions += [_text_condition(store.dialect, term) for term in terms]
    if any(c is _NOTHING for c in member_conditions):
        conditions.append(_NOTHING)
    elif member_conditions:
        # An outage matches when one of its incidents does (its title, vendor or updates).
        members = MEMBER.join(INCIDENT, INCIDENT.c.id == MEMBER.c.incident_id)
        conditions.append(
            exists(
                select(literal_column("1"))
                .select_from(members)
                .where(MEMBER.c.outage_id == OUTAGE.c.id, *member_conditions)
            )
        )
    return _Plan(conditions, listed, sqlite, now)


_COMPONENT_SQL = {
    # Each element of the outage's components: a part of its name (case-insensitive), or its id.
    "sqlite": (
        "EXISTS (SELECT 1 FROM json_each(outage.components) AS c WHERE "
        "lower(json_extract(c.value, '$.name')) LIKE :{p} ESCAPE '\\' "
        "OR json_extract(c.value, '$.id') = :{i})"
    ),
    "postgresql": (
        "EXISTS (SELECT 1 FROM json_array_elements(outage.components) AS c WHERE "
        "lower(c.value ->> 'name') LIKE :{p} ESCAPE '\\' OR c.value ->> 'id' = :{i})"
    ),
}


def _component_condition(dialect: str, number: int, name: str) -> ColumnElement[bool]:
    """Outages with a component named ``name`` (a part of it, any case) or with that id."""
    sql = _COMPONENT_SQL["postgresql" if dialect == "postgresql" else "sqlite"]
    p, i = f"component_{number}", f"component_id_{number}"
    pattern = "%" + _like_escape(name.strip().lower()) + "%"
    clause = text(sql.format(p=p, i=i)).bindparams(**{p: pattern, i: name.strip()})
    return and_(clause)


_WATCH_SQL = {
    # The outage names no component, or one of them is watched: its name and id, joined by a
    # unit separator (a control character, never in a cleaned name), are among the kept pairs.
    "sqlite": (
        "(json_array_length(outage.components) = 0 OR EXISTS (SELECT 1 FROM "
        "json_each(outage.components) AS c WHERE coalesce(json_extract(c.value, '$.name'), '') "
        "|| char(31) || coalesce(json_extract(c.value, '$.id'), '') IN :{n}))"
    ),
    "postgresql": (
        "(json_array_length(outage.components) = 0 OR EXISTS (SELECT 1 FROM "
        "json_array_elements(outage.components) AS c WHERE coalesce(c.value ->> 'name', '') "
        "|| chr(31) || coalesce(c.value ->> 'id', '') IN :{n}))"
    ),
}
_PAIR = "\x1f"


def _watch_conditions(
    conn: Connection, dialect: str, watches: tuple[VendorWatch, ...]
) -> list[ColumnElement[bool]]:
    """For each watch: outages of other vendors, or of ``watch.vendor`` touching a watched
    component.

    The rule (:mod:`incident_feed.decide.watch`, globs) is applied in Python to each watched
    vendor's distinct stored components, with the names and groups its page state gives their
    ids; the (name, id) pairs it keeps become the SQL condition, so a "Login" kept under one
    group does not keep another group's "Login". One read of the outages serves every watch.
    """
    by_vendor = {watch.vendor.lower(): watch for watch in watches}
    page_rows = conn.execute(
        select(PAGE_STATUS.c.vendor, PAGE_STATUS.c.components).where(
            func.lower(PAGE_STATUS.c.vendor).in_(list(by_vendor))
        )
    ).mappings()
    pages = page_components(page_rows.all())
    seen: dict[str, set[tuple[str, str | None]]] = {vendor: set() for vendor in by_vendor}
    stored = select(func.lower(OUTAGE.c.vendor), OUTAGE.c.components).where(
        func.lower(OUTAGE.c.vendor).in_(list(by_vendor))
    )
    for vendor, components in conn.execute(stored):
        pairs = seen.get(vendor)
        if pairs is None or not isinstance(components, list):
            continue
        for item in components:
            if isinstance(item, Mapping):
                ident = str(item["id"]) if item.get("id") is not None else None
                pairs.add((str(item.get("name") or ""), ident))
    sql = _WATCH_SQL["postgresql" if dialect == "postgresql" else "sqlite"]
    conditions: list[ColumnElement[bool]] = []
    for number, (vendor, watch) in enumerate(by_vendor.items()):
        page = pages.get(watch.vendor.casefold(), {})
        kept = sorted(
            f"{name}{_PAIR}{ident or ''}"
            for name, ident in seen[vendor]
            if watch.watches(name, ident, page)
        )
        names = f"watched_{number}"
        clause = text(sql.format(n=names)).bindparams(
            bindparam(names, value=kept or [_PAIR], expanding=True)
        )
        conditions.append(or_(func.lower(OUTAGE.c.vendor) != vendor, and_(clause)))
    return conditions


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_NOTHING: ColumnElement[bool] = false()
LISTED_HITS = 4000  # index hits up to which a word's matching incident ids are fetched first
HITS_CAP = 5 * LISTED_HITS  # a word's hits are counted up to this many
_TITLE_HITS = "SELECT rowid FROM incident_fts WHERE incident_fts MATCH :m"
_UPDATE_HITS = "SELECT rowid FROM update_fts WHERE update_fts MATCH :m"
_TITLE_IDS = f"SELECT k.incident_id FROM incident_search_key AS k WHERE k.id IN ({_TITLE_HITS})"
_UPDATE_IDS = f"SELECT u.incident_id FROM incident_update AS u WHERE u.id IN ({_UPDATE_HITS})"
_TITLE_PROBE = (
    f"SELECT 1 FROM incident_search_key AS k WHERE k.incident_id = incident.id AND k.id IN "
    f"({_TITLE_HITS})"
)
_UPDATE_PROBE = (
    f"SELECT 1 FROM incident_update AS u WHERE u.incident_id = incident.id AND u.id IN "
    f"({_UPDATE_HITS})"
)


def _named(template: str, name: str) -> str:
    return template.replace(":m", f":{name}")


def _count(sql: str) -> str:
    """Hits of a word, counted up to HITS_CAP: the plan needs to know "few or many" and which
    word is rarest, and counting 100,000 hits to the last one costs milliseconds."""
    return f"SELECT count(*) FROM ({sql} LIMIT {HITS_CAP})"


def _fts_conditions(
    conn: Connection,
    terms: list[str],
    conditions: list[ColumnElement[bool]],
    *,
    on: str = "incident",
    memo: dict[str, tuple[int, int, set[str] | None]] | None = None,
) -> set[str] | None:
    """Add one condition per word (a word prefix in the title, vendor or any update) on the
    incident ``on.id`` names (``incident``, or ``outage`` for an outage's head).

    By how many rows a word hits: few in both indexes together -> its incident ids are fetched
    now (cheap, exact; the ids of several such words are intersected here); else per index, few
    -> an ``IN`` subquery over the hits (kept in SQLite), many -> an EXISTS probe per incident,
    which the listing only runs until it has a page. Returns the incident ids when every word's
    were fetched up front, else None. ``memo`` keeps each word's hits for a second rendering.
    """
    column = INCIDENT.c.id if on == "incident" else OUTAGE.c.id
    memo = {} if memo is None else memo
    listed: set[str] | None = None
    probes: list[tuple[int, ColumnElement[bool]]] = []
    for number, term in enumerate(terms):
        # Each word its own parameter name: the probes of all words end up in one statement.
        name = f"fts_{number}"
        match = {name: '"' + term.replace('"', '""') + '"*'}
        sql = partial(_named, name=name)
        if term not in memo:
            title_hits, update_hits = conn.execute(
                text(sql(f"SELECT ({_count(_TITLE_HITS)}), ({_count(_UPDATE_HITS)})")), match
            ).one()
            few = None
            if title_hits + update_hits <= LISTED_HITS:
                found = conn.execute(text(sql(f"{_TITLE_IDS} UNION {_UPDATE_IDS}")), match)
                few = set(found.scalars())
            memo[term] = (title_hits, update_hits, few)
        title_hits, update_hits, few = memo[term]
        if few is not None:
            listed = few if listed is None else listed & few
            continue
        parts: list[ColumnElement[bool]] = []
        for hits, ids_sql, probe_sql in (
            (title_hits, _TITLE_IDS, _TITLE_PROBE),
            (update_hits, _UPDATE_IDS, _UPDATE_PROBE),
        ):
            if not hits:
                continue
            if hits <= LISTED_HITS:
                # The hits stay in SQLite (one subquery, materialised once per statement):
                # thousands of ids through Python and back as parameters cost more.
                hit_ids = text(sql(ids_sql)).bindparams(**match)
                parts.append(column.in_(hit_ids.columns(literal_column("incident_id"))))
            else:
                probe_on = probe_sql.replace("incident.id", f"{on}.id")
                probe = text(sql(probe_on)).bindparams(**match)
                parts.append(exists(probe.columns(literal_column("1"))))
        probes.append((title_hits + update_hits, or_(*parts)))
    if listed is not None:
        conditions.append(column.in_(sorted(listed)) if listed else _NOTHING)
    conditions += [condition for _, condition in sorted(probes, key=lambda p: p[0])]
    return listed if not probes else None


def _outage_fts(conn: Connection, terms: list[str]) -> tuple[ColumnElement[bool], bool]:
    """The words as one condition on outages (every word in one member), and whether the
    matching outages were listed up front.

    All words few: their incidents' outages are looked up now (exact, an ``IN`` list). Else the
    head is tested directly (most outages have one member) and the other members only of an
    outage that has them, so the listing still walks the ``started_at`` index and stops after a
    page.
    """
    memo: dict[str, tuple[int, int, set[str] | None]] = {}
    on_members: list[ColumnElement[bool]] = []
    listed = _fts_conditions(conn, terms, on_members, memo=memo)
    if any(c is _NOTHING for c in on_members):
        return _NOTHING, True  # a word matched nothing
    if listed is not None:
        outages: set[str] = set()
        ordered = sorted(listed)
        for start in range(0, len(ordered), 500):
            statement = select(MEMBER.c.outage_id).where(
                MEMBER.c.incident_id.in_(ordered[start : start + 500])
            )
            outages.update(conn.execute(statement).scalars())
        return (OUTAGE.c.id.in_(sorted(outages)) if outages else _NOTHING), True
    on_head: list[ColumnElement[bool]] = []
    _fts_conditions(conn, terms, on_head, on="outage", memo=memo)
    others = exists(
        select(literal_column("1"))
        .select_from(MEMBER.join(INCIDENT, INCIDENT.c.id == MEMBER.c.incident_id))
        .where(MEMBER.c.outage_id == OUTAGE.c.id, MEMBER.c.incident_id != OUTAGE.c.id, *on_members)
    )
    return or_(and_(*on_head), and_(OUTAGE.c.members > 1, others)), False


def _text_condition(dialect: str, term: str) -> ColumnElement[bool]:
    """Without the SQLite index: PostgreSQL's tsvector indexes, else ``LIKE``."""
    if dialect == "postgresql":
        query = func.to_tsquery("simple", f"{term}:*")
        in_updates_pg = select(UPDATE.c.incident_id).where(
            literal_column(UPDATE_TSVECTOR).bool_op("@@")(query)
        )
        return or_(
            literal_column(INCIDENT_TSVECTOR).bool_op("@@")(query),
            INCIDENT.c.id.in_(in_updates_pg),
        )
    pattern = "%" + _like_escape(term) + "%"
    in_updates_like = select(UPDATE.c.incident_id).where(
        func.lower(UPDATE.c.text).like(pattern, escape="\\")
    )
    return or_(
        func.lower(INCIDENT.c.title).like(pattern, escape="\\"),
        func.lower(INCIDENT.c.vendor).like(pattern, escape="\\"),
        INCIDENT.c.id.in_(in_updates_like),
    )


_FTS_PRESENT: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def _has_fts(store: Store) -> bool:
    """Whether this SQLite database has migration 0002's index (checked once per engine)."""
    key = store.engine
    if key not in _FTS_PRESENT:
        with store.read() as conn:
            found = conn.execute(
                text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'incident_fts'")
            ).first()
        _FTS_PRESENT[key] = found is not None
    return _FTS_PRESENT[key]


def _with_sources(
    conn: Connection, rows: Sequence[Mapping[Any, Any]], now: dt.datetime
) -> list[IncidentRow]:
    """Rows -> IncidentRow, with the kinds of the sources behind each outage's members (one
    query per page)."""
    kinds: dict[str, set[str]] = defaultdict(set)
    ids = [row["id"] for row in rows]
    if ids:
        statement = (
            select(MEMBER.c.outage_id, RECORD.c.source_kind, RECORD.c.url)
            .join(RECORD, RECORD.c.incident_id == MEMBER.c.incident_id)
            .where(MEMBER.c.outage_id.in_(ids))
        )
        for outage_id, kind, url in conn.execute(statement):
            # An account feed shows as the platform its posts come from (a post's URL tells).
            kinds[outage_id].add(social_channel(kind, url) if kind == "account-feed" else kind)
    return [
        IncidentRow(
            id=row["id"],
            vendor=row["vendor"],
            kind=row["kind"],
            title=row["title"],
            phase=row["phase"],
            impact=row["impact"],
            started_at=row["started_at"],
            resolved_at=row["resolved_at"],
            updated_at=row["updated_at"],
            url=row["url"],
            source_kinds=tuple(sorted(kinds.get(row["id"], ()))),
            members=int(row["members"] or 1),
            ended_assumed=ended_assumed(row, now),
        )
        for row in rows
    ]


def ended_assumed(row: Mapping[Any, Any], now: dt.datetime) -> bool:
    """An open maintenance taken as over at ``now``, and marked so: its window ended before
    ``now`` with no update after the window's end (or none for :data:`MAINTENANCE_SILENCE`);
    or, with no end known, both its last update and its planned start (if any) are more than
    :data:`MAINTENANCE_SILENCE` old."""
    if row["kind"] != Kind.MAINTENANCE.value or row["phase"] in _FINAL:
        return False
    until = row.get("scheduled_until")
    silent_since = now - MAINTENANCE_SILENCE
    if until is not None:
        return bool(
            until < now and (row["updated_at"] <= until or row["updated_at"] < silent_since)
        )
    starts = row.get("scheduled_for")
    return bool(row["updated_at"] < silent_since and (starts is None or starts < silent_since))


# -- one incident -------------------------------------------------------------------------------


def resolve_ids(conn: Connection, text_id: str) -> list[str]:
    """The outages ``text_id`` names: a member's id, or a source's native id (``ctrsv3lwd797``);
    case-insensitively. Several when a native id is ambiguous across sources."""
    wanted = text_id.strip()
    statement = select(MEMBER.c.outage_id).where(MEMBER.c.incident_id == wanted)
    found = list(conn.execute(statement).scalars())
    if not found:
        lowered = wanted.lower()
        by_id = select(INCIDENT.c.id).where(func.lower(INCIDENT.c.id) == lowered)
        by_native = select(RECORD.c.incident_id).where(func.lower(RECORD.c.native_id) == lowered)
        statement = select(MEMBER.c.outage_id).where(
            or_(MEMBER.c.incident_id.in_(by_id), MEMBER.c.incident_id.in_(by_native))
        )
        found = list(conn.execute(statement).scalars())
    return sorted(set(found))


def incident_detail(store: Store, incident_id: str) -> IncidentDetail | None:
    """The outage ``incident_id`` names (see :func:`resolve_ids`), read whole; None when it names
    none or several."""
    with store.read() as conn:
        outages = resolve_ids(conn, incident_id)
        if len(outages) != 1:
            return None
        return _detail(conn, outages[0])


_DETAIL_CHUNK = 400


def outage_details(store: Store, outage_ids: Sequence[str]) -> list[IncidentDetail]:
    """Several outages read whole, in the order given (unknown ids left out): six queries for
    every 400 of them (``incidents --json`` reads a page of them cold)."""
    wanted = list(outage_ids)
    out: list[IncidentDetail] = []
    with store.read() as conn:
        # In chunks: a statement's parameters are bounded (SQLite, PostgreSQL).
        for start in range(0, len(wanted), _DETAIL_CHUNK):
            out += _details(conn, wanted[start : start + _DETAIL_CHUNK])
    return out


def _detail(conn: Connection, outage_id: str) -> IncidentDetail | None:
    found = _details(conn, [outage_id])
    return found[0] if found else None


def _details(conn: Connection, outage_ids: list[str]) -> list[IncidentDetail]:
    if not outage_ids:
        return []
    outages = {
        row["id"]: row
        for row in conn.execute(select(OUTAGE).where(OUTAGE.c.id.in_(outage_ids))).mappings()
    }
    members_of: dict[str, list[str]] = defaultdict(list)
    outage_of: dict[str, str] = {}
    statement = select(MEMBER.c.outage_id, MEMBER.c.incident_id).where(
        MEMBER.c.outage_id.in_(list(outages))
    )
    for outage_id, incident_id in conn.execute(statement):
        members_of[outage_id].append(incident_id)
        outage_of[incident_id] = outage_id
    ids = list(outage_of)
    grouped: dict[str, dict[str, list[Mapping[Any, Any]]]] = {
        name: defaultdict(list) for name in ("members", "updates", "records")
    }
    for name, statement in (
        ("members", select(INCIDENT).where(INCIDENT.c.id.in_(ids))
            .order_by(INCIDENT.c.started_at, INCIDENT.c.id)),
        ("updates", select(UPDATE).where(UPDATE.c.incident_id.in_(ids))
            .order_by(UPDATE.c.at, UPDATE.c.source_name, UPDATE.c.id)),
        ("records", select(RECORD).where(RECORD.c.incident_id.in_(ids))
            .order_by(RECORD.c.first_seen_at, RECORD.c.source_name)),
    ):  # fmt: skip
        key = "id" if name == "members" else "incident_id"
        for row in conn.execute(statement).mappings():
            grouped[name][outage_of[row[key]]].append(row)
    # Imported here: the links' module and the outages' are not needed to list a page.
    from incident_feed.store.links import read_links
    from incident_feed.store.outages import social_ids

    links = read_links(conn, ids)
    social = social_ids(conn, ids)
    out = []
    for outage_id in outage_ids:
        if outage_id not in outages:
            continue
        mine = members_of[outage_id]
        unique = {(r["incident_id"], r["target_id"]): r for i in mine for r in links[i]}
        out.append(
            IncidentDetail(
                outages[outage_id],
                tuple(grouped["updates"][outage_id]),
                tuple(grouped["records"][outage_id]),
                tuple(ordered_links(unique.values())),
                tuple(grouped["members"][outage_id]),
                frozenset(social & set(mine)),
            )
        )
    return out


# -- sources and vendors ------------------------------------------------------------------------


def source_health(store: Store, config: Config) -> list[SourceHealth]:
    """Configured sources in config order, then sources only the database remembers."""
    from dataclasses import replace

    from incident_feed.clock import utc_now
    from incident_feed.store.leases import Leases

    with store.read() as conn:
        states = {row["name"]: row for row in conn.execute(select(SOURCE)).mappings()}
    out = _configured_health(states, config)
    leases = Leases(store).states()
    now = utc_now()
    return [
        replace(
            item,
            next_due_at=lease.due_at,
            fetching_by=lease.fetching_by(now),
        )
        if (lease := leases.get(item.name)) is not None
        else item
        for item in out
    ]


def _configured_health(
    states: Mapping[str, Mapping[Any, Any]], config: Config
) -> list[SourceHealth]:
    """Each source's stored state: the configured ones in config order, then the others."""
    out = [
        _health(states.get(s.name), s.name, s.vendor, s.kind, s.url, configured=True)
        for s in config.sources
    ]
    configured = {s.name for s in config.sources}
    out += [
        _health(state, name, state["vendor"], state["kind"], state["url"], configured=False)
        for name, state in sorted(states.items())
        if name not in configured
    ]
    return out


def _health(
    state: Mapping[Any, Any] | None,
    name: str,
    vendor: str,
    kind: str,
    url: str,
    *,
    configured: bool,
) -> SourceHealth:
    from incident_feed.redact import redact_url, redact_urls

    url = redact_url(url)  # the config's URL may carry a token in its query
    if state is None:
        return SourceHealth(name, vendor, kind, url, configured)
    return SourceHealth(
        name,
        vendor,
        kind,
        url,
        configured,
        last_attempt_at=state["last_attempt_at"],
        last_success_at=state["last_success_at"],
        consecutive_failures=int(state["consecutive_failures"] or 0),
        last_error=redact_urls(state["last_error"]) if state["last_error"] else None,
        last_error_at=state["last_error_at"],
    )


def vendor_summaries(
    store: Store, now: dt.datetime, vendors: Iterable[str] = (), weeks: int = 12
) -> list[VendorSummary]:
    """Every vendor with outages (plus ``vendors``, e.g. the configured ones), by name: its
    active outages (as the listing counts them), all of them, and incident outages per week."""
    start = now - dt.timedelta(weeks=weeks)
    with store.read() as conn:
        totals = {
            vendor: (int(total), last)
            for vendor, total, last in conn.execute(
                select(OUTAGE.c.vendor, func.count(), func.max(OUTAGE.c.started_at)).group_by(
                    OUTAGE.c.vendor
                )
            )
        }
        actives = {
            vendor: int(n)
            for vendor, n in conn.execute(
                select(OUTAGE.c.vendor, func.count())
                .where(OUTAGE.c.phase.in_(_ACTIVE), ~_ended(now))
                .group_by(OUTAGE.c.vendor)
            )
        }
        recent = conn.execute(
            select(OUTAGE.c.vendor, OUTAGE.c.started_at).where(
                OUTAGE.c.started_at >= start, OUTAGE.c.kind == Kind.INCIDENT.value
            )
        ).all()
    weekly: dict[str, list[int]] = defaultdict(lambda: [0] * weeks)
    for vendor, started_at in recent:
        index = weeks - 1 - int((now - started_at) / dt.timedelta(weeks=1))
        if 0 <= index < weeks:
            weekly[vendor][index] += 1
    names = sorted(set(totals) | set(vendors), key=str.lower)
    return [
        VendorSummary(
            vendor=name,
            active=actives.get(name, 0),
            total=totals.get(name, (0, None))[0],
            last_started_at=totals.get(name, (0, None))[1],
            weekly=tuple(weekly[name]) if name in weekly else (0,) * weeks,
        )
        for name in names
    ]


# -- change detection ---------------------------------------------------------------------------


def data_version(store: Store) -> DataVersion:
    """A few indexed aggregates; polled to notice writes by another process."""
    with store.read() as conn:
        row = conn.execute(
            select(
                select(func.count()).select_from(INCIDENT).scalar_subquery(),
                select(func.coalesce(func.max(UPDATE.c.id), 0)).scalar_subquery(),
                select(func.max(INCIDENT.c.updated_at)).scalar_subquery(),
                select(func.coalesce(func.max(RUN.c.id), 0)).scalar_subquery(),
                select(func.max(RUN.c.finished_at)).scalar_subquery(),
                select(func.max(SOURCE.c.last_attempt_at)).scalar_subquery(),
            )
        ).one()
    return DataVersion(
        incidents=int(row[0]),
        last_update_id=int(row[1]),
        last_incident_change=_aware(row[2]),
        last_run_id=int(row[3]),
        last_run_finished=_aware(row[4]),
        last_source_attempt=_aware(row[5]),
    )


def _aware(value: object) -> dt.datetime | None:
    """Aggregates lose the column type on SQLite (a string comes back): parse it."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
