"""Complaints (pengaduan): filing with a ticket code and kode cek, and status checks.

Who handles a new complaint and who is told is `handlers.people.access`'s answer: the supervisor
of the kecamatan (or the korkab), the complaint desk when the place is not known, never a pendamping
first. An anonymous reporter's number is kept (so the bot can answer them) but never shown to
staff; only the audit log names it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations.complaint_text import tells_of_danger
from conversations.flows.complaint import LOCATION_UNKNOWN, YES, resolved_category
from conversations.messages import Channel, Option, Reply
from handlers.calendar import add_working_days_at
from handlers.complaints import handling as complaint_handling
from handlers.core import audit
from handlers.core.turn import Turn
from handlers.people import access
from handlers.people.phones import try_e164
from storage.models import Complaint, StatusCheckAttempt

# No 0/O or 1/I: codes are read out over the phone and typed on small keyboards.
TICKET_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TICKET_LENGTH = 8
CHECK_CODE_DIGITS = 4
# Wrong kode cek answers allowed per hour, from one number and on one ticket.
MAX_FAILED_CHECKS_PER_ADDRESS = 5
MAX_FAILED_CHECKS_PER_TICKET = 10
CHECK_WINDOW = timedelta(hours=1)


def new_ticket_code() -> str:
    return "ADU-" + "".join(secrets.choice(TICKET_ALPHABET) for _ in range(TICKET_LENGTH))


def new_check_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CHECK_CODE_DIGITS))


def hash_check_code(code: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", code.encode(), salt, 100_000)
    return f"{salt.hex()}${digest.hex()}"


def check_code_matches(code: str, stored: str) -> bool:
    salt_hex, _, _digest = stored.partition("$")
    return hmac.compare_digest(hash_check_code(code, bytes.fromhex(salt_hex)), stored)


def reporter_address(turn: Turn) -> str:
    inbound = turn.inbound
    if inbound.channel == Channel.TELEGRAM:
        return inbound.address
    return try_e164(inbound.address) or inbound.address


def file_complaint(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    session, t, now = turn.session, turn.t, turn.now
    code = new_ticket_code()
    while session.scalar(select(Complaint.id).where(Complaint.ticket_code == code)):
        code = new_ticket_code()
    check_code = new_check_code()
    kabupaten, kecamatan = (
        "" if data.get(key, LOCATION_UNKNOWN) == LOCATION_UNKNOWN else str(data[key])
        for key in ("kabupaten", "kecamatan")
    )
    handler = access.complaint_handler_for(session, kabupaten, kecamatan)
    zone = handler.timezone if handler else turn.ctx.default_tz
    complaint = Complaint(
        ticket_code=code,
        check_code_hash=hash_check_code(check_code),
        reporter_channel=turn.inbound.channel,
        reporter_address=reporter_address(turn),
        reporter_person_id=turn.person.id if turn.person else None,
        reporter_name=data.get("reporter_name"),
        category=resolved_category(data),
        kabupaten=kabupaten,
        kecamatan=kecamatan,
        description=data["description"],
        attachments={"items": list(data.get("attachments") or [])},
        anonymous=data.get("anonymous") == YES,
        urgent=tells_of_danger(data["description"]),
        handler=handler,
        consent_at=now,
        ack_due_at=add_working_days_at(now, complaint_handling.ACK_DAYS, zone),
        plan_due_at=add_working_days_at(now, complaint_handling.PLAN_DAYS, zone),
        resolve_due_at=add_working_days_at(now, complaint_handling.RESOLVE_DAYS, zone),
        created_at=now,
    )
    complaint.next_sla_check_at = complaint.ack_due_at
    complaint_handling.read_conduct(session, complaint)
    session.add(complaint)
    session.flush()
    audit.record(
        session,
        "complaint.filed",
        "complaint",
        complaint.id,
        actor=turn.person,
        actor_address=complaint.reporter_address,
        category=complaint.category,
        anonymous=complaint.anonymous,
        urgent=complaint.urgent,
        about_conduct=complaint.about_conduct,
        placed=handler is not None,
    )
    for person in access.complaint_first_alerts(session, complaint):
        if turn.person is not None and person.id == turn.person.id:
            continue
        complaint_handling.alert_staff(turn, complaint, person)

    due = turn.local_date(complaint.ack_due_at)
    replies = [
        Reply(
            t(
                "complaint.filed",
                ticket=code,
                check_code=check_code,
                due=due,
                resolve_due=turn.local_date(complaint.resolve_due_at),
            ),
            secret_parts=(check_code,),
        )
    ]
    if complaint.urgent:
        replies.append(Reply(t("complaint.urgent_notice")))
    return replies


# -- status checks ------------------------------------------------------------------------
def own_ticket_options(turn: Turn) -> Sequence[Option]:
    rows = turn.session.scalars(
        select(Complaint)
        .where(Complaint.reporter_address == reporter_address(turn))
        .order_by(Complaint.created_at.desc())
        .limit(5)
    ).all()
    return [Option(f"own:{row.ticket_code}", row.ticket_code) for row in rows]


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
    if ticket.startswith("own:"):
        complaint = session.scalars(
            select(Complaint).where(
                Complaint.ticket_code == ticket.removeprefix("own:"),
                Complaint.reporter_address == address,
            )
        ).one_or_none()
        return (
            [complaint_handling.status_reply(turn, complaint)]
            if complaint
            else [Reply(t("complaint.check_failed"))]
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
    return [complaint_handling.status_reply(turn, complaint)]
