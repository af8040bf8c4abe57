"""The "Pendamping" view: per pendamping, their case updates, P2K2 reports and consultations in
the period, their last activity ever, and who has been quiet for `INACTIVE_AFTER`."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from conversations.catalog import load_catalog
from handlers.reports import scope
from handlers.reports.query import ViewQuery, page_rows
from handlers.reports.shapes import Bar, Chart, Column, Figure, Kind, Table, View
from storage.models import Case, CaseUpdate, Consultation, P2K2Report, Person

KEY = "pendamping"
INACTIVE_AFTER = timedelta(days=14)
CHART_GROUPS = 20
t = load_catalog("id")


def _per_pendamping(
    session: Session, q: ViewQuery, who: Any, value: Any, *where: Any
) -> dict[int, Any]:
    """{pendamping id: `value`} grouped over one table, for the pendamping in scope."""
    query = select(who, value).where(who.in_(scope.pendamping(q)), *where).group_by(who)
    return {who_id: found for who_id, found in session.execute(query)}


def _activity(session: Session, q: ViewQuery) -> list[tuple[Any, ...]]:
    """Every pendamping in scope by name: name, place, supervisor, case updates, P2K2 reports
    and consultations in the period, and their last activity ever.

    One small grouped query per table and figure (each served by an index on the pendamping or
    the time) rather than one join of everything: at province scale the join was the view's
    whole cost. A case's `last_update_at` is its last update."""
    in_period = (q.start, q.end)
    updates = _per_pendamping(
        session,
        q,
        Case.pendamping_id,
        func.count(),
        Case.id == CaseUpdate.case_id,
        CaseUpdate.created_at >= in_period[0],
        CaseUpdate.created_at < in_period[1],
    )
    reports = _per_pendamping(
        session,
        q,
        P2K2Report.pendamping_id,
        func.count(),
        P2K2Report.created_at >= in_period[0],
        P2K2Report.created_at < in_period[1],
    )
    asked = _per_pendamping(
        session,
        q,
        Consultation.pendamping_id,
        func.count(),
        Consultation.created_at >= in_period[0],
        Consultation.created_at < in_period[1],
    )
    lasts = [
        _per_pendamping(session, q, Case.pendamping_id, func.max(Case.last_update_at)),
        _per_pendamping(session, q, P2K2Report.pendamping_id, func.max(P2K2Report.created_at)),
        _per_pendamping(session, q, Consultation.pendamping_id, func.max(Consultation.created_at)),
    ]
    boss = aliased(Person)
    people = session.execute(
        select(Person.id, Person.name, Person.kabupaten, Person.kecamatan, boss.name)
        .where(Person.id.in_(scope.pendamping(q)))
        .outerjoin(boss, boss.id == Person.supervisor_id)
        .order_by(Person.name, Person.id)
    )
    rows = []
    for person_id, name, kabupaten, kecamatan, boss_name in people:
        known = [found[person_id] for found in lasts if found.get(person_id) is not None]
        rows.append(
            (
                name,
                kabupaten,
                kecamatan,
                boss_name,
                updates.get(person_id, 0),
                reports.get(person_id, 0),
                asked.get(person_id, 0),
                max(known) if known else None,
            )
        )
    return rows


def _quiet_days(last: datetime | None, now: datetime) -> int | None:
    return None if last is None else max(0, (now - last).days)


def _inactive(last: datetime | None, now: datetime) -> bool:
    return last is None or now - last >= INACTIVE_AFTER


def build(session: Session, q: ViewQuery) -> View:
    everyone = _activity(session, q)
    shown, page_no, pages = page_rows(everyone, q)
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
        for name, kab, kec, boss, u, p, c, last in shown
    ]
    # The per-kecamatan table and the figures add up every pendamping, not one page.
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    active = inactive = 0
    for _, _, kec, _, u, p, c, last in everyone:
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
            Figure(t("view.pendamping.in_scope"), len(everyone)),
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
                page=page_no,
                pages=pages,
                total=len(everyone),
                note=t("view.pendamping.inactive_note"),
            ),
        ],
    )
