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


def pendamping_of(session: Session, kecamatan: str) -> list[Person]:
    if not kecamatan:
        return []
    return [p for p in with_role(session, Role.PENDAMPING) if p.kecamatan == kecamatan]
