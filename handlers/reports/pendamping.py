"""The "Pendamping" view: per pendamping, their case updates, P2K2 reports and consultations in
the period, their last activity ever, and who has been quiet for `INACTIVE_AFTER`."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, Subquery, func, select, union_all
from sqlalchemy.orm import Session, aliased

from conversations.catalog import load_catalog
from handlers.reports import scope
from handlers.reports.query import ViewQuery, paged
from handlers.reports.shapes import Bar, Chart, Column, Figure, Kind, Table, View
from storage.models import Case, CaseUpdate, Consultation, P2K2Report, Person

KEY = "pendamping"
INACTIVE_AFTER = timedelta(days=14)
CHART_GROUPS = 20
t = load_catalog("id")


def _last_activity(q: ViewQuery) -> Subquery:
    """(pendamping id, the time of their last activity ever) for the pendamping in scope."""
    ids = scope.pendamping(q)
    every = union_all(
        select(Case.pendamping_id.label("who"), CaseUpdate.created_at.label("at"))
        .join(Case, Case.id == CaseUpdate.case_id)
        .where(Case.pendamping_id.in_(ids)),
        select(P2K2Report.pendamping_id, P2K2Report.created_at).where(
            P2K2Report.pendamping_id.in_(ids)
        ),
        select(Consultation.pendamping_id, Consultation.created_at).where(
            Consultation.pendamping_id.in_(ids)
        ),
    ).subquery("activity")
    return select(every.c.who, func.max(every.c.at).label("at")).group_by(every.c.who).subquery()


def _per_person(q: ViewQuery, counted: Select[tuple[int, datetime]]) -> Subquery:
    """(pendamping id, how many) of `counted` rows (who, when) falling in the period."""
    rows = counted.subquery()
    return (
        select(rows.c.who, func.count().label("n"))
        .where(rows.c.who.in_(scope.pendamping(q)), rows.c.at >= q.start, rows.c.at < q.end)
        .group_by(rows.c.who)
        .subquery()
    )


def _per_pendamping(q: ViewQuery) -> Select[tuple[Any, ...]]:
    updates = _per_person(
        q,
        select(Case.pendamping_id.label("who"), CaseUpdate.created_at.label("at")).join(
            Case, Case.id == CaseUpdate.case_id
        ),
    )
    reports = _per_person(
        q, select(P2K2Report.pendamping_id.label("who"), P2K2Report.created_at.label("at"))
    )
    asked = _per_person(
        q, select(Consultation.pendamping_id.label("who"), Consultation.created_at.label("at"))
    )
    last = _last_activity(q)
    boss = aliased(Person)
    return (
        select(
            Person.name,
            Person.kabupaten,
            Person.kecamatan,
            boss.name,
            func.coalesce(updates.c.n, 0),
            func.coalesce(reports.c.n, 0),
            func.coalesce(asked.c.n, 0),
            last.c.at,
        )
        .where(Person.id.in_(scope.pendamping(q)))
        .outerjoin(boss, boss.id == Person.supervisor_id)
        .outerjoin(updates, updates.c.who == Person.id)
        .outerjoin(reports, reports.c.who == Person.id)
        .outerjoin(asked, asked.c.who == Person.id)
        .outerjoin(last, last.c.who == Person.id)
        .order_by(Person.name, Person.id)
    )


def _quiet_days(last: datetime | None, now: datetime) -> int | None:
    return None if last is None else max(0, (now - last).days)


def _inactive(last: datetime | None, now: datetime) -> bool:
    return last is None or now - last >= INACTIVE_AFTER


def build(session: Session, q: ViewQuery) -> View:
    query = _per_pendamping(q)
    page = paged(session, query, q)
    people_columns = (
        Column("name", t("view.pendamping.name")),
        Column("kabupaten", t("view.pendamping.kabupaten")),
        Column("kecamatan", t("view.pendamping.kecamatan")),
        Column("supervisor", t("view.pendamping.supervisor")),
        Column("updates", t("view.pendamping.updates"), Kind.COUNT),
        Column("p2k2", t("view.pendamping.p2k2"), Kind.COUNT),
        Column("consultations", t("view.pendamping.consultations"), Kind.COUNT),
        Column("last", t("view.pendamping.last"), Kind.DATETIME),
        Column("quiet_days", t("view.pendamping.quiet_days"), Kind.COUNT),
    )
    people_rows = [
        (name, kab, kec, boss or None, u, p, c, last, _quiet_days(last, q.now))
        for name, kab, kec, boss, u, p, c, last in page.rows
    ]
    # The per-kecamatan table and the figures add up every pendamping, not one page.
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    active = inactive = 0
    for _, _, kec, _, u, p, c, last in session.execute(query):
        row = sums[kec or t("view.pendamping.no_kecamatan")]
        row[0] += 1
        row[1] += u
        row[2] += p
        row[3] += c
        row[4] += _inactive(last, q.now)
        active += (u + p + c) > 0
        inactive += _inactive(last, q.now)
    kecamatan_rows = [(kec, *values) for kec, values in sorted(sums.items())]
    busiest = sorted(kecamatan_rows, key=lambda r: -(r[2] + r[3] + r[4]))[:CHART_GROUPS]
    return View(
        KEY,
        t("view.pendamping.title"),
        figures=[
            Figure(t("view.pendamping.in_scope"), page.total),
            Figure(t("view.pendamping.active"), active),
            Figure(t("view.pendamping.inactive"), inactive),
        ],
        charts=[
            Chart(
                "pendamping-kecamatan",
                t("view.pendamping.chart_kecamatan"),
                (
                    t("view.pendamping.updates"),
                    t("view.pendamping.p2k2"),
                    t("view.pendamping.consultations"),
                ),
                [Bar(str(r[0]), (r[2], r[3], r[4])) for r in busiest],
                table="kecamatan",
            )
        ],
        tables=[
            Table(
                "kecamatan",
                t("view.pendamping.table_kecamatan"),
                (
                    Column("kecamatan", t("view.pendamping.kecamatan")),
                    Column("people", t("view.pendamping.people"), Kind.COUNT),
                    Column("updates", t("view.pendamping.updates"), Kind.COUNT),
                    Column("p2k2", t("view.pendamping.p2k2"), Kind.COUNT),
                    Column("consultations", t("view.pendamping.consultations"), Kind.COUNT),
                    Column("inactive", t("view.pendamping.inactive"), Kind.COUNT),
                ),
                kecamatan_rows,
            ),
            Table(
                "orang",
                t("view.pendamping.table_people"),
                people_columns,
                people_rows,
                page=page.page,
                pages=page.pages,
                total=page.total,
                note=t("view.pendamping.inactive_note"),
            ),
        ],
    )
