"""Reading what a complaint is about: whether it is about a pendamping's conduct, and which
rostered pendamping it names (who then never receives, takes or sees it)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.complaint_text import named_person, reads_as_conduct
from storage.models import Complaint, Person
from storage.vocabulary import ComplaintCategory, Role


def named_pendamping(session: Session, text: str, kabupaten: str) -> int | None:
    """The rostered pendamping of the kabupaten that the text names, if any. With no kabupaten
    nothing is matched (the desk places it, and the text is read again then)."""
    if not kabupaten:
        return None
    people = session.execute(
        select(Person.id, Person.name).where(
            Person.role == Role.PENDAMPING,
            Person.active.is_(True),
            Person.kabupaten == kabupaten,
        )
    ).all()
    return named_person(text, [(person_id, name) for person_id, name in people])


def read_conduct(session: Session, c: Complaint) -> None:
    """Mark the complaint as about conduct when its category says so, its text reads so, or it
    names a rostered pendamping."""
    c.named_pendamping_id = c.named_pendamping_id or named_pendamping(
        session, c.description, c.kabupaten
    )
    c.about_conduct = (
        c.category == ComplaintCategory.PENDAMPING_CONDUCT
        or reads_as_conduct(c.description)
        or c.named_pendamping_id is not None
    )
