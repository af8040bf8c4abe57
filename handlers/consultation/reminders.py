"""Reminders for an agreed consultation whose time names a moment ("Kamis jam 10", "besok
pagi"): both sides are reminded `LEAD` before, like a supervision session.

The time is read in the zone of whoever proposed it. The reminder rows travel through the
due-message table the supervision clock sends (as another domain's digest, see
`scheduler.duties`); when the row comes due, the reminder is built only if the consultation is
still agreed for that very moment, so a changed or cancelled meeting sends nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from conversations.catalog import in_sentence
from conversations.messages import Reply
from conversations.moments import parse_moment
from handlers.calendar import local_clock
from handlers.core import due_messages
from handlers.core.context import AppContext
from storage.models import Consultation, ScheduledMessage
from storage.vocabulary import ConsultationStatus, Role, ScheduledKind

LEAD = timedelta(hours=1)
CONSULT_SOON_KIND = ScheduledKind.CONSULT_SOON


def plan(session: Session, c: Consultation, now: datetime) -> None:
    """Read the agreed words as a moment and, when one is still ahead, plan both reminders."""
    proposer = c.supervisor if c.proposed_by == Role.SUPERVISOR and c.supervisor else c.pendamping
    moment = parse_moment(c.proposed_time, now.astimezone(ZoneInfo(proposer.timezone)))
    c.agreed_for = moment
    if moment is None or moment - LEAD <= now or c.supervisor is None:
        return
    for person in (c.pendamping, c.supervisor):
        key = f"consult:{c.id}:{person.id}:{moment.isoformat()}"
        payload = {"consultation_id": c.id}
        due_messages.plan_once(session, key, person, CONSULT_SOON_KIND, moment - LEAD, payload)


def soon_reminder(
    ctx: AppContext, session: Session, row: ScheduledMessage, now: datetime
) -> Reply | None:
    """The reminder due now, or None when the consultation is no longer agreed for that very
    moment between the same two people."""
    person = row.person
    c = session.get(Consultation, int(row.payload["consultation_id"]))
    if (
        c is None
        or c.status != ConsultationStatus.AGREED
        or c.agreed_for is None
        or c.agreed_for != row.due_at + LEAD
        or c.agreed_for <= now
        or person.id not in (c.pendamping_id, c.supervisor_id)
    ):
        return None
    t = ctx.catalog
    other = c.supervisor if person.id == c.pendamping_id else c.pendamping
    return Reply(
        t(
            "consult.soon_reminder",
            other=other.name if other else "",
            topic=in_sentence(t(f"topic.{c.topic}")),
            time=local_clock(c.agreed_for, person.timezone),
            mode=in_sentence(t(f"mode.{c.agreed_mode or c.preferred_mode}")),
        )
    )
