"""The "Konsultasi" view: the incidental consultations pendamping in scope asked for in the
period, by topic and urgency, how they ended up, and how quickly each supervisor answered.

"Acknowledged" means the supervisor answered at all (accepted, proposed another time, declined
or closed): `acknowledged_at`. Medians are taken in Python over the answered requests of the
period only (a bounded list of two timestamps each), so they read the same on SQLite and
PostgreSQL. The request's own words are personal support between two colleagues: this view
counts requests and never selects their description, notes or outcome text.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from statistics import median
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from conversations.catalog import load_catalog
from handlers.reports import scope
from handlers.reports.query import ViewQuery, paged
from handlers.reports.shapes import Bar, Cell, Chart, Column, Figure, Kind, Table, View
from storage.models import Consultation, Person
from storage.vocabulary import ConsultationStatus, ConsultationTopic, Role, Urgency

KEY = "consultations"
HOUR = 3600.0
t = load_catalog("id")


class Outcome(StrEnum):
    """Where a request of the period stands now (each request is in exactly one)."""

    ACCEPTED = "accepted"  # agreed, or closed after an agreement
    COUNTERED = "countered"  # the supervisor proposed another time; the pendamping is to answer
    DECLINED = "declined"
    WAITING = "waiting"  # the supervisor is to answer (first request or a new proposal)
    CLOSED_UNAGREED = "closed_unagreed"  # closed without ever agreeing on a time


OUTCOME_LABELS = {
    Outcome.ACCEPTED: "view.consultations.outcome_accepted",
    Outcome.COUNTERED: "view.consultations.outcome_countered",
    Outcome.DECLINED: "view.consultations.outcome_declined",
    Outcome.WAITING: "view.consultations.outcome_waiting",
    Outcome.CLOSED_UNAGREED: "view.consultations.outcome_closed_unagreed",
}


def _outcome(status: str, agreed: bool) -> Outcome:
    if status == ConsultationStatus.AGREED or (status == ConsultationStatus.CLOSED and agreed):
        return Outcome.ACCEPTED
    if status == ConsultationStatus.CLOSED:
        return Outcome.CLOSED_UNAGREED
    if status == ConsultationStatus.PROPOSED:
        return Outcome.COUNTERED
    if status == ConsultationStatus.DECLINED:
        return Outcome.DECLINED
    return Outcome.WAITING


def _in_period(q: ViewQuery) -> ColumnElement[bool]:
    """Requests of the pendamping in scope (a pendamping: their own) made in the period."""
    return and_(
        Consultation.pendamping_id.in_(scope.pendamping(q)),
        Consultation.created_at >= q.start,
        Consultation.created_at < q.end,
    )


def _escalated() -> ColumnElement[int]:
    return func.sum(case((Consultation.escalation_stage > 0, 1), else_=0))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _median_hours(hours: Sequence[float]) -> float | None:
    return median(hours) if hours else None


def _hours(created: datetime, acknowledged: datetime) -> float:
    return max(0.0, (acknowledged - created).total_seconds() / HOUR)


def _answer_hours(session: Session, q: ViewQuery) -> list[tuple[int | None, str, str, float]]:
    """(supervisor id, topic, urgency, hours to acknowledge) of every answered request."""
    rows = session.execute(
        select(
            Consultation.supervisor_id,
            Consultation.topic,
            Consultation.urgency,
            Consultation.created_at,
            Consultation.acknowledged_at,
        ).where(_in_period(q), Consultation.acknowledged_at.is_not(None))
    )
    return [(who, topic, urgency, _hours(made, ack)) for who, topic, urgency, made, ack in rows]


def _by(session: Session, q: ViewQuery, column: Any) -> dict[str, tuple[int, int, int]]:
    """Per value of `column`: (requests, acknowledged, escalated)."""
    rows = session.execute(
        select(
            column,
            func.count(),
            func.count(Consultation.acknowledged_at),
            _escalated(),
        )
        .where(_in_period(q))
        .group_by(column)
    )
    return {value: (n, acked, int(escalated or 0)) for value, n, acked, escalated in rows}


def _ordered(known: Iterable[str], found: dict[str, Any]) -> list[str]:
    """The vocabulary's values in its order, then any other value stored (oldest data)."""
    values = list(known)
    return values + sorted(v for v in found if v not in values)


def _label(family: str, value: str) -> str:
    key = f"{family}.{value}"
    return t(key) if t.has(key) else value


def _group_table(
    key: str,
    title: str,
    heading: str,
    family: str,
    known: Iterable[str],
    counts: dict[str, tuple[int, int, int]],
    hours: dict[str, list[float]],
    total: int,
) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for value in _ordered(known, counts):
        n, acked, escalated = counts.get(value, (0, 0, 0))
        rows.append(
            (
                _label(family, value),
                n,
                _share(n, total),
                acked,
                _median_hours(hours.get(value, [])),
                _share(escalated, n),
            )
        )
    return Table(
        key,
        title,
        (
            Column("group", heading),
            Column("requests", t("view.consultations.requests"), Kind.COUNT),
            Column("share", t("view.consultations.share"), Kind.PERCENT),
            Column("acknowledged", t("view.consultations.acknowledged"), Kind.COUNT),
            Column("median_hours", t("view.consultations.median_hours"), Kind.NUMBER),
            Column("escalated", t("view.consultations.escalated_share"), Kind.PERCENT),
        ),
        rows,
    )


def _chart(key: str, title: str, table: Table) -> Chart:
    return Chart(
        f"{key}-chart",
        title,
        (t("view.consultations.requests"),),
        [Bar(str(row[0]), (float(row[1] or 0),)) for row in table.rows],
        table=key,
    )


def _outcomes(session: Session, q: ViewQuery, total: int) -> Table:
    rows = session.execute(
        select(
            Consultation.status,
            Consultation.agreed_at.is_not(None),
            Consultation.proposed_by,
            func.count(),
        )
        .where(_in_period(q))
        .group_by(
            Consultation.status, Consultation.agreed_at.is_not(None), Consultation.proposed_by
        )
    )
    counts: Counter[Outcome] = Counter()
    on_their_time = 0
    for status, agreed, proposed_by, n in rows:
        outcome = _outcome(status, bool(agreed))
        counts[outcome] += n
        if outcome == Outcome.ACCEPTED and proposed_by == Role.SUPERVISOR:
            on_their_time += n
    return Table(
        "hasil",
        t("view.consultations.table_outcomes"),
        (
            Column("outcome", t("view.consultations.outcome")),
            Column("requests", t("view.consultations.requests"), Kind.COUNT),
            Column("share", t("view.consultations.share"), Kind.PERCENT),
        ),
        [
            (t(OUTCOME_LABELS[o]), counts[o], _share(counts[o], total))
            for o in Outcome  # every outcome, also at zero, so months compare row by row
        ],
        note=t("view.consultations.outcome_note", count=on_their_time),
    )


def _per_supervisor(q: ViewQuery) -> Select[tuple[Any, ...]]:
    """One row per supervisor who received requests of the period (a backup who took a request
    over counts it), by name; requests sent while the pendamping had no supervisor last."""
    return (
        select(
            Consultation.supervisor_id,
            Person.name,
            Person.kabupaten,
            func.count(),
            func.count(Consultation.acknowledged_at),
            _escalated(),
        )
        .outerjoin(Person, Person.id == Consultation.supervisor_id)
        .where(_in_period(q))
        .group_by(Consultation.supervisor_id, Person.name, Person.kabupaten)
        .order_by(Person.name.is_(None), Person.name, Consultation.supervisor_id)
    )


def _supervisor_table(
    session: Session, q: ViewQuery, hours: dict[int | None, list[float]]
) -> Table:
    page = paged(session, _per_supervisor(q), q)
    rows: list[tuple[Cell, ...]] = [
        (
            name or t("view.consultations.no_supervisor"),
            kabupaten or None,
            n,
            acked,
            _median_hours(hours.get(who, [])),
            _share(int(escalated or 0), n),
        )
        for who, name, kabupaten, n, acked, escalated in page.rows
    ]
    return Table(
        "supervisor",
        t("view.consultations.table_supervisors"),
        (
            Column("supervisor", t("view.consultations.supervisor")),
            Column("kabupaten", t("view.consultations.kabupaten")),
            Column("requests", t("view.consultations.requests"), Kind.COUNT),
            Column("acknowledged", t("view.consultations.acknowledged"), Kind.COUNT),
            Column("median_hours", t("view.consultations.median_hours"), Kind.NUMBER),
            Column("escalated", t("view.consultations.escalated_share"), Kind.PERCENT),
        ),
        rows,
        page=page.page,
        pages=page.pages,
        total=page.total,
        note=t("view.consultations.supervisor_note"),
    )


def build(session: Session, q: ViewQuery) -> View:
    answered = _answer_hours(session, q)
    by_supervisor: dict[int | None, list[float]] = defaultdict(list)
    by_topic: dict[str, list[float]] = defaultdict(list)
    by_urgency: dict[str, list[float]] = defaultdict(list)
    for who, topic, urgency, hours in answered:
        by_supervisor[who].append(hours)
        by_topic[topic].append(hours)
        by_urgency[urgency].append(hours)
    topics = _by(session, q, Consultation.topic)
    urgencies = _by(session, q, Consultation.urgency)
    total = sum(n for n, _, _ in topics.values())
    escalated = sum(e for _, _, e in topics.values())
    urgent = urgencies.get(Urgency.URGENT, (0, 0, 0))[0]
    topic_table = _group_table(
        "topik",
        t("view.consultations.table_topics"),
        t("view.consultations.topic"),
        "topic",
        tuple(ConsultationTopic),
        topics,
        by_topic,
        total,
    )
    urgency_table = _group_table(
        "urgensi",
        t("view.consultations.table_urgency"),
        t("view.consultations.urgency"),
        "urgency",
        tuple(Urgency),
        urgencies,
        by_urgency,
        total,
    )
    outcome_table = _outcomes(session, q, total)
    return View(
        KEY,
        t("view.consultations.title"),
        figures=[
            Figure(t("view.consultations.requests"), total),
            Figure(
                t("view.consultations.median_hours"),
                _median_hours([h for *_, h in answered]),
                Kind.NUMBER,
            ),
            Figure(t("view.consultations.escalated_share"), _share(escalated, total), Kind.PERCENT),
            Figure(t("view.consultations.urgent_share"), _share(urgent, total), Kind.PERCENT),
        ],
        charts=[
            _chart("topik", t("view.consultations.chart_topics"), topic_table),
            _chart("urgensi", t("view.consultations.chart_urgency"), urgency_table),
            _chart("hasil", t("view.consultations.chart_outcomes"), outcome_table),
        ],
        tables=[
            topic_table,
            urgency_table,
            outcome_table,
            _supervisor_table(session, q, by_supervisor),
        ],
    )
