"""The places on the roster: kabupaten, and the kecamatan of one kabupaten, that have pendamping.

Who is told or may see anything is `handlers.people.access`'s answer, never a look-up by role
here."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from storage.models import Person, Role


@cache
def _query(kecamatan: bool, within: bool) -> Select[tuple[str]]:
    """Built once, on the table's columns (no ORM work per call): the complaint dialog asks
    for places at every location step."""
    people = Person.__table__.c
    column = people.kecamatan if kecamatan else people.kabupaten
    query = select(column).where(
        people.role == Role.PENDAMPING, people.active.is_(True), column != ""
    )
    if within:
        query = query.where(people.kabupaten == bindparam("kabupaten"))
    return query.distinct().order_by(column)


def places(session: Session, kabupaten: str | None = None) -> list[str]:
    """Kabupaten that have pendamping, or the kecamatan of one kabupaten."""
    query = _query(kabupaten is not None, bool(kabupaten))
    return list(session.scalars(query, {"kabupaten": kabupaten} if kabupaten else {}))
