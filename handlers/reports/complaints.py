"""The "Pengaduan" summary view: complaints received in the period and how their SLA went, the
open complaints now by age, category, kecamatan and escalation level, and the ratings given.

Every figure is an SQL aggregate (GROUP BY, conditional sums) over the complaints the reader may
see (`scope.complaints`). A milestone "within the SLA" is one met no later than its due time; its
share counts only the complaints whose milestone is decided: met, or past its due time unmet (a
complaint still inside its deadline is neither on time nor late yet). `kabupaten.py` uses the same
definition through `received`, `on_time` and `decided`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from conversations.catalog import load_catalog
from handlers.complaints.sla import LEVELS
from handlers.reports import scope
from handlers.reports.pendamping import CHART_GROUPS
from handlers.reports.query import ViewQuery
from handlers.reports.shapes import Bar, Chart, Column, Figure, Kind, Table, View
from storage.models import Complaint
from storage.vocabulary import OPEN_COMPLAINTS, ComplaintCategory

KEY = "complaints"
# Open complaints by age in calendar days: 0–2, 3–5, 6–10, more than 10.
AGE_LIMITS = (3, 6, 11)
RATINGS = (1, 2, 3, 4, 5)
t = load_catalog("id")


def received(q: ViewQuery) -> ColumnElement[bool]:
    """Received (created) in the period."""
    return and_(Complaint.created_at >= q.start, Complaint.created_at < q.end)


def on_time(met: Any, due: Any) -> ColumnElement[bool]:
    """The milestone was met no later than its due time."""
    return and_(met.is_not(None), due.is_not(None), met <= due)


def decided(met: Any, due: Any, now: datetime) -> ColumnElement[bool]:
    """The milestone is either met or past its due time: it counts in the SLA share."""
    return and_(due.is_not(None), or_(met.is_not(None), due <= now))


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows meet `condition` (a conditional sum, portable to SQLite and PostgreSQL)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _open() -> ColumnElement[bool]:
    return Complaint.status.in_(OPEN_COMPLAINTS)


# Each group of complaints (same kabupaten, kecamatan, category and level) carries one vector of
# sums: these are the positions of its measures, then the open ones by age, then ratings 1..5.
RECEIVED, OPEN, ACK_MET, ACK_DECIDED, DONE_MET, DONE_DECIDED, RATING_SUM, RATED = range(8)
AGES = RATED + 1
STARS = AGES + len(AGE_LIMITS) + 1
STARS_END = STARS + len(RATINGS)


@dataclass(frozen=True)
class Group:
    kabupaten: str
    kecamatan: str
    category: str
    level: int
    sums: list[int]


def _age_bucket(n: int, now: datetime) -> ColumnElement[bool]:
    """Open and in the `n`-th age bucket (days since received, as of `now`)."""
    where = [_open()]
    if n < len(AGE_LIMITS):
        where.append(Complaint.created_at > now - timedelta(days=AGE_LIMITS[n]))
    if n > 0:
        where.append(Complaint.created_at <= now - timedelta(days=AGE_LIMITS[n - 1]))
    return and_(*where)


def _groups(session: Session, q: ViewQuery) -> list[Group]:
    """Every measure of the view in one pass over the complaints (received in the period or
    open now), as conditional sums grouped by place, category and escalation level: a few
    thousand groups at most, which the tables then add up in Python."""
    inside = received(q)
    ack = (Complaint.acknowledged_at, Complaint.ack_due_at)
    done = (Complaint.resolved_at, Complaint.resolve_due_at)
    rated = and_(inside, Complaint.rating.is_not(None))
    sums = [
        count_if(inside),
        count_if(_open()),
        count_if(and_(inside, on_time(*ack))),
        count_if(and_(inside, decided(*ack, q.now))),
        count_if(and_(inside, on_time(*done))),
        count_if(and_(inside, decided(*done, q.now))),
        func.coalesce(func.sum(case((rated, Complaint.rating), else_=0)), 0),
        count_if(rated),
        *[count_if(_age_bucket(n, q.now)) for n in range(len(AGE_LIMITS) + 1)],
        *[count_if(and_(inside, Complaint.rating == r)) for r in RATINGS],
    ]
    keys = (Complaint.kabupaten, Complaint.kecamatan, Complaint.category, Complaint.sla_level)
    query = select(*keys, *sums).where(scope.complaints(q), or_(inside, _open())).group_by(*keys)
    return [
        Group(kab, kec, category, int(level), [int(v) for v in values])
        for kab, kec, category, level, *values in session.execute(query)
    ]


def _total(groups: list[Group]) -> list[int]:
    """Every measure summed over all groups."""
    every = [0] * STARS_END
    for group in groups:
        every = [a + b for a, b in zip(every, group.sums, strict=True)]
    return every


def _received_open(groups: list[Group], key: Callable[[Group], Any]) -> dict[Any, list[int]]:
    """(received in the period, open now) per `key` of the groups."""
    found: dict[Any, list[int]] = {}
    for group in groups:
        into = found.setdefault(key(group), [0, 0])
        into[0] += group.sums[RECEIVED]
        into[1] += group.sums[OPEN]
    return found


def _figures(groups: list[Group], every: list[int]) -> list[Figure]:
    escalated = sum(g.sums[RECEIVED] for g in groups if g.level > 0)
    return [
        Figure(t("view.complaints.received"), every[RECEIVED]),
        Figure(t("view.complaints.open_now"), every[OPEN]),
        Figure(
            t("view.complaints.ack_on_time"),
            share(every[ACK_MET], every[ACK_DECIDED]),
            Kind.PERCENT,
        ),
        Figure(
            t("view.complaints.resolved_on_time"),
            share(every[DONE_MET], every[DONE_DECIDED]),
            Kind.PERCENT,
        ),
        Figure(t("view.complaints.escalated"), share(escalated, every[RECEIVED]), Kind.PERCENT),
        Figure(t("view.complaints.rating"), share(every[RATING_SUM], every[RATED]), Kind.NUMBER),
    ]


def _age_labels() -> list[str]:
    lows = (0, *AGE_LIMITS)
    labels = [
        t("view.complaints.age_range", low=low, high=high - 1)
        for low, high in zip(lows, AGE_LIMITS, strict=False)
    ]
    return [*labels, t("view.complaints.age_over", days=AGE_LIMITS[-1] - 1)]


def _ages(every: list[int]) -> list[tuple[Any, ...]]:
    return [(label, every[AGES + n]) for n, label in enumerate(_age_labels())]


def _category_label(code: str) -> str:
    return t(f"category.{code}") if t.has(f"category.{code}") else code


def _by_category(groups: list[Group]) -> list[tuple[Any, ...]]:
    found = _received_open(groups, lambda g: g.category)
    codes = [c.value for c in ComplaintCategory] + sorted(set(found) - set(ComplaintCategory))
    return [(_category_label(code), *found.get(code, (0, 0))) for code in codes]


def _by_kecamatan(groups: list[Group]) -> list[tuple[Any, ...]]:
    """Most open first (then most received), every place."""
    found = _received_open(groups, lambda g: (g.kabupaten, g.kecamatan))
    order = sorted(found.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))
    unknown = t("view.complaints.unknown_place")
    return [(kab or unknown, kec or unknown, *sums) for (kab, kec), sums in order]


def _ratings(every: list[int]) -> list[tuple[Any, ...]]:
    given = [every[STARS + n] for n in range(len(RATINGS))]
    return [(str(r), n, share(n, sum(given))) for r, n in zip(RATINGS, given, strict=True)]


def _levels(groups: list[Group]) -> list[tuple[Any, ...]]:
    found = _received_open(groups, lambda g: min(g.level, LEVELS))
    return [
        (t(f"view.complaints.level_{level}"), *found.get(level, (0, 0)))
        for level in range(LEVELS + 1)
    ]


def build(session: Session, q: ViewQuery) -> View:
    received_label, open_label = t("view.complaints.col_received"), t("view.complaints.col_open")
    groups = _groups(session, q)
    every = _total(groups)
    ages = _ages(every)
    categories = _by_category(groups)
    places = _by_kecamatan(groups)
    ratings = _ratings(every)
    levels = _levels(groups)
    both = (received_label, open_label)
    return View(
        KEY,
        t("view.complaints.title"),
        figures=_figures(groups, every),
        charts=[
            Chart(
                "umur",
                t("view.complaints.chart_age"),
                (open_label,),
                [Bar(label, (n,)) for label, n in ages],
                table="umur",
            ),
            Chart(
                "kategori",
                t("view.complaints.chart_category"),
                both,
                [Bar(label, (a, b)) for label, a, b in categories],
                table="kategori",
            ),
            Chart(
                "kecamatan",
                t("view.complaints.chart_kecamatan"),
                both,
                [Bar(f"{kec} ({kab})", (a, b)) for kab, kec, a, b in places[:CHART_GROUPS]],
                table="kecamatan",
            ),
            Chart(
                "penilaian",
                t("view.complaints.chart_rating"),
                (t("view.complaints.col_rated"),),
                [Bar(label, (n,)) for label, n, _ in ratings],
                table="penilaian",
            ),
            Chart(
                "eskalasi",
                t("view.complaints.chart_level"),
                both,
                [Bar(label, (a, b)) for label, a, b in levels],
                table="eskalasi",
            ),
        ],
        tables=[
            Table(
                "umur",
                t("view.complaints.table_age"),
                (
                    Column("age", t("view.complaints.col_age")),
                    Column("open", open_label, Kind.COUNT),
                ),
                ages,
                note=t("view.complaints.age_note"),
            ),
            Table(
                "kategori",
                t("view.complaints.table_category"),
                (
                    Column("category", t("view.complaints.col_category")),
                    Column("received", received_label, Kind.COUNT),
                    Column("open", open_label, Kind.COUNT),
                ),
                categories,
            ),
            Table(
                "kecamatan",
                t("view.complaints.table_kecamatan"),
                (
                    Column("kabupaten", t("view.complaints.col_kabupaten")),
                    Column("kecamatan", t("view.complaints.col_kecamatan")),
                    Column("received", received_label, Kind.COUNT),
                    Column("open", open_label, Kind.COUNT),
                ),
                places,
            ),
            Table(
                "penilaian",
                t("view.complaints.table_rating"),
                (
                    Column("rating", t("view.complaints.col_rating")),
                    Column("rated", t("view.complaints.col_rated"), Kind.COUNT),
                    Column("share", t("view.complaints.col_share"), Kind.PERCENT),
                ),
                ratings,
                note=t("view.complaints.rating_note"),
            ),
            Table(
                "eskalasi",
                t("view.complaints.table_level"),
                (
                    Column("level", t("view.complaints.col_level")),
                    Column("received", received_label, Kind.COUNT),
                    Column("open", open_label, Kind.COUNT),
                ),
                levels,
                note=t("view.complaints.sla_note"),
            ),
        ],
    )
