"""The access policy's rules, on generated rosters: the SQL predicates that lists use and the
Python checks that single actions use give the same answer for every reader and row; the chain
of escalation is the handler's own; every action declares the roles it serves."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from conversations.flows import FLOWS
from handlers.core import actions
from handlers.core.menus import MENUS
from handlers.people import access
from storage.db import transaction
from storage.models import Base, Complaint, Person, Role

NOW = datetime(2026, 12, 1, 2, tzinfo=UTC)
PLACES = ("", "Trenggalek", "Wonogiri")
PROVINCES = ("", "Jawa Timur", "Jawa Tengah")

person_rows = st.lists(
    st.tuples(
        st.sampled_from(tuple(Role)),
        st.sampled_from(PLACES),
        st.sampled_from(("", "Pogalan", "Durenan")),
        st.sampled_from(PROVINCES),
        st.integers(min_value=0, max_value=20),  # index of the linked person (modulo)
        st.booleans(),  # linked at all
        st.booleans(),  # active
    ),
    min_size=2,
    max_size=12,
)
complaint_rows = st.lists(
    st.tuples(
        st.sampled_from(PLACES),
        st.sampled_from(("", "Pogalan", "Durenan")),
        st.integers(min_value=-1, max_value=20),  # handler index, -1 none
        st.integers(min_value=-1, max_value=20),  # assignee index
        st.integers(min_value=-1, max_value=20),  # named pendamping index
        st.booleans(),  # about conduct
    ),
    max_size=8,
)


def _clear(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())


def _build(session: Session, people_spec: list, complaint_spec: list) -> None:
    people = []
    for n, (role, kabupaten, kecamatan, provinsi, _link, _linked, active) in enumerate(people_spec):
        person = Person(
            role=role,
            name=f"Orang {n}",
            phone=f"+62812300{n:05d}",
            kabupaten=kabupaten,
            kecamatan=kecamatan,
            provinsi=provinsi,
            timezone="Asia/Jakarta",
            active=active,
        )
        people.append(person)
    session.add_all(people)
    session.flush()
    for person, (*_, link, linked, _active) in zip(people, people_spec, strict=True):
        if linked:
            person.supervisor_id = people[link % len(people)].id
    for n, (kabupaten, kecamatan, handler, assignee, named, conduct) in enumerate(complaint_spec):

        def pick(index: int) -> int | None:
            return people[index % len(people)].id if index >= 0 else None

        session.add(
            Complaint(
                ticket_code=f"ADU-TEST{n:04d}",
                check_code_hash="x",
                reporter_channel="web",
                reporter_address="+6281399990000",
                category="layanan_lain",
                kabupaten=kabupaten,
                kecamatan=kecamatan,
                description="cerita",
                handler_id=pick(handler),
                assignee_id=pick(assignee),
                named_pendamping_id=pick(named),
                about_conduct=conduct,
                consent_at=NOW,
                created_at=NOW,
            )
        )
    session.flush()


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people_spec=person_rows, complaint_spec=complaint_rows)
def test_sql_and_python_agree_on_any_roster(
    sessions: sessionmaker[Session], people_spec: list, complaint_spec: list
) -> None:
    _clear(sessions)
    with transaction(sessions) as session:
        _build(session, people_spec, complaint_spec)
        people = session.scalars(select(Person)).all()
        complaints = session.scalars(select(Complaint)).all()
        for reader in people:
            in_sql = set(session.scalars(select(Person.id).where(access.person_in_scope(reader))))
            assert in_sql == {p.id for p in people if access.may_read_work_of(reader, p)}
            seen_sql = set(
                session.scalars(select(Complaint.id).where(access.complaints_visible_to(reader)))
            )
            seen_py = {c.id for c in complaints if access.may_see_complaint(reader, c)}
            assert seen_sql == seen_py
            for c in complaints:
                if reader.id == c.named_pendamping_id:
                    assert not access.may_see_complaint(reader, c)
                if reader.role == Role.PENDAMPING and c.about_conduct:
                    assert not access.may_see_complaint(reader, c)
                    assert not access.may_act_on_complaint(reader, c)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people_spec=person_rows, complaint_spec=complaint_rows)
def test_escalation_never_reaches_a_barred_pendamping_and_climbs_the_chain(
    sessions: sessionmaker[Session], people_spec: list, complaint_spec: list
) -> None:
    _clear(sessions)
    with transaction(sessions) as session:
        _build(session, people_spec, complaint_spec)
        for c in session.scalars(select(Complaint)).all():
            for level in range(3):
                told = access.complaint_escalation(session, c, level)
                assert all(p.active for p in told)
                assert c.named_pendamping_id not in {p.id for p in told}
                if c.about_conduct:
                    assert all(p.role != Role.PENDAMPING for p in told)
                if c.handler is None:
                    assert all(access.is_desk_admin(p) for p in told)
            for person in access.complaint_first_alerts(session, c):
                assert person.role != Role.PENDAMPING or not c.about_conduct
        for person in session.scalars(select(Person)).all():
            levels = access.chain_above(session, person)
            assert all(levels), "no level is empty"
            assert person.id not in {p.id for level in levels for p in level}


def test_every_flow_and_menu_item_declares_the_roles_it_serves() -> None:
    assert set(actions.FLOW_ACTIONS) == set(FLOWS)
    for role, items in MENUS.items():
        for item in items:
            if item.flow is not None:
                assert role in actions.FLOW_ACTIONS[item.flow].roles, (role, item.value)
            if item.action is not None:
                assert role in actions.MENU_ACTIONS[item.action].roles, (role, item.value)
