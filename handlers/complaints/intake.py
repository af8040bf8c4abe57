"""Filing a complaint: a ticket code that cannot be guessed and a kode cek kept only as a hash,
what it is about, its deadlines, and the first alerts.

Who handles a new complaint and who is told is `handlers.people.access`'s answer: the supervisor
of the kecamatan (or the korkab), the complaint desk when the place is not known, never a pendamping
first. An anonymous reporter's number is kept (so the bot can answer them) but never shown to
staff; only the audit log names it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from conversations.complaint_text import tells_of_danger
from conversations.flows.complaint import LOCATION_UNKNOWN, YES, resolved_category
from conversations.messages import Channel, Reply
from handlers.complaints.check_codes import hash_check_code, new_check_code
from handlers.complaints.deadlines import set_deadlines
from handlers.complaints.handling import alert_staff
from handlers.complaints.reading import read_conduct
from handlers.core import audit
from handlers.core.turn import Turn
from handlers.people import access
from handlers.people.phones import try_e164
from storage.models import Complaint

# No 0/O or 1/I: codes are read out over the phone and typed on small keyboards.
TICKET_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TICKET_LENGTH = 8


def new_ticket_code() -> str:
    return "ADU-" + "".join(secrets.choice(TICKET_ALPHABET) for _ in range(TICKET_LENGTH))


def reporter_address(turn: Turn) -> str:
    """Where the reporter writes from, as kept: a Telegram chat, or a phone number in E.164."""
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
        created_at=now,
    )
    set_deadlines(complaint, now, turn.ctx.default_tz)
    read_conduct(session, complaint)
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
        alert_staff(turn, complaint, person)

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
