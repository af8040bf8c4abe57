"""The "Supervisi" view: the supervision sessions that fell in the period (planned, held, not
held, not yet recorded, cancelled or moved) per supervisor and per pendamping, the mix of the
three supervision functions across held sessions, and the pendamping nobody has supervised in
the last `QUIET_AFTER`.

Whose sessions: those of the supervisors the reader oversees (`scope.supervisors`), and those
the reader agreed to take part in (a pendamping's own sessions). Per pendamping: the pendamping
in scope, with the sessions of every agreement they agreed to join.

Outcomes are counted in SQL (GROUP BY status). Attendees and functions are JSON, read
differently by each dialect, so the view loads only the held sessions of the period (those two
columns) and counts them in Python; the "not supervised" list reads held sessions of the last
`LOOKBACK` only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from conversations.catalog import load_catalog
from handlers.reports import scope
from handlers.reports.pendamping import CHART_GROUPS
from handlers.reports.query import ViewQuery, page_rows
from handlers.reports.shapes import Bar, Chart, Column, Figure, Kind, Table, View
from storage.models import Agreement, AgreementParticipant, Person, SupervisionSession
from storage.vocabulary import ParticipantStatus, SessionStatus, SupervisionFunction

KEY = "supervisi"
QUIET_AFTER = timedelta(days=30)
# How far back the "not supervised" list looks for a last session (it says so in its note).
LOOKBACK = timedelta(days=90)
# Up to this many people are named in a query; more are selected by a subquery instead.
MAX_LISTED = 1000
CANCELLED = (SessionStatus.CANCELLED, SessionStatus.SKIPPED)
# What became of a session, in the order the tables show it.
STATES = ("held", "not_held", "unrecorded", "upcoming", "cancelled")
t = load_catalog("id")
T = TypeVar("T")


def _ids(value: Any) -> list[int]:
    """The attendee ids a record stores: {"ids": [...]}."""
    found = value.get("ids") if isinstance(value, Mapping) else None
    return found if isinstance(found, list) else []


def _items(value: Any) -> frozenset[str]:
    """The functions a record stores: {"items": [...]}, each counted once."""
    found = value.get("items") if isinstance(value, Mapping) else None
    return frozenset(found) if isinstance(found, list) else frozenset()


def _state(status: str, ended: bool) -> str:
    if status in CANCELLED:
        return "cancelled"
    if status == SessionStatus.HELD:
        return "held"
    if status == SessionStatus.NOT_HELD:
        return "not_held"
    return "unrecorded" if ended else "upcoming"


def _joined_by(who: Any) -> Select[tuple[int]]:
    """The agreements `who` (a person id, or a subquery of ids) agreed to join."""
    person = AgreementParticipant.person_id
    return select(AgreementParticipant.agreement_id).where(
        person.in_(who) if isinstance(who, Select) else person == who,
        AgreementParticipant.status == ParticipantStatus.AGREED,
    )


def _overseen(q: ViewQuery) -> ColumnElement[bool]:
    """A predicate on `Agreement`: run by a supervisor in scope, or joined by the reader."""
    supervisors = scope.supervisors(q).with_only_columns(Person.id).order_by(None)
    return or_(Agreement.supervisor_id.in_(supervisors), Agreement.id.in_(_joined_by(q.reader.id)))


def _in_period(q: ViewQuery) -> tuple[ColumnElement[bool], ...]:
    return (SupervisionSession.starts_at >= q.start, SupervisionSession.starts_at < q.end)


def _outcome_counts(session: Session, q: ViewQuery) -> dict[int, Counter[str]]:
    """Per supervisor: their overseen sessions of the period by state, and how many moved."""
    ended = case((SupervisionSession.ends_at <= q.now, 1), else_=0)
    moved = case((SupervisionSession.starts_at != SupervisionSession.planned_for, 1), else_=0)
    rows = session.execute(
        select(
            Agreement.supervisor_id, SupervisionSession.status, ended, func.sum(moved), func.count()
        )
        .join(Agreement, Agreement.id == SupervisionSession.agreement_id)
        .where(_overseen(q), *_in_period(q))
        .group_by(Agreement.supervisor_id, SupervisionSession.status, ended)
    )
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for supervisor_id, status, is_ended, n_moved, n in rows:
        counts[supervisor_id][_state(status, bool(is_ended))] += n
        counts[supervisor_id]["moved"] += int(n_moved or 0)
    return counts


def _per_pendamping(session: Session, q: ViewQuery) -> dict[int, tuple[int, int]]:
    """Per pendamping in scope: (planned, held) sessions of the period of the agreements they
    joined."""
    planned = func.sum(case((SupervisionSession.status.in_(CANCELLED), 0), else_=1))
    held = func.sum(case((SupervisionSession.status == SessionStatus.HELD, 1), else_=0))
    rows = session.execute(
        select(AgreementParticipant.person_id, planned, held)
        .join(
            SupervisionSession, SupervisionSession.agreement_id == AgreementParticipant.agreement_id
        )
        .where(
            AgreementParticipant.person_id.in_(scope.pendamping(q)),
            AgreementParticipant.status == ParticipantStatus.AGREED,
            *_in_period(q),
        )
        .group_by(AgreementParticipant.person_id)
    )
    return {who: (int(p or 0), int(h or 0)) for who, p, h in rows}


def _held(session: Session, q: ViewQuery) -> tuple[Counter[int], list[frozenset[str]]]:
    """Of the held sessions of the period: how many list each person as present (sessions the
    reader oversees or of agreements a pendamping in scope joined), and the functions of each
    one the reader oversees."""
    overseen = _overseen(q)
    of_scope = Agreement.id.in_(_joined_by(scope.pendamping(q)))
    rows = session.execute(
        select(SupervisionSession.attendee_ids, SupervisionSession.functions, overseen)
        .join(Agreement, Agreement.id == SupervisionSession.agreement_id)
        .where(
            or_(overseen, of_scope), SupervisionSession.status == SessionStatus.HELD, *_in_period(q)
        )
    )
    attended: Counter[int] = Counter()
    functions = []
    for attendees, recorded, is_overseen in rows:
        attended.update(_ids(attendees))
        if is_overseen:
            functions.append(_items(recorded))
    return attended, functions


def _attended(
    session: Session, agreements: Any, start: datetime, end: datetime
) -> dict[int, datetime]:
    """Per person: the start of the last held session of `agreements` in [start, end) that
    records them as present."""
    rows = session.execute(
        select(SupervisionSession.starts_at, SupervisionSession.attendee_ids).where(
            SupervisionSession.agreement_id.in_(agreements),
            SupervisionSession.status == SessionStatus.HELD,
            SupervisionSession.starts_at >= start,
            SupervisionSession.starts_at < end,
        )
    )
    last: dict[int, datetime] = {}
    for starts_at, attendees in rows:
        for person_id in _ids(attendees):
            if person_id not in last or last[person_id] < starts_at:
                last[person_id] = starts_at
    return last


def _last_supervised(session: Session, q: ViewQuery, people: Iterable[int]) -> dict[int, datetime]:
    """Per pendamping in scope: their last supervision within `LOOKBACK`. The last
    `QUIET_AFTER` is read for everyone; the older part only for the agreements of those not
    supervised in it."""
    since = q.now - QUIET_AFTER
    last = _attended(session, _joined_by(scope.pendamping(q)), since, q.now)
    quiet = sorted(set(people) - set(last))
    if quiet:
        who = quiet if len(quiet) <= MAX_LISTED else scope.pendamping(q)
        theirs = select(AgreementParticipant.agreement_id).where(
            AgreementParticipant.person_id.in_(who)
        )
        for person_id, at in _attended(session, theirs, q.now - LOOKBACK, since).items():
            last.setdefault(person_id, at)
    return last


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _outcomes(counts: Counter[str]) -> tuple[Any, ...]:
    """planned, each state, moved, held rate: one row of the per-supervisor table."""
    done = counts["held"] + counts["not_held"] + counts["unrecorded"]
    planned = sum(counts[state] for state in STATES if state != "cancelled")
    rate = _rate(counts["held"], done)
    return (planned, *(counts[state] for state in STATES), counts["moved"], rate)


def _supervisor_rows(
    session: Session, q: ViewQuery, counts: Mapping[int, Counter[str]]
) -> list[tuple[Any, ...]]:
    supervisors = list(
        session.execute(
            scope.supervisors(q).with_only_columns(Person.id, Person.name, Person.kabupaten)
        )
    )
    missing = sorted(set(counts) - {person_id for person_id, *_ in supervisors})
    if missing:  # a pendamping's own supervisor, not among the people they oversee
        supervisors += session.execute(
            select(Person.id, Person.name, Person.kabupaten).where(Person.id.in_(missing))
        ).all()
    return [
        (name, kabupaten or None, *_outcomes(counts.get(person_id, Counter())))
        for person_id, name, kabupaten in supervisors
    ]


def _functions_rows(held: Sequence[frozenset[str]]) -> list[tuple[Any, ...]]:
    found = Counter(f for functions in held for f in functions)
    rows: list[tuple[Any, ...]] = [
        (t(f"function.{f}"), found[f], _rate(found[f], len(held))) for f in SupervisionFunction
    ]
    none = sum(1 for functions in held if not functions)
    rows.append((t("view.supervisi.no_function"), none, _rate(none, len(held))))
    return rows


def build(session: Session, q: ViewQuery) -> View:
    counts = _outcome_counts(session, q)
    supervisor_rows = _supervisor_rows(session, q, counts)
    totals: Counter[str] = sum(counts.values(), Counter())
    planned, held, not_held, unrecorded, _, cancelled, moved, held_rate = _outcomes(totals)
    attended, functions = _held(session, q)
    function_rows = _functions_rows(functions)

    boss = aliased(Person)
    people = session.execute(
        scope.pendamping_people(q)
        .with_only_columns(Person.id, Person.name, Person.kecamatan, boss.name)
        .outerjoin(boss, boss.id == Person.supervisor_id)
    ).all()
    sessions_of = _per_pendamping(session, q)
    per_person = []
    for who, name, kec, chief in people:
        p_planned, p_held = sessions_of.get(who, (0, 0))
        rate = _rate(attended[who], p_held)
        per_person.append((name, kec or None, chief, p_planned, p_held, attended[who], rate))
    person_page, person_no, person_pages = page_rows(per_person, q)

    last = _last_supervised(session, q, (p[0] for p in people))
    since = q.now - QUIET_AFTER
    quiet = [
        (name, kec or None, chief, _local_day(last.get(pid), q), _days(last.get(pid), q.now))
        for pid, name, kec, chief in people
        if last.get(pid) is None or last[pid] < since
    ]
    quiet_page, quiet_no, quiet_pages = page_rows(quiet, q)

    count_columns = (
        Column("planned", t("view.supervisi.planned"), Kind.COUNT),
        *(Column(s, t(f"view.supervisi.{s}"), Kind.COUNT) for s in STATES),
    )
    busiest = sorted(supervisor_rows, key=lambda r: -r[2])[:CHART_GROUPS]
    return View(
        KEY,
        t("view.supervisi.title"),
        figures=[
            Figure(t("view.supervisi.planned"), planned),
            Figure(t("view.supervisi.held"), held),
            Figure(t("view.supervisi.not_held"), not_held),
            Figure(t("view.supervisi.unrecorded"), unrecorded),
            Figure(t("view.supervisi.cancelled"), cancelled),
            Figure(t("view.supervisi.moved"), moved),
            Figure(t("view.supervisi.held_rate"), held_rate, Kind.PERCENT),
            Figure(t("view.supervisi.quiet_figure", days=QUIET_AFTER.days), len(quiet)),
        ],
        charts=[
            Chart(
                "supervisi-supervisor",
                t("view.supervisi.chart_supervisors"),
                (t("view.supervisi.series_planned"), t("view.supervisi.series_held")),
                [Bar(str(r[0]), (r[2], r[3])) for r in busiest],
                table="supervisor",
            ),
            Chart(
                "supervisi-fungsi",
                t("view.supervisi.chart_functions"),
                (t("view.supervisi.sessions"),),
                [Bar(str(r[0]), (r[1],)) for r in function_rows],
                table="fungsi",
            ),
        ],
        tables=[
            Table(
                "supervisor",
                t("view.supervisi.table_supervisors"),
                (
                    Column("supervisor", t("view.supervisi.supervisor")),
                    Column("kabupaten", t("view.supervisi.kabupaten")),
                    *count_columns,
                    Column("moved", t("view.supervisi.moved"), Kind.COUNT),
                    Column("held_rate", t("view.supervisi.held_rate"), Kind.PERCENT),
                ),
                supervisor_rows,
                note=t("view.supervisi.supervisors_note"),
            ),
            Table(
                "fungsi",
                t("view.supervisi.table_functions"),
                (
                    Column("function", t("view.supervisi.function")),
                    Column("sessions", t("view.supervisi.sessions"), Kind.COUNT),
                    Column("share", t("view.supervisi.share"), Kind.PERCENT),
                ),
                function_rows,
                note=t("view.supervisi.functions_note", held=len(functions)),
            ),
            Table(
                "pendamping",
                t("view.supervisi.table_people"),
                (
                    Column("name", t("view.supervisi.name")),
                    Column("kecamatan", t("view.supervisi.kecamatan")),
                    Column("supervisor", t("view.supervisi.supervisor")),
                    Column("planned", t("view.supervisi.planned"), Kind.COUNT),
                    Column("held", t("view.supervisi.held"), Kind.COUNT),
                    Column("attended", t("view.supervisi.attended"), Kind.COUNT),
                    Column("attendance", t("view.supervisi.attendance"), Kind.PERCENT),
                ),
                person_page,
                page=person_no,
                pages=person_pages,
                total=len(per_person),
                note=t("view.supervisi.people_note"),
            ),
            Table(
                "belum-disupervisi",
                t("view.supervisi.table_quiet", days=QUIET_AFTER.days),
                (
                    Column("name", t("view.supervisi.name")),
                    Column("kecamatan", t("view.supervisi.kecamatan")),
                    Column("supervisor", t("view.supervisi.supervisor")),
                    Column("last", t("view.supervisi.last_supervised"), Kind.DATE),
                    Column("days", t("view.supervisi.days_since"), Kind.COUNT),
                ),
                quiet_page,
                page=quiet_no,
                pages=quiet_pages,
                total=len(quiet),
                note=t("view.supervisi.quiet_note", days=QUIET_AFTER.days, lookback=LOOKBACK.days),
            ),
        ],
    )


def _local_day(moment: datetime | None, q: ViewQuery) -> date | None:
    return None if moment is None else moment.astimezone(q.zone).date()


def _days(moment: datetime | None, now: datetime) -> int | None:
    return None if moment is None else max(0, (now - moment).days)
