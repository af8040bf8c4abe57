"""The reporter's answers once their complaint is resolved: a rating, or reopening it within 7
days (its handler's chain is alerted again, with a new resolve deadline)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from conversations.flows import complaint_followup as flows
from conversations.messages import Reply
from handlers.calendar import add_working_days_at
from handlers.complaints.deadlines import RESOLVE_DAYS, restart_clock, zone
from handlers.complaints.handling import REOPEN_CHOICE, STAFF_ACTION, note, staff_options
from handlers.core import audit
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import ActionPrompt, Complaint
from storage.vocabulary import ComplaintStatus

REOPEN_WITHIN = timedelta(days=7)


def _may_reopen(c: Complaint | None, now: datetime) -> bool:
    return (
        c is not None
        and c.status == ComplaintStatus.RESOLVED
        and c.resolved_at is not None
        and now - c.resolved_at <= REOPEN_WITHIN
    )


def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    t = turn.t
    c = turn.session.get(Complaint, prompt.entity_id)
    if c is None:
        return PromptResult([Reply(t("complaint.stale"))])
    if value == REOPEN_CHOICE:
        if not _may_reopen(c, turn.now):
            return PromptResult([Reply(t("complaint.reopen_too_late"))])
        return PromptResult([], flows.REOPEN, {"complaint_id": c.id})
    if c.rating is not None:
        return PromptResult([Reply(t("complaint.already_rated"))])
    c.rating = int(value)
    audit.record(turn.session, "complaint.rated", "complaint", c.id, rating=c.rating)
    return PromptResult([Reply(t("complaint.thanks_rating"))])


def reopen(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    session, t, now = turn.session, turn.t, turn.now
    c = session.get(Complaint, data["complaint_id"])
    if c is None or not _may_reopen(c, now):
        return [Reply(t("complaint.reopen_too_late"))]
    c.status, c.resolved_at, c.rating = ComplaintStatus.IN_PROGRESS, None, None
    c.reopened_count += 1
    c.resolve_due_at = add_working_days_at(now, RESOLVE_DAYS, zone(c, turn.ctx.default_tz))
    restart_clock(c)
    note(session, c, None, "reopen", data["reason"], now)
    audit.record(session, "complaint.reopened", "complaint", c.id, actor_address=c.reporter_address)
    for person in access.complaint_escalation(session, c, 0):
        turn.out.ask(
            person,
            "complaint.reopened_to_staff",
            staff_options(c, t, person),
            STAFF_ACTION,
            c.id,
            about=f"complaint:{c.id}:reopen",
            kind="complaint_alert",
            ticket=c.ticket_code,
            reason=data["reason"],
            due=turn.local_date(c.resolve_due_at, person),
        )
    return [
        Reply(t("complaint.reopened", ticket=c.ticket_code, due=turn.local_date(c.resolve_due_at)))
    ]
