"""`in_subquery`: the rows of `column IN (subquery)`, written as PostgreSQL can serve from an
index inside an OR."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from storage.db import transaction
from storage.models import Person
from storage.sql import in_subquery

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def test_postgresql_gets_an_indexable_any_and_others_in() -> None:
    bosses = select(Person.id).where(Person.role == "korkab")
    test = or_(Person.id == 1, in_subquery(Person.supervisor_id, bosses))
    on_postgresql = str(test.compile(dialect=postgresql.dialect()))
    on_sqlite = str(test.compile(dialect=sqlite.dialect()))
    assert "people.supervisor_id = ANY(ARRAY(SELECT people.id" in on_postgresql
    assert "people.supervisor_id IN (SELECT people.id" in on_sqlite


def test_the_same_rows_as_in_including_none_and_nulls(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        people = [
            Person(role=role, name=f"P{n}", phone=f"+6281277700{n:03d}", timezone="Asia/Jakarta")
            for n, role in enumerate(["korkab", "supervisor", "supervisor", "pendamping"])
        ]
        session.add_all(people)
        session.flush()
        people[1].supervisor_id = people[0].id
        people[3].supervisor_id = people[1].id  # people[2] has none: NULL
        session.flush()
        for wanted in ("korkab", "supervisor", "admin"):  # "admin": an empty subquery
            bosses = select(Person.id).where(Person.role == wanted)
            expected = session.scalars(
                select(Person.name).where(Person.supervisor_id.in_(bosses)).order_by(Person.id)
            ).all()
            found = session.scalars(
                select(Person.name)
                .where(or_(Person.id == -1, in_subquery(Person.supervisor_id, bosses)))
                .order_by(Person.id)
            ).all()
            assert found == expected
        assert expected == []
