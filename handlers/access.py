"""Who may see what: KPM data is for its pendamping, their supervisor and the coordinators."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from storage.models import Person, Role


def may_read_work_of(reader: Person, pendamping: Person) -> bool:
    if reader.role == Role.ADMIN or reader.id == pendamping.id:
        return True
    supervisor = pendamping.supervisor
    if supervisor is None:
        return False
    if reader.id == supervisor.id:
        return True
    return supervisor.supervisor_id is not None and reader.id == supervisor.supervisor_id


def pendamping_ids_visible_to(reader: Person) -> Select[tuple[int]]:
    """The ids of the pendamping whose work `reader` may read (a subquery)."""
    query = select(Person.id).where(Person.role == Role.PENDAMPING)
    if reader.role == Role.ADMIN:
        return query
    if reader.role == Role.SUPERVISOR:
        return query.where(Person.supervisor_id == reader.id)
    if reader.role == Role.KORKAB:
        boss = aliased(Person)
        return query.join(boss, Person.supervisor_id == boss.id).where(
            boss.supervisor_id == reader.id
        )
    return query.where(Person.id == reader.id)


def supervisor_ids_under(reader: Person) -> Select[tuple[int]]:
    """The supervisors whose work `reader` oversees (a korkab's supervisors; none otherwise)."""
    if reader.role == Role.ADMIN:
        return select(Person.id).where(Person.role == Role.SUPERVISOR)
    return select(Person.id).where(
        Person.role == Role.SUPERVISOR, Person.supervisor_id == reader.id
    )
