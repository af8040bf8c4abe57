"""The SLA clock of open complaints, run by the tick: at a milestone's due time (on working days)
the handler is reminded (and the pendamping it was given to); a working day later the next level
of the handler's own chain is told; two days later the level above that."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from handlers.calendar import add_working_days_at
from handlers.complaints.deadlines import current_due, milestone, zone
from handlers.complaints.handling import STAFF_ACTION, facts, staff_options
from handlers.core import audit, bulk
from handlers.core.context import AppContext
from handlers.core.messaging import Messenger
from handlers.people import access
from storage.models import Complaint
from storage.vocabulary import OPEN_COMPLAINTS

# Past the last level nobody more is told.
LEVELS = 3
SLA_BATCH = 500  # complaints checked per tick; the rest wait for the next


def run_sla_clocks(ctx: AppContext, session: Session, now: datetime) -> int:
    """Level 0 at the due time: remind the handler (and the pendamping it was given to); +1
    working day: the next level of the handler's chain; +2: the level above that."""
    rows = session.scalars(
        select(Complaint)
        .where(Complaint.status.in_(OPEN_COMPLAINTS), Complaint.next_sla_check_at <= now)
        .options(selectinload(Complaint.handler), selectinload(Complaint.assignee))
        .order_by(Complaint.id)
        .limit(SLA_BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    # What is read below (people and their chains) is not what is written (outbox rows,
    # prompts, audit): the writes go in together at the end, not one flush before each read.
    with session.no_autoflush, bulk.together(session):
        for c in rows:
            _check(ctx, session, c, now)
    return len(rows)


def _check(ctx: AppContext, session: Session, c: Complaint, now: datetime) -> None:
    """Tell the level of the chain this milestone has reached; set the complaint's next check."""
    due = current_due(c)
    if due is None:
        c.next_sla_check_at = None
        return
    t = ctx.catalog
    stage = milestone(c)
    # One origin per complaint, milestone, reopening and level: a tick run twice sends
    # nothing twice, and each level is sent once.
    origin = f"complaint:{c.id}:sla:{stage}:{c.reopened_count}:{c.sla_level}"
    out = Messenger(session, ctx, now, origin)
    body = t(f"complaint.sla_{stage}", **facts(c, t, ""))
    recipients = access.complaint_escalation(session, c, c.sla_level)
    for person in recipients:
        out.ask(
            person,
            f"complaint.sla_level_{min(c.sla_level, LEVELS - 1)}",
            staff_options(c, t, person),
            STAFF_ACTION,
            c.id,
            about="reminder",
            kind="reminder",
            body=body,
        )
    audit.record(
        session,
        "complaint.escalated",
        "complaint",
        c.id,
        milestone=stage,
        level=c.sla_level,
        to=[p.id for p in recipients],
    )
    c.sla_level += 1
    c.next_sla_check_at = (
        add_working_days_at(due, c.sla_level, zone(c, ctx.default_tz))
        if c.sla_level < LEVELS
        else None
    )
