"""Complaints (pengaduan): file one with a ticket code and kode cek, route it, check its status."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from conversations.flows.complaint import LOCATION_UNKNOWN
from conversations.messages import Channel, Reply
from handlers import audit
from handlers.phones import try_e164
from handlers.turn import Turn
from handlers.workdays import add_working_days
from storage.models import Complaint, Person, Role

# No 0/O or 1/I: codes are read out over the phone and typed on small keyboards.
TICKET_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TICKET_LENGTH = 8
CHECK_CODE_DIGITS = 4
ACK_WORKING_DAYS = 1
CONDUCT_CATEGORY = "perilaku_pendamping"


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
    session, t = turn.session, turn.t
    code = new_ticket_code()
    while session.scalar(select(Complaint.id).where(Complaint.ticket_code == code)):
        code = new_ticket_code()
    check_code = new_check_code()
    kecamatan = "" if data["kecamatan"] == LOCATION_UNKNOWN else data["kecamatan"]
    handlers_of_area = _pendamping_of(turn, kecamatan)
    supervisors = _supervisors_for(turn, handlers_of_area)
    complaint = Complaint(
        ticket_code=code,
        check_code_hash=hash_check_code(check_code),
        reporter_channel=turn.inbound.channel,
        reporter_address=reporter_address(turn),
        reporter_person_id=turn.person.id if turn.person else None,
        reporter_name=data.get("reporter_name"),
        category=data["category"],
        kabupaten=handlers_of_area[0].kabupaten if handlers_of_area else "",
        kecamatan=kecamatan,
        description=data["description"],
        handler_id=supervisors[0].id if supervisors else None,
        consent_at=turn.now,
        created_at=turn.now,
    )
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
    )

    local_today = turn.now.astimezone(ZoneInfo(turn.ctx.default_tz)).date()
    due_date = add_working_days(local_today, ACK_WORKING_DAYS)
    due = turn.local_date_of(due_date)
    alert = Reply(
        t(
            "complaint.alert",
            ticket=code,
            kecamatan=kecamatan or t("complaint.place_not_known"),
            category=t(f"category.{complaint.category}").lower(),
            description=complaint.description,
            due=due,
        )
    )
    recipients = list(supervisors)
    if complaint.category == CONDUCT_CATEGORY:
        # Conflict of interest: a complaint about a pendamping never reaches the pendamping.
        recipients += [s.supervisor for s in supervisors if s.supervisor is not None]
    else:
        recipients += handlers_of_area
    for person in _unique(recipients):
        if turn.person is None or person.id != turn.person.id:
            turn.notify(person, alert, "complaint_alert")
    return [Reply(t("complaint.filed", ticket=code, check_code=check_code, due=due))]


def _pendamping_of(turn: Turn, kecamatan: str) -> list[Person]:
    if not kecamatan:
        return []
    return list(
        turn.session.scalars(
            select(Person)
            .where(
                Person.role == Role.PENDAMPING,
                Person.kecamatan == kecamatan,
                Person.active.is_(True),
            )
            .order_by(Person.id)
        )
    )


def _supervisors_for(turn: Turn, pendamping: list[Person]) -> list[Person]:
    supervisors = _unique(p.supervisor for p in pendamping if p.supervisor is not None)
    if supervisors:
        return supervisors
    return list(
        turn.session.scalars(
            select(Person)
            .where(Person.role == Role.KORKAB, Person.active.is_(True))
            .order_by(Person.id)
        )
    )


def _unique(people) -> list[Person]:
    seen: dict[int, Person] = {}
    for person in people:
        seen.setdefault(person.id, person)
    return list(seen.values())


def status_for_reporter(turn: Turn) -> list[Reply]:
    t = turn.t
    rows = turn.session.scalars(
        select(Complaint)
        .where(Complaint.reporter_address == reporter_address(turn))
        .order_by(Complaint.created_at.desc())
        .limit(5)
    ).all()
    if not rows:
        return [Reply(t("complaint.status_none"))]
    lines = [t("complaint.status_header")]
    lines += [
        t(
            "complaint.status_line",
            ticket=row.ticket_code,
            status=t(f"status.{row.status}"),
            created=turn.local_date(row.created_at),
        )
        for row in rows
    ]
    return [Reply("\n".join(lines))]


def list_for_staff(turn: Turn) -> list[Reply]:
    person, t = turn.person, turn.t
    assert person is not None
    query = select(Complaint).order_by(Complaint.created_at.desc()).limit(10)
    if person.role == Role.SUPERVISOR:
        query = query.where(Complaint.handler_id == person.id)
    elif person.role == Role.KORKAB:
        supervised = select(Person.id).where(Person.supervisor_id == person.id)
        query = query.where(
            or_(Complaint.handler_id == person.id, Complaint.handler_id.in_(supervised))
        )
    rows = turn.session.scalars(query).all()
    if not rows:
        return [Reply(t("complaint.list_none"))]
    lines = [t("complaint.list_header", count=len(rows))]
    lines += [
        t(
            "complaint.list_line",
            ticket=row.ticket_code,
            status=t(f"status.{row.status}"),
            category=t(f"category.{row.category}"),
            kecamatan=row.kecamatan or t("complaint.place_not_known"),
            created=turn.local_date(row.created_at, person),
        )
        for row in rows
    ]
    return [Reply("\n".join(lines))]
