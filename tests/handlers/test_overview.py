""" "Perlu tindakan" at two kabupaten (the demo roster in Trenggalek, Jawa Timur, and a second one
built here in Wonogiri, Jawa Tengah): each reader gets exactly the late consultations, complaints
near or past their deadline, sessions without a record and quiet cases of their own scope; and
the lists follow the clock (working days for a complaint's "next working day")."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from handlers import overview
from handlers.core.context import AppContext
from handlers.people.phones import to_e164
from storage.db import transaction
from storage.models import Agreement, Case, Complaint, Consultation, Person, SupervisionSession
from storage.vocabulary import (
    AgreementStatus,
    CaseStage,
    CaseStatus,
    CaseType,
    ComplaintCategory,
    ComplaintStatus,
    ConsultationStatus,
    ConsultationTopic,
    ContactMode,
    Role,
    SessionStatus,
    SlotKind,
    Urgency,
)
from tests.support import Clock

# The demo roster's people (bot/demo_roster.csv).
BAMBANG, DEWI, SARI, AGUS = "0812-1000-0001", "0812-1000-0002", "0812-1000-0003", "0812-1000-0004"
HENDRA, YUNI = "0812-1000-0006", "0812-1000-0007"
# Wonogiri, built by `seed`.
JOKO, SINTA, WULAN = "0812-2000-0001", "0812-2000-0002", "0812-2000-0003"
_serial = count(1)


def person(session: Session, phone: str) -> Person:
    return session.scalars(select(Person).where(Person.phone == to_e164(phone))).one()


def _wonogiri(session: Session) -> None:
    def add(role: Role, name: str, phone: str, kecamatan: str, boss: Person | None) -> Person:
        p = Person(
            role=role,
            name=name,
            phone=to_e164(phone),
            kabupaten="Wonogiri",
            kecamatan=kecamatan,
            provinsi="Jawa Tengah",
            timezone="Asia/Jakarta",
            supervisor_id=boss.id if boss else None,
        )
        session.add(p)
        session.flush()
        return p

    joko = add(Role.KORKAB, "Joko Korkab", JOKO, "", None)
    sinta = add(Role.SUPERVISOR, "Sinta Supervisor", SINTA, "", joko)
    add(Role.PENDAMPING, "Wulan Pendamping", WULAN, "Baturetno", sinta)


def _consultation(pendamping: Person, stage: int, next_at: datetime, now: datetime) -> None:
    session = _session_of(pendamping)
    session.add(
        Consultation(
            pendamping_id=pendamping.id,
            supervisor_id=pendamping.supervisor_id,
            topic=ConsultationTopic.CASE_MANAGEMENT,
            urgency=Urgency.URGENT if stage else Urgency.NORMAL,
            description="Perlu masukan",
            preferred_mode=ContactMode.PHONE,
            status=ConsultationStatus.WAITING,
            escalation_stage=stage,
            next_escalation_at=next_at,
            created_at=now - timedelta(hours=30),
        )
    )


def _complaint(handler: Person, due: datetime, status: str = ComplaintStatus.NEW) -> None:
    n = next(_serial)
    created = due - timedelta(days=1)
    _session_of(handler).add(
        Complaint(
            ticket_code=f"ADU-Q{n:06d}",
            check_code_hash=hashlib.sha256(str(n).encode()).hexdigest(),
            reporter_channel="web",
            reporter_address="+6281399990001",
            category=ComplaintCategory.NOT_RECEIVED,
            kabupaten=handler.kabupaten,
            kecamatan="Pogalan",
            description="Bantuan belum cair",
            status=status,
            handler_id=handler.id,
            consent_at=created,
            created_at=created,
            ack_due_at=due,
            plan_due_at=due + timedelta(days=2),
            resolve_due_at=due + timedelta(days=4),
        )
    )


def _sessions(supervisor: Person, now: datetime) -> None:
    session = _session_of(supervisor)
    agreement = Agreement(
        supervisor_id=supervisor.id,
        kind=SlotKind.INDIVIDUAL,
        cadence_days=7,
        weekday=0,
        local_time="09:00",
        duration_minutes=60,
        mode=ContactMode.IN_PERSON,
        start_date=date(2026, 11, 2),
        timezone="Asia/Jakarta",
        status=AgreementStatus.ACTIVE,
    )
    session.add(agreement)
    session.flush()
    # ended yesterday without a record; ended and recorded; ends tomorrow.
    for n, (start, recorded) in enumerate(
        (
            (now - timedelta(days=1), None),
            (now - timedelta(days=2), now),
            (now + timedelta(days=1), None),
        )
    ):
        session.add(
            SupervisionSession(
                agreement_id=agreement.id,
                occurrence=n,
                planned_for=start,
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                status=SessionStatus.SCHEDULED,
                recorded_at=recorded,
            )
        )


def add_case(pendamping: Person, last: datetime, status: str = CaseStatus.ACTIVE) -> None:
    n = next(_serial)
    _session_of(pendamping).add(
        Case(
            pendamping_id=pendamping.id,
            code=f"KS-{n:05d}",
            label=f"Keluarga {pendamping.name.split()[0]} {n}",
            kpm_ref_masked="************1234",
            case_type=CaseType.EDUCATION,
            stage=CaseStage.ASSESSMENT,
            status=status,
            last_update_at=last,
        )
    )


def _session_of(obj: object) -> Session:
    found = object_session(obj)
    assert found is not None
    return found


def seed(ctx: AppContext, now: datetime) -> None:
    """For each supervisor (Dewi with Sari and Agus, Sinta with Wulan): two late consultations
    and one not yet; complaints past due, due tomorrow, due in five days and one closed; one
    session without a record; quiet, fresh and closed cases."""
    with transaction(ctx.sessions) as session:
        _wonogiri(session)
        for supervisor, pendamping in ((DEWI, SARI), (SINTA, WULAN)):
            boss, p = person(session, supervisor), person(session, pendamping)
            _consultation(p, 1, now + timedelta(hours=5), now)  # escalated once
            _consultation(p, 0, now - timedelta(minutes=1), now)  # acknowledgement overdue
            _consultation(p, 0, now + timedelta(hours=1), now)  # not late yet
            _complaint(boss, now - timedelta(hours=1))  # late
            _complaint(boss, now + timedelta(hours=20))  # due tomorrow
            _complaint(boss, now + timedelta(days=5))  # Sunday 6 December
            _complaint(boss, now - timedelta(days=3), ComplaintStatus.RESOLVED)
            _sessions(boss, now)
            add_case(p, now - timedelta(days=20))  # quiet
            add_case(p, now - timedelta(days=10))  # fresh
            add_case(p, now - timedelta(days=30), CaseStatus.CLOSED)
        add_case(person(session, AGUS), now - timedelta(days=15))  # Agus: quiet


def counts(ctx: AppContext, phone: str, now: datetime) -> tuple[int, int, int, int]:
    with ctx.sessions() as session:
        found = overview.needs_action(session, person(session, phone), now)
    return (
        found.consultations.total,
        found.complaints.total,
        found.sessions.total,
        found.cases.total,
    )


@pytest.fixture
def seeded(ctx: AppContext, demo_roster: None, clock: Clock) -> AppContext:
    seed(ctx, clock())
    return ctx


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        (DEWI, (2, 2, 1, 2)),
        (SINTA, (2, 2, 1, 1)),
        (BAMBANG, (2, 2, 1, 2)),
        (JOKO, (2, 2, 1, 1)),
        (HENDRA, (2, 2, 1, 2)),  # korwil of Jawa Timur: Trenggalek only
        (YUNI, (4, 4, 2, 3)),  # the desk: everything
        (SARI, (2, 0, 0, 1)),  # her own consultations and quiet case
        (AGUS, (0, 0, 0, 1)),
    ],
)
def test_each_reader_sees_their_own_scope(
    seeded: AppContext, clock: Clock, phone: str, expected: tuple[int, int, int, int]
) -> None:
    assert counts(seeded, phone, clock()) == expected


def test_a_supervisor_never_sees_another_supervisors_rows(seeded: AppContext, clock: Clock) -> None:
    with seeded.sessions() as session:
        found = overview.needs_action(session, person(session, DEWI), clock())
        sinta = person(session, SINTA)
        theirs = set(
            session.scalars(select(Complaint.ticket_code).where(Complaint.handler_id == sinta.id))
        )
    assert {r.pendamping for r in found.consultations.rows} == {"Sari Rahayu"}
    assert not theirs & {r.ticket_code for r in found.complaints.rows}
    assert {r.supervisor for r in found.sessions.rows} == {"Dewi Lestari"}
    assert {r.pendamping for r in found.cases.rows} == {"Sari Rahayu", "Agus Santoso"}


def test_a_pendamping_sees_only_their_own_quiet_cases(seeded: AppContext, clock: Clock) -> None:
    with seeded.sessions() as session:
        found = overview.quiet_cases(session, person(session, SARI), clock())
    assert [r.pendamping for r in found.rows] == ["Sari Rahayu"]
    assert found.rows[0].code and found.rows[0].code.startswith("KS-")


def test_the_lists_follow_the_clock(seeded: AppContext, clock: Clock) -> None:
    # Tuesday 09:00 WIB -> Saturday 09:00 WIB: the next working day is Monday, so the complaint
    # due on Sunday is near; the fresh cases turn 14 days quiet; the waiting consultation is late;
    # tomorrow's session has ended without a record.
    later = clock.advance(days=4)
    assert counts(seeded, DEWI, later) == (3, 3, 2, 3)
    with seeded.sessions() as session:
        found = overview.due_complaints(session, person(session, DEWI), later)
    assert sum(r.due_at <= later for r in found.rows) == 2


def test_a_section_keeps_fifty_rows_and_counts_the_rest(
    ctx: AppContext, demo_roster: None, clock: Clock
) -> None:
    now = clock()
    with transaction(ctx.sessions) as session:
        sari = person(session, SARI)
        for n in range(overview.SECTION_LIMIT + 7):
            add_case(sari, now - timedelta(days=15 + n))
    with ctx.sessions() as session:
        found = overview.quiet_cases(session, person(session, DEWI), now)
    assert len(found.rows) == overview.SECTION_LIMIT
    assert found.total == overview.SECTION_LIMIT + 7
    assert found.more == 7
    assert found.rows[0].last_update_at < found.rows[-1].last_update_at
