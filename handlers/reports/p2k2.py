"""The "P2K2" view: the family-development groups (FDS) of the pendamping in scope, how far each
group has come through the programme's 14 sessions and 5 modules, and attendance.

A group is (pendamping, group name), as the chat's report dialog keys it. Progress counts the
distinct sessions a group has ever reported; the period counts reports whose `held_on` (a local
date) falls in the reader's days.

One GROUP BY per group gives everything else: the sessions a group has had come back as a
bitmask (`SUM(DISTINCT 2^(n-1))`, portable to SQLite and PostgreSQL), from which Python reads
sessions done, modules reached and modules completed; the rows are one per group, never one per
report.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, case, distinct, func, select
from sqlalchemy.orm import Session

from conversations.catalog import load_catalog
from handlers.reports import scope
from handlers.reports.query import ViewQuery, page_rows
from handlers.reports.shapes import Bar, Chart, Column, Figure, Kind, Table, View
from storage.models import P2K2Report, Person
from storage.vocabulary import ALL_P2K2_SESSIONS, P2K2_SESSIONS, P2K2Module

KEY = "p2k2"
TOTAL = len(ALL_P2K2_SESSIONS)
MODULES: tuple[P2K2Module, ...] = tuple(P2K2_SESSIONS)
t = load_catalog("id")


def _bit(n: int) -> int:
    return 1 << (n - 1)


# A report's session as one bit (numbers outside the cycle are no progress), and each module's
# sessions as a mask.
_SESSION_BIT = case({n: _bit(n) for n in ALL_P2K2_SESSIONS}, value=P2K2Report.session_no, else_=0)
MODULE_MASKS = tuple(sum(_bit(n) for n in numbers) for numbers in P2K2_SESSIONS.values())


class _Group(NamedTuple):
    who: int
    pendamping: str
    kecamatan: str
    name: str
    mask: int
    last: date | None
    present: int
    enrolled: int

    @property
    def done(self) -> int:
        return self.mask.bit_count()

    def row(self) -> tuple[Any, ...]:
        reached = sum(bool(self.mask & module) for module in MODULE_MASKS)
        return (
            self.pendamping,
            self.kecamatan or None,
            self.name,
            self.done,
            self.done / TOTAL,
            reached,
            self.last,
            _rate(self.present, self.enrolled),
        )


def _rate(present: int | None, enrolled: int | None) -> float | None:
    """Attendance as a fraction; None when nobody was enrolled."""
    return None if not enrolled else (present or 0) / enrolled


def _in_scope(q: ViewQuery) -> ColumnElement[bool]:
    return P2K2Report.pendamping_id.in_(scope.pendamping(q))


def _groups(session: Session, q: ViewQuery) -> list[_Group]:
    """Every group ever reported in scope, by pendamping name then group name."""
    per_group = (
        select(
            P2K2Report.pendamping_id.label("who"),
            P2K2Report.group_name.label("grp"),
            func.sum(distinct(_SESSION_BIT)).label("mask"),
            func.max(P2K2Report.held_on).label("last"),
            func.sum(P2K2Report.present).label("present"),
            func.sum(P2K2Report.enrolled).label("enrolled"),
        )
        .where(_in_scope(q))
        .group_by(P2K2Report.pendamping_id, P2K2Report.group_name)
        .subquery("per_group")
    )
    rows = session.execute(
        select(per_group, Person.name, Person.kecamatan)
        .join(Person, Person.id == per_group.c.who)
        .order_by(Person.name, per_group.c.who, per_group.c.grp)
    )
    return [
        _Group(who, name, kec, grp, int(mask or 0), last, int(present or 0), int(enrolled or 0))
        for who, grp, mask, last, present, enrolled, name, kec in rows
    ]


def _in_period(session: Session, q: ViewQuery) -> dict[int, tuple[int, int, int]]:
    """Per pendamping: (reports, present, enrolled) of the meetings held in the period."""
    rows = session.execute(
        select(
            P2K2Report.pendamping_id,
            func.count(),
            func.sum(P2K2Report.present),
            func.sum(P2K2Report.enrolled),
        )
        .where(_in_scope(q), P2K2Report.held_on.between(q.first_day, q.last_day))
        .group_by(P2K2Report.pendamping_id)
    )
    return {who: (n, int(present or 0), int(enrolled or 0)) for who, n, present, enrolled in rows}


def _spread(groups: list[_Group]) -> list[tuple[int, int]]:
    """(sessions reported, groups that reached exactly that many), 1..14 and any 0."""
    found = Counter(g.done for g in groups)
    return [(n, found[n]) for n in range(TOTAL + 1) if n or found[n]]


def _people(
    session: Session, q: ViewQuery, groups: list[_Group]
) -> tuple[list[tuple[Any, ...]], tuple[int, int, int]]:
    """Per pendamping in scope, by name: groups ever, reports and attendance in the period; and
    the period's (reports, present, enrolled) over them all."""
    period = _in_period(session, q)
    groups_of = Counter(g.who for g in groups)
    people = session.execute(
        scope.pendamping_people(q).with_only_columns(Person.id, Person.name, Person.kecamatan)
    )
    rows = []
    for who, name, kec in people:
        reports, present, enrolled = period.get(who, (0, 0, 0))
        rows.append((name, kec or None, groups_of[who], reports, _rate(present, enrolled)))
    values = period.values()
    return rows, (sum(v[0] for v in values), sum(v[1] for v in values), sum(v[2] for v in values))


def build(session: Session, q: ViewQuery) -> View:
    groups = _groups(session, q)
    shown, group_no, group_pages = page_rows(groups, q)
    people, (reports, present, enrolled) = _people(session, q, groups)
    people_page, people_no, people_pages = page_rows(people, q)
    spread = _spread(groups)
    masks = Counter(g.mask for g in groups)
    module_rows = [
        (
            t(f"module.{module}"),
            sum(n for mask, n in masks.items() if mask & MODULE_MASKS[m]),
            sum(n for mask, n in masks.items() if mask & MODULE_MASKS[m] == MODULE_MASKS[m]),
        )
        for m, module in enumerate(MODULES)
    ]
    started_label, done_label = t("view.p2k2.module_started"), t("view.p2k2.module_done")
    return View(
        KEY,
        t("view.p2k2.title"),
        figures=[
            Figure(t("view.p2k2.groups"), len(groups)),
            Figure(t("view.p2k2.sessions_period"), reports),
            Figure(t("view.p2k2.attendance_period"), _rate(present, enrolled), Kind.PERCENT),
            Figure(t("view.p2k2.complete"), sum(g.done == TOTAL for g in groups)),
        ],
        charts=[
            Chart(
                "p2k2-modul",
                t("view.p2k2.chart_modules"),
                (started_label, done_label),
                [Bar(label, (started, done)) for label, started, done in module_rows],
                table="modul",
            ),
            Chart(
                "p2k2-kemajuan",
                t("view.p2k2.chart_spread"),
                (t("view.p2k2.groups"),),
                [Bar(t("view.p2k2.spread_bar", n=n, total=TOTAL), (c,)) for n, c in spread],
                table="sebaran",
            ),
        ],
        tables=[
            Table(
                "kelompok",
                t("view.p2k2.table_groups"),
                (
                    Column("pendamping", t("view.p2k2.pendamping")),
                    Column("kecamatan", t("view.p2k2.kecamatan")),
                    Column("group", t("view.p2k2.group")),
                    Column("sessions", t("view.p2k2.sessions_done"), Kind.COUNT),
                    Column("progress", t("view.p2k2.progress", total=TOTAL), Kind.PERCENT),
                    Column("modules", t("view.p2k2.modules_reached"), Kind.COUNT),
                    Column("last", t("view.p2k2.last_held"), Kind.DATE),
                    Column("attendance", t("view.p2k2.attendance"), Kind.PERCENT),
                ),
                [g.row() for g in shown],
                page=group_no,
                pages=group_pages,
                total=len(groups),
                note=t("view.p2k2.groups_note", total=TOTAL),
            ),
            Table(
                "pendamping",
                t("view.p2k2.table_people"),
                (
                    Column("pendamping", t("view.p2k2.pendamping")),
                    Column("kecamatan", t("view.p2k2.kecamatan")),
                    Column("groups", t("view.p2k2.groups"), Kind.COUNT),
                    Column("sessions", t("view.p2k2.sessions_period"), Kind.COUNT),
                    Column("attendance", t("view.p2k2.attendance_period"), Kind.PERCENT),
                ),
                people_page,
                page=people_no,
                pages=people_pages,
                total=len(people),
            ),
            Table(
                "modul",
                t("view.p2k2.table_modules"),
                (
                    Column("module", t("view.p2k2.module")),
                    Column("started", started_label, Kind.COUNT),
                    Column("done", done_label, Kind.COUNT),
                ),
                module_rows,
                note=t("view.p2k2.modules_note"),
            ),
            Table(
                "sebaran",
                t("view.p2k2.table_spread"),
                (
                    Column("sessions", t("view.p2k2.sessions_done"), Kind.COUNT),
                    Column("groups", t("view.p2k2.groups"), Kind.COUNT),
                ),
                spread,
            ),
        ],
    )
