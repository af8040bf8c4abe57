"""Looking up staff on the roster by role and place."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Person, Role


def unique(people: Iterable[Person | None]) -> list[Person]:
    """Active people, each once, in the order first seen."""
    seen: dict[int, Person] = {}
    for person in people:
        if person is not None and person.active:
            seen.setdefault(person.id, person)
    return list(seen.values())


def with_role(session: Session, role: str) -> list[Person]:
    return list(
        session.scalars(
            select(Person).where(Person.role == role, Person.active.is_(True)).order_by(Person.id)
        )
    )


def pendamping_of(session: Session, kabupaten: str, kecamatan: str) -> list[Person]:
    """The active pendamping of one kecamatan (of one kabupaten, when it is known)."""
    if not kecamatan:
        return []
    query = select(Person).where(
        Person.role == Role.PENDAMPING, Person.active.is_(True), Person.kecamatan == kecamatan
    )
    if kabupaten:
        query = query.where(Person.kabupaten == kabupaten)
    return list(session.scalars(query.order_by(Person.id)))


def in_kabupaten(session: Session, role: str, kabupaten: str) -> list[Person]:
    return [p for p in with_role(session, role) if p.kabupaten == kabupaten]


def places(session: Session, kabupaten: str | None = None) -> list[str]:
    """Kabupaten that have pendamping, or the kecamatan of one kabupaten."""
    column = Person.kecamatan if kabupaten is not None else Person.kabupaten
    query = select(column).where(
        Person.role == Role.PENDAMPING, Person.active.is_(True), column != ""
    )
    if kabupaten:
        query = query.where(Person.kabupaten == kabupaten)
    return list(session.scalars(query.distinct().order_by(column)))
