"""Status checks: from the reporter's own number, or with the ticket code and its kode cek.
Wrong kode cek answers are counted per number and per ticket, and throttled, so guessing teaches
nothing: a wrong code and an unknown ticket get the same answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations.flows.complaint_followup import OWN_TICKET
from conversations.messages import Option, Reply
from handlers.complaints.check_codes import check_code_matches
from handlers.complaints.deadlines import current_due
from handlers.complaints.intake import reporter_address
from handlers.core.turn import Turn
from storage.models import Complaint, StatusCheckAttempt
from storage.vocabulary import CLOSED_COMPLAINTS

# Wrong kode cek answers allowed per hour, from one number and on one ticket.
MAX_FAILED_CHECKS_PER_ADDRESS = 5
MAX_FAILED_CHECKS_PER_TICKET = 10
CHECK_WINDOW = timedelta(hours=1)


def own_ticket_options(turn: Turn) -> Sequence[Option]:
    rows = turn.session.scalars(
        select(Complaint)
        .where(Complaint.reporter_address == reporter_address(turn))
        .order_by(Complaint.created_at.desc())
        .limit(5)
    ).all()
    return [Option(f"{OWN_TICKET}{row.ticket_code}", row.ticket_code) for row in rows]


def _failed_checks(session: Session, column: Any, value: str, since: datetime) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(StatusCheckAttempt)
            .where(
                column == value,
                StatusCheckAttempt.at >= since,
                StatusCheckAttempt.succeeded.is_(False),
            )
        )
        or 0
    )


def check_status(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    session, t, now = turn.session, turn.t, turn.now
    address = reporter_address(turn)
    ticket = str(data["ticket"])
    if ticket.startswith(OWN_TICKET):
        complaint = session.scalars(
            select(Complaint).where(
                Complaint.ticket_code == ticket.removeprefix(OWN_TICKET),
                Complaint.reporter_address == address,
            )
        ).one_or_none()
        return (
            [status_reply(turn, complaint)] if complaint else [Reply(t("complaint.check_failed"))]
        )
    since = now - CHECK_WINDOW
    if (
        _failed_checks(session, StatusCheckAttempt.address, address, since)
        >= MAX_FAILED_CHECKS_PER_ADDRESS
        or _failed_checks(session, StatusCheckAttempt.ticket_code, ticket, since)
        >= MAX_FAILED_CHECKS_PER_TICKET
    ):
        return [Reply(t("complaint.check_throttled"))]
    complaint = session.scalars(
        select(Complaint).where(Complaint.ticket_code == ticket)
    ).one_or_none()
    own = complaint is not None and complaint.reporter_address == address
    ok = complaint is not None and (
        own or check_code_matches(str(data.get("check_code", "")), complaint.check_code_hash)
    )
    session.add(StatusCheckAttempt(address=address, ticket_code=ticket, succeeded=ok, at=now))
    if not ok or complaint is None:
        # The same answer whether the ticket exists or not: nothing to learn by guessing.
        return [Reply(t("complaint.check_failed"))]
    return [status_reply(turn, complaint)]


def status_reply(turn: Turn, c: Complaint) -> Reply:
    t = turn.t
    lines = [
        t(
            "complaint.status_of",
            ticket=c.ticket_code,
            status=t(f"status.{c.status}"),
            created=turn.local_date(c.created_at),
        )
    ]
    if current_due(c) is not None:
        lines.append(t("complaint.status_expected", due=turn.local_date(c.resolve_due_at)))
    if c.status in CLOSED_COMPLAINTS and c.resolution:
        lines.append(t("complaint.status_answer", text=c.resolution))
    return Reply("\n".join(lines))
