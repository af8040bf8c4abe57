"""A complaint's deadlines, in working days in its handler's zone: to be taken, to have a plan,
to be resolved; which of them is running now; and the clock restarting when one is met."""

from __future__ import annotations

from datetime import datetime

from handlers.calendar import add_working_days_at
from storage.models import Complaint
from storage.vocabulary import OPEN_COMPLAINTS

ACK_DAYS, PLAN_DAYS, RESOLVE_DAYS, FIELD_RESOLVE_DAYS = 1, 3, 5, 14
# The milestones, in order; each names its SLA messages (complaint.sla_<milestone>).
ACK, PLAN, RESOLVE = "ack", "plan", "resolve"


def zone(c: Complaint, default_tz: str) -> str:
    """Working days are counted in the handler's zone."""
    return c.handler.timezone if c.handler else default_tz


def set_deadlines(c: Complaint, now: datetime, default_tz: str) -> None:
    """A new complaint's three deadlines; the first check is when it must have been taken."""
    tz = zone(c, default_tz)
    c.ack_due_at = add_working_days_at(now, ACK_DAYS, tz)
    c.plan_due_at = add_working_days_at(now, PLAN_DAYS, tz)
    c.resolve_due_at = add_working_days_at(now, RESOLVE_DAYS, tz)
    c.next_sla_check_at = c.ack_due_at


def milestone(c: Complaint) -> str:
    """The milestone its clock runs towards."""
    if c.acknowledged_at is None:
        return ACK
    if c.planned_at is None:
        return PLAN
    return RESOLVE


def current_due(c: Complaint) -> datetime | None:
    """When the running milestone is due; None once the complaint is closed."""
    if c.status not in OPEN_COMPLAINTS:
        return None
    return {ACK: c.ack_due_at, PLAN: c.plan_due_at, RESOLVE: c.resolve_due_at}[milestone(c)]


def restart_clock(c: Complaint) -> None:
    """A milestone was met: the next one's clock starts from level 0."""
    c.sla_level = 0
    c.next_sla_check_at = current_due(c)
