"""The places a complaint's reporter is offered: the kabupaten that have active pendamping, and
the kecamatan of one kabupaten. Read by a loose index scan, they must be exactly what a plain
DISTINCT over the roster gives, in the same order, whatever the roster holds."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from handlers.people.staff import places
from storage.db import transaction
from storage.models import Person, Role

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
PLACE_NAMES = st.sampled_from(["", "Blitar", "Kediri", "kediri", "Kota Batu", "Ngawi", "Pacitan"])
ROWS = st.lists(
    st.tuples(
        st.sampled_from([Role.PENDAMPING, Role.SUPERVISOR, Role.KORKAB]),
        PLACE_NAMES,
        PLACE_NAMES,
        st.booleans(),
    ),
    max_size=25,
)


def add_people(session: Session, rows: list[tuple[str, str, str, bool]]) -> None:
    for n, (role, kabupaten, kecamatan, active) in enumerate(rows):
        session.add(
            Person(
                role=role,
                name=f"Orang {n}",
                phone=f"+62812300{n:05d}",
                kabupaten=kabupaten,
                kecamatan=kecamatan,
                active=active,
                timezone="Asia/Jakarta",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    session.flush()


def distinct_places(session: Session, kabupaten: str | None = None) -> list[str]:
    """The plain DISTINCT the loose scan replaces: every active pendamping read."""
    column = Person.kecamatan if kabupaten else Person.kabupaten
    query = select(column).where(
        Person.role == Role.PENDAMPING, Person.active.is_(True), column != ""
    )
    if kabupaten:
        query = query.where(Person.kabupaten == kabupaten)
    return list(session.scalars(query.distinct().order_by(column)))


def test_only_places_with_active_pendamping_once_each_in_order(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as session:
        add_people(
            session,
            [
                (Role.PENDAMPING, "Trenggalek", "Pogalan", True),
                (Role.PENDAMPING, "Trenggalek", "Pogalan", True),
                (Role.PENDAMPING, "Trenggalek", "Durenan", True),
                (Role.PENDAMPING, "Trenggalek", "Munjungan", False),  # left: not offered
                (Role.PENDAMPING, "Blitar", "Wlingi", True),
                (Role.PENDAMPING, "Blitar", "", True),  # no kecamatan on the roster
                (Role.PENDAMPING, "", "Tanpa Kabupaten", True),
                (Role.SUPERVISOR, "Madiun", "Dolopo", True),  # no pendamping in Madiun
                (Role.PENDAMPING, "Ngawi", "Paron", False),  # Ngawi's only pendamping left
            ],
        )
        assert places(session) == ["Blitar", "Trenggalek"]
        assert places(session, "Trenggalek") == ["Durenan", "Pogalan"]
        assert places(session, "Blitar") == ["Wlingi"]
        assert places(session, "Madiun") == []
        assert places(session, "Ngawi") == []


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=ROWS, asked=PLACE_NAMES)
def test_the_loose_scan_gives_what_distinct_gives(
    sessions: sessionmaker[Session], rows: list[tuple[str, str, str, bool]], asked: str
) -> None:
    with transaction(sessions) as session:
        session.execute(delete(Person))
        add_people(session, rows)
        assert places(session) == distinct_places(session)
        assert places(session, asked or None) == distinct_places(session, asked or None)
        session.rollback()
