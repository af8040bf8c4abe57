"""The Monday digest for each supervisor: this week's sessions, open consultations, cases
without a recent update, complaints near their deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from handlers.calendar import local_clock
from handlers.core.context import AppContext
from handlers.people import access
from handlers.supervision.states import agreed_people
from storage.models import (
    Agreement,
    AgreementParticipant,
    Case,
    Complaint,
    Consultation,
    Person,
    SupervisionSession,
)
from storage.vocabulary import (
    OPEN_COMPLAINTS,
    OPEN_CONSULTATIONS,
    STALE_CASE_AFTER,
    CaseStatus,
    SessionStatus,
)


def digest(
    ctx: AppContext, session: Session, supervisor: Person, now: datetime, week_start: date
) -> str:
    """Monday's digest: this week's sessions, open consultations, quiet cases, complaints due."""
    t = ctx.catalog
    zone = ZoneInfo(supervisor.timezone)
    start = datetime.combine(week_start, time(0), zone).astimezone(UTC)
    sessions = session.scalars(
        select(SupervisionSession)
        .join(Agreement)
        .where(
            Agreement.supervisor_id == supervisor.id,
            SupervisionSession.starts_at >= start,
            SupervisionSession.starts_at < start + timedelta(days=7),
            SupervisionSession.status == SessionStatus.SCHEDULED,
        )
        .order_by(SupervisionSession.starts_at)
        # Their people with them, one query a relation, not three per session.
        .options(
            selectinload(SupervisionSession.agreement)
            .selectinload(Agreement.participants)
            .selectinload(AgreementParticipant.person)
        )
    ).all()
    lines = [t("digest.header", week=format_date(week_start, "d MMMM", locale=ctx.language))]
    lines.append(t("digest.sessions", count=len(sessions)))
    for row in sessions:
        local = row.starts_at.astimezone(zone)
        names = ", ".join(p.name for p in agreed_people(row.agreement))
        lines.append(
            t(
                "digest.session_line",
                day=format_date(local.date(), "EEEE d MMM", locale=ctx.language),
                time=local_clock(row.starts_at, supervisor.timezone),
                names=names,
            )
        )
    consultations = (
        session.scalar(
            select(func.count())
            .select_from(Consultation)
            .where(
                Consultation.supervisor_id == supervisor.id,
                Consultation.status.in_(OPEN_CONSULTATIONS),
            )
        )
        or 0
    )
    quiet = (
        session.scalar(
            select(func.count())
            .select_from(Case)
            .where(
                Case.pendamping_id.in_(access.pendamping_ids_visible_to(supervisor)),
                Case.status == CaseStatus.ACTIVE,
                Case.last_update_at <= now - STALE_CASE_AFTER,
            )
        )
        or 0
    )
    due_soon = (
        session.scalar(
            select(func.count())
            .select_from(Complaint)
            .where(
                access.complaints_visible_to(supervisor),
                Complaint.status.in_(OPEN_COMPLAINTS),
                Complaint.next_sla_check_at <= now + timedelta(days=2),
            )
        )
        or 0
    )
    lines.append(t("digest.counts", consultations=consultations, cases=quiet, complaints=due_soon))
    return "\n".join(lines)
