"""The "Beban kerja" view: per supervisor in scope, the pendamping linked to them against the
1 : 50–100 norm, their active cases and open complaints, and both per pendamping; then one line
per pendamping (active cases, open complaints given to them), paged.

A supervisor's open complaints are those they handle plus those given to one of their pendamping
while someone else handles them (each complaint counted once). Every count is a GROUP BY over the
people in scope, never a loop over rows.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Select, Subquery, func, or_, select
from sqlalchemy.orm import Session, aliased

from conversations.catalog import load_catalog
from handlers.reports import scope
from handlers.reports.complaints import count_if
from handlers.reports.pendamping import CHART_GROUPS
from handlers.reports.query import Paged, ViewQuery, paged
from handlers.reports.shapes import Bar, Chart, Column, Figure, Kind, Table, View
from storage.models import Case, Complaint, Person
from storage.vocabulary import OPEN_COMPLAINTS, CaseStatus

KEY = "workload"
# One supervisor for 50 to 100 pendamping (DESIGN.md, "Ratios to plan for").
NORM_LOW, NORM_HIGH = 50, 100
t = load_catalog("id")


def norm_status(pendamping: int) -> str:
    """Where a supervisor's number of pendamping stands against the norm."""
    if pendamping < NORM_LOW:
        return t("view.workload.below")
    if pendamping > NORM_HIGH:
        return t("view.workload.above")
    return t("view.workload.within")


def _pendamping_in_scope(q: ViewQuery) -> Select[tuple[int]]:
    return scope.pendamping(q).where(Person.active.is_(True))


def _active_cases(who: Any) -> Subquery:
    """(pendamping id, active cases) for the pendamping `who` (ids or an id subquery)."""
    return (
        select(Case.pendamping_id.label("who"), func.count().label("n"))
        .where(Case.status == CaseStatus.ACTIVE, Case.pendamping_id.in_(who))
        .group_by(Case.pendamping_id)
        .subquery()
    )


def _per_supervisor(
    session: Session, q: ViewQuery, open_complaints: tuple[Counter[int], Counter[int]]
) -> list[tuple[Any, ...]]:
    bosses = scope.supervisors(q).subquery()
    staff = aliased(Person)
    people = (
        select(staff.supervisor_id.label("boss"), func.count().label("n"))
        .where(staff.id.in_(_pendamping_in_scope(q)))
        .group_by(staff.supervisor_id)
        .subquery()
    )
    owner = aliased(Person)
    cases = (
        select(owner.supervisor_id.label("boss"), func.count().label("n"))
        .select_from(Case)
        .join(owner, owner.id == Case.pendamping_id)
        .where(Case.status == CaseStatus.ACTIVE, owner.id.in_(_pendamping_in_scope(q)))
        .group_by(owner.supervisor_id)
        .subquery()
    )
    query = (
        select(bosses.c.id, bosses.c.name, bosses.c.kabupaten, people.c.n, cases.c.n)
        .outerjoin(people, people.c.boss == bosses.c.id)
        .outerjoin(cases, cases.c.boss == bosses.c.id)
        .order_by(bosses.c.name, bosses.c.id)
    )
    complaints = open_complaints[0]
    rows = []
    for boss_id, name, kabupaten, n, active_cases in session.execute(query):
        n, active_cases, open_complaints = n or 0, active_cases or 0, complaints[boss_id]
        rows.append(
            (
                name,
                kabupaten or None,
                int(n),
                norm_status(int(n)),
                int(active_cases),
                int(open_complaints),
                active_cases / n if n else None,
                open_complaints / n if n else None,
            )
        )
    return rows


def _open_complaints(session: Session, q: ViewQuery) -> tuple[Counter[int], Counter[int]]:
    """Open complaints in one pass grouped by (handler, assignee, the assignee's supervisor):
    per supervisor id, those they handle or gave to one of their pendamping (each once); per
    pendamping id, those given to them."""
    helper = aliased(Person)
    query = (
        select(Complaint.handler_id, Complaint.assignee_id, helper.supervisor_id, func.count())
        .select_from(Complaint)
        .outerjoin(helper, helper.id == Complaint.assignee_id)
        .where(Complaint.status.in_(OPEN_COMPLAINTS), scope.complaints(q))
        .group_by(Complaint.handler_id, Complaint.assignee_id, helper.supervisor_id)
    )
    bosses: Counter[int] = Counter()
    given: Counter[int] = Counter()
    for handler, assignee, helpers_boss, n in session.execute(query):
        if handler is not None:
            bosses[handler] += n
        if helpers_boss is not None and helpers_boss != handler:
            bosses[helpers_boss] += n
        if assignee is not None:
            given[assignee] += n
    return bosses, given


def _people_page(session: Session, q: ViewQuery) -> Paged:
    boss = aliased(Person)
    query = (
        select(Person.id, Person.name, Person.kabupaten, Person.kecamatan, boss.name)
        .where(Person.id.in_(_pendamping_in_scope(q)))
        .outerjoin(boss, boss.id == Person.supervisor_id)
        .order_by(Person.name, Person.id)
    )
    return paged(session, query, q)


def _per_pendamping(
    session: Session, q: ViewQuery, given: Counter[int]
) -> tuple[Paged, list[tuple[Any, ...]]]:
    """One page of pendamping, then their active cases (only theirs, unless every row is
    wanted) and the open complaints given to them."""
    page = _people_page(session, q)
    ids = [row[0] for row in page.rows]
    # An export asks for everyone: a subquery rather than thousands of ids.
    who: Any = _pendamping_in_scope(q) if q.everything else ids
    cases: Counter[int] = Counter()
    if ids:
        numbers = _active_cases(who)
        for person_id, n in session.execute(select(numbers.c.who, numbers.c.n)):
            cases[person_id] = int(n)
    rows = [
        (name, kab or None, kec or None, boss or None, cases[person_id], given[person_id])
        for person_id, name, kab, kec, boss in page.rows
    ]
    return page, rows


def _totals(session: Session, q: ViewQuery) -> tuple[int, int]:
    """(active pendamping in scope, those without an active supervisor)."""
    boss = aliased(Person)
    total, alone = session.execute(
        select(
            func.count(Person.id),
            count_if(or_(boss.id.is_(None), boss.active.is_(False))),
        )
        .outerjoin(boss, boss.id == Person.supervisor_id)
        .where(Person.id.in_(_pendamping_in_scope(q)))
    ).one()
    return int(total), int(alone)


def build(session: Session, q: ViewQuery) -> View:
    open_complaints = _open_complaints(session, q)
    supervisors = _per_supervisor(session, q, open_complaints)
    page, people_rows = _per_pendamping(session, q, open_complaints[1])
    total, alone = _totals(session, q)
    counts = [row[2] for row in supervisors]
    busiest = sorted(supervisors, key=lambda r: (-r[2], r[0]))[:CHART_GROUPS]
    people_label = t("view.workload.pendamping")
    return View(
        KEY,
        t("view.workload.title"),
        figures=[
            Figure(t("view.workload.supervisors"), len(supervisors)),
            Figure(t("view.workload.pendamping_in_scope"), total),
            Figure(
                t("view.workload.average"),
                sum(counts) / len(counts) if counts else None,
                Kind.NUMBER,
            ),
            Figure(t("view.workload.count_below"), sum(n < NORM_LOW for n in counts)),
            Figure(t("view.workload.count_above"), sum(n > NORM_HIGH for n in counts)),
            Figure(t("view.workload.without_supervisor"), alone),
        ],
        charts=[
            Chart(
                "supervisor",
                t("view.workload.chart", low=NORM_LOW, high=NORM_HIGH),
                (people_label,),
                [Bar(str(r[0]), (r[2],)) for r in busiest],
                table="supervisor",
            )
        ],
        tables=[
            Table(
                "supervisor",
                t("view.workload.table_supervisors"),
                (
                    Column("supervisor", t("view.workload.supervisor")),
                    Column("kabupaten", t("view.workload.kabupaten")),
                    Column("pendamping", people_label, Kind.COUNT),
                    Column("norm", t("view.workload.norm")),
                    Column("cases", t("view.workload.cases"), Kind.COUNT),
                    Column("complaints", t("view.workload.complaints"), Kind.COUNT),
                    Column("cases_each", t("view.workload.cases_each"), Kind.NUMBER),
                    Column("complaints_each", t("view.workload.complaints_each"), Kind.NUMBER),
                ),
                supervisors,
                note=t("view.workload.note", low=NORM_LOW, high=NORM_HIGH),
            ),
            Table(
                "pendamping",
                t("view.workload.table_pendamping"),
                (
                    Column("name", t("view.workload.name")),
                    Column("kabupaten", t("view.workload.kabupaten")),
                    Column("kecamatan", t("view.workload.kecamatan")),
                    Column("supervisor", t("view.workload.supervisor")),
                    Column("cases", t("view.workload.cases"), Kind.COUNT),
                    Column("complaints", t("view.workload.assigned"), Kind.COUNT),
                ),
                people_rows,
                page=page.page,
                pages=page.pages,
                total=page.total,
            ),
        ],
    )
