"""Directing a complaint: the desk places one of unknown place, its handler gives it to one
pendamping or reclassifies it. Each is allowed by `handlers.people.access` and told to whom it
concerns; the reporter hears only what concerns them (an assignment counts as the complaint
being taken).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conversations.catalog import in_sentence
from conversations.flows.complaint import LOCATION_UNKNOWN
from conversations.messages import Option, Reply
from handlers.complaints.handling import alert_staff, note, take
from handlers.complaints.reading import read_conduct
from handlers.core import audit
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import Complaint, Person
from storage.vocabulary import OPEN_COMPLAINTS, ComplaintCategory, ComplaintStatus


def _open(turn: Turn, data: Mapping[str, Any]) -> Complaint | None:
    c = turn.session.get(Complaint, data["complaint_id"])
    return c if c is not None and c.status in OPEN_COMPLAINTS else None


def _stale(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("complaint.not_yours"))]


def _tell_unassigned(turn: Turn, c: Complaint, pendamping: Person) -> None:
    turn.out.tell(
        pendamping,
        "complaint.unassigned",
        about=f"complaint:{c.id}:unassigned",
        ticket=c.ticket_code,
    )


# -- give it to one pendamping ------------------------------------------------------------
def assignable_options(turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    c = turn.session.get(Complaint, data.get("complaint_id"))
    if c is None or not access.may_direct_complaint(turn.staff, c):
        return []
    return [
        Option(str(p.id), f"{p.name} ({p.kecamatan})")
        for p in access.assignable_pendamping(turn.session, c)
    ]


def assign(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = _open(turn, data)
    person, session, t = turn.staff, turn.session, turn.t
    if c is None or not access.may_direct_complaint(person, c):
        return _stale(turn)
    chosen = next(
        (p for p in access.assignable_pendamping(session, c) if str(p.id) == data["pendamping"]),
        None,
    )
    if chosen is None:
        return _stale(turn)
    previous = c.assignee if c.assignee_id != chosen.id else None
    c.assignee_id, c.assignee = chosen.id, chosen
    if c.status == ComplaintStatus.NEW:
        take(turn, c, person)  # given to a pendamping, it is taken
    note(session, c, person, "assigned", chosen.name, turn.now)
    audit.record(session, "complaint.assigned", "complaint", c.id, actor=person, to=chosen.id)
    if previous is not None:
        _tell_unassigned(turn, c, previous)
    alert_staff(turn, c, chosen, lead="complaint.assigned_to_you", by=person.name)
    return [Reply(t("complaint.assigned", ticket=c.ticket_code, name=chosen.name))]


# -- reclassify ---------------------------------------------------------------------------
def reclassify(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """A new category. Conduct or not follows the category the supervisor chose; a complaint
    that becomes one about conduct is taken back from the pendamping it was given to."""
    c = _open(turn, data)
    person, session, t = turn.staff, turn.session, turn.t
    if c is None or not access.may_direct_complaint(person, c):
        return _stale(turn)
    before = c.category
    c.category = data["category"]
    c.about_conduct = c.category == ComplaintCategory.PENDAMPING_CONDUCT
    note(session, c, person, "category", f"{before} -> {c.category}", turn.now)
    audit.record(
        session,
        "complaint.reclassified",
        "complaint",
        c.id,
        actor=person,
        before=before,
        after=c.category,
    )
    taken_back = c.assignee if c.about_conduct and c.assignee is not None else None
    if taken_back is not None:
        c.assignee_id, c.assignee = None, None
        _tell_unassigned(turn, c, taken_back)
    category = in_sentence(t(f"category.{c.category}"))
    return [Reply(t("complaint.reclassified", ticket=c.ticket_code, category=category))]


# -- the desk places a complaint of unknown place -----------------------------------------
def place(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = _open(turn, data)
    person, session, t = turn.staff, turn.session, turn.t
    if c is None or not access.may_place_complaint(person, c):
        return _stale(turn)
    c.kabupaten = str(data["kabupaten"])
    c.kecamatan = "" if data["kecamatan"] == LOCATION_UNKNOWN else str(data["kecamatan"])
    read_conduct(session, c)
    handler = access.complaint_handler_for(session, c.kabupaten, c.kecamatan)
    audit.record(
        session,
        "complaint.placed",
        "complaint",
        c.id,
        actor=person,
        kabupaten=c.kabupaten,
        kecamatan=c.kecamatan,
        handler=handler.id if handler else None,
    )
    if handler is None:
        return [Reply(t("complaint.placed_no_handler", ticket=c.ticket_code))]
    c.handler_id, c.handler = handler.id, handler
    note(session, c, person, "placed", f"{c.kabupaten} {c.kecamatan}".strip(), turn.now)
    told: list[Person] = access.complaint_first_alerts(session, c)
    for someone in told:
        if someone.id != person.id:
            alert_staff(turn, c, someone)
    return [Reply(t("complaint.placed", ticket=c.ticket_code, handler=handler.name))]
