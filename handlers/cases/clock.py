"""Quiet cases, flagged by the tick: an active case with no update for 14 days is told once to
its pendamping and their supervisor (again only after a newer update goes quiet too)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from handlers.cases.views import case_label
from handlers.core import bulk
from handlers.core.context import AppContext
from handlers.core.messaging import Messenger
from handlers.people import access
from storage.models import Case, Person
from storage.vocabulary import STALE_CASE_AFTER, CaseStatus

BATCH = 500


def flag_stale_cases(ctx: AppContext, session: Session, now: datetime) -> int:
    """Tell the pendamping and their supervisor about a case with no update for 14 days, once."""
    t = ctx.catalog
    rows = session.scalars(
        select(Case)
        .where(
            Case.status == CaseStatus.ACTIVE,
            Case.last_update_at <= now - STALE_CASE_AFTER,
            or_(Case.stale_flagged_at.is_(None), Case.stale_flagged_at < Case.last_update_at),
        )
        .options(
            joinedload(Case.pendamping).selectinload(Person.supervisor)
        )  # every message names them
        # Oldest quiet first, in the order of the partial index ix_cases_stale_due: ordered by
        # id, PostgreSQL may walk every case by its key instead when its estimate is high.
        .order_by(Case.last_update_at, Case.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True, of=Case)
    ).all()
    # The batch's messages go in together at the end (no flush before each supervisor look-up).
    with bulk.together(session):
        for case in rows:
            out = Messenger(
                session, ctx, now, f"case:{case.id}:stale:{case.last_update_at.isoformat()}"
            )
            days = (now - case.last_update_at).days
            recipients: list[tuple[Person, str]] = [(case.pendamping, "case.stale_pendamping")]
            supervisor = access.supervisor_of(case.pendamping)
            if supervisor is not None:
                recipients.append((supervisor, "case.stale_supervisor"))
            for person, key in recipients:
                out.tell(
                    person,
                    key,
                    kind="case_stale",
                    name=case.pendamping.name,
                    label=case_label(case, t),
                    days=days,
                )
            case.stale_flagged_at = now
    return len(rows)
