"""Lists of complaints for staff: what they may see, narrowed by a filter (open, late, urgent,
by status, category or kecamatan), in one message, then one prompt to pick the complaint to act
on (`PICK_ACTION`), which comes back with the choices they have on it.

By category and by kecamatan list the open complaints only: at national scale nearly every
complaint is closed, and the oldest of a category ever filed are not what anyone looks for
(closed ones are listed by status); the kecamatan offered are those with open complaints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from conversations.flows.complaint_followup import ListFilter
from conversations.messages import Option, Reply
from handlers.complaints.deadlines import current_due
from handlers.complaints.handling import STAFF_ACTION, facts, staff_options
from handlers.core import prompts
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import ActionPrompt, Complaint
from storage.vocabulary import OPEN_COMPLAINTS, ComplaintCategory, ComplaintStatus

LIST_LIMIT = 8
PICK_ACTION = "complaint.pick"  # a complaint picked from a list (`prompts.after_list`)


def filter_options(turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    t, by = turn.t, data.get("by")
    if by == ListFilter.BY_STATUS:
        return [Option(s, t(f"status.{s}")) for s in ComplaintStatus]
    if by == ListFilter.BY_CATEGORY:
        return [Option(c, t(f"category.{c}")) for c in ComplaintCategory]
    if by == ListFilter.BY_KECAMATAN:
        places = turn.session.scalars(
            select(Complaint.kecamatan)
            .where(
                Complaint.kecamatan != "",
                Complaint.status.in_(OPEN_COMPLAINTS),
                access.complaints_visible_to(turn.staff),
            )
            .distinct()
            .order_by(Complaint.kecamatan)
        ).all()
        return [Option(p, p) for p in places]
    return []


def list_complaints(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    person, t, now = turn.staff, turn.t, turn.now
    query = select(Complaint).where(access.complaints_visible_to(person))
    by, value = data["by"], data.get("value")
    is_open = Complaint.status.in_(OPEN_COMPLAINTS)
    if by == ListFilter.OPEN:
        query = query.where(is_open)
    elif by == ListFilter.LATE:
        query = query.where(is_open, Complaint.sla_level > 0)
    elif by == ListFilter.URGENT:
        query = query.where(Complaint.urgent.is_(True), is_open)
    elif by == ListFilter.BY_STATUS:
        query = query.where(Complaint.status == value)
    elif by == ListFilter.BY_CATEGORY:
        query = query.where(Complaint.category == value, is_open)
    elif by == ListFilter.BY_KECAMATAN:
        query = query.where(Complaint.kecamatan == value, is_open)
    rows = turn.session.scalars(
        query.order_by(Complaint.urgent.desc(), Complaint.created_at, Complaint.id).limit(
            LIST_LIMIT + 1
        )
    ).all()
    if not rows:
        return [Reply(t("complaint.list_none"))]
    listed = rows[:LIST_LIMIT]
    lines = [t("complaint.list_header", count=len(listed))]
    lines += [_item_text(turn, c) for c in listed]
    if len(rows) > LIST_LIMIT:
        lines.append(t("complaint.list_more"))
    replies = [Reply("\n\n".join(lines))]
    items = [
        prompts.Listed(
            STAFF_ACTION,
            c.id,
            c.ticket_code,
            t("complaint.list_choices", ticket=c.ticket_code),
            options,
        )
        for c in listed
        if (options := staff_options(c, t, person))
    ]
    pick = t("complaint.list_pick")
    return replies + prompts.after_list(turn.session, person, items, PICK_ACTION, pick, now)


def answer_pick(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """A complaint picked from a list: its facts again, with the choices the person has now."""
    t, person = turn.t, turn.staff
    c = turn.session.get(Complaint, int(value))
    if c is None:
        return PromptResult([Reply(t("complaint.stale"))])
    if not access.may_act_on_complaint(person, c):
        return PromptResult([Reply(t("complaint.not_yours"))])
    options = staff_options(c, t, person)
    if not options:
        return PromptResult([Reply(t("complaint.stale_status", status=t(f"status.{c.status}")))])
    text = _item_text(turn, c)
    return PromptResult(
        [prompts.make_prompt(turn.session, person, STAFF_ACTION, c.id, text, options, turn.now)]
    )


def _item_text(turn: Turn, c: Complaint) -> str:
    due = current_due(c)
    late = due is not None and due <= turn.now
    item = facts(c, turn.t, turn.local_date(due, turn.staff) if due else "-")
    return turn.t("complaint.list_item_late" if late else "complaint.list_item", **item)
