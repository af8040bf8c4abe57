"""Cross-domain read-only views for the staff dashboard: what needs someone's action now.

"Perlu tindakan" gathers four lists, each already narrowed by the access policy to the reader's
scope: consultations whose acknowledgement is late, open complaints near or past their deadline,
supervision sessions that ended without a record, and active cases quiet for
`STALE_CASE_AFTER`. It reads the models directly and changes nothing; the domain packages keep
their own actions.

Each list holds at most `SECTION_LIMIT` rows, the most pressing first, with the full count.
Rows carry what the page shows and nothing more: a case by its code and label, never a NIK.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, NamedTuple, TypeVar

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from handlers.calendar import add_working_days_at
from handlers.people import access
from storage.models import Agreement, Case, Complaint, Consultation, Person, SupervisionSession
from storage.vocabulary import (
    OPEN_COMPLAINTS,
    STALE_CASE_AFTER,
    CaseStatus,
    ConsultationStatus,
    Role,
    SessionStatus,
)

SECTION_LIMIT = 50
# A complaint is near its deadline when it falls due within this many working days.
DUE_SOON_WORKING_DAYS = 1

Row = TypeVar("Row")


@dataclass(frozen=True)
class Section(Generic[Row]):
    rows: list[Row] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        """How many rows were left off the list."""
        return max(0, self.total - len(self.rows))


class LateConsultation(NamedTuple):
    id: int
    pendamping: str
    kecamatan: str
    urgency: str
    topic: str
    created_at: datetime
    stage: int


class DueComplaint(NamedTuple):
    ticket_code: str
    kecamatan: str
    category: str
    status: str
    due_at: datetime
    urgent: bool


class UnrecordedSession(NamedTuple):
    id: int
    supervisor: str
    kind: str
    starts_at: datetime
    ends_at: datetime


class QuietCase(NamedTuple):
    code: str | None
    label: str
    pendamping: str
    last_update_at: datetime


@dataclass(frozen=True)
class NeedsAction:
    consultations: Section[LateConsultation]
    complaints: Section[DueComplaint]
    sessions: Section[UnrecordedSession]
    cases: Section[QuietCase]


def _section(
    session: Session, query: Select[tuple[object, ...]], make: Callable[..., Row]
) -> Section[Row]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = [make(*row) for row in session.execute(query.limit(SECTION_LIMIT))]
    return Section(rows=rows, total=total)


# -- consultations ------------------------------------------------------------------------
def _consultations_in_scope(reader: Person) -> ColumnElement[bool]:
    people = select(Person.id).where(access.person_in_scope(reader))
    return or_(Consultation.pendamping_id.in_(people), Consultation.supervisor_id == reader.id)


def late_consultations(
    session: Session, reader: Person, now: datetime
) -> Section[LateConsultation]:
    """Consultations still waiting for their supervisor whose acknowledgement is late."""
    late = or_(
        Consultation.escalation_stage > 0,
        and_(Consultation.next_escalation_at.is_not(None), Consultation.next_escalation_at <= now),
    )
    query = (
        select(
            Consultation.id,
            Person.name,
            Person.kecamatan,
            Consultation.urgency,
            Consultation.topic,
            Consultation.created_at,
            Consultation.escalation_stage,
        )
        .join(Person, Person.id == Consultation.pendamping_id)
        .where(Consultation.status == ConsultationStatus.WAITING, late)
        .where(_consultations_in_scope(reader))
        .order_by(Consultation.escalation_stage.desc(), Consultation.created_at, Consultation.id)
    )
    return _section(session, query, LateConsultation)


# -- complaints ---------------------------------------------------------------------------
def _running_due() -> ColumnElement[datetime | None]:
    """The running milestone's due time (acknowledge, plan, resolve), for an open complaint."""
    return case(
        (Complaint.acknowledged_at.is_(None), Complaint.ack_due_at),
        (Complaint.planned_at.is_(None), Complaint.plan_due_at),
        else_=Complaint.resolve_due_at,
    )


def due_soon_horizon(reader: Person, now: datetime) -> datetime:
    """Until when a deadline counts as near: the next working day, in the reader's zone."""
    return add_working_days_at(now, DUE_SOON_WORKING_DAYS, reader.timezone)


def due_complaints(session: Session, reader: Person, now: datetime) -> Section[DueComplaint]:
    """Open complaints whose running deadline is past or falls within the next working day."""
    due = _running_due()
    query = (
        select(
            Complaint.ticket_code,
            Complaint.kecamatan,
            Complaint.category,
            Complaint.status,
            due,
            Complaint.urgent,
        )
        .where(Complaint.status.in_(OPEN_COMPLAINTS), due.is_not(None))
        .where(due <= due_soon_horizon(reader, now))
        .where(access.complaints_visible_to(reader))
        .order_by(due, Complaint.id)
    )
    return _section(session, query, DueComplaint)


# -- supervision sessions -----------------------------------------------------------------
def _supervisors_in_scope(reader: Person) -> ColumnElement[bool]:
    if reader.role == Role.PENDAMPING:
        return false()
    theirs = access.supervisors_in_scope(reader).with_only_columns(Person.id)
    return or_(Agreement.supervisor_id == reader.id, Agreement.supervisor_id.in_(theirs))


def unrecorded_sessions(
    session: Session, reader: Person, now: datetime
) -> Section[UnrecordedSession]:
    """Sessions that ended while still scheduled and have no record (none for a pendamping)."""
    supervisor = aliased(Person)
    query = (
        select(
            SupervisionSession.id,
            supervisor.name,
            Agreement.kind,
            SupervisionSession.starts_at,
            SupervisionSession.ends_at,
        )
        .join(Agreement, Agreement.id == SupervisionSession.agreement_id)
        .join(supervisor, supervisor.id == Agreement.supervisor_id)
        .where(
            SupervisionSession.status == SessionStatus.SCHEDULED,
            SupervisionSession.ends_at < now,
            SupervisionSession.recorded_at.is_(None),
        )
        .where(_supervisors_in_scope(reader))
        .order_by(SupervisionSession.ends_at, SupervisionSession.id)
    )
    return _section(session, query, UnrecordedSession)


# -- cases --------------------------------------------------------------------------------
def quiet_cases(session: Session, reader: Person, now: datetime) -> Section[QuietCase]:
    """Active cases with no update for `STALE_CASE_AFTER`, the quietest first."""
    query = (
        select(Case.code, Case.label, Person.name, Case.last_update_at)
        .join(Person, Person.id == Case.pendamping_id)
        .where(Case.status == CaseStatus.ACTIVE, Case.last_update_at <= now - STALE_CASE_AFTER)
        .where(Case.pendamping_id.in_(access.pendamping_ids_visible_to(reader)))
        .order_by(Case.last_update_at, Case.id)
    )
    return _section(session, query, QuietCase)


def needs_action(session: Session, reader: Person, now: datetime) -> NeedsAction:
    """The four lists of "Perlu tindakan" for `reader`, as of `now`."""
    return NeedsAction(
        consultations=late_consultations(session, reader, now),
        complaints=due_complaints(session, reader, now),
        sessions=unrecorded_sessions(session, reader, now),
        cases=quiet_cases(session, reader, now),
    )
