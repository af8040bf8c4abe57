"""The places on the roster: kabupaten, and the kecamatan of one kabupaten, that have pendamping.

Who is told or may see anything is `handlers.people.access`'s answer, never a look-up by role
here."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Person, Role


def places(session: Session, kabupaten: str | None = None) -> list[str]:
    """Kabupaten that have pendamping, or the kecamatan of one kabupaten."""
    column = Person.kecamatan if kabupaten is not None else Person.kabupaten
    query = select(column).where(
        Person.role == Role.PENDAMPING, Person.active.is_(True), column != ""
    )
    if kabupaten:
        query = query.where(Person.kabupaten == kabupaten)
    return list(session.scalars(query.distinct().order_by(column)))
