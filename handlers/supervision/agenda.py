"""The supervisor's agenda ("Agenda supervisi", seed 001 slide 7 "pembahasan kasus bersama
pendamping"): for the next scheduled session with each pendamping, what to talk about — the
cases marked "perlu dibahas" (kelayakan kasus), the quiet cases (no update for 14 days) and the
open consultations (counted only: a request for personal support is never shown beyond that).
Pendamping with no session ahead are listed apart. Who appears is the access policy's answer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from conversations.catalog import Catalog, in_sentence
from conversations.messages import Reply
from handlers.calendar import local_clock
from handlers.core.turn import Turn
from handlers.people import access
from handlers.supervision.states import WITH_PEOPLE, agreed_people
from storage.models import Agreement, Case, Consultation, Person, SupervisionSession
from storage.vocabulary import (
    OPEN_CONSULTATIONS,
    STALE_CASE_AFTER,
    AgreementStatus,
    CaseStatus,
    SessionStatus,
)

LOOK_AHEAD = timedelta(days=31)  # the sessions looked at: a biweekly slot has one in this time
NAMED = 5  # cases named per pendamping and kind; more are counted
INDENT = "  "  # a pendamping's items under their name


def case_title(case: Case, t: Catalog) -> str:
    """A case as the agenda and a session record name it: its code and the pendamping's label."""
    who = case.label or t("case.legacy_ref", ref=case.kpm_ref_masked)
    return t("case.name", ref=case.code, label=who) if case.code else who


def _cases(session: Session, pendamping_ids: Sequence[int], now: datetime) -> list[Case]:
    """The open cases to discuss or quiet, oldest update first."""
    if not pendamping_ids:
        return []
    quiet_since = now - STALE_CASE_AFTER
    query = select(Case).where(
        Case.pendamping_id.in_(pendamping_ids),
        Case.status == CaseStatus.ACTIVE,
        Case.needs_discussion.is_(True) | (Case.last_update_at <= quiet_since),
    )
    return list(session.scalars(query.order_by(Case.last_update_at)))


def _open_consultations(session: Session, pendamping_ids: Sequence[int]) -> dict[int, int]:
    if not pendamping_ids:
        return {}
    rows = session.execute(
        select(Consultation.pendamping_id, func.count())
        .where(
            Consultation.pendamping_id.in_(pendamping_ids),
            Consultation.status.in_(OPEN_CONSULTATIONS),
        )
        .group_by(Consultation.pendamping_id)
    )
    return {pendamping_id: count for pendamping_id, count in rows}


def _next_sessions(
    session: Session, supervisor: Person, people: Iterable[Person], now: datetime
) -> dict[int, SupervisionSession]:
    """Each pendamping's next scheduled session with this supervisor, by pendamping id."""
    wanted = {p.id for p in people}
    rows = session.scalars(
        select(SupervisionSession)
        .join(Agreement, Agreement.id == SupervisionSession.agreement_id)
        .where(
            Agreement.supervisor_id == supervisor.id,
            Agreement.status == AgreementStatus.ACTIVE,
            SupervisionSession.status == SessionStatus.SCHEDULED,
            SupervisionSession.starts_at >= now,
            SupervisionSession.starts_at < now + LOOK_AHEAD,
        )
        .options(selectinload(SupervisionSession.agreement).options(*WITH_PEOPLE))
        .order_by(SupervisionSession.starts_at)
    )
    found: dict[int, SupervisionSession] = {}
    for row in rows:
        for person in agreed_people(row.agreement):
            if person.id in wanted and person.id not in found:
                found[person.id] = row
    return found


def _named(t: Catalog, key: str, cases: list[Case]) -> str | None:
    if not cases:
        return None
    names = "; ".join(case_title(case, t) for case in cases[:NAMED])
    if len(cases) > NAMED:
        names += " " + t("case_agenda.more", count=len(cases) - NAMED)
    return t(key, count=len(cases), cases=names)


def _pendamping_lines(
    turn: Turn, person: Person, cases: list[Case], consultations: int
) -> list[str]:
    t, quiet_since = turn.t, turn.now - STALE_CASE_AFTER
    discuss = [c for c in cases if c.needs_discussion]
    quiet = [c for c in cases if not c.needs_discussion and c.last_update_at <= quiet_since]
    lines = [
        _named(t, "case_agenda.line_discuss", discuss),
        _named(t, "case_agenda.line_quiet", quiet),
        t("case_agenda.line_consultations", count=consultations) if consultations else None,
    ]
    shown = [INDENT + line for line in lines if line]
    return [t("case_agenda.pendamping", name=person.name), *shown] if shown else []


def show_agenda(turn: Turn) -> list[Reply]:
    """The agenda of the supervisor who asked, grouped by their next session."""
    reader, session, t = turn.staff, turn.session, turn.t
    people = list(
        session.scalars(
            select(Person)
            .where(Person.id.in_(access.pendamping_ids_visible_to(reader)), Person.active.is_(True))
            .order_by(Person.name)
        )
    )
    ids = [p.id for p in people]
    cases: dict[int, list[Case]] = defaultdict(list)
    for case in _cases(session, ids, turn.now):
        cases[case.pendamping_id].append(case)
    consultations = _open_consultations(session, ids)
    next_session = _next_sessions(session, reader, people, turn.now)
    groups: dict[int | None, list[str]] = defaultdict(list)
    for person in people:
        lines = _pendamping_lines(turn, person, cases[person.id], consultations.get(person.id, 0))
        row = next_session.get(person.id)
        groups[row.id if row else None] += lines
    if not any(groups.values()):
        return [Reply(t("case_agenda.none"))]
    by_id = {row.id: row for row in next_session.values()}
    ordered = sorted(by_id.values(), key=lambda row: row.starts_at)
    text = [t("case_agenda.header")]
    for row in ordered:
        if groups[row.id]:
            text += ["", _session_heading(turn, row), *groups[row.id]]
    if groups[None]:
        text += ["", t("case_agenda.unscheduled")]
        text += groups[None]
    return [Reply("\n".join(text))]


def _session_heading(turn: Turn, row: SupervisionSession) -> str:
    reader = turn.staff
    return turn.t(
        "case_agenda.session",
        date=turn.local_date(row.starts_at, reader),
        time=local_clock(row.starts_at, reader.timezone),
        kind=in_sentence(turn.t(f"slot_kind.{row.agreement.kind}")),
    )


def discussion_counts(session: Session, pendamping_ids: Iterable[int]) -> dict[int, int]:
    """Cases "perlu dibahas" per pendamping, for a whole batch of reminders in one query."""
    ids = sorted(set(pendamping_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Case.pendamping_id, func.count())
        .where(
            Case.pendamping_id.in_(ids),
            Case.status == CaseStatus.ACTIVE,
            Case.needs_discussion.is_(True),
        )
        .group_by(Case.pendamping_id)
    )
    return {pendamping_id: count for pendamping_id, count in rows}


def discussion_line(
    t: Catalog, supervisor: Person, people: Iterable[Person], counts: Mapping[int, int]
) -> str | None:
    """The day-before reminder's count of cases "perlu dibahas" among the session's pendamping
    (those the policy still lets the supervisor read), from `discussion_counts`; None if none."""
    count = sum(counts.get(p.id, 0) for p in people if access.may_give_feedback(supervisor, p))
    return t("case_agenda.reminder_count", count=count) if count else None
