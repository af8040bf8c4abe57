"""Whose work a view counts: the reader's scope from the access policy, narrowed by the page's
kabupaten and kecamatan filters. Views never build a scope of their own."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session, aliased

from handlers.people import access
from handlers.reports.query import ViewQuery
from storage.models import Complaint, Person
from storage.vocabulary import Role


def _place(q: ViewQuery) -> list[ColumnElement[bool]]:
    where = []
    if q.kabupaten:
        where.append(Person.kabupaten == q.kabupaten)
    if q.kecamatan:
        where.append(Person.kecamatan == q.kecamatan)
    return where


def pendamping(q: ViewQuery) -> Select[tuple[int]]:
    """Ids of the pendamping in scope and in the chosen place (a subquery)."""
    return select(Person.id).where(
        Person.role == Role.PENDAMPING, access.person_in_scope(q.reader), *_place(q)
    )


def pendamping_people(q: ViewQuery) -> Select[tuple[Person]]:
    """The pendamping in scope and in the chosen place, by name."""
    return (
        select(Person)
        .where(Person.role == Role.PENDAMPING, access.person_in_scope(q.reader), *_place(q))
        .order_by(Person.name, Person.id)
    )


def supervisors(q: ViewQuery) -> Select[tuple[Person]]:
    """The active supervisors the reader oversees (a supervisor: themselves), in the chosen
    kabupaten and, for a kecamatan, those with a pendamping there; by name."""
    query = access.supervisors_in_scope(q.reader)
    if q.kabupaten:
        query = query.where(Person.kabupaten == q.kabupaten)
    if q.kecamatan:
        # A supervisor is in a kecamatan when one of their pendamping works there.
        query = query.where(Person.id.in_(_supervisors_of_pendamping_in(q.kecamatan)))
    return query.order_by(Person.name, Person.id)


def _supervisors_of_pendamping_in(kecamatan: str) -> Select[tuple[int | None]]:
    pendamping = aliased(Person)
    return select(pendamping.supervisor_id).where(
        pendamping.role == Role.PENDAMPING, pendamping.kecamatan == kecamatan
    )


def complaints(q: ViewQuery) -> ColumnElement[bool]:
    """A predicate on `Complaint`: visible to the reader and in the chosen place."""
    where = [access.complaints_visible_to(q.reader)]
    if q.kabupaten:
        where.append(Complaint.kabupaten == q.kabupaten)
    if q.kecamatan:
        where.append(Complaint.kecamatan == q.kecamatan)
    return and_(*where)


def places(session: Session, reader: Person) -> dict[str, list[str]]:
    """The kabupaten in the reader's scope, each with its kecamatan (for the filter form)."""
    rows = session.execute(
        select(Person.kabupaten, Person.kecamatan)
        .where(Person.role == Role.PENDAMPING, access.person_in_scope(reader))
        .where(Person.kabupaten != "")
        .distinct()
        .order_by(Person.kabupaten, Person.kecamatan)
    )
    found: dict[str, list[str]] = {}
    for kabupaten, kecamatan in rows:
        found.setdefault(kabupaten, [])
        if kecamatan:
            found[kabupaten].append(kecamatan)
    return found
