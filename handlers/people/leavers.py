"""What someone who is no longer active leaves behind, for the roster import to say.

A person set `active` = `tidak` keeps their links and records: the access policy already treats
them as gone (nothing routes to them, they see nothing). What needs a person to act is said as
a warning: the active people who still report to them or have them as backup, and the open work
they held when they left.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from storage.models import (
    Agreement,
    AgreementParticipant,
    Case,
    Complaint,
    Consultation,
    OutboxMessage,
    Person,
    is_unsent,
)
from storage.vocabulary import (
    OPEN_COMPLAINTS,
    OPEN_CONSULTATIONS,
    AgreementStatus,
    CaseStatus,
    OutboxStatus,
)

STOPPED = "stopped: the recipient is no longer active"


class Notice(NamedTuple):
    """A warning: the file's line it is about (None: someone not in the file), a message key
    under `roster.reason.` and its values."""

    line: int | None
    key: str
    params: dict[str, str | int]


def left_behind(
    session: Session,
    people: Iterable[Person],
    leaving: Sequence[Person],
    lines: Mapping[str, int],
) -> list[Notice]:
    """Every active person still linked to someone inactive (whenever that one left), then the
    open work of each person this file set inactive."""
    by_id = {p.id: p for p in people}
    in_order = sorted(
        by_id.values(), key=lambda p: (p.phone not in lines, lines.get(p.phone, 0), p.id)
    )
    notices = []
    for person in in_order:
        if not person.active:
            continue
        links = (
            ("reports_to_inactive", person.supervisor_id),
            ("backup_inactive", person.backup_id),
        )
        for key, linked_id in links:
            linked = by_id.get(linked_id) if linked_id is not None else None
            if linked is not None and not linked.active:
                params: dict[str, str | int] = {
                    "role": person.role,
                    "name": person.name,
                    "phone": person.phone,
                    "linked_name": linked.name,
                    "linked_phone": linked.phone,
                }
                notices.append(Notice(lines.get(person.phone), key, params))
    for person in leaving:
        work = open_work(session, person)
        if any(work.values()):
            params = {"name": person.name, "phone": person.phone, **work}
            notices.append(Notice(lines.get(person.phone), "left_open_work", params))
    return notices


def open_work(session: Session, person: Person) -> dict[str, int]:
    """What `person` still holds: open complaints they handle or were given, open
    consultations, active cases, and supervision agreements not ended."""
    in_agreement = select(AgreementParticipant.agreement_id).where(
        AgreementParticipant.person_id == person.id
    )
    counts: dict[str, tuple[type, ColumnElement[bool]]] = {
        "complaints": (
            Complaint,
            or_(Complaint.handler_id == person.id, Complaint.assignee_id == person.id)
            & Complaint.status.in_(OPEN_COMPLAINTS),
        ),
        "consultations": (
            Consultation,
            or_(Consultation.supervisor_id == person.id, Consultation.pendamping_id == person.id)
            & Consultation.status.in_(OPEN_CONSULTATIONS),
        ),
        "cases": (Case, (Case.pendamping_id == person.id) & (Case.status == CaseStatus.ACTIVE)),
        "agreements": (
            Agreement,
            or_(Agreement.supervisor_id == person.id, Agreement.id.in_(in_agreement))
            & (Agreement.status != AgreementStatus.ENDED),
        ),
    }
    return {
        name: int(session.scalar(select(func.count()).select_from(model).where(where)) or 0)
        for name, (model, where) in counts.items()
    }


def stop_messages(session: Session, leaving: Sequence[Person]) -> None:
    """Fail what is still queued for people who just left (an alert queued moments before, a
    reminder waiting for its retry); a row already out to a provider goes. Read off the
    partial indexes of unsent rows, not the whole outbox."""
    if not leaving:
        return
    session.execute(
        update(OutboxMessage)
        .where(
            is_unsent(),
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.person_id.in_([person.id for person in leaving]),
        )
        .values(status=OutboxStatus.FAILED, last_error=STOPPED)
        .execution_options(synchronize_session=False)
    )
