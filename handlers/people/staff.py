"""The places on the roster: kabupaten, and the kecamatan of one kabupaten, that have pendamping.

Who is told or may see anything is `handlers.people.access`'s answer, never a look-up by role
here.

The complaint dialog asks for these at its location steps, so they must cost what the list
holds, not what the roster holds: at national size a plain DISTINCT read all 40,000 pendamping
(28 ms on PostgreSQL, 12 ms on SQLite). Instead each place is found from the one before it, one
probe of `ix_people_role_place` each (a loose index scan, written as a recursive query: neither
database skips through an index by itself for a DISTINCT): about 2 ms for 100 kabupaten."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.orm import Session

from storage.models import Person, Role

PEOPLE = Person.__table__.c


def _loose_scan(column: ColumnElement[str], *where: ColumnElement[bool]) -> Select[tuple[str]]:
    """Every distinct non-empty `column` of active pendamping (and `where`), in order."""

    def smallest_after(place: ColumnElement[str] | str) -> Select[tuple[str]]:
        return select(func.min(column)).where(
            PEOPLE.role == Role.PENDAMPING, PEOPLE.active.is_(True), *where, column > place
        )

    found = select(smallest_after("").scalar_subquery().label("place")).cte("found", recursive=True)
    found = found.union_all(
        select(smallest_after(found.c.place).scalar_subquery()).where(found.c.place.is_not(None))
    )
    return select(found.c.place).where(found.c.place.is_not(None))


# Built once: the statements and their cache keys are reused by every message.
_KABUPATEN = _loose_scan(PEOPLE.kabupaten)
_KECAMATAN = _loose_scan(PEOPLE.kecamatan, PEOPLE.kabupaten == bindparam("kabupaten"))


def places(session: Session, kabupaten: str | None = None) -> list[str]:
    """Kabupaten that have pendamping, or the kecamatan of one kabupaten."""
    if not kabupaten:
        return list(session.scalars(_KABUPATEN))
    return list(session.scalars(_KECAMATAN, {"kabupaten": kabupaten}))
