"""SQLAlchemy 2 models. Every timestamp is stored in UTC (timezone-aware).

Why this module is long: it is the schema, one class per table, in one place that the Alembic
migrations are compared against; each class is short.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    literal_column,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from storage.vocabulary import (
    OPEN_COMPLAINTS,
    AgreementStatus,
    CaseStatus,
    ComplaintStatus,
    ConferenceStatus,
    ConsultationStatus,
    FieldVisitStatus,
    OutboxStatus,
    ParticipantStatus,
    ReferralStatus,
    Role,
    ScheduledStatus,
    SessionStatus,
    StoryStatus,
)

__all__ = ["OutboxStatus", "Role"]  # re-exported: the vocabulary is storage's own


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}  # noqa: RUF012


class Person(Base):
    """A rostered member of staff."""

    __tablename__ = "people"
    __table_args__ = (
        # Who holds a role in a place (escalations, digests, notices), and a supervisor's team:
        # looked up per due row by the tick, so never a scan of the whole roster.
        Index("ix_people_role_place", "role", "kabupaten", "kecamatan"),
        Index("ix_people_supervisor", "supervisor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    telegram_unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    kabupaten: Mapped[str] = mapped_column(String(100), default="")
    kecamatan: Mapped[str] = mapped_column(String(100), default="")
    # Optional roster column: the province a korwil covers; a row without one is in no korwil's
    # scope.
    provinsi: Mapped[str] = mapped_column(String(100), default="")
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    timezone: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_channel: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # A supervisor's choice: case updates one by one (False) or in a daily digest (True).
    case_update_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    # A supervisor's choice: P2K2 reports each as it comes (False) or in one daily digest.
    p2k2_report_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who stands in for a supervisor when they do not answer (optional roster column).
    backup_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    supervisor: Mapped[Person | None] = relationship(remote_side=[id], foreign_keys=[supervisor_id])
    backup: Mapped[Person | None] = relationship(remote_side=[id], foreign_keys=[backup_id])

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name


class ConversationState(Base):
    """Where one (channel, address) is in a dialog. `version` makes concurrent writers collide."""

    __tablename__ = "conversation_states"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    flow: Mapped[str | None] = mapped_column(String(50))
    step: Mapped[str | None] = mapped_column(String(50))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prompt_token: Mapped[str | None] = mapped_column(String(16))
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    last_inbound_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class InboundMessage(Base):
    """Every inbound message once; a provider's repeated delivery hits the unique key."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "provider_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    provider_message_id: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    attachments: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


UNSENT_ROWS = f"status IN ('{OutboxStatus.PENDING}', '{OutboxStatus.SENDING}')"


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        # The dispatcher's per-address order check: unsent rows only, so it stays small.
        Index(
            "ix_outbox_unsent_by_address",
            "channel",
            "address",
            "id",
            postgresql_where=text(UNSENT_ROWS),
            sqlite_where=text(UNSENT_ROWS),
        ),
        # The dispatcher's claim: a channel's oldest unsent rows in id order, and its unsent rows
        # not yet due (in flight or awaiting a retry), whose addresses wait.
        Index(
            "ix_outbox_claim",
            "channel",
            "id",
            postgresql_where=text(UNSENT_ROWS),
            sqlite_where=text(UNSENT_ROWS),
        ),
        Index(
            "ix_outbox_waiting",
            "channel",
            "next_attempt_at",
            postgresql_where=text(UNSENT_ROWS),
            sqlite_where=text(UNSENT_ROWS),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40), default="reply")
    payload: Mapped[dict[str, Any]] = mapped_column()
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(100), index=True)
    delivery_status: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


def is_unsent() -> ColumnElement[bool]:
    """An outbox row not yet sent (pending or out under a lease), with the statuses written
    out, not bound: only then can SQLite (and PostgreSQL's generic plans) prove that the
    partial indexes of unsent rows (`UNSENT_ROWS`) serve the query."""
    return OutboxMessage.status.in_(
        [literal_column(f"'{status}'") for status in (OutboxStatus.PENDING, OutboxStatus.SENDING)]
    )


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    actor_address: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


WAITING_CONSULTATIONS = f"status = '{ConsultationStatus.WAITING}'"


class Consultation(Base):
    """An incidental consultation a pendamping asks of their supervisor."""

    __tablename__ = "consultations"
    __table_args__ = (
        Index("ix_consultations_pendamping_created", "pendamping_id", "created_at"),
        # The acknowledgement clock: waiting consultations only.
        Index(
            "ix_consultations_escalation_due",
            "next_escalation_at",
            postgresql_where=text(WAITING_CONSULTATIONS),
            sqlite_where=text(WAITING_CONSULTATIONS),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pendamping_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    topic: Mapped[str] = mapped_column(String(30))
    urgency: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    preferred_mode: Mapped[str] = mapped_column(String(20))
    preferred_time: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20), default=ConsultationStatus.WAITING)
    # The open proposal: who proposed which time (the pendamping's request counts as one).
    proposed_time: Mapped[str] = mapped_column(String(100), default="")
    proposed_by: Mapped[str] = mapped_column(String(20), default=Role.PENDAMPING)
    agreed_time: Mapped[str | None] = mapped_column(String(100))
    agreed_mode: Mapped[str | None] = mapped_column(String(20))
    agreed_at: Mapped[datetime | None]
    # The agreed time as an instant, when the words agreed name one ("Kamis jam 10").
    agreed_for: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    # Acknowledgement clock: the stage reached so far and when the next one is due.
    escalation_stage: Mapped[int] = mapped_column(Integer, default=0)
    next_escalation_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    pendamping: Mapped[Person] = relationship(foreign_keys=[pendamping_id])
    supervisor: Mapped[Person | None] = relationship(foreign_keys=[supervisor_id])
    notes: Mapped[list[ConsultationNote]] = relationship(
        back_populates="consultation", order_by="ConsultationNote.id"
    )


class ConsultationNote(Base):
    __tablename__ = "consultation_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    consultation: Mapped[Consultation] = relationship(back_populates="notes")
    author: Mapped[Person] = relationship()


class ActionPrompt(Base):
    """Choices sent to someone outside their own dialog (an alert to acknowledge, a proposal to
    answer). The token in the choices ties an answer, however late, back to its record."""

    __tablename__ = "action_prompts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(16), unique=True)
    # Staff are known by person; a member of the public by the channel and address they used.
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]


OPEN_COMPLAINT_ROWS = "status IN ({})".format(
    ", ".join(f"'{status}'" for status in OPEN_COMPLAINTS)
)


class Complaint(Base):
    """A complaint (pengaduan) with its public ticket code and a hashed check code."""

    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_kabupaten_created", "kabupaten", "created_at"),
        Index("ix_complaints_handler_created", "handler_id", "created_at"),
        # The SLA clock: open complaints only, whatever the statistics say of the rest.
        Index(
            "ix_complaints_sla_due",
            "next_sla_check_at",
            postgresql_where=text(OPEN_COMPLAINT_ROWS),
            sqlite_where=text(OPEN_COMPLAINT_ROWS),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_code: Mapped[str] = mapped_column(String(20), unique=True)
    check_code_hash: Mapped[str] = mapped_column(String(128))
    reporter_channel: Mapped[str] = mapped_column(String(20))
    reporter_address: Mapped[str] = mapped_column(String(100), index=True)
    reporter_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reporter_name: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40))
    kabupaten: Mapped[str] = mapped_column(String(100), default="", index=True)
    kecamatan: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text)
    attachments: Mapped[dict[str, Any]] = mapped_column(default=dict)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    field_verification: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default=ComplaintStatus.NEW, index=True)
    # The supervisor of the kecamatan or the korkab; None while the complaint desk places it.
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    # The one pendamping the handler gave it to (never for a complaint about conduct).
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    # About a pendamping's conduct: by category, by the text, or as a supervisor reclassified it.
    about_conduct: Mapped[bool] = mapped_column(Boolean, default=False)
    # A rostered pendamping the text names; they never receive, take or see the complaint.
    named_pendamping_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    consent_at: Mapped[datetime]
    # The SLA: due times of each milestone, when each was met.
    ack_due_at: Mapped[datetime | None]
    plan_due_at: Mapped[datetime | None]
    resolve_due_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    planned_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    plan: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(Text)
    # Which programme rule was broken (ketentuan yang dilanggar), as the supervisor recorded it.
    rule_broken: Mapped[str | None] = mapped_column(Text)
    # Escalation of the milestone now running: 0 none yet, 1 handler reminded, 2 korkab, 3 admin.
    sla_level: Mapped[int] = mapped_column(Integer, default=0)
    next_sla_check_at: Mapped[datetime | None] = mapped_column(index=True)
    rating: Mapped[int | None] = mapped_column(Integer)
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    handler: Mapped[Person | None] = relationship(foreign_keys=[handler_id])
    assignee: Mapped[Person | None] = relationship(foreign_keys=[assignee_id])
    named_pendamping: Mapped[Person | None] = relationship(foreign_keys=[named_pendamping_id])
    notes: Mapped[list[ComplaintNote]] = relationship(order_by="ComplaintNote.id")


class ComplaintNote(Base):
    """The history of a complaint: status changes, staff notes, messages to the reporter."""

    __tablename__ = "complaint_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Person | None] = relationship()


class StatusCheckAttempt(Base):
    """A status check by ticket code and kode cek; wrong ones are counted to throttle guessing."""

    __tablename__ = "status_check_attempts"
    __table_args__ = (Index("ix_status_check_attempts_address_at", "address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(100))
    ticket_code: Mapped[str] = mapped_column(String(20), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(default=utcnow)


STALE_CANDIDATES = (
    f"status = '{CaseStatus.ACTIVE}' AND "
    "(stale_flagged_at IS NULL OR stale_flagged_at < last_update_at)"
)


class Case(Base):
    """A KPM case handled by one pendamping, known by a code the bot gives it and a label the
    pendamping chooses (initials and village). No NIK or card number is asked or kept; cases
    opened before codes existed keep their masked reference (last 4 only)."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_pendamping_last_update", "pendamping_id", "last_update_at"),
        Index("ix_cases_status_stage_since", "status", "stage_since"),
        # The stale-case clock: active cases not flagged since their last update, only.
        Index(
            "ix_cases_stale_due",
            "last_update_at",
            postgresql_where=text(STALE_CANDIDATES),
            sqlite_where=text(STALE_CANDIDATES),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pendamping_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    code: Mapped[str | None] = mapped_column(String(16), unique=True)
    label: Mapped[str] = mapped_column(String(60), default="")
    kpm_ref_masked: Mapped[str] = mapped_column(String(24), default="")
    case_type: Mapped[str] = mapped_column(String(30))
    stage: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.ACTIVE)
    last_update_at: Mapped[datetime] = mapped_column(index=True)
    # When the case entered its current stage (opening, or the update that changed the stage).
    stage_since: Mapped[datetime | None]
    stale_flagged_at: Mapped[datetime | None]
    # Kelayakan kasus: the pendamping asks that taking the case on be discussed at the next
    # supervision session; cleared when a session record names the case.
    needs_discussion: Mapped[bool] = mapped_column(Boolean, default=False)
    # Terminasi: proposed by the pendamping, agreed by the supervisor (then status is closed).
    closure_outcome: Mapped[str | None] = mapped_column(String(30))
    closure_note: Mapped[str | None] = mapped_column(Text)
    closure_proposed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # Pembinaan lanjut (seed 004 F): an optional follow-up day after closing.
    followup_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    pendamping: Mapped[Person] = relationship(foreign_keys=[pendamping_id])
    closed_by: Mapped[Person | None] = relationship(foreign_keys=[closed_by_id])
    updates: Mapped[list[CaseUpdate]] = relationship(
        back_populates="case", order_by="CaseUpdate.id"
    )
    feedback: Mapped[list[CaseFeedback]] = relationship(order_by="CaseFeedback.id")


class CaseUpdate(Base):
    __tablename__ = "case_updates"
    __table_args__ = (Index("ix_case_updates_case_created", "case_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    stage: Mapped[str] = mapped_column(String(30))
    what_happened: Mapped[str] = mapped_column(Text)
    next_step: Mapped[str] = mapped_column(Text)
    next_step_due: Mapped[date | None] = mapped_column(Date)
    attachments: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    case: Mapped[Case] = relationship(back_populates="updates")


class CaseFeedback(Base):
    __tablename__ = "case_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    update_id: Mapped[int | None] = mapped_column(ForeignKey("case_updates.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)
    # The supervisor's advice may name an assessment tool or a service to refer to.
    tool: Mapped[str | None] = mapped_column(String(30))
    service: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Person] = relationship()


class CaseReferral(Base):
    """A KPM referred to a complementary service: to whom, when, and how it went. An open
    referral with no news for 14 days is flagged to the pendamping once (`reminded_at`)."""

    __tablename__ = "case_referrals"
    __table_args__ = (Index("ix_case_referrals_status_changed", "status", "status_changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    service: Mapped[str] = mapped_column(String(40))
    to_whom: Mapped[str] = mapped_column(String(200))
    referred_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=ReferralStatus.REFERRED)
    status_changed_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship()


class P2K2Report(Base):
    """One P2K2 (FDS) group meeting held, as its pendamping reported it."""

    __tablename__ = "p2k2_reports"
    __table_args__ = (Index("ix_p2k2_reports_pendamping_created", "pendamping_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pendamping_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    group_name: Mapped[str] = mapped_column(String(60))
    module: Mapped[str] = mapped_column(String(30))
    session_no: Mapped[int] = mapped_column(Integer)
    held_on: Mapped[date] = mapped_column(Date)
    enrolled: Mapped[int] = mapped_column(Integer)
    present: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    pendamping: Mapped[Person] = relationship()


class P2K2Plan(Base):
    """A pendamping's plan for one session of a P2K2 group: which module and session, when."""

    __tablename__ = "p2k2_plans"
    __table_args__ = (UniqueConstraint("pendamping_id", "group_name", "session_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pendamping_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    group_name: Mapped[str] = mapped_column(String(60))
    module: Mapped[str] = mapped_column(String(30))
    session_no: Mapped[int] = mapped_column(Integer)
    planned_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    pendamping: Mapped[Person] = relationship()


class FieldVisit(Base):
    """A joint field visit (pengamatan bersama ke lapangan): the supervisor joins a pendamping's
    P2K2 session, reminded like a supervision session and recorded with observation notes."""

    __tablename__ = "p2k2_field_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    pendamping_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    group_name: Mapped[str] = mapped_column(String(60))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    place: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default=FieldVisitStatus.SCHEDULED)
    observation: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    supervisor: Mapped[Person] = relationship(foreign_keys=[supervisor_id])
    pendamping: Mapped[Person] = relationship(foreign_keys=[pendamping_id])


class P2K2MonitoringNote(Base):
    """A supervisor's P2K2 monitoring note on one pendamping. The seed names "3 form supervisor"
    without their content, so these are plain fields, not invented forms."""

    __tablename__ = "p2k2_monitoring_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    pendamping_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    plan_discussed: Mapped[str | None] = mapped_column(Text)
    session_steps: Mapped[str | None] = mapped_column(Text)
    form_reviewed: Mapped[str | None] = mapped_column(Text)
    difficulties: Mapped[str | None] = mapped_column(Text)
    material_added: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    supervisor: Mapped[Person] = relationship(foreign_keys=[supervisor_id])
    pendamping: Mapped[Person] = relationship(foreign_keys=[pendamping_id])


class SuccessStory(Base):
    """A story of change in a KPM family (most significant change, seed 001 slide 9). Kept only
    with the family's consent; masked like every free text; no child's name."""

    __tablename__ = "success_stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    pendamping_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    before: Mapped[str] = mapped_column(Text)
    change: Mapped[str] = mapped_column(Text)
    why_it_matters: Mapped[str] = mapped_column(Text)
    attachments: Mapped[dict[str, Any]] = mapped_column(default=dict)
    consent_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default=StoryStatus.SUBMITTED)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reviewed_at: Mapped[datetime | None]
    review_setting: Mapped[str | None] = mapped_column(String(20))
    selected_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    pendamping: Mapped[Person] = relationship(foreign_keys=[pendamping_id])
    reviewed_by: Mapped[Person | None] = relationship(foreign_keys=[reviewed_by_id])


class ComplaintConference(Base):
    """A case conference (konferensi kasus) on a complaint, called by the supervisor with the
    korkab: when and how, reminded like a supervision session; then what was sought, the
    recommendation and the mediation outcome."""

    __tablename__ = "complaint_conferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    called_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    korkab_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    mode: Mapped[str] = mapped_column(String(20))
    place: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default=ConferenceStatus.SCHEDULED)
    evidence: Mapped[str | None] = mapped_column(Text)
    recommendation: Mapped[str | None] = mapped_column(Text)
    mediation_outcome: Mapped[str | None] = mapped_column(String(30))
    mediation_note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    complaint: Mapped[Complaint] = relationship()
    called_by: Mapped[Person] = relationship(foreign_keys=[called_by_id])
    korkab: Mapped[Person | None] = relationship(foreign_keys=[korkab_id])


ACTIVE_AGREEMENTS = f"status = '{AgreementStatus.ACTIVE}'"


class Agreement(Base):
    """A recurring supervision slot a supervisor and pendamping agreed on (or are agreeing)."""

    __tablename__ = "supervision_agreements"
    __table_args__ = (
        Index(
            "ix_supervision_agreements_plan_due",
            "plan_due_at",
            postgresql_where=text(ACTIVE_AGREEMENTS),
            sqlite_where=text(ACTIVE_AGREEMENTS),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # individual, kelompok, tim
    cadence_days: Mapped[int] = mapped_column(Integer)  # 7 or 14
    weekday: Mapped[int] = mapped_column(Integer)  # Monday 0
    local_time: Mapped[str] = mapped_column(String(5))  # HH:MM in `timezone`
    duration_minutes: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(20))
    place: Mapped[str | None] = mapped_column(String(300))
    start_date: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default=AgreementStatus.PROPOSED)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the next occurrence not yet planned enters the planning horizon; None: plan at the
    # next tick. The tick plans only agreements whose time has come, not every active one.
    plan_due_at: Mapped[datetime | None]

    supervisor: Mapped[Person] = relationship(foreign_keys=[supervisor_id])
    participants: Mapped[list[AgreementParticipant]] = relationship(
        back_populates="agreement", order_by="AgreementParticipant.id"
    )


class AgreementParticipant(Base):
    __tablename__ = "agreement_participants"
    __table_args__ = (UniqueConstraint("agreement_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("supervision_agreements.id", ondelete="CASCADE")
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ParticipantStatus.INVITED)
    counter: Mapped[str | None] = mapped_column(String(200))
    responded_at: Mapped[datetime | None]

    agreement: Mapped[Agreement] = relationship(back_populates="participants")
    person: Mapped[Person] = relationship()


class SupervisionSession(Base):
    """One occurrence of an agreement, computed from its start date, stored in UTC."""

    __tablename__ = "supervision_sessions"
    __table_args__ = (UniqueConstraint("agreement_id", "occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("supervision_agreements.id", ondelete="CASCADE")
    )
    occurrence: Mapped[int] = mapped_column(Integer)
    # When the agreement put it; `starts_at` differs once the session is moved.
    planned_for: Mapped[datetime]
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default=SessionStatus.SCHEDULED)
    holiday_name: Mapped[str | None] = mapped_column(String(200))
    held: Mapped[bool | None] = mapped_column(Boolean)
    attendee_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)
    functions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    topics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    notes: Mapped[str | None] = mapped_column(Text)
    followup: Mapped[str | None] = mapped_column(Text)
    followup_on: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime | None]

    agreement: Mapped[Agreement] = relationship()
    responses: Mapped[list[SessionResponse]] = relationship(order_by="SessionResponse.id")


class SessionResponse(Base):
    """A participant's answer to a reminder, and their own confirmation of attendance."""

    __tablename__ = "session_responses"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("supervision_sessions.id", ondelete="CASCADE")
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    response: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    attended: Mapped[bool | None] = mapped_column(Boolean)
    responded_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()


class SessionItem(Base):
    """A case or a P2K2 report discussed in a supervision session, named in its record."""

    __tablename__ = "supervision_session_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("supervision_sessions.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    p2k2_report_id: Mapped[int | None] = mapped_column(
        ForeignKey("p2k2_reports.id", ondelete="CASCADE")
    )

    session: Mapped[SupervisionSession] = relationship()
    case: Mapped[Case | None] = relationship()
    p2k2_report: Mapped[P2K2Report | None] = relationship()


WAITING_MESSAGES = f"status = '{ScheduledStatus.WAITING}'"


class ScheduledMessage(Base):
    """A message due at a time: a reminder, a record request, a digest. The tick claims due rows
    and marks them sent (or passed) in the same transaction that queues the outbox row."""

    __tablename__ = "scheduled_messages"
    __table_args__ = (
        Index("ix_scheduled_messages_due", "status", "due_at"),
        # The tick's claim: only waiting rows, so it stays as small as what is ahead.
        Index(
            "ix_scheduled_messages_waiting",
            "due_at",
            "id",
            postgresql_where=text(WAITING_MESSAGES),
            sqlite_where=text(WAITING_MESSAGES),
        ),
        # The Monday digests already planned, read by kind from a due time on.
        Index("ix_scheduled_messages_kind_due", "kind", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default=ScheduledStatus.WAITING)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_sessions.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sent_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()
    session: Mapped[SupervisionSession | None] = relationship()


class LoginLink(Base):
    """A one-time dashboard link sent in chat: only its SHA-256 is kept; valid 10 minutes, once."""

    __tablename__ = "login_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class WebSession(Base):
    """A staff member's dashboard session. The cookie holds a random id; only its SHA-256 is
    kept, so a copy of the database opens no session. Revoked on logout; void once the person
    is no longer active on the roster."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()
