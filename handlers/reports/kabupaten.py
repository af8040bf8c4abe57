"""The "Perbandingan kabupaten" view: per kabupaten in scope, three shares side by side, each
with its change from the previous calendar month:

- SLA: of the complaints received in the period whose resolution is decided (resolved, or past
  the resolution deadline), the share resolved by the deadline (as in `complaints.py`);
- supervision coverage: the share of the kabupaten's active pendamping who attended at least one
  held supervision session in the period;
- active pendamping: the share with a case update, a P2K2 report or a consultation in the period.

Attendance is a JSON list on each held session, so the bounded set of sessions held in the
period is read and counted in Python; everything else is a GROUP BY.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date
from sqlalchemy import ColumnElement, and_, case, func, or_, select, union
from sqlalchemy.orm import Session

from conversations.catalog import load_catalog
from handlers.reports import scope
from handlers.reports.complaints import count_if, decided, on_time, received, share
from handlers.reports.pendamping import CHART_GROUPS
from handlers.reports.query import ViewQuery
from handlers.reports.shapes import Bar, Chart, Column, Figure, Kind, Table, View
from storage.models import (
    Case,
    CaseUpdate,
    Complaint,
    Consultation,
    P2K2Report,
    Person,
    SupervisionSession,
)

KEY = "kabupaten"
MONTH_LOCALE = "id_ID"
t = load_catalog("id")


Parts = dict[str, tuple[int, int]]


@dataclass(frozen=True)
class Shares:
    """Per kabupaten: (part, whole) of each of the three shares."""

    sla: Parts
    covered: Counter[str]
    active: Counter[str]


def _people(session: Session, q: ViewQuery) -> list[tuple[int, str]]:
    """(id, kabupaten) of the active pendamping in scope that have a kabupaten."""
    query = (
        select(Person.id, Person.kabupaten)
        .where(Person.id.in_(scope.pendamping(q)), Person.active.is_(True))
        .where(Person.kabupaten != "")
    )
    return [(int(who), str(kab)) for who, kab in session.execute(query)]


def _within(when: Any, q: ViewQuery) -> ColumnElement[bool]:
    return and_(when >= q.start, when < q.end)


def _either(when: Any, q: ViewQuery, before: ViewQuery) -> ColumnElement[bool]:
    """In the period or in the month before. The covering range comes first so that an index
    on `when` serves it (an OR of two ranges alone makes SQLite scan the table)."""
    low, high = min(q.start, before.start), max(q.end, before.end)
    return and_(when >= low, when < high, or_(_within(when, q), _within(when, before)))


def _sla(session: Session, q: ViewQuery, before: ViewQuery) -> tuple[Parts, Parts]:
    """Per kabupaten, (on time, decided) for the period and for the month before, in one pass."""
    done = (Complaint.resolved_at, Complaint.resolve_due_at)
    query = (
        select(
            Complaint.kabupaten,
            *[
                count_if(and_(received(period), test))
                for period in (q, before)
                for test in (on_time(*done), decided(*done, q.now))
            ],
        )
        .where(scope.complaints(q), _either(Complaint.created_at, q, before))
        .group_by(Complaint.kabupaten)
    )
    now: Parts = {}
    earlier: Parts = {}
    for kab, met, whole, met_before, whole_before in session.execute(query):
        now[kab] = (int(met), int(whole))
        earlier[kab] = (int(met_before), int(whole_before))
    return now, earlier


def _attended(session: Session, q: ViewQuery, before: ViewQuery) -> tuple[set[int], set[int]]:
    """Everyone recorded as present at a supervision session held in the period, and in the
    month before: the bounded set of held sessions is read, their JSON lists counted here."""
    query = select(SupervisionSession.starts_at, SupervisionSession.attendee_ids).where(
        SupervisionSession.held.is_(True), _either(SupervisionSession.starts_at, q, before)
    )
    now: set[int] = set()
    earlier: set[int] = set()
    for starts_at, ids in session.execute(query):
        into = now if starts_at >= q.start else earlier
        into.update(int(i) for i in (ids or {}).get("ids", []))
    return now, earlier


def _active(session: Session, q: ViewQuery, before: ViewQuery) -> tuple[Counter[str], ...]:
    """Per kabupaten, the active pendamping in scope with any activity in the period, and in
    the month before (one pass over each kind of activity)."""
    ids = scope.pendamping(q)

    def current(when: Any) -> Any:
        return case((when >= q.start, 1), else_=0).label("current")

    busy = union(
        select(Case.pendamping_id.label("who"), current(CaseUpdate.created_at))
        .join(CaseUpdate, CaseUpdate.case_id == Case.id)
        .where(_either(CaseUpdate.created_at, q, before), Case.pendamping_id.in_(ids)),
        select(P2K2Report.pendamping_id, current(P2K2Report.created_at)).where(
            _either(P2K2Report.created_at, q, before), P2K2Report.pendamping_id.in_(ids)
        ),
        select(Consultation.pendamping_id, current(Consultation.created_at)).where(
            _either(Consultation.created_at, q, before), Consultation.pendamping_id.in_(ids)
        ),
    ).subquery("busy")
    query = (
        select(Person.kabupaten, busy.c.current, func.count())
        .join(busy, busy.c.who == Person.id)
        .where(Person.active.is_(True), Person.kabupaten != "")
        .group_by(Person.kabupaten, busy.c.current)
    )
    now: Counter[str] = Counter()
    earlier: Counter[str] = Counter()
    for kab, is_current, n in session.execute(query):
        (now if is_current else earlier)[str(kab)] = int(n)
    return now, earlier


def _shares(session: Session, q: ViewQuery, people: list[tuple[int, str]]) -> tuple[Shares, ...]:
    """The three shares' parts for the period and for the month before."""
    before = q.previous_month()
    sla = _sla(session, q, before)
    present = _attended(session, q, before)
    active = _active(session, q, before)
    return tuple(
        Shares(sla[n], Counter(kab for who, kab in people if who in present[n]), active[n])
        for n in (0, 1)
    )


def _change(now: float | None, before: float | None) -> float | None:
    """The change in percentage points."""
    return None if now is None or before is None else round((now - before) * 100, 1)


def _month(q: ViewQuery) -> str:
    return format_date(q.first_day, "LLLL yyyy", locale=MONTH_LOCALE)


def build(session: Session, q: ViewQuery) -> View:
    people = _people(session, q)
    staff = Counter(kab for _, kab in people)
    before_q = q.previous_month()
    now, before = _shares(session, q, people)
    rows: list[tuple[Any, ...]] = []
    for kab in sorted(staff):
        n = staff[kab]
        sla, sla_before = share(*now.sla.get(kab, (0, 0))), share(*before.sla.get(kab, (0, 0)))
        cov, cov_before = share(now.covered[kab], n), share(before.covered[kab], n)
        act, act_before = share(now.active[kab], n), share(before.active[kab], n)
        rows.append(
            (
                kab,
                n,
                sla,
                _change(sla, sla_before),
                cov,
                _change(cov, cov_before),
                act,
                _change(act, act_before),
            )
        )
    total = sum(staff.values())
    sla_all = [now.sla.get(kab, (0, 0)) for kab in staff]
    series = (t("view.kabupaten.sla"), t("view.kabupaten.coverage"), t("view.kabupaten.active"))
    largest = sorted(rows, key=lambda r: (-r[1], r[0]))[:CHART_GROUPS]
    return View(
        KEY,
        t("view.kabupaten.title"),
        figures=[
            Figure(t("view.kabupaten.count"), len(staff)),
            Figure(
                t("view.kabupaten.sla"),
                share(sum(m for m, _ in sla_all), sum(w for _, w in sla_all)),
                Kind.PERCENT,
            ),
            Figure(
                t("view.kabupaten.coverage"),
                share(sum(now.covered[k] for k in staff), total),
                Kind.PERCENT,
            ),
            Figure(
                t("view.kabupaten.active"),
                share(sum(now.active[k] for k in staff), total),
                Kind.PERCENT,
            ),
        ],
        charts=[
            Chart(
                "kabupaten",
                t("view.kabupaten.chart"),
                series,
                [Bar(str(r[0]), (r[2] or 0.0, r[4] or 0.0, r[6] or 0.0)) for r in largest],
                table="kabupaten",
                kind=Kind.PERCENT,
            )
        ],
        tables=[
            Table(
                "kabupaten",
                t("view.kabupaten.table"),
                (
                    Column("kabupaten", t("view.kabupaten.kabupaten")),
                    Column("pendamping", t("view.kabupaten.pendamping"), Kind.COUNT),
                    Column("sla", series[0], Kind.PERCENT),
                    Column("sla_change", t("view.kabupaten.sla_change"), Kind.NUMBER),
                    Column("coverage", series[1], Kind.PERCENT),
                    Column("coverage_change", t("view.kabupaten.coverage_change"), Kind.NUMBER),
                    Column("active", series[2], Kind.PERCENT),
                    Column("active_change", t("view.kabupaten.active_change"), Kind.NUMBER),
                ),
                rows,
                note=t("view.kabupaten.note", month=_month(before_q)),
            )
        ],
    )
