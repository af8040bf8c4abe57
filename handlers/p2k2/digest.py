"""The daily P2K2 digest: a supervisor may choose (in their settings) to get P2K2 reports once a
day at 16:00 their time instead of one by one. A report kept back schedules that day's digest;
the supervision tick sends it, built here, with a choice to respond to each report."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from conversations.messages import Option, Reply
from conversations.privacy import mask_sensitive
from handlers.core import due_messages, prompts
from handlers.core.context import AppContext
from handlers.people import access
from storage.models import P2K2Report, Person, ScheduledMessage
from storage.vocabulary import ScheduledKind

P2K2_DIGEST_KIND = ScheduledKind.P2K2_DIGEST  # of its ScheduledMessage
REPORT_DIGEST_AT = time(16, 0)
REPORT_CHOICES = 8  # reports offered as buttons; the rest are listed only
DIGEST_RESPONSE_ACTION = "p2k2.digest_response"  # entity: none; the value names the report


def schedule_digest(session: Session, supervisor: Person, now: datetime) -> None:
    """The next 16:00 (the supervisor's time) digest, once per day, for reports kept back."""
    due_messages.plan_daily_digest(session, supervisor, P2K2_DIGEST_KIND, REPORT_DIGEST_AT, now)


def p2k2_digest(
    ctx: AppContext, session: Session, row: ScheduledMessage, now: datetime
) -> Reply | None:
    """The P2K2 reports of the day before the row is due from the supervisor's own pendamping,
    each with a choice to respond (up to 8); None when there are none."""
    t, supervisor, due = ctx.catalog, row.person, row.due_at
    reports = [
        r
        for r in session.scalars(
            select(P2K2Report)
            .where(
                P2K2Report.pendamping_id.in_(access.pendamping_ids_visible_to(supervisor)),
                P2K2Report.created_at >= due - timedelta(days=1),
                P2K2Report.created_at < due,
            )
            .order_by(P2K2Report.id)
            .options(selectinload(P2K2Report.pendamping))  # each one's name, in one query
        )
        if access.may_give_feedback(supervisor, r.pendamping)
    ]
    if not reports:
        return None
    lines = [t("p2k2_sup.digest.header", count=len(reports))]
    lines += [
        t(
            "p2k2_sup.digest.line",
            name=r.pendamping.name,
            group=r.group_name,
            session=r.session_no,
            module=t(f"module.{r.module}"),
            date=format_date(r.held_on, "EEEE, d MMMM", locale=ctx.language),
            present=r.present,
            enrolled=r.enrolled,
            notes=mask_sensitive(r.notes) if r.notes else "-",
        )
        for r in reports
    ]
    options = [
        Option(
            str(r.id),
            t("p2k2_sup.digest.opt", name=r.pendamping.name, group=r.group_name, n=r.session_no),
        )
        for r in reports[:REPORT_CHOICES]
    ]
    return prompts.make_prompt(
        session, supervisor, DIGEST_RESPONSE_ACTION, 0, "\n".join(lines), options, now
    )
