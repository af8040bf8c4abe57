"""The "Kasus KPM" view: the cases of the pendamping in scope (a pendamping: their own) — how many
are active, opened and closed in the period, where the active ones stand, and which have sat in
one stage for more than N days (the reader's `macet` option).

A case entered its current stage at the earliest update in that stage after the last update in
any other stage (the newest change into it), or when it was opened if no update says otherwise.
A case closes when its supervisor agrees to close it (`closed_at`) or, before that, when an update
reached a closing stage (`CLOSING_STAGES`), and nothing updates it after, so a closed case's
`last_update_at` is when it closed. Cases show by code and label only.

The measures of success the seeds name are counted per pendamping and per kabupaten: graduasi
mandiri (cases closed in the period with that outcome) and referrals completed (a referral whose
status became selesai in the period).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from conversations.catalog import load_catalog
from handlers.reports import scope
from handlers.reports.query import NumberOption, ViewQuery, paged
from handlers.reports.shapes import Bar, Cell, Chart, Column, Figure, Kind, Table, View
from storage.models import Case, CaseReferral, Person
from storage.vocabulary import (
    CLOSING_STAGES,
    CaseStage,
    CaseStatus,
    CaseType,
    ClosureOutcome,
    ReferralStatus,
)

KEY = "cases"
t = load_catalog("id")
STUCK = NumberOption("macet", t("view.cases.option_stuck"), default=30, low=7, high=365)
OPTIONS: tuple[NumberOption, ...] = (STUCK,)


def _label(family: str, value: str) -> str:
    key = f"{family}.{value}"
    return t(key) if t.has(key) else value


def _ordered(known: tuple[str, ...], found: dict[str, Any]) -> list[str]:
    """The vocabulary's values in its order, then any other value stored (older data)."""
    return [*known, *sorted(v for v in found if v not in known)]


def _mine(q: ViewQuery) -> ColumnElement[bool]:
    return Case.pendamping_id.in_(scope.pendamping(q))


def _between(when: Any, q: ViewQuery) -> ColumnElement[bool]:
    return and_(when >= q.start, when < q.end)


def _closed_at() -> ColumnElement[Any]:
    """When a closed case closed: agreed by the supervisor, else its last (closing) update."""
    return func.coalesce(Case.closed_at, Case.last_update_at)


@dataclass
class Counts:
    """The view's counts of cases, from one pass over the cases in scope."""

    active_stages: Counter[str] = field(default_factory=Counter)
    active_types: Counter[str] = field(default_factory=Counter)
    opened_types: Counter[str] = field(default_factory=Counter)
    closed_types: Counter[str] = field(default_factory=Counter)
    closed_stages: Counter[str] = field(default_factory=Counter)


def _counts(session: Session, q: ViewQuery) -> Counts:
    closed = and_(Case.status == CaseStatus.CLOSED, _between(_closed_at(), q))
    rows = session.execute(
        select(
            Case.status,
            Case.stage,
            Case.case_type,
            func.count(),
            func.sum(case((_between(Case.created_at, q), 1), else_=0)),
            func.sum(case((closed, 1), else_=0)),
        )
        .where(_mine(q))
        .group_by(Case.status, Case.stage, Case.case_type)
    )
    found = Counts()
    for status, stage, case_type, n, opened, closed_now in rows:
        if status == CaseStatus.ACTIVE:
            found.active_stages[stage] += n
            found.active_types[case_type] += n
        if opened:
            found.opened_types[case_type] += int(opened)
        if closed_now:
            found.closed_types[case_type] += int(closed_now)
            found.closed_stages[stage] += int(closed_now)
    return found


def _stuck(q: ViewQuery, days: int) -> Select[tuple[Any, ...]]:
    """Active cases in scope in one stage for more than `days` days, the longest first.

    A case entered its stage when it was opened or when an update changed its stage
    (`Case.stage_since`, kept by the case updates; a case from before that column counts from
    its opening)."""
    cutoff = q.now - timedelta(days=days)
    since = func.coalesce(Case.stage_since, Case.created_at)
    return (
        select(
            Case.code,
            Case.label,
            Case.kpm_ref_masked,
            Person.name,
            Person.kecamatan,
            Case.stage,
            since.label("since"),
        )
        .join(Person, Person.id == Case.pendamping_id)
        .where(_mine(q), Case.status == CaseStatus.ACTIVE, Case.stage_since < cutoff)
        .order_by(Case.stage_since, Case.id)
    )


def _stuck_table(session: Session, q: ViewQuery, days: int) -> Table:
    page = paged(session, _stuck(q, days), q)
    rows: list[tuple[Cell, ...]] = []
    for code, label, masked, name, kecamatan, stage, since in page.rows:
        rows.append(
            (
                code or t("case.legacy_ref", ref=masked),
                label or None,
                name,
                kecamatan or None,
                _label("stage", stage),
                since.astimezone(q.zone).date(),
                (q.now - since).days,
            )
        )
    return Table(
        "macet",
        t("view.cases.table_stuck", days=days),
        (
            Column("code", t("view.cases.code")),
            Column("label", t("view.cases.label")),
            Column("pendamping", t("view.cases.pendamping")),
            Column("kecamatan", t("view.cases.kecamatan")),
            Column("stage", t("view.cases.stage")),
            Column("since", t("view.cases.since"), Kind.DATE),
            Column("days", t("view.cases.days"), Kind.COUNT),
        ),
        rows,
        page=page.page,
        pages=page.pages,
        total=page.total,
        note=t("view.cases.stuck_note", days=days),
    )


def _stage_table(active: dict[str, int]) -> Table:
    return Table(
        "tahap",
        t("view.cases.table_stages"),
        (
            Column("stage", t("view.cases.stage")),
            Column("active", t("view.cases.active"), Kind.COUNT),
        ),
        [
            (_label("stage", s), active.get(s, 0))
            for s in _ordered(tuple(CaseStage), active)
            if s not in CLOSING_STAGES or active.get(s)
        ],
    )


def _closed_table(closed: dict[str, int]) -> Table:
    return Table(
        "penutupan",
        t("view.cases.table_closed"),
        (
            Column("stage", t("view.cases.closing_stage")),
            Column("closed", t("view.cases.closed"), Kind.COUNT),
        ),
        [(_label("stage", s), closed.get(s, 0)) for s in _ordered(CLOSING_STAGES, closed)],
        note=t("view.cases.closed_note"),
    )


def _type_table(opened: dict[str, int], closed: dict[str, int], active: dict[str, int]) -> Table:
    found = {**opened, **closed, **active}
    return Table(
        "jenis",
        t("view.cases.table_types"),
        (
            Column("case_type", t("view.cases.case_type")),
            Column("opened", t("view.cases.opened"), Kind.COUNT),
            Column("closed", t("view.cases.closed"), Kind.COUNT),
            Column("active", t("view.cases.active"), Kind.COUNT),
        ),
        [
            (_label("case_type", c), opened.get(c, 0), closed.get(c, 0), active.get(c, 0))
            for c in _ordered(tuple(CaseType), found)
        ],
    )


@dataclass
class Success:
    """Graduasi mandiri and completed referrals in the period, by pendamping id."""

    graduated: Counter[int] = field(default_factory=Counter)
    referred: Counter[int] = field(default_factory=Counter)


def _success(session: Session, q: ViewQuery) -> Success:
    found = Success()
    graduated = session.execute(
        select(Case.pendamping_id, func.count())
        .where(
            _mine(q),
            Case.status == CaseStatus.CLOSED,
            Case.closure_outcome == ClosureOutcome.SELF_GRADUATION,
            _between(_closed_at(), q),
        )
        .group_by(Case.pendamping_id)
    )
    for pendamping_id, n in graduated:
        found.graduated[pendamping_id] += n
    referred = session.execute(
        select(Case.pendamping_id, func.count())
        .select_from(CaseReferral)
        .join(Case, Case.id == CaseReferral.case_id)
        .where(
            _mine(q),
            CaseReferral.status == ReferralStatus.COMPLETED,
            _between(CaseReferral.status_changed_at, q),
        )
        .group_by(Case.pendamping_id)
    )
    for pendamping_id, n in referred:
        found.referred[pendamping_id] += n
    return found


def _success_tables(session: Session, q: ViewQuery, success: Success) -> list[Table]:
    """Per pendamping (those with either count, by name) and per kabupaten."""
    ids = set(success.graduated) | set(success.referred)
    people = session.scalars(scope.pendamping_people(q).where(Person.id.in_(ids))).all()
    per_kabupaten: dict[str, list[int]] = {}
    rows: list[tuple[Cell, ...]] = []
    for person in people:
        graduated, referred = success.graduated[person.id], success.referred[person.id]
        rows.append((person.name, person.kecamatan or None, graduated, referred))
        counts = per_kabupaten.setdefault(person.kabupaten or "-", [0, 0])
        counts[0] += graduated
        counts[1] += referred
    counts_columns = (
        Column("graduated", t("case_lifecycle.view.graduated"), Kind.COUNT),
        Column("referrals_done", t("case_lifecycle.view.referrals_done"), Kind.COUNT),
    )
    return [
        Table(
            "keberhasilan-pendamping",
            t("case_lifecycle.view.table_pendamping"),
            (
                Column("pendamping", t("case_lifecycle.view.pendamping")),
                Column("kecamatan", t("case_lifecycle.view.kecamatan")),
                *counts_columns,
            ),
            rows,
            note=t("case_lifecycle.view.pendamping_note"),
        ),
        Table(
            "keberhasilan-kabupaten",
            t("case_lifecycle.view.table_kabupaten"),
            (Column("kabupaten", t("case_lifecycle.view.kabupaten")), *counts_columns),
            [(k, g, r) for k, (g, r) in sorted(per_kabupaten.items())],
        ),
    ]


def build(session: Session, q: ViewQuery) -> View:
    days = q.option(STUCK.key, STUCK.default)
    counts = _counts(session, q)
    stuck = _stuck_table(session, q, days)
    stages = _stage_table(counts.active_stages)
    types = _type_table(counts.opened_types, counts.closed_types, counts.active_types)
    success = _success(session, q)
    return View(
        KEY,
        t("view.cases.title"),
        figures=[
            Figure(t("view.cases.active_now"), sum(counts.active_stages.values())),
            Figure(t("view.cases.opened"), sum(counts.opened_types.values())),
            Figure(t("view.cases.closed"), sum(counts.closed_types.values())),
            Figure(t("view.cases.stuck_figure", days=days), stuck.total),
            Figure(t("case_lifecycle.view.graduated_figure"), sum(success.graduated.values())),
            Figure(t("case_lifecycle.view.referrals_figure"), sum(success.referred.values())),
        ],
        charts=[
            Chart(
                "tahap-chart",
                t("view.cases.chart_stages"),
                (t("view.cases.active"),),
                [Bar(str(r[0]), (float(r[1] or 0),)) for r in stages.rows],
                table="tahap",
            ),
            Chart(
                "jenis-chart",
                t("view.cases.chart_types"),
                (t("view.cases.opened"), t("view.cases.closed")),
                [Bar(str(r[0]), (float(r[1] or 0), float(r[2] or 0))) for r in types.rows],
                table="jenis",
            ),
        ],
        tables=[
            stages,
            stuck,
            _closed_table(counts.closed_stages),
            types,
            *_success_tables(session, q, success),
        ],
    )
